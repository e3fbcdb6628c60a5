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
