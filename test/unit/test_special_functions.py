"""`math.erfc`, `math.gamma` and `math.lgamma` (issue 15): values equal CPython's, gradients match
central differences, tangents too (forward mode), and the derivatives, digamma and the polygamma
functions that no C library has, match their known values to about 1e-14."""

from __future__ import annotations

import math

import pytest
import zyg
from gradcheck import check_grads
from jvpcheck import check_jvp

EULER = 0.5772156649015329


def special(x):
    return math.erfc(x) * 2.0 + math.gamma(x) - math.lgamma(x * x + 0.5)


def gamma_of_negative(x):
    return math.gamma(x - 3.0) + math.lgamma(x - 5.0)


@pytest.mark.parametrize("x", [0.37, 1.46, 2.9, 7.5, 13.25, -0.6, -2.3])
def test_values_and_gradients_match_python(x):
    check_grads(special, (x,))


@pytest.mark.parametrize("x", [0.4, 0.75])
def test_gradients_between_the_poles(x):
    check_grads(gamma_of_negative, (x,))


@pytest.mark.parametrize("x", [0.37, -1.2, 4.5])
def test_forward_mode_matches_finite_differences(x):
    check_jvp(special, (x,))


def test_erfc_keeps_its_small_values():
    erfc = zyg.jit(lambda x: math.erfc(x))
    for x in (6.0, 10.0, 26.0, -3.0, 0.0):
        assert erfc(x) == math.erfc(x)
    assert erfc(10.0) > 0.0  # 1 - erf(10) is 0
    derivative = zyg.derivative(math.erfc)(10.0)
    assert derivative == pytest.approx(-2.0 / math.sqrt(math.pi) * math.exp(-100.0), rel=1e-14)


def test_digamma_and_trigamma_known_values():
    digamma = zyg.derivative(math.lgamma)
    trigamma = zyg.derivative(digamma)
    expected_digamma = {
        1.0: -EULER, 0.5: -EULER - 2.0 * math.log(2.0), 0.25: -EULER - math.pi / 2.0 - 3.0 * math.log(2.0),
        1.0 / 3.0: -EULER - math.pi / (2.0 * math.sqrt(3.0)) - 1.5 * math.log(3.0), 10.0: sum(1.0 / k for k in range(1, 10)) - EULER,
        -0.5: 2.0 - EULER - 2.0 * math.log(2.0), -2.75: -EULER + math.pi / 2.0 - 3.0 * math.log(2.0) + 1.0 / 0.75 + 1.0 / 1.75 + 1.0 / 2.75 - math.pi,  # reflection
        1e-8: -1e8 - EULER, 1e6: math.log(1e6) - 0.5e-6 - 1.0 / 12e12,
    }
    for x, expected in expected_digamma.items():
        assert digamma(x) == pytest.approx(expected, rel=2e-14), x
    expected_trigamma = {1.0: math.pi ** 2 / 6.0, 0.5: math.pi ** 2 / 2.0, -0.5: math.pi ** 2 / 2.0 + 4.0,
                         3.0: math.pi ** 2 / 6.0 - 1.25, 25.0: math.pi ** 2 / 6.0 - sum(1.0 / k ** 2 for k in range(1, 25))}
    for x, expected in expected_trigamma.items():
        assert trigamma(x) == pytest.approx(expected, rel=2e-14), x


def test_polygamma_of_order_two_is_the_third_derivative():
    """psi''(1) = -2 zeta(3), and psi''(x) = psi''(x + 1) - 2 / x^3 reaches negative x."""
    tetragamma = zyg.derivative(zyg.derivative(zyg.derivative(math.lgamma)))
    zeta3 = 1.2020569031595942
    assert tetragamma(1.0) == pytest.approx(-2.0 * zeta3, rel=1e-13)
    assert tetragamma(-0.5) == pytest.approx(tetragamma(0.5) - 2.0 / (-0.5) ** 3, rel=1e-13)
    assert tetragamma(0.5) == pytest.approx(-14.0 * zeta3, rel=1e-13)


def test_gamma_gradient_is_gamma_times_digamma():
    grad = zyg.compile_grad(lambda x: math.gamma(x))
    assert grad(1.0)[0] == pytest.approx(-EULER, rel=1e-14)
    assert grad(5.0)[0] == pytest.approx(24.0 * (1.0 + 0.5 + 1.0 / 3.0 + 0.25 - EULER), rel=1e-14)


def test_poles_give_inf_or_nan_as_other_math_domain_errors_do():
    """CPython raises ValueError at the poles; zyg gives IEEE values there, as for sqrt(-1) and log(0)."""
    gamma, lgamma = zyg.jit(lambda x: math.gamma(x)), zyg.jit(lambda x: math.lgamma(x))
    assert gamma(0.0) == math.inf and math.isnan(gamma(-2.0)) and gamma(200.0) == math.inf
    assert lgamma(0.0) == math.inf and lgamma(-3.0) == math.inf
    assert math.isnan(zyg.derivative(math.lgamma)(-3.0))
    assert zyg.derivative(math.lgamma)(0.0) == -math.inf
    assert math.isnan(zyg.derivative(math.gamma)(-2.0))


def lgamma_times_erfc(x):
    return math.lgamma(x) * math.erfc(x) + math.gamma(x)


def test_hessian_forward_over_reverse():
    h = 1e-4
    x = 1.7
    expected = (lgamma_times_erfc(x + h) - 2.0 * lgamma_times_erfc(x) + lgamma_times_erfc(x - h)) / h ** 2
    assert zyg.hessian(lgamma_times_erfc, x) == pytest.approx(expected, rel=1e-6)
