"""Branch-free `arith`/`math` expansion of the polygamma functions, for `lower-zyg`.

In: an emitter (`lower_zyg._Emitter`: it inserts an op and returns its result), an `f64` value x
and an order n >= 0. Out: psi^(n)(x), the n-th derivative of digamma psi = lgamma', its ops emitted.
No C library has digamma; autodiff needs it for the derivatives of `math.gamma` and `math.lgamma`.

The method (Abramowitz & Stegun 6.3-6.4):

- reflection for x < 0: psi(1 - x) - psi(x) = pi cot(pi x), differentiated n times,
  psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x)) with d^n/dz^n cot z = P_n(cot z),
  P_0(c) = c, P_(k+1)(c) = -(1 + c^2) P_k'(c); cot(pi x) is taken of x - round(x), exact;
- then y >= 0, and the recurrence psi^(n)(y) = psi^(n)(y + 1) - (-1)^n n! / y^(n+1), unrolled
  into a fixed number of selected steps, carries y past `_asymptotic_start(n)`;
- there the asymptotic series: psi(y) ~ ln y - 1/(2y) - sum B_2k / (2k y^2k), and for n >= 1
  psi^(n)(y) ~ (-1)^(n+1) (n-1)!/y^n + n!/(2 y^(n+1)) + sum B_2k (2k+n-1)! / ((2k)! y^(2k+n)),
  with the eight terms up to B_16, whose remainder is below 1e-17 relative there.

The result is accurate to a few ulp except near the zeros of psi^(n) (psi's root near 1.4616 and
between the poles at negative x), where the absolute error stays a few ulp of the terms summed. The
poles (0, -1, -2, ...) give nan, except psi^(n)(0), which is the limit from the right (-inf for
digamma, +inf for odd n, -inf for even n >= 2).
"""

from __future__ import annotations

import math
from fractions import Fraction

from xdsl.dialects import arith
from xdsl.dialects import math as m
from xdsl.ir import SSAValue

# B_2, B_4, ..., B_16.
_BERNOULLI = (Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30), Fraction(5, 66),
              Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510))


def _asymptotic_start(order: int) -> int:
    """Where the series starts: far enough that its eight terms are accurate for this order."""
    return 10 + 2 * order


def _cot_derivative(order: int) -> list[int]:
    """The coefficients, lowest degree first, of P_order with d^order/dz^order cot z = P_order(cot z)."""
    p = [0, 1]
    for _ in range(order):
        dp = [k * p[k] for k in range(1, len(p))]
        q = [0] * (len(dp) + 2)
        for i, a in enumerate(dp):  # -(1 + c^2) P'(c)
            q[i] -= a
            q[i + 2] -= a
        p = q
    return p


def _series_coefficients(order: int) -> list[float]:
    """c_k (k = 1..8) of the asymptotic series' sum of c_k / y^(2k), before the factor 1/y^order."""
    if order == 0:
        return [float(-b / (2 * k)) for k, b in enumerate(_BERNOULLI, 1)]
    return [float(b * math.factorial(2 * k + order - 1) / math.factorial(2 * k)) for k, b in enumerate(_BERNOULLI, 1)]


def _horner(emit, coefficients: list[float], w: SSAValue) -> SSAValue:
    """sum c_k w^k (k from 1), by Horner's rule."""
    acc = emit.const(coefficients[-1], w.type)
    for c in reversed(coefficients[:-1]):
        acc = emit(arith.AddfOp(emit(arith.MulfOp(acc, w)), emit.const(c, w.type)))
    return emit(arith.MulfOp(acc, w))


def _power(emit, base: SSAValue, exponent: int) -> SSAValue:
    result = base
    for _ in range(exponent - 1):
        result = emit(arith.MulfOp(result, base))
    return result


def _asymptotic(emit, y: SSAValue, order: int) -> SSAValue:
    """psi^(order)(y) for y >= `_asymptotic_start(order)`."""
    t = y.type
    inv = emit(arith.DivfOp(emit.const(1.0, t), y))
    series = _horner(emit, _series_coefficients(order), emit(arith.MulfOp(inv, inv)))
    if order == 0:
        log_minus_half = emit(arith.SubfOp(emit(m.LogOp(y)), emit(arith.MulfOp(emit.const(0.5, t), inv))))
        return emit(arith.AddfOp(log_minus_half, series))
    leading = emit(arith.AddfOp(emit.const(math.factorial(order - 1), t),
                                emit(arith.MulfOp(emit.const(math.factorial(order) / 2, t), inv))))
    value = emit(arith.MulfOp(emit(arith.AddfOp(leading, series)), _power(emit, inv, order)))
    return value if order % 2 else emit(arith.NegfOp(value))


def _nonnegative(emit, y: SSAValue, order: int) -> SSAValue:
    """psi^(order)(y) for y >= 0 (or nan): recurrence steps up to the series, then the series."""
    t = y.type
    start = emit.const(float(_asymptotic_start(order)), t)
    one, zero = emit.const(1.0, t), emit.const(0.0, t)
    total = zero  # sum of 1 / y^(order+1) over the steps taken
    for _ in range(_asymptotic_start(order)):
        below = emit(arith.CmpfOp(y, start, "olt"))
        term = emit(arith.DivfOp(one, _power(emit, y, order + 1)))
        total = emit(arith.AddfOp(total, emit(arith.SelectOp(below, term, zero))))
        y = emit(arith.SelectOp(below, emit(arith.AddfOp(y, one)), y))
    factor = math.factorial(order) * (-1 if order % 2 == 0 else 1)  # -(-1)^n n!
    return emit(arith.AddfOp(_asymptotic(emit, y, order), emit(arith.MulfOp(emit.const(factor, t), total))))


def polygamma(emit, x: SSAValue, order: int) -> SSAValue:
    """psi^(order)(x) for any x, reflected first where x < 0 (see the module docstring)."""
    t = x.type
    zero, one = emit.const(0.0, t), emit.const(1.0, t)
    negative = emit(arith.CmpfOp(x, zero, "olt"))
    y = emit(arith.SelectOp(negative, emit(arith.SubfOp(one, x)), x))
    reflected_value = _nonnegative(emit, y, order)
    fraction = emit(arith.SubfOp(x, emit(m.RoundOp(x))))  # exact: cot(pi x) = cot(pi fraction)
    angle = emit(arith.MulfOp(emit.const(math.pi, t), fraction))
    cot = emit(arith.DivfOp(emit(m.CosOp(angle)), emit(m.SinOp(angle))))
    p = _cot_derivative(order)
    cot_derivative = emit.const(float(p[-1]), t)
    for c in reversed(p[:-1]):
        cot_derivative = emit(arith.AddfOp(emit(arith.MulfOp(cot_derivative, cot)), emit.const(float(c), t)))
    signed = reflected_value if order % 2 == 0 else emit(arith.NegfOp(reflected_value))
    reflected = emit(arith.SubfOp(signed, emit(arith.MulfOp(emit.const(math.pi ** (order + 1), t), cot_derivative))))
    at_pole = emit(arith.AndIOp(negative, emit(arith.CmpfOp(fraction, zero, "oeq"))))
    value = emit(arith.SelectOp(negative, reflected, reflected_value))
    return emit(arith.SelectOp(at_pole, emit.const(float("nan"), t), value))
