"""Pullback rules for shape and creation ops: reshapes, joins, element lists, conversions, traces.

Every adjoint is a NumPy-sized op: a reshape's is a reshape back to the saved dimensions, a
concatenation's is one slice of the cotangent per operand, `np.array([a, b])`'s reads the elements
of the cotangent, a float conversion's converts back, a trace's is an eye-shaped array.
"""

from __future__ import annotations

import itertools

from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import IndexType
from zyg.dialects.zyg_shapes import ConcatenateOp, EyeOp, ReshapeOp, TraceOp


def pullback_reshape(ctx, op: ReshapeOp, cts):
    """z = reshape(x, dims)  =>  x_ct = reshape(z_ct, shape of x)"""
    (ct,) = cts
    return [ctx.emit(ReshapeOp(ct, ctx.primal_dims(op.source)))] + [None] * len(op.dims)


def pullback_concatenate(ctx, op: ConcatenateOp, cts):
    """z = concatenate([x_0, ..., x_k], axis)  =>  x_i_ct = z_ct[..., o_i : o_i + n_i, ...] along axis,
    where n_i is x_i's size along axis and o_i the sum of the sizes before it"""
    (ct,) = cts
    axis = op.axis_value
    rank = len(ct.type.get_shape())
    offset = ctx.const(0, IndexType())
    out = []
    last = len(op.inputs) - 1
    for position, v in enumerate(op.inputs):
        dims = ctx.primal_dims(v)
        if ctx.active(v):
            offsets = [offset if d == axis else 0 for d in range(rank)]
            out.append(ctx.emit(tensor.ExtractSliceOp(ct, offsets, dims, [1] * rank, v.type)))
        else:
            out.append(None)
        if position != last:
            offset = ctx.emit(arith.AddiOp(offset, dims[axis]))
    return out


def pullback_from_elements(ctx, op: tensor.FromElementsOp, cts):
    """z = array([[a, b], [c, d]])  =>  a_ct = z_ct[0, 0], b_ct = z_ct[0, 1], ..."""
    (ct,) = cts
    shape = op.result.type.get_shape()
    element = ct.type.element_type
    out = []
    for v, position in zip(op.elements, itertools.product(*(range(n) for n in shape))):
        if not ctx.active(v):
            out.append(None)
            continue
        indices = [ctx.const(i, IndexType()) for i in position]
        out.append(ctx.emit(tensor.ExtractOp(ct, indices, element)))
    return out


def pullback_extf(ctx, op: arith.ExtFOp, cts):
    """z = float64(x) for float32 x  =>  x_ct = float32(z_ct)"""
    (ct,) = cts
    return [ctx.emit(arith.TruncFOp(ct, op.input.type))]


def pullback_truncf(ctx, op: arith.TruncFOp, cts):
    """z = float32(x) for float64 x  =>  x_ct = float64(z_ct)"""
    (ct,) = cts
    return [ctx.emit(arith.ExtFOp(ct, op.input.type))]


def pullback_trace(ctx, op: TraceOp, cts):
    """z = trace(x)  =>  x_ct = eye(rows, cols) * z_ct"""
    (ct,) = cts
    return [ctx.emit(EyeOp(ct, ctx.primal_dims(op.source)))]


def pullback_eye(ctx, op: EyeOp, cts):
    """z = eye(rows, cols) * v  =>  v_ct = trace(z_ct)"""
    (ct,) = cts
    return [ctx.emit(TraceOp(ct))] + [None] * len(op.dims)


SHAPE_RULES = {
    ReshapeOp: pullback_reshape,
    ConcatenateOp: pullback_concatenate,
    TraceOp: pullback_trace,
    EyeOp: pullback_eye,
    tensor.FromElementsOp: pullback_from_elements,
    arith.ExtFOp: pullback_extf,
    arith.TruncFOp: pullback_truncf,
}
