"""`lower-zyg`: `zyg` ops and `ad.zero`/`ad.add`/`ad.mul`/`ad.div`/`ad.stop_gradient` -> `arith`/`math`, after
autodiff.

In: IR that may contain the Python-semantics ops of the `zyg` dialect and cotangent helpers.
Out: the same computation in upstream `arith` and `math`, ready for the upstream lowering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import arith, func, scf
from xdsl.dialects import math as m
from xdsl.dialects.builtin import AnyFloat, AnyFloatConstr, FloatAttr, IntegerAttr, ModuleOp, f64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import IRDLOperation, VarConstraint, irdl_op_definition, operand_def, result_def
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern
from zyg.dialects import ad, zyg
from zyg.frontend.types import I64
from zyg.passes.declare_callees import declare_callees
from zyg.passes.rewrite_each_op import rewrite_each_op
from zyg.passes.special_functions import polygamma


@irdl_op_definition
class RemFOp(IRDLOperation):
    """Upstream `arith.remf` (C's fmod), which xDSL 0.74 lacks; defined here so `lower-zyg` can emit it.
    It is only ever printed (generically) for upstream MLIR, never parsed by xDSL."""

    name = "arith.remf"
    T: ClassVar = VarConstraint("T", AnyFloatConstr)
    lhs = operand_def(T)
    rhs = operand_def(T)
    result = result_def(T)

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        super().__init__(operands=[lhs, rhs], result_types=[lhs.type])


class _Emitter:
    """Inserts new ops before the op being rewritten, at its location."""

    def __init__(self, rewriter: PatternRewriter, op: Operation):
        self.rewriter, self.op = rewriter, op

    def __call__(self, new: Operation) -> SSAValue:
        new.location = self.op.location
        self.rewriter.insert(new)
        return new.results[0]

    def const(self, value: float | int, t: Attribute) -> SSAValue:
        attr = FloatAttr(float(value), t) if isinstance(t, AnyFloat) else IntegerAttr(int(value), t)
        return self(arith.ConstantOp(attr))


class LowerZero(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ad.ZeroOp, rewriter: PatternRewriter, /):
        """Lowers `ad.zero` to an `arith.constant 0.0`."""
        rewriter.replace(op, arith.ConstantOp(FloatAttr(0.0, op.result.type)))


class LowerAdd(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ad.AddOp, rewriter: PatternRewriter, /):
        """Lowers `ad.add` on scalars to `arith.addf`."""
        rewriter.replace(op, arith.AddfOp(op.lhs, op.rhs))


class LowerStopGradient(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ad.StopGradientOp, rewriter: PatternRewriter, /):
        """Lowers `ad.stop_gradient` to its operand: after autodiff it is the identity."""
        rewriter.replace(op, [], [op.input])


class LowerStrongZero(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ad.MulOp | ad.DivOp, rewriter: PatternRewriter, /):
        """Lowers scalar `ad.mul` / `ad.div` to the `arith` product or quotient, selected away where
        the cotangent is zero (the select keeps the zero cotangent itself) and, for a product, where
        the factor is zero (a local derivative of zero passes nothing on, even an infinite cotangent)."""
        emit = _Emitter(rewriter, op)
        combine = arith.DivfOp if isinstance(op, ad.DivOp) else arith.MulfOp
        value = emit(combine(op.cotangent, op.factor))
        zero = emit.const(0.0, op.result.type)
        is_zero = emit(arith.CmpfOp(op.cotangent, zero, "oeq"))
        if isinstance(op, ad.MulOp):
            value = emit(arith.SelectOp(emit(arith.CmpfOp(op.factor, zero, "oeq")), zero, value))
        rewriter.replace(op, arith.SelectOp(is_zero, op.cotangent, value))


def _sign_fix(emit: _Emitter, remainder: SSAValue, divisor: SSAValue, is_float: bool) -> SSAValue:
    """Python's remainder takes the divisor's sign: add the divisor when the signs differ."""
    zero = emit.const(0, remainder.type)
    if is_float:
        nonzero = emit(arith.CmpfOp(remainder, zero, "une"))
        differ = emit(arith.XOrIOp(emit(arith.CmpfOp(remainder, zero, "olt")), emit(arith.CmpfOp(divisor, zero, "olt"))))
        fixed = emit(arith.AddfOp(remainder, divisor))
    else:
        nonzero = emit(arith.CmpiOp(remainder, zero, "ne"))
        differ = emit(arith.XOrIOp(emit(arith.CmpiOp(remainder, zero, "slt")), emit(arith.CmpiOp(divisor, zero, "slt"))))
        fixed = emit(arith.AddiOp(remainder, divisor))
    return emit(arith.SelectOp(emit(arith.AndIOp(nonzero, differ)), fixed, remainder))


class LowerFloorDiv(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: zyg.FloorDivOp, rewriter: PatternRewriter, /):
        """Lowers `zyg.floordiv` to `arith.floordivsi` (ints) or CPython's fmod-based rule (floats)."""
        emit = _Emitter(rewriter, op)
        if op.result.type == I64:
            divisor, by_minus_one = _safe_divisor(emit, op.rhs)
            quotient = emit(arith.FloorDivSIOp(op.lhs, divisor))
            negated = emit(arith.SubiOp(emit.const(0, I64), op.lhs))  # x // -1, without the trap at INT64_MIN
            result = emit(arith.SelectOp(by_minus_one, negated, quotient))
        else:
            result = _python_float_floordiv(emit, op.lhs, op.rhs)
        rewriter.replace(op, [], [result])


def _python_float_floordiv(emit: _Emitter, a: SSAValue, b: SSAValue) -> SSAValue:
    """CPython's float `//`: from fmod, so that `1.0 // 0.1 == 9.0` (floor(a / b) would give 10.0)."""
    mod = emit(RemFOp(a, b))
    div = emit(arith.DivfOp(emit(arith.SubfOp(a, mod)), b))
    zero, one, half = emit.const(0.0, a.type), emit.const(1.0, a.type), emit.const(0.5, a.type)
    signs_differ = emit(arith.XOrIOp(emit(arith.CmpfOp(b, zero, "olt")), emit(arith.CmpfOp(mod, zero, "olt"))))
    adjust = emit(arith.AndIOp(emit(arith.CmpfOp(mod, zero, "une")), signs_differ))
    div = emit(arith.SelectOp(adjust, emit(arith.SubfOp(div, one)), div))
    floored = emit(m.FloorOp(div))
    round_up = emit(arith.CmpfOp(emit(arith.SubfOp(div, floored)), half, "ogt"))
    return emit(arith.SelectOp(round_up, emit(arith.AddfOp(floored, one)), floored))


def _safe_divisor(emit: _Emitter, divisor: SSAValue) -> tuple[SSAValue, SSAValue]:
    """The divisor with 0 and -1 replaced by 1, and whether it is -1: integer division by zero, and
    INT64_MIN divided by -1, are undefined behaviour in LLVM (SIGFPE on x86). The frontend raises
    ZeroDivisionError (and OverflowError for `INT64_MIN // -1`) first; the callers give `x // -1` and
    `x % -1` their values."""
    zero, one, minus_one = emit.const(0, I64), emit.const(1, I64), emit.const(-1, I64)
    by_minus_one = emit(arith.CmpiOp(divisor, minus_one, "eq"))
    unsafe = emit(arith.OrIOp(emit(arith.CmpiOp(divisor, zero, "eq")), by_minus_one))
    return emit(arith.SelectOp(unsafe, one, divisor)), by_minus_one


class LowerMod(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: zyg.ModOp, rewriter: PatternRewriter, /):
        """Lowers `zyg.mod` to a remainder with Python's sign convention."""
        emit = _Emitter(rewriter, op)
        if op.result.type == I64:
            remainder = emit(arith.RemSIOp(op.lhs, _safe_divisor(emit, op.rhs)[0]))  # x % 1 == x % -1 == 0
            result = _sign_fix(emit, remainder, op.rhs, is_float=False)
        else:
            result = _sign_fix(emit, emit(RemFOp(op.lhs, op.rhs)), op.rhs, is_float=True)
        rewriter.replace(op, [], [result])


# A float to an int power |n| <= this is repeated squaring and multiplication, as in numba (a few
# multiplications instead of libm's pow, ~20 ns): within 25 ulps of pow at 32 (the rounding error of
# each squaring doubles with every later one, so it grows with n), exact for n = 0, 1, 2, -1.
SQUARING_MAX_EXPONENT = 32


def _power_by_squaring(emit: _Emitter, base: SSAValue, exponent: SSAValue) -> SSAValue:
    """`base ** exponent` for a float base and an i64 exponent: `math.fpowi` (upstream's binary
    exponentiation, 1 / x^-n for n < 0) where |n| <= SQUARING_MAX_EXPONENT, else libm's pow."""
    bound = emit.const(SQUARING_MAX_EXPONENT, I64)
    shifted = emit(arith.AddiOp(exponent, bound))  # |n| <= bound  <=>  0 <= n + bound <= 2 bound (unsigned)
    small = emit(arith.CmpiOp(shifted, emit.const(2 * SQUARING_MAX_EXPONENT, I64), "ule"))
    squaring = m.FPowIOp(base, exponent)
    converted = arith.SIToFPOp(exponent, base.type)
    pow_call = m.PowFOp(base, converted)
    branches = [[squaring, scf.YieldOp(squaring)], [converted, pow_call, scf.YieldOp(pow_call)]]
    for new in (new for ops in branches for new in ops):
        new.location = emit.op.location
    return emit(scf.IfOp(small, [base.type], branches[0], branches[1]))


class LowerPow(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: zyg.PowOp, rewriter: PatternRewriter, /):
        """Lowers `zyg.pow` to `math.powf` (float exponent), repeated squaring (int exponent) or
        `math.ipowi` (int base and exponent)."""
        emit = _Emitter(rewriter, op)
        if op.base.type == I64:
            result = emit(m.IPowIOp(op.base, op.exponent))
        elif op.exponent.type == I64:
            result = _power_by_squaring(emit, op.base, op.exponent)
        else:
            result = emit(m.PowFOp(op.base, op.exponent))
        rewriter.replace(op, [], [result])


class LowerHypot(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: zyg.HypotOp, rewriter: PatternRewriter, /):
        """Lowers `zyg.hypot` to max * sqrt(1 + (min/max)^2), exact at 0 and infinity."""
        emit = _Emitter(rewriter, op)
        a, b = emit(m.AbsFOp(op.lhs)), emit(m.AbsFOp(op.rhs))
        big, small = emit(arith.MaximumfOp(a, b)), emit(arith.MinimumfOp(a, b))
        ratio = emit(arith.DivfOp(small, big))
        one = emit.const(1.0, big.type)
        scaled = emit(arith.MulfOp(big, emit(m.SqrtOp(emit(arith.AddfOp(one, emit(arith.MulfOp(ratio, ratio))))))))
        zero, inf = emit.const(0.0, big.type), emit.const(float("inf"), big.type)
        special = emit(arith.OrIOp(emit(arith.CmpfOp(big, zero, "oeq")), emit(arith.CmpfOp(big, inf, "oeq"))))
        rewriter.replace(op, [], [emit(arith.SelectOp(special, big, scaled))])


# The special functions the C library computes: `zyg` op -> libm function of one double.
_LIBM_FUNCTIONS = {zyg.ErfcOp: "erfc", zyg.GammaOp: "tgamma", zyg.LgammaOp: "lgamma"}


class LowerLibmCall(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: zyg.ErfcOp | zyg.GammaOp | zyg.LgammaOp, rewriter: PatternRewriter, /):
        """Lowers `zyg.erfc`, `zyg.gamma` and `zyg.lgamma` to calls of libm's `erfc`, `tgamma` and `lgamma`."""
        rewriter.replace(op, func.CallOp(_LIBM_FUNCTIONS[type(op)], [op.operand], [op.result.type]))


class LowerPolygamma(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: zyg.PolygammaOp, rewriter: PatternRewriter, /):
        """Lowers `zyg.polygamma` to reflection, recurrence and asymptotic series (`special_functions`)."""
        rewriter.replace(op, [], [polygamma(_Emitter(rewriter, op), op.operand, op.order.value.data)])


@dataclass(frozen=True)
class LowerZygPass(ModulePass):
    """Lowers the `zyg` dialect and `ad.zero`/`ad.add` to upstream dialects."""

    name = "lower-zyg"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        strong_zero, libm = LowerStrongZero(), LowerLibmCall()
        rewrite_each_op(op, {ad.ZeroOp: LowerZero(), ad.AddOp: LowerAdd(), ad.StopGradientOp: LowerStopGradient(),
                             ad.MulOp: strong_zero, ad.DivOp: strong_zero, zyg.FloorDivOp: LowerFloorDiv(),
                             zyg.ModOp: LowerMod(), zyg.PowOp: LowerPow(), zyg.HypotOp: LowerHypot(),
                             **dict.fromkeys(_LIBM_FUNCTIONS, libm), zyg.PolygammaOp: LowerPolygamma()})
        declare_callees(op, {name: ([f64], [f64]) for name in sorted(_LIBM_FUNCTIONS.values())})
