"""NumPy and math functions of issue 15's first batch: each compiled value equals NumPy's, each gradient
matches central finite differences, and each new math op's tangent matches too (forward mode)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import zyg
from arraycheck import check_array_grads
from gradcheck import check_grads
from jvpcheck import check_jvp

X = np.array([0.3, -0.7, 1.5, 0.9])
M = np.array([[0.5, -1.2, 2.0], [1.1, 0.4, -0.3], [0.7, 1.9, -0.8]])


def reciprocal(x):
    return np.sum(np.reciprocal(x + 3.0) * x)


def negative_positive(x):
    return np.sum(np.negative(x) * np.positive(x) * x)


def exp2(x):
    return np.sum(np.exp2(x))


def inverse_hyperbolic(x):
    return np.sum(np.arcsinh(x) + np.arccosh(x * x + 1.5) + np.arctanh(x * 0.5))


def cube_root(x):
    return np.sum(np.cbrt(x) * x)


def angles(x):
    return np.sum(np.sin(np.deg2rad(x * 90.0)) + np.rad2deg(x) + np.radians(x) * np.degrees(x))


def sinc(x):
    return np.sum(np.sinc(x) * x)


def sinc_at_zero(x):
    return np.sum(np.sinc(x * 0.0 + x - x))


def variance(x):
    return np.var(x) + np.var(x, ddof=1)


def standard_deviation(m):
    return np.sum(np.std(m, axis=0)) + np.sum(np.std(m, axis=1, ddof=1, keepdims=True) * m)


def average(m):
    return np.average(m) + np.sum(np.average(m, axis=1)) + np.average(m, weights=m * m + 1.0)


def differences(m):
    return np.sum(np.diff(m) ** 2) + np.sum(np.diff(m, n=2, axis=0) * m[0])


def flips(m):
    return np.sum(np.flip(m) * m) + np.sum(np.flipud(m) * np.fliplr(m) * m) + np.sum(np.flip(m, axis=1)[0] * m[1])


def rolls(m, k):
    return np.sum(np.roll(m, k) * m) + np.sum(np.roll(m, -1, axis=1) * m * m) + np.sum(np.roll(m[0], k + 1) * m[2])


def triangles(m, k):
    return np.sum(np.triu(m) * m) + np.sum(np.tril(m, k) ** 2) + np.sum(np.triu(m, -1))


def vector_norms(m):
    return (np.linalg.norm(m) + np.linalg.norm(m[0], 1) + np.linalg.norm(m[1], np.inf)
            + np.linalg.norm(m[2], -np.inf) + np.linalg.norm(m[0], 3) + np.linalg.norm(m[1], 0))


def matrix_norms(m):
    return (np.sum(np.linalg.norm(m, axis=0)) + np.sum(np.linalg.norm(m, ord=1, axis=1))
            + np.linalg.norm(m, "fro") + np.linalg.norm(m, 1) + np.linalg.norm(m, np.inf) + np.linalg.norm(m, -1)
            + np.sum(np.linalg.norm(m, axis=1, keepdims=True) * m))


def positions(m):
    return (m[0, np.argmax(m[0])] + float(np.argmin(m)) + np.sum(np.argmax(m, axis=1) * m[0])
            + np.sum(m.argmin(axis=0) * 1.0) + np.sum(np.argmax(m, keepdims=True) * 1.0))


def sorts(m):
    return (np.sum(np.sort(m) * np.arange(3.0)) + np.sum(np.sort(m, axis=0)[0] * m[1])
            + np.sum(np.sort(m, axis=None) ** 2) + np.sum(np.argsort(m[0]) * m[2]) + np.sum(m.argsort(axis=0) * 1.0))


def along_axes(m):
    rows = np.take_along_axis(m, np.argsort(m, axis=1), axis=1)
    columns = np.take_along_axis(m, np.argsort(m, axis=0)[:2], axis=0)
    return np.sum(rows * np.arange(3.0)) + np.sum(columns ** 2) + np.sum(np.take_along_axis(m, np.array([8, -1]), None))


SPD = np.array([[4.0, 1.0, 0.5, 0.1], [1.0, 3.0, 0.2, 0.0], [0.5, 0.2, 2.0, 0.3], [0.1, 0.0, 0.3, 1.5]])


def cholesky(a):
    lower = np.linalg.cholesky(a)
    return np.sum(lower * np.arange(16.0).reshape(4, 4)) + np.sum(np.log(np.diagonal(lower)))


TALL = np.array([[2.0, -1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, -2.0], [0.3, 0.1, 0.7]])


def qr(a):
    q, r = np.linalg.qr(a)
    weights = np.arange(1.0, q.size + 1).reshape(q.shape)
    return np.sum(q * weights) + np.sum(r * r * 0.5) + np.sum(np.linalg.qr(a.T, mode="r"))


def scalar_math(x):
    return math.asinh(x) + math.acosh(x + 2.0) + math.atanh(x * 0.3) + math.erf(x)


@pytest.mark.parametrize(("f", "args"), [
    (reciprocal, (X,)), (negative_positive, (X,)), (exp2, (X,)), (inverse_hyperbolic, (X,)),
    (cube_root, (X,)), (angles, (X,)), (sinc, (X,)), (sinc_at_zero, (np.zeros(3),)),
    (variance, (X,)), (standard_deviation, (M,)), (average, (M,)), (differences, (M,)), (flips, (M,)),
    (rolls, (M, 2)), (rolls, (M, -7)), (triangles, (M, 1)), (triangles, (M, -2)),
    (vector_norms, (M,)), (matrix_norms, (M,)), (positions, (M,)), (sorts, (M,)), (along_axes, (M,)),
    (cholesky, (SPD,)), (qr, (TALL,)), (qr, (TALL[:3],)), (qr, (-TALL.T[:2],)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_values_and_gradients_match_numpy(f, args):
    check_array_grads(f, args)


@pytest.mark.parametrize("x", [0.4, -0.8])
def test_math_functions_of_floats(x):
    check_grads(scalar_math, (x,))


@pytest.mark.parametrize("f", [exp2, inverse_hyperbolic, cube_root, sinc], ids=lambda f: f.__name__)
def test_forward_mode_matches_finite_differences(f):
    check_jvp(f, (X,))


def test_the_zero_order_difference_and_an_empty_roll():
    def zero_order(x):
        return np.sum(np.diff(x, n=0) * x)

    def empty(x):
        return np.sum(np.roll(x[:0], 3)) + np.sum(x)

    check_array_grads(zero_order, (X,))
    check_array_grads(empty, (X,))


def test_argmax_finds_the_first_nan_and_refuses_an_empty_array():
    def first_max(x):
        return np.argmax(x)

    assert zyg.jit(first_max)(np.array([1.0, np.nan, 3.0, np.nan])) == 1
    assert zyg.jit(first_max)(np.array([1.0, 4.0, 4.0])) == 1
    with pytest.raises(ValueError, match="attempt to get argmax of an empty sequence"):
        zyg.jit(first_max)(np.zeros(0))


def test_argsort_is_numpy_stable_order_with_nan_last():
    def order(x):
        return np.argsort(x)

    x = np.array([0.3, -0.7, 1.5, np.nan, 0.9, -0.7, np.nan])
    np.testing.assert_array_equal(zyg.jit(order)(x), np.argsort(x, kind="stable"))
    ints = np.array([5, 1, 5, 0, 1])
    np.testing.assert_array_equal(zyg.jit(order)(ints), np.argsort(ints, kind="stable"))
    np.testing.assert_array_equal(zyg.jit(order)(np.zeros(0)), np.zeros(0, np.int64))


def test_take_along_axis_checks_each_index_against_its_axis():
    def pick(m, k):
        return np.sum(np.take_along_axis(m, k, axis=1))

    assert zyg.jit(pick)(M, np.array([[0, -1], [2, 2], [1, 0]])) == pick(M, np.array([[0, -1], [2, 2], [1, 0]]))
    with pytest.raises(IndexError, match="out of bounds"):
        zyg.jit(pick)(M, np.array([[0, 3], [2, 2], [1, 0]]))  # 3 is past row 0, though inside the array


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted_finds_numpys_insertion_points(side):
    def where_(a, v):
        return np.searchsorted(a, v, side=side)

    def scalar(a, x):
        return np.searchsorted(a, x, side=side) * 1.0

    a = np.array([1.0, 2.0, 2.0, 3.5, 7.0, np.nan])
    v = np.array([0.5, 2.0, 3.0, 7.0, 9.0, np.nan, -np.inf])
    np.testing.assert_array_equal(zyg.jit(where_)(a, v), np.searchsorted(a, v, side=side))
    np.testing.assert_array_equal(zyg.jit(where_)(np.zeros(0), v), np.searchsorted(np.zeros(0), v, side=side))
    ints = np.array([1, 3, 3, 8])
    np.testing.assert_array_equal(zyg.jit(where_)(ints, np.array([3, 0, 9])), np.searchsorted(ints, [3, 0, 9], side=side))
    assert zyg.jit(scalar)(a, 2.0) == scalar(a, 2.0)


def test_cholesky_refuses_a_matrix_that_is_not_positive_definite():
    def factor(a):
        return np.linalg.cholesky(a)

    np.testing.assert_allclose(zyg.jit(factor)(SPD), np.linalg.cholesky(SPD))
    assert zyg.jit(factor)(SPD.astype(np.float32)).dtype == np.float32
    with pytest.raises(np.linalg.LinAlgError, match="Matrix is not positive definite"):
        zyg.jit(factor)(-SPD)
    with pytest.raises(np.linalg.LinAlgError, match="Matrix is not positive definite"):
        zyg.jit(factor)(np.full((2, 2), np.nan))


def test_qr_gives_numpys_factors():
    def factors(a):
        return np.linalg.qr(a)

    for a in (TALL, TALL.T, np.array([[1.0, 2.0], [0.0, 3.0]]), np.zeros((3, 2))):
        q, r = zyg.jit(factors)(a)
        expected_q, expected_r = np.linalg.qr(a)
        np.testing.assert_allclose(q, expected_q, atol=1e-12)
        np.testing.assert_allclose(r, expected_r, atol=1e-12)
