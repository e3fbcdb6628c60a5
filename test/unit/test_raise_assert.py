"""`raise` and `assert` in compiled code (issue 14): the caller gets the exception CPython raises (its
class, message and arguments), with the traceback's last frame at the user's `raise`; a path that
raises ends there, and the gradient is that of the path that ran."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import traceback

import numpy as np
import pytest
import zyg
from gradcheck import check_grads


class ConvergenceError(RuntimeError):
    pass


def newton_root(a, tol):
    x, steps = a, 0
    while abs(x * x - a) > tol:
        x = 0.5 * (x + a / x)
        steps += 1
        if steps > 50:
            raise ConvergenceError(f"no convergence after {steps} steps at a={a}")
    return x


def checked_sqrt(x):
    if x > 0:
        y = math.sqrt(x)  # only this path defines y: the other raises
    else:
        raise ValueError("negative", x)
    return y * 2.0


def helper_raises(v, limit):
    if v > limit:
        raise OverflowError(f"{v:.2f} exceeds {limit}")
    return v * v


def through_a_helper(x, n):
    total = 0.0
    for k in range(n):
        total = total + helper_raises(x * k, 10.0)
    return total


def recursive(x, depth):
    if depth < 0:
        raise RecursionError("depth below zero")
    return x if depth == 0 else x * recursive(x, depth - 1)


def paired(x, y):
    assert x.shape == y.shape, f"shapes differ: {x.shape} and {y.shape}"
    assert np.max(np.abs(x)) < 1e300
    return np.sum(x * y)


def always_raises(x):
    raise KeyError("always")


CASES = [
    (newton_root, (2.0, 0.01), ""),
    (checked_sqrt, (4.0,), ""),
    (through_a_helper, (0.5, 4), ""),
    (recursive, (1.3, 3), ""),
]


@pytest.mark.parametrize(("f", "args", "_"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_a_raise_not_taken_changes_nothing(f, args, _):
    check_grads(f, args)


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: zyg.gradient(newton_root, 2.0, -1.0), ConvergenceError, "no convergence after 51 steps at a=2.0"),
    (lambda: zyg.jit(checked_sqrt)(-1.0), ValueError, r"\('negative', -1.0\)"),
    (lambda: zyg.gradient(through_a_helper, 3.0, 5), OverflowError, "12.00 exceeds 10.0"),
    (lambda: zyg.jit(recursive)(2.0, -1), RecursionError, "depth below zero"),
    (lambda: zyg.pullback(paired, np.ones(2), np.ones(3)), AssertionError, r"shapes differ: \(2,\) and \(3,\)"),
    (lambda: zyg.jit(paired)(np.array([1.0, np.inf]), np.ones(2)), AssertionError, "^$"),
    (lambda: zyg.jit(always_raises)(1.0), KeyError, "always"),
])
def test_a_raise_taken_gives_the_exception_cpython_gives(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert type(info.value) is error


def test_the_traceback_ends_at_the_users_raise():
    try:
        zyg.gradient(newton_root, 2.0, -1.0)
    except ConvergenceError as err:
        last = traceback.extract_tb(err.__traceback__)[-1]
    assert (last.filename, last.name, last.lineno) == (__file__, "newton_root",
                                                        newton_root.__code__.co_firstlineno + 6)
    assert last.line.startswith("raise ConvergenceError")


def test_a_compiled_function_raises_again_and_again_and_still_works():
    compiled = zyg.jit(checked_sqrt)
    for _ in range(3):
        with pytest.raises(ValueError):
            compiled(-2.0)
    assert compiled(9.0) == 6.0


def test_asserts_compile_to_nothing_under_python_O(tmp_path):
    """And the disk cache keeps the two compiles apart."""
    program = tmp_path / "asserting.py"
    program.write_text("import zyg\n"
                       "def f(x):\n"
                       "    assert x > 0, 'positive'\n"
                       "    return x * 2.0\n"
                       "print(zyg.jit(f)(-1.0))\n")
    for flags, expected in ((["-O"], "-2.0"), ([], "AssertionError: positive")):
        out = subprocess.run([sys.executable, *flags, str(program)], capture_output=True, text=True, timeout=120,
                             env={**os.environ, "ZYG_CACHE_DIR": str(tmp_path / "cache")})
        assert expected in out.stdout + out.stderr, out.stderr


def test_raises_zyg_cannot_compile_are_named():
    def bare(x):
        raise

    def not_an_exception(x):
        raise x

    def with_cause(x):
        raise ValueError("a") from KeyError("b")

    with pytest.raises(zyg.UnsupportedSyntaxError, match="a re-raise"):
        zyg.jit(bare)(1.0)
    with pytest.raises(zyg.ZygTypeError, match="not an exception class"):
        zyg.jit(not_an_exception)(1.0)
    with pytest.raises(zyg.UnsupportedSyntaxError, match="from` an exception"):
        zyg.jit(with_cause)(1.0)
