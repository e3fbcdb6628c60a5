"""A value that cannot reach the result contributes nothing to the gradient: never `0 * inf` or
`0 * nan` (issue 10).

Two mechanisms, each tested here: activity analysis is backwards as well as forwards, so a value
that reaches the result only through a comparison (or not at all) emits no adjoint code; and every
rule multiplies its cotangent through a strong zero (`ad.mul` / `ad.div`), so a cotangent that is
zero on this run (a branch not taken, the other side of `np.where`) stays zero where the local
derivative is infinite or NaN. The first two programs are the fuzzed reproducers reduced to their
essence.
"""

import math

import numpy as np
import pytest
import zyg
from gradcheck import check_grads


def hypot_helper(a):
    v = math.ceil(a) * 0.5 - 0.541
    v *= math.tanh(math.atan(math.hypot(a, a)))
    return v


def constant_result(x, y, k):
    """Reduced from a fuzzed program: `y` drives calls in a loop whose values never reach the result
    (and `hypot(a, a)` at a = 0 in the first call has no derivative)."""
    v = 0.0
    for i in range(k):
        v = v * 0.77 + hypot_helper((i * 0.01) / (2.24 + y * y))
    return math.pow(2.58 + float(k % 3) * float(k % 3), 1.5)


def comparison_only(x, y, k):
    """Reduced from a fuzzed program: `x` reaches the result through a comparison and through an
    early return that does not run; `hypot(v, v)` at v = 0 has no derivative."""
    v = 0.0
    for i in range(1, k + 2):
        v = v + (math.asin(math.tanh(x) * 0.9) * math.hypot(v, v)) / i
        if v > 1.46:
            return math.log2(2.54 + v * v)
    return math.tanh(float(k // 2) if math.atan(float(k)) > math.exp(0.3 * math.sin(x)) else 1.0)


def test_constant_result_has_zero_gradient():
    assert zyg.gradient(constant_result, -0.1729, -1.3051, 1) == (0.0, 0.0, None)


def test_comparison_only_has_zero_gradient():
    assert zyg.gradient(comparison_only, 0.4761, -0.4467, 4) == (0.0, 0.0, None)


def unused_sqrt_in_loop(y, n):
    s = 0.0
    for _ in range(n):
        t = math.sqrt(y - y)  # noqa: F841 (computed and dropped, as the fuzzer found)
        s = s + y
    return s


def unused_hypot_in_loop(y, n):
    s = 0.0
    t = 0.0
    for _ in range(n):
        t = t + math.hypot(y - y, 0.0)
        s = s + y * y
    return s


def test_values_dropped_in_a_loop_contribute_nothing():
    assert zyg.gradient(unused_sqrt_in_loop, 1.5, 3) == (3.0, None)
    assert zyg.gradient(unused_hypot_in_loop, 1.5, 3) == (9.0, None)


def branch_not_taken(x, flag):
    r = 2.0 * x
    s = math.sqrt(x)
    if flag:
        r = r + s
    return r


def test_zero_cotangent_through_infinite_derivative():
    # The branch with sqrt is not taken: its cotangent is zero, sqrt'(0) is infinite.
    assert zyg.gradient(branch_not_taken, 0.0, False) == (2.0, None)


def overwritten_each_iteration(x, n):
    v = x
    for i in range(n):
        v = math.sin(x) * (i + 1)
    return v


def test_loop_result_reached_only_through_its_yield():
    # The loop's argument `v` is never read in the body, but its result is returned.
    check_grads(overwritten_each_iteration, (0.3, 3))
    check_grads(overwritten_each_iteration, (0.3, 0))


def hypot_at_origin(y):
    return math.hypot(y - y, 0.0) + y


def atan2_at_origin(y):
    return math.atan2(y - y, y - y) + y


def pow_zero_exponent(x):
    return x ** 0.0 + x ** 0 + 3.0 * x


@pytest.mark.parametrize("f, x, expected", [
    (hypot_at_origin, 1.5, 1.0),   # hypot has no derivative at the origin: 0, the minimum-norm choice
    (atan2_at_origin, 1.5, 1.0),   # likewise atan2
    (pow_zero_exponent, 0.0, 3.0),  # x ** 0 is constant, also at x = 0
])
def test_derivatives_at_singular_points_are_finite(f, x, expected):
    assert zyg.gradient(f, x) == (expected,)


def sqrt_where(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def log_where(x):
    return np.sum(np.where(x > 0, np.log(x), 0.0) * 2.0)


def exp_where(x):
    return np.sum(np.where(x < 100, np.exp(x), 0.0) / (1.0 + x * x))


def test_nan_through_where_does_not_happen():
    x = np.array([-1.0, 0.0, 4.0])
    np.testing.assert_array_equal(zyg.gradient(sqrt_where, x)[0], [0.0, 0.0, 0.25])
    np.testing.assert_array_equal(zyg.gradient(log_where, x)[0], [0.0, 0.0, 0.5])
    (grad,) = zyg.gradient(exp_where, np.array([-1.0, 1000.0, 4.0]))
    expected = [math.exp(v) / (1 + v * v) - 2 * v * math.exp(v) / (1 + v * v) ** 2 for v in (-1.0, 4.0)]
    np.testing.assert_allclose(grad[[0, 2]], expected, rtol=1e-12)
    assert grad[1] == 0.0


def test_a_used_infinite_derivative_is_still_infinite():
    # The strong zero only applies to a zero cotangent: sqrt'(0) = inf where the value is used.
    assert zyg.gradient(sqrt_of, 0.0) == (math.inf,)


def sqrt_of(x):
    return math.sqrt(x)


_REPRO = __import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "repro"


@pytest.mark.skipif(not (_REPRO / "nan_gradient_1.py").exists(), reason="shared/repro is not beside the clone")
def test_fuzzed_reproducers_as_filed():
    import importlib.util

    def load(name):
        spec = importlib.util.spec_from_file_location(name, _REPRO / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    assert zyg.gradient(load("nan_gradient_1").f, -0.1729, -1.3051, 1) == (0.0, 0.0, None)
    assert zyg.gradient(load("nan_gradient_2").f, 0.4761, -0.4467, 4) == (0.0, 0.0, None)


def prod_all(x):
    return np.prod(x)


def prod_rows_kept(x):
    return np.sum(np.prod(x, axis=0, keepdims=True) * 2.0)


def test_prod_gradient_at_zero_elements_is_the_product_of_the_others():
    # Not z / x = 0 / 0: one zero in a group gets the product of the others, two zeros give 0.
    np.testing.assert_array_equal(zyg.gradient(prod_all, np.array([2.0, 0.0, 4.0]))[0], [0.0, 8.0, 0.0])
    np.testing.assert_array_equal(zyg.gradient(prod_all, np.array([0.0, 0.0, 4.0]))[0], [0.0, 0.0, 0.0])
    m = np.array([[1.0, 0.0, 3.0], [2.0, 5.0, 0.5], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(zyg.gradient(prod_rows_kept, m)[0], [[0, 0, 1], [0, 0, 6], [4, 0, 3]], rtol=1e-15)


def sqrt_of_self_difference(x, y, k):
    """Reduced from a fuzzed program: `x - x` is 0, and sqrt has an infinite derivative there."""
    v = x
    return math.sqrt(abs(v - v)) + math.hypot(y, x - v) + (x / x) * y


def test_self_difference_and_quotient_are_constants():
    assert zyg.gradient(sqrt_of_self_difference, -1.208, 1.36, 3) == (0.0, 1.0 + 1.0, None)


def _first_of_product(a, x):
    return (a @ x)[0]  # the other rows of a @ x get a zero cotangent


def _product_row_sum(a, b):
    return np.sum((a @ b)[0])


def test_matrix_product_cotangent_zeros_are_strong():
    """BLAS computes 0 * nan = nan; a pullback's product must not let a NaN or infinite element that
    meets only zero cotangents through."""
    a = np.array([[1.0, 2.0], [np.nan, 3.0]])
    ga, gx = zyg.gradient(_first_of_product, a, np.array([1.0, 2.0]))
    np.testing.assert_array_equal(ga, [[1.0, 2.0], [0.0, 0.0]])
    np.testing.assert_array_equal(gx, [1.0, 2.0])
    b = np.array([[np.inf, 1.0], [2.0, 3.0]])
    ga, gb = zyg.gradient(_product_row_sum, np.array([[1.0, 2.0], [3.0, 4.0]]), b)
    np.testing.assert_array_equal(ga, [[np.inf, 5.0], [0.0, 0.0]])  # inf meets a nonzero cotangent
    np.testing.assert_array_equal(gb, [[1.0, 1.0], [2.0, 2.0]])
    ga32, _ = zyg.gradient(_first_of_product, a.astype(np.float32), np.array([1.0, 2.0], np.float32))
    np.testing.assert_array_equal(ga32, [[1.0, 2.0], [0.0, 0.0]])


def test_matrix_product_with_finite_operands_is_unchanged():
    a, b = np.random.default_rng(1).standard_normal((2, 5, 4))
    ga, gb = zyg.gradient(lambda a, b: np.sum(np.maximum(a @ b.T, 0.0)), a, b)
    mask = (a @ b.T > 0).astype(float)
    np.testing.assert_allclose(ga, mask @ b, rtol=1e-12)
    np.testing.assert_allclose(gb, mask.T @ a, rtol=1e-12)


def _scaled_by_zero_then_sqrt(x, y):
    y *= x * 0  # found by zyg.fuzz (scalar seed 502482): the result varies with neither argument
    return math.sqrt(y)


def _sqrt_of_square(x):
    return math.sqrt(x * x)


def _sqrt_of_product(x, y):
    return math.sqrt(x * y)


def test_a_zero_local_derivative_passes_nothing_on_even_an_infinite_cotangent():
    """`inf * 0` in a pullback is 0 when the 0 is the local derivative: the value varies with nothing
    to first order, as central differences agree."""
    assert zyg.gradient(_scaled_by_zero_then_sqrt, 0.886, -0.77) == (0.0, 0.0)
    assert zyg.gradient(_sqrt_of_square, 0.0) == (0.0,)
    assert zyg.gradient(_sqrt_of_product, 0.0, 1.0) == (math.inf, 0.0)  # f(0, y) = 0 for every y


def _difference_through_a_unit_division(x, y, k):
    x *= k  # found by zyg.fuzz (scalar seed 602802): y - y / 1.0 is 0 for every y, and sqrt' at 0 is inf
    y -= y / 1.0
    for _ in range(4):
        x = math.sqrt(x) + y
    return x


def test_exact_float_identities_are_seen_through():
    """`x * 1.0`, `x / 1.0` and `x - 0.0` are `x` bit for bit, so `y - y / 1.0` varies with nothing."""
    assert zyg.gradient(_difference_through_a_unit_division, 1.148, 1.883, 0) == (0.0, 0.0, None)
    check_grads(lambda x: x / 1.0 * 1 - 0.0 + x * x, (1.5,))
