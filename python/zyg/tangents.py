"""The tangents of a jvp (forward mode) at the API: in, one per argument, flattened into the
compiled entry's tangent inputs; out, the flat result tangents as a value of the output's structure.

In: the function, the arguments and the tangents the user passes (JAX's `jvp(f, primals, tangents)`:
one tangent per argument, of its structure, arrays of its shapes; None for a zero tangent of any part;
the parts that carry no tangent, ints, bools and str, take anything, conventionally None or zeros).
Out: the seeds of the compiled jvp (one per float leaf of the arguments, in order), and the output's
tangent (None in its leaves that carry none). Plain Python, no xDSL: it runs on every call.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Sequence

from zyg.cotangents import seeds
from zyg.errors import ZygTypeError
from zyg.frontend.source import function_location
from zyg.frontend.trees import LEAF, TreeDef, build_python, unflatten
from zyg.typecodes import is_float_code, to_python


def parameter_tangents(f: types.FunctionType, args: Sequence, tangents: Sequence) -> tuple:
    """`tangents`, one per argument passed, as one per parameter of `f` in the compiled function's
    order (see `zyg.api._parameter_values`): parameters filled by defaults and keyword-only ones take
    a zero tangent, the `*args` tuple the tuple of the extra arguments' tangents.

    Raises:
        ZygTypeError: at `f`'s definition, when there is not one tangent per argument.
    """
    if len(tangents) != len(args):
        raise ZygTypeError(f"jvp of '{f.__qualname__}': {len(args)} primals but {len(tangents)} tangents; pass one "
                           "tangent per argument, of its structure", function_location(f))
    code = f.__code__
    count = code.co_argcount
    result = [*tangents[:count], *[None] * max(0, count - len(tangents))]
    if code.co_flags & inspect.CO_VARARGS:
        result.append(tuple(tangents[count:]))
    result += [None] * code.co_kwonlyargcount
    if code.co_flags & inspect.CO_VARKEYWORDS:
        result.append(None)
    return tuple(result)


def tangent_seeds(signature: tuple[TreeDef, ...], args: Sequence, tangents: Sequence) -> list:
    """The compiled jvp's tangent inputs: the float leaves of each argument's tangent, in order.

    Raises:
        ZygTypeError: naming the argument and path of a tangent whose structure, shape or type does
            not match its argument's.
    """
    flat: list = []
    for index, (tree, value, tangent) in enumerate(zip(signature, args, tangents, strict=True)):
        flat += seeds(tree, value, tangent, f"the tangent of argument {index}", of="argument")
    return flat


def output_tangent(tree: TreeDef, flat: Sequence) -> object:
    """The output's tangent from the compiled jvp's result tangents (one per float leaf, in order):
    a value of the output's structure, None in the leaves that carry no tangent."""
    values = iter(flat)
    leaves = [to_python(next(values), code) if is_float_code(code) else None for code in tree.leaf_codes()]
    if tree.kind == LEAF:
        return leaves[0]
    return unflatten(tree, leaves, build_python, lambda _: None)
