"""Functions as values (issue 12): Python, `math`, NumPy and builtin functions passed as arguments,
held in containers and globals, returned from helpers and called, each call a direct call of the
function known at compile time, or a chain of `scf.if`s over the candidates for one chosen at run time
(by an int index, a branch or a loop); `map`, `filter`, `functools.reduce`, `functools.partial` and
`min`/`max`/`sorted` with `key=`.
Gradients against central finite differences; a function argument gets the gradient None."""

from __future__ import annotations

import dataclasses
import functools
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


def mapped(x, w):
    return sum(map(lambda t: t * t * w, [x, 2.0 * x, w])) + sum(map(math.atan2, (x, w), (w, x)))


def reduced(x, y):
    return functools.reduce(lambda acc, v: acc * v + 1.0, [x, y, x], 0.5) + functools.reduce(scaled_by, (x, y))


def scaled_by(v, s):
    return v * s


def partials(x, w):
    times_w = functools.partial(scaled_by, s=w)
    power = functools.partial(math.pow, x)
    shifted = functools.partial(lambda a, b: a - b, w)
    return times_w(x) + power(2.0) + shifted(x) + sum(map(times_w, (x, 1.0)))


def mapped_arrays(xs, w):
    return np.sum(sum(map(np.tanh, [xs, w * xs])))


ACTIVATIONS = [math.sin, math.cos, square, np.tanh]


def dispatched_by_an_argument(x, i):
    return ACTIVATIONS[i](x) * 2.0


def dispatched_in_a_loop(x, n):
    total = 0.0
    k = 0
    while k < n:  # a different function on each iteration
        total = total + ACTIVATIONS[k % 4](x * total + 0.5)
        k = k + 1
    return total


def chosen_by_a_condition(x, w):
    g = math.exp if x > 0.0 else (lambda t: t * w)
    return g(x) + (np.sinh if w > 1.0 else np.cosh)(x)


def chosen_in_branches(x, w):
    if x > 0.0:
        g = lambda t: t * w  # noqa: E731 - a closure made in this branch only
    elif x > -1.0:
        g = math.atan
    else:
        g = square
    return g(x) * w


def closest(x, y):
    return max([x, y, 2.0], key=lambda t: -abs(t - 1.0)) * 3.0 + min(x, y, key=square)


def largest_array(a, b):
    return np.sum(max((a, b), key=lambda v: np.sum(v * v)) ** 2)


def ranked(x, y, z):
    s = sorted([x, y, z])
    return s[0] * 1.0 + s[1] * 10.0 + s[2] * 100.0


def ranked_by_key(x, y):
    s = sorted([(x, 1.0), (y, x), (x, y * 3.0)], key=lambda p: p[0] * p[0], reverse=True)  # stable on ties
    return s[0][1] * 1.0 + s[1][1] * 10.0 + s[2][1] * 100.0


def reassigned_in_a_for_loop(x, n):
    g = ACTIVATIONS[0]
    for i in range(n):  # a run-time trip count: g is a function chosen at run time
        g = ACTIVATIONS[i % 2]
    return g(x)


def reassigned_in_a_while_loop(x, n):
    g = math.exp
    k = 0
    t = 0.0
    while k < n:
        t = t + g(x)
        if k % 2 == 0:
            g = lambda v: v * x  # noqa: E731 - a closure made in the loop
        else:
            g = math.sin
        k = k + 1
    return t + g(x)


TRIG = {"sin": math.sin, "cos": math.cos, "tan": math.tan}


def named_by_a_comparison_chain(x):
    if x > 1.0:
        name = "sin"
    elif x > 0.0:
        name = "cos"
    else:
        name = "tan"
    return TRIG[name](x) * (2.0 if name == "cos" else 1.0)


def name_changed_in_a_loop(x, n):
    mode = "sin"
    total = 0.0
    for _ in range(n):  # a str that a loop changes: known at run time
        total = total + TRIG[mode](x * total + 0.3)
        mode = "cos" if mode == "sin" else "tan"
    return total


def names_in_a_list(xs):
    names = ["sin" if v > 0 else "cos" for v in xs]
    return sum(TRIG[name](v) for name, v in zip(names, xs))


rng = np.random.default_rng(3)
CASES = [
    *[(named_by_a_comparison_chain, (x,)) for x in (1.5, 0.5, -0.5)],
    *[(name_changed_in_a_loop, (0.5, n)) for n in (0, 1, 4)],
    (names_in_a_list, ([1.0, -1.0, 0.5],)),
    *[(reassigned_in_a_for_loop, (0.5, n)) for n in range(4)],
    *[(reassigned_in_a_while_loop, (0.5, n)) for n in (0, 1, 2, 5)],
    (ranked, (3.0, 1.0, 2.0)),
    (ranked, (0.5, 1.5, -2.0)),
    (ranked_by_key, (1.0, 2.0)),
    (ranked_by_key, (2.0, -1.0)),
    (closest, (0.5, 1.2)),
    (closest, (1.4, -0.3)),
    (largest_array, (rng.normal(size=2), rng.normal(size=2))),
    *[(dispatched_by_an_argument, (0.7, i)) for i in range(-4, 4)],
    (dispatched_in_a_loop, (0.3, 6)),
    (chosen_by_a_condition, (0.4, 1.5)),
    (chosen_by_a_condition, (-0.4, 0.5)),
    (chosen_in_branches, (0.6, 1.3)),
    (chosen_in_branches, (-0.6, 1.3)),
    (chosen_in_branches, (-1.6, 1.3)),
    (mapped, (0.7, 1.3)),
    (reduced, (1.5, 0.4)),
    (partials, (0.6, 1.7)),
    (mapped_arrays, (rng.normal(size=3), 0.5)),
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


def test_a_function_chosen_at_run_time_out_of_range_raises_index_error():
    with pytest.raises(IndexError, match="list index out of range"):
        zyg.gradient(dispatched_by_an_argument, 0.7, 4)


def test_a_function_chosen_at_run_time_is_returned_as_the_one_chosen():
    choose = zyg.jit(lambda x: math.sin if x > 0.0 else math.cos)
    assert choose(1.0) is math.sin and choose(-1.0) is math.cos


def test_a_str_chosen_at_run_time_is_returned_as_the_one_chosen():
    def pick(x):
        name = "sin" if x > 0 else "cos"
        return name, TRIG[name](x)

    assert zyg.jit(pick)(1.0) == ("sin", math.sin(1.0)) and zyg.jit(pick)(-1.0) == ("cos", math.cos(-1.0))
    assert zyg.jit(name_changed_in_a_loop)(0.5, 3) == pytest.approx(name_changed_in_a_loop(0.5, 3))
    names = zyg.jit(lambda k, x: (("sin", "cos", "tan")[k], TRIG[("sin", "cos", "tan")[k]](x)))
    assert names(1, 0.5) == ("cos", math.cos(0.5)) and names(-1, 0.5) == ("tan", math.tan(0.5))


def test_a_partial_is_returned_as_one():
    got = zyg.jit(lambda x: functools.partial(scaled_by, x, s=2.0))(3.0)
    assert isinstance(got, functools.partial) and got.func is scaled_by and got() == 6.0


def test_filter_keeps_items_by_tests_known_at_compile_time_or_at_run_time():
    assert zyg.jit(lambda x: sum(filter(None, (0.0, 1.0, 0.0, 2.0))) * x)(1.5) == 4.5
    positive = zyg.jit(lambda x: list(filter(lambda t: t > 0.0, [x, -x, 2.0 * x])))
    assert positive(1.0) == [1.0, 2.0] and positive(-1.0) == [1.0]
    assert zyg.gradient(lambda xs: sum(filter(lambda t: t > 0.0, xs)) ** 2, [1.0, -2.0, 3.0]) == ([8.0, 0.0, 8.0],)
    with pytest.raises(zyg.ZygError, match="holds for numbers or arrays of one type .* these are tuple"):
        zyg.jit(lambda x: list(filter(lambda t: t[0] > 0.0, [(x, 1.0), (-x, 2.0)])))(1.0)


def test_a_function_zyg_cannot_compile_is_named_at_the_call():
    with pytest.raises(zyg.ZygError, match="unsupported function 'io.open'"):
        zyg.jit(apply_twice)(open, 1.0)
