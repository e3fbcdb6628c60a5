"""Programs the differential fuzzer (`zyg.fuzz`) found wrong or crashing, reduced, as regressions.

Each is checked against plain NumPy for its value and, with `check_array_grads`, against finite
differences for its gradient.
"""

import numpy as np
import zyg
from arraycheck import check_array_grads, finite_difference


def dot_in_a_loop_that_never_runs(a, b, s):
    c = np.zeros(0)
    for i in range(0):
        c[i] += b @ a  # a 1-D product learnt a's length inside the loop ...
    return a[1]  # ... and the bound check here used it outside: upstream could not parse the IR


def dot_in_a_branch(a, b, s):
    if s:
        pass
    else:
        t = b @ a  # noqa: F841
    c = a
    return np.sum(np.concatenate([c, c * 0.5]))


def same_transpose_twice(a, b, s):
    c1 = a[::2]
    c3 = c1.T @ c1.T  # one transpose as both operands of a product: lowering erased it twice
    t = 0.0
    for _ in range(0):
        t = np.prod(c3.reshape(2, 2))
    return t + np.sum(c3) * s


def test_shapes_learnt_inside_a_region_stay_there():
    x = np.array([1.0, 2.0])
    check_array_grads(dot_in_a_loop_that_never_runs, (x, x, 2.0))
    a, b = np.array([1.355, -1.041, -1.44]), np.array([-0.171, 0.647, 0.853])
    check_array_grads(dot_in_a_branch, (a, b, 1.127))
    check_array_grads(dot_in_a_branch, (a, b, 0.0))


def test_one_transpose_as_both_matmul_operands():
    a = np.array([[-0.626, 0.177], [-1.39, 1.386], [-1.586, -1.563], [0.053, 0.254]])
    check_array_grads(same_transpose_twice, (a, a * 0.5, -1.188))
    assert zyg.jit(same_transpose_twice)(a, a, 2.0) == same_transpose_twice(a, a, 2.0)


def _ignores_its_first_array(x, y):
    return np.sum(y * y)


def calls_a_helper_that_ignores_an_array(a, b, s):
    return _ignores_its_first_array(a, b) + np.sum(a * s)


def returns_its_second_argument(x, p):
    return p


def test_a_zero_gradient_of_an_unused_array_argument_has_its_shape():
    """A split pullback (a call's, or `zyg.pullback`'s) popped the shape of an unused array's zero
    gradient after the forward sweep had pushed its residuals: nothing pushed it, so compiling
    crashed (an op without a location), and once that was mended the shape read was garbage."""
    a, b = np.array([0.3, -1.2]), np.array([1.5, 0.25, -0.5])
    check_array_grads(calls_a_helper_that_ignores_an_array, (a, b, 0.7))
    y, back = zyg.pullback(_ignores_its_first_array, a, b)
    p = {"w": b, "u": 2.0}
    out, back_p = zyg.pullback(returns_its_second_argument, a, p)
    assert out["u"] == 2.0 and np.array_equal(out["w"], b)
    for ct in (1.0, -2.5):
        for index, expected in ((0, np.zeros_like(a)), (1, 2 * ct * b)):
            np.testing.assert_allclose(back(ct)[index], expected)
            np.testing.assert_allclose(ct * finite_difference(_ignores_its_first_array, (a, b), index), expected,
                                       atol=1e-6)
        gx, gp = back_p({"w": ct * b, "u": ct})
        np.testing.assert_array_equal(gx, np.zeros_like(a))
        np.testing.assert_allclose(gp["w"], ct * b)
        assert gp["u"] == ct
