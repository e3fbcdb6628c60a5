"""The fast path of a call of a compiled function: the last call's compile, in a few hundred nanoseconds.

In: the arguments of a call and the compile that served it (`CompiledRequest`). Out: a `FastPath`
`(call, guard, finish)` for the next call, or `NO_FAST_PATH`. A next call with arguments of the same
kinds runs `finish(call(*args))` once `guard.check()` holds, and nothing else in Python: `call` is the
native builtin (`zyg.backend.python_entry`), or a small function that spreads the leaves of the dicts,
lists and tuples of plain leaves among the arguments into it, and it returns a tuple only for
arguments of exactly the kinds it was compiled for (anything else goes the full way, which compiles,
converts or says what is wrong).

Only the arguments' kinds are checked: the native builtin checks each leaf's exact type, dtype and
rank, and the functions here each container's exact type and its keys or length, which is all that
`structure_key` tells apart between two calls whose arguments are plain leaves and one-level containers
of them (dict keys compare equal; the results carry the compile's keys, as the full path's do).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from zyg.compiled import CompiledRequest

LEAF_TYPES = frozenset({float, int, bool, np.ndarray})
_LEAF, _DICT, _LIST, _TUPLE = "leaf", "dict", "list", "tuple"


class FastPath(NamedTuple):
    call: Callable | None
    guard: object
    finish: Callable | None


class _Always:
    """The guard of a compile that read nothing it must check again."""

    @staticmethod
    def check() -> bool:
        return True


NO_FAST_PATH = FastPath(None, None, None)


def fast_path(args: tuple, compiled: CompiledRequest, finish: Callable | None) -> FastPath:
    """The fast path of calls like the one with `args` (the function's parameters exactly) that
    `compiled` served, its results made by `finish` (None: the tuple of native results); none where
    an argument is neither a plain leaf nor a container of them, or the compile reads free data (read
    at each call, in Python)."""
    if compiled.free_trees:
        return NO_FAST_PATH
    shapes = [_shape(a) for a in args]
    if any(shape is None for shape in shapes):
        return NO_FAST_PATH
    call = compiled.native.call
    if any(shape[0] != _LEAF for shape in shapes):
        call = _spreader(call, shapes)
    return FastPath(call, compiled.guard or _Always, finish)


def gradients_builder(args: tuple) -> Callable | None | bool:
    """For a gradient of every argument, each a float leaf or a container of float leaves: a function
    of the flat native gradients giving one per argument, of its structure (None: the native tuple is
    it already); False where some leaf is not a float (the general arrangement then)."""
    shapes = [_shape(a) for a in args]
    if any(shape is None for shape in shapes) or not all(_all_floats(a) for a in args):
        return False
    if all(shape[0] == _LEAF for shape in shapes):
        return None
    names: dict[str, object] = {}
    parts, start = [], 0
    for index, (kind, detail) in enumerate(shapes):
        count = 1 if kind == _LEAF else len(detail) if kind == _DICT else detail
        items = f"outcome[{start}:{start + count}]"
        if kind == _LEAF:
            parts.append(f"outcome[{start}]")
        elif kind == _DICT:
            names[f"keys{index}"] = detail
            parts.append(f"dict(zip(keys{index}, {items}))")
        else:
            parts.append(f"list({items})" if kind == _LIST else items)
        start += count
    return _function(f"lambda {', '.join(['outcome', *(f'{n}={n}' for n in names)])}: ({', '.join(parts)},)", names)


def _shape(value: object) -> tuple | None:
    """`(kind, detail)` of a plain leaf, or of a dict (its keys, all str), list or tuple (its length) of
    plain leaves; None for anything else."""
    kind = type(value)
    if kind in LEAF_TYPES:
        return _LEAF, None
    if kind is dict and all(type(k) is str for k in value) and all(type(v) in LEAF_TYPES for v in value.values()):
        return _DICT, tuple(value)
    if (kind is list or kind is tuple) and all(type(v) in LEAF_TYPES for v in value):
        return (_LIST if kind is list else _TUPLE), len(value)
    return None


def _all_floats(value: object) -> bool:
    items = value.values() if type(value) is dict else value if type(value) in (list, tuple) else (value,)
    return all(type(v) is float or (type(v) is np.ndarray and v.dtype.kind == "f") for v in items)


def _spreader(call: Callable, shapes: Sequence[tuple]) -> Callable:
    """A function of the arguments that checks each container's type and keys or length and calls
    `call` with all their leaves; `NotImplemented` for arguments of other structures."""
    names: dict[str, object] = {"call": call}
    tests, spread = [], []
    for index, (kind, detail) in enumerate(shapes):
        name = f"a{index}"
        if kind == _LEAF:
            spread.append(name)
        elif kind == _DICT:
            names[f"keys{index}"] = detail
            tests.append(f"type({name}) is dict and tuple({name}) == keys{index}")
            spread.append(f"*{name}.values()")
        else:
            tests.append(f"type({name}) is {kind} and len({name}) == {detail}")
            spread.append(f"*{name}")
    unpack = f"{', '.join(f'a{i}' for i in range(len(shapes)))}, = args"
    source = (f"def spread(*args, {_defaults(names)}):\n"
              f"    if len(args) == {len(shapes)}:\n"
              f"        {unpack}\n"
              f"        if {' and '.join(tests)}:\n"
              f"            return call({', '.join(spread)})\n"
              f"    return NotImplemented\n")
    namespace: dict[str, object] = dict(names)
    exec(source, namespace)  # noqa: S102 -- code of our own making, as dataclasses makes __init__
    return namespace["spread"]


def _defaults(names: dict[str, object]) -> str:
    """Keyword-only parameters bound to `names` by default: local loads in the generated functions."""
    return ", ".join(f"{name}={name}" for name in names)


def _function(source: str, names: dict[str, object]) -> Callable:
    return eval(source, dict(names))  # noqa: S307 -- as `_spreader`
