"""Pullback rules for array ops: `tensor` element reads and writes and the NumPy-level `zyg` ops.

Adjoints stay at NumPy granularity: a broadcast's adjoint sums over the broadcast axes, a matmul's
adjoint is two matmuls, a reduction's adjoint broadcasts back, and reading one element gives a
`Scatter` cotangent that is added into the array's cotangent in place (no array-sized work per read).
"""

from __future__ import annotations

from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import TensorType
from zyg.dialects.zyg_arrays import (
    BroadcastToOp,
    ExpandOp,
    MatmulOp,
    ReduceOp,
    SplatOp,
    SumToOp,
    TransposeOp,
)


def pullback_extract(ctx, op: tensor.ExtractOp, cts):
    """z = x[i]  =>  x_ct = a zero array with z_ct at i (kept sparse until it must be dense)"""
    (ct,) = cts
    indices = [ctx.primal(i) for i in op.indices]
    return [ctx.scatter(op.tensor, indices, ct)] + [None] * len(op.indices)


def pullback_insert(ctx, op: tensor.InsertOp, cts):
    """z = x with z[i] = s  =>  s_ct = z_ct[i], x_ct = z_ct with [i] = 0"""
    (ct,) = cts
    indices = [ctx.primal(i) for i in op.indices]
    element = ct.type.element_type
    s_ct = ctx.emit(tensor.ExtractOp(ct, indices, element)) if ctx.active(op.scalar) else None
    x_ct = ctx.emit(tensor.InsertOp(ctx.const(0.0, element), ct, indices)) if ctx.active(op.dest) else None
    return [s_ct, x_ct] + [None] * len(op.indices)


def pullback_splat(ctx, op: SplatOp, cts):
    """z = full(dims, s)  =>  s_ct = sum(z_ct)"""
    (ct,) = cts
    rank = len(ct.type.get_shape())
    return [ctx.emit(ReduceOp(ct, "sum", list(range(rank)), False))] + [None] * len(op.dims)


def pullback_broadcast_to(ctx, op: BroadcastToOp, cts):
    """z = broadcast_to(x, dims)  =>  x_ct = z_ct summed down to x's shape"""
    (ct,) = cts
    summed = SumToOp(ct, ctx.primal_dims(op.source), op.expand_only is not None, op.unit_axis_list)
    return [ctx.emit(summed)] + [None] * len(op.dims)


def pullback_sum_to(ctx, op: SumToOp, cts):
    """z = sum_to(x, dims)  =>  x_ct = broadcast_to(z_ct, shape of x)"""
    (ct,) = cts
    repeated = BroadcastToOp(ct, ctx.primal_dims(op.source), op.leading_only is not None, op.unit_axis_list)
    return [ctx.emit(repeated)] + [None] * len(op.dims)


def pullback_reduce(ctx, op: ReduceOp, cts):
    """sum: x_ct = expand(z_ct); prod: x_ct = expand(z_ct) * (the product of the other elements);
    max/min: hit = (x == expand(z)) | isnan(x), x_ct = where(hit, expand(z_ct / sum(hit)), 0):
    tied elements share the cotangent equally (as in JAX and PyTorch), so it is counted once; a
    NaN result (max/min propagate NaN) gives it to the NaN elements."""
    (ct,) = cts
    x = op.source
    dims = ctx.primal_dims(x)
    axes, keepdims = op.axis_list, op.keepdims.value.data
    kind = op.kind.data

    def expand(v):
        return ctx.emit(ExpandOp(v, dims, axes, keepdims))

    if kind == "sum":
        return [expand(ct)]
    if kind == "prod":
        return [ctx.scale(expand(ct), _product_of_others(ctx, ctx.primal(x), ctx.primal(op.result), expand, axes, keepdims))]
    primal = ctx.primal(x)
    equal = ctx.emit(arith.CmpfOp(primal, expand(ctx.primal(op.result)), "oeq"))
    hit = ctx.emit(arith.OrIOp(equal, ctx.emit(arith.CmpfOp(primal, primal, "uno"))))
    ones = ctx.emit(arith.SelectOp(hit, ctx.const(1.0, primal), ctx.zero_like(primal)))
    count = ctx.emit(ReduceOp(ones, "sum", axes, keepdims))
    spread = expand(ctx.emit(arith.DivfOp(ct, count)))
    return [ctx.emit(arith.SelectOp(hit, spread, ctx.zero_like(spread)))]


def pullback_expand(ctx, op: ExpandOp, cts):
    """z = expand(x) (x broadcast back along reduced axes)  =>  x_ct = sum of z_ct over those axes"""
    (ct,) = cts
    return [ctx.emit(ReduceOp(ct, "sum", op.axis_list, op.keepdims.value.data))] + [None] * len(op.dims)


def pullback_matmul(ctx, op: MatmulOp, cts):
    """C = A @ B  =>  A_ct = C_ct @ B^T, B_ct = A^T @ C_ct (products where C_ct's zeros are strong)"""
    (ct,) = cts
    a_ct = b_ct = None
    if ctx.active(op.lhs):
        b_t = ctx.emit(TransposeOp(ctx.primal(op.rhs), [1, 0]))
        a_ct = ctx.emit(MatmulOp(ct, b_t, cotangent=0))
    if ctx.active(op.rhs):
        a_t = ctx.emit(TransposeOp(ctx.primal(op.lhs), [1, 0]))
        b_ct = ctx.emit(MatmulOp(a_t, ct, cotangent=1))
    return [a_ct, b_ct]


def pullback_transpose(ctx, op: TransposeOp, cts):
    """z = transpose(x, p)  =>  x_ct = transpose(z_ct, p^-1)"""
    (ct,) = cts
    perm = list(op.permutation.get_values())
    inverse = [perm.index(axis) for axis in range(len(perm))]
    return [ctx.emit(TransposeOp(ct, inverse))]


def pullback_cast(ctx, op: tensor.CastOp, cts):
    """z = x (a copy or a cast between equivalent tensor types)  =>  x_ct = z_ct"""
    (ct,) = cts
    return [ct]


def pullback_to_integer(ctx, op, cts):
    """Conversions and comparisons producing integers or booleans carry no gradient."""
    return [None] * len(op.operands)


def is_tensor(v) -> bool:
    return isinstance(v.type, TensorType)


def _product_of_others(ctx, x, z, expand, axes, keepdims):
    """For each element of `x`, the product of the other elements of its reduced group: `z / x`
    where `x != 0`; where `x == 0`, the product of the group's nonzero elements if it is the
    group's only zero, else 0 (so a zero element gets its true derivative, not 0 / 0)."""
    is_zero = ctx.emit(arith.CmpfOp(x, ctx.const(0.0, x), "oeq"))
    zero, one = ctx.const(0.0, x), ctx.const(1.0, x)
    nonzero_product = expand(ctx.emit(ReduceOp(ctx.emit(arith.SelectOp(is_zero, one, x)), "prod", axes, keepdims)))
    zero_count = expand(ctx.emit(ReduceOp(ctx.emit(arith.SelectOp(is_zero, one, zero)), "sum", axes, keepdims)))
    single_zero = ctx.emit(arith.CmpfOp(zero_count, one, "oeq"))
    at_zero = ctx.emit(arith.SelectOp(single_zero, nonzero_product, zero))
    safe_x = ctx.emit(arith.SelectOp(is_zero, one, x))
    return ctx.emit(arith.SelectOp(is_zero, at_zero, ctx.emit(arith.DivfOp(expand(z), safe_x))))


TENSOR_RULES = {
    tensor.ExtractOp: pullback_extract,
    tensor.InsertOp: pullback_insert,
    tensor.CastOp: pullback_cast,
    SplatOp: pullback_splat,
    BroadcastToOp: pullback_broadcast_to,
    SumToOp: pullback_sum_to,
    ReduceOp: pullback_reduce,
    ExpandOp: pullback_expand,
    MatmulOp: pullback_matmul,
    TransposeOp: pullback_transpose,
}
