"""Checks `zyg.jacobian` against central finite differences of the function run in plain Python.

`check_jacobian(f, args, argnums=None)` asserts that `zyg.jacobian(f, *args, argnums=argnums)` has,
for each argument asked for, the argument's structure (None for one without a float leaf and in
leaves without a float), and in each float leaf the block of central differences of `vec(y)`: the
float leaves of `f`'s output, each flattened row-major, concatenated in order. An array leaf's block
is a float64 matrix of shape `(len(vec(y)), leaf.size)`, a float leaf's a vector of length `len(vec(y))`.
"""

from __future__ import annotations

import numpy as np
import zyg
from treecheck import REL_STEP, _children, _is_float_leaf, get_leaf, leaf_paths, replace_leaf


def vec(y) -> np.ndarray:
    """The float leaves of `y`, each flattened row-major, concatenated in flattening order."""
    leaves = [get_leaf(y, path) for path in leaf_paths(y)]
    return np.concatenate([np.ravel(np.asarray(leaf, dtype=np.float64)) for leaf in leaves if _is_float_leaf(leaf)])


def _columns(f, args: tuple, index: int, path: tuple) -> np.ndarray:
    """Central differences of `vec(f(*args))` in each element of the float leaf at `path` of argument
    `index`: one column per element, as a matrix."""
    leaf = get_leaf(args[index], path)

    def at(value):
        changed = list(args)
        changed[index] = replace_leaf(args[index], path, value)
        return vec(f(*changed))

    if isinstance(leaf, float):
        h = REL_STEP * max(1.0, abs(leaf))
        return ((at(leaf + h) - at(leaf - h)) / (2 * h))[:, None]
    columns = []
    for position in np.ndindex(leaf.shape):
        h = REL_STEP * max(1.0, abs(leaf[position]))
        plus, minus = leaf.astype(np.float64), leaf.astype(np.float64)
        plus[position] += h
        minus[position] -= h
        columns.append((at(plus.astype(leaf.dtype)) - at(minus.astype(leaf.dtype))) / (2 * h))
    return np.stack(columns, axis=1)


def check_jacobian(f, args, argnums=None, rtol: float = 1e-5, atol: float = 1e-6):
    """Checks `zyg.jacobian(f, *args, argnums=argnums)` against central differences; returns it."""
    args = tuple(args)
    got = zyg.jacobian(f, *args, argnums=argnums)
    m = len(vec(f(*args)))
    positions = range(len(args)) if argnums is None else [argnums] if isinstance(argnums, int) else list(argnums)
    entries = [got] if isinstance(argnums, int) else list(got)
    assert len(entries) == len(positions), f"jacobian returned {got!r}"
    for index, entry in zip(positions, entries):
        arg = args[index]
        if _children(arg) is None and not _is_float_leaf(arg):
            assert entry is None, f"argument {index} ({type(arg).__name__}) got the Jacobian {entry!r}"
            continue
        for path in leaf_paths(arg):
            leaf, block = get_leaf(arg, path), get_leaf(entry, path)
            where = f"d vec(y) / d argument {index}{''.join(f'[{s!r}]' for s in path)}"
            if not _is_float_leaf(leaf):
                assert block is None, f"{where}: a {type(leaf).__name__} leaf got {block!r}"
                continue
            shape = (m,) if isinstance(leaf, float) else (m, leaf.size)
            assert isinstance(block, np.ndarray) and block.dtype == np.float64 and block.shape == shape, (
                f"{where}: expected a float64 block of shape {shape}, got {block!r}")
            expected = _columns(f, args, index, path)
            np.testing.assert_allclose(block.reshape(m, -1), expected, rtol=rtol, atol=atol, err_msg=where)
    return got
