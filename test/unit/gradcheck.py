"""Checks zyg's compiled primal and gradient of a scalar function against plain Python.

`check_grads(f, args)` asserts that
  (a) `zyg.jit(f)(*args)` equals `f(*args)`,
  (b) the gradient of every float argument equals the central finite difference
      (f(x + h) - f(x - h)) / 2h computed by running `f` in plain Python, and
  (c) every int or bool argument gets the gradient `None`.
"""

from __future__ import annotations

import math

import pytest
import zyg

REL_STEP = 1e-6


def finite_difference(f, args: tuple, index: int, rel_step: float = REL_STEP) -> float:
    """The central difference of `f` in argument `index`, with a step relative to its size."""
    x = args[index]
    h = rel_step * max(1.0, abs(x))
    plus, minus = list(args), list(args)
    plus[index], minus[index] = x + h, x - h
    # The step actually taken, after rounding x +- h to floats.
    return (f(*plus) - f(*minus)) / (plus[index] - minus[index])


def _close(actual, expected, rtol: float, atol: float) -> bool:
    if math.isnan(expected):
        return math.isnan(actual)
    return actual == pytest.approx(expected, rel=rtol, abs=atol)


def check_grads(f, args, rtol: float = 1e-5, atol: float = 1e-6) -> tuple:
    """Checks `zyg.jit(f)` and `zyg.gradient(f)` at `args`; returns zyg's gradient."""
    args = tuple(args)
    expected = f(*args)
    actual = zyg.jit(f)(*args)
    assert type(actual) is type(expected), f"jit returned a {type(actual).__name__}, Python a {type(expected).__name__}"
    assert _close(actual, expected, rtol, atol), f"jit({f.__name__}){args} = {actual!r}, Python gives {expected!r}"

    grads = zyg.gradient(f, *args)
    assert isinstance(grads, tuple) and len(grads) == len(args), f"gradient returned {grads!r}"
    for index, (arg, grad) in enumerate(zip(args, grads)):
        if isinstance(arg, float):
            assert isinstance(grad, float), f"d/d(arg {index}) is {grad!r}, expected a float"
            fd = finite_difference(f, args, index)
            assert _close(grad, fd, rtol, atol), (
                f"d{f.__name__}/d(arg {index}) at {args}: zyg gives {grad!r}, finite differences {fd!r}")
        else:
            assert grad is None, f"arg {index} is a {type(arg).__name__} but got the gradient {grad!r}"
    return grads
