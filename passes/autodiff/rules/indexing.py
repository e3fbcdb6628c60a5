"""Pullback rules for the indexing ops: each op's adjoint is its partner op of `zyg_indexing`.

A slice read scatters its cotangent into zeros with a slice write; a slice write sends the slice of
its cotangent to the written value and zeros it for the old array; a gather's adjoint is a
scatter-add (repeated indices accumulate) and a mask read's adjoint scatters back under the mask.
Every adjoint is one array op, never a differentiated loop nest.
"""

from __future__ import annotations

from zyg.dialects.zyg_indexing import (
    GatherOp,
    GetSliceOp,
    MaskScatterOp,
    MaskSelectOp,
    ScatterAddOp,
    SetSliceOp,
)


def _slice_operands(ctx, op: GetSliceOp | SetSliceOp) -> tuple[list, list, list]:
    return ([ctx.primal(v) for v in op.offsets], [ctx.primal(v) for v in op.sizes],
            [ctx.primal(v) for v in op.strides])


def _no_index_cts(op) -> list[None]:
    return [None] * (len(op.offsets) + len(op.sizes) + len(op.strides))


def pullback_get_slice(ctx, op: GetSliceOp, cts):
    """z = x[s]  =>  x_ct = zeros like x with x_ct[s] = z_ct, kept sparse (added in place into the
    array's cotangent) until a whole array must exist"""
    (ct,) = cts
    offsets, sizes, strides = _slice_operands(ctx, op)
    x_ct = ctx.slice_scatter(op.source, offsets, sizes, strides, op.axis_list, ct)
    return [x_ct, *_no_index_cts(op)]


def pullback_set_slice(ctx, op: SetSliceOp, cts):
    """z = y with z[s] = v  =>  v_ct = z_ct[s], y_ct = z_ct with [s] = 0"""
    (ct,) = cts
    offsets, sizes, strides = _slice_operands(ctx, op)
    v_ct = y_ct = None
    if ctx.active(op.value):
        v_ct = ctx.emit(GetSliceOp(ct, offsets, sizes, strides, op.axis_list))
    if ctx.active(op.dest):
        y_ct = ctx.emit(SetSliceOp(ctx.zero_of(op.value), ct, offsets, sizes, strides, op.axis_list))
    return [v_ct, y_ct, *_no_index_cts(op)]


def pullback_gather(ctx, op: GatherOp, cts):
    """z = x[idx]  =>  x_ct = zeros like x with x_ct[idx[k]] += z_ct[k] for every k"""
    (ct,) = cts
    return [ctx.emit(ScatterAddOp(ct, ctx.primal(op.indices), ctx.primal_dims(op.source))), None]


def pullback_scatter_add(ctx, op: ScatterAddOp, cts):
    """z = scatter_add(v, idx)  =>  v_ct = z_ct[idx]"""
    (ct,) = cts
    return [ctx.emit(GatherOp(ct, ctx.primal(op.indices))), None] + [None] * len(op.dims)


def pullback_mask_select(ctx, op: MaskSelectOp, cts):
    """z = x[mask]  =>  x_ct = z_ct's elements where mask is true, zeros elsewhere"""
    (ct,) = cts
    return [ctx.emit(MaskScatterOp(ct, ctx.primal(op.mask))), None, None]


def pullback_mask_scatter(ctx, op: MaskScatterOp, cts):
    """z = mask_scatter(v, mask)  =>  v_ct = z_ct[mask]"""
    (ct,) = cts
    (count,) = ctx.primal_dims(op.value)
    return [ctx.emit(MaskSelectOp(ct, ctx.primal(op.mask), count)), None]


INDEXING_RULES = {
    GetSliceOp: pullback_get_slice,
    SetSliceOp: pullback_set_slice,
    GatherOp: pullback_gather,
    ScatterAddOp: pullback_scatter_add,
    MaskSelectOp: pullback_mask_select,
    MaskScatterOp: pullback_mask_scatter,
}
