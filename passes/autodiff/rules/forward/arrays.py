"""Tangent rules for array ops: `tensor` element reads and writes and the NumPy-level `zyg` array,
indexing and shape ops.

Nearly all of them are linear in their array operands: the tangent is the op itself applied to the
operands' tangents (a slice of the tangent, the tangent reshaped, summed, gathered, ...), with the
same indices and dimensions. Only products and the max/min/prod reductions need more.
"""

from __future__ import annotations

from xdsl.dialects import arith, tensor
from zyg.dialects.zyg_arrays import (
    ArgsortOp,
    BroadcastToOp,
    ExpandOp,
    InterruptCheckOp,
    MatmulOp,
    ReduceOp,
    SplatOp,
    StackCheckOp,
    SumToOp,
    TransposeOp,
)
from zyg.dialects.zyg_errors import ErrorMatchesOp, ReraiseOp, TryEnterOp, TryExitOp
from zyg.dialects.zyg_indexing import (
    GatherOp,
    GetSliceOp,
    MaskScatterOp,
    MaskSelectOp,
    ScatterAddOp,
    ScatterOp,
    SetSliceOp,
    UnscatterOp,
)
from zyg.dialects.zyg_shapes import ConcatenateOp, EyeOp, IotaOp, ReshapeOp, TraceOp
from zyg.passes.autodiff.rules.forward.scalar import linear, tangent_none
from zyg.passes.autodiff.rules.tensor import _product_of_others


def tangent_reduce(ctx, op: ReduceOp, tangents):
    """sum: dz = sum(dx); prod: dz = sum(dx * (the product of the other elements)); max/min:
    hit = (x == expand(z)) | isnan(x), dz = sum(where(hit, dx, 0)) / sum(hit) (ties share, as in the
    pullback)"""
    (dx,) = tangents
    kind = op.kind.data
    if kind == "sum":
        return ctx.linear(op, tangents)
    axes, keepdims = op.axis_list, op.keepdims.value.data
    dims = ctx.primal_dims(op.source)
    x, z = ctx.primal(op.source), ctx.primal(op.result)

    def expand(v):
        return ctx.emit(ExpandOp(v, dims, axes, keepdims))

    def total(v):
        return ctx.emit(ReduceOp(v, "sum", axes, keepdims))

    if kind == "prod":
        return [total(ctx.scale(dx, _product_of_others(ctx, x, z, expand, axes, keepdims)))]
    equal = ctx.emit(arith.CmpfOp(x, expand(z), "oeq"))
    hit = ctx.emit(arith.OrIOp(equal, ctx.emit(arith.CmpfOp(x, x, "uno"))))
    ones = ctx.emit(arith.SelectOp(hit, ctx.const(1.0, x), ctx.const(0.0, x)))
    picked = ctx.emit(arith.SelectOp(hit, dx, ctx.const(0.0, x)))
    return [ctx.emit(arith.DivfOp(total(picked), total(ones)))]


def tangent_matmul(ctx, op: MatmulOp, tangents):
    """C = A @ B  =>  dC = dA @ B + A @ dB (each product marks the tangent's zeros strong; in a
    pullback's product, its cotangent's stay strong)"""
    da, db = tangents
    a, b = ctx.primal(op.lhs), ctx.primal(op.rhs)
    left = ctx.emit(MatmulOp(da, b, cotangent=0)) if da is not None else None
    right = None
    if db is not None:
        right = ctx.emit(MatmulOp(a, db, cotangent=0 if op.cotangent_operand == 0 else 1))
    return [ctx.add(left, right)]


TENSOR_TANGENTS = {
    tensor.ExtractOp: linear("z = x[i]  =>  dz = dx[i]"),
    tensor.InsertOp: linear("z = x with z[i] = s  =>  dz = dx with dz[i] = ds"),
    tensor.CastOp: linear("z = cast(x)  =>  dz = cast(dx)"),
    tensor.ExtractSliceOp: linear("z = x[s]  =>  dz = dx[s]"),
    tensor.FromElementsOp: linear("z = array([a, b, ...])  =>  dz = array([da, db, ...])"),
    tensor.DimOp: tangent_none,
    tensor.EmptyOp: tangent_none,
    SplatOp: linear("z = full(dims, s)  =>  dz = full(dims, ds)"),
    BroadcastToOp: linear("z = broadcast_to(x, dims)  =>  dz = broadcast_to(dx, dims)"),
    SumToOp: linear("z = sum_to(x, dims)  =>  dz = sum_to(dx, dims)"),
    ExpandOp: linear("z = expand(x)  =>  dz = expand(dx)"),
    TransposeOp: linear("z = transpose(x, p)  =>  dz = transpose(dx, p)"),
    ReduceOp: tangent_reduce,
    MatmulOp: tangent_matmul,
    ArgsortOp: tangent_none,  # positions: ints
    InterruptCheckOp: tangent_none,  # polls and checks: no value, nothing to differentiate
    StackCheckOp: tangent_none,
    TryEnterOp: tangent_none,  # `try`: control flow, and the tape it may cut back holds the tangents too
    TryExitOp: tangent_none,
    ErrorMatchesOp: tangent_none,
    ReraiseOp: tangent_none,
}

INDEXING_TANGENTS = {
    GetSliceOp: linear("z = x[s]  =>  dz = dx[s]"),
    SetSliceOp: linear("z = y with z[s] = v  =>  dz = dy with dz[s] = dv"),
    GatherOp: linear("z = x[idx]  =>  dz = dx[idx]"),
    ScatterAddOp: linear("z = scatter_add(v, idx)  =>  dz = scatter_add(dv, idx)"),
    ScatterOp: linear("z = y with z[idx] = v (or += v)  =>  dz = dy with dz[idx] = dv (or += dv)"),
    UnscatterOp: linear("v, y = unscatter(z)  =>  dv, dy = unscatter(dz)"),
    MaskSelectOp: linear("z = x[mask]  =>  dz = dx[mask]"),
    MaskScatterOp: linear("z = mask_scatter(v, mask)  =>  dz = mask_scatter(dv, mask)"),
}

SHAPE_TANGENTS = {
    ReshapeOp: linear("z = reshape(x, dims)  =>  dz = reshape(dx, dims)"),
    ConcatenateOp: linear("z = concatenate([x_0, ...])  =>  dz = concatenate([dx_0, ...])"),
    TraceOp: linear("z = trace(x)  =>  dz = trace(dx)"),
    EyeOp: linear("z = eye(rows, cols) * v  =>  dz = eye(rows, cols) * dv"),
    IotaOp: tangent_none,
}
