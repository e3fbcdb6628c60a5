"""Checkpointing: `zyg.checkpoint(f)` calls and `zyg.checkpointed(...)` loops give the gradient of the
plain code (to rounding), match finite differences, change nothing when not differentiated, and keep
O(sqrt n) saved values for an n-step loop."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
import zyg
from gradcheck import check_grads

from bench.checkpoint import run_variant

# --------------------------------------------------------------------------------------------------
# Pairs: the plain function and its checkpointed twin
# --------------------------------------------------------------------------------------------------


def for_plain(x, n):
    for i in range(n):
        x = math.sin(x) * 0.9 + 0.2 * x + 0.01 * i
    return x


def for_ckpt(x, n):
    for i in zyg.checkpointed(range(n)):
        x = math.sin(x) * 0.9 + 0.2 * x + 0.01 * i
    return x


def range_plain(x, n):
    y = 0.0
    for i in range(3, n, 2):
        y = y * math.cos(x) + x * i
    return y


def range_ckpt(x, n):
    y = 0.0
    for i in zyg.checkpointed(range(3, n, 2)):
        y = y * math.cos(x) + x * i
    return y


def known_plain(x):
    acc = x
    for _ in range(12):
        acc = acc * math.tanh(acc + x) + 0.5
    return acc


def known_ckpt(x):
    acc = x
    for _ in zyg.checkpointed(range(12)):
        acc = acc * math.tanh(acc + x) + 0.5
    return acc


def while_plain(x):
    while x < 100.0:
        x = x * 1.1 + 0.1 * math.sin(x)
    return x


def while_ckpt(x):
    while zyg.checkpointed(x < 100.0):
        x = x * 1.1 + 0.1 * math.sin(x)
    return x


def break_plain(x, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(x * i)
        if s > 2.0:
            break
    return s * x


def break_ckpt(x, n):
    s = 0.0
    for i in zyg.checkpointed(range(n)):
        s = s + math.sin(x * i)
        if s > 2.0:
            break
    return s * x


def nested_plain(x, n):
    for i in range(n):
        y = x
        for j in range(i + 1):
            y = math.sin(y) + 0.01 * j
        x = 0.5 * x + y
    return x


def nested_ckpt(x, n):
    for i in zyg.checkpointed(range(n)):
        y = x
        for j in zyg.checkpointed(range(i + 1)):
            y = math.sin(y) + 0.01 * j
        x = 0.5 * x + y
    return x


def inner_ckpt(x, n):  # only the inner loop checkpointed
    for i in range(n):
        y = x
        for j in zyg.checkpointed(range(i + 1)):
            y = math.sin(y) + 0.01 * j
        x = 0.5 * x + y
    return x


def helper_loop(x, w, n):
    for _ in zyg.checkpointed(range(n)):
        x = math.tanh(w * x + 0.1)
    return x


def helper_plain(x, w, n):
    for _ in range(n):
        x = math.tanh(w * x + 0.1)
    return x


def calls_helper_ckpt(x, w, n):
    return helper_loop(x, w, n) * helper_loop(w, x, n)


def calls_helper_plain(x, w, n):
    return helper_plain(x, w, n) * helper_plain(w, x, n)


PAIRS = [
    (for_plain, for_ckpt, [(0.3, n) for n in (0, 1, 2, 3, 7, 10, 17, 50)]),
    (range_plain, range_ckpt, [(0.7, n) for n in (0, 3, 4, 6, 20, 31)]),
    (known_plain, known_ckpt, [(0.2,), (-0.4,)]),
    (while_plain, while_ckpt, [(1.0,), (50.0,), (99.0,), (150.0,)]),
    (break_plain, break_ckpt, [(0.3, 0), (0.3, 5), (0.3, 40), (1.3, 40)]),
    (nested_plain, nested_ckpt, [(0.4, 0), (0.4, 1), (0.4, 6)]),
    (nested_plain, inner_ckpt, [(0.4, 6)]),
    (calls_helper_plain, calls_helper_ckpt, [(0.3, 0.8, 0), (0.3, 0.8, 11)]),
]
CASES = [(plain, ckpt, args) for plain, ckpt, arg_list in PAIRS for args in arg_list]


@pytest.mark.parametrize("plain, ckpt, args", CASES, ids=[f"{c.__name__}{a}" for _, c, a in CASES])
def test_checkpointed_loop_gives_the_plain_gradient(plain, ckpt, args):
    expected = zyg.gradient(plain, *args)
    actual = check_grads(ckpt, args)
    assert actual == pytest.approx(expected, rel=1e-12, abs=1e-15)


# --------------------------------------------------------------------------------------------------
# Arrays: carried array state, loops over the rows of an array
# --------------------------------------------------------------------------------------------------


def rnn_plain(h, w, xs):
    for row in xs:
        h = np.tanh(w @ h + row)
    return np.sum(h * h)


def rnn_ckpt(h, w, xs):
    for row in zyg.checkpointed(xs):
        h = np.tanh(w @ h + row)
    return np.sum(h * h)


def array_while_plain(x):
    while np.sum(x) < 10.0:
        x = x * 1.3 + np.sin(x) * 0.1
    return np.sum(x * x)


def array_while_ckpt(x):
    while zyg.checkpointed(np.sum(x) < 10.0):
        x = x * 1.3 + np.sin(x) * 0.1
    return np.sum(x * x)


def test_checkpointed_loop_over_rows_carrying_an_array():
    rng = np.random.default_rng(0)
    h, w, xs = rng.normal(size=3), rng.normal(size=(3, 3)) * 0.5, rng.normal(size=(11, 3))
    expected = zyg.gradient(rnn_plain, h, w, xs)
    actual = zyg.gradient(rnn_ckpt, h, w, xs)
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-15)
    eps = 1e-6
    bump = np.zeros_like(w)
    bump[1, 2] = eps
    fd = (rnn_plain(h, w + bump, xs) - rnn_plain(h, w - bump, xs)) / (2 * eps)
    assert actual[1][1, 2] == pytest.approx(fd, rel=1e-5)


def test_checkpointed_while_loop_carrying_an_array():
    x = np.array([0.1, 0.5, 0.2])
    np.testing.assert_allclose(zyg.gradient(array_while_ckpt, x)[0], zyg.gradient(array_while_plain, x)[0],
                               rtol=1e-12)


# --------------------------------------------------------------------------------------------------
# Checkpointed functions
# --------------------------------------------------------------------------------------------------


@zyg.checkpoint
def layer(x, w):
    return math.sin(w * x) * x + w


def layer_plain(x, w):
    return math.sin(w * x) * x + w


@zyg.checkpoint
def scaled(v, k):
    for _ in range(k):
        v = np.sin(v) * 1.1
    return v


def deep_ckpt(x, w, n):
    for _ in range(n):
        x = layer(x, w)
    return x


def deep_plain(x, w, n):
    for _ in range(n):
        x = layer_plain(x, w)
    return x


def both_ckpt(x, w, n):  # a checkpointed function called in a checkpointed loop
    for _ in zyg.checkpointed(range(n)):
        x = layer(x, w)
    return x


def array_call(v, k):
    return np.sum(scaled(v, k) * v)


def array_call_plain(v, k):
    u = v
    for _ in range(k):
        u = np.sin(u) * 1.1
    return np.sum(u * v)


@pytest.mark.parametrize("ckpt", [deep_ckpt, both_ckpt])
@pytest.mark.parametrize("n", [0, 1, 9])
def test_checkpointed_function_gives_the_plain_gradient(ckpt, n):
    args = (0.6, 1.3, n)
    assert check_grads(ckpt, args) == pytest.approx(zyg.gradient(deep_plain, *args), rel=1e-12)


def test_checkpointed_function_of_an_array():
    v = np.array([0.3, -0.2, 1.1])
    np.testing.assert_allclose(zyg.gradient(array_call, v, 4)[0], zyg.gradient(array_call_plain, v, 4)[0],
                               rtol=1e-12)


def test_checkpoint_is_the_function_in_python():
    assert layer(0.5, 2.0) == layer_plain(0.5, 2.0)
    assert layer.__name__ == "layer"
    assert list(zyg.checkpointed(range(3))) == [0, 1, 2]


# --------------------------------------------------------------------------------------------------
# Not differentiated: a no-op
# --------------------------------------------------------------------------------------------------


def test_checkpointing_changes_nothing_without_differentiation():
    compiled = zyg.jit(for_ckpt)
    assert compiled(0.3, 10) == for_ckpt(0.3, 10)
    ir = compiled.ir("ad", 0.3, 10)
    assert "segment" not in ir and "ad.checkpoint" not in ir
    assert zyg.jit(deep_ckpt)(0.6, 1.3, 4) == deep_plain(0.6, 1.3, 4)


def test_differentiated_loop_runs_in_segments():
    ir = zyg.compile_grad(for_ckpt).ir("ad", 0.3, 10)
    assert "@for_ckpt_f64_i64_segment0_fwd" in ir  # the pullback reruns a segment...
    assert "math.sqrt" in ir  # ...of ceil(sqrt(n)) iterations
    assert "ad.checkpoint" not in ir


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


def marker_outside_a_loop(x, n):
    steps = zyg.checkpointed(range(n))
    return x * len(steps)


def test_negative_checkpointed_outside_a_loop_header():
    with pytest.raises(zyg.UnsupportedSyntaxError) as info:
        zyg.gradient(marker_outside_a_loop, 1.0, 3)
    message = str(info.value)
    line = marker_outside_a_loop.__code__.co_firstlineno + 1
    assert f"{os.path.abspath(__file__)}:{line}:" in message
    assert "zyg.checkpointed() marks a loop" in message
    assert "zyg/frontend" not in message


def checkpoint_inside(x):
    return zyg.checkpoint(layer_plain)(x, 2.0)


def test_negative_checkpoint_applied_in_compiled_code():
    with pytest.raises(zyg.UnsupportedSyntaxError) as info:
        zyg.gradient(checkpoint_inside, 1.0)
    message = str(info.value)
    assert f"{os.path.abspath(__file__)}:{checkpoint_inside.__code__.co_firstlineno + 1}:" in message
    assert "apply it where the function is defined" in message


# --------------------------------------------------------------------------------------------------
# Memory: O(sqrt n) saved values instead of O(n)
# --------------------------------------------------------------------------------------------------


def test_checkpointed_loop_saves_o_sqrt_n_values():
    """The plain gradient of a 10^6-step loop keeps two 8-byte tape slots per step (16 MB at least);
    the checkpointed one keeps ~1000 states and one ~1000-step segment's slots (tens of KB). Peak
    resident memory of one gradient call, each in a fresh process (`bench.checkpoint`); no timing."""
    plain = run_variant("zyg plain", 1_000_000)
    checkpointed = run_variant("zyg checkpointed", 1_000_000)
    if plain["peak_mib"] is None:
        pytest.skip("no /proc/self/clear_refs to reset the peak resident set size (Linux only)")
    assert plain["peak_mib"] > 8, plain
    assert checkpointed["peak_mib"] < 1, checkpointed
    assert checkpointed["gradient"] == pytest.approx(plain["gradient"], rel=1e-12)
