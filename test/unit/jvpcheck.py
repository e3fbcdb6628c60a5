"""Checks zyg's forward mode against central finite differences along a random direction.

`check_jvp(f, args)` draws a tangent of each argument's structure (random floats and float arrays in
its float leaves, the argument's own value in its other leaves; None for a top-level int, bool or
str) and asserts that `zyg.jvp(f, args, tangents)`
  (a) gives `f(*args)` as the value, and
  (b) gives, in every float leaf of the output, (f(args + h t) - f(args - h t)) / 2h computed by
      running `f` in plain Python (in float64), and None in every other leaf.
"""

from __future__ import annotations

import numpy as np
import zyg
from treecheck import _children, assert_same_tree, get_leaf, leaf_paths, replace_leaf

REL_STEP = 1e-6


def _is_float_leaf(x) -> bool:
    return isinstance(x, float) or (isinstance(x, np.ndarray) and x.dtype.kind == "f")


def _float_paths(x) -> list[tuple]:
    return [path for path in leaf_paths(x) if _is_float_leaf(get_leaf(x, path))]


def random_tangent(x, rng: np.random.Generator):
    """A tangent of `x`'s structure: random values in its float leaves, its own elsewhere."""
    if _children(x) is None and not _is_float_leaf(x):
        return None
    tangent = x
    for path in _float_paths(x):
        leaf = get_leaf(x, path)
        if isinstance(leaf, float):
            value = float(rng.uniform(-1.0, 1.0))
        else:
            value = rng.uniform(-1.0, 1.0, size=leaf.shape).astype(leaf.dtype)
        tangent = replace_leaf(tangent, path, value)
    return tangent


def _moved(args: tuple, tangents: tuple, step: float) -> tuple:
    """`args + step * tangents` in every float leaf, arrays in float64."""
    moved = []
    for arg, tangent in zip(args, tangents):
        for path in _float_paths(arg):
            leaf, direction = get_leaf(arg, path), get_leaf(tangent, path)
            if isinstance(leaf, np.ndarray):
                leaf, direction = leaf.astype(np.float64), direction.astype(np.float64)
            arg = replace_leaf(arg, path, leaf + step * direction)
        moved.append(arg)
    return tuple(moved)


def _scale(args: tuple) -> float:
    sizes = [float(np.max(np.abs(get_leaf(a, p)), initial=0.0)) for a in args for p in _float_paths(a)]
    return max([1.0, *sizes])


def check_jvp(f, args, rtol: float = 1e-5, atol: float = 1e-6, seed: int = 0):
    """Checks `zyg.jvp(f, args, tangents)` for a random tangent; returns `(value, tangent)`."""
    args = tuple(args)
    rng = np.random.default_rng(seed)
    tangents = tuple(random_tangent(a, rng) for a in args)
    value, tangent = zyg.jvp(f, args, tangents)
    expected = f(*args)
    if isinstance(expected, np.floating):  # a NumPy scalar result comes back as a Python float
        expected = float(expected)
    assert_same_tree(value, expected, "value", rtol=1e-5, atol=1e-6)
    h = REL_STEP * _scale(args)
    plus, minus = f(*_moved(args, tangents, h)), f(*_moved(args, tangents, -h))
    for path in leaf_paths(value):
        where = f"the tangent of the output{''.join(f'[{s!r}]' for s in path)}"
        leaf, actual = get_leaf(value, path), get_leaf(tangent, path)
        if not _is_float_leaf(leaf):
            assert actual is None, f"{where}: a {type(leaf).__name__} leaf got the tangent {actual!r}"
            continue
        expected = (np.asarray(get_leaf(plus, path), dtype=np.float64)
                    - np.asarray(get_leaf(minus, path), dtype=np.float64)) / (2 * h)
        if isinstance(leaf, np.ndarray):
            assert isinstance(actual, np.ndarray) and actual.shape == leaf.shape and actual.dtype == leaf.dtype, (
                f"{where}: {actual!r}, expected a {leaf.dtype} array of shape {leaf.shape}")
        else:
            assert isinstance(actual, float), f"{where}: {actual!r}, expected a float"
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=f"{f.__name__}: {where}")
    return value, tangent
