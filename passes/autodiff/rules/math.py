"""Pullback rules for the `math` dialect; x is the operand, z the result, ct the output cotangent.

Every product of a cotangent with a local derivative goes through `ctx.scale`, so a zero cotangent
stays zero where the derivative is infinite (sqrt, log, asin at the ends of their domains).
"""

from __future__ import annotations

import math as pymath

from xdsl.dialects import arith
from xdsl.dialects import math as m


def by_local_derivative(derivative):
    """A rule for a one-operand op that scales the incoming cotangent (reverse mode) or tangent
    (forward mode) by the op's local derivative `derivative(ctx, op)`: the same product both ways."""

    def rule(ctx, op, incoming):
        (value,) = incoming
        return [ctx.scale(value, derivative(ctx, op))]

    rule.__doc__ = derivative.__doc__
    return rule


def _x(ctx, op):
    return ctx.primal(op.operand)


def _z(ctx, op):
    return ctx.primal(op.result)


def _one_minus_square(ctx, v):
    return ctx.emit(arith.SubfOp(ctx.const(1.0, v), ctx.emit(arith.MulfOp(v, v))))


def d_sin(ctx, op):
    """sin' = cos"""
    return ctx.emit(m.CosOp(_x(ctx, op)))


def d_cos(ctx, op):
    """cos' = -sin"""
    return ctx.emit(arith.NegfOp(ctx.emit(m.SinOp(_x(ctx, op)))))


def d_tan(ctx, op):
    """tan' = 1 + tan^2"""
    z = _z(ctx, op)
    return ctx.emit(arith.AddfOp(ctx.const(1.0, z), ctx.emit(arith.MulfOp(z, z))))


def d_asin(ctx, op):
    """asin' = 1 / sqrt(1 - x^2)"""
    return ctx.emit(m.RsqrtOp(_one_minus_square(ctx, _x(ctx, op))))


def d_acos(ctx, op):
    """acos' = -1 / sqrt(1 - x^2)"""
    return ctx.emit(arith.NegfOp(ctx.emit(m.RsqrtOp(_one_minus_square(ctx, _x(ctx, op))))))


def d_atan(ctx, op):
    """atan' = 1 / (1 + x^2)"""
    x = _x(ctx, op)
    one = ctx.const(1.0, x)
    return ctx.emit(arith.DivfOp(one, ctx.emit(arith.AddfOp(one, ctx.emit(arith.MulfOp(x, x))))))


def d_sinh(ctx, op):
    """sinh' = cosh"""
    return ctx.emit(m.CoshOp(_x(ctx, op)))


def d_cosh(ctx, op):
    """cosh' = sinh"""
    return ctx.emit(m.SinhOp(_x(ctx, op)))


def d_tanh(ctx, op):
    """tanh' = 1 - tanh^2"""
    return _one_minus_square(ctx, _z(ctx, op))


def d_exp(ctx, op):
    """exp' = exp"""
    return _z(ctx, op)


def d_expm1(ctx, op):
    """expm1' = expm1 + 1"""
    z = _z(ctx, op)
    return ctx.emit(arith.AddfOp(z, ctx.const(1.0, z)))


def d_log(ctx, op):
    """log' = 1 / x"""
    x = _x(ctx, op)
    return ctx.emit(arith.DivfOp(ctx.const(1.0, x), x))


def d_log1p(ctx, op):
    """log1p' = 1 / (1 + x)"""
    x = _x(ctx, op)
    one = ctx.const(1.0, x)
    return ctx.emit(arith.DivfOp(one, ctx.emit(arith.AddfOp(one, x))))


def _d_log_base(base: float):
    def d(ctx, op):
        x = _x(ctx, op)
        return ctx.emit(arith.DivfOp(ctx.const(1.0 / pymath.log(base), x), x))

    d.__doc__ = f"log_{base:g}' = 1 / (x ln {base:g})"
    return d


def d_sqrt(ctx, op):
    """sqrt' = 1 / (2 sqrt(x))"""
    z = _z(ctx, op)
    return ctx.emit(arith.DivfOp(ctx.const(0.5, z), z))


def d_absf(ctx, op):
    """|x|' = sign(x), taken as +1 at 0 (as JAX does)"""
    x = _x(ctx, op)
    negative = ctx.emit(arith.CmpfOp(x, ctx.const(0.0, x), "olt"))
    return ctx.emit(arith.SelectOp(negative, ctx.const(-1.0, x), ctx.const(1.0, x)))


def d_asinh(ctx, op):
    """asinh' = 1 / sqrt(x^2 + 1)"""
    x = _x(ctx, op)
    return ctx.emit(m.RsqrtOp(ctx.emit(arith.AddfOp(ctx.emit(arith.MulfOp(x, x)), ctx.const(1.0, x)))))


def d_acosh(ctx, op):
    """acosh' = 1 / sqrt(x^2 - 1)"""
    x = _x(ctx, op)
    return ctx.emit(m.RsqrtOp(ctx.emit(arith.SubfOp(ctx.emit(arith.MulfOp(x, x)), ctx.const(1.0, x)))))


def d_atanh(ctx, op):
    """atanh' = 1 / (1 - x^2)"""
    x = _x(ctx, op)
    return ctx.emit(arith.DivfOp(ctx.const(1.0, x), _one_minus_square(ctx, x)))


def d_cbrt(ctx, op):
    """cbrt' = 1 / (3 z^2), z = cbrt(x) (infinite at 0, where a zero cotangent stays zero)"""
    z = _z(ctx, op)
    return ctx.emit(arith.DivfOp(ctx.const(1.0, z), ctx.emit(arith.MulfOp(ctx.const(3.0, z), ctx.emit(arith.MulfOp(z, z))))))


def d_exp2(ctx, op):
    """exp2' = ln 2 * z"""
    z = _z(ctx, op)
    return ctx.emit(arith.MulfOp(z, ctx.const(pymath.log(2.0), z)))


def d_erf(ctx, op):
    """erf' = 2 / sqrt(pi) * exp(-x^2)"""
    x = _x(ctx, op)
    gauss = ctx.emit(m.ExpOp(ctx.emit(arith.NegfOp(ctx.emit(arith.MulfOp(x, x))))))
    return ctx.emit(arith.MulfOp(gauss, ctx.const(2.0 / pymath.sqrt(pymath.pi), x)))


def pullback_atan2(ctx, op: m.Atan2Op, cts):
    """z = atan2(y, x)  =>  y_ct = z_ct * x / (x^2 + y^2), x_ct = -z_ct * y / (x^2 + y^2);
    0 at the origin, where atan2 has no derivative (the minimum-norm choice, as |x|' = 0 would be)"""
    (ct,) = cts
    d_y, d_x = atan2_partials(ctx, op)
    return [ctx.scale(ct, d_y), ctx.scale(ct, d_x)]


def atan2_partials(ctx, op: m.Atan2Op) -> tuple:
    """`(dz/dy, dz/dx)` of z = atan2(y, x): (x, -y) / (x^2 + y^2), and 0 at the origin."""
    y, x = ctx.primal(op.lhs), ctx.primal(op.rhs)
    r2 = ctx.emit(arith.AddfOp(ctx.emit(arith.MulfOp(x, x)), ctx.emit(arith.MulfOp(y, y))))
    at_origin = ctx.emit(arith.CmpfOp(r2, ctx.const(0.0, r2), "oeq"))
    safe_r2 = ctx.emit(arith.SelectOp(at_origin, ctx.const(1.0, r2), r2))
    zero = ctx.const(0.0, r2)
    d_y = ctx.emit(arith.SelectOp(at_origin, zero, ctx.emit(arith.DivfOp(x, safe_r2))))
    d_x = ctx.emit(arith.SelectOp(at_origin, zero, ctx.emit(arith.NegfOp(ctx.emit(arith.DivfOp(y, safe_r2))))))
    return d_y, d_x


def pullback_piecewise_constant(ctx, op, cts):
    """floor, ceil, trunc, roundeven: zero derivative almost everywhere"""
    return [None] * len(op.operands)


MATH_RULES = {
    m.SinOp: by_local_derivative(d_sin),
    m.CosOp: by_local_derivative(d_cos),
    m.TanOp: by_local_derivative(d_tan),
    m.AsinOp: by_local_derivative(d_asin),
    m.AcosOp: by_local_derivative(d_acos),
    m.AtanOp: by_local_derivative(d_atan),
    m.SinhOp: by_local_derivative(d_sinh),
    m.CoshOp: by_local_derivative(d_cosh),
    m.TanhOp: by_local_derivative(d_tanh),
    m.ExpOp: by_local_derivative(d_exp),
    m.ExpM1Op: by_local_derivative(d_expm1),
    m.LogOp: by_local_derivative(d_log),
    m.Log1pOp: by_local_derivative(d_log1p),
    m.Log2Op: by_local_derivative(_d_log_base(2.0)),
    m.Log10Op: by_local_derivative(_d_log_base(10.0)),
    m.SqrtOp: by_local_derivative(d_sqrt),
    m.AbsFOp: by_local_derivative(d_absf),
    m.AsinhOp: by_local_derivative(d_asinh),
    m.AcoshOp: by_local_derivative(d_acosh),
    m.AtanhOp: by_local_derivative(d_atanh),
    m.CbrtOp: by_local_derivative(d_cbrt),
    m.Exp2Op: by_local_derivative(d_exp2),
    m.ErfOp: by_local_derivative(d_erf),
    m.Atan2Op: pullback_atan2,
    m.FloorOp: pullback_piecewise_constant,
    m.CeilOp: pullback_piecewise_constant,
    m.TruncOp: pullback_piecewise_constant,
    m.RoundEvenOp: pullback_piecewise_constant,
}
