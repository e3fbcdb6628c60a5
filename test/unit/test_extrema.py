"""Maxima and minima at ties and at NaN: values follow NumPy and CPython, and gradients never count a
cotangent twice.

Conventions (the pullback rules' docstrings say the same):
- a reduction (`np.max`, `np.min`, `.max()`, with `axis`/`keepdims`) splits the cotangent equally
  among the tied elements, as JAX and PyTorch do; where the result is NaN the NaN elements share it;
- `np.maximum`/`np.minimum`/`np.clip` and Python `max`/`min` give the whole cotangent to the operand
  they return, the first one at a tie, so the operands' gradients always sum to the cotangent.
"""

import math

import numpy as np
import pytest
import zyg

NAN = float("nan")


# ------------------------------------------------------------------------------------------------
# Ties in reductions
# ------------------------------------------------------------------------------------------------

def test_max_of_equal_elements_splits_the_cotangent():
    assert zyg.gradient(lambda s: np.max(s * np.ones(3)), 2.0) == pytest.approx((1.0,))
    assert zyg.gradient(lambda s: np.min(s * np.ones(4)), 2.0) == pytest.approx((1.0,))


def test_tied_maxima_share_the_cotangent_along_the_reduced_axis():
    a = np.array([[1.0, 1.0, 0.0], [2.0, 3.0, 3.0], [5.0, 5.0, 5.0]])
    (g,) = zyg.gradient(lambda a: np.sum(np.max(a, axis=1) * np.array([1.0, 2.0, 3.0])), a)
    np.testing.assert_allclose(g, [[0.5, 0.5, 0.0], [0.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    (g,) = zyg.gradient(lambda a: np.sum(a.min(axis=0, keepdims=True)), a)
    np.testing.assert_allclose(g, [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    (g,) = zyg.gradient(lambda a: np.amax(a), np.array([1.0, 3.0, 3.0, 3.0]))
    np.testing.assert_allclose(g, [0.0, 1 / 3, 1 / 3, 1 / 3])


def test_untied_maximum_gets_the_whole_cotangent():
    (g,) = zyg.gradient(lambda a: 2.0 * np.max(a), np.array([1.0, 4.0, 3.0]))
    np.testing.assert_allclose(g, [0.0, 2.0, 0.0])


# ------------------------------------------------------------------------------------------------
# Ties between two operands
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("function", [np.maximum, np.minimum])
def test_elementwise_extremum_at_a_tie_gives_the_cotangent_once(function):
    a, b = np.array([1.0, 2.0, 5.0]), np.array([1.0, 3.0, 4.0])
    ga, gb = zyg.gradient(lambda a, b: np.sum(function(a, b)), a, b)
    np.testing.assert_allclose(ga + gb, [1.0, 1.0, 1.0])
    assert ga[0] == 1.0 and gb[0] == 0.0  # the first operand takes a tie


@pytest.mark.parametrize("builtin", [max, min])
def test_builtin_extremum_at_a_tie_gives_the_cotangent_once(builtin):
    assert zyg.gradient(lambda a, b: builtin(a, b), 1.0, 1.0) == (1.0, 0.0)
    assert zyg.gradient(lambda a, b, c: builtin(a, b, c), 2.0, 2.0, 2.0) == (1.0, 0.0, 0.0)


def test_clip_at_its_bounds_gives_the_cotangent_once():
    (g,) = zyg.gradient(lambda x: np.sum(np.clip(x, 0.0, 1.0)), np.array([0.0, 1.0, 0.5, -1.0, 2.0]))
    np.testing.assert_allclose(g, [1.0, 1.0, 1.0, 0.0, 0.0])


# ------------------------------------------------------------------------------------------------
# NaN: values as NumPy and CPython give them, and where the gradient goes
# ------------------------------------------------------------------------------------------------

WITH_NAN = np.array([1.0, NAN, 2.0])


def nan_maximum(x):
    return np.sum(np.maximum(x, 0.0))


def nan_minimum(x):
    return np.sum(np.minimum(0.0, x))


def nan_clip(x):
    return np.sum(np.clip(x, 0.0, 1.5))


def nan_fmax(x):
    return np.sum(np.fmax(x, 1.5))


def nan_fmin(x):
    return np.sum(np.fmin(1.5, x))


def nan_max(x):
    return np.max(x)


def nan_min_along_an_axis(x):
    return np.sum(np.min(x.reshape(1, 3), axis=1))


@pytest.mark.parametrize("f", [nan_maximum, nan_minimum, nan_clip, nan_fmax, nan_fmin, nan_max,
                               nan_min_along_an_axis])
def test_nan_follows_numpy(f):
    np.testing.assert_equal(zyg.jit(f)(WITH_NAN), f(WITH_NAN))


@pytest.mark.parametrize("f", [np.maximum, np.minimum, np.fmax, np.fmin])
@pytest.mark.parametrize("a, b", [(NAN, 1.0), (1.0, NAN), (NAN, NAN), (1.0, 2.0)])
def test_scalar_nan_follows_numpy(f, a, b):
    np.testing.assert_equal(zyg.jit(lambda a, b: f(a, b))(a, b), f(a, b))


@pytest.mark.parametrize("builtin", [max, min])
@pytest.mark.parametrize("a, b", [(NAN, 1.0), (1.0, NAN), (2, NAN), (NAN, 2)])
def test_builtin_nan_follows_cpython(builtin, a, b):
    np.testing.assert_equal(zyg.jit(lambda a, b: builtin(a, b))(a, b), builtin(a, b))
    np.testing.assert_equal(zyg.jit(lambda a, b: builtin(a, b, 3.0))(a, b), builtin(a, b, 3.0))


def test_gradient_at_nan_goes_to_the_nan_operand():
    (g,) = zyg.gradient(nan_maximum, WITH_NAN)
    np.testing.assert_equal(g, [1.0, 1.0, 1.0])  # nan is returned, so it takes the cotangent
    (g,) = zyg.gradient(nan_max, WITH_NAN)
    np.testing.assert_equal(g, [0.0, 1.0, 0.0])
    (g,) = zyg.gradient(nan_fmax, WITH_NAN)
    np.testing.assert_equal(g, [0.0, 0.0, 1.0])  # fmax ignores the nan: 1.5 is returned
    ga, gb = zyg.gradient(lambda a, b: max(a, b), NAN, 1.0)
    assert (ga, gb) == (1.0, 0.0) and math.isnan(max(NAN, 1.0))
