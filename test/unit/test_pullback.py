"""`zyg.pullback`: one forward sweep, then any number of backward sweeps reading what it saved.

Each case calls `back` with several cotangents and checks every result against central finite
differences of the cotangent-weighted output; the backward sweeps must see the forward's values even
when the arguments or the globals the function read change after it.
"""

from __future__ import annotations

import dataclasses
import gc

import numpy as np
import pytest
import zyg
from zyg import api, compiler, disk_cache

STEP = 1e-6


def _weighted(f, ct):
    """`x -> <ct, f(x)>` for an output that is a float, an array or a tuple/list of them."""

    def weighted(*args):
        out = f(*args)
        parts, weights = (out, ct) if isinstance(out, (tuple, list)) else ((out,), (ct,))
        return sum(float(np.sum(np.asarray(o) * w)) for o, w in zip(parts, weights) if w is not None)

    return weighted


def _central_difference(f, args, index):
    """The gradient of scalar `f` with respect to float argument `index` (a float or an array)."""
    x = args[index]
    if isinstance(x, float):
        up, down = list(args), list(args)
        up[index], down[index] = x + STEP, x - STEP
        return (f(*up) - f(*down)) / (2 * STEP)
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += STEP
        down[k] -= STEP
        grad[k] = (f(*args[:index], up, *args[index + 1:]) - f(*args[:index], down, *args[index + 1:])) / (2 * STEP)
    return grad


def _check_pullback(f, args, cotangents):
    """`back(ct)` for each of `cotangents`, in turn and then again in reverse, against finite differences."""
    y, back = zyg.pullback(f, *args)
    expected_y = f(*args)
    for got, want in zip(y if isinstance(y, tuple) else (y,), expected_y if isinstance(y, tuple) else (expected_y,)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    for ct in [*cotangents, *reversed(cotangents)]:
        grads = back(ct)
        for index, arg in enumerate(args):
            if not isinstance(arg, (float, np.ndarray)):
                assert grads[index] is None
                continue
            want = _central_difference(_weighted(f, ct), args, index)
            np.testing.assert_allclose(grads[index], want, rtol=1e-5, atol=1e-6)


def sine_series(x, w):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + np.sin(x[i] * w)
    return s, x * w


def newton_sqrt(a, x0):
    x = x0
    while abs(x * x - a) > 1e-12:  # a trip count known only at run time
        x = 0.5 * (x + a / x)
    return x * np.tanh(x)


def power_by_recursion(x, n):
    if n == 0:
        return 1.0
    return x * power_by_recursion(x, n - 1)


def clipped_rows(m, v):
    out = []
    for i in range(m.shape[0]):
        row = m[i] @ v
        if row > 0.0:
            out.append(np.tanh(row) * m[i])
        else:
            out.append(m[i] * row)
    return np.stack(out)


def test_scalar_output_and_a_tuple_of_outputs():
    _check_pullback(sine_series, (np.array([0.3, -1.2, 2.0]), 0.7),
                    [(1.0, np.ones(3)), (0.0, np.array([1.0, -2.0, 0.5])), (-3.0, None)])


def test_a_while_loop_of_a_run_time_trip_count():
    _check_pullback(newton_sqrt, (2.0, 1.0), [1.0, -0.5, 4.0])


def test_recursion():
    _check_pullback(power_by_recursion, (1.3, 5), [1.0, 2.5])


def test_a_list_grown_in_a_loop_with_branches():
    m = np.array([[0.5, -1.0, 0.2], [-0.3, 0.1, 0.9], [1.5, 0.4, -0.7], [0.2, 0.2, 0.2]])
    cts = [np.ones((4, 3)), np.arange(12.0).reshape(4, 3) - 5.0]
    _check_pullback(clipped_rows, (m, np.array([0.4, -0.8, 1.1])), cts)


@dataclasses.dataclass
class Dense:
    kernel: np.ndarray
    bias: np.ndarray


def _mlp(layers, x):
    for layer in layers:
        x = np.tanh(layer.kernel @ x + layer.bias)
    return {"out": x, "norm": np.sum(x * x)}


def test_structured_arguments_and_outputs_many_times():
    rng = np.random.default_rng(0)
    layers = [Dense(rng.normal(size=(4, 3)), rng.normal(size=4)), Dense(rng.normal(size=(2, 4)), rng.normal(size=2))]
    x = rng.normal(size=3)
    y, back = zyg.pullback(_mlp, layers, x)
    for seed in range(4):
        ct = {"out": rng.normal(size=2), "norm": float(seed)}
        grads = back(ct)

        def weighted(layers, x, ct=ct):
            out = _mlp(layers, x)
            return np.sum(out["out"] * ct["out"]) + out["norm"] * ct["norm"]

        expected = zyg.gradient(weighted, layers, x)
        for got, want in zip(grads[0], expected[0]):
            np.testing.assert_allclose(got.kernel, want.kernel, rtol=1e-12)
            np.testing.assert_allclose(got.bias, want.bias, rtol=1e-12)
        np.testing.assert_allclose(grads[1], expected[1], rtol=1e-12)


def test_argnums_selects_the_gradients():
    x = np.array([0.3, -1.2, 2.0])
    _, back = zyg.pullback(sine_series, x, 0.7, argnums=1)
    want = _central_difference(_weighted(sine_series, (2.0, np.ones(3))), (x, 0.7), 1)
    np.testing.assert_allclose(back((2.0, np.ones(3))), want, rtol=1e-6)


def test_back_uses_the_values_of_the_forward_sweep():
    x = np.array([0.5, 1.5])
    y, back = zyg.pullback(lambda v: np.sum(v * v * v), x)
    x[:] = 10.0  # the argument changes after the forward sweep: the pullback is still at the old x
    np.testing.assert_allclose(back(1.0)[0], 3 * np.array([0.5, 1.5]) ** 2)
    assert y == 0.5 ** 3 + 1.5 ** 3


SCALE = np.array([2.0, 3.0])


def _scaled(x):
    return np.sum(SCALE * x * x)


def test_a_global_rebound_after_the_forward_sweep_does_not_reach_back():
    global SCALE
    x = np.array([1.0, -1.0])
    _, back = zyg.pullback(_scaled, x)
    SCALE = np.array([100.0, 100.0])
    try:
        np.testing.assert_allclose(back(1.0)[0], 2 * np.array([2.0, 3.0]) * x)
        np.testing.assert_allclose(zyg.pullback(_scaled, x)[1](1.0)[0], 200.0 * x)  # a new forward reads it
    finally:
        SCALE = np.array([2.0, 3.0])


def test_the_backward_entry_runs_no_forward_code():
    def f(x):
        return np.sum(np.exp(x) * np.sin(x))

    ir = api._pullback_function(f).ir("ad", np.ones(3))
    backward = ir[ir.index("func.func private @zyg_body_backward"):]
    backward = backward[: backward.index("\n  }\n")]
    assert "_bwd(" in backward and "_fwd(" not in backward and "math." not in backward


def test_a_run_time_error_in_the_forward_sweep_is_raised_by_pullback():
    def pick(xs, i):
        return xs[i] * 2.0

    with pytest.raises(IndexError):
        zyg.pullback(pick, np.ones(3), 5)


def test_tapes_are_freed_when_back_is_collected():
    def long_loop(x, n):
        s = 0.0
        for i in range(n):
            s = s + np.sin(x * i)
        return s

    def resident_bytes():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    zyg.pullback(long_loop, 0.1, 10)[1](1.0)  # compiled before measuring
    gc.collect()
    before = resident_bytes()
    for _ in range(40):  # each tape holds about 8 MB: 320 MB if none were freed
        _, back = zyg.pullback(long_loop, 0.1, 1_000_000)
        back(1.0)
        del back
    gc.collect()
    assert resident_bytes() - before < 100e6


def test_a_pullback_from_the_disk_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ZYG_CACHE_DIR", str(tmp_path))

    def f(x, w):
        return np.tanh(x * w), np.sum(x)

    for _ in range(2):  # built, then loaded from the disk as a new process would
        compiler._CACHE.clear()
        api._pullback_function.cache_clear()
        y, back = zyg.pullback(f, np.array([0.5, -0.5]), 2.0)
        gx, gw = back((np.array([1.0, 0.0]), 1.0))
        np.testing.assert_allclose(gx, [2.0 / np.cosh(1.0) ** 2 + 1.0, 1.0])
        np.testing.assert_allclose(gw, 0.5 / np.cosh(1.0) ** 2)
    disk_cache.wait()  # the store runs on a thread (a process waits for it at exit)
    assert len(list(tmp_path.glob("*.zyg"))) == 1
