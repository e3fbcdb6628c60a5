"""NumPy functions of `zyg.frontend.numpy_library_more`: each compiled value equals NumPy's and each
gradient matches central finite differences (forward mode too, for the scans); the truth tests give
NumPy's bools and no gradient; errors are NumPy's at the user's line."""

from __future__ import annotations

import numpy as np
import pytest
import zyg
from arraycheck import check_array_grads, check_primal
from jvpcheck import check_jvp

X = np.array([0.3, -0.7, 1.5, 0.9, 0.0, -2.0, 1.1])
M = np.array([[0.5, -1.2, 2.0], [1.1, 0.4, -0.3], [0.7, 1.9, -0.8], [0.2, 0.6, 1.3]])
T = np.arange(24.0).reshape(2, 3, 4) / 10.0 - 1.0


def cumulative_sums(x):
    return np.sum(np.cumsum(x) * x) + np.sum(x.cumsum() ** 2)


def cumulative_products(x):
    return np.sum(np.cumprod(x) * x) + np.sum(x.cumprod() ** 2)  # exact through the zero and negatives


def cumulative_axes(m):
    return (np.sum(np.cumsum(m, axis=1) * m) + np.sum(m.cumprod(0) ** 2) + np.sum(np.cumsum(m) * m.ravel())
            + np.sum(np.cumprod(m, -1) * m) + np.sum(m.cumsum(axis=0) ** 3))


def cumulative_rank3(t):
    return np.sum(np.cumsum(t, axis=1) ** 2) + np.sum(np.cumprod(t, axis=2) * t) + np.sum(np.cumsum(t, 0) * t)


def cumulative_of_a_number(x):
    return np.sum(np.cumsum(x[0]) * x) + np.sum(np.cumprod(2.0) * x)


def diagonal_matrices(x, k):
    return np.sum(np.diag(x) * np.diag(x)) + np.sum(np.diag(x, k) ** 2) + np.sum(np.diag(x, k=-2) * 3.0)


def diagonals(m, k):
    return (np.sum(np.diag(m) * 2.0) + np.sum(np.diag(m, k) ** 2) + np.sum(np.diagonal(m, offset=-1) ** 3)
            + np.sum(m.diagonal(1) * np.diagonal(m, 1)) + np.sum(np.diag(m.T, k=2)) + np.sum(np.diagonal(m, k) * 0.5))


def repeats(x, m, r):
    return (np.sum(np.repeat(x, r) * np.arange(7 * r)) + np.sum(np.repeat(m, 2, axis=1) ** 2)
            + np.sum(m.repeat(r, 0) * m.repeat(r, axis=0)) + np.sum(np.repeat(m, 3) ** 3)
            + np.sum(np.repeat(m, repeats=r, axis=-1) * 0.5))


def takes(x, m, i):
    return (np.sum(np.take(x, i) * 2.0) + np.sum(np.take(m, i, axis=1) ** 2) + np.sum(np.take(m, i % 4, 0) ** 3)
            + np.take(m, 2) + np.sum(np.take(m, -1, axis=1)) + np.sum(m.take(i, axis=-1) * m[0, 0])
            + np.sum(np.take(m, indices=np.array([[1, 1], [0, 3]]), axis=0) ** 2))


def kronecker_products(x, m):
    return (np.sum(np.kron(x[:4], x[:3]) * np.arange(12)) + np.sum(np.kron(m, m[:2, :2]) ** 2)
            + np.sum(np.kron(x[:2], m) ** 2) + np.sum(np.kron(m[:2], x[:3]) * 0.5))


def cross_products(x, m, u):
    return (np.sum(np.cross(x[:3], x[1:4]) * x[:3]) + np.sum(np.cross(m, m[::-1]) ** 2)
            + np.sum(np.cross(m, u) ** 2) + np.sum(np.cross(u, m) * m))


def pads(x, m, c):
    return (np.sum(np.pad(x, 2) * np.arange(11)) + np.sum(np.pad(m, ((1, 0), (2, 3)), constant_values=c) ** 2)
            + np.sum(np.pad(m, (1, 2), mode="constant") ** 3)
            + np.sum(np.pad(x, ((0, 1),), constant_values=1.5) * np.arange(8))
            + np.sum(np.pad(m, pad_width=1, constant_values=c * c) * 2.0) + np.sum(np.pad(m, 0) * m))


def truth_tests(x, m):
    s = 0.0
    if np.all(x > -3.0):
        s += np.sum(x)
    if np.any(m > 1.0):
        s += np.sum(m * m)
    if np.allclose(x, x + 1e-12):
        s += np.sum(x ** 3)
    if not np.allclose(x, x + 1.0):
        s += np.sum(m)
    s += np.sum(np.where(np.all(m > 0.0, axis=1), 1.0, 0.0)) + np.sum(np.any(m < 0.0, axis=0, keepdims=True) * m)
    return s + np.sum(np.isclose(m, m + 1e-9) * m) + float(m.all()) + float(x.any())


def conversions(x, z):
    return np.float64(np.sum(x)) * np.float64(z) + np.float64(3) + np.sum(np.float64(x) * np.asarray(x))


def run_time_sized(x, n):
    y = x[:n]
    return (np.sum(np.cumsum(y) * y) + np.sum(np.cumprod(y)) + np.sum(np.diag(y, 1) ** 2)
            + np.sum(np.repeat(y, n)) + np.sum(np.kron(y, y) ** 2) + np.sum(np.pad(y, 2) ** 2)
            + np.sum(np.take(x, np.arange(n)) * y))


def repeats_each(x, m, r):
    return (np.sum(np.repeat(x, np.arange(7) % 3) * np.arange(6.0)) + np.sum(np.repeat(m, r, axis=1) ** 2)
            + np.sum(m.repeat([0, 2, 1, 1], axis=0) * np.arange(12.0).reshape(4, 3)) + np.sum(np.repeat(m, np.array([2])) ** 3)
            + np.sum(np.repeat(m[0], r[::-1]) ** 2))


def masked_reductions(x, m):
    positive = m > 0.0
    return (np.sum(m, where=positive) + np.sum(np.sum(m * m, axis=0, where=positive) * np.arange(3.0))
            + np.sum(np.mean(m, axis=1, where=np.array([True, False, True]), keepdims=True) ** 2)
            + np.prod(x, where=x < 1.0) + m.sum(where=False) + x.mean(where=np.abs(x) > 0.5)
            + np.sum(np.prod(m, axis=(0, 1), where=np.eye(4, 3) == 0.0)))


def initial_values(x, m, start):
    positive = m > 0.0
    return (np.max(m, where=positive, initial=-5.0) + np.sum(np.min(m, axis=0, where=positive, initial=start) ** 2)
            + np.max(x, initial=start) + np.sum(m, initial=start) + np.sum(np.prod(m, axis=1, initial=start))
            + np.max(x[:0], initial=start) + np.sum(m.min(axis=1, initial=0.0, keepdims=True) * m)
            + np.sum(x, where=x > 0.1, initial=start * 2.0))


def updated_results(x):
    c = np.cumsum(x)
    c[0] = 5.0
    t = np.take(x, np.array([1, 0]))
    t[1] = 3.0
    p = np.pad(x, 1)
    p[0] = 2.0
    r = np.repeat(x, 2)
    r[0] = 7.0
    return np.sum(c * x) + np.sum(t * x[:2]) + np.sum(p * p) + np.sum(r * r) + np.sum(x)


@pytest.mark.parametrize(("f", "args"), [
    (cumulative_sums, (X,)), (cumulative_products, (X,)), (cumulative_axes, (M,)), (cumulative_rank3, (T,)),
    (cumulative_of_a_number, (X,)),
    (diagonal_matrices, (X, 1)), (diagonal_matrices, (X, -3)), (diagonal_matrices, (X, 0)),
    (diagonals, (M, 1)), (diagonals, (M, -2)), (diagonals, (M, 5)), (diagonals, (M, -9)),
    (repeats, (X, M, 3)), (repeats, (X, M, 0)),
    (takes, (X, M, np.array([2, 0, -1, 2]))),
    (kronecker_products, (X, M)), (cross_products, (X, M, np.array([0.4, -1.1, 0.8]))),
    (pads, (X, M, 0.7)), (truth_tests, (X, M)), (conversions, (X, np.array(2.5))),
    (run_time_sized, (X, 0)), (run_time_sized, (X, 1)), (run_time_sized, (X, 5)),
    (updated_results, (X,)),
    (repeats_each, (X, M, np.array([2, 0, 3]))), (repeats_each, (X, M, np.array([1, 1, 1]))),
    (masked_reductions, (X, M)), (initial_values, (X, M, 0.8)), (initial_values, (X, M, 1.7)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_values_and_gradients_match_numpy(f, args):
    check_array_grads(f, args)


def test_float32_arrays_keep_their_dtype():
    def g(x):
        return np.cumsum(x) + np.cumprod(x) + np.pad(x, 1, constant_values=0.5)[1:-1] + np.repeat(x, 1)

    def f(x):
        return np.sum(g(x) * x)

    x = X.astype(np.float32)
    check_primal(g, (x,), rtol=1e-5, atol=1e-5)
    check_array_grads(f, (x,), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("f", [cumulative_sums, cumulative_products], ids=lambda f: f.__name__)
def test_forward_mode_of_the_scans(f):
    check_jvp(f, (X,))


@pytest.mark.parametrize("f", [repeats_each, masked_reductions], ids=lambda f: f.__name__)
def test_forward_mode_of_masks_and_repeats(f):
    check_jvp(f, (X, M, np.array([2, 0, 3])) if f is repeats_each else (X, M))


def test_scans_of_many_elements():
    x = np.linspace(0.999, 1.001, 3000)

    def f(x):
        return np.sum(np.cumsum(x) * x) + np.sum(np.cumprod(x))

    check_primal(f, (x,), rtol=1e-9)
    np.testing.assert_allclose(zyg.gradient(f, x)[0],
                               np.cumsum((x)[::-1])[::-1] + np.cumsum(x) + np.array(
                                   [np.sum(np.cumprod(x)[i:]) / x[i] for i in range(len(x))]), rtol=1e-9)


def second_order(x):
    return np.sum(np.cumprod(x) * np.cumsum(x))


def test_hessian_through_the_scans():
    step = 1e-6
    rows = [(zyg.gradient(second_order, X + step * e)[0] - zyg.gradient(second_order, X - step * e)[0]) / (2 * step)
            for e in np.eye(len(X))]
    np.testing.assert_allclose(zyg.hessian(second_order, X), np.array(rows), rtol=1e-6, atol=1e-6)


def test_an_int_array_casts_initial_to_its_dtype():
    def reductions(i):
        return np.sum(i, initial=1.5), np.max(i, initial=2.5), np.prod(i, axis=0, initial=3.7), np.min(i, where=i > 1, initial=9)

    i = np.array([1, 2, 3])
    assert zyg.jit(reductions)(i) == tuple(int(v) for v in reductions(i))


def test_int_and_bool_arrays():
    def f(i, b, m):
        return (np.cumsum(i) * 2, np.cumprod(m, axis=0), np.cumsum(b), np.diag(i), np.diag(m, -1), np.repeat(b, 2),
                np.take(i, np.array([1, -1])), np.kron(b, b), np.kron(i, i), np.cross(m, m[::-1]), np.pad(b, 1),
                np.pad(i, (1, 0), constant_values=7), np.any(b), np.all(b), np.all(i, axis=0), np.allclose(i, i))

    i, b, m = np.array([3, -1, 2, 5]), np.array([True, False, True]), np.array([[1, 0, 2], [3, 4, -5]])
    for actual, expected in zip(zyg.jit(f)(i, b, m), f(i, b, m), strict=True):
        np.testing.assert_array_equal(actual, expected)
        assert np.asarray(actual).dtype == np.asarray(expected).dtype


def test_closeness_with_infinities_and_nans():
    def f(a, b):
        return (np.isclose(a, b), np.isclose(a, b, equal_nan=True), np.allclose(a, b), np.allclose(a, a),
                np.allclose(a, b, 0.0, 0.5, True), np.isclose(a, b, rtol=0.5, atol=0.0), np.allclose(1.0, 1.0 + 1e-9))

    a = np.array([1.0, np.inf, -np.inf, np.nan, 2.0, 1.0, 0.0])
    b = np.array([1.0 + 1e-7, np.inf, np.inf, np.nan, np.inf, 1.3, -0.0])
    for actual, expected in zip(zyg.jit(f)(a, b), f(a, b), strict=True):
        np.testing.assert_array_equal(actual, expected)


def test_truth_of_empty_and_nan_arrays():
    def f(x):
        return np.all(x[:0]), np.any(x[:0]), np.all(x), np.any(x * 0.0), np.any(x), np.all(3.0), np.any(0)

    x = np.array([np.nan, 1.0])
    assert zyg.jit(f)(x) == f(x)


@pytest.mark.parametrize(("f", "args", "error", "phrase"), [
    (lambda m: np.take(m, np.array([0, 3]), axis=1), (M,), IndexError, "index 3 is out of bounds for axis 1 with size 3"),
    (lambda x: np.take(x, 9), (X,), IndexError, "index 9 is out of bounds for axis 0"),
    (lambda x: np.cross(x[:4], x[:4]), (X,), ValueError, "incompatible dimensions for cross product"),
    (lambda m, r: np.repeat(m, r), (M, -1), ValueError, "negative dimensions are not allowed"),
    (lambda m, r: np.repeat(m, r, axis=1), (M, np.array([1, 2])), ValueError,
     r"operands could not be broadcast together with shape \(3,\) \(2,\)"),
    (lambda m, r: np.repeat(m, r), (M, np.array([1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), ValueError,
     "repeats may not contain negative values"),
    (lambda m: np.sum(m, where=np.ones((3, 3)) > 0), (M,), ValueError,
     r"where= of shape \(3, 3\) does not broadcast to the array's shape \(4, 3\)"),
], ids=["take", "take-int", "cross", "repeat", "repeat-each-length", "repeat-each-negative", "sum-where-shape"])
def test_negative_run_time_errors(f, args, error, phrase):
    with pytest.raises(error, match=phrase):
        zyg.jit(f)(*args)


@pytest.mark.parametrize(("f", "phrase"), [
    (lambda t: np.diag(t), "must be 1-D or 2-D"),
    (lambda t: np.pad(t, 1, mode="edge"), "mode 'edge' is not supported"),
    (lambda t: np.pad(t, (1, 2, 3)), "does not give ints for the 3 axes"),
    (lambda t: np.pad(t, -1), "negative values"),
    (lambda t: np.cumsum(t, axis=3), "out of bounds"),
    (lambda t: np.diagonal(t), "only 2-D arrays"),
    (lambda t: np.repeat(t, np.array([1.0, 2.0])), "repeats must be an int or a 1-D array"),
    (lambda t: np.sum(t, dtype=np.float32), "the keyword 'dtype' is not supported"),
    (lambda t: np.max(t, where=t > 0), "to use a where mask one has to specify 'initial'"),
    (lambda t: np.mean(t, initial=1.0), "the keyword 'initial' is not supported"),
    (lambda t: np.mean(t, where=t), "where= must be a bool or an array of bools"),
], ids=["diag", "pad-mode", "pad-width", "pad-negative", "cumsum-axis", "diagonal", "repeat-float-array",
        "sum-dtype", "max-where", "mean-initial", "mean-float-where"])
def test_negative_compile_time_errors(f, phrase):
    with pytest.raises(zyg.ZygError, match=phrase):
        zyg.jit(f)(T)


def test_negative_update_of_a_diagonal():
    def f(m):
        d = np.diagonal(m)
        d[0] = 1.0  # NumPy's diagonal is a read-only view
        return np.sum(d)

    with pytest.raises(zyg.ZygError, match="updates a view of another array"):
        zyg.jit(f)(M)
