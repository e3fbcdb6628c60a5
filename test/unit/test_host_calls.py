"""Host calls (issue 12): `print`, clocks and `zyg.host` functions called back from compiled code, in
program order, once per execution, in the forward sweep only; their results are constants to the
autodiff; an exception inside one reaches the caller as that exception."""

from __future__ import annotations

import time

import numpy as np
import pytest
import zyg

seen: list = []
record = zyg.host(seen.append)
tenfold = zyg.host(lambda v: v * 10.0, returns=float)
count_calls = zyg.host(lambda: len(seen), returns=int)
explode = zyg.host(lambda v: 1 / 0)


def smoothed(xs, rate):
    avg = 0.0

    def update(v):
        nonlocal avg
        avg = (1.0 - rate) * avg + rate * v

    for v in xs:
        update(v)
        print("avg so far", avg)
    return avg


def test_print_runs_in_order_once_per_execution(capsys):
    assert zyg.jit(smoothed)([1.0, 2.0, 3.0], 0.5) == 2.125
    assert capsys.readouterr().out == "avg so far 0.5\navg so far 1.25\navg so far 2.125\n"
    assert zyg.gradient(smoothed, [1.0, 2.0, 3.0], 0.5) == ([0.125, 0.25, 0.5], 2.75)
    assert capsys.readouterr().out == "avg so far 0.5\navg so far 1.25\navg so far 2.125\n"  # forward only


def branches_and_loops(x, n):
    total = 0.0
    k = 0
    while k < n:
        if k % 2 == 0:
            print("even", k, total, sep=":")
        else:
            print("odd", (k, total > 1.0), end=";\n")
        total = total + x * k
        k = k + 1
    return total


def test_print_in_branches_and_a_while_loop_prints_what_python_prints(capsys):
    zyg.jit(branches_and_loops)(0.5, 4)
    compiled = capsys.readouterr().out
    branches_and_loops(0.5, 4)
    assert compiled == capsys.readouterr().out == "even:0:0.0\nodd (1, False);\neven:2:0.5\nodd (3, True);\n"


def traced(x, n):
    t = 0.0
    for i in range(n):
        t = t + x * i
        record((i, t, None))
    return t + tenfold(x) * x


def test_a_host_function_sees_numbers_and_structures_and_its_result_is_a_constant():
    seen.clear()
    assert zyg.gradient(traced, 2.0, 3) == (3.0 + 20.0, None)  # d/dx of (tenfold(x) * x) with tenfold constant
    assert seen == [(0, 0.0, None), (1, 2.0, None), (2, 6.0, None)]
    assert zyg.jit(lambda x: count_calls() + x)(1.0) == 4.0


def test_a_pullback_runs_host_calls_in_its_forward_sweep_only():
    seen.clear()
    _, back = zyg.pullback(traced, 2.0, 2)
    assert len(seen) == 2
    back(1.0)
    back(2.0)
    assert len(seen) == 2


def test_an_exception_in_a_host_call_reaches_the_caller():
    def f(x):
        explode(x)
        return x

    with pytest.raises(ZeroDivisionError):
        zyg.jit(f)(1.0)
    assert zyg.jit(lambda x: x * 2.0)(1.0) == 2.0  # the next call runs normally


def test_a_clock_reads_the_time():
    def elapsed(x):
        start = time.perf_counter()
        return x + (time.perf_counter() - start) * 0.0, start

    value, start = zyg.jit(elapsed)(1.0)
    assert value == 1.0 and abs(start - time.perf_counter()) < 60.0


def shown(x, w):
    y = np.tanh(w @ x)
    print("y =", y, "sum", np.sum(y), y > 0.5, y.astype(np.float32))
    record((w, 2.0))
    print(f"x: {x}")
    return np.sum(y * y)


def test_arrays_reach_host_calls_as_copies(capsys):
    w = np.arange(6.0).reshape(2, 3) / 10
    seen.clear()
    grads = zyg.gradient(shown, np.ones(3), w)
    compiled = capsys.readouterr().out
    assert shown(np.ones(3), w) == pytest.approx(float(np.sum(np.tanh(w @ np.ones(3)) ** 2)))
    assert compiled == capsys.readouterr().out
    np.testing.assert_array_equal(seen[0][0], w)
    assert seen[0][0] is not w and seen[0][1] == 2.0
    np.testing.assert_allclose(grads[1], np.outer(2 * np.tanh(w @ np.ones(3)) / np.cosh(w @ np.ones(3)) ** 2,
                                                  np.ones(3)))


ramp = zyg.host(lambda n: np.linspace(0.0, 1.0, n), returns=zyg.Array(1))
split = zyg.host(lambda a: (a * 2.0, float(np.sum(a)), a > 0, {"n": a.size}),
                 returns=(zyg.Array(1), float, zyg.Array(1, bool), {"n": int}))
table = zyg.host(lambda rows: np.arange(3.0 * rows).reshape(rows, 3).astype(np.float32),
                 returns=zyg.Array(2, np.float32))
named = zyg.host(lambda i: ["a", "b"][i], returns=str)


def weighted(x):
    doubled, total, positive, size = split(x)
    return np.sum(np.where(positive, x * doubled, 0.0)) * total + size["n"]


def growing(x, n):
    t = 0.0
    for i in range(n):  # a fresh shape on each iteration
        t = t + np.sum(ramp(100 * (i + 1)) * x)
    return t


def test_host_functions_return_arrays_and_structures_as_constants():
    np.testing.assert_allclose(zyg.gradient(lambda x: np.sum(x * ramp(3)), np.ones(3))[0], [0.0, 0.5, 1.0])
    x = np.array([1.0, -2.0, 3.0])
    assert zyg.jit(weighted)(x) == pytest.approx(weighted(x))
    np.testing.assert_allclose(zyg.gradient(weighted, x)[0], [4.0, 0.0, 12.0])  # d, s and m are constants
    assert zyg.gradient(growing, 2.0, 4) == (pytest.approx(sum(np.sum(np.linspace(0, 1, 100 * k)) for k in range(1, 5))),
                                             None)
    rows = zyg.jit(lambda k: table(k) * 2.0)(4)
    assert rows.dtype == np.float32 and rows.shape == (4, 3) and rows[3, 2] == 22.0
    assert zyg.jit(lambda i: 1.0 if named(i) == "b" else 0.0)(1) == 1.0


def test_a_host_result_that_differs_from_its_declaration_is_a_type_error():
    wrong_rank = zyg.host(lambda: np.ones((2, 2)), returns=zyg.Array(1))
    with pytest.raises(TypeError, match=r"result is a float64 array of rank 2, declared float64 array of rank 1"):
        zyg.gradient(lambda x: np.sum(wrong_rank()) * x, 1.0)
    wrong_shape = zyg.host(lambda: (1.0, 2.0), returns=(float, float, float))
    with pytest.raises(TypeError, match=r"result is tuple, not the declared structure"):
        zyg.jit(lambda x: wrong_shape()[0] * x)(1.0)
    wrong_type = zyg.host(lambda: 0.5, returns=int)
    with pytest.raises(TypeError, match=r"result is float 0.5, declared int"):
        zyg.jit(lambda x: wrong_type() * x)(1.0)
    with pytest.raises(TypeError, match=r"returns=<class 'list'> is not a result type"):
        zyg.host(print, returns=list)
    with pytest.raises(TypeError, match=r"zyg.Array: dtype must be"):
        zyg.Array(1, np.complex128)


def test_host_calls_that_zyg_cannot_make_are_named():
    with pytest.raises(zyg.ZygError, match=r"zyg.host\(f\) inside compiled code"):
        zyg.jit(lambda x: zyg.host(print)(x))(1.0)


SEED = """
import math, zyg
fs = {"sin": math.sin, "cos": math.cos, "tan": math.tan}
print(zyg.gradient(lambda x: fs[input()](x), 1.0))

def chain(x, n):
    total = 0.0
    for _ in range(n):  # a function chosen by a str read at run time, on each iteration
        name = input()
        total = total + fs[name](x * total + 0.5)
        print("applied", name)
    return total

print(zyg.gradient(chain, 0.5, 3))
print(chain(0.5, 3))

def mode(x):
    s = input()
    return 2.0 * x if s == "double" else x

print(zyg.jit(mode)(3.0), zyg.jit(mode)(3.0))
try:
    zyg.gradient(lambda x: fs[input()](x), 1.0)
except KeyError as err:
    print("KeyError", err)
"""


def test_the_seeds_dispatch_on_a_str_typed_at_the_prompt(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "seed.py"
    script.write_text(SEED)
    typed = "sin\ncos\ntan\nsin\ncos\ntan\nsin\ndouble\nhalf\nexp\n"
    out = subprocess.run([sys.executable, str(script)], input=typed, capture_output=True, text=True,
                         check=True, env={**__import__("os").environ, "ZYG_CACHE": "0"}).stdout.splitlines()
    assert out[0] == repr((float(np.cos(1.0)),))
    assert out[1:4] == ["applied cos", "applied tan", "applied sin"]
    gradient, value_lines = out[4], out[5:8]
    assert value_lines == ["applied cos", "applied tan", "applied sin"]
    x, h = 0.5, 1e-6

    def chain(v):  # the same computation, the functions as typed
        total = 0.0
        for f in (np.cos, np.tan, np.sin):
            total = total + f(v * total + 0.5)
        return total

    assert float(gradient.strip("(),").split(",")[0]) == pytest.approx((chain(x + h) - chain(x - h)) / (2 * h), rel=1e-6)
    assert float(out[8]) == pytest.approx(chain(x))
    assert out[9] == "6.0 3.0"
    assert out[10] == "KeyError 'exp'"


def test_logging_calls_run_at_run_time(caplog):
    import logging

    def logged(x):
        y = x * x
        logging.warning("y is %s after %d steps", y, 3)
        return y

    with caplog.at_level(logging.WARNING):
        assert zyg.gradient(logged, 2.0) == (4.0,)
    assert caplog.messages == ["y is 4.0 after 3 steps"]


def halving(x, n):
    for k in range(n):
        x = x * 0.5
        print(f"step {k}: x={x:.3f} ({x!r}) {k + 1:>2}/{n}")
    return x


def test_f_strings_print_what_python_prints(capsys):
    assert zyg.gradient(halving, 1.0, 3) == (0.125, None)
    compiled = capsys.readouterr().out
    halving(1.0, 3)
    assert compiled == capsys.readouterr().out
    assert zyg.jit(lambda x, k: f"{k:>3}|{x:8.2e}|{x!s}")(12.5, 7) == f"{7:>3}|{12.5:8.2e}|{12.5!s}"


def test_an_f_string_is_only_rendered_where_python_sees_it():
    with pytest.raises(zyg.ZygError, match="len\\(\\) of a str made at run time"):
        zyg.jit(lambda x: len(f"{x}"))(1.0)
    with pytest.raises(zyg.ZygError, match="`==` of an f-string in compiled code"):
        zyg.jit(lambda x: f"{x}" == "1.0")(1.0)
