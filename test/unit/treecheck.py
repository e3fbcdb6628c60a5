"""Checks zyg on functions of structured values (tuples, lists, dicts, dataclasses, NamedTuples)
against plain Python, independently of zyg's own tree code.

`check_tree_grads(f, args)` asserts that
  (a) `zyg.jit(f)(*args)` equals `f(*args)`: the same containers, keys and fields, and leaves that
      match in value, type (float, int, bool, str, None) and array shape and dtype;
  (b) `zyg.gradient(f, *args)` has, for each argument, the argument's own structure, with the
      central finite difference of `f` in every float leaf (a Python float or each element of a float
      array) and None in every other leaf.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import zyg

REL_STEP = 1e-6


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _children(x) -> list[tuple[object, object]] | None:
    """`(step, child)` pairs of a container, None for a leaf."""
    if isinstance(x, dict):
        return list(x.items())
    if _is_namedtuple(x):
        return [(name, getattr(x, name)) for name in x._fields]
    if isinstance(x, (tuple, list)):
        return list(enumerate(x))
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return [(f.name, getattr(x, f.name)) for f in dataclasses.fields(x)]
    return None


def _with_child(x, step, child):
    """A copy of container `x` with the child at `step` replaced (dataclasses keep their class)."""
    if isinstance(x, dict):
        return {**x, step: child}
    if _is_namedtuple(x):
        return x._replace(**{step: child})
    if isinstance(x, (tuple, list)):
        items = list(x)
        items[step] = child
        return type(x)(items)
    return dataclasses.replace(x, **{step: child})


def leaf_paths(x, path=()) -> list[tuple]:
    children = _children(x)
    if children is None:
        return [path]
    return [p for step, child in children for p in leaf_paths(child, (*path, step))]


def get_leaf(x, path):
    for step in path:
        x = x[step] if isinstance(x, (dict, list)) or (isinstance(x, tuple) and not _is_namedtuple(x)) \
            else getattr(x, step)
    return x


def replace_leaf(x, path, new):
    if not path:
        return new
    step = path[0]
    child = dict(_children(x))[step]
    return _with_child(x, step, replace_leaf(child, path[1:], new))


def assert_same_tree(actual, expected, where: str = "result", rtol: float = 1e-10, atol: float = 1e-12) -> None:
    """`actual` has `expected`'s containers and keys, and leaves equal to its leaves."""
    assert type(actual) is type(expected) or (isinstance(expected, float) and isinstance(actual, float)), (
        f"{where}: a {type(actual).__name__}, expected a {type(expected).__name__}")
    children = _children(expected)
    if children is not None:
        got = _children(actual)
        assert [s for s, _ in got] == [s for s, _ in children], f"{where}: keys {got} vs {children}"
        for (step, a), (_, e) in zip(got, children):
            assert_same_tree(a, e, f"{where}[{step!r}]", rtol, atol)
        return
    if isinstance(expected, np.ndarray):
        assert actual.shape == expected.shape and actual.dtype == expected.dtype, (
            f"{where}: {actual.dtype}{actual.shape} vs {expected.dtype}{expected.shape}")
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=where)
    elif isinstance(expected, float):
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=where)
    else:
        assert actual == expected, f"{where}: {actual!r} vs {expected!r}"


def _is_float_leaf(x) -> bool:
    return isinstance(x, float) or (isinstance(x, np.ndarray) and x.dtype.kind == "f")


def finite_difference(f, args: tuple, index: int, path: tuple):
    """Central differences of `f` in the float leaf at `path` of argument `index`."""
    leaf = get_leaf(args[index], path)

    def at(value):
        changed = list(args)
        changed[index] = replace_leaf(args[index], path, value)
        return float(f(*changed))

    if isinstance(leaf, float):
        h = REL_STEP * max(1.0, abs(leaf))
        return (at(leaf + h) - at(leaf - h)) / (2 * h)
    grad = np.zeros(leaf.shape)
    for position in np.ndindex(leaf.shape):
        h = REL_STEP * max(1.0, abs(leaf[position]))
        plus, minus = leaf.astype(np.float64), leaf.astype(np.float64)
        plus[position] += h
        minus[position] -= h
        grad[position] = (at(plus) - at(minus)) / (2 * h)
    return grad


def check_tree_grads(f, args, rtol: float = 1e-5, atol: float = 1e-6, jit: bool = True):
    """Checks `zyg.jit(f)` (unless `jit` is False) and `zyg.gradient(f)` at `args`; returns the gradient."""
    args = tuple(args)
    if jit:
        assert_same_tree(zyg.jit(f)(*args), f(*args), rtol=1e-9, atol=1e-12)
    grads = zyg.gradient(f, *args)
    assert isinstance(grads, tuple) and len(grads) == len(args), f"gradient returned {grads!r}"
    for index, (arg, grad) in enumerate(zip(args, grads)):
        if _children(arg) is None and not _is_float_leaf(arg):
            assert grad is None, f"argument {index} ({type(arg).__name__}) got the gradient {grad!r}"
            continue
        assert type(grad) is type(arg) or _children(arg) is None, (
            f"the gradient of argument {index} is a {type(grad).__name__}, not a {type(arg).__name__}")
        for path in leaf_paths(arg):
            leaf, g = get_leaf(arg, path), get_leaf(grad, path)
            where = f"d/d argument {index}{''.join(f'[{s!r}]' for s in path)}"
            if not _is_float_leaf(leaf):
                assert g is None, f"{where}: a {type(leaf).__name__} leaf got the gradient {g!r}"
                continue
            fd = finite_difference(f, args, index, path)
            if isinstance(leaf, np.ndarray):
                assert isinstance(g, np.ndarray) and g.shape == leaf.shape, f"{where}: {g!r}"
            np.testing.assert_allclose(g, fd, rtol=rtol, atol=atol, err_msg=where)
    return grads
