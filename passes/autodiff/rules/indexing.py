"""Pullback rules for the indexing ops: each op's adjoint is its partner op of `zyg_indexing`.

A slice read scatters its cotangent into zeros with a slice write; a slice write sends the slice of
its cotangent to the written value and zeros it for the old array; a gather's adjoint is a
scatter-add (repeated indices accumulate), a write through integer arrays is undone like a slice
write (`zyg.unscatter` for a "set") and a mask read's adjoint scatters back under the mask. Every
adjoint is one array op, never a differentiated loop nest.
"""

from __future__ import annotations

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


def _indices(ctx, op: GatherOp | ScatterAddOp | ScatterOp | UnscatterOp) -> list:
    return [ctx.primal(v) for v in op.indices]


def pullback_gather(ctx, op: GatherOp, cts):
    """z = x[idx]  =>  x_ct = zeros like x with x_ct[idx[k]] += z_ct[k] for every k, kept sparse
    (scatter-added in place into the array's cotangent) until a whole array must exist"""
    (ct,) = cts
    return [ctx.gather_scatter(op.source, _indices(ctx, op), op.layout, ct)] + [None] * len(op.indices)


def pullback_scatter_add(ctx, op: ScatterAddOp, cts):
    """z = scatter_add(v, idx)  =>  v_ct = z_ct[idx]"""
    (ct,) = cts
    return [ctx.emit(GatherOp(ct, _indices(ctx, op), *op.layout))] + [None] * (len(op.indices) + len(op.dims))


def pullback_scatter(ctx, op: ScatterOp, cts):
    """add: z = y with z[idx[k]] += v[k]  =>  v_ct = z_ct[idx], y_ct = z_ct;
    set: z = y with z[idx[k]] = v[k]  =>  v_ct, y_ct = unscatter(z_ct): v_ct[k] = z_ct[idx[k]] where
    v[k] is the write that stays (the last of a repeated index), else 0; y_ct = z_ct with z_ct[idx] = 0"""
    (ct,) = cts
    indices = _indices(ctx, op)
    no_index_cts = [None] * len(op.indices)
    if op.kind.data == "add":
        v_ct = ctx.emit(GatherOp(ct, indices, *op.layout)) if ctx.active(op.value) else None
        return [v_ct, ct if ctx.active(op.dest) else None, *no_index_cts]
    unscatter = UnscatterOp(ct, indices, *op.layout)
    ctx.emit(unscatter)
    return [unscatter.taken if ctx.active(op.value) else None, unscatter.rest if ctx.active(op.dest) else None,
            *no_index_cts]


def pullback_unscatter(ctx, op: UnscatterOp, cts):
    """v, y = unscatter(z)  =>  z_ct = z_ct_of(v_ct, y_ct) = y_ct with v_ct written at idx (the "set"
    scatter, whose adjoint unscatter is)"""
    taken_ct, rest_ct = cts
    return [ctx.emit(ScatterOp(taken_ct, rest_ct, _indices(ctx, op), "set", *op.layout))] + [None] * len(op.indices)


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
    ScatterOp: pullback_scatter,
    UnscatterOp: pullback_unscatter,
    MaskSelectOp: pullback_mask_select,
    MaskScatterOp: pullback_mask_scatter,
}
