"""NumPy shape and creation functions: compiled primal and gradients against NumPy and central differences.

Each function is plain NumPy; `check_array_grads` runs it with NumPy, compiles it with `zyg.jit` and
`zyg.gradient`, and compares values and every element of every float argument's gradient.
"""

import numpy as np
import pytest
import zyg
from arraycheck import check_array_grads, check_primal

RNG = np.random.default_rng(11)


def rand(*shape, dtype=np.float64, low=-1.5, high=1.5):
    return RNG.uniform(low, high, size=shape).astype(dtype)


# ------------------------------------------------------------------------------------------------
# Reshapes
# ------------------------------------------------------------------------------------------------

def reshape_method_ints(x):
    return np.sum(np.sin(x.reshape(3, 4)) * np.arange(4.0))


def reshape_tuple_inferred(x):
    y = np.reshape(x, (2, -1, 3))
    return np.sum(y ** 2 * np.arange(3.0)) + np.sum(np.cos(y)) + y[1, 0, 2]


def reshape_of_shape(x, y):
    return np.sum(x.reshape(y.shape) * y)


def reshape_twice(x):
    y = x.reshape(-1)
    return np.sum(y.reshape(x.shape[1], x.shape[0]) * np.arange(float(x.shape[0])))


def ravel_flatten(x):
    return np.sum(x.ravel() * np.arange(float(x.size))) + np.sum(np.sin(x.flatten())) + np.sum(np.ravel(x) ** 2)


def squeeze_axis(x):
    return np.sum(np.squeeze(x, axis=1) * np.arange(3.0)) + np.sum(x.squeeze(1) ** 2)


def squeeze_known_unit(x):
    m = np.sum(x, axis=1, keepdims=True)
    return np.sum(np.squeeze(m) * np.arange(float(x.shape[0]))) + np.sum(m.squeeze() ** 2)


def expand_dims_int_and_tuple(x):
    col = np.expand_dims(x, 1)
    grid = np.expand_dims(x, (0, 2))
    return np.sum(col * x) + np.sum(grid * np.sin(col))


# ------------------------------------------------------------------------------------------------
# Joins, tiles and broadcasts
# ------------------------------------------------------------------------------------------------

def concatenate_rows(a, b):
    c = np.concatenate([a, b])
    return np.sum(np.sin(c) * np.arange(1.0, c.size + 1.0).reshape(c.shape))


def concatenate_columns_negative_axis(a, b):
    c = np.concatenate((a, b, a), axis=-1)
    return np.sum(c * np.arange(float(c.shape[1])))


def concatenate_flat(a, b):
    c = np.concatenate([a, b], axis=None)
    return np.sum(np.sin(c) * np.arange(1.0, c.size + 1.0).reshape(c.shape))


def concatenate_mixed_dtypes(a, b):
    c = np.concatenate([a, b * 2.0])
    return np.sum(np.sin(c) * np.arange(1.0, c.size + 1.0).reshape(c.shape))


def stack_axes(a, b):
    s0 = np.stack([a, b])
    s1 = np.stack((a, b, a), axis=1)
    return np.sum(np.sin(s0) * np.arange(1.0, 7.0).reshape(2, 3)) + np.sum(s1 * np.arange(3.0))


def stack_last_axis(a, b):
    c = np.stack([a, b], axis=-1)
    return np.sum(np.sin(c) * np.arange(1.0, c.size + 1.0).reshape(c.shape))


def hstack_vstack(u, v):
    h = np.hstack([u, v])
    v2 = np.vstack([u, v])
    return np.sum(np.sin(h) * np.arange(h.size)) + np.sum(np.cos(v2) * np.arange(4.0) * np.array([[1.0], [2.0]]))


def vstack_matrices(a, u):
    c = np.vstack((a, u, a))
    return np.sum(np.sin(c) * np.arange(1.0, c.size + 1.0).reshape(c.shape))


def hstack_matrices(a, b):
    c = np.hstack([a, b])
    return np.sum(np.sin(c) * np.arange(1.0, c.size + 1.0).reshape(c.shape))


def tile_int(x):
    c = np.tile(x, 3)
    return np.sum(np.sin(c) * np.arange(1.0, c.size + 1.0).reshape(c.shape))


def tile_tuple(a):
    c = np.tile(a, (2, 2))
    return np.sum(np.sin(c) * np.arange(1.0, c.size + 1.0).reshape(c.shape))


def tile_adds_axes(x):
    c = np.tile(x, (2, 1, 2))
    return np.sum(np.sin(c) * np.arange(1.0, c.size + 1.0).reshape(c.shape))


def broadcast_to_shape(x):
    c = np.broadcast_to(x, (2, 3)) * np.arange(3.0)
    return np.sum(np.sin(c) * np.arange(1.0, c.size + 1.0).reshape(c.shape))


def broadcast_to_unit_axis(c):
    c = np.broadcast_to(c, (3, 4))
    return np.sum(np.sin(c) * np.arange(1.0, c.size + 1.0).reshape(c.shape))


# ------------------------------------------------------------------------------------------------
# Creation
# ------------------------------------------------------------------------------------------------

def arange_scale(x):
    return np.sum(x * np.arange(len(x)) + np.arange(1, 2 * len(x) + 1, 2) * x ** 2)


def arange_float_args(x, start):
    r = np.arange(start, start + 2.0, 0.5)
    return np.sum(r * x[0]) + np.sum(r ** 2)


def linspace_endpoints(a, b):
    return np.sum(np.sin(np.linspace(a, b, 7))) + np.sum(np.linspace(a, b, 5, endpoint=False) ** 2)


def eye_and_identity(a):
    return np.sum(a * np.eye(a.shape[0], a.shape[1])) + np.sum(a[0, 0] * np.identity(3))


def eye_offset(a):
    return np.sum(a * np.eye(3, 4, 1)) + np.sum(a * np.eye(3, 4, k=-1))


def array_of_scalars(x, y):
    v = np.array([x, y, x * y])
    m = np.array([[x, 1.0], [y * 2.0, x - y]])
    return np.sum(v * np.arange(3.0)) + np.sum(m @ m)


def array_from_elements(a):
    v = np.array([a[0, 0], a[1, 1], a[0, 1] * a[1, 0]])
    return np.sum(np.sin(v) * v)


def array_of_arrays(u, v):
    c = np.array([u, v, u * v])
    return np.sum(np.sin(c) * np.arange(1.0, c.size + 1.0).reshape(c.shape))


def asarray_identity(x):
    return np.sum(np.asarray(x) ** 2) + np.sum(np.array(x) * 2.0)


def astype_round_trip(x):
    y = x.astype(np.float32)
    z = y.astype(np.float64)
    return np.sum(z * x)


def astype_float32_input(x):
    return np.sum(x.astype(np.float64) ** 2)


def trace_square(a):
    return np.trace(a) * 2.0 + np.trace(a @ a) + a.trace()


def trace_of_product(a):
    return np.trace(a @ a)


def trace_rectangular(a):
    return np.trace(a) ** 2


def creation_chain(x):
    r = np.reshape(np.arange(12.0), (3, 4))
    return np.sum(np.concatenate([x, r]) * np.tile(np.linspace(0.0, 1.0, 4), (6, 1)))


CASES = [
    (reshape_method_ints, lambda: (rand(12),)),
    (reshape_tuple_inferred, lambda: (rand(4, 3),)),
    (reshape_of_shape, lambda: (rand(6), rand(2, 3))),
    (reshape_twice, lambda: (rand(3, 5),)),
    (ravel_flatten, lambda: (rand(3, 4),)),
    (squeeze_axis, lambda: (rand(3, 1),)),
    (squeeze_known_unit, lambda: (rand(4, 3),)),
    (expand_dims_int_and_tuple, lambda: (rand(3),)),
    (concatenate_rows, lambda: (rand(2, 3), rand(3, 3))),
    (concatenate_columns_negative_axis, lambda: (rand(2, 3), rand(2, 1))),
    (concatenate_flat, lambda: (rand(2, 2), rand(5))),
    (stack_axes, lambda: (rand(3), rand(3))),
    (stack_last_axis, lambda: (rand(2, 3), rand(2, 3))),
    (hstack_vstack, lambda: (rand(4), rand(4))),
    (vstack_matrices, lambda: (rand(2, 3), rand(3))),
    (hstack_matrices, lambda: (rand(2, 3), rand(2, 2))),
    (tile_int, lambda: (rand(4),)),
    (tile_tuple, lambda: (rand(2, 3),)),
    (tile_adds_axes, lambda: (rand(2, 3),)),
    (broadcast_to_shape, lambda: (rand(3),)),
    (broadcast_to_unit_axis, lambda: (rand(3, 1),)),
    (arange_scale, lambda: (rand(5),)),
    (arange_float_args, lambda: (rand(3), 0.7)),
    (linspace_endpoints, lambda: (-0.4, 1.3)),
    (eye_and_identity, lambda: (rand(3, 4),)),
    (eye_offset, lambda: (rand(3, 4),)),
    (array_of_scalars, lambda: (0.8, -1.2)),
    (array_from_elements, lambda: (rand(2, 2),)),
    (array_of_arrays, lambda: (rand(4), rand(4))),
    (asarray_identity, lambda: (rand(2, 3),)),
    (trace_square, lambda: (rand(3, 3),)),
    (trace_rectangular, lambda: (rand(2, 4),)),
    (trace_of_product, lambda: (rand(3, 3),)),
    (creation_chain, lambda: (rand(3, 4),)),
]


@pytest.mark.parametrize("f, make_args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_gradient_matches_finite_differences(f, make_args):
    check_array_grads(f, make_args())


def test_float32_cases_keep_their_dtype():
    for f, args in [(reshape_method_ints, (rand(12, dtype=np.float32),)),
                    (concatenate_rows, (rand(2, 3, dtype=np.float32), rand(3, 3, dtype=np.float32))),
                    (stack_last_axis, (rand(2, 3, dtype=np.float32), rand(2, 3, dtype=np.float32))),
                    (tile_tuple, (rand(2, 3, dtype=np.float32),)),
                    (trace_of_product, (rand(3, 3, dtype=np.float32),)),
                    (astype_float32_input, (rand(4, dtype=np.float32),))]:
        grads = check_array_grads(f, args, rtol=2e-3, atol=2e-4)
        assert all(g.dtype == np.float32 for g in grads)


def test_astype_gradient_passes_through_the_conversion():
    x = rand(5)
    (grad,) = zyg.gradient(astype_round_trip, x)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-6)
    assert zyg.jit(astype_round_trip)(x) == pytest.approx(astype_round_trip(x))


def test_non_contiguous_inputs_are_reshaped_correctly():
    base = rand(6, 8)
    for view in (base.T, base[::2, 1::3], base[:, ::2], base[::2, ::2]):
        check_array_grads(reshape_twice, (view,))
        check_array_grads(ravel_flatten, (view,))
        check_array_grads(concatenate_columns_negative_axis, (view, rand(view.shape[0], 2)))
        check_primal(lambda x: x.reshape(-1, 3), (view,))
        check_primal(lambda x: np.tile(x, (1, 2)), (view,))


def scaled_ravel_squared(c):
    t = 0.5 * c.ravel()
    return np.sum(t * t)


def scaled_reshape_squared(c):
    t = 0.5 * c.reshape(-1)
    return np.sum(t * t)


def transposed_ravel_weighted(c):
    t = 0.5 * c.T.ravel()
    return np.sum(t * t * np.arange(t.size))


def sliced_ravel_squared(c):
    t = 0.5 * c[:, 1:].ravel()
    return np.sum(t * t)


def ravel_and_back(c):
    t = (0.5 * c.ravel()).reshape(c.shape)
    return np.sum(t * t * c)


def to_column_weighted(c):
    t = (0.5 * c).reshape(-1, 1)
    return np.sum(t * t * np.arange(t.shape[0]).reshape(-1, 1))


@pytest.mark.parametrize("shape", [(3, 1), (2, 3), (4, 4), (1, 5), (2, 2, 2)])
@pytest.mark.parametrize("f", [scaled_ravel_squared, scaled_reshape_squared, transposed_ravel_weighted,
                               sliced_ravel_squared, ravel_and_back, to_column_weighted])
def test_flattening_an_elementwise_result_compiles(f, shape):
    # These aborted the process in upstream expand-strided-metadata: elementwise fusion turned the
    # collapse of the reshape into an expansion with two dynamic sizes in one group.
    check_array_grads(f, (rand(*shape),))


# ------------------------------------------------------------------------------------------------
# Primal values and dtypes against NumPy
# ------------------------------------------------------------------------------------------------

def test_arange_matches_numpy_values_and_dtypes():
    check_primal(lambda n: np.arange(n), (5,))
    check_primal(lambda n: np.arange(2, n), (7,))
    check_primal(lambda n: np.arange(n, 0, -2), (7,))
    check_primal(lambda n: np.arange(n, 0), (3,))  # empty
    check_primal(lambda a, b: np.arange(a, b, 0.3), (0.1, 1.7))
    check_primal(lambda a: np.arange(a), (3.5,))
    check_primal(lambda n: np.arange(n, dtype=np.float64), (4,))
    check_primal(lambda n: np.arange(n, dtype=np.float32), (4,))


def test_linspace_matches_numpy():
    for num in (0, 1, 2, 5, 50):
        check_primal(lambda a, b, n: np.linspace(a, b, n), (-1.0, 2.5, num))
        check_primal(lambda a, b, n: np.linspace(a, b, n, endpoint=False), (-1.0, 2.5, num))
    check_primal(lambda a, b: np.linspace(a, b), (0.0, 1.0))
    check_primal(lambda a, b: np.linspace(a, b, 4, dtype=np.float32), (0.0, 1.0))


def test_eye_identity_trace_match_numpy():
    check_primal(lambda n: np.eye(n), (3,))
    check_primal(lambda n, m: np.eye(n, m), (2, 4))
    check_primal(lambda n, m, k: np.eye(n, m, k), (4, 3, -1))
    check_primal(lambda n: np.eye(n, dtype=np.int64), (3,))
    check_primal(lambda n: np.identity(n, dtype=np.float32), (3,))
    check_primal(lambda a: np.trace(a), (np.arange(12).reshape(3, 4),))
    check_primal(lambda a: np.trace(a), (np.zeros((0, 3)),))


def test_array_literals_match_numpy():
    check_primal(lambda a, b: np.array([a, b, 3]), (1.5, 2.0))
    check_primal(lambda a, b: np.array([[a, b], [b, a]]), (1, 2))
    check_primal(lambda a, b: np.array([a > b, a < b]), (1, 2))
    check_primal(lambda a: np.array([a, a], dtype=np.float32), (1.5,))
    check_primal(lambda x: np.array([x, x + 1.0]), (rand(2, 3),))
    check_primal(lambda x: np.asarray(x, dtype=np.float32), (rand(2, 3),))
    check_primal(lambda x: x.astype(np.int64), (rand(2, 3) * 4,))
    check_primal(lambda x: x.astype(float), (np.arange(6).reshape(2, 3),))
    check_primal(lambda x: x.astype(bool), (np.arange(6).reshape(2, 3) - 2,))


def test_shape_functions_match_numpy():
    x = rand(2, 3, 4)
    check_primal(lambda x: x.reshape(4, 6), (x,))
    check_primal(lambda x: x.reshape((-1,)), (x,))
    check_primal(lambda x: np.reshape(x, (2, 2, -1, 3)), (x,))
    check_primal(lambda x, n: x.reshape(n, -1), (x, 6))
    check_primal(lambda x: np.squeeze(np.expand_dims(x, (0, -1)), axis=(0, 4)), (x,))
    check_primal(lambda x: np.concatenate((x, x), axis=1), (x,))
    check_primal(lambda x: np.stack((x, x, x), axis=2), (x,))
    check_primal(lambda x: np.tile(x, 2), (x,))
    check_primal(lambda x: np.tile(x, (2, 1, 1, 3)), (x,))
    check_primal(lambda x, n: np.tile(x, (n, 1)), (rand(2, 3), 3))
    check_primal(lambda x: np.broadcast_to(x, (5, 2, 3, 4)), (x,))
    check_primal(lambda x: np.hstack((x, x)), (x,))
    check_primal(lambda x: np.vstack((x, x)), (x,))
    check_primal(lambda i: np.concatenate([i, i * 2]), (np.arange(4),))
    check_primal(lambda x: np.hstack([x, 1.0]), (rand(3),))


# ------------------------------------------------------------------------------------------------
# Run-time errors: a ValueError naming the function, the shapes and the line
# ------------------------------------------------------------------------------------------------

def bad_reshape(x):
    return x.reshape(5, -1)


def bad_concatenate(a, b):
    return np.concatenate([a, b])


def test_reshape_size_mismatch_raises_value_error():
    with pytest.raises(ValueError, match=r"cannot reshape array of size 12 into shape \(5, -1\)") as info:
        zyg.jit(bad_reshape)(rand(3, 4))
    assert f"{__file__}:" in str(info.value) and "return x.reshape(5, -1)" in str(info.value)
    with pytest.raises(ValueError, match=r"cannot reshape array of size 6 into shape \(4, 2\)"):
        zyg.jit(lambda x, n: x.reshape(n, 2))(rand(6), 4)
    with pytest.raises(ValueError, match="the dimension -3 is negative"):
        zyg.jit(lambda x, n: x.reshape(n, -1))(rand(6), -3)
    with pytest.raises(ValueError, match="cannot reshape array of size 0"):
        zyg.gradient(lambda x: np.sum(x.reshape(0, -1)), np.zeros((0, 3)))
    assert zyg.jit(bad_reshape)(rand(5, 2)).shape == (5, 2)  # the compiled function still works


def test_concatenate_shape_mismatch_raises_value_error():
    with pytest.raises(ValueError, match="along dimension 1, the array at index 0 has size 3 and the array at "
                       "index 1 has size 4"):
        zyg.jit(bad_concatenate)(rand(2, 3), rand(2, 4))
    with pytest.raises(ValueError, match="the array at index 0 has size 3"):
        zyg.gradient(lambda a, b: np.sum(bad_concatenate(a, b)), rand(2, 3), rand(2, 4))
    with pytest.raises(ValueError, match=r"all input arrays must have the same shape, got \(2,\) and \(3,\)"):
        zyg.jit(lambda a, b: np.stack([a, b]))(rand(2), rand(3))


def test_squeeze_and_broadcast_errors():
    with pytest.raises(ValueError, match="cannot select an axis to squeeze out"):
        zyg.jit(lambda x: np.squeeze(x, axis=0))(rand(2, 3))
    with pytest.raises(ValueError, match="squeeze: axis 1 has size 1 at run time"):
        zyg.jit(lambda x: x.squeeze())(rand(2, 1))
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast an array of shape \(2, 3\) to the "
                       r"requested shape \(4, 2, 4\)"):
        zyg.jit(lambda x: np.broadcast_to(x, (4, 2, 4)))(rand(2, 3))
    with pytest.raises(ValueError, match="negative dimensions are not allowed"):
        zyg.jit(lambda n: np.eye(n))(-1)
    with pytest.raises(ValueError, match="Number of samples, -2, must be non-negative"):
        zyg.jit(lambda n: np.linspace(0.0, 1.0, n))(-2)
    with pytest.raises(ZeroDivisionError, match="arange"):
        zyg.jit(lambda s: np.arange(0, 5, s))(0)
    with pytest.raises(ValueError, match="tile: negative"):
        zyg.jit(lambda x, n: np.tile(x, n))(rand(2), -1)


# ------------------------------------------------------------------------------------------------
# Compile-time errors
# ------------------------------------------------------------------------------------------------

def test_unsupported_forms_are_rejected_at_compile_time():
    with pytest.raises(zyg.ZygTypeError, match="can only specify one unknown dimension"):
        zyg.jit(lambda x: x.reshape(-1, -1))(rand(4))
    with pytest.raises(zyg.ZygTypeError, match="axis 2 is out of bounds for an array of dimension 2"):
        zyg.jit(lambda x: np.concatenate([x, x], axis=2))(rand(2, 3))
    with pytest.raises(zyg.ZygTypeError, match="must have the same number of dimensions"):
        zyg.jit(lambda x, y: np.concatenate([x, y]))(rand(2, 3), rand(3))
    with pytest.raises(zyg.ZygTypeError, match="zero-dimensional arrays cannot be joined"):
        zyg.jit(lambda x: np.concatenate([x, 1.0]))(rand(3))
    with pytest.raises(zyg.ZygTypeError, match="inhomogeneous shape"):
        zyg.jit(lambda a: np.array([[a, a], [a]]))(1.0)
    with pytest.raises(zyg.UnsupportedSyntaxError, match="a set"):
        zyg.jit(lambda x: {x, 2.0 * x})(1.0)
    with pytest.raises(zyg.ZygTypeError, match="dtype .* is not supported"):
        zyg.jit(lambda x: x.astype(np.complex128))(rand(3))
    with pytest.raises(zyg.ZygTypeError, match="axis must be known at compile time"):
        zyg.jit(lambda x, a: np.expand_dims(x, a))(rand(3), 0)
    with pytest.raises(zyg.UnsupportedSyntaxError, match="trace of a 1-D array"):
        zyg.jit(lambda x: np.trace(x))(rand(3))


def test_one_compile_serves_every_shape():
    def loss(x, n):
        return np.sum(np.tile(x.reshape(n, -1), (2, 1)) * np.arange(x.size * 2).reshape(2 * n, -1))

    grad = zyg.compile_grad(loss)
    for shape, n in [((6,), 2), ((12,), 3), ((20,), 4)]:
        grad(rand(*shape), n)
    from zyg.compiler import cache_size

    count = cache_size()
    grad(rand(30), 5)
    assert cache_size() == count


# ------------------------------------------------------------------------------------------------
# Views: NumPy's reshape, ravel, squeeze, expand_dims and broadcast_to share the array's memory
# ------------------------------------------------------------------------------------------------

def updates_a_view(x):
    y = x.reshape(2, 2)
    y[0, 0] = 1.0
    return np.sum(y)


def updates_a_viewed_array(x):
    z = x * 2.0
    flat = z.ravel()
    z[0, 0] = 1.0
    return np.sum(flat)


def test_updating_a_view_is_rejected():
    with pytest.raises(zyg.UnsupportedSyntaxError, match="updates a view of another array"):
        zyg.jit(updates_a_view)(rand(4))
    with pytest.raises(zyg.UnsupportedSyntaxError, match=r"updates an array that 'flat' views \(bound at line"):
        zyg.jit(updates_a_viewed_array)(rand(2, 2))


def test_updating_a_copy_or_a_new_array_is_allowed():
    def updates_copies(x):
        y = x.reshape(2, 2).copy()
        y[0, 0] = 1.0
        z = np.concatenate([x, x])
        z[0] = 2.0
        w = x.flatten()
        w[1] = 0.5
        return np.sum(y) + np.sum(z * w[0]) + np.sum(w)

    check_array_grads(updates_copies, (rand(4),))


def test_reshape_inside_a_loop():
    def loop(x):
        total = 0.0
        for k in range(3):
            total += np.sum(np.sin(x.reshape(2, -1)) * (k + 1.0))
        return total

    check_array_grads(loop, (rand(6),))


def test_arrays_cross_the_boundary_in_every_layout():
    """Arguments read-only, sliced, Fortran-ordered, reversed or empty; results strided, reversed,
    empty, of rank 0 or views of one buffer: each keeps its values and its own buffer alive."""
    x = np.arange(12.0).reshape(3, 4)
    frozen = x.copy()
    frozen.flags.writeable = False
    for arg in (frozen, x[:, 1:3], np.asfortranarray(x), x[::-1], np.zeros((0, 3))):
        np.testing.assert_array_equal(zyg.gradient(lambda a: np.sum(a * a), arg)[0], 2 * arg)

    def views(a):
        return a.T, a[:, 1], a[::2], a[0:0], a[1:, :][::-1], a.reshape(-1), np.sum(a)

    results = zyg.jit(views)(x)
    for got, want in zip(results, views(x)):
        np.testing.assert_array_equal(got, want)
    del x
    np.testing.assert_array_equal(results[0], np.arange(12.0).reshape(3, 4).T)  # owned, not borrowed


def shifted_product(x, y):
    return np.concatenate((x[:1], x[1:] * y[:-1]))


def test_a_concatenated_product_is_computed_in_place():
    """`eliminate-empty-tensors` lets the product write into its slice of the result: no buffer of
    its own and no copy (`memrefCopy`) of it afterwards (the RK4 workload: 5x faster)."""
    x, y = rand(6), rand(6)
    np.testing.assert_array_equal(zyg.jit(shifted_product)(x, y), shifted_product(x, y))
    llvm_dialect = zyg.jit(shifted_product).ir("llvm", x, y)
    assert "llvm.call @memrefCopy" not in llvm_dialect  # defined by the runtime, never called


def _reversed_into_slice(x):
    y = x.copy()
    y[1:4] = x[::-1][:3]
    return y


def _columns_stacked(x):
    return np.stack([x[:, 0], x[::-1, 2], x[:, 1]])


@pytest.mark.parametrize("fn, shape", [(_reversed_into_slice, (7,)), (_columns_stacked, (4, 3)),
                                       (_columns_stacked, (0, 3))])
def test_strided_copies_are_the_runtimes_own(fn, shape):
    """A copy between strided buffers is the runtime's `memrefCopy` (element by element, or one memcpy
    when both are dense), not the MLIR wheel's C runner utilities, whose loading pulls in libMLIR."""
    x = np.arange(float(np.prod(shape))).reshape(shape) * 0.5 - 1.0
    compiled = zyg.jit(fn)
    np.testing.assert_array_equal(compiled(x), fn(x))
    assert "llvm.call @memrefCopy" in compiled.ir("llvm", x)
