"""Closures (issue 12): `lambda` and nested `def` inside compiled code, capturing arguments, locals,
loop variables, other closures and arrays, with Python's late binding, `nonlocal`, closure factories,
recursion and closures passed to and returned from compiled functions. Gradients against central
finite differences (captured values get their gradients through the closure's calls)."""

from __future__ import annotations

import numpy as np
import pytest
import zyg
from treecheck import check_tree_grads


def make_poly(c0, c1):
    return lambda t: c0 + c1 * t * t


def poly_product(a, b):
    return make_poly(a, b)(3.0) * make_poly(b, a)(a)


def iterate(step, v, n):
    for _ in range(n):
        v = step(v)
    return v


def iterate_cos(x, w):
    return np.sum(iterate(lambda u: np.cos(u) * w, x, 5))


def smoothed(xs, rate):
    avg = 0.0

    def update(v):
        nonlocal avg
        avg = (1.0 - rate) * avg + rate * v

    for v in xs:
        update(v)
    return avg


def late_binding(x):
    g = lambda t: t * k  # noqa: E731 - k is bound after the lambda
    k = 2.0
    a = g(x)
    k = x * 3.0
    return a + g(x)


def loop_variable(x):
    total = 0.0
    for i in range(4):
        total = total + (lambda t: t * i)(x)
    return total


def early_binding(x):
    fs = [lambda t, k=k: t * k for k in (1.0, 2.0, 3.0)]
    return sum(g(x) for g in fs)


def late_after_the_loop(x):
    fs = []
    for i in range(3):
        fs.append(lambda t: t * i)  # noqa: B023 - the late binding is what this tests
    return fs[0](x) + fs[2](x)  # both see the last i, as in Python


def recursion_through_a_closure(x, n):
    def power(m):
        return 1.0 if m == 0 else x * power(m - 1)

    return power(n)


def closure_over_an_array(w, x):
    def affine(v):
        return np.tanh(w @ v)

    return np.sum(affine(affine(x)))


def closure_over_a_dict(params, x):
    layer = lambda v: params["w"] * v + params["b"]  # noqa: E731
    return np.sum(layer(layer(x)))


def closure_of_a_closure(x, y):
    scale = lambda t: t * y  # noqa: E731
    shifted = lambda t: scale(t) + x  # noqa: E731
    return shifted(shifted(x))


def nested_factories(a, x):
    def outer(b):
        def inner(t):
            return a * t + b

        return inner

    return outer(x * 2.0)(x) + outer(a)(1.0)


def closures_in_a_dict(x):
    ops = {"sq": lambda t: t * t, "cube": lambda t: t * t * t}
    return ops["sq"](x) + ops["cube"](x)


def closure_in_a_while_loop(x):
    step = lambda v: v * 0.5 + x  # noqa: E731
    v = 0.0
    while abs(v - 2.0 * x) > 1e-9:
        v = step(v)
    return v


def closure_as_a_default(x, y):
    def weighted(t, w=y * 2.0):
        return t * w

    return weighted(x) + weighted(x, 1.0)


def closure_in_a_branch(x):
    g = lambda t: t * x  # noqa: E731
    if x > 0.0:
        return g(2.0)
    return g(3.0) + 1.0


def sum_of_mapped(xs, c):
    def f(v):
        return v * v * c

    return sum(f(v) for v in xs)


def two_lambdas_on_one_line(x):
    f, g = (lambda t: t * 2.0), (lambda t: t * 3.0)
    return f(x) * g(x)


def late_closure_passed_on(x):
    g = lambda t: t + k  # noqa: E731
    k = x * x
    return iterate(g, x, 3)


def star_arguments(x):
    def total(*terms, scale=1.0, **extra):
        return (sum(terms) + extra["shift"]) * scale

    weigh = lambda v, *, w=2.0: v * w  # noqa: E731
    return total(x, x * x, weigh(x), scale=x, shift=weigh(x, w=x)) + total(x, shift=1.0)


def recursive_lambda(x, n):
    power = lambda k: x if k <= 0 else x * power(k - 1)  # noqa: E731
    return power(n)


def recursive_with_defaults(x, n):
    def walk(k, acc=0.0, *, step=1):
        return acc if k <= 0 else walk(k - step, acc + x * k, step=step)

    return walk(n) + walk(n, 1.0, step=2)


def rebound_lambda_is_late(x):
    p = lambda k: x if k <= 0 else x * p(k - 1)  # noqa: E731
    q = p
    p = lambda k: 2.0 + x * k  # noqa: E731
    return q(3)


rng = np.random.default_rng(5)
CASES = [
    (poly_product, (0.5, 2.0)),
    (iterate_cos, (rng.normal(size=3), 0.9)),
    (smoothed, ([1.0, 2.0, 3.0], 0.5)),
    (late_binding, (1.3,)),
    (loop_variable, (0.7,)),
    (early_binding, (1.1,)),
    (late_after_the_loop, (0.6,)),
    (recursion_through_a_closure, (1.2, 5)),
    (closure_over_an_array, (rng.normal(size=(3, 3)), rng.normal(size=3))),
    (closure_over_a_dict, ({"w": rng.normal(size=2), "b": rng.normal(size=2)}, rng.normal(size=2))),
    (closure_of_a_closure, (0.4, 1.5)),
    (nested_factories, (0.8, 0.3)),
    (closures_in_a_dict, (0.9,)),
    (closure_in_a_while_loop, (0.7,)),
    (closure_as_a_default, (0.6, 1.4)),
    (closure_in_a_branch, (0.5,)),
    (closure_in_a_branch, (-0.5,)),
    (sum_of_mapped, ((0.5, 1.5, -1.0), 2.0)),
    (two_lambdas_on_one_line, (0.9,)),
    (late_closure_passed_on, (0.3,)),
    (star_arguments, (0.7,)),
    (recursive_lambda, (1.1, 4)),
    (recursive_with_defaults, (0.9, 5)),
    (rebound_lambda_is_late, (0.6,)),
]


@pytest.mark.parametrize(("f", "args"), CASES, ids=lambda case: getattr(case, "__name__", ""))
def test_gradient_matches_finite_differences(f, args):
    check_tree_grads(f, args)


def test_a_closure_that_assigns_nonlocal_stays_in_its_function():
    def f(x):
        total = 0.0

        def add(v):
            nonlocal total
            total = total + v

        return iterate(add, x, 2)

    with pytest.raises(zyg.ZygError, match="assigns nonlocal total; zyg calls such a closure only in the function"):
        zyg.gradient(f, 1.0)


def test_a_recursive_function_whose_name_is_bound_again_is_named():
    def f(x, n):
        def g(k):
            return x if k <= 0 else x * g(k - 1)

        y = g(n)
        g = lambda k: 0.0  # noqa: E731
        return y + g(1)

    with pytest.raises(zyg.UnsupportedSyntaxError, match="the function g calls itself by a name its function binds"):
        zyg.gradient(f, 1.5, 3)


def test_a_variable_read_before_it_is_bound_is_named():
    def f(x):
        g = lambda t: t * k  # noqa: E731
        y = g(x)
        k = 2.0
        return y + k

    with pytest.raises(zyg.ZygError, match="a closure reads the variable 'k', which is not bound where"):
        zyg.jit(f)(1.0)


def test_a_closure_is_not_returned_to_python():
    with pytest.raises(zyg.ZygTypeError, match="returns the closure"):
        zyg.jit(make_poly)(1.0, 2.0)


def test_a_closure_call_costs_what_a_function_call_costs():
    """The closure's code is compiled once, its captured values passed as arguments: no closure op
    is left in the IR, and the call is a plain `func.call`."""
    ir = zyg.compile_grad(poly_product).ir("frontend", 0.5, 2.0)
    assert "make_poly" in ir and ir.count("func.func private") >= 2
    assert "closure" not in ir.lower().replace("make_poly", "")


def _passes_its_own_closure(x, n, g):
    k = x
    f = lambda: k  # noqa: E731
    k = x * 2.0
    if n == 0:
        return g()
    return _passes_its_own_closure(x, n - 1, f)


def test_a_late_closure_passed_back_into_its_own_function_is_rejected():
    with pytest.raises(zyg.ZygError, match="a recursive call passes it on"):
        zyg.jit(lambda x: _passes_its_own_closure(x, 2, lambda: x))(1.0)


def test_a_closure_is_a_function_not_a_container():
    def truthy(x):
        g = lambda: 1.0  # noqa: E731 - captures nothing, and is still true
        return x if g else -x

    assert zyg.jit(truthy)(2.0) == 2.0
    with pytest.raises(zyg.ZygTypeError, match="len\\(\\) of a function"):
        zyg.jit(lambda x: len(lambda: x))(1.0)
    def subscripted(x):
        g = lambda: x  # noqa: E731
        return g["x"]

    with pytest.raises(zyg.ZygTypeError, match="is not subscriptable"):
        zyg.jit(subscripted)(1.0)
    with pytest.raises(zyg.ZygError, match="`==` of functions made in compiled code"):
        zyg.jit(lambda x: (lambda: x) == (lambda: x))(1.0)
