"""Free data: globals and closure variables holding arrays (or containers of them) are hidden
arguments of the compiled code, read at each call and never compiled in; `zyg.Params` differentiates
with respect to them (Zygote's implicit parameters)."""

import dataclasses

import numpy as np
import pytest
import zyg
import zyg.build
from treecheck import check_tree_grads

W = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0]])
B = np.array([0.1, -0.2])
MODEL = {"W": np.ones((2, 3)), "b": np.zeros(2), "name": "affine"}


@dataclasses.dataclass
class Layer:
    kernel: np.ndarray
    bias: np.ndarray


LAYER = Layer(np.eye(2) * 0.5, np.array([1.0, -1.0]))


def affine(x):
    return np.sum(np.tanh(W @ x + B))


def affine_of_the_model(x):
    return np.sum(MODEL["W"] @ x + MODEL["b"]) * len(MODEL["name"])


def calls_a_reader(x):
    return affine(x) * 2.0 + np.sum(LAYER.kernel @ x[:2] + LAYER.bias)


def _recursive_reader(x, n):
    if n == 0:
        return np.sum(B * x[:2])
    return _recursive_reader(x * 0.5, n - 1) + np.sum(W[0] * x)


def recursive_reader(x):
    return _recursive_reader(x, 3)


@pytest.fixture
def builds(monkeypatch):
    """Counts the compiles that reach the builder (none is served from the disk cache)."""
    monkeypatch.setenv("ZYG_CACHE", "0")
    count = [0]
    original = zyg.build.build_request

    def counting(*args, **kwargs):
        count[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(zyg.build, "build_request", counting)
    zyg.compiler._CACHE.clear()
    return count


@pytest.mark.parametrize("f", [affine, affine_of_the_model, calls_a_reader, recursive_reader])
def test_functions_reading_global_arrays_match_python_and_finite_differences(f):
    check_tree_grads(f, (np.array([0.3, -0.4, 0.8]),))


def test_a_global_array_is_read_at_each_call_without_compiling_again(builds, monkeypatch):
    x = np.array([0.3, -0.4, 0.8])
    f = zyg.jit(affine)
    assert f(x) == pytest.approx(affine(x))
    saved = W.copy()
    try:
        W[0, 0] = 5.0  # an in-place update: the same object, new values
        assert f(x) == pytest.approx(affine(x))
        monkeypatch.setitem(globals(), "W", np.zeros((2, 3)))  # rebound to another array of one shape
        assert f(x) == pytest.approx(affine(x))
    finally:
        W[...] = saved
    assert builds[0] == 1  # no compile serves a value: the data is an argument


def test_a_global_container_of_another_structure_compiles_again(builds, monkeypatch):
    x = np.array([0.3, -0.4, 0.8])
    f = zyg.jit(affine_of_the_model)
    assert f(x) == pytest.approx(affine_of_the_model(x))
    monkeypatch.setitem(MODEL, "W", np.full((2, 3), 2.0))
    assert f(x) == pytest.approx(affine_of_the_model(x))
    assert builds[0] == 1
    monkeypatch.setitem(MODEL, "name", "longer name")  # a str leaf: another structure
    assert f(x) == pytest.approx(affine_of_the_model(x))
    monkeypatch.setitem(MODEL, "extra", np.ones(1))  # another key: another structure
    assert f(x) == pytest.approx(affine_of_the_model(x))
    assert builds[0] == 3


def test_a_closure_variable_holding_an_array_is_read_at_each_call():
    def make(matrix):
        def apply(x):
            return np.sum(matrix @ x)
        return apply

    x = np.ones(3)
    assert zyg.jit(make(np.eye(3) * 2.0))(x) == 6.0
    assert zyg.jit(make(np.eye(3) * 3.0))(x) == 9.0
    np.testing.assert_array_equal(zyg.gradient(make(np.eye(3) * 2.0), x)[0], [2.0, 2.0, 2.0])


def test_updating_a_global_array_in_place_is_rejected():
    def bumps(x):
        W[0, 0] = x  # NumPy would change the module's W
        return np.sum(W)

    with pytest.raises(zyg.UnsupportedSyntaxError, match="'W'"):
        zyg.jit(bumps)(1.0)


def test_params_gradient_maps_each_array_to_its_gradient():
    x = np.array([0.3, -0.4, 0.8])
    grads = zyg.gradient(lambda: calls_a_reader(x), zyg.Params([W, B, LAYER.kernel]))
    assert isinstance(grads, zyg.Grads) and len(grads) == 3
    t = 1.0 - np.tanh(W @ x + B) ** 2
    np.testing.assert_allclose(grads[W], 2.0 * np.outer(t, x), rtol=1e-12)
    np.testing.assert_allclose(grads[B], 2.0 * t, rtol=1e-12)
    np.testing.assert_allclose(grads[LAYER.kernel], np.outer(np.ones(2), x[:2]), rtol=1e-12)
    with pytest.raises(KeyError):
        grads[W.copy()]  # by identity, not value


def test_params_with_arguments_and_an_unread_array():
    unused = np.ones(4)
    grads = zyg.gradient(lambda v: affine(v) * 3.0, np.array([0.3, -0.4, 0.8]), zyg.Params([B, unused]))
    assert grads[unused] is None
    t = 1.0 - np.tanh(W @ np.array([0.3, -0.4, 0.8]) + B) ** 2
    np.testing.assert_allclose(grads[B], 3.0 * t, rtol=1e-12)


def test_params_rejects_what_is_not_a_float_array():
    with pytest.raises(zyg.ZygTypeError, match="item 1 is an array of int64"):
        zyg.Params([W, np.arange(3)])
