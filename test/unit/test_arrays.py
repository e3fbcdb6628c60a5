"""NumPy array functions: compiled primal and gradients against NumPy and central differences.

Each function is plain NumPy; `check_array_grads` runs it with NumPy, compiles it with `zyg.jit` and
`zyg.gradient`, and compares values and every element of every float argument's gradient.
"""

import math

import numpy as np
import pytest
import zyg
from arraycheck import check_array_grads, check_primal

RNG = np.random.default_rng(7)


def rand(*shape, dtype=np.float64, low=-1.5, high=1.5):
    return RNG.uniform(low, high, size=shape).astype(dtype)


# ------------------------------------------------------------------------------------------------
# Elementwise arithmetic and broadcasting
# ------------------------------------------------------------------------------------------------

def sum_of_squares(x):
    return np.sum(x ** 2)


def arithmetic_chain(x, y):
    return np.sum((x + y) * (x - y) / (y * y + 2.0) - x / 4)


def scalar_on_both_sides(x, s):
    return np.sum(2.0 * x - s + x * s + 1.0 / (x * x + s))


def unary_minus_and_pow(x):
    return np.sum(-x ** 3 + x ** 4 - (-x) * 0.5)


def bias_broadcast(x, b):
    return np.sum(np.tanh(x + b))


def column_broadcast(x, c):
    return np.sum(x * c)


def unit_axis_broadcast(x, r):
    return np.sum((x - r) ** 2)


def outer_broadcast(x, w):
    """`x[:, None]` repeats a known unit axis; `w` may broadcast another one at run time."""
    return np.sum((x[:, None] - w) ** 2 * np.exp(w[None, :, :] * x[None, :, None]))


def float_power(x, y):
    return np.sum(np.power(np.abs(x) + 1.0, y))


def int_array_power(t, k):
    return np.sum(t[:, None] ** np.arange(-3, 6)) + np.sum(t ** k)


UNARY = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "arctan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "exp": np.exp, "expm1": np.expm1, "abs": np.abs, "square": np.square,
}
POSITIVE_UNARY = {"log": np.log, "log1p": np.log1p, "log2": np.log2, "log10": np.log10, "sqrt": np.sqrt}
UNIT_UNARY = {"arcsin": np.arcsin, "arccos": np.arccos}


def _unary_case(fn):
    def unary(x):
        return np.sum(fn(x) * x)

    return unary


def arctan2_hypot(y, x):
    return np.sum(np.arctan2(y, x) + np.hypot(y, x))


def maximum_minimum_clip(x, y):
    return np.sum(np.maximum(x, y) * 2.0 + np.minimum(x, 0.3) + np.clip(y, -0.5, 0.5))


def where_mask(x, y):
    return np.sum(np.where(x > y, x * y, x - y))


def logaddexp(x, y):
    return np.sum(np.logaddexp(x, y))


def sign_floor_ceil(x):
    return np.sum(x * np.sign(x) + np.floor(x) * x + np.ceil(x))


# ------------------------------------------------------------------------------------------------
# Reductions
# ------------------------------------------------------------------------------------------------

def reductions_full(x):
    return np.sum(x) + np.mean(x) * 2.0 + np.max(x) - np.min(x) + np.prod(x * 0.5 + 1.0)


def reductions_axis(x):
    return np.sum(np.sum(x, axis=0) ** 2) + np.sum(np.mean(x, axis=1) * 3.0) + np.sum(np.max(x, axis=-1))


def reductions_keepdims(x):
    centred = x - np.mean(x, axis=1, keepdims=True)
    return np.sum(centred ** 2 / np.max(np.abs(x), axis=0, keepdims=True))


def reductions_tuple_axis(x):
    return np.sum(np.sum(x, axis=(0, 2)) ** 2) + np.sum(np.min(x, axis=(1, 2)))


def reduction_methods(x):
    return x.sum() + x.mean(axis=0).sum() + x.max(axis=1).sum() + x.min() + x.prod(axis=0).sum()


def log_sum_exp(x):
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(np.log(np.sum(np.exp(x - m), axis=1, keepdims=True)) + m)


def vector_norm(x):
    return np.linalg.norm(x) ** 2 + np.linalg.norm(x)


def frobenius_norm(a):
    return np.linalg.norm(a @ a.T)


# ------------------------------------------------------------------------------------------------
# Products and transposes
# ------------------------------------------------------------------------------------------------

def matmul_2d(a, b):
    return np.sum((a @ b) ** 2)


def matvec(a, v):
    return np.sum(np.sin(a @ v))


def vecmat(v, a):
    return np.sum(np.dot(v, a) ** 2)


def dot_1d(u, v):
    return np.dot(u, v) * np.matmul(u, u)


def outer_product(u, v):
    return np.sum(np.outer(u, v) ** 2)


def transposes(a):
    return np.sum(a.T @ a + np.transpose(a) @ a * 0.5)


def transpose_3d(x):
    return np.sum(np.transpose(x, (2, 0, 1)) ** 3 * np.transpose(x, (1, 2, 0))[0, 0, 0])


def mlp_loss(w1, b1, w2, b2, x, y):
    h = np.tanh(x @ w1 + b1)
    out = h @ w2 + b2
    return np.mean((out - y) ** 2)


def logistic_loss(w, b, x, y):
    z = x @ w + b
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


# ------------------------------------------------------------------------------------------------
# Indexing, loops and in-place updates
# ------------------------------------------------------------------------------------------------

def weighted_dot_loop(w, x):
    s = 0.0
    for i in range(len(x)):
        s += w[i] * x[i]
    return s


def strided_reversed_loops(x):
    s = 0.0
    for i in range(len(x) - 1, -1, -1):
        s = s * 0.5 + x[i] * x[i]
    for i in range(1, len(x), 2):
        s += np.sin(x[i]) * x[i - 1]
    return s


def negative_indices(x):
    return x[-1] * x[0] + x[-2] ** 2


def matrix_element_loop(a):
    s = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            s += a[i, j] * a[i, j] * (i + 1.0) - a[i, -1 - j]
    return s


def setitem_in_loop(v):
    y = np.zeros(len(v))
    for i in range(len(v)):
        y[i] = v[i] * 2.0 + v[(i + 1) % len(v)]
    return np.sum(y * y)


def augmented_setitem(v):
    y = np.ones_like(v)
    for i in range(1, len(v)):
        y[i] += y[i - 1] * v[i]
    return np.sum(y)


def augmented_array(x, y):
    z = x * 1.0
    z += y
    z *= x
    z -= 0.5
    return np.sum(z)


def shape_attributes(x):
    n, m = x.shape
    return np.sum(x) * n + m * x.size * x.ndim + len(x)


def creation(x):
    a = np.zeros(x.shape) + np.ones((x.shape[0], x.shape[1])) + np.full(x.shape, 2.0)
    return np.sum(a * x + np.zeros_like(x) + np.ones_like(x) * x + np.full_like(x, 3.0))


def float32_elements_in_scalar_code(x):
    s = 0.0
    for i in range(len(x)):
        if x[i] > 0.5:
            s += np.sin(x[i]) * x[i] - x[i] / 3.0 + abs(x[i]) ** 1.5
        else:
            s -= max(x[i], -0.2) ** 2 + math.exp(x[i])
    return s + float(x[0] < x[1])


def integer_creation(x):
    counts = np.zeros(x.shape, dtype=np.int64) + np.ones_like(x, dtype=np.int64) * 2
    return np.sum(x * counts)


def running_sum_loop(x):
    acc = x * 0.0
    for k in range(3):
        acc = acc + np.sin(x) * (k + 1.0)
    return np.sum(acc)


def arrays_saved_in_loop(x):
    acc = x * 0.0
    for k in range(3):
        acc = np.sin(acc + x) * (k + 1.0)
    return np.sum(acc)


def array_saved_in_branch(x, c):
    if c > 0:
        y = np.exp(x)
    else:
        y = x * x
    return np.sum(y * x)


def _layer(x, w):
    return np.tanh(x @ w)


def arrays_through_calls(x, w):
    h = _layer(x, w)
    return np.sum(_layer(h, w.T @ w) ** 2)


def recursive_on_arrays(x, n):
    if n == 0:
        return np.sum(x * x)
    return recursive_on_arrays(np.sin(x) * 1.1, n - 1)


def int_and_bool_arrays(x, idx, mask):
    s = 0.0
    for k in range(len(idx)):
        if mask[k]:
            s += x[idx[k]]
    return s


def f32_loss(x, w):
    return np.sum(np.tanh(x @ w) ** 2)


CASES = [
    (sum_of_squares, lambda: (rand(3, 4),)),
    (sum_of_squares, lambda: (rand(7),)),
    (sum_of_squares, lambda: (rand(2, 3, 2),)),
    (arithmetic_chain, lambda: (rand(3, 4), rand(3, 4))),
    (scalar_on_both_sides, lambda: (rand(5, low=0.5, high=2.0), 1.5)),
    (unary_minus_and_pow, lambda: (rand(4, 3),)),
    (bias_broadcast, lambda: (rand(4, 3), rand(3))),
    (column_broadcast, lambda: (rand(4, 3), rand(4, 1))),
    (unit_axis_broadcast, lambda: (rand(4, 3), rand(1, 3))),
    (outer_broadcast, lambda: (rand(4), rand(4, 3))),
    (outer_broadcast, lambda: (rand(4), rand(1, 3))),
    (outer_broadcast, lambda: (rand(4), rand(4, 1))),
    (float_power, lambda: (rand(3, 2), rand(3, 2))),
    (int_array_power, lambda: (rand(5, low=0.5, high=1.5), 4)),
    *[(_unary_case(fn), lambda: (rand(3, 4),)) for fn in UNARY.values()],
    *[(_unary_case(fn), lambda: (rand(3, 4, low=0.2, high=2.0),)) for fn in POSITIVE_UNARY.values()],
    *[(_unary_case(fn), lambda: (rand(3, 4, low=-0.8, high=0.8),)) for fn in UNIT_UNARY.values()],
    (arctan2_hypot, lambda: (rand(3, 4), rand(3, 4, low=0.3, high=2.0))),
    (maximum_minimum_clip, lambda: (rand(4, 5), rand(4, 5))),
    (where_mask, lambda: (rand(4, 5), rand(4, 5))),
    (logaddexp, lambda: (rand(6), rand(6))),
    (sign_floor_ceil, lambda: (rand(5, 3) + 0.013,)),
    (reductions_full, lambda: (rand(3, 4),)),
    (reductions_axis, lambda: (rand(3, 4),)),
    (reductions_keepdims, lambda: (rand(3, 4),)),
    (reductions_tuple_axis, lambda: (rand(2, 3, 4),)),
    (reduction_methods, lambda: (rand(3, 4),)),
    (log_sum_exp, lambda: (rand(4, 6) * 3.0,)),
    (vector_norm, lambda: (rand(5),)),
    (frobenius_norm, lambda: (rand(3, 4),)),
    (matmul_2d, lambda: (rand(3, 4), rand(4, 2))),
    (matvec, lambda: (rand(3, 4), rand(4))),
    (vecmat, lambda: (rand(3), rand(3, 4))),
    (dot_1d, lambda: (rand(5), rand(5))),
    (outer_product, lambda: (rand(3), rand(4))),
    (transposes, lambda: (rand(4, 3),)),
    (transpose_3d, lambda: (rand(2, 3, 4),)),
    (mlp_loss, lambda: (rand(4, 6), rand(6), rand(6, 2), rand(2), rand(5, 4), rand(5, 2))),
    (logistic_loss, lambda: (rand(3), 0.1, rand(8, 3), (RNG.uniform(size=8) > 0.5).astype(np.float64))),
    (weighted_dot_loop, lambda: (rand(6), rand(6))),
    (strided_reversed_loops, lambda: (rand(7),)),
    (integer_creation, lambda: (rand(3, 4),)),
    (float32_elements_in_scalar_code, lambda: (rand(6, dtype=np.float32),)),
    (arrays_saved_in_loop, lambda: (rand(3, 4),)),
    (arrays_saved_in_loop, lambda: (rand(5, dtype=np.float32),)),
    (array_saved_in_branch, lambda: (rand(5), 1.0)),
    (array_saved_in_branch, lambda: (rand(5), -1.0)),
    (arrays_through_calls, lambda: (rand(3, 4), rand(4, 4))),
    (recursive_on_arrays, lambda: (rand(4), 3)),
    (negative_indices, lambda: (rand(4),)),
    (matrix_element_loop, lambda: (rand(3, 4),)),
    (setitem_in_loop, lambda: (rand(5),)),
    (augmented_setitem, lambda: (rand(5),)),
    (augmented_array, lambda: (rand(3, 2), rand(3, 2))),
    (shape_attributes, lambda: (rand(3, 4),)),
    (creation, lambda: (rand(2, 3),)),
    (running_sum_loop, lambda: (rand(3, 2),)),
    (int_and_bool_arrays, lambda: (rand(5), np.array([4, 0, 2, -1]), np.array([True, False, True, True]))),
]


def _case_id(f) -> str:
    fn = f.__closure__[0].cell_contents if f.__name__ == "unary" else None
    return f"unary_{fn.__name__}" if fn is not None else f.__name__


@pytest.mark.parametrize("f, make_args", CASES, ids=[_case_id(f) for f, _ in CASES])
def test_gradient_matches_finite_differences(f, make_args):
    check_array_grads(f, make_args())


def vandermonde(t, exponents):
    return t[:, None] ** exponents


def test_int_exponents_are_squarings_within_25_ulps_of_numpy_and_pow_beyond():
    """|n| <= 32 is repeated squaring (`lower-zyg`), whose error grows with n; beyond, libm's pow."""
    t = np.concatenate([rand(2000, low=-2.0, high=2.0), rand(2000, low=0.9, high=1.1), [0.0, -0.0, np.inf, np.nan]])
    exponents = np.concatenate([np.arange(-32, 33), [33, -40, 1000, 2**40]])
    with np.errstate(all="ignore"):
        expected = vandermonde(t, exponents)
    got = zyg.jit(vandermonde)(t, exponents)
    same = (got == expected) | (np.isnan(got) & np.isnan(expected))
    finite = np.isfinite(expected) & (expected != 0)
    assert np.all(same | finite)  # the special values are pow's
    scale = np.spacing(np.abs(np.where(finite, expected, 1.0)))
    ulps = np.abs(np.where(finite, got, 0.0) - np.where(finite, expected, 0.0)) / scale
    assert ulps.max() <= 25
    assert ulps[:, -4:].max() <= 1  # pow's results (NumPy's SIMD pow and libm's differ in the last bit)


def test_index_reads_in_loops_are_recomputed_not_saved():
    """`for i in range(len(x)): s += w[i] * x[i]`: the pullback reads w[i] and x[i] again at the
    reversed index, so the gradient saves nothing per iteration and allocates no tape."""
    ad_ir = zyg.compile_grad(weighted_dot_loop).ir("ad", rand(4), rand(4))
    assert "ad.push" not in ad_ir and "ad.pop" not in ad_ir
    assert "ad.tape_new" not in zyg.compile_grad(weighted_dot_loop).ir("lowered", rand(4), rand(4))


def test_float32_arrays_keep_their_dtype():
    x, w = rand(4, 3, dtype=np.float32), rand(3, 2, dtype=np.float32)
    check_array_grads(f32_loss, (x, w), rtol=2e-3, atol=2e-4)
    gx, gw = zyg.gradient(f32_loss, x, w)
    assert gx.dtype == np.float32 and gw.dtype == np.float32


def test_arrays_as_results():
    def scale_and_shift(x, b):
        return np.exp(x) * 2.0 + b

    check_primal(scale_and_shift, (rand(3, 4), rand(4)))
    check_primal(lambda x: x.T, (rand(2, 5),))
    check_primal(lambda x: np.sum(x, axis=0), (rand(2, 5),))


def test_non_contiguous_inputs():
    base = rand(6, 8)
    for view in (base.T, base[::2, 1::3]):
        check_array_grads(sum_of_squares, (view,))
        check_array_grads(bias_broadcast, (view, rand(view.shape[1])))


def test_one_compile_serves_every_shape_of_a_rank():
    def loss(x, w):
        return np.sum(np.tanh(x @ w))

    grad = zyg.compile_grad(loss)
    for n, m, k in [(2, 3, 4), (5, 1, 7), (16, 9, 2)]:
        grad(rand(n, m), rand(m, k))
    from zyg.compiler import cache_size

    count = cache_size()
    grad(rand(3, 3), rand(3, 8))
    assert cache_size() == count


def _doubled_each_step(x, n):
    v = np.zeros(2) + x
    for _ in range(n):
        v = np.zeros(2 * v.shape[0]) + np.sum(v) * 0.5
    return v


def _sum_doubled_each_step(x, n):
    return np.sum(np.sin(_doubled_each_step(x, n)))


@pytest.mark.parametrize("n", [0, 1, 5])
def test_a_loop_that_changes_the_shape_it_carries(n):
    """An array a loop carries starts with a shape known at compile time and changes it: upstream's
    canonicalizer used to fix the carry to the first shape (wrong numbers; writes past a buffer)."""
    check_primal(_doubled_each_step, (0.7, n))
    check_array_grads(_sum_doubled_each_step, (0.7, n))


# ------------------------------------------------------------------------------------------------
# Run-time errors: a Python exception naming the operation, the shapes and the line
# ------------------------------------------------------------------------------------------------

def bad_broadcast(x, y):
    return np.sum(x + y)


def bad_matmul(a, b):
    return np.sum(a @ b)


def bad_index(x, i):
    return x[i]


def test_incompatible_broadcast_raises_value_error():
    with pytest.raises(ValueError, match=r"add: operands could not be broadcast together with shapes \(3, 4\) \(5,\)") as info:
        zyg.jit(bad_broadcast)(rand(3, 4), rand(5))
    assert isinstance(info.value, zyg.ShapeError)
    assert f"{__file__}:" in str(info.value) and "return np.sum(x + y)" in str(info.value)


def test_matmul_shape_mismatch_raises_value_error():
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 6\) not aligned"):
        zyg.jit(bad_matmul)(rand(3, 4), rand(5, 6))
    with pytest.raises(ValueError, match="not aligned"):
        zyg.gradient(bad_matmul, rand(3, 4), rand(5, 6))


def test_index_out_of_range_raises_index_error():
    x = rand(4)
    with pytest.raises(IndexError, match="index 4 is out of bounds for axis 0 with size 4"):
        zyg.jit(bad_index)(x, 4)
    with pytest.raises(IndexError, match="index -5 is out of bounds"):
        zyg.jit(bad_index)(x, -5)
    assert zyg.jit(bad_index)(x, -1) == x[-1]  # the compiled function still works after an error


def test_empty_max_raises_value_error():
    with pytest.raises(ValueError, match="zero-size array to reduction operation maximum"):
        zyg.jit(lambda x: np.max(x))(np.zeros(0))


# ------------------------------------------------------------------------------------------------
# Mutation that NumPy would make visible elsewhere is rejected at compile time
# ------------------------------------------------------------------------------------------------

def mutates_argument(x):
    x[0] = 1.0
    return np.sum(x)


def mutates_alias(x):
    y = np.zeros(3)
    z = y
    z[0] = x
    return np.sum(y)


def test_mutating_an_argument_is_rejected():
    with pytest.raises(zyg.UnsupportedSyntaxError, match="updates the argument 'x' in place"):
        zyg.jit(mutates_argument)(rand(3))


def test_mutating_an_alias_names_both_lines():
    with pytest.raises(zyg.UnsupportedSyntaxError, match=r"updates the array that 'y' also names \(bound at line \d+\)"):
        zyg.jit(mutates_alias)(1.0)


def _alias_through_branch(b, t):
    c = b
    if t > 0:
        c = b * 2.0
    c *= 0.5  # when t <= 0, NumPy halves the caller's b
    return b[0]


def _alias_through_loop(b, n):
    c = b
    for _ in range(n):
        c *= 0.5
    return b[0]


def _alias_through_while(b, n):
    c = b
    i = 0
    while i < n:
        c = c * 1.0 if i > 0 else c
        c += 1.0
        i += 1
    return np.sum(b)


def _returns_its_argument(a):
    return a


def _returns_a_row(a):
    return a[0]


def _alias_through_call(b):
    c = _returns_its_argument(b)
    c *= 2.0
    return np.sum(b)


def _alias_through_view_call(b):
    c = _returns_a_row(b)
    c *= 2.0
    return np.sum(b)


def _carried_pair_shares_a_buffer(b, n):
    c, d = b.copy(), b * 1.0
    for _ in range(n):
        c *= 2.0  # from the second iteration on, c and d are one array
        c = d * 1.0
        d = c
    return np.sum(c) + np.sum(d)


def _loop_binds_then_updates(b, n):
    c, d = b.copy(), b * 0.0
    for _ in range(n):
        c += 1.0  # from the second iteration on, d is c
        d = c
    return np.sum(c) + np.sum(d)


@pytest.mark.parametrize("f, args, message", [
    (_alias_through_branch, (-1.0,), "'c' may be the argument 'b'"),
    (_alias_through_loop, (2,), "'c' may be the argument 'b'"),
    (_alias_through_while, (2,), "'c' may be the argument 'b'"),
    (_alias_through_call, (), "'c' may be the argument 'b'"),
    (_alias_through_view_call, (), "'c' may be the argument 'b'"),
    (_carried_pair_shares_a_buffer, (2,), "'c' and 'd' .* may be the same array"),
    (_loop_binds_then_updates, (2,), "'c' and 'd' .* may be the same array"),
], ids=lambda v: v.__name__ if callable(v) else None)
def test_aliases_through_branches_loops_and_calls_are_rejected(f, args, message):
    """A merge, a loop carry or a call makes a new SSA value of what NumPy keeps as one array: an
    in-place update of it that NumPy would make visible elsewhere is a compile-time error."""
    with pytest.raises(zyg.UnsupportedSyntaxError, match=message):
        zyg.jit(f)(rand(2, 2), *args)


def _previous_and_current(b, n):
    cur, prev = b * 1.0, b * 0.0
    for _ in range(n):
        prev = cur
        cur = cur * 2.0
        prev += 1.0  # prev is the old cur, a different array from the new one: NumPy agrees
    return np.sum(prev) + np.sum(cur)


def _fresh_each_iteration(b, n):
    c = b.copy()
    for _ in range(n):
        c *= 0.5
        c[0] += 1.0
        c = c * 1.0
    return np.sum(c)


@pytest.mark.parametrize("f", [_previous_and_current, _fresh_each_iteration])
def test_loop_updates_of_arrays_no_other_name_holds_compile(f):
    b = rand(3)
    np.testing.assert_allclose(zyg.jit(f)(b.copy(), 3), f(b.copy(), 3))
    check_array_grads(f, (b, 3))


def test_copy_makes_mutation_legal():
    def mutates_copy(x):
        y = x.copy()
        y[0] = 0.0
        return np.sum(y * x)

    check_array_grads(mutates_copy, (rand(4),))


def _matrix_product(a, b):
    return a @ b


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided", "reversed", "broadcast", "empty", "f32"])
def test_matrix_products_take_any_layout(layout):
    """BLAS reads row- and column-major operands in place and gets a packed copy of any other."""
    a, b = rand(5, 4), rand(4, 3)
    if layout == "transposed":
        a, b = rand(4, 5).T, rand(3, 4).T
    elif layout == "strided":
        a, b = rand(10, 8)[::2, ::2], rand(4, 6)[:, ::2]
    elif layout == "reversed":
        a, b = a[::-1], b[:, ::-1]
    elif layout == "broadcast":
        a = np.broadcast_to(rand(1, 4), (5, 4))
    elif layout == "empty":
        a, b = rand(5, 0), rand(0, 3)
    elif layout == "f32":
        a, b = a.astype(np.float32), b.astype(np.float32)
    result = zyg.jit(_matrix_product)(a, b)
    assert result.dtype == a.dtype and result.shape == (a.shape[0], b.shape[1])
    np.testing.assert_allclose(result, a @ b, rtol=1e-5 if layout == "f32" else 1e-12, atol=1e-12)


def _centre(x):
    return np.mean(x), x - np.mean(x), len(x)


def tuple_from_a_helper(x, w):
    m, centred, n = _centre(x * w)
    return m * n + np.sum(centred ** 2)


def test_tuples_of_arrays_and_numbers_are_results():
    x = rand(5)
    mean, centred, n = zyg.jit(_centre)(x)
    assert isinstance(mean, float) and isinstance(n, int) and n == 5
    np.testing.assert_allclose(centred, x - x.mean())
    f32 = zyg.jit(_centre)(x.astype(np.float32))
    assert f32[1].dtype == np.float32


def test_gradient_through_a_function_returning_a_tuple():
    check_array_grads(tuple_from_a_helper, (rand(5), rand(5)))


def _early_tuple(x):
    if x > 0:
        return x, 1.0
    return -x, 2.0


def test_tuple_results_may_be_returned_from_several_places():
    assert zyg.jit(_early_tuple)(1.5) == (1.5, 1.0)
    assert zyg.jit(_early_tuple)(-2.5) == (2.5, 2.0)


def test_the_gradient_of_a_tuple_is_rejected():
    with pytest.raises(zyg.ZygTypeError, match=r"returns a tuple \(float, float64 array of rank 1, int\)"):
        zyg.gradient(_centre, rand(3))
