"""NumPy indexing: slices, rows, `...`/`None`, slice writes, gathers, boolean masks, `np.copyto`,
`for row in x` and `x.item()`, compiled and differentiated, against NumPy and central differences.
"""

import numpy as np
import pytest
import zyg
from arraycheck import check_array_grads, check_primal

RNG = np.random.default_rng(11)


def rand(*shape, dtype=np.float64):
    return RNG.uniform(-1.5, 1.5, size=shape).astype(dtype)


# ------------------------------------------------------------------------------------------------
# Basic slicing reads
# ------------------------------------------------------------------------------------------------

def slice_range(x):
    return np.sum(x[1:4] ** 2)


def slice_step(x):
    return np.sum(x[::2] * x[1::2])


def slice_negative_step(x):
    return np.sum(x[::-1] * x)


def slice_negative_bounds(x):
    return np.sum(x[-3:-1] * 3.0) + np.sum(x[-2::-2] ** 2)


def slice_clamped(x):
    return np.sum(x[2:100] ** 2) + np.sum(x[-100:2] * 5.0) + np.sum(x[4:1])


def slice_runtime_bounds(x, a, b, s):
    return np.sum(x[a:b:s] ** 3)


def row_of_matrix(x):
    return np.sum(np.sin(x[1]))


def column_of_matrix(x):
    return np.sum(x[:, 2] * x[:, 0])


def mixed_int_and_slice(x):
    return np.sum(x[1, ::-2] ** 2) + np.sum(x[:2, 1] * 4.0)


def ellipsis_index(x):
    return np.sum(x[..., 1] ** 2) + np.sum(x[0, ...] * 2.0)


def new_axis(x, y):
    return np.sum((x[:, None] - y[None, :]) ** 2)


def new_axis_constant(x):
    return np.sum(x[np.newaxis, 1:] * x[np.newaxis, :-1])


def slice_of_3d(x):
    return np.sum(x[1:, ::-1, 0] ** 2) + np.sum(x[-1, 1] * 2.0)


def slice_then_matmul(a, b):
    return np.sum(a[:, 1:] @ b[:-1, :])


def slice_float32(x):
    return np.sum(x[::-1][1:] * x[:-1])


# ------------------------------------------------------------------------------------------------
# Writes
# ------------------------------------------------------------------------------------------------

def write_slice_scalar(x, s):
    y = x * 2.0
    y[1:3] = s
    return np.sum(y * y)


def write_slice_array(x, v):
    y = x.copy()
    y[::2] = v * 3.0
    return np.sum(np.sin(y))


def write_row(x, r):
    y = x * 1.0
    y[1, :] = r
    return np.sum(y ** 2)


def write_broadcast_row(x, r):
    y = x + 0.0
    y[:2] = r
    return np.sum(y * x)


def augmented_column(x, v):
    y = x * 1.0
    y[:, 1] += v
    return np.sum(y ** 3)


def augmented_negative_step(x):
    y = x ** 2
    y[::-2] *= x[1::2]
    return np.sum(y)


def mask_write_scalar(x, s):
    y = x * 1.0
    y[x > 0.2] = s
    return np.sum(y * x)


def mask_write_zero(x):
    y = x ** 3
    y[x < 0] = 0
    return np.sum(y)


def mask_augmented(x):
    y = x * 1.0
    y[x > 0] += 2.0 * x[x > 0]
    return np.sum(y ** 2)


def copyto_broadcast(x, r):
    y = np.zeros_like(x)
    np.copyto(y, r * 2.0)
    return np.sum(y * x)


def copyto_whole(x):
    y = np.ones_like(x)
    np.copyto(y, np.sin(x))
    y[0] = 1.0
    return np.sum(y ** 2)


# ------------------------------------------------------------------------------------------------
# Gathers and masks
# ------------------------------------------------------------------------------------------------

def gather_1d(x, idx):
    return np.sum(x[idx] ** 2)


def gather_rows(x, idx):
    return np.sum(np.tanh(x[idx]) * 2.0)


def gather_2d_indices(x, idx):
    return np.sum(x[idx] * x[idx])


def mask_read(x):
    return np.sum(x[x > 0.0] ** 2)


def mask_read_2d(x, m):
    return np.sum(np.exp(x[m]))


# ------------------------------------------------------------------------------------------------
# Rows and scalars
# ------------------------------------------------------------------------------------------------

def row_loop_1d(x):
    s = 0.0
    for v in x:
        s += v * v
    return s


def item_of_array(x):
    return x[1:2].item() * 3.0 + x[2:3].item() ** 2 + x[None, :1].item()


def item_of_2d(x):
    return x[1:2, 2:3].item() ** 2


IDX = np.array([0, 3, -1, 3, 1], dtype=np.int64)
IDX2 = np.array([[0, 2], [2, -3]], dtype=np.int64)

CASES = [
    (slice_range, lambda: (rand(6),)),
    (slice_step, lambda: (rand(6),)),
    (slice_negative_step, lambda: (rand(6),)),
    (slice_negative_bounds, lambda: (rand(7),)),
    (slice_clamped, lambda: (rand(5),)),
    (slice_runtime_bounds, lambda: (rand(8), 6, 1, -2)),
    (slice_runtime_bounds, lambda: (rand(8), -7, 7, 3)),
    (row_of_matrix, lambda: (rand(3, 4),)),
    (column_of_matrix, lambda: (rand(3, 4),)),
    (mixed_int_and_slice, lambda: (rand(3, 5),)),
    (ellipsis_index, lambda: (rand(2, 3),)),
    (new_axis, lambda: (rand(3), rand(4))),
    (new_axis_constant, lambda: (rand(5),)),
    (slice_of_3d, lambda: (rand(3, 4, 2),)),
    (slice_then_matmul, lambda: (rand(2, 4), rand(4, 3))),
    (slice_float32, lambda: (rand(6, dtype=np.float32),)),
    (write_slice_scalar, lambda: (rand(5), 0.7)),
    (write_slice_array, lambda: (rand(6), rand(3))),
    (write_row, lambda: (rand(3, 4), rand(4))),
    (write_broadcast_row, lambda: (rand(3, 4), rand(4))),
    (write_broadcast_row, lambda: (rand(3, 4, dtype=np.float32), rand(4, dtype=np.float32))),
    (augmented_column, lambda: (rand(3, 4), rand(3))),
    (augmented_negative_step, lambda: (rand(6),)),
    (mask_write_scalar, lambda: (rand(7), 0.3)),
    (mask_write_zero, lambda: (rand(3, 4),)),
    (mask_augmented, lambda: (rand(8),)),
    (copyto_broadcast, lambda: (rand(3, 4), rand(4))),
    (copyto_whole, lambda: (rand(5),)),
    (gather_1d, lambda: (rand(5), IDX)),
    (gather_rows, lambda: (rand(4, 3), IDX)),
    (gather_2d_indices, lambda: (rand(4), IDX2)),
    (gather_1d, lambda: (rand(5, dtype=np.float32), IDX)),
    (mask_read, lambda: (rand(9),)),
    (mask_read_2d, lambda: (rand(3, 4), rand(3, 4) > 0)),
    (row_loop_1d, lambda: (rand(5),)),
    (item_of_array, lambda: (rand(4),)),
    (item_of_2d, lambda: (rand(3, 4),)),
]


@pytest.mark.parametrize("f, make_args", CASES, ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(CASES)])
def test_gradient(f, make_args):
    check_array_grads(f, make_args())


# ------------------------------------------------------------------------------------------------
# Primal results that are arrays
# ------------------------------------------------------------------------------------------------

def slices_as_values(x):
    return x[::-1, 1:][:, None, ::2] * 1.0


def gather_result(x, idx):
    return x[idx]


def mask_result(x):
    return x[x > 0]


def int_array_slices(n):
    a = np.full(n, 0, dtype=np.int64)
    a[1::2] = 7
    return a[::-1]


@pytest.mark.parametrize("f, args", [
    (slices_as_values, (rand(3, 5),)),
    (gather_result, (rand(4, 2), IDX2)),
    (mask_result, (rand(3, 4),)),
    (mask_result, (np.zeros((0, 3)),)),
    (int_array_slices, (5,)),
])
def test_primal(f, args):
    check_primal(f, args)


def runtime_slice(x, a, b, s):
    return x[a:b:s] * 1.0


@pytest.mark.parametrize("a, b, s", [(5, -9, -3), (-1, -10, -1), (0, 0, 1), (3, 1, 1), (-100, 100, 2),
                                     (100, -100, -4), (2, 2, -1), (6, 7, 1), (-3, -1, 5)])
def test_runtime_slice_bounds_like_numpy(a, b, s):
    x = np.arange(7.0)
    np.testing.assert_array_equal(zyg.jit(runtime_slice)(x, a, b, s), x[a:b:s])


def reversed_all(x):
    return x[::-1] * 1.0


def reversed_from(x):
    return x[5::-3] * 1.0


def reversed_to(x):
    return x[:3:-2] * 1.0


def tail(x):
    return x[-2:] * 1.0


@pytest.mark.parametrize("f", [reversed_all, reversed_from, reversed_to, tail])
def test_omitted_bounds_like_numpy(f):
    check_primal(f, (np.arange(7.0),))
    check_primal(f, (np.arange(2.0),))


def row_loop_2d(x, w):
    total = 0.0
    for row in x:
        total += np.sum(row * w)
    return total


def test_row_loop_primal():
    check_primal(row_loop_2d, (rand(3, 4), rand(4)))


def test_row_loop_gradient():
    check_array_grads(row_loop_2d, (rand(3, 4), rand(4)))


def scalar_loop(w, x):
    s = 0.0
    for i in range(len(x)):
        s += w[i] * x[i]
    return s


def test_scalar_loop_still_extracts():
    """The all-int index stays a `tensor.extract` (the scalar loop's fast path)."""
    check_array_grads(scalar_loop, (rand(6), rand(6)))


# ------------------------------------------------------------------------------------------------
# Run-time errors
# ------------------------------------------------------------------------------------------------

def row_read(x, i):
    return np.sum(x[i, 1:])


def stepped(x, s):
    return np.sum(x[::s])


def gathered(x, idx):
    return np.sum(x[idx])


def masked(x, m):
    return np.sum(x[m])


def assign_slice(x, v):
    y = x.copy()
    y[1:4] = v
    return np.sum(y)


def assign_mask(x, v):
    y = x.copy()
    y[x > 0] = v
    return np.sum(y)


def item_value(x):
    return x.item()


def as_float(x):
    return float(x)


def scaled_float(x):
    return float(x) * 3.0


def copy_into(x, v):
    y = x.copy()
    np.copyto(y, v)
    return np.sum(y)


def test_index_errors():
    x = rand(3, 4)
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 0 with size 3"):
        zyg.jit(row_read)(x, 3)
    with pytest.raises(IndexError, match="index -4 is out of bounds for axis 0 with size 3"):
        zyg.gradient(row_read, x, -4)
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        zyg.jit(stepped)(rand(4), 0)
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 0 with size 5"):
        zyg.jit(gathered)(rand(5), np.array([1, 5, 0]))
    with pytest.raises(IndexError, match="index -6 is out of bounds for axis 0 with size 5"):
        zyg.gradient(gathered, rand(5), np.array([[-6, 0]]))
    with pytest.raises(IndexError, match="boolean index did not match indexed array along axis 1; size of axis "
                       "is 4 but size of corresponding boolean axis is 3"):
        zyg.jit(masked)(x, np.ones((3, 3), dtype=bool))
    assert zyg.jit(gathered)(rand(5), np.zeros(0, dtype=np.int64)) == 0.0


def test_write_errors():
    with pytest.raises(ValueError, match=r"could not broadcast input array from shape \(2,\) into shape \(3,\)"):
        zyg.jit(assign_slice)(rand(6), rand(2))
    with pytest.raises(ValueError, match="cannot assign 4 input values to the 2 output values"):
        zyg.jit(assign_mask)(np.array([1.0, -1.0, 2.0]), rand(4))
    np.testing.assert_allclose(zyg.jit(assign_mask)(np.array([1.0, -1.0, 2.0]), np.array([5.0, 6.0])), 10.0)
    with pytest.raises(ValueError, match=r"could not broadcast input array from shape \(3,\) into shape \(2, 4\)"):
        zyg.jit(copy_into)(rand(2, 4), rand(3))


def test_item_errors():
    with pytest.raises(ValueError, match="can only convert an array of size 1 to a Python scalar"):
        zyg.jit(item_value)(rand(2))
    assert zyg.jit(item_value)(np.array([[2.5]])) == 2.5
    assert zyg.jit(as_float)(np.array(2.5)) == 2.5
    np.testing.assert_allclose(zyg.gradient(scaled_float, np.array(2.5))[0], 3.0)
    with pytest.raises(zyg.ZygTypeError, match="only 0-dimensional arrays can be converted to Python scalars"):
        zyg.jit(as_float)(rand(1))


# ------------------------------------------------------------------------------------------------
# Compile-time errors
# ------------------------------------------------------------------------------------------------

def too_many(x):
    return np.sum(x[0, 1, 2])


def two_ellipses(x):
    return np.sum(x[..., ...])


def float_index(x):
    return x[1.5]


def mutate_argument(x):
    x[1:] = 0.0
    return np.sum(x)


def copyto_argument(x):
    np.copyto(x, 1.0)
    return np.sum(x)


@pytest.mark.parametrize("f, args, error, phrase", [
    (too_many, (rand(2, 2),), zyg.ZygTypeError, "too many indices for array: array is 2-dimensional, but 3"),
    (two_ellipses, (rand(2, 2),), zyg.ZygTypeError, "single ellipsis"),
    (float_index, (rand(2),), zyg.ZygTypeError, "an array index must be an int"),
    (mutate_argument, (rand(3),), zyg.UnsupportedSyntaxError, "updates the argument 'x' in place"),
    (copyto_argument, (rand(3),), zyg.UnsupportedSyntaxError, "updates the argument 'x' in place"),
])
def test_compile_errors(f, args, error, phrase):
    with pytest.raises(error, match=phrase) as info:
        zyg.jit(f)(*args)
    assert f"{__file__}:" in str(info.value)


# ------------------------------------------------------------------------------------------------
# Views: NumPy's basic slices, rows and transposes share memory with their array
# ------------------------------------------------------------------------------------------------

def _write_through_slice(x):
    y = x.copy()
    r = y[0:2]
    r[0] = 5.0
    return np.sum(y)


def _write_through_transpose(x):
    y = x.copy()
    t = y.T
    t[0, 1] = 5.0
    return np.sum(y)


def _write_through_row(x):
    y = x.copy()
    r = y[1]
    r[0] = 5.0
    return np.sum(y)


def _write_viewed_array_in_loop(x):
    y = x.copy()
    r = y[0:2]
    for i in range(3):
        y[i] = 1.0
    return np.sum(r)


@pytest.mark.parametrize("f, shape", [(_write_through_slice, (3,)), (_write_through_transpose, (2, 2)),
                                      (_write_through_row, (2, 2)), (_write_viewed_array_in_loop, (3,))])
def test_writes_that_numpy_would_show_through_a_view_are_rejected(f, shape):
    """NumPy would change the other array too; zyg's arrays are values, so it refuses at compile time."""
    with pytest.raises(zyg.UnsupportedSyntaxError, match="view"):
        zyg.jit(f)(np.ones(shape))


def copies_are_not_views(x):
    y = x.copy()
    r = y[0:2].copy()
    y[0] = 5.0
    s = y[1:3] * 2.0
    y[1] = 3.0
    return np.sum(r * x[:2]) + np.sum(s) + np.sum(y * x)


def test_copies_of_slices_can_be_updated_freely():
    check_array_grads(copies_are_not_views, (rand(3),))
