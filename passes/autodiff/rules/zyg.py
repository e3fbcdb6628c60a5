"""Pullback rules for the `zyg` dialect's Python-semantics ops."""

from __future__ import annotations

import math as pymath

from xdsl.dialects import arith
from xdsl.dialects import math as m
from zyg.dialects import zyg
from zyg.frontend.types import I64, element_type
from zyg.passes.autodiff.rules.math import by_local_derivative


def pullback_pow(ctx, op: zyg.PowOp, cts):
    """z = a ** b  =>  a_ct = z_ct * b * a ** (b - 1) (0 where b == 0: a ** 0 is constant, also at
    a == 0);  b_ct = z_ct * z * log(a) (float b only; 0 where a == 0, the limit the gradient takes
    along a -> 0+ when b > 0)"""
    (ct,) = cts
    a, b = ctx.primal(op.base), ctx.primal(op.exponent)
    if element_type(b.type) == I64:
        one = ctx.const(1, b)
        a_pow = ctx.emit(zyg.PowOp(a, ctx.emit(arith.SubiOp(b, one))))
        b_float = ctx.emit(arith.SIToFPOp(b, a.type))  # a tensor exponent has the base's shape
        return [ctx.scale(ct, _unless_zero_exponent(ctx, b_float, a_pow)), None]
    a_ct = None
    if ctx.active(op.base):
        a_pow = ctx.emit(zyg.PowOp(a, ctx.emit(arith.SubfOp(b, ctx.const(1.0, b)))))
        a_ct = ctx.scale(ct, _unless_zero_exponent(ctx, b, a_pow))
    b_ct = None
    if ctx.active(op.exponent):
        zero = ctx.const(0.0, a)
        is_zero = ctx.emit(arith.CmpfOp(a, zero, "oeq"))
        log_a = ctx.emit(m.LogOp(ctx.emit(arith.SelectOp(is_zero, ctx.const(1.0, a), a))))
        b_ct = ctx.scale(ct, ctx.emit(arith.MulfOp(ctx.primal(op.result), log_a)))
    return [a_ct, b_ct]


def _unless_zero_exponent(ctx, b, a_pow):
    """`b * a_pow`, or 0 where `b == 0` (there `a_pow = a ** -1` is infinite at `a == 0`)."""
    zero = ctx.const(0.0, b)
    is_zero = ctx.emit(arith.CmpfOp(b, zero, "oeq"))
    return ctx.emit(arith.SelectOp(is_zero, zero, ctx.emit(arith.MulfOp(b, a_pow))))


def pullback_hypot(ctx, op: zyg.HypotOp, cts):
    """z = hypot(a, b)  =>  a_ct = z_ct * a / z, b_ct = z_ct * b / z; 0 at a = b = 0, where hypot
    has no derivative (the minimum-norm subgradient, as JAX's |x|' would be 0 there)"""
    (ct,) = cts
    z = ctx.primal(op.result)
    at_origin = ctx.emit(arith.CmpfOp(z, ctx.const(0.0, z), "oeq"))
    safe_z = ctx.emit(arith.SelectOp(at_origin, ctx.const(1.0, z), z))
    zero = ctx.const(0.0, z)

    def partial(v):
        return ctx.emit(arith.SelectOp(at_origin, zero, ctx.emit(arith.DivfOp(ctx.primal(v), safe_z))))

    return [ctx.scale(ct, partial(op.lhs)) if ctx.active(op.lhs) else None,
            ctx.scale(ct, partial(op.rhs)) if ctx.active(op.rhs) else None]


def pullback_floordiv(ctx, op: zyg.FloorDivOp, cts):
    """z = a // b (floats): piecewise constant, zero derivative"""
    return [None, None]


def pullback_mod(ctx, op: zyg.ModOp, cts):
    """z = a % b = a - floor(a / b) * b  =>  a_ct = z_ct, b_ct = -z_ct * floor(a / b)"""
    (ct,) = cts
    quotient = ctx.emit(zyg.FloorDivOp(ctx.primal(op.lhs), ctx.primal(op.rhs)))
    return [ct, ctx.emit(arith.NegfOp(ctx.scale(ct, quotient)))]


def d_erfc(ctx, op):
    """erfc' = -2 / sqrt(pi) * exp(-x^2)"""
    x = ctx.primal(op.operand)
    gauss = ctx.emit(m.ExpOp(ctx.emit(arith.NegfOp(ctx.emit(arith.MulfOp(x, x))))))
    return ctx.emit(arith.MulfOp(gauss, ctx.const(-2.0 / pymath.sqrt(pymath.pi), x)))


def d_gamma(ctx, op):
    """gamma' = gamma * digamma (nan at the poles, where gamma is)"""
    return ctx.emit(arith.MulfOp(ctx.primal(op.result), ctx.emit(zyg.PolygammaOp(ctx.primal(op.operand), 0))))


def d_lgamma(ctx, op):
    """lgamma' = digamma"""
    return ctx.emit(zyg.PolygammaOp(ctx.primal(op.operand), 0))


def d_polygamma(ctx, op):
    """psi^(n)' = psi^(n+1)"""
    return ctx.emit(zyg.PolygammaOp(ctx.primal(op.operand), op.order.value.data + 1))


ZYG_RULES = {
    zyg.PowOp: pullback_pow,
    zyg.HypotOp: pullback_hypot,
    zyg.FloorDivOp: pullback_floordiv,
    zyg.ModOp: pullback_mod,
    zyg.ErfcOp: by_local_derivative(d_erfc),
    zyg.GammaOp: by_local_derivative(d_gamma),
    zyg.LgammaOp: by_local_derivative(d_lgamma),
    zyg.PolygammaOp: by_local_derivative(d_polygamma),
}
