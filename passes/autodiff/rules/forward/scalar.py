"""Tangent rules for scalar ops (`arith`, `math`, the `zyg` Python-semantics ops); elementwise on tensors.

A rule gets the primal op and one tangent per operand (None for a symbolic zero) and returns one
tangent per result (None: zero). x is the operand, z the result, dx and dz their tangents. The local
derivatives are those of the pullback rules (`rules/math.py`, `rules/zyg.py`), shared, not copied;
products with them go through `ctx.scale`, so a zero tangent stays zero where a derivative is infinite.
"""

from __future__ import annotations

from xdsl.dialects import arith
from xdsl.dialects import math as m
from zyg.dialects import zyg
from zyg.frontend.types import I64, element_type
from zyg.passes.autodiff.rules import math as pullback_math
from zyg.passes.autodiff.rules import zyg as pullback_zyg
from zyg.passes.autodiff.rules.zyg import _unless_zero_exponent


def linear(math: str):
    """A rule for an op linear in its float operands: the op itself applied to their tangents (the
    other operands, indices, dimensions and conditions, stay primal)."""

    def rule(ctx, op, tangents):
        return ctx.linear(op, tangents)

    rule.__doc__ = math
    return rule


def tangent_none(ctx, op, tangents):
    """Integer, boolean and index results, constants, and piecewise-constant functions (floor, int(),
    comparisons): dz = 0"""
    return [None] * len(op.results)


def tangent_addf(ctx, op, tangents):
    """z = a + b (also accum(a, b))  =>  dz = da + db"""
    da, db = tangents
    return [ctx.add(da, db)]


def tangent_subf(ctx, op: arith.SubfOp, tangents):
    """z = a - b  =>  dz = da - db"""
    da, db = tangents
    return [ctx.add(da, ctx.negate(db))]


def tangent_mulf(ctx, op: arith.MulfOp, tangents):
    """z = a * b  =>  dz = da * b + a * db"""
    da, db = tangents
    return [ctx.add(ctx.scale(da, ctx.primal(op.rhs)), ctx.scale(db, ctx.primal(op.lhs)))]


def tangent_divf(ctx, op: arith.DivfOp, tangents):
    """z = a / b  =>  dz = (da - z * db) / b"""
    da, db = tangents
    numerator = ctx.add(da, ctx.negate(ctx.scale(db, ctx.primal(op.result))))
    return [ctx.scale(numerator, ctx.primal(op.rhs), divide=True)]


def d_rsqrt(ctx, op):
    """rsqrt' = -z^3 / 2"""
    z = ctx.primal(op.result)
    cube = ctx.emit(arith.MulfOp(z, ctx.emit(arith.MulfOp(z, z))))
    return ctx.emit(arith.MulfOp(ctx.const(-0.5, z), cube))


def tangent_atan2(ctx, op: m.Atan2Op, tangents):
    """z = atan2(y, x)  =>  dz = (x dy - y dx) / (x^2 + y^2); 0 at the origin, as in the pullback"""
    dy, dx = tangents
    d_y, d_x = pullback_math.atan2_partials(ctx, op)
    return [ctx.add(ctx.scale(dy, d_y), ctx.scale(dx, d_x))]


def tangent_pow(ctx, op: zyg.PowOp, tangents):
    """z = a ** b  =>  dz = da * b * a ** (b - 1) + db * z * log(a) (0 where b == 0, resp. a == 0,
    as in the pullback)"""
    da, db = tangents
    a, b = ctx.primal(op.base), ctx.primal(op.exponent)
    dz_a = None
    if da is not None:
        if element_type(b.type) == I64:
            a_pow = ctx.emit(zyg.PowOp(a, ctx.emit(arith.SubiOp(b, ctx.const(1, b)))))
            b = ctx.emit(arith.SIToFPOp(b, a.type))
        else:
            a_pow = ctx.emit(zyg.PowOp(a, ctx.emit(arith.SubfOp(b, ctx.const(1.0, b)))))
        dz_a = ctx.scale(da, _unless_zero_exponent(ctx, b, a_pow))
    dz_b = None
    if db is not None:
        is_zero = ctx.emit(arith.CmpfOp(a, ctx.const(0.0, a), "oeq"))
        log_a = ctx.emit(m.LogOp(ctx.emit(arith.SelectOp(is_zero, ctx.const(1.0, a), a))))
        dz_b = ctx.scale(db, ctx.emit(arith.MulfOp(ctx.primal(op.result), log_a)))
    return [ctx.add(dz_a, dz_b)]


def tangent_hypot(ctx, op: zyg.HypotOp, tangents):
    """z = hypot(a, b)  =>  dz = (a da + b db) / z; 0 at a = b = 0, as in the pullback"""
    z = ctx.primal(op.result)
    at_origin = ctx.emit(arith.CmpfOp(z, ctx.const(0.0, z), "oeq"))
    safe_z = ctx.emit(arith.SelectOp(at_origin, ctx.const(1.0, z), z))
    zero = ctx.const(0.0, z)
    dz = None
    for v, dv in zip(op.operands, tangents):
        if dv is not None:
            partial = ctx.emit(arith.SelectOp(at_origin, zero, ctx.emit(arith.DivfOp(ctx.primal(v), safe_z))))
            dz = ctx.add(dz, ctx.scale(dv, partial))
    return [dz]


def tangent_mod(ctx, op: zyg.ModOp, tangents):
    """z = a % b = a - floor(a / b) * b  =>  dz = da - db * floor(a / b)"""
    da, db = tangents
    dz_b = None
    if db is not None:
        quotient = ctx.emit(zyg.FloorDivOp(ctx.primal(op.lhs), ctx.primal(op.rhs)))
        dz_b = ctx.negate(ctx.scale(db, quotient))
    return [ctx.add(da, dz_b)]


ARITH_TANGENTS = {
    arith.AddfOp: tangent_addf,
    arith.SubfOp: tangent_subf,
    arith.NegfOp: linear("z = -a  =>  dz = -da"),
    arith.ExtFOp: linear("z = float64(x)  =>  dz = float64(dx)"),
    arith.TruncFOp: linear("z = float32(x)  =>  dz = float32(dx)"),
    arith.MulfOp: tangent_mulf,
    arith.DivfOp: tangent_divf,
    arith.SelectOp: linear("z = c ? a : b  =>  dz = c ? da : db"),
    **{op: tangent_none for op in (
        arith.ConstantOp, arith.FPToSIOp, arith.SIToFPOp, arith.UIToFPOp, arith.CmpfOp, arith.CmpiOp,
        arith.AddiOp, arith.SubiOp, arith.MuliOp, arith.CeilDivSIOp, arith.MaxSIOp, arith.MinSIOp, arith.AndIOp,
        arith.OrIOp, arith.XOrIOp, arith.ExtSIOp, arith.ExtUIOp, arith.TruncIOp, arith.IndexCastOp)},
}

MATH_TANGENTS = {
    m.SinOp: pullback_math.by_local_derivative(pullback_math.d_sin),
    m.CosOp: pullback_math.by_local_derivative(pullback_math.d_cos),
    m.TanOp: pullback_math.by_local_derivative(pullback_math.d_tan),
    m.AsinOp: pullback_math.by_local_derivative(pullback_math.d_asin),
    m.AcosOp: pullback_math.by_local_derivative(pullback_math.d_acos),
    m.AtanOp: pullback_math.by_local_derivative(pullback_math.d_atan),
    m.SinhOp: pullback_math.by_local_derivative(pullback_math.d_sinh),
    m.CoshOp: pullback_math.by_local_derivative(pullback_math.d_cosh),
    m.TanhOp: pullback_math.by_local_derivative(pullback_math.d_tanh),
    m.ExpOp: pullback_math.by_local_derivative(pullback_math.d_exp),
    m.ExpM1Op: pullback_math.by_local_derivative(pullback_math.d_expm1),
    m.LogOp: pullback_math.by_local_derivative(pullback_math.d_log),
    m.Log1pOp: pullback_math.by_local_derivative(pullback_math.d_log1p),
    m.Log2Op: pullback_math.by_local_derivative(pullback_math._d_log_base(2.0)),
    m.Log10Op: pullback_math.by_local_derivative(pullback_math._d_log_base(10.0)),
    m.SqrtOp: pullback_math.by_local_derivative(pullback_math.d_sqrt),
    m.RsqrtOp: pullback_math.by_local_derivative(d_rsqrt),
    m.AbsFOp: pullback_math.by_local_derivative(pullback_math.d_absf),
    **{op: pullback_math.by_local_derivative(derivative) for op, derivative in (
        (m.AsinhOp, pullback_math.d_asinh), (m.AcoshOp, pullback_math.d_acosh), (m.AtanhOp, pullback_math.d_atanh),
        (m.CbrtOp, pullback_math.d_cbrt), (m.Exp2Op, pullback_math.d_exp2), (m.ErfOp, pullback_math.d_erf))},
    m.Atan2Op: tangent_atan2,
    **{op: tangent_none for op in (m.FloorOp, m.CeilOp, m.TruncOp, m.RoundEvenOp)},
}

ZYG_TANGENTS = {
    zyg.PowOp: tangent_pow,
    zyg.HypotOp: tangent_hypot,
    zyg.FloorDivOp: tangent_none,
    zyg.ModOp: tangent_mod,
    **{op: pullback_math.by_local_derivative(derivative) for op, derivative in (
        (zyg.ErfcOp, pullback_zyg.d_erfc), (zyg.GammaOp, pullback_zyg.d_gamma), (zyg.LgammaOp, pullback_zyg.d_lgamma),
        (zyg.PolygammaOp, pullback_zyg.d_polygamma))},
}
