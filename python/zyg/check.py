"""`zyg.check_grad`: a function's derivatives, reverse and forward mode, checked against central finite
differences of the function itself, run in plain Python.

In: a function and arguments of any structure zyg takes (numbers, arrays, containers of them); its
output may have any structure too: it is projected on a fixed pseudo-random cotangent `c`, so the
check compares the pullback of `c` with the finite differences of `<c, f(x)>`. Out: a `GradCheck`
summary, or an `AssertionError` naming the argument, the path inside it and the element where zyg's
derivative and the finite difference differ, with both values. Every element is checked where an
argument has at most `max_elements` of them; beyond that, `directions` pseudo-random directions are.
Forward mode (`zyg.jvp` along each direction, projected on the same cotangent) is checked too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from zyg.frontend.trees import LEAF, TreeDef, build_python, flatten, node_of, path_step, unflatten
from zyg.typecodes import is_float_code, type_code_of

REL_STEP = 1e-6  # the finite-difference step, relative to the size of the element stepped


class GradCheck(NamedTuple):
    """What `check_grad` compared: how many derivatives, and the largest error against finite
    differences (absolute, and relative to the size of the derivative)."""

    checked: int
    max_abs_error: float
    max_rel_error: float


def check_grad(f: Callable, *args, rtol: float = 1e-5, atol: float = 1e-6, max_elements: int = 64,
               directions: int = 8, seed: int = 0) -> GradCheck:
    """Checks zyg's derivatives of `f` at `args`, reverse mode and forward mode, against central finite
    differences of `f` run in plain Python (`checked` counts the directions, each compared twice).

    Raises:
        AssertionError: where they differ by more than `atol + rtol * |finite difference|`, naming
            the argument, the path and the element, and both values.

    Example:
        >>> import numpy as np, zyg
        >>> zyg.check_grad(lambda x, y: np.sum(np.sin(x) * y), np.ones(3), 2.0).checked
        4
    """
    import zyg

    rng = np.random.default_rng(seed)
    output, back = zyg.pullback(f, *args)
    out_tree, out_leaves = flatten(output, type_code_of, "the output")
    cotangent_leaves = [_random_like(leaf, rng) if _is_float(code) else None
                        for leaf, code in zip(out_leaves, out_tree.leaf_codes())]
    cotangent = unflatten(out_tree, cotangent_leaves, build_python)
    gradients = back(cotangent)

    def projected(*point) -> float:
        """`<c, f(point)>`, in plain Python."""
        _, leaves = flatten(f(*point), type_code_of, "the output")
        return sum(float(np.sum(np.asarray(c) * np.asarray(v))) for c, v in zip(cotangent_leaves, leaves)
                   if c is not None)

    name = getattr(f, "__name__", repr(f))
    checked, worst_abs, worst_rel = 0, 0.0, 0.0
    for index, (arg, grad) in enumerate(zip(args, gradients)):
        tree, leaves = flatten(arg, type_code_of, f"argument {index}")
        grad_leaves = _float_leaves_of(tree, grad)
        for position, (leaf, code, path) in enumerate(_leaves_with_paths(tree, leaves)):
            if not _is_float(code):
                continue
            g = np.asarray(grad_leaves[position], dtype=np.float64)
            x = np.asarray(leaf, dtype=np.float64)
            for label, direction in _directions(x.shape, max_elements, directions, rng):
                h = REL_STEP * max(1.0, float(np.max(np.abs(x[direction != 0]), initial=0.0)))
                fd = (projected(*_moved(args, index, tree, leaves, position, x + h * direction))
                      - projected(*_moved(args, index, tree, leaves, position, x - h * direction))) / (2 * h)
                tangents = _tangents(args, index, tree, leaves, position, direction)
                output_tangent = zyg.jvp(f, args, tangents)[1]
                forward = sum(float(np.sum(np.asarray(c) * np.asarray(t))) for c, t in
                              zip(cotangent_leaves, _float_leaves_of(out_tree, output_tangent)) if c is not None)
                for mode, derivative in (("reverse", float(np.sum(g * direction))), ("forward", forward)):
                    error = abs(derivative - fd)
                    checked += mode == "reverse"
                    worst_abs = max(worst_abs, error)
                    worst_rel = max(worst_rel, error / max(abs(fd), 1e-300))
                    if not error <= atol + rtol * abs(fd):
                        raise AssertionError(f"check_grad({name}): argument {index}{path}{label}: {mode} mode gives "
                                             f"{derivative!r}, finite differences {fd!r} (difference {error:.3g})")
    return GradCheck(checked, worst_abs, worst_rel)


def _is_float(code: str) -> bool:
    return is_float_code(code)


def _random_like(leaf: object, rng: np.random.Generator) -> object:
    if isinstance(leaf, np.ndarray):
        return rng.uniform(0.5, 1.5, leaf.shape).astype(leaf.dtype)
    return float(rng.uniform(0.5, 1.5))


def _leaves_with_paths(tree: TreeDef, leaves: list, path: str = "") -> list[tuple[object, str, str]]:
    """`(leaf, type code, path)` of each leaf of `tree`, in flattening order."""
    out: list = []

    def visit(t: TreeDef, where: str) -> None:
        if t.kind == LEAF:
            out.append((leaves[len(out)], t.code, where))
            return
        for i, child in enumerate(t.children):
            visit(child, where + path_step(t.kind, t.keys, i))

    visit(tree, path)
    return out


def _float_leaves_of(tree: TreeDef, grad: object) -> list:
    """The leaf of a gradient or tangent at each leaf position of `tree` (None where it has none)."""
    if tree.kind == LEAF:
        return [grad]
    items = [None] * len(tree.children) if grad is None else _items(grad)
    return [g for child, item in zip(tree.children, items) for g in _float_leaves_of(child, item)]


def _items(value: object) -> list:
    node = node_of(value)
    return list(node[3]) if node is not None else []


def _moved(args: tuple, index: int, tree: TreeDef, leaves: list, position: int, value: np.ndarray) -> tuple:
    """`args` with leaf `position` of argument `index` replaced by `value` (of the leaf's type)."""
    changed = list(leaves)
    changed[position] = float(value) if not isinstance(leaves[position], np.ndarray) else \
        value.astype(leaves[position].dtype)
    moved = list(args)
    moved[index] = unflatten(tree, changed, build_python)
    return tuple(moved)


def _tangents(args: tuple, index: int, tree: TreeDef, leaves: list, position: int, direction: np.ndarray) -> tuple:
    """A tangent per argument: `direction` in leaf `position` of argument `index`, None elsewhere."""
    parts = [None] * len(leaves)
    parts[position] = float(direction) if not isinstance(leaves[position], np.ndarray) else \
        direction.astype(leaves[position].dtype)
    tangents: list = [None] * len(args)
    tangents[index] = unflatten(tree, parts, build_python)
    return tuple(tangents)


def _directions(shape: tuple, max_elements: int, count: int, rng: np.random.Generator):
    """`(label, direction)`: each element's unit vector for small leaves, random unit-size ones else."""
    size = int(np.prod(shape, dtype=np.int64))
    if size <= max_elements:
        for position in np.ndindex(shape):
            direction = np.zeros(shape)
            direction[position] = 1.0
            yield (f"[{', '.join(map(str, position))}]" if shape else ""), direction
        return
    for k in range(count):
        yield f" along random direction {k}", rng.standard_normal(shape) / np.sqrt(size)
