"""`zyg.hessian` and `zyg.hvp` (issue 13): forward over reverse in compiled code (a compiled loop of
Hessian-vector products for the Hessian), against central finite differences of zyg's gradient."""

from __future__ import annotations

import math

import numpy as np
import pytest
import zyg


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def looped(x):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + math.sin(x[i]) * x[i - 1]
    return s


def matrix_argument(w):
    return np.sum(np.tanh(w @ np.array([1.0, -2.0, 0.5])))


def with_a_helper(x):
    return np.sum(softplus(x) * x)


def softplus(v):
    return np.log1p(np.exp(v))


def _fd_hessian(f, x, h=1e-5):
    n = x.size
    rows = []
    for i in range(n):
        step = np.zeros(n)
        step[i] = h
        plus = zyg.gradient(f, x + step.reshape(x.shape))[0].reshape(n)
        minus = zyg.gradient(f, x - step.reshape(x.shape))[0].reshape(n)
        rows.append((plus - minus) / (2 * h))
    return np.array(rows)


rng = np.random.default_rng(7)


@pytest.mark.parametrize(("f", "x"), [
    (rosenbrock, rng.uniform(-1, 1, 6)),
    (looped, rng.uniform(-1, 1, 4)),
    (matrix_argument, rng.uniform(-1, 1, (2, 3))),
    (with_a_helper, rng.uniform(-1, 1, 3)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_hessian_matches_finite_differences_of_the_gradient(f, x):
    hessian = zyg.hessian(f, x)
    assert hessian.shape == (x.size, x.size)
    np.testing.assert_allclose(hessian, _fd_hessian(f, x), rtol=1e-5, atol=1e-6)
    v = rng.uniform(-1, 1, x.shape)
    np.testing.assert_allclose(zyg.hvp(f, x, v), (hessian @ v.reshape(-1)).reshape(x.shape), rtol=1e-9, atol=1e-9)


def test_hessian_of_a_function_of_one_float():
    assert zyg.hessian(lambda t: t ** 3 + math.sin(t), 2.0) == pytest.approx(12.0 - math.sin(2.0))
    assert zyg.hvp(lambda t: t ** 3, 2.0, 0.5) == pytest.approx(6.0)
