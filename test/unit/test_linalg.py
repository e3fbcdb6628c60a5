"""NumPy linear algebra: einsum, batched matmul, N-D dot, solve, inv, det, slogdet.

Each function is plain NumPy; `check_array_grads` compares zyg's compiled primal with NumPy's and
every element of its gradient with central differences. Matrices that are inverted are made well
conditioned (a random matrix plus n times the identity).
"""

import numpy as np
import pytest
import zyg
from arraycheck import check_array_grads, check_primal

RNG = np.random.default_rng(11)


def rand(*shape, dtype=np.float64):
    return RNG.uniform(-1.0, 1.0, size=shape).astype(dtype)


def well_conditioned(n, dtype=np.float64):
    return (rand(n, n) + n * np.eye(n)).astype(dtype)


# ------------------------------------------------------------------------------------------------
# einsum
# ------------------------------------------------------------------------------------------------

def einsum_matmul(a, b):
    return np.sum(np.einsum("ij,jk->ik", a, b) ** 2)


def einsum_frobenius(a, b):
    return np.einsum("ij,ij->", a, b)


def einsum_dot(u, v):
    return np.einsum("i,i->", u, v) ** 2


def einsum_transpose(a, w):
    return np.sum(np.einsum("ij->ji", a) * w)


def einsum_trace(a):
    return np.einsum("ii->", a) ** 2


def einsum_diagonal(a):
    return np.sum(np.sin(np.einsum("ii->i", a)))


def einsum_row_and_column_sums(a):
    return np.sum(np.einsum("ij->i", a) ** 2) + np.sum(np.einsum("ij->j", a) ** 3)


def einsum_batched(a, b):
    return np.sum(np.tanh(np.einsum("bij,bjk->bik", a, b)))


def einsum_outer(u, v):
    return np.sum(np.einsum("i,j->ij", u, v) ** 2)


def einsum_tensor_vector(t, v):
    return np.sum(np.einsum("ijk,k->ij", t, v) ** 2)


def einsum_implicit(a, b):
    return np.sum(np.einsum("ij,jk", a, b) * np.einsum("ji", np.einsum("ij,jk", a, b)))


def einsum_bilinear(u, a, v):
    return np.einsum("i,ij,j->", u, a, v)


def einsum_same_operand_twice(a):
    return np.einsum("ij,ij->", a, a) + np.einsum("ij,ji", a, a)


def einsum_with_spaces_and_scalar_result(a, v):
    return np.exp(np.einsum("ij, j, i -> ", a, v, v) * 0.1)


def einsum_batch_last(ls, xc):
    """The GMM's product of a lower triangle per component (batch axis last) with each point: its
    pullbacks `nkj,nki->ijk` and `ijk,nki->nkj` loop with an output letter innermost."""
    return np.sum(np.einsum("ijk,nkj->nki", ls, xc) ** 2)


# ------------------------------------------------------------------------------------------------
# Batched matmul and N-D dot
# ------------------------------------------------------------------------------------------------

def batched_matmul(a, b):
    return np.sum((a @ b) ** 2)


def batched_matmul_function(a, b):
    return np.sum(np.sin(np.matmul(a, b)))


def dot_nd(a, b):
    return np.sum(np.dot(a, b) ** 2) + np.sum(a.dot(b))


def attention(q, k, v):
    scores = q @ np.transpose(k, (0, 2, 1))
    weights = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    weights = weights / np.sum(weights, axis=-1, keepdims=True)
    return np.sum((weights @ v) ** 2)


# ------------------------------------------------------------------------------------------------
# np.linalg
# ------------------------------------------------------------------------------------------------

def solve_vector(a, b):
    return np.sum(np.linalg.solve(a, b) ** 2)


def solve_matrix(a, b):
    return np.sum(np.tanh(np.linalg.solve(a, b)))


def inverse(a):
    return np.sum(np.linalg.inv(a) ** 2)


def inverse_times(a, b):
    return np.einsum("ii->", np.linalg.inv(a) @ b)


def determinant(a):
    return np.linalg.det(a)


def determinant_of_product(a, b):
    return np.linalg.det(a @ b) ** 2


def slogdet_of_gram(x):
    sign, logabsdet = np.linalg.slogdet(x.T @ x + np.eye(x.shape[1]))
    return sign * logabsdet


def slogdet_signed(a):
    result = np.linalg.slogdet(a)
    return result[0] * result[1] + result[1] ** 2


def ridge_regression(x, y, lam):
    n = x.shape[1]
    w = np.linalg.solve(x.T @ x + lam * np.eye(n), x.T @ y)
    return np.sum((x @ w - y) ** 2) + lam * np.sum(w ** 2)


def gaussian_log_likelihood(a, r):
    cov = a @ a.T + np.eye(a.shape[0])
    _, logdet = np.linalg.slogdet(cov)
    return -0.5 * (logdet + r @ np.linalg.solve(cov, r))


def integer_matrix_det(m, s):
    return np.linalg.det(m) * s


CASES = [
    (einsum_matmul, lambda: (rand(3, 4), rand(4, 2))),
    (einsum_frobenius, lambda: (rand(3, 4), rand(3, 4))),
    (einsum_dot, lambda: (rand(5), rand(5))),
    (einsum_transpose, lambda: (rand(3, 4), rand(4, 3))),
    (einsum_trace, lambda: (rand(4, 4),)),
    (einsum_diagonal, lambda: (rand(3, 3),)),
    (einsum_row_and_column_sums, lambda: (rand(3, 5),)),
    (einsum_batched, lambda: (rand(2, 3, 4), rand(2, 4, 2))),
    (einsum_outer, lambda: (rand(3), rand(4))),
    (einsum_tensor_vector, lambda: (rand(2, 3, 4), rand(4))),
    (einsum_implicit, lambda: (rand(3, 4), rand(4, 3))),
    (einsum_bilinear, lambda: (rand(3), rand(3, 4), rand(4))),
    (einsum_same_operand_twice, lambda: (rand(3, 3),)),
    (einsum_with_spaces_and_scalar_result, lambda: (rand(4, 4), rand(4))),
    (einsum_batch_last, lambda: (rand(3, 3, 2), rand(5, 2, 3))),
    (batched_matmul, lambda: (rand(2, 3, 4), rand(2, 4, 5))),
    (batched_matmul, lambda: (rand(2, 3, 4), rand(4, 5))),
    (batched_matmul, lambda: (rand(3, 4), rand(2, 4, 5))),
    (batched_matmul, lambda: (rand(2, 1, 3, 4), rand(3, 4, 2))),
    (batched_matmul, lambda: (rand(2, 3, 4), rand(4))),
    (batched_matmul, lambda: (rand(4), rand(2, 4, 3))),
    (batched_matmul_function, lambda: (rand(1, 2, 3), rand(4, 3, 2))),
    (dot_nd, lambda: (rand(2, 3, 4), rand(4, 2))),
    (dot_nd, lambda: (rand(3, 4), rand(2, 4, 5))),
    (attention, lambda: (rand(2, 3, 4), rand(2, 5, 4), rand(2, 5, 3))),
    (solve_vector, lambda: (well_conditioned(4), rand(4))),
    (solve_matrix, lambda: (well_conditioned(3), rand(3, 2))),
    (inverse, lambda: (well_conditioned(4),)),
    (inverse_times, lambda: (well_conditioned(3), rand(3, 3))),
    (determinant, lambda: (rand(4, 4),)),
    (determinant, lambda: (rand(1, 1),)),
    (determinant_of_product, lambda: (rand(3, 3), rand(3, 3))),
    (slogdet_of_gram, lambda: (rand(5, 3),)),
    (slogdet_signed, lambda: (rand(4, 4),)),
    (ridge_regression, lambda: (rand(6, 3), rand(6), 0.5)),
    (gaussian_log_likelihood, lambda: (rand(3, 3), rand(3))),
    (integer_matrix_det, lambda: (np.array([[2, 1], [1, 3]]), 1.5)),
]


@pytest.mark.parametrize("f, make_args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_gradient_matches_finite_differences(f, make_args):
    check_array_grads(f, make_args())


@pytest.mark.parametrize("f, make_args", [
    (einsum_batched, lambda: (rand(2, 3, 4, dtype=np.float32), rand(2, 4, 2, dtype=np.float32))),
    (batched_matmul, lambda: (rand(2, 3, 4, dtype=np.float32), rand(4, 5, dtype=np.float32))),
    (solve_matrix, lambda: (well_conditioned(3, np.float32), rand(3, 2, dtype=np.float32))),
    (inverse, lambda: (well_conditioned(3, np.float32),)),
    (determinant, lambda: (well_conditioned(3, np.float32),)),
], ids=["einsum_batched", "batched_matmul", "solve_matrix", "inverse", "determinant"])
def test_float32(f, make_args):
    args = make_args()
    grads = check_array_grads(f, args, rtol=3e-3, atol=3e-3)
    assert all(g.dtype == np.float32 for g in grads)


def test_results_match_numpy():
    a, b = well_conditioned(4), rand(4, 3)
    check_primal(lambda a, b: np.linalg.solve(a, b), (a, b))
    check_primal(lambda a: np.linalg.inv(a), (a,))
    check_primal(lambda a: np.einsum("ii->i", a), (a,))
    check_primal(lambda x, y: x @ y, (rand(2, 1, 3, 4), rand(5, 4, 2)))
    check_primal(lambda t, v: np.einsum("ijk,k", t, v), (rand(2, 3, 4), rand(4)))
    check_primal(lambda x, g: np.einsum("nkj,nki->ijk", x, g), (rand(7, 3, 4), rand(7, 3, 5)))
    check_primal(lambda a: np.linalg.det(a), (rand(5, 5),))
    assert zyg.jit(lambda a: np.linalg.det(a))(np.zeros((0, 0))) == 1.0
    assert zyg.jit(lambda a: np.linalg.det(a))(np.array([[0.0, 1.0], [1.0, 0.0]])) == -1.0
    check_primal(lambda n: np.eye(n) * 2.0 + np.identity(n, dtype=np.float32), (4,))


def einsum_four_letters(a, b):
    return np.sum(np.sin(np.einsum("abij,bajk->kbia", a, b)))


def einsum_right_transposed(a, b):
    return np.sum(np.einsum("bij,bkj->bik", a, b) ** 2)


# Each matrix product of these has at least 4096 multiply-adds (m * n * k): a BLAS product per batch
# element (`lower-zyg-linalg`), in the primal and in both adjoints.
LARGE_PRODUCTS = [
    (einsum_matmul, lambda: (rand(20, 30), rand(30, 25))),
    (einsum_batch_last, lambda: (rand(16, 16, 3), rand(40, 3, 16))),
    (einsum_batched, lambda: (rand(2, 20, 16), rand(2, 16, 18))),
    (einsum_right_transposed, lambda: (rand(2, 20, 16), rand(2, 18, 16))),
    (einsum_four_letters, lambda: (rand(2, 3, 20, 17), rand(3, 2, 17, 15))),
]


@pytest.mark.parametrize("f, make_args", LARGE_PRODUCTS, ids=[f.__name__ for f, _ in LARGE_PRODUCTS])
def test_large_products_go_through_blas_with_the_same_gradients(f, make_args):
    check_array_grads(f, make_args())


def test_large_products_in_float32():
    grads = check_array_grads(einsum_batch_last, (rand(16, 16, 3, dtype=np.float32), rand(40, 3, 16, dtype=np.float32)),
                              rtol=3e-3, atol=3e-3)
    assert all(g.dtype == np.float32 for g in grads)


def gmm_product(ls, xc):
    return np.einsum("ijk,nkj->nki", ls, xc)


def test_one_compile_serves_small_and_large_products():
    from zyg.compiler import cache_size

    compiled = zyg.jit(gmm_product)
    compiled(rand(2, 2, 3), rand(5, 3, 2))
    count = cache_size()
    for d, n in ((2, 5), (16, 40), (3, 2000)):  # 20, 10240 and 18000 multiply-adds a product
        ls, xc = rand(d, d, 3), rand(n, 3, d)
        np.testing.assert_allclose(compiled(ls, xc), gmm_product(ls, xc), rtol=1e-12, atol=1e-12)
    assert cache_size() == count


def test_pivoting_handles_a_zero_leading_entry():
    a = np.array([[0.0, 2.0, 1.0], [1.0, 1.0, 0.0], [3.0, 0.0, 1.0]])
    b = rand(3)
    check_array_grads(solve_vector, (a, b))
    check_array_grads(determinant, (a,))


def test_one_compile_serves_every_size():
    from zyg.compiler import cache_size

    grad = zyg.compile_grad(solve_vector)
    grad(well_conditioned(3), rand(3))
    count = cache_size()
    for n in (1, 5, 12):
        gx, gb = grad(well_conditioned(n), rand(n))
        assert gx.shape == (n, n) and gb.shape == (n,)
    assert cache_size() == count


# ------------------------------------------------------------------------------------------------
# Errors: singular matrices, non-square matrices, shapes, subscripts
# ------------------------------------------------------------------------------------------------

def solve_it(a, b):
    return np.linalg.solve(a, b)


def invert(a):
    return np.linalg.inv(a)


def test_singular_matrix_raises_linalg_error():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix") as info:
        zyg.jit(solve_it)(singular, rand(2))
    assert isinstance(info.value, zyg.ZygLinAlgError)
    assert f"{__file__}:" in str(info.value) and "return np.linalg.solve(a, b)" in str(info.value)
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        zyg.jit(invert)(np.zeros((3, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
        zyg.gradient(solve_vector, singular, rand(2))
    assert zyg.jit(invert)(np.eye(2))[0, 0] == 1.0  # still works after an error


def test_singular_determinants_match_numpy():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert zyg.jit(determinant)(singular) == np.linalg.det(singular) == 0.0
    assert zyg.jit(lambda a: np.linalg.slogdet(a)[0])(singular) == 0.0
    assert zyg.jit(lambda a: np.linalg.slogdet(a)[1])(singular) == -np.inf


def test_non_square_matrix_raises_linalg_error():
    with pytest.raises(np.linalg.LinAlgError, match="Last 2 dimensions of the array must be square"):
        zyg.jit(invert)(rand(2, 3))
    with pytest.raises(np.linalg.LinAlgError, match="must be square"):
        zyg.jit(determinant)(rand(3, 2))


def test_wrong_rank_is_rejected_at_compile_time():
    with pytest.raises(np.linalg.LinAlgError, match="1-dimensional array given") as info:
        zyg.jit(invert)(rand(3))
    assert isinstance(info.value, zyg.ZygError) and "return np.linalg.inv(a)" in str(info.value)
    with pytest.raises(zyg.UnsupportedSyntaxError, match="stacks of matrices"):
        zyg.jit(determinant)(rand(2, 3, 3))


def test_solve_shape_mismatch_raises_value_error():
    with pytest.raises(ValueError, match=r"solve: b of shape \(4,\) does not fit a of shape \(3, 3\)"):
        zyg.jit(solve_it)(well_conditioned(3), rand(4))


def test_batched_matmul_shape_errors():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3, 4\) and \(2, 5, 6\) not aligned: 4 \(dim 2\) != 5"):
        zyg.jit(batched_matmul)(rand(2, 3, 4), rand(2, 5, 6))
    with pytest.raises(ValueError, match="matmul: operands could not be broadcast together"):
        zyg.jit(batched_matmul)(rand(2, 3, 4), rand(3, 4, 6))


def test_einsum_size_mismatch_raises_value_error():
    with pytest.raises(ValueError, match=r"einsum: size 5 of axis 0 of operand 1 \(subscript 'j'\) differs from "
                                         r"size 4 of axis 1 of operand 0"):
        zyg.jit(einsum_matmul)(rand(3, 4), rand(5, 2))
    with pytest.raises(ValueError, match="subscript 'i'"):
        zyg.jit(einsum_trace)(rand(3, 4))


def einsum_unknown_output(a, s):
    return np.sum(np.einsum("ij,jk->il", a, a))


def einsum_repeated_output(a, s):
    return np.sum(np.einsum("ij->ii", a))


def einsum_missing_operand(a, s):
    return np.sum(np.einsum("ij,jk->ik", a))


def einsum_wrong_rank(a, s):
    return np.sum(np.einsum("ijk->i", a))


def einsum_ellipsis(a, s):
    return np.sum(np.einsum("...ij->i", a))


def einsum_runtime_subscripts(a, s):
    return np.sum(np.einsum(s, a))


@pytest.mark.parametrize("f, error, message", [
    (einsum_unknown_output, zyg.ZygTypeError, "output subscript 'l' does not appear in an input"),
    (einsum_repeated_output, zyg.ZygTypeError, "output subscript 'i' appears more than once"),
    (einsum_missing_operand, zyg.ZygTypeError, "name 2 operand"),
    (einsum_wrong_rank, zyg.ZygTypeError, "operand 0 has rank 2 but subscripts 'ijk'"),
    (einsum_ellipsis, zyg.UnsupportedSyntaxError, "ellipsis"),
    (einsum_runtime_subscripts, zyg.ZygTypeError, "must be known at compile time"),
], ids=lambda v: v.__name__ if callable(v) and hasattr(v, "__code__") else None)
def test_bad_einsum_subscripts_are_rejected_at_compile_time(f, error, message):
    with pytest.raises(error, match=message) as info:
        zyg.jit(f)(rand(3, 3), 1.0)
    assert f"{__file__}:" in str(info.value)
