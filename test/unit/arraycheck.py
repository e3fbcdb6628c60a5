"""Checks zyg's compiled primal and gradient of a function of NumPy arrays against NumPy itself.

`check_array_grads(f, args)` asserts that
  (a) `zyg.jit(f)(*args)` matches `f(*args)` run by NumPy (value, shape and dtype),
  (b) every element of the gradient of every float argument (array or scalar) matches the central
      finite difference of `f` run by NumPy in float64, and
  (c) int and bool arguments get the gradient `None`.
"""

from __future__ import annotations

import numpy as np
import zyg

REL_STEP = 1e-6


def _as_float64(args: tuple) -> tuple:
    return tuple(a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype == np.float32 else a for a in args)


def finite_difference(f, args: tuple, index: int, rel_step: float = REL_STEP):
    """Central differences of scalar `f` in argument `index`, element by element, in float64."""
    args = _as_float64(args)
    x = args[index]
    if not isinstance(x, np.ndarray):
        h = rel_step * max(1.0, abs(x))
        plus, minus = list(args), list(args)
        plus[index], minus[index] = x + h, x - h
        return (float(f(*plus)) - float(f(*minus))) / (2 * h)
    grad = np.zeros_like(x)
    for position in np.ndindex(x.shape):
        h = rel_step * max(1.0, abs(x[position]))
        plus, minus = x.copy(), x.copy()
        plus[position] += h
        minus[position] -= h
        a_plus, a_minus = list(args), list(args)
        a_plus[index], a_minus[index] = plus, minus
        grad[position] = (float(f(*a_plus)) - float(f(*a_minus))) / (2 * h)
    return grad


def check_primal(f, args, rtol: float = 1e-6, atol: float = 1e-9):
    expected = f(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    actual = zyg.jit(f)(*args)
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), f"jit returned {type(actual).__name__}, NumPy an array"
        assert actual.shape == expected.shape, f"shape {actual.shape}, NumPy {expected.shape}"
        assert actual.dtype == expected.dtype, f"dtype {actual.dtype}, NumPy {expected.dtype}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)
    return actual


def check_array_grads(f, args, rtol: float = 1e-5, atol: float = 1e-6) -> tuple:
    """Checks `zyg.jit(f)` and `zyg.gradient(f)` at `args`; returns zyg's gradient."""
    args = tuple(args)
    is_f32 = any(isinstance(a, np.ndarray) and a.dtype == np.float32 for a in args)
    check_primal(f, args, rtol=1e-5 if is_f32 else 1e-6, atol=1e-5 if is_f32 else 1e-9)
    grads = zyg.gradient(f, *args)
    assert isinstance(grads, tuple) and len(grads) == len(args), f"gradient returned {grads!r}"
    for index, (arg, grad) in enumerate(zip(args, grads)):
        if isinstance(arg, np.ndarray) and arg.dtype in (np.float64, np.float32):
            assert isinstance(grad, np.ndarray) and grad.shape == arg.shape and grad.dtype == arg.dtype, (
                f"d/d(arg {index}) is {grad!r}, expected a {arg.dtype} array of shape {arg.shape}")
            np.testing.assert_allclose(grad, finite_difference(f, args, index), rtol=rtol, atol=atol,
                                       err_msg=f"d{f.__name__}/d(arg {index})")
        elif isinstance(arg, float):
            np.testing.assert_allclose(grad, finite_difference(f, args, index), rtol=rtol, atol=atol,
                                       err_msg=f"d{f.__name__}/d(arg {index})")
        else:
            assert grad is None, f"arg {index} is a {type(arg).__name__} but got the gradient {grad!r}"
    return grads
