"""NumPy linear algebra in the frontend: `np.einsum`, batched `@`/`np.matmul`, N-D `np.dot`, and
`np.linalg.solve`/`inv`/`det`/`slogdet`.

In: the call's evaluated arguments (SSA values, arrays tracked with their `index` dimensions). Out:
`zyg.einsum` and the `zyg_linalg` solver ops, after compile-time checks of ranks and subscripts and
run-time checks of the dimensions (a `ShapeError` for mismatched sizes, a `ZygLinAlgError` for a
non-square matrix, both naming the function and the user's line). Handlers are registered into
`NUMPY_HANDLERS` as `LINALG_HANDLERS` and into the array methods as `LINALG_METHODS`.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

import numpy as np
from xdsl.dialects import arith
from xdsl.ir import SSAValue

from zyg.dialects.zyg_linalg import DetOp, EinsumOp, InvOp, SlogdetOp, SolveOp
from zyg.errors import UnsupportedSyntaxError, ZygLinAlgError, ZygTypeError
from zyg.frontend.arrays import shape_text
from zyg.frontend.trees import TUPLE, Struct
from zyg.frontend.types import F32, F64, I64, element_type, is_array, promote_elements, rank_of

_BATCH_LETTERS = "abcdefgh"  # matmul's batch axes; its core axes are i, j, k
_MAX_BATCH = len(_BATCH_LETTERS)


def _float_element(values: Sequence[SSAValue]) -> object:
    """The common element type of `values` as NumPy promotes them, made float (ints become float64)."""
    element = element_type(values[0].type)
    first_is_array = is_array(values[0].type)
    for v in values[1:]:
        element = promote_elements(element, element_type(v.type), first_is_array, is_array(v.type))
        first_is_array = first_is_array or is_array(v.type)
    return element if element in (F64, F32) else F64


def _arity(cg, node: ast.Call, args: Sequence, count: int) -> None:
    if len(args) != count:
        cg.error(node, f"{ast.unparse(node.func)}() takes {count} positional argument(s), got {len(args)}",
                 ZygTypeError)


# --------------------------------------------------------------------------------------------------
# einsum and the products built on it
# --------------------------------------------------------------------------------------------------

def parse_subscripts(cg, node: ast.AST, text: object, count: int) -> tuple[list[str], str]:
    """NumPy's einsum subscripts (explicit `->` or implicit) -> `(input subscripts, output)`."""
    if not isinstance(text, str):
        cg.error(node, "einsum: the subscripts must be a string known at compile time", ZygTypeError)
    text = text.replace(" ", "")
    if "." in text:
        cg.error(node, "einsum: '...' (ellipsis) subscripts are not supported yet", UnsupportedSyntaxError)
    inputs, arrow, output = text.partition("->")
    subscripts = inputs.split(",")
    letters = "".join(subscripts)
    if not all(c.isascii() and c.isalpha() for c in letters + output):
        cg.error(node, f"einsum: invalid subscripts '{text}' (use letters, commas and '->')", ZygTypeError)
    if not arrow:  # implicit output: the letters used once, in alphabetical order (as NumPy)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if len(subscripts) != count:
        cg.error(node, f"einsum: subscripts '{text}' name {len(subscripts)} operand(s), got {count}", ZygTypeError)
    for c in output:
        if c not in letters:
            cg.error(node, f"einsum: output subscript '{c}' does not appear in an input", ZygTypeError)
        if output.count(c) > 1:
            cg.error(node, f"einsum: output subscript '{c}' appears more than once", ZygTypeError)
    return subscripts, output


def einsum(cg, node: ast.AST, subscripts: list[str], output: str, operands: Sequence[SSAValue],
           what: str = "einsum") -> SSAValue:
    """The einsum of `operands` (ranks already matching `subscripts`), checking at run time that
    every letter has one size."""
    element = _float_element(operands)
    operands = [cg.convert_element(v, element) for v in operands]
    sizes: dict[str, tuple[SSAValue, int, int]] = {}
    for k, (s, v) in enumerate(zip(subscripts, operands)):
        dims = cg.dims(v) if is_array(v.type) else []
        for axis, c in enumerate(s):
            known = sizes.get(c)
            if known is None:
                sizes[c] = (dims[axis], k, axis)
                continue
            size, first, first_axis = known
            if size is dims[axis]:
                continue
            same = cg.value(arith.CmpiOp(size, dims[axis], "eq"))
            cg.check(same, "ValueError", f"{what}: size {{0}} of axis {axis} of operand {k} (subscript '{c}') "
                     f"differs from size {{1}} of axis {first_axis} of operand {first}", [dims[axis], size])
    out_dims = [sizes[c][0] for c in output]
    result = cg.value(EinsumOp(operands, out_dims, ",".join(subscripts) + "->" + output, element))
    return cg.with_dims(result, out_dims) if output else result


def _einsum_handler(cg, node, args, kwargs):
    if kwargs:
        cg.error(node, "einsum: keyword arguments are not supported", UnsupportedSyntaxError)
    if not node.args:
        cg.error(node, "einsum() needs subscripts and operands", ZygTypeError)
    subscripts, output = parse_subscripts(cg, node, cg.static_argument(node.args[0]), len(args))
    for k, (s, v) in enumerate(zip(subscripts, args)):
        rank = rank_of(v.type) if is_array(v.type) else 0
        if isinstance(v, Struct) or rank != len(s):
            cg.error(node, f"einsum: operand {k} has rank {rank} but subscripts '{s}'", ZygTypeError)
    return einsum(cg, node, subscripts, output, args)


_einsum_handler.static_prefix = 1  # the subscripts string is read from the AST, not evaluated


def batched_matmul(cg, a: SSAValue, b: SSAValue) -> SSAValue:
    """NumPy's `a @ b` when an operand has rank 3 or more: batch axes broadcast, core axes contract.

    The operands are broadcast to the common batch shape (whose adjoint, `zyg.sum_to`, sums the
    broadcast axes back), then one einsum `...ij,...jk->...ik` multiplies them; a 1-D operand is a
    vector, as in NumPy.
    """
    ra, rb = rank_of(a.type), rank_of(b.type)
    da, db = cg.dims(a), cg.dims(b)
    batch_a, batch_b = da[:-2], db[:-2]
    if max(len(batch_a), len(batch_b)) > _MAX_BATCH:
        cg.error(None, f"matmul: more than {_MAX_BATCH} batch axes", UnsupportedSyntaxError)
    inner_a, inner_b = da[-1], db[0] if rb == 1 else db[-2]
    if inner_a is not inner_b:
        aligned = cg.value(arith.CmpiOp(inner_a, inner_b, "eq"))
        core = 0 if rb == 1 else rb - 2
        shapes = f"{shape_text(ra, 2)} and {shape_text(rb, 2 + ra)} " if ra + rb <= 6 else ""
        cg.check(aligned, "ValueError", f"matmul: shapes {shapes}not aligned: {{0}} (dim {ra - 1}) != {{1}} "
                 f"(dim {core})", [inner_a, inner_b, *da, *db][:8])
    batch = cg.broadcast_dims("matmul", batch_a, batch_b)
    letters = _BATCH_LETTERS[:len(batch)]
    if ra >= 2:
        a = cg.broadcast_to(a, [*batch, *da[-2:]])
    if rb >= 2:
        b = cg.broadcast_to(b, [*batch, *db[-2:]])
    sub_a = letters + "ij" if ra >= 2 else "j"
    sub_b = letters + "jk" if rb >= 2 else "j"
    output = letters + ("i" if ra >= 2 else "") + ("k" if rb >= 2 else "")
    return einsum(cg, None, [sub_a, sub_b], output, [a, b], "matmul")


def _dot(cg, node, args, kwargs):
    """`np.dot`: `@` up to rank 2; beyond, the sum over the last axis of `a` and the second-to-last
    of `b` (every other axis kept, unlike matmul's batch broadcasting)."""
    _arity(cg, node, args, 2)
    a, b = args
    if not (is_array(a.type) and is_array(b.type)):
        return cg.binary(ast.Mult(), a, b)
    ra, rb = rank_of(a.type), rank_of(b.type)
    if max(ra, rb) <= 2:
        return cg.matmul(a, b)
    if ra + rb - 1 > 26:
        cg.error(node, "dot: too many axes", UnsupportedSyntaxError)
    letters = "abcdefghijklmnopqrstuvwxy"
    sub_a = letters[:ra - 1] + "z"
    rest = letters[ra - 1:ra - 1 + rb - 1]
    sub_b = rest[:-1] + "z" + rest[-1:] if rb >= 2 else "z"
    output = sub_a[:-1] + sub_b.replace("z", "")
    return einsum(cg, node, [sub_a, sub_b], output, [a, b], "dot")


# --------------------------------------------------------------------------------------------------
# np.linalg
# --------------------------------------------------------------------------------------------------

def _square_matrix(cg, node, name: str, a: SSAValue) -> SSAValue:
    """`a` as a float matrix, checked to be rank 2 (at compile time) and square (at run time)."""
    rank = rank_of(a.type) if is_array(a.type) else 0
    if isinstance(a, Struct) or rank < 2:
        cg.error(node, f"{name}: {rank}-dimensional array given. Array must be at least two-dimensional",
                 ZygLinAlgError)
    if rank > 2:
        cg.error(node, f"{name}: stacks of matrices (rank {rank}) are not supported yet", UnsupportedSyntaxError)
    n, m = cg.dims(a)
    if n is not m:
        square = cg.value(arith.CmpiOp(n, m, "eq"))
        cg.check(square, "LinAlgError", "Last 2 dimensions of the array must be square")
    return cg.convert_element(a, _float_element([a]))


def _solve(cg, node, args, kwargs):
    _arity(cg, node, args, 2)
    a, b = args
    a = _square_matrix(cg, node, "solve", a)
    rank = rank_of(b.type) if is_array(b.type) else 0
    if isinstance(b, Struct) or rank not in (1, 2):
        cg.error(node, f"solve: b must be a 1-D or 2-D array, got rank {rank}", ZygLinAlgError
                 if rank == 0 else UnsupportedSyntaxError)
    element = _float_element([a, b])
    a, b = cg.convert_element(a, element), cg.convert_element(b, element)
    n, rows = cg.dims(a)[0], cg.dims(b)[0]
    if n is not rows:
        fits = cg.value(arith.CmpiOp(n, rows, "eq"))
        cg.check(fits, "ValueError", f"solve: b of shape {shape_text(rank, 2)} does not fit a of shape "
                 f"({{0}}, {{1}})", [*cg.dims(a), *cg.dims(b)])
    return cg.with_dims(cg.value(SolveOp(a, b)), cg.dims(b))


def _inv(cg, node, args, kwargs):
    _arity(cg, node, args, 1)
    a = _square_matrix(cg, node, "inv", args[0])
    return cg.with_dims(cg.value(InvOp(a)), cg.dims(a))


def _det(cg, node, args, kwargs):
    _arity(cg, node, args, 1)
    return cg.value(DetOp(_square_matrix(cg, node, "det", args[0])))


def _slogdet(cg, node, args, kwargs):
    _arity(cg, node, args, 1)
    op = cg.emit(SlogdetOp(_square_matrix(cg, node, "slogdet", args[0])))
    return Struct(TUPLE, (op.sign, op.logabsdet))


def _eye(cg, node, args, kwargs):
    """`np.eye(n)`, `np.identity(n)`: the scalar 1 written onto the diagonal, as `einsum('->ii')`."""
    _arity(cg, node, args, 1)
    if set(kwargs) - {"dtype"}:
        cg.error(node, f"{ast.unparse(node.func)}: only the size and dtype= are supported", UnsupportedSyntaxError)
    n = args[0]
    if isinstance(n, Struct) or n.type != I64:
        cg.error(node, f"{ast.unparse(node.func)}: the size must be an int", ZygTypeError)
    nonnegative = cg.value(arith.CmpiOp(n, cg.const(0), "sge"))
    cg.check(nonnegative, "ValueError", "negative dimensions are not allowed")
    dtype = cg.static_argument(kwargs["dtype"]) if "dtype" in kwargs else np.float64
    if dtype not in (np.float64, float, np.float32):
        cg.error(node, f"{ast.unparse(node.func)}: dtype {dtype!r} is not supported (float64 and float32 are)",
                 ZygTypeError)
    element = F32 if dtype is np.float32 else F64
    size = cg.to_index(n)
    one = cg.convert_element(cg.const(1.0), element)
    return cg.with_dims(cg.value(EinsumOp([one], [size, size], "->ii", element)), [size, size])


LINALG_HANDLERS = {
    np.eye: _eye,
    np.identity: _eye,
    np.einsum: _einsum_handler,
    np.dot: _dot,
    np.linalg.solve: _solve,
    np.linalg.inv: _inv,
    np.linalg.det: _det,
    np.linalg.slogdet: _slogdet,
}

LINALG_METHODS = {"dot": _dot}
