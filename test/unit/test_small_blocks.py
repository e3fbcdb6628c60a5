"""The pool of small blocks (`zyg.backend.small_blocks`): buffers of at most 512 bytes come from the
module's own region; what Python gets is a malloc copy it owns, and a failed call or `try` body gives
the pool back what it took."""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest
import zyg


def rotate(x, angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([c * x[0] - s * x[1], s * x[0] + c * x[1]])


def views(x):
    y = np.exp(x)
    return y, y[1:], y


def residuals(points, angles):
    total = 0.0
    for i in range(angles.shape[0]):
        r = rotate(points[i], angles[i]) - points[i]
        total += np.sum(r * r)
    return total


def guarded(x, n):
    total = 0.0
    for k in range(n):
        try:
            y = x * float(k) + 1.0  # small buffers, then a failure while they are alive
            total = total + np.sum(y) + x[k + 3]
        except IndexError:
            total = total - 1.0
    return total


def raising(x, k):
    y = np.sin(x) * 2.0
    return np.sum(y * y) + x[k]


def _resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_small_results_are_their_own_and_outlive_later_calls():
    compiled = zyg.jit(rotate)
    first = compiled(np.array([1.0, 0.0]), 0.5)
    kept = first.copy()
    for k in range(1000):  # the pool reuses its blocks: a result still in it would be overwritten
        compiled(np.array([float(k), 1.0]), 0.1 * k)
    np.testing.assert_array_equal(first, kept)
    first[0] = 7.0  # writeable, and nobody else's
    np.testing.assert_array_equal(compiled(np.array([1.0, 0.0]), 0.5), kept)


def test_results_of_one_small_buffer_share_one_copy():
    y, tail, again = zyg.jit(views)(np.arange(3.0))
    assert y.base is again.base  # one copy, freed once after both arrays
    y[0] = 5.0
    assert again[0] == 5.0
    np.testing.assert_allclose(tail, np.exp([1.0, 2.0]))


def test_gradient_of_small_arrays_in_a_loop_matches_finite_differences():
    rng = np.random.default_rng(3)
    points, angles = rng.normal(size=(40, 2)), rng.normal(size=40)
    gp, ga = zyg.compile_grad(residuals, argnums=(0, 1))(points, angles)
    eps = 1e-6
    for index in [(0, 0), (7, 1), (39, 0)]:
        step = np.zeros_like(points)
        step[index] = eps
        fd = (residuals(points + step, angles) - residuals(points - step, angles)) / (2 * eps)
        assert gp[index] == pytest.approx(fd, rel=1e-6, abs=1e-8)
    step = np.zeros_like(angles)
    step[5] = eps
    fd = (residuals(points, angles + step) - residuals(points, angles - step)) / (2 * eps)
    assert ga[5] == pytest.approx(fd, rel=1e-6, abs=1e-8)


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads the resident size from /proc")
def test_failures_give_the_pool_back_its_blocks():
    x = np.ones(4)
    caught = zyg.compile_grad(guarded, argnums=0)
    escaping = zyg.compile_grad(raising, argnums=0)
    # k = 0: the sum of (x * 0 + 1) and x[3], k = 1..3 fail after `y` is made: 1 at x[3]
    np.testing.assert_array_equal(caught(x, 4), [0.0, 0.0, 0.0, 1.0])
    with pytest.raises(IndexError):
        escaping(x, 9)
    gc.collect()
    before = _resident_bytes()
    for _ in range(20_000):
        caught(x, 6)  # five failures caught a call, each with small buffers alive
        with pytest.raises(IndexError):
            escaping(x, 9)
    gc.collect()
    # Leaking, each round would keep a dozen 64-byte blocks: about 7 MB.
    assert _resident_bytes() - before < 2 << 20


def head_energy(x, k):
    v = x[:k] * 2.0  # a length known only at run time: a stack slot up to 8 items, else the heap
    w = np.sin(v) + v
    return np.sum(w * w)


def head_of(x, k):
    return np.cos(x[:k]) * 3.0  # returned: never a stack slot


def test_short_runtime_lengths_use_the_stack_and_long_ones_the_heap():
    rng = np.random.default_rng(4)
    grad = zyg.compile_grad(head_energy, argnums=0)
    compiled = zyg.jit(head_of)
    for n, k in ((3, 3), (8, 8), (9, 9), (40, 33), (5, 0)):
        x = rng.normal(size=n)
        v = x[:k] * 2.0
        expected = np.zeros(n)
        expected[:k] = 2.0 * (2.0 * (np.sin(v) + v) * (np.cos(v) + 1.0))
        np.testing.assert_allclose(grad(x, k), expected, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(compiled(x, k), np.cos(x[:k]) * 3.0, rtol=1e-15)
