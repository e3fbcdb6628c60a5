"""Tangent rules for the ops the reverse pass emits: accumulation, strong-zero products, zeros and
the tape, so that `ad-jvp` can run over a gradient (forward over reverse: Hessian-vector products).

A tape that carries tangents (see `ForwardSweep.carries_tangents`) holds each pushed float value's
tangent right above the value: `push v` is followed by `push dv`, and `pop` by `dv = pop` emitted
before it, so the tape stays last-in first-out.
"""

from __future__ import annotations

from zyg.dialects import ad
from zyg.passes.autodiff.rules.forward.scalar import tangent_addf, tangent_none


def tangent_mul(ctx, op: ad.MulOp, tangents):
    """z = ct * f (0 where ct == 0)  =>  dz = dct * f + ct * df, each product with its strong zero"""
    dct, dfactor = tangents
    ct, factor = ctx.primal(op.cotangent), ctx.primal(op.factor)
    first = ctx.emit(ad.MulOp(dct, factor)) if dct is not None else None
    second = ctx.emit(ad.MulOp(ct, dfactor)) if dfactor is not None else None
    return [ctx.add(first, second)]


def tangent_div(ctx, op: ad.DivOp, tangents):
    """z = ct / f (0 where ct == 0)  =>  dz = (dct - z * df) / f, with strong zeros"""
    dct, dfactor = tangents
    numerator = dct
    if dfactor is not None:
        numerator = ctx.add(numerator, ctx.negate(ctx.emit(ad.MulOp(ctx.primal(op.result), dfactor))))
    return [ctx.emit(ad.DivOp(numerator, ctx.primal(op.factor)))]


def tangent_push(ctx, op: ad.PushOp, tangents):
    """push(t, v)  =>  push(t, dv) right after it (a zero where v varies with nothing)"""
    if ctx.carries_tangents(op.tape) and ad.carries_gradient(op.value.type):
        ctx.emit(ad.PushOp(ctx.primal(op.tape), ctx.dense(tangents[1], op.value)))
    return []


def tangent_pop(ctx, op: ad.PopOp, tangents):
    """v = pop(t)  =>  dv = pop(t) right before it"""
    if not ctx.carries_tangents(op.tape) or not ad.carries_gradient(op.value.type):
        return [None]
    return [ctx.emit_before(ad.PopOp(ctx.primal(op.tape), op.value.type))]


AD_TANGENTS = {
    ad.AddOp: tangent_addf,
    ad.ZeroOp: tangent_none,
    ad.StopGradientOp: tangent_none,  # no derivative flows through it, in either mode
    ad.MulOp: tangent_mul,
    ad.DivOp: tangent_div,
    ad.PushOp: tangent_push,
    ad.PopOp: tangent_pop,
    ad.TapeNewOp: tangent_none,
    ad.TapeReaderOp: tangent_none,
    ad.TapeFreeOp: tangent_none,
}

# Tape ops whose rule runs even where no operand has a tangent: the tape's layout must not depend on
# which values vary.
TAPE_OPS = (ad.PushOp, ad.PopOp)
