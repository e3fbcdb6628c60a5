"""The cotangent a pullback takes, for an output of any structure: checked against the output and
flattened into the seeds of the compiled vjp (one per float leaf of the output, in order).

In: the output's tree (`zyg.frontend.trees`), the output itself (for the shapes and dtypes of its
arrays) and the cotangent the user passes. The cotangent has the output's structure; `None` stands
for a zero cotangent of any part (a whole subtree, as Zygote's `nothing`), and the parts that carry no
gradient (ints, bools, str, None) take anything, conventionally None. Plain Python, no xDSL.
"""

from __future__ import annotations

import numpy as np

from zyg.errors import ZygTypeError
from zyg.frontend.trees import LEAF, STATIC, node_of, path_step, type_name
from zyg.typecodes import is_float_code, split_array_code


def seeds(tree, output, cotangent, path: str = "the cotangent", of: str = "output") -> list:
    """The float-leaf seeds of `cotangent` for `output` (of structure `tree`), in flatten order. The
    same check and flattening serve a jvp's tangents, with `of` naming the argument they go with.

    Raises:
        ZygTypeError: naming the path of a part whose structure, shape or type does not match.
    """
    out: list = []
    _collect(tree, output, cotangent, path, out, of)
    return out


def _collect(tree, output, ct, path: str, out: list, of: str) -> None:
    if tree.kind == STATIC:
        return
    if tree.kind == LEAF:
        if not is_float_code(tree.code):
            return
        out.append(_leaf_seed(tree.code, output, ct, path, of))
        return
    children = _children(output)
    if ct is None:
        for (_, child), subtree in zip(children, tree.children):
            _collect(subtree, child, None, path, out, of)
        return
    node = node_of(ct)
    if node is None or node[0] != tree.kind or len(node[3]) != len(tree.children) \
            or (tree.keys and tuple(node[2]) != tuple(tree.keys)):
        raise ZygTypeError(f"{path} must have the {of}'s structure, a {_structure(tree)}; got "
                           f"{_described(ct)}")
    for index, ((step, child), subtree) in enumerate(zip(children, tree.children)):
        _collect(subtree, child, node[3][index], f"{path}{step}", out, of)


def _leaf_seed(code: str, output, ct, path: str, of: str):
    array = split_array_code(code)
    if array is None:
        if ct is None:
            return 0.0
        if isinstance(ct, (bool, np.bool_)) or not isinstance(ct, (int, float, np.integer, np.floating)):
            raise ZygTypeError(f"{path} must be a float (the {of} there is one); got {_described(ct)}")
        return float(ct)
    dtype = output.dtype
    if ct is None:
        return np.zeros_like(output)
    if not isinstance(ct, np.ndarray) or ct.shape != output.shape or ct.dtype.kind not in "fiu":
        got = f"an array of shape {ct.shape}" if isinstance(ct, np.ndarray) else _described(ct)
        raise ZygTypeError(f"{path} must be a float array of shape {output.shape} (the {of}'s); got {got}")
    return np.ascontiguousarray(ct, dtype=dtype)


def _children(value) -> list[tuple[str, object]]:
    """`(path step, child)` of a Python container, as `flatten` orders them."""
    kind, _, keys, items = node_of(value)
    return [(path_step(kind, keys, index), item) for index, item in enumerate(items)]


def _structure(tree) -> str:
    return type_name(tree) + (f" with keys {list(tree.keys)}" if tree.kind == "dict" else
                              f" of {len(tree.children)}" if tree.kind in ("tuple", "list") else "")


def _described(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"
