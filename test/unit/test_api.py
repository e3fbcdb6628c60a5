"""The README's promises for the public API."""

import math

import zyg


def f(x):
    return 5 * x + 3


def power(x, n):  # recursion with a data-dependent depth; n is an int, so it gets no gradient
    return 1.0 if n == 0 else x * power(x, n - 1)


def test_derivative_of_affine():
    assert (f(10), zyg.derivative(f)(10)) == (53, 5.0)


def test_gradient_of_lambda():
    assert zyg.gradient(lambda x, y: x * y + math.sin(x), 2.0, 3.0) == (3 + math.cos(2.0), 2.0)


def test_gradient_of_recursion_gives_none_for_int():
    assert zyg.gradient(power, 2.0, 5) == (80.0, None)


def test_compile_grad_pullback_withgradient_jit():
    assert zyg.compile_grad(f)(10.0) == (5.0,)
    y, back = zyg.pullback(f, 10.0)
    assert (y, back(2.0), back(1.0)) == (53.0, (10.0,), (5.0,))
    assert zyg.withgradient(f, 10.0) == (53.0, (5.0,))
    assert zyg.withgradient(f, 10.0).val == 53.0
    assert zyg.jit(f)(10.0) == 53.0
