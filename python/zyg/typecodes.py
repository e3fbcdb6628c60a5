"""What a Python argument specialises to, as a short type code; no xDSL, so a cache hit stays cheap.

In: Python values (numbers, NumPy arrays). Out: codes such as `f64` (float), `i64` (int), `i1`
(bool) and `a2f32` (a float32 array of rank 2); they are also the codes in generated symbol names
(`zyg.frontend.types.type_code`). `zyg.frontend.types` turns a code into its IR type.
"""

from __future__ import annotations

import numpy as np

_ELEMENTS = {np.dtype(np.float64): "f64", np.dtype(np.float32): "f32", np.dtype(np.int64): "i64",
             np.dtype(np.bool_): "i1"}
_NAMES = {"f64": "float", "i64": "int", "i1": "bool", "f32": "float32"}
_DTYPE_NAMES = {"f64": "float64", "f32": "float32", "i64": "int64", "i1": "bool"}


def type_code_of(value: object) -> str | None:
    """The code of the type `value` specialises to, or None if zyg cannot take it."""
    if isinstance(value, (bool, np.bool_)):
        return "i1"
    if isinstance(value, (int, np.integer)):
        return "i64"
    if isinstance(value, (float, np.floating)):
        return "f64"
    if isinstance(value, np.ndarray):
        element = _ELEMENTS.get(value.dtype)
        return None if element is None else f"a{value.ndim}{element}"
    return None


def split_array_code(code: str) -> tuple[int, str] | None:
    """`(rank, element code)` of an array code (`a2f64` -> `(2, 'f64')`), None for a scalar code."""
    if not code.startswith("a"):
        return None
    end = next(i for i, c in enumerate(code) if c in "fi")
    return int(code[1:end]), code[end:]


def is_float_code(code: str) -> bool:
    """Whether the code is differentiable: a float or an array of float64 or float32."""
    return code.endswith(("f64", "f32"))


def python_name(code: str) -> str:
    """The Python name of a type code, for messages: `float`, `float64 array of rank 2`."""
    array = split_array_code(code)
    if array is not None:
        return f"{_DTYPE_NAMES[array[1]]} array of rank {array[0]}"
    return _NAMES[code]


def to_python(value: object, code: str) -> object:
    """A result of compiled code as the Python object of its type (arrays pass through)."""
    if code.startswith("a"):
        return value
    if code in ("f64", "f32"):
        return float(value)
    if code == "i1":
        return bool(value)
    return int(value)
