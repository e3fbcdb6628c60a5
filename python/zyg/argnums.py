"""Which arguments a gradient is taken with respect to: `argnums`, as in `jax.grad(f, argnums=...)`.

In: the user's `argnums` (None, an int or a sequence of ints) for a function, then per call the trees
of its arguments (`zyg.frontend.trees`). Out: `wrt`, the increasing positions the compiled request
differentiates (None: every argument with a float leaf), `differentiated_leaves`, the same as positions
among the flattened leaves, and the compiled gradients arranged as asked: one entry per argument when
`argnums` is None, the gradient itself for an int, a tuple in the given order for a sequence. A
structured argument's gradient has its structure, with None in the leaves that carry no gradient (int,
bool, str, None). Plain Python, no xDSL: it runs on every call.
"""

from __future__ import annotations

import types
from collections.abc import Sequence

from zyg.errors import ZygTypeError
from zyg.frontend.source import function_location
from zyg.frontend.trees import LEAF, TreeDef, build_python, summary, type_name, unflatten
from zyg.typecodes import is_float_code

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


def has_gradient(tree: TreeDef) -> bool:
    """Whether a value of structure `tree` has a leaf that carries a gradient (a float or float array)."""
    return any(map(is_float_code, tree.leaf_codes()))


def wrt(f: types.FunctionType, argnums: Request, signature: tuple[TreeDef, ...]) -> tuple[int, ...] | None:
    """The increasing positions to differentiate for arguments of structures `signature`; None when
    that is every argument with a float leaf, so that the request shares its compile with `argnums=None`.

    Raises:
        ZygTypeError: at `f`'s definition, when `argnums` names an argument without a float leaf, or
            when `argnums` is None and no argument has one (JAX's grad refuses int inputs too).
    """
    if argnums is None:
        if not any(map(has_gradient, signature)):
            kinds = ", ".join(type_name(tree) for tree in signature) or "none"
            raise ZygTypeError(f"'{f.__qualname__}' has no float argument to differentiate (its arguments: "
                               f"{kinds}); only float and float-array arguments have a gradient",
                               function_location(f))
        return None
    positions = sorted(_as_tuple(argnums))
    for position in positions:
        tree = signature[position]
        if not has_gradient(tree):
            name = type_name(tree)
            what = f"a{'n' if name[0] in 'aeiou' else ''} {name}"
            if tree.kind != LEAF:
                what += " with no float in it"
            raise ZygTypeError(f"argnums={argnums!r} of '{f.__qualname__}' names argument {position}, "
                               f"{what}; only float and float-array arguments have a gradient",
                               function_location(f))
    floats = [i for i, tree in enumerate(signature) if has_gradient(tree)]
    return None if positions == floats else tuple(positions)


# `wrt` of a request that differentiates the free data (`zyg.Params`) and no argument.
FREE_DATA = "free data"


def differentiated_leaves(signature: tuple[TreeDef, ...], wrt: tuple[int, ...] | str | None,
                          free_trees: tuple[TreeDef, ...] = ()) -> tuple[int, ...] | None:
    """The positions, among the flattened leaves of the arguments and then of the free data the
    function reads, of the float leaves to differentiate: those of the arguments at `wrt` (every
    argument when None), or of the free data when `wrt` is `FREE_DATA`. None stands for every float
    leaf of the arguments when the function reads no free data."""
    if wrt is None and not free_trees:
        return None
    positions, offset = [], 0
    for index, tree in enumerate(signature):
        if wrt is None or (wrt != FREE_DATA and index in wrt):
            positions += [offset + k for k, code in enumerate(tree.leaf_codes()) if is_float_code(code)]
        offset += tree.leaf_count
    if wrt == FREE_DATA:
        for tree in free_trees:
            positions += [offset + k for k, code in enumerate(tree.leaf_codes()) if is_float_code(code)]
            offset += tree.leaf_count
    return tuple(positions)


def arrange(argnums: Request, signature: tuple[TreeDef, ...], gradients: Sequence) -> object:
    """The compiled `gradients` (one per float leaf of the differentiated arguments, in order) as the
    caller asked for them, each argument's in its structure."""
    return arranger(argnums, signature)(gradients)


def arranger(argnums: Request, signature: tuple[TreeDef, ...]):
    """`arrange` for one signature, worked out once: a function of the compiled gradients (the
    per-call cost of a call with plain arguments is a tuple built by index)."""
    positions = differentiated_positions(argnums, len(signature))
    parts, start = {}, 0
    for p in positions:
        tree = signature[p]
        count = sum(map(is_float_code, tree.leaf_codes()))
        parts[p] = (tree, start, count)
        start += count
    order = tuple(positions) if not isinstance(argnums, (int, tuple)) else _as_tuple(argnums)
    plain = all(tree.kind == LEAF for tree, _, _ in parts.values())

    floats = {p: tuple(map(is_float_code, tree.leaf_codes())) for p, (tree, _, _) in parts.items()}

    def one(p: int, gradients: Sequence) -> object:
        tree, first, count = parts[p]
        if plain:
            return gradients[first] if count else None
        return _gradient_tree(tree, floats[p], iter(gradients[first:first + count]))

    if isinstance(argnums, int):
        return lambda gradients: one(argnums, gradients)
    if plain:
        picks = tuple(parts[p][1] if parts[p][2] else None for p in order)
        return lambda gradients: tuple(None if i is None else gradients[i] for i in picks)
    return lambda gradients: tuple(one(p, gradients) for p in order)


def differentiated_positions(argnums: Request, count: int) -> list[int] | range:
    """The increasing positions, among `count` arguments, whose gradients the compiled request returns."""
    return range(count) if argnums is None else sorted(_as_tuple(argnums))


def _gradient_tree(tree: TreeDef, floats: tuple[bool, ...], flat) -> object:
    """A gradient of structure `tree`: the next gradients from `flat` in its float leaves (where
    `floats` is true, one flag per leaf), None elsewhere."""
    if tree.kind == LEAF:
        return next(flat) if floats[0] else None
    leaves = [next(flat) if is_float else None for is_float in floats]
    return unflatten(tree, leaves, build_python, lambda _: None)


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


def require_float_result(f: types.FunctionType, result: TreeDef) -> None:
    """Raises unless `f`'s result (of tree `result`) is a float: what a gradient differentiates."""
    if result.kind != LEAF or result.code not in ("f64", "f32"):
        name = summary(result)
        raise ZygTypeError(f"'{f.__qualname__}' returns a{'n' if name[0] in 'aeiouAEIOU' else ''} {name}; "
                           "differentiate a function that returns a float", function_location(f))


def require_float_leaf(f: types.FunctionType, result: TreeDef) -> None:
    """Raises unless `f`'s result (of tree `result`) has a float leaf: what a Jacobian differentiates."""
    if not has_gradient(result):
        name = summary(result)
        raise ZygTypeError(f"'{f.__qualname__}' returns a{'n' if name[0] in 'aeiouAEIOU' else ''} {name}; "
                           "the Jacobian differentiates a function that returns floats or float arrays "
                           "(or structures holding some)", function_location(f))
