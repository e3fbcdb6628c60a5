"""Pullback rules for the `zyg` dialect's Python-semantics ops."""

from __future__ import annotations

from xdsl.dialects import arith
from xdsl.dialects import math as m
from zyg.dialects import zyg
from zyg.frontend.types import I64, element_type


def pullback_pow(ctx, op: zyg.PowOp, cts):
    """z = a ** b  =>  a_ct = z_ct * b * a ** (b - 1);  b_ct = z_ct * z * log(a) (float b only;
    0 where a == 0, the limit the gradient takes along a -> 0+ when b > 0)"""
    (ct,) = cts
    a, b = ctx.primal(op.base), ctx.primal(op.exponent)
    if element_type(b.type) == I64:
        one = ctx.const(1, b)
        a_pow = ctx.emit(zyg.PowOp(a, ctx.emit(arith.SubiOp(b, one))))
        b_float = ctx.emit(arith.SIToFPOp(b, a.type))  # a tensor exponent has the base's shape
        return [ctx.emit(arith.MulfOp(ct, ctx.emit(arith.MulfOp(b_float, a_pow)))), None]
    a_pow = ctx.emit(zyg.PowOp(a, ctx.emit(arith.SubfOp(b, ctx.const(1.0, b)))))
    a_ct = ctx.emit(arith.MulfOp(ct, ctx.emit(arith.MulfOp(b, a_pow)))) if ctx.active(op.base) else None
    b_ct = None
    if ctx.active(op.exponent):
        zero = ctx.const(0.0, a)
        is_zero = ctx.emit(arith.CmpfOp(a, zero, "oeq"))
        log_a = ctx.emit(m.LogOp(ctx.emit(arith.SelectOp(is_zero, ctx.const(1.0, a), a))))
        b_ct = ctx.emit(arith.MulfOp(ct, ctx.emit(arith.MulfOp(ctx.primal(op.result), log_a))))
    return [a_ct, b_ct]


def pullback_hypot(ctx, op: zyg.HypotOp, cts):
    """z = hypot(a, b)  =>  a_ct = z_ct * a / z, b_ct = z_ct * b / z"""
    (ct,) = cts
    scale = ctx.emit(arith.DivfOp(ct, ctx.primal(op.result)))
    return [ctx.emit(arith.MulfOp(scale, ctx.primal(op.lhs))), ctx.emit(arith.MulfOp(scale, ctx.primal(op.rhs)))]


def pullback_floordiv(ctx, op: zyg.FloorDivOp, cts):
    """z = a // b (floats): piecewise constant, zero derivative"""
    return [None, None]


def pullback_mod(ctx, op: zyg.ModOp, cts):
    """z = a % b = a - floor(a / b) * b  =>  a_ct = z_ct, b_ct = -z_ct * floor(a / b)"""
    (ct,) = cts
    quotient = ctx.emit(zyg.FloorDivOp(ctx.primal(op.lhs), ctx.primal(op.rhs)))
    return [ct, ctx.emit(arith.NegfOp(ctx.emit(arith.MulfOp(ct, quotient))))]


ZYG_RULES = {
    zyg.PowOp: pullback_pow,
    zyg.HypotOp: pullback_hypot,
    zyg.FloorDivOp: pullback_floordiv,
    zyg.ModOp: pullback_mod,
}
