"""NumPy's advanced indexing: lists and int64 arrays as indices, alone or with ints, slices, `None`
and `...` (NumPy's placement of the index dimensions included), bool arrays among other indices,
writes through them (`y[idx] = v`, `np.add.at`), compiled and differentiated, against NumPy and
central differences.
"""

import numpy as np
import pytest
import zyg
from arraycheck import check_array_grads, check_primal
from jvpcheck import check_jvp

RNG = np.random.default_rng(23)


def rand(*shape, dtype=np.float64):
    return RNG.uniform(-1.5, 1.5, size=shape).astype(dtype)


IDX = np.array([2, 0, -1, 2])  # repeated and negative
ROWS = np.array([[0, 1], [-1, 1]])
COLS = np.array([1, 0, 2, 2])


# ------------------------------------------------------------------------------------------------
# Lists as indices (known at compile time or built at run time)
# ------------------------------------------------------------------------------------------------

def list_repeated(x):
    return np.sum(x[[0, 2, 2]] ** 2)


def list_negative_rows(x):
    return np.sum(np.sin(x[[-1, 0, -1]]) * 2.0)


def list_pairs(x):
    return np.sum(x[[0, 1], [1, 2]] ** 3)


def nested_list(x):
    return np.sum(x[[[0, 1], [1, 1]]] * x[[[0, 1], [1, 1]]])


def list_of_runtime_ints(x, i, j):
    return np.sum(x[[i, j, i]] ** 2)


def list_grown_in_a_loop(x, n):
    picks = []
    for k in range(n):
        picks.append((3 * k) % 4)
    return np.sum(x[picks] ** 2)


def comprehension_index(x, n):
    return np.sum(x[:, [k % 3 for k in range(6) if k < n]] ** 2)


def bool_list(x):
    return np.sum(x[[True, False, True, True]] ** 2)


# ------------------------------------------------------------------------------------------------
# Integer arrays with slices, ints, None and ... (NumPy's placement of the index dimensions)
# ------------------------------------------------------------------------------------------------

def columns(entries, layout):
    return np.sum(entries[:, layout] ** 2)


def array_then_slice(x, idx):
    return np.sum(np.tanh(x[idx, 1:]))


def slice_then_array(x, idx):
    return np.sum(x[1:, idx] * x[:-1, idx])


def two_arrays(x, rows, cols):
    return np.sum(x[rows, cols[:2]] ** 2)


def broadcast_arrays(x, idx, cols):
    return np.sum(x[idx[:, None], cols[None, :]] ** 2)


def int_and_array(x, i, idx):
    return np.sum(x[i, idx] ** 3)


def separated_by_slice(x, idx):
    return np.sum(x[0, :, idx] * 2.0 + x[0, :, idx] ** 2)


def adjacent_after_slice(x, idx):
    return np.sum(x[:, 0, idx] ** 2)


def separated_arrays(x, idx):
    return np.sum(x[idx, :, idx[::-1]] ** 2)


def with_new_axis(x, idx):
    return np.sum(x[None, idx, 1:] * 3.0) + np.sum(x[:, None, idx] ** 2)


def with_ellipsis(x, idx):
    return np.sum(x[..., idx] ** 2) + np.sum(x[idx, ...] * 2.0)


def bool_with_slice(x, m):
    return np.sum(x[m, 1:] ** 2) + np.sum(x[:, m[:3]] * 2.0)


def bool_of_leading_axes(x, m):
    return np.sum(x[m] ** 2)


def reversed_then_array(x, idx):
    return np.sum(x[::-1, idx] ** 2) + np.sum(x[1::2, idx[:2]] * 3.0)


def bool_and_int_arrays(x, m, idx):
    return np.sum(x[m, idx[:2]] ** 2)


def index_array_2d(x, rows):
    return np.sum(x[:, rows] ** 2)


def gathered_then_matmul(w, idx):
    return np.sum(w[idx] @ w[:, idx])


GRADIENT_CASES = [
    (list_repeated, lambda: (rand(4, 3),)),
    (list_negative_rows, lambda: (rand(3, 2),)),
    (list_pairs, lambda: (rand(2, 3),)),
    (nested_list, lambda: (rand(3, 2),)),
    (list_of_runtime_ints, lambda: (rand(4), 3, -4)),
    (list_grown_in_a_loop, lambda: (rand(4), 5)),
    (comprehension_index, lambda: (rand(2, 3), 5)),
    (bool_list, lambda: (rand(4, 2),)),
    (columns, lambda: (rand(3, 4), np.array([3, 1, 1, 0, -2]))),
    (array_then_slice, lambda: (rand(3, 4), IDX)),
    (slice_then_array, lambda: (rand(3, 4), IDX)),
    (two_arrays, lambda: (rand(3, 4), ROWS, COLS)),
    (broadcast_arrays, lambda: (rand(3, 4), IDX, COLS)),
    (int_and_array, lambda: (rand(3, 4), -2, IDX)),
    (separated_by_slice, lambda: (rand(2, 3, 4), IDX)),
    (adjacent_after_slice, lambda: (rand(2, 3, 4), IDX)),
    (separated_arrays, lambda: (rand(3, 2, 4), IDX)),
    (with_new_axis, lambda: (rand(3, 4), IDX)),
    (with_ellipsis, lambda: (rand(3, 2, 3), IDX)),
    (bool_with_slice, lambda: (rand(4, 3), np.array([True, False, True, True]))),
    (bool_of_leading_axes, lambda: (rand(2, 3, 2), np.array([[True, False, True], [False, True, True]]))),
    (reversed_then_array, lambda: (rand(3, 4), IDX)),
    (bool_and_int_arrays, lambda: (rand(3, 4), np.array([True, False, True]), IDX)),
    (index_array_2d, lambda: (rand(2, 3), ROWS)),
    (gathered_then_matmul, lambda: (rand(3, 3), IDX)),
    (columns, lambda: (rand(3, 4, dtype=np.float32), IDX)),
]


@pytest.mark.parametrize("f, make_args", GRADIENT_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_gradient(f, make_args):
    check_array_grads(f, make_args())


# The values themselves: shapes and the placement of the index dimensions, as NumPy gives them.

def read(x, index):
    return x[index]


def read_placed(x, idx):
    return x[0, :, idx], x[:, 0, idx], x[idx, :, idx], x[:, idx, None, idx], x[None, idx, 1, :], x[:, idx, ..., 1]


def read_pairs(x, rows, cols):
    return x[rows, cols], x[rows[:, :, None], cols[None, None, :], 1:], x[[0, -1], [1, 2]]


def read_empty(x):
    return x[[]], x[:, []]


def read_int_array(x, idx):
    return x[idx, 1:]


def read_bool_array(x, m):
    return x[m]


def read_constant_bools(x):
    return x[[False, True, True], 1]


PRIMAL_CASES = [
    (read, (rand(5), IDX)),
    (read_placed, (rand(2, 3, 4, 5), np.array([1, 0, -1, 1]))),
    (read_pairs, (rand(3, 4, 2), ROWS, np.array([1, 3]))),
    (read_empty, (rand(2, 3),)),
    (read_int_array, (np.arange(12).reshape(4, 3), IDX)),
    (read_bool_array, (np.arange(6.0).reshape(2, 3), np.array([True, False]))),
    (read_constant_bools, (rand(3, 2),)),
]


@pytest.mark.parametrize("f, args", PRIMAL_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_primal(f, args):
    expected = f(*args)
    actual = zyg.jit(f)(*args)
    if not isinstance(expected, tuple):
        expected, actual = (expected,), (actual,)
    for a, e in zip(actual, expected, strict=True):
        assert a.shape == e.shape and a.dtype == e.dtype, f"{a.shape} {a.dtype}, NumPy {e.shape} {e.dtype}"
        np.testing.assert_array_equal(a, e)


def test_gathered_array_is_a_copy():
    """NumPy's advanced indexing returns a copy, so updating it leaves the array alone."""
    def f(x, idx):
        y = x.copy()
        g = y[idx]
        g[0] = 5.0
        return np.sum(y) + np.sum(g * x[idx])

    check_array_grads(f, (rand(4), IDX))


# ------------------------------------------------------------------------------------------------
# Writing through integer arrays: y[idx] = v and np.add.at
# ------------------------------------------------------------------------------------------------

def set_rows(x, v, idx):
    y = x * 2.0
    y[idx] = v
    return np.sum(y ** 2)


def set_scalar(x, s, idx):
    y = x.copy()
    y[idx] = s * 3.0
    return np.sum(np.sin(y))


def set_columns(x, v, idx):
    y = x + 0.0
    y[:, idx] = v
    return np.sum(y ** 3)


def set_placed(x, v, idx):
    y = x + 1.0
    y[0, :, idx] = v
    return np.sum(y ** 2)


def set_pairs(x, v):
    y = x * x
    y[[0, 2, -1], [1, 1, 0]] = v
    return np.sum(np.exp(y))


def add_through_index(x, v, idx):
    y = x * 1.0
    y[idx] += v  # a repeated index adds once, as in NumPy (gather, add, write back)
    return np.sum(y ** 2)


def set_strided_part(x, v, idx):
    y = x * 1.0
    y[::2, idx] = v
    return np.sum(np.sin(y))


def set_list_in_loop(x, v, n):
    y = np.zeros(4)
    for k in range(n):
        y[[k % 4, (k + 1) % 4]] = v * (k + 1)
    return np.sum(y * x)


def add_at_rows(x, v, idx):
    y = x * 1.0
    np.add.at(y, idx, v)
    return np.sum(y ** 2)


def add_at_pairs(x, v):
    y = x ** 2
    np.add.at(y, ([0, 2, 0, 0], [1, 1, 1, 0]), v)
    return np.sum(np.sin(y))


def add_at_histogram(w, bins):
    h = np.zeros(3)
    np.add.at(h, bins, w)
    return np.sum(h ** 2)


def add_at_columns(x, v, idx):
    y = x.copy()
    np.add.at(y, (0, idx), v)
    return np.sum(y ** 2)


def add_at_scalar_index(x, s):
    y = x.copy()
    np.add.at(y, 1, s)
    return np.sum(y ** 2)


def add_at_in_loop(x, n):
    y = np.zeros(3)
    for k in range(n):
        np.add.at(y, [k % 3, 0], x[k])
    return np.sum(y ** 2)


WRITE_CASES = [
    (set_rows, lambda: (rand(3, 2), rand(4, 2), IDX)),  # repeats: the last write stays, as NumPy does
    (set_rows, lambda: (rand(3, 2), rand(2), np.array([1, -1]))),
    (set_scalar, lambda: (rand(4), 0.7, IDX)),
    (set_columns, lambda: (rand(2, 3), rand(2, 4), IDX)),
    (set_placed, lambda: (rand(2, 3, 4), rand(4, 3), np.array([3, -1, 0, 1]))),
    (set_pairs, lambda: (rand(3, 2), rand(3))),
    (add_through_index, lambda: (rand(3, 2), rand(2), IDX)),
    (set_strided_part, lambda: (rand(3, 4), rand(2, 4), IDX)),
    (set_list_in_loop, lambda: (rand(4), 0.5, 6)),
    (add_at_rows, lambda: (rand(3, 2), rand(4, 2), IDX)),
    (add_at_rows, lambda: (rand(3, 2), rand(2), IDX)),
    (add_at_pairs, lambda: (rand(3, 2), rand(4))),
    (add_at_histogram, lambda: (rand(6), np.array([0, 2, 2, 1, 2, 0]))),
    (add_at_columns, lambda: (rand(2, 3), rand(4), IDX)),
    (add_at_scalar_index, lambda: (rand(3), 1.5)),
    (add_at_in_loop, lambda: (rand(5), 5)),
]


@pytest.mark.parametrize("f, make_args", WRITE_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_write_gradient(f, make_args):
    check_array_grads(f, make_args())


def written(x, idx, v):
    y = x.copy()
    y[idx] = v
    return y


def added(x, idx, v):
    y = x.copy()
    np.add.at(y, idx, v)
    return y


def test_writes_like_numpy():
    check_primal(written, (np.arange(5.0), np.array([4, 0, -1]), np.array([7.0, 8.0, 9.0])))
    check_primal(added, (np.zeros(3), np.array([0, 2, 2, 2, -3]), np.arange(5.0)))
    check_primal(added, (np.zeros(4, dtype=np.int64), np.array([1, 1, 3]), np.array([2, 3, 4])))
    check_primal(added, (np.zeros((2, 3), dtype=np.float32), np.array([1, 1]), np.ones(3, dtype=np.float32)))


# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------

def columns_of(x, idx):
    return np.sum(x[:, idx])


def pairs_of(x, rows, cols):
    return np.sum(x[rows, cols])


def write_columns(x, idx, v):
    y = x.copy()
    y[:, idx] = v
    return np.sum(y)


def test_index_errors():
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 1 with size 5"):
        zyg.jit(columns_of)(rand(2, 5), np.array([0, 5]))
    with pytest.raises(IndexError, match="index -6 is out of bounds for axis 1 with size 5"):
        zyg.gradient(columns_of, rand(2, 5), np.array([[-6, 1]]))
    with pytest.raises(IndexError, match="index 2 is out of bounds for axis 0 with size 2"):
        zyg.jit(pairs_of)(rand(2, 3), np.array([0, 2]), np.array([0, 1]))
    with pytest.raises(IndexError, match=r"shape mismatch: indexing arrays could not be broadcast together with "
                       r"shapes \(2,\) \(3,\)"):
        zyg.jit(pairs_of)(rand(2, 3), np.array([0, 1]), np.array([0, 1, 2]))
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 1 with size 3"):
        zyg.jit(write_columns)(rand(2, 3), np.array([3]), 1.0)
    with pytest.raises(IndexError, match="index -4 is out of bounds for axis 0 with size 3"):
        zyg.jit(added)(np.zeros(3), np.array([0, -4]), np.ones(2))
    with pytest.raises(ValueError, match=r"shape mismatch: value array of shape \(3,\) could not be broadcast to "
                       r"indexing result of shape \(2, 2\)"):
        zyg.jit(write_columns)(rand(2, 3), np.array([0, 1]), np.ones(3))
    with pytest.raises(ValueError, match="array is not broadcastable to correct shape"):
        zyg.jit(added)(np.zeros(3), np.array([0, 1]), np.ones(3))
    with pytest.raises(IndexError, match="boolean index did not match indexed array along axis 1; size of axis "
                       "is 3 but size of corresponding boolean axis is 2"):
        zyg.jit(columns_of)(rand(2, 3), np.array([True, False]))


def list_out_of_range(x):
    return np.sum(x[[0, 3]])


def test_constant_list_out_of_range():
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 0 with size 3"):
        zyg.jit(list_out_of_range)(rand(3))


def float_list(x):
    return x[[0.0, 1.0]]


def add_at_argument(x, idx):
    np.add.at(x, idx, 1.0)
    return np.sum(x)


def set_argument(x, idx):
    x[idx] = 0.0
    return np.sum(x)


def add_float_to_int(x, idx):
    y = np.zeros(3, dtype=np.int64)
    np.add.at(y, idx, x)
    return y


def string_index(x):
    return x["a"]


@pytest.mark.parametrize("f, args, error, phrase", [
    (float_list, (rand(2),), zyg.ZygTypeError, "arrays used as indices must be of integer or boolean type"),
    (add_at_argument, (rand(3), IDX), zyg.UnsupportedSyntaxError, "updates the argument 'x' in place"),
    (set_argument, (rand(3), IDX), zyg.UnsupportedSyntaxError, "updates the argument 'x' in place"),
    (add_float_to_int, (rand(2), IDX), zyg.ZygTypeError, "casting='same_kind'"),
    (string_index, (rand(2),), zyg.ZygTypeError, "an array index must be"),
])
def test_compile_errors(f, args, error, phrase):
    with pytest.raises(error, match=phrase) as info:
        zyg.jit(f)(*args)
    assert f"{__file__}:" in str(info.value)
    assert "zyg/frontend" not in str(info.value)


# ------------------------------------------------------------------------------------------------
# Forward mode through the same ops
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("f, make_args", [
    (separated_by_slice, lambda: (rand(2, 3, 4), IDX)),
    (broadcast_arrays, lambda: (rand(3, 4), IDX, COLS)),
    (set_rows, lambda: (rand(3, 2), rand(4, 2), IDX)),
    (add_at_pairs, lambda: (rand(3, 2), rand(4))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_jvp(f, make_args):
    check_jvp(f, make_args())


# ------------------------------------------------------------------------------------------------
# Second order: forward mode over the gradient, against central differences of zyg's gradient
# ------------------------------------------------------------------------------------------------

def written_then_cubed(x):
    y = np.zeros(4)
    y[[0, 2, 2, -1]] = x * x[::-1]
    np.add.at(y, [1, 1], x[:2])
    return np.sum(y ** 3) + np.sum(x[[0, 0, 3]] ** 3)


def test_hessian():
    x = rand(4)
    hessian = zyg.hessian(written_then_cubed, x)
    expected = np.zeros((4, 4))
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-5
        plus = zyg.gradient(written_then_cubed, x + step)[0]
        minus = zyg.gradient(written_then_cubed, x - step)[0]
        expected[:, i] = (plus - minus) / 2e-5
    np.testing.assert_allclose(hessian, expected, rtol=1e-5, atol=1e-6)


def tuple_variable_index(x, i):
    """`idx = (i, j); x[idx]` is `x[i, j]` (a list would be one index array), reads and writes."""
    idx = (1, i)
    rows = (np.array([0, 2, 2]), i)
    y = x * 1.0
    y[idx] = 3.0 * x[0, 0]
    y[(0, 1)] += x[idx]
    expanded = (i % 3, None)
    return np.sum(y * y) + np.sum(x[rows] * np.arange(3.0)) + np.sum(x[expanded] ** 3) + x[(2,)][i]


def test_a_tuple_variable_indexes_as_a_tuple_in_the_subscript():
    x = np.arange(12.0).reshape(3, 4) / 7.0 - 0.5
    check_array_grads(tuple_variable_index, (x, 2))
    check_array_grads(tuple_variable_index, (x, -1))
    check_jvp(tuple_variable_index, (x, 3))
