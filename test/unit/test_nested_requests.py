"""Differentiation called inside compiled code (issue 13): `zyg.gradient`, `zyg.withgradient` and
`zyg.derivative` there are request ops the AD passes answer, with the results `zyg.gradient` gives
in Python (a tuple per argument, None for one without a gradient, structures for structures)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import zyg


def cube(y):
    return y ** 3


def scaled_gradient(x):
    return zyg.gradient(cube, x)[0] * 2.0


def gradient_of_a_closure(x, w):
    d = zyg.gradient(lambda a, b: a * b * w + math.sin(a), x, 3.0)
    return d[0] + d[1]


def derivatives(x):
    return zyg.derivative(math.sin)(x) + zyg.derivative(lambda t: t * t * x)(x)


def value_and_gradient(xs):
    v, g = zyg.withgradient(lambda a: np.sum(a * a), xs)
    return v + np.sum(g[0])


def structured(params, x):
    g = zyg.gradient(lambda p, n: np.sum(np.tanh(p["w"] * x) * p["b"]) * n, params, 3)
    return np.sum(g[0]["w"]) + np.sum(g[0]["b"]) + (1.0 if g[1] is None else 0.0)


def in_a_loop(x, n):
    total = 0.0
    for k in range(n):  # a request per iteration, at another point each time
        total = total + zyg.gradient(lambda t, k=k: t * t * k, x + total)[0]
    return total


def with_argnums(x, y):
    return zyg.gradient(lambda a, b: a * a * b, x, y, argnums=1) + zyg.gradient(lambda a, b: a * b, x, y,
                                                                                argnums=(0,))[0]


@pytest.mark.parametrize(("f", "args", "expected"), [
    (scaled_gradient, (2.0,), 24.0),
    (gradient_of_a_closure, (2.0, 5.0), 3.0 * 5.0 + math.cos(2.0) + 2.0 * 5.0),
    (derivatives, (0.5,), math.cos(0.5) + 2 * 0.5 * 0.5),
    (value_and_gradient, (np.ones(3),), 3.0 + 6.0),
    (in_a_loop, (0.5, 3), None),
    (with_argnums, (2.0, 3.0), 4.0 + 3.0),
])
def test_requests_in_compiled_code_give_what_python_gives(f, args, expected):
    got = zyg.jit(f)(*args)
    if expected is None:
        total = 0.0
        for k in range(args[1]):
            total = total + 2 * (args[0] + total) * k
        expected = total
    assert got == pytest.approx(expected)


def test_a_request_on_structures_gives_structured_gradients():
    params = {"w": np.array([0.5, -1.0]), "b": np.array([2.0, 0.3])}
    x = np.array([1.5, 0.2])
    t = np.tanh(params["w"] * x)
    expected = np.sum((1 - t ** 2) * x * params["b"] * 3) + np.sum(t * 3) + 1.0
    assert zyg.jit(structured)(params, x) == pytest.approx(expected)


def test_a_request_on_a_function_without_a_float_result_is_named():
    with pytest.raises(zyg.ZygTypeError, match="differentiating a function that does not return a float"):
        zyg.jit(lambda x: zyg.gradient(lambda a: (a, a), x))(1.0)


# ------------------------------------------------------------------------------------------------
# Differentiating code that holds requests: reverse over reverse (as forward over reverse), forward
# over forward, to third order, through loops, recursion and closures
# ------------------------------------------------------------------------------------------------

def looped_power(x, n):
    r = x
    for _ in range(n):
        r = r * x
    return r


def recursive_power(x, n):
    return 1.0 if n == 0 else x * recursive_power(x, n - 1)


def fd(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize(("f", "x", "expected"), [
    (lambda x: zyg.gradient(cube, x)[0], 2.0, 12.0),
    (lambda x: zyg.gradient(looped_power, x, 2)[0] * x, 2.0, 36.0),  # the 36, not 24
    (lambda x: zyg.gradient(recursive_power, x, 4)[0], 1.5, 12 * 1.5 ** 2),
    (lambda x: zyg.gradient(lambda y: x * y * y, 1.0)[0], 3.0, 2.0),  # a closure over x: no confusion
    (lambda x: zyg.gradient(lambda y: zyg.gradient(lambda z: z ** 4 * y, y)[0], x)[0], 2.0, 48 * 2.0 ** 2),
    (lambda x: zyg.withgradient(lambda a: a ** 3 + x * a, x).grad[0], 2.0, 6 * 2.0 + 1.0),
    (lambda x: zyg.derivative(lambda t: math.sin(t * x))(1.0), 0.5, None),
])
def test_gradients_of_code_that_differentiates(f, x, expected):
    got = zyg.gradient(f, x)[0]
    assert got == pytest.approx(fd(f, x) if expected is None else expected, rel=1e-6)


def test_derivatives_to_third_order():
    third = zyg.derivative(zyg.derivative(zyg.derivative(math.sin)))
    assert third(0.5) == pytest.approx(-math.cos(0.5))
    assert zyg.derivative(zyg.derivative(lambda x: x ** 3))(2) == 12.0
    fourth = zyg.gradient(lambda x: zyg.derivative(zyg.derivative(zyg.derivative(lambda t: t ** 4)))(x), 1.5)
    assert fourth == (24.0,)


def test_mixed_partials_through_arrays():
    def inner(w, x):
        return np.sum(np.tanh(w * x))

    def outer(w, x):  # d/dw of sum(d inner / dx)
        return np.sum(zyg.gradient(inner, w, x)[1])

    w, x = np.array([0.3, -0.8]), np.array([1.2, 0.4])
    got = zyg.gradient(outer, w, x)
    for index in range(2):
        for k in range(2):
            step = np.zeros(2)
            step[k] = 1e-6
            moved = [w, x]
            plus, minus = list(moved), list(moved)
            plus[index], minus[index] = moved[index] + step, moved[index] - step
            assert got[index][k] == pytest.approx((outer(*plus) - outer(*minus)) / 2e-6, rel=1e-5, abs=1e-8)


def pulled_back(x, w):
    y, back = zyg.pullback(lambda a, b: (a * b, np.sum(a ** 2)), x, w)
    gx, gw = back((np.ones(3), 2.0))  # each call of back is one ad.vjp
    return np.sum(gx) + gw + np.sum(y[0])


def test_a_pullback_inside_compiled_code_and_its_gradient():
    x = np.array([1.0, 2.0, 3.0])
    assert zyg.jit(pulled_back)(x, 0.5) == pytest.approx(pulled_back(x, 0.5))
    gx, gw = zyg.gradient(pulled_back, x, 0.5)
    np.testing.assert_allclose(gx, np.full(3, 4.0 + 1.0 + 0.5))
    assert gw == pytest.approx(3.0 + np.sum(x))


def test_a_jvp_inside_compiled_code_and_its_gradient():
    def directional(x, v):
        value, tangent = zyg.jvp(lambda a: np.sum(np.sin(a) * a), (x,), (v,))
        return value + tangent

    x, v = np.array([0.3, -0.7]), np.array([1.0, 2.0])
    expected = np.sum(np.sin(x) * x) + np.sum((np.cos(x) * x + np.sin(x)) * v)
    assert zyg.jit(directional)(x, v) == pytest.approx(expected)
    gx, gv = zyg.gradient(directional, x, v)
    np.testing.assert_allclose(gv, np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(gx, np.cos(x) * x + np.sin(x) + (2 * np.cos(x) - np.sin(x) * x) * v)
