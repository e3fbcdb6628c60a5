"""A global read in `f` is read at each call, as Python does (issue 10: never a stale number).

A compiled function keeps the names it read (globals, closure variables, callees, builtins,
module attributes, default arguments) and checks them at each call; one that now means another
value compiles again. The same value under a new object keeps the compile.
"""

import math
import types

import pytest
import zyg
import zyg.build

SCALE = 2.0
OFFSET = 1


def scaled(x):
    return SCALE * x + OFFSET


def helper(x):
    return x * x


def calls_helper(x):
    return helper(x) + 1.0


def uses_abs(x):
    return abs(x) * 2.0


def cube(x):
    return x ** 3


@pytest.fixture
def builds(monkeypatch):
    """The qualified names of the functions compiled from scratch during the test."""
    monkeypatch.setenv("ZYG_CACHE", "0")
    names = []
    build_request = zyg.build.build_request

    def counting(*args, **kwargs):
        names.append(args[0].__qualname__)
        return build_request(*args, **kwargs)

    monkeypatch.setattr(zyg.build, "build_request", counting)
    return names


def test_rebound_module_constant_is_read_at_the_next_call(builds, monkeypatch):
    grad, jit = zyg.compile_grad(scaled), zyg.jit(scaled)
    assert (grad(1.0), jit(1.0)) == ((2.0,), 3.0)
    monkeypatch.setitem(globals(), "SCALE", 3.0)
    monkeypatch.setitem(globals(), "OFFSET", 5)
    assert (grad(1.0), jit(1.0), zyg.gradient(scaled, 1.0)) == ((3.0,), 8.0, (3.0,))


def test_an_equal_value_keeps_the_compile(builds, monkeypatch):
    grad = zyg.compile_grad(scaled)
    grad(1.0)
    compiled = len(builds)
    monkeypatch.setitem(globals(), "SCALE", float("2.0"))  # another object, the same value
    assert grad(1.0) == (2.0,)
    assert len(builds) == compiled


def test_rebound_callee_is_compiled_again(builds, monkeypatch):
    grad = zyg.compile_grad(calls_helper)
    assert grad(3.0) == (6.0,)
    monkeypatch.setitem(globals(), "helper", cube)
    assert grad(3.0) == (27.0,)


def test_a_global_that_shadows_a_builtin(builds, monkeypatch):
    jit = zyg.jit(uses_abs)
    assert jit(2.0) == 4.0
    monkeypatch.setitem(globals(), "abs", negate)
    assert jit(2.0) == uses_abs(2.0) == -4.0


def negate(x):
    return -x


def test_closure_variable_change_is_seen(builds):
    factor = 2.0

    def f(x):
        return factor * x

    grad = zyg.compile_grad(f)
    assert grad(1.0) == (2.0,)
    factor = 5.0  # noqa: F841 (read through f's closure)
    assert grad(1.0) == (5.0,)


def test_new_default_arguments_of_a_callee_are_seen(builds):
    def g(x, k=2.0):
        return k * x

    def f(x):
        return g(x)

    jit = zyg.jit(f)
    assert jit(1.0) == 2.0
    g.__defaults__ = (7.0,)
    assert jit(1.0) == 7.0


def test_module_attribute_rebinding_is_seen(builds, monkeypatch):
    fake_math = types.ModuleType("fake_math")
    fake_math.sin, fake_math.cos = math.sin, math.cos
    monkeypatch.setitem(globals(), "trig", fake_math)
    grad = zyg.compile_grad(uses_trig)
    assert grad(0.0) == (1.0,)
    monkeypatch.setattr(fake_math, "sin", math.cos)
    assert grad(0.0) == (0.0,)


def uses_trig(x):
    return trig.sin(x)  # noqa: F821 (bound by the test)
