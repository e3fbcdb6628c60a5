"""Programs the differential fuzzer (`zyg.fuzz`) found wrong or crashing, reduced, as regressions.

Each is checked against plain NumPy for its value and, with `check_array_grads`, against finite
differences for its gradient.
"""

import numpy as np
import zyg
from arraycheck import check_array_grads


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
