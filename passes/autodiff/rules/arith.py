"""Pullback rules for `arith` (and `ad.add`, `ad.mul`, `ad.div`, `ad.zero`, which forward mode emits:
reverse over forward differentiates them). Integer and boolean ops never reach here: they are
inactive by type. Products with primal values go through `ctx.scale` (a zero cotangent stays zero)."""

from __future__ import annotations

from xdsl.dialects import arith
from zyg.dialects import ad


def pullback_addf(ctx, op: arith.AddfOp, cts):
    """z = a + b  =>  a_ct = z_ct, b_ct = z_ct"""
    (ct,) = cts
    return [ct, ct]


def pullback_subf(ctx, op: arith.SubfOp, cts):
    """z = a - b  =>  a_ct = z_ct, b_ct = -z_ct"""
    (ct,) = cts
    return [ct, ctx.emit(arith.NegfOp(ct))]


def pullback_mulf(ctx, op: arith.MulfOp, cts):
    """z = a * b  =>  a_ct = z_ct * b, b_ct = z_ct * a"""
    (ct,) = cts
    a, b = ctx.active(op.lhs), ctx.active(op.rhs)
    return [
        ctx.scale(ct, ctx.primal(op.rhs)) if a else None,
        ctx.scale(ct, ctx.primal(op.lhs)) if b else None,
    ]


def pullback_divf(ctx, op: arith.DivfOp, cts):
    """z = a / b  =>  a_ct = z_ct / b, b_ct = -a_ct * z (a zero z_ct gives zeros, also where b = 0)"""
    (ct,) = cts
    a_ct = ctx.scale(ct, ctx.primal(op.rhs), divide=True)
    b_ct = None
    if ctx.active(op.rhs):
        b_ct = ctx.emit(arith.NegfOp(ctx.scale(a_ct, ctx.primal(op.result))))
    return [a_ct, b_ct]


def pullback_negf(ctx, op: arith.NegfOp, cts):
    """z = -a  =>  a_ct = -z_ct"""
    (ct,) = cts
    return [ctx.emit(arith.NegfOp(ct))]


def pullback_select(ctx, op: arith.SelectOp, cts):
    """z = c ? a : b  =>  a_ct = c ? z_ct : 0, b_ct = c ? 0 : z_ct"""
    (ct,) = cts
    cond = ctx.primal(op.cond)
    zero = ctx.zero_like(ct)
    return [None, ctx.emit(arith.SelectOp(cond, ct, zero)), ctx.emit(arith.SelectOp(cond, zero, ct))]


def pullback_add(ctx, op: ad.AddOp, cts):
    """z = accum(a, b)  =>  a_ct = z_ct, b_ct = z_ct"""
    (ct,) = cts
    return [ct, ct]


def pullback_strong_mul(ctx, op: ad.MulOp, cts):
    """z = a * b, 0 where a = 0 or b = 0 (a strong-zero product, from forward or reverse mode)
    =>  a_ct = z_ct * b, b_ct = z_ct * a, each a strong zero too"""
    (ct,) = cts
    return [ctx.scale(ct, ctx.primal(op.factor)) if ctx.active(op.cotangent) else None,
            ctx.scale(ct, ctx.primal(op.cotangent)) if ctx.active(op.factor) else None]


def pullback_strong_div(ctx, op: ad.DivOp, cts):
    """z = a / b, 0 where a = 0  =>  a_ct = z_ct / b, b_ct = -z_ct * z / b"""
    (ct,) = cts
    a_ct = ctx.scale(ct, ctx.primal(op.factor), divide=True)
    b_ct = None
    if ctx.active(op.factor):
        b_ct = ctx.emit(arith.NegfOp(ctx.scale(a_ct, ctx.primal(op.result))))
    return [a_ct, b_ct]


def pullback_no_gradient(ctx, op, cts):
    """Conversions to integers: the derivative is zero almost everywhere."""
    return [None] * len(op.operands)


ARITH_RULES = {
    arith.AddfOp: pullback_addf,
    arith.SubfOp: pullback_subf,
    arith.MulfOp: pullback_mulf,
    arith.DivfOp: pullback_divf,
    arith.NegfOp: pullback_negf,
    arith.SelectOp: pullback_select,
    arith.FPToSIOp: pullback_no_gradient,
    ad.AddOp: pullback_add,
    ad.MulOp: pullback_strong_mul,
    ad.DivOp: pullback_strong_div,
    ad.ZeroOp: pullback_no_gradient,
}
