"""Functions as values (issue 12, first part): Python, `math`, NumPy and builtin functions passed as
arguments, held in containers and globals, returned from helpers and called, each call a direct call
of the function known at compile time. Gradients against central finite differences; a function
argument gets the gradient None."""

from __future__ import annotations

import dataclasses
import math
import typing

import numpy as np
import pytest
import zyg
from treecheck import check_tree_grads


def square(v):
    return v * v


def apply_twice(g, x):
    return g(g(x))


def apply_to_array(g, x):
    return np.sum(g(x) * x)


def compose(fs, x):
    for g in fs:
        x = g(x)
    return x


def by_name(table, x):
    return table["outer"](table["inner"](x)) + table["inner"](x)


@dataclasses.dataclass
class Layer:
    w: np.ndarray
    b: np.ndarray
    activation: typing.Callable


def layer_net(layers, x):
    for layer in layers:
        x = layer.activation(layer.w @ x + layer.b)
    return np.sum(x * x)


class Scaled(typing.NamedTuple):
    g: typing.Callable
    scale: float


def call_field(s, x):
    return s.g(x) * s.scale


def in_a_loop(g, x, n):
    total = 0.0
    for k in range(n):
        total = total + g(x * k)
    return total


def in_a_branch(g, h, x):
    if x > 0.0:
        return g(x)
    return h(x)


def helper_returning_a_function(x):
    g = _pick()
    return g(x) + _pick()(2.0 * x)


def _pick():
    return math.tanh


def through_a_callee(g, x):
    return apply_twice(g, x) + 1.0


def keyword_call(g, x):
    return np.sum(g(x, axis=0))


rng = np.random.default_rng(3)
CASES = [
    (apply_twice, (math.sin, 0.7)),
    (apply_twice, (square, 1.3)),
    (apply_twice, (abs, -0.4)),
    (apply_twice, (np.tanh, 0.3)),
    (apply_to_array, (np.exp, rng.normal(size=3))),
    (apply_to_array, (np.sin, rng.normal(size=(2, 2)))),
    (compose, ((np.sin, square, math.exp), 0.4)),
    (compose, ([np.cos, np.tanh], 1.1)),
    (by_name, ({"outer": math.exp, "inner": square}, 0.5)),
    (layer_net, ([Layer(rng.normal(size=(3, 2)), rng.normal(size=3), np.tanh),
                  Layer(rng.normal(size=(2, 3)), rng.normal(size=2), np.sin)], rng.normal(size=2))),
    (call_field, (Scaled(math.atan, 3.0), 0.8)),
    (in_a_loop, (math.sin, 0.3, 4)),
    (in_a_branch, (math.sin, math.cos, 0.5)),
    (in_a_branch, (math.sin, math.cos, -0.5)),
    (helper_returning_a_function, (0.6,)),
    (through_a_callee, (np.sinh, 0.2)),
    (keyword_call, (np.mean, rng.normal(size=(3, 2)))),
]


@pytest.mark.parametrize(("f", "args"), CASES, ids=lambda case: getattr(case, "__name__", ""))
def test_gradient_matches_finite_differences(f, args):
    check_tree_grads(f, args)


def test_each_function_argument_is_its_own_compile():
    g = zyg.compile_grad(apply_twice)
    assert g(math.sin, 0.7)[1] == pytest.approx(math.cos(math.sin(0.7)) * math.cos(0.7))
    assert g(square, 0.7)[1] == pytest.approx(4 * 0.7 ** 3)
    assert g(math.sin, 0.7)[1] == pytest.approx(math.cos(math.sin(0.7)) * math.cos(0.7))


def test_a_function_is_returned_as_itself():
    assert zyg.jit(lambda x: (x * 2.0, np.tanh, None))(1.5) == (3.0, np.tanh, None)


SCALE = 2.0
WEIGHTS = np.array([1.0, 2.0])


def scaled(v):
    return SCALE * v


def weighted(v):
    return np.sum(WEIGHTS * v)


def test_globals_of_a_function_passed_in_are_read_at_each_call():
    global SCALE, WEIGHTS
    g = zyg.jit(apply_twice)
    try:
        assert g(scaled, 1.0) == 4.0
        SCALE = 3.0
        assert g(scaled, 1.0) == 9.0
        h = zyg.compile_grad(lambda f, v: f(v))
        np.testing.assert_array_equal(h(weighted, np.ones(2))[1], [1.0, 2.0])
        WEIGHTS = np.array([5.0, 6.0])
        np.testing.assert_array_equal(h(weighted, np.ones(2))[1], [5.0, 6.0])
    finally:
        SCALE, WEIGHTS = 2.0, np.array([1.0, 2.0])


TABLE = {"f": scaled}
FACTORS = [1.0, 2.0]


def from_the_table(x):
    return TABLE["f"](x) * FACTORS[1]


def test_a_global_container_changed_in_place_is_read_at_each_call():
    g = zyg.jit(from_the_table)
    try:
        assert g(1.0) == 4.0
        FACTORS[1] = 10.0
        assert g(1.0) == 20.0
        TABLE["f"] = square
        assert g(3.0) == 90.0
    finally:
        TABLE["f"], FACTORS[1] = scaled, 2.0


def test_calling_something_that_is_not_a_function_names_it():
    def f(x):
        return x(2.0)

    with pytest.raises(zyg.ZygTypeError, match=r"'x' is a float, not a function"):
        zyg.gradient(f, 1.0)


def test_a_function_chosen_by_a_run_time_condition_is_named():
    def f(x):
        g = math.sin if x > 0.0 else math.cos
        return g(x)

    with pytest.raises(zyg.ZygError, match="the function math.sin on one path and the function math.cos"):
        zyg.gradient(f, 1.0)


def test_a_function_zyg_cannot_compile_is_named_at_the_call():
    with pytest.raises(zyg.ZygError, match="unsupported function 'print'"):
        zyg.jit(apply_twice)(print, 1.0)
