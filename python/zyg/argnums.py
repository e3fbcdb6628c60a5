"""Which arguments a gradient is taken with respect to: `argnums`, as in `jax.grad(f, argnums=...)`.

In: the user's `argnums` (None, an int or a sequence of ints) for a function, then per call the type
codes of its arguments (`zyg.typecodes`). Out: `wrt`, the increasing positions the compiled request
differentiates (None: every float argument), and the compiled gradients arranged as asked: one entry
per argument (None for int and bool) when `argnums` is None, the gradient itself for an int, a tuple
in the given order for a sequence. Plain Python, no xDSL: it runs on every call.
"""

from __future__ import annotations

import types
from collections.abc import Sequence

from zyg.errors import ZygTypeError
from zyg.frontend.source import function_location
from zyg.typecodes import is_float_code, python_name

Request = int | tuple[int, ...] | None  # a validated, hashable `argnums`


def checked(f: types.FunctionType, argnums: object) -> Request:
    """`argnums` validated against `f`'s positional parameters, negative positions counted from the end.

    Raises:
        ZygTypeError: at `f`'s definition, when `argnums` is not None, an int or a non-empty sequence of
            ints, or names a position `f` lacks, or names one position twice.
    """
    if argnums is None:
        return None
    count = f.__code__.co_argcount
    if _is_index(argnums):
        return _position(f, argnums, argnums, count)
    if not isinstance(argnums, Sequence) or isinstance(argnums, str) or not all(map(_is_index, argnums)):
        raise ZygTypeError(f"argnums of '{f.__qualname__}' must be an int or a tuple of ints, got {argnums!r}",
                           function_location(f))
    if not argnums:
        raise ZygTypeError(f"argnums of '{f.__qualname__}' is empty; name at least one argument to differentiate",
                           function_location(f))
    positions = tuple(_position(f, argnums, index, count) for index in argnums)
    repeated = sorted({p for p in positions if positions.count(p) > 1})
    if repeated:
        raise ZygTypeError(f"argnums={tuple(argnums)!r} of '{f.__qualname__}' names argument "
                           f"{repeated[0]} more than once", function_location(f))
    return positions


def wrt(f: types.FunctionType, argnums: Request, signature: tuple[str, ...]) -> tuple[int, ...] | None:
    """The increasing positions to differentiate for arguments of types `signature`; None when that is
    every float argument, so that the request shares its compile with `argnums=None`.

    Raises:
        ZygTypeError: at `f`'s definition, when `argnums` names an argument that is not a float or a
            float array, or when `argnums` is None and no argument is one (JAX's grad refuses int
            inputs too).
    """
    if argnums is None:
        if not any(map(is_float_code, signature)):
            kinds = ", ".join(python_name(code) for code in signature) or "none"
            raise ZygTypeError(f"'{f.__qualname__}' has no float argument to differentiate (its arguments: "
                               f"{kinds}); only float and float-array arguments have a gradient",
                               function_location(f))
        return None
    positions = sorted(_as_tuple(argnums))
    for position in positions:
        code = signature[position]
        if not is_float_code(code):
            raise ZygTypeError(f"argnums={argnums!r} of '{f.__qualname__}' names argument {position}, "
                               f"a{'n' if python_name(code)[0] in 'aeiou' else ''} {python_name(code)}; "
                               "only float and float-array arguments have a gradient", function_location(f))
    floats = [i for i, code in enumerate(signature) if is_float_code(code)]
    return None if positions == floats else tuple(positions)


def arrange(argnums: Request, signature: tuple[str, ...], gradients: Sequence) -> object:
    """The compiled `gradients` (one per float argument, or per position of `wrt(...)`, in increasing
    order) as the caller asked for them."""
    if argnums is None:
        by_position = iter(gradients)
        return tuple(next(by_position) if is_float_code(code) else None for code in signature)
    positions = _as_tuple(argnums)
    by_position = dict(zip(sorted(positions), gradients, strict=True))
    if isinstance(argnums, int):
        return by_position[argnums]
    return tuple(by_position[p] for p in positions)


def _as_tuple(argnums: int | tuple[int, ...]) -> tuple[int, ...]:
    return (argnums,) if isinstance(argnums, int) else argnums


def _is_index(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _position(f: types.FunctionType, argnums: object, index: int, count: int) -> int:
    if not -count <= index < count:
        raise ZygTypeError(f"argnums={argnums!r} of '{f.__qualname__}' names argument {index}, but "
                           f"'{f.__qualname__}' takes {count} argument{'' if count == 1 else 's'}",
                           function_location(f))
    return index % count
