"""`argnums`: gradients with respect to chosen arguments only, as `jax.grad(f, argnums=...)`.

Every chosen gradient is checked against central finite differences; the others are never computed
(the IR tests are in `test/filecheck/passes/ad-differentiate-wrt.mlir`).
"""

import math
import os

import numpy as np
import pytest
import zyg
from arraycheck import finite_difference
from zyg import compiler

THIS_FILE = os.path.abspath(__file__)


def scalars(x, y, z):
    return x * y + math.sin(z) * x + z * z


def weighted_loop(w, x, n):  # arrays in a loop, with an int trip count
    s = 0.0
    for _ in range(n):
        s = s + np.sum(np.tanh(w * x)) * w[0]
    return s


def dot_by_index(w, x, b):  # element reads in a loop: sparse cotangents
    s = b
    for i in range(len(w)):
        s += w[i] * x[i] * x[i]
    return s


def squared_error(w, x):
    return np.sum((x @ w - 1.0) ** 2)


def calls(w, x, b):  # calls with a varying and a constant operand each
    return squared_error(w, x) + squared_error(w * b, x * 2.0) * b


def power(x, y, n):  # recursion: the recursive call varies in x and y
    return y if n == 0 else x * power(x, y, n - 1) + y


def newton(a, x0):  # a while loop with a data-dependent trip count
    x = x0
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x * x0


_RNG = np.random.default_rng(1)
_W3, _X3 = _RNG.normal(size=3), _RNG.normal(size=3)
CASES = [
    (scalars, (0.7, -1.3, 0.4), [0, 1, 2, -1, (2, 0), (1,), (0, 1, 2)]),
    (weighted_loop, (_W3, _X3, 3), [0, 1, (1, 0)]),
    (dot_by_index, (_W3, _X3, 0.5), [0, 1, 2, (2, 1)]),
    (calls, (_W3, _RNG.normal(size=(4, 3)), 1.5), [0, 1, 2, (0, 2), (2, 1, 0)]),
    (power, (1.1, 0.6, 4), [0, 1, (1, 0)]),
    (newton, (2.0, 1.5), [0, 1, (1, 0)]),
]


def _expected(f, args, position):
    return finite_difference(f, args, position)


@pytest.mark.parametrize(("f", "args", "argnums"),
                         [(f, args, argnums) for f, args, choices in CASES for argnums in choices],
                         ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_chosen_gradients_match_finite_differences(f, args, argnums):
    grads = zyg.compile_grad(f, argnums=argnums)(*args)
    if isinstance(argnums, int):
        np.testing.assert_allclose(grads, _expected(f, args, argnums), rtol=1e-5, atol=1e-6)
        return
    assert isinstance(grads, tuple) and len(grads) == len(argnums)
    for position, grad in zip(argnums, grads):
        np.testing.assert_allclose(grad, _expected(f, args, position), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("f", "args", "choices"), CASES, ids=[f.__name__ for f, _, _ in CASES])
def test_chosen_gradients_equal_those_of_the_full_gradient(f, args, choices):
    full = zyg.compile_grad(f)(*args)
    for argnums in choices:
        grads = zyg.compile_grad(f, argnums=argnums)(*args)
        positions = (argnums,) if isinstance(argnums, int) else argnums
        grads = (grads,) if isinstance(argnums, int) else grads
        for position, grad in zip(positions, grads):
            np.testing.assert_allclose(grad, full[position], rtol=1e-12, atol=1e-14)


def test_an_int_returns_the_gradient_and_a_tuple_a_tuple_in_its_order():
    assert zyg.compile_grad(scalars)(1.0, 2.0, 0.0) == (2.0, 1.0, 1.0)
    assert zyg.compile_grad(scalars, argnums=1)(1.0, 2.0, 0.0) == 1.0
    assert zyg.compile_grad(scalars, argnums=(1,))(1.0, 2.0, 0.0) == (1.0,)
    assert zyg.compile_grad(scalars, argnums=[2, 0])(1.0, 2.0, 0.0) == (1.0, 2.0)
    assert zyg.compile_grad(scalars, argnums=-3)(1.0, 2.0, 0.0) == 2.0
    assert zyg.compile_grad(power, argnums=(1, 0))(2.0, 1.0, 2) == (7.0, 5.0)


def test_gradient_withgradient_and_pullback_take_argnums():
    assert zyg.gradient(scalars, 1.0, 2.0, 0.0, argnums=0) == 2.0
    assert zyg.gradient(scalars, 1.0, 2.0, 0.0, argnums=(2, 1)) == (1.0, 1.0)
    assert zyg.withgradient(scalars, 1.0, 2.0, 0.0, argnums=(0,)) == (2.0, (2.0,))
    y, back = zyg.pullback(scalars, 1.0, 2.0, 0.0, argnums=1)
    assert (y, back(3.0)) == (2.0, 3.0)
    y, back = zyg.pullback(power, 2.0, 1.0, 2, argnums=[0])
    assert (y, back(2.0)) == (7.0, (10.0,))


def test_each_choice_compiles_its_own_code():
    def f(w, x):
        return w * x * x

    before = compiler.cache_size()
    assert zyg.compile_grad(f, argnums=0)(2.0, 3.0) == 9.0
    assert zyg.compile_grad(f, argnums=1)(2.0, 3.0) == 12.0
    assert zyg.compile_grad(f)(2.0, 3.0) == (9.0, 12.0)
    assert compiler.cache_size() == before + 3
    # The same set of arguments in another order, or every float argument named, shares a compile.
    assert zyg.compile_grad(f, argnums=(1, 0))(2.0, 3.0) == (12.0, 9.0)
    assert zyg.compile_grad(f, argnums=(0, 1))(2.0, 3.0) == (9.0, 12.0)
    assert compiler.cache_size() == before + 3


def test_ir_shows_the_chosen_request():
    ir = zyg.compile_grad(squared_error, argnums=0).ir("ad", _W3, np.ones((2, 3)))
    assert "ad.grad" not in ir and "@zyg_body" in ir
    body = ir[ir.index("func.func private @zyg_body"):]
    body = body[:body.index("\n  }")]
    assert "-> tensor<?xf64> {" in body.splitlines()[0]  # one gradient, of w


def _definition_line(f) -> str:
    return f"{THIS_FILE}:{f.__code__.co_firstlineno}:1: error: "


@pytest.mark.parametrize(("argnums", "phrase"), [
    (3, "argnums=3 of 'scalars' names argument 3, but 'scalars' takes 3 arguments"),
    (-4, "names argument -4, but 'scalars' takes 3 arguments"),
    ((0, 3), "argnums=(0, 3) of 'scalars' names argument 3"),
    ((0, 0), "argnums=(0, 0) of 'scalars' names argument 0 more than once"),
    ((2, -1), "names argument 2 more than once"),
    ((), "argnums of 'scalars' is empty"),
    ("0", "must be an int or a tuple of ints, got '0'"),
    (1.0, "must be an int or a tuple of ints, got 1.0"),
    (True, "must be an int or a tuple of ints, got True"),
])
def test_negative_bad_argnums_fail_when_compile_grad_is_called(argnums, phrase):
    with pytest.raises(zyg.ZygTypeError) as error:
        zyg.compile_grad(scalars, argnums=argnums)
    message = str(error.value)
    assert message.startswith(_definition_line(scalars)) and phrase in message
    assert "zyg/" not in message


@pytest.mark.parametrize("entry", [
    lambda: zyg.compile_grad(weighted_loop, argnums=(0, 2))(_W3, _X3, 3),
    lambda: zyg.gradient(weighted_loop, _W3, _X3, 3, argnums=2),
    lambda: zyg.withgradient(weighted_loop, _W3, _X3, 3, argnums=[2]),
    lambda: zyg.pullback(weighted_loop, _W3, _X3, 3, argnums=-1),
])
def test_negative_an_int_argument_has_no_gradient(entry):
    with pytest.raises(zyg.ZygTypeError) as error:
        entry()
    message = str(error.value)
    assert message.startswith(_definition_line(weighted_loop))
    assert "names argument 2, an int; only float and float-array arguments have a gradient" in message


def test_negative_an_int_array_has_no_gradient():
    def gather(x, index):
        return np.sum(x[index])

    with pytest.raises(zyg.ZygTypeError, match="names argument 1, an int64 array of rank 1"):
        zyg.compile_grad(gather, argnums=1)(_X3, np.array([0, 2]))


def test_negative_bad_argnums_of_gradient_raise_before_compiling():
    with pytest.raises(zyg.ZygTypeError) as error:
        zyg.gradient(scalars, 1.0, 2.0, 3.0, argnums={})
    assert "must be an int or a tuple of ints, got {}" in str(error.value)
