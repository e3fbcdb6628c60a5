"""`np.linalg.eigh`, `eigvalsh`, `svd` and the matrix norms of singular values (`ord` 2, -2, 'nuc')
(issue 15): eigenvalues and singular values equal NumPy's, vectors up to their documented signs, and gradients of functions that
do not depend on those signs match central differences of NumPy's; the tangents too (forward mode).
A repeated eigenvalue gives a function of the eigenvalues its exact gradient, and an eigenvector's
gradient inf or nan, never a finite wrong number."""

from __future__ import annotations

import math

import numpy as np
import pytest
import zyg
from arraycheck import check_array_grads
from jvpcheck import check_jvp

RNG = np.random.default_rng(15)
SYMMETRIC = (lambda a: a + a.T)(RNG.normal(size=(5, 5)))
SKEWED = RNG.normal(size=(4, 4))  # not symmetric: eigh reads one triangle
WIDE = RNG.normal(size=(3, 5))
WEIGHTS = np.arange(1.0, 6.0)


def eigenvalues(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * np.arange(1.0, a.shape[0] + 1.0)) + np.sum(np.linalg.eigvalsh(a, UPLO="U") ** 3)


def projectors(a):
    """Sign-invariant functions of the eigenvectors: squares, and rank-one projectors."""
    w, v = np.linalg.eigh(a)
    n = a.shape[0]
    first = np.outer(v[:, 0], v[:, 0])
    return np.sum(v * v * np.arange(n * n).reshape(n, n)) + np.sum(first * a) + np.sum(w * (v[0] * v[-1]) ** 2)


def upper_projectors(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return np.sum(np.abs(v[:, -1]) * np.arange(a.shape[0])) + w[0]


def singular_value_norms(a):
    return (np.linalg.norm(a, 2) + 2.0 * np.linalg.norm(a, -2) + 3.0 * np.linalg.norm(a, "nuc")
            + np.sum(np.linalg.norm(a.T, ord=2, axis=(1, 0), keepdims=True)))


def singular_vectors(a):
    """Functions of the SVD that do not depend on the signs of the singular vectors."""
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    k = s.shape[0]
    return (np.sum(s * np.arange(1.0, k + 1.0)) + np.sum(u * u * np.arange(u.size).reshape(u.shape))
            + np.sum(np.outer(u[:, 0], vt[0]) * a) + np.sum((vt * vt) @ np.arange(vt.shape[1] * 1.0))
            + np.sum(np.linalg.svd(a, compute_uv=False) ** 3))


def square_svd(a):
    u, s, vt = np.linalg.svd(a)
    return np.sum((u * s) @ vt * a) + np.sum(np.abs(u[:, -1]))


@pytest.mark.parametrize(("f", "args"), [
    (singular_vectors, (WIDE,)), (singular_vectors, (WIDE.T,)), (singular_vectors, (SKEWED,)),
    (square_svd, (SKEWED,)),
    (eigenvalues, (SYMMETRIC,)), (eigenvalues, (SKEWED,)), (projectors, (SYMMETRIC,)), (projectors, (SKEWED,)),
    (upper_projectors, (SKEWED,)), (singular_value_norms, (WIDE,)), (singular_value_norms, (WIDE.T,)),
    (singular_value_norms, (SKEWED,)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_values_and_gradients_match_numpy(f, args):
    check_array_grads(f, args)


@pytest.mark.parametrize("f", [eigenvalues, projectors, singular_value_norms, singular_vectors],
                         ids=lambda f: f.__name__)
def test_forward_mode_matches_finite_differences(f):
    check_jvp(f, (SKEWED,))


def test_forward_mode_of_a_wide_and_a_tall_svd():
    check_jvp(singular_vectors, (WIDE,))
    check_jvp(singular_vectors, (WIDE.T,))


def test_eigenvalues_are_numpys_and_eigenvectors_up_to_the_documented_signs():
    def decompose(a):
        return np.linalg.eigh(a)

    for a in (SYMMETRIC, SKEWED, np.eye(3), np.zeros((2, 2)), np.diag([3.0, -1.0, 2.0]), np.ones((1, 1)), np.zeros((0, 0))):
        w, v = zyg.jit(decompose)(a)
        expected_w, expected_v = np.linalg.eigh(a)
        np.testing.assert_allclose(w, expected_w, rtol=1e-13, atol=1e-13)
        n = a.shape[0]
        np.testing.assert_allclose(v.T @ v, np.eye(n), atol=1e-14)
        largest = np.argmax(np.abs(v), axis=0) if n else np.zeros(0, dtype=int)
        assert np.all(v[largest, np.arange(n)] > 0.0)  # the normalisation
        if np.all(np.diff(expected_w) > 1e-8):  # distinct eigenvalues: the same vectors, up to sign
            np.testing.assert_allclose(v, expected_v * np.sign(np.sum(v * expected_v, axis=0)), atol=1e-13)
    w32 = zyg.jit(decompose)(SYMMETRIC.astype(np.float32))[0]
    assert w32.dtype == np.float32
    np.testing.assert_allclose(w32, np.linalg.eigvalsh(SYMMETRIC), rtol=1e-6)


def test_extreme_scales_and_non_finite_entries():
    def decompose(a):
        return np.linalg.eigh(a)

    def thin(a):
        return np.linalg.svd(a, full_matrices=False)

    def two_norm(a):
        return np.linalg.norm(a, 2)

    for scale in (1e200, 1e-200):
        w, v = zyg.jit(decompose)(SYMMETRIC * scale)
        np.testing.assert_allclose(w, np.linalg.eigvalsh(SYMMETRIC) * scale, rtol=1e-13)
        s = zyg.jit(thin)(WIDE * scale)[1]
        np.testing.assert_allclose(s, np.linalg.svd(WIDE)[1] * scale, rtol=1e-13)
    for bad in (np.nan, np.inf):
        a = SYMMETRIC.copy()
        a[1, 2] = a[2, 1] = bad
        w, v = zyg.jit(decompose)(a)
        assert np.all(np.isnan(w)) and np.all(np.isnan(v))
        with pytest.raises(np.linalg.LinAlgError, match="SVD did not converge"):
            zyg.jit(thin)(a)
        with pytest.raises(np.linalg.LinAlgError, match="SVD did not converge"):
            zyg.jit(two_norm)(a)


def test_a_larger_matrix():
    a = (lambda m: m + m.T)(RNG.normal(size=(40, 40)))
    w, v = zyg.jit(lambda a: np.linalg.eigh(a))(a)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a), atol=1e-12)
    np.testing.assert_allclose(v @ np.diag(w) @ v.T, a, atol=1e-12)


def test_repeated_eigenvalues():
    """A function of the eigenvalues alone (here the trace of exp(A)) has its gradient; an
    eigenvector's depends on a choice within the eigenspace and is inf or nan."""
    def trace_exp(a):
        return np.sum(np.exp(np.linalg.eigvalsh(a)))

    def first_vector(a):
        w, v = np.linalg.eigh(a)
        return np.sum(v[:, 0] * np.array([1.0, 2.0, 3.0]))

    a = np.diag([1.0, 1.0, 2.0])
    np.testing.assert_allclose(zyg.gradient(trace_exp, a)[0], np.diag(np.exp([1.0, 1.0, 2.0])), rtol=1e-14)
    np.testing.assert_allclose(zyg.gradient(trace_exp, np.eye(4))[0], math.e * np.eye(4), rtol=1e-14)
    assert not np.all(np.isfinite(zyg.gradient(first_vector, a)[0]))


def test_singular_value_norms_are_numpys():
    def norms(a):
        return np.linalg.norm(a, 2), np.linalg.norm(a, "nuc")

    def smallest(a):
        return np.linalg.norm(a, -2)

    for a in (WIDE, WIDE.T, SKEWED, np.zeros((2, 3)), np.ones((1, 4)), np.diag([3.0, 3.0])):
        two, nuclear = zyg.jit(norms)(a)
        assert two == pytest.approx(np.linalg.norm(a, 2), rel=1e-13, abs=1e-14)
        assert nuclear == pytest.approx(np.linalg.norm(a, "nuc"), rel=1e-13, abs=1e-14)
        assert zyg.jit(smallest)(a) == pytest.approx(np.linalg.norm(a, -2), rel=1e-13, abs=1e-14)
    assert zyg.jit(norms)(np.zeros((0, 3))) == (0.0, 0.0)
    with pytest.raises(ValueError, match="zero-size array"):
        zyg.jit(smallest)(np.zeros((0, 3)))
    assert zyg.jit(smallest)(WIDE.astype(np.float32)) == pytest.approx(np.linalg.norm(WIDE, -2), rel=1e-6)


def test_svd_is_numpys_up_to_the_documented_signs():
    def thin(a):
        return np.linalg.svd(a, full_matrices=False)

    for a in (WIDE, WIDE.T, SKEWED, np.outer([1.0, 2.0, 3.0], [1.0, 0.0, 1.0]), np.zeros((3, 2)), np.ones((1, 1))):
        u, s, vt = zyg.jit(thin)(a)
        expected_u, expected_s, expected_vt = np.linalg.svd(a, full_matrices=False)
        np.testing.assert_allclose(s, expected_s, atol=1e-13)
        k = s.shape[0]
        np.testing.assert_allclose(u.T @ u, np.eye(k), atol=1e-14)
        np.testing.assert_allclose(vt @ vt.T, np.eye(k), atol=1e-14)
        np.testing.assert_allclose((u * s) @ vt, a, atol=1e-13)
        largest = np.argmax(np.abs(u), axis=0)
        assert np.all(u[largest, np.arange(k)] > 0.0)  # the normalisation
        if np.all(-np.diff(expected_s) > 1e-8) and expected_s[-1] > 1e-8:  # distinct: the same, up to sign
            signs = np.sign(np.sum(u * expected_u, axis=0))
            np.testing.assert_allclose(u, expected_u * signs, atol=1e-13)
            np.testing.assert_allclose(vt, expected_vt * signs[:, None], atol=1e-13)
    np.testing.assert_allclose(zyg.jit(lambda a: np.linalg.svd(a, compute_uv=False))(WIDE), np.linalg.svd(WIDE)[1])
    full = zyg.jit(lambda a: np.linalg.svd(a))
    for a in (SKEWED, WIDE, WIDE.T, np.zeros((3, 0))):
        u, s, vt = full(a)
        expected_u, expected_s, expected_vt = np.linalg.svd(a)
        assert u.shape == expected_u.shape and vt.shape == expected_vt.shape
        np.testing.assert_allclose(s, expected_s, rtol=1e-13)
        np.testing.assert_allclose(u.T @ u, np.eye(u.shape[0]), atol=1e-14)
        np.testing.assert_allclose(vt @ vt.T, np.eye(vt.shape[0]), atol=1e-14)
        np.testing.assert_allclose(u[:, :s.size] @ np.diag(s) @ vt[:s.size], a, atol=1e-13)
    u32 = zyg.jit(thin)(WIDE.astype(np.float32))[0]
    assert u32.dtype == np.float32


def full_svd_thin_part(a):
    u, s, vt = np.linalg.svd(a)
    k = s.shape[0]
    return np.sum(s * s) + np.sum(u[:, :k] * u[:, :k] * np.arange(u.shape[0] * k).reshape(u.shape[0], k)) + np.sum(
        vt[:k] ** 2 @ np.arange(vt.shape[1] * 1.0))


def test_full_matrices_extra_columns_have_no_derivative():
    """The thin part of a full SVD has its gradient; the extra columns, an arbitrary basis, make it nan."""
    def extra_columns(a):
        u, s, vt = np.linalg.svd(a)
        return np.sum(u[:, 3:] ** 2 * np.arange(1.0, 3.0))

    for a in (WIDE, WIDE.T):
        check_array_grads(full_svd_thin_part, (a,))
        check_jvp(full_svd_thin_part, (a,))
    assert np.all(np.isnan(zyg.gradient(extra_columns, WIDE.T)[0]))
    assert np.isnan(zyg.jvp(extra_columns, (WIDE.T,), (np.ones_like(WIDE.T),))[1])


STACK = (lambda a: a + np.swapaxes(a, -1, -2))(RNG.normal(size=(2, 2, 3, 3)))
TALL_STACK = RNG.normal(size=(3, 4, 2))


def stacked_eigen(a):
    w, v = np.linalg.eigh(a)
    return np.sum(w * np.arange(3.0)) + np.sum(v * v * np.arange(9.0).reshape(3, 3)) + np.sum(
        np.linalg.eigvalsh(a, UPLO="U") ** 2)


def stacked_singular(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return (np.sum(s * np.arange(1.0, 3.0)) + np.sum(u * u * np.arange(8.0).reshape(4, 2))
            + np.sum(np.linalg.norm(a, 2, axis=(1, 2)) * np.arange(3.0)) + np.sum(np.linalg.norm(a, "nuc", axis=(2, 0)))
            + np.sum(np.linalg.norm(a, -2, axis=(-1, -2), keepdims=True) * a))


def test_stacks_of_matrices():
    check_array_grads(stacked_eigen, (STACK,))
    check_jvp(stacked_eigen, (STACK,))
    check_array_grads(stacked_singular, (TALL_STACK,))
    check_jvp(stacked_singular, (TALL_STACK,))
    w, v = zyg.jit(lambda a: np.linalg.eigh(a))(STACK)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(STACK), atol=1e-13)
    np.testing.assert_allclose(v @ (w[..., None] * np.swapaxes(v, -1, -2)), STACK, atol=1e-13)
    for full, decompose in ((False, lambda a: np.linalg.svd(a, full_matrices=False)), (True, lambda a: np.linalg.svd(a))):
        u, s, vt = zyg.jit(decompose)(TALL_STACK)
        expected_u, expected_s, expected_vt = np.linalg.svd(TALL_STACK, full_matrices=full)
        assert u.shape == expected_u.shape and vt.shape == expected_vt.shape
        np.testing.assert_allclose(s, expected_s, atol=1e-13)


def test_repeated_singular_values():
    """The singular values' gradient is exact where they repeat; a singular vector's is inf or nan."""
    def squares(a):
        return np.sum(np.linalg.svd(a, compute_uv=False) ** 2)

    def first_vector(a):
        u, s, vt = np.linalg.svd(a, full_matrices=False)
        return np.sum(u[:, 0] * np.arange(1.0, a.shape[0] + 1.0))

    a = np.vstack([np.eye(3), np.zeros((1, 3))])
    np.testing.assert_allclose(zyg.gradient(squares, a)[0], 2.0 * a, atol=1e-15)
    assert not np.all(np.isfinite(zyg.gradient(first_vector, a)[0]))


def test_the_gradient_of_the_two_norm_is_the_top_singular_pair():
    u, s, vt = np.linalg.svd(WIDE)
    grad = zyg.gradient(lambda a: np.linalg.norm(a, 2), WIDE)[0]
    np.testing.assert_allclose(grad, np.outer(u[:, 0], vt[0]), atol=1e-12)


def test_unsupported_arguments_are_errors_at_the_call():
    def stacked(a):
        return np.linalg.eigh(a)

    def batched_norm(a):
        return np.linalg.norm(a, 3, axis=(1, 2))

    def bad_triangle(a):
        return np.linalg.eigh(a, UPLO="X")

    def not_square(a):
        return np.linalg.eigvalsh(a)

    with pytest.raises(zyg.ZygTypeError, match=r"test_spectral.py:\d+.*np.linalg.eigh: 1-dimensional array given"):
        zyg.jit(stacked)(np.zeros(2))
    with pytest.raises(zyg.UnsupportedSyntaxError, match=r"test_spectral.py:\d+.*the matrix norm ord=3 is not supported"):
        zyg.jit(batched_norm)(np.zeros((2, 2, 2)))
    with pytest.raises(zyg.ZygTypeError, match=r"test_spectral.py:\d+.*UPLO must be 'L' or 'U'"):
        zyg.jit(bad_triangle)(SYMMETRIC)
    with pytest.raises(np.linalg.LinAlgError, match="must be square"):
        zyg.jit(not_square)(WIDE)
