"""The native call path (issue 15, item 3): the generated `<entry>_python` builtins read NumPy arrays and
Python numbers themselves and build the results, Python converting only what they do not take as it
is; the fast path of `zyg.fast_path` calls them directly."""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest
import zyg
from zyg.errors import ZygTypeError


def three_arrays(a, b, c):
    return np.sum(a * b) + np.sum(c)


def twice(x):
    y = x * 2.0
    return y, y


def scaled(x, n):
    return x * n


def flag(x, b):
    return x if b else -x


def dict_of_arrays(params):
    total = 0.0
    for key in params:
        total = total + np.sum(params[key] ** 2)
    return total


def _resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads the resident size from /proc")
def test_results_own_their_buffers_and_free_them():
    grad = zyg.compile_grad(three_arrays)
    args = tuple(np.full(64, float(k)) for k in range(3))
    for _ in range(1000):
        grad(*args)
    gc.collect()
    before = _resident_bytes()
    for _ in range(100_000):
        grad(*args)
    gc.collect()
    # Three 512-byte buffers a call: 150 MB if they leaked.
    assert _resident_bytes() - before < 8 << 20


def test_results_that_share_a_buffer_share_its_owner():
    compiled = zyg.jit(twice)
    first, second = compiled(np.arange(3.0))
    assert first.base is second.base  # one capsule frees the buffer once, after both arrays
    del first
    gc.collect()
    np.testing.assert_array_equal(second, [0.0, 2.0, 4.0])
    for _ in range(10_000):  # a double free would abort
        compiled(np.arange(3.0))


def test_results_are_writeable_arrays_with_their_flags_right():
    (ga, gb, gc_) = zyg.compile_grad(three_arrays)(np.ones(3), np.full(3, 2.0), np.ones(3))
    assert type(ga) is np.ndarray and ga.dtype == np.float64 and ga.flags.writeable and ga.flags.c_contiguous
    ga[0] = 7.0
    np.testing.assert_array_equal(ga, [7.0, 2.0, 2.0])
    np.testing.assert_array_equal(gb, [1.0, 1.0, 1.0])


@pytest.mark.parametrize("make", [
    lambda: np.arange(12.0)[::3],  # not contiguous
    lambda: np.arange(12.0).reshape(3, 4)[:, 1],  # a column
    lambda: np.arange(4.0)[::-1],  # negative strides
], ids=["strided", "column", "reversed"])
def test_strided_arguments_pass_in_place(make):
    x = make()
    grad = zyg.compile_grad(three_arrays)
    got = grad(x, np.ones(len(x)), np.ones(len(x)))
    np.testing.assert_array_equal(got[0], np.ones(len(x)))
    np.testing.assert_array_equal(got[1], x)


def test_read_only_and_empty_arguments():
    x = np.arange(3.0)
    x.setflags(write=False)
    g = zyg.compile_grad(three_arrays)
    np.testing.assert_array_equal(g(x, x, x)[0], x)
    empty = np.ones(0)
    result = g(empty, empty, empty)
    assert all(r.shape == (0,) for r in result)


class Tagged(np.ndarray):
    pass


def test_a_subclass_or_a_dtype_with_metadata_is_passed_as_an_array():
    g = zyg.compile_grad(three_arrays)
    x = np.arange(3.0)
    tagged = x.view(Tagged)
    described = x.view(np.dtype(np.float64, metadata={"unit": "m"}))
    for value in (tagged, described, np.asarray(x)):
        np.testing.assert_array_equal(g(value, x, x)[1], x)


def test_a_wrong_dtype_at_the_native_entry_says_what_it_expected():
    compiled = zyg.jit(three_arrays)
    compiled(np.ones(2), np.ones(2), np.ones(2))
    native = next(iter(compiled._seen.values()))[0].native
    with pytest.raises(ZygTypeError, match="expected a float64 array of rank 1, got a int32 array of rank 1"):
        native(np.ones(2, np.int32), np.ones(2), np.ones(2))
    with pytest.raises(ZygTypeError, match="strides are not a multiple"):
        native(np.lib.stride_tricks.as_strided(np.ones(4), shape=(2,), strides=(4,)), np.ones(2), np.ones(2))


def test_odd_strides_are_refused():
    raw = np.zeros(8 * 3 + 1, np.uint8)
    odd = np.ndarray((3,), np.float64, raw, 1)  # misaligned but whole strides: passes
    assert zyg.jit(three_arrays)(odd, odd, odd) == 0.0
    halfway = np.lib.stride_tricks.as_strided(odd, strides=(4,))
    with pytest.raises(ZygTypeError, match="strides are not a multiple"):
        zyg.jit(three_arrays)(halfway, odd, odd)


def test_ints_beyond_int64_raise_overflow_error():
    compiled = zyg.jit(scaled)
    assert compiled(2.0, 3) == 6.0
    with pytest.raises(OverflowError, match="does not fit in int64"):
        compiled(2.0, 2**63)
    with pytest.raises(OverflowError, match="does not fit in int64"):
        compiled(2.0, -(2**63) - 1)
    assert compiled(1.0, 2**63 - 1) == float(2**63 - 1)


def test_numpy_scalars_bools_and_ints_choose_their_compiles():
    compiled = zyg.jit(flag)
    assert compiled(2.0, True) == 2.0
    assert compiled(2.0, False) == -2.0
    assert compiled(np.float64(3.0), True) == 3.0
    assert compiled(2.0, 1) == 2.0  # an int is another signature, not a bool
    assert compiled(2.0, np.bool_(False)) == -2.0
    assert zyg.jit(scaled)(2.0, np.int64(4)) == 8.0


def test_the_fast_path_serves_dicts_of_arrays_and_follows_their_keys():
    grad = zyg.compile_grad(dict_of_arrays)
    params = {"b": np.ones(2), "a": np.full(2, 3.0)}
    first = grad(params)
    second = grad(params)
    assert list(second[0]) == ["b", "a"]
    np.testing.assert_array_equal(second[0]["a"], [6.0, 6.0])
    np.testing.assert_array_equal(first[0]["b"], second[0]["b"])
    swapped = grad({"a": np.full(2, 3.0), "b": np.ones(2)})  # another order: another signature
    assert list(swapped[0]) == ["a", "b"]
    assert list(grad({"a": np.ones(2)})[0]) == ["a"]


def test_a_wrong_argument_count_on_the_fast_path_raises_as_before():
    grad = zyg.compile_grad(scaled)
    grad(1.0, 2)
    with pytest.raises(ZygTypeError, match="takes 2 arguments, got 3"):
        grad(1.0, 2, 3)
    with pytest.raises(TypeError):
        grad(1.0, n=2)
