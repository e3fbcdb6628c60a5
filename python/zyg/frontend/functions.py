"""Functions as values inside compiled code (issue 12, first part).

A function known at compile time (a Python function, a `math` or NumPy function, a builtin) is a
static leaf of the value trees (`zyg.frontend.trees`): it has no IR value, a compile specialises on it
(its gradient is None), it may sit in containers, be passed, returned and stored, and a call of it is a
direct call of that function. A value that is not one of these is not a function to zyg.
"""

from __future__ import annotations

import types

import numpy as np

# The kinds of object that are functions: Python functions, builtins (`abs`, `math.sin`), NumPy ufuncs
# (`np.tanh`) and NumPy's dispatched functions (`np.sum`).
FUNCTION_TYPES = (types.FunctionType, types.BuiltinFunctionType, np.ufunc, type(np.sum))


def is_function(obj: object) -> bool:
    """Whether `obj` is a function zyg takes as a value."""
    return isinstance(obj, FUNCTION_TYPES)


def function_name(obj: object) -> str:
    """How messages name function `obj`: `math.sin`, `np.tanh`, `step`."""
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", repr(obj))
    if isinstance(obj, np.ufunc) or module.startswith("numpy"):
        return f"np.{name}"
    return f"math.{name}" if module == "math" else name
