"""Unsupported Python is rejected when a function is compiled, with an error at the user's line.

Each offending line below ends in a `# ERR:<case>` marker; the tests find the expected line number by
searching this file for the marker, so editing the file never breaks them.
"""

import os

import numpy as np
import pytest
import zyg
from zyg import NoDerivativeError, UnsupportedSyntaxError, ZygError, ZygTypeError

THIS_FILE = os.path.abspath(__file__)
with open(THIS_FILE, encoding="utf-8") as _source:
    _LINES = _source.read().splitlines()


def marker_line(case: str) -> int:
    """The 1-based line of this file that ends in the marker for `case`."""
    tag = f"# ERR:{case}"
    found = [number for number, text in enumerate(_LINES, start=1) if text.rstrip().endswith(tag)]
    assert len(found) == 1, f"marker {tag!r} must occur exactly once, found {found}"
    return found[0]


# ------------------------------------------------------------------------------------------------
# Functions that zyg must reject (the code after the offending construct is never compiled or run)
# ------------------------------------------------------------------------------------------------

def uses_with(x):
    with open(os.devnull) as handle:  # ERR:with
        handle.read()
    return x


def generator(x):
    yield x * 2.0  # ERR:yield


def calls_open(x):
    handle = open("data.txt", "w")  # ERR:open
    return x + handle


def type_changes_in_loop(x, n):
    y = 1.0
    for _ in range(n):  # ERR:loop-type
        y = y > 0.5
    return x * y


_EXEC_NAMESPACE: dict = {}
exec("def made_by_exec(x):\n    return x * 2.0\n", _EXEC_NAMESPACE)
made_by_exec = _EXEC_NAMESPACE["made_by_exec"]
made_by_eval = eval("lambda x: x * 3.0")


def calls_exec_function(x):
    return made_by_exec(x) + 1.0  # ERR:exec


def calls_eval_lambda(x):
    y = x * x
    return made_by_eval(y)  # ERR:eval


def uses_set(x):
    values = {x, 2.0 * x}  # ERR:set
    return len(values)


def uses_bytes_value(x):
    label = b"scale"  # ERR:bytes
    return x * len(label)


def loops_over_float(x):
    s = 0.0
    for v in x:  # ERR:for-over-float
        s += v * x
    return s


def plain(x):  # ERR:set-argument
    return x * 2.0


def returns_int(x):  # ERR:int-result
    return 3 if x > 0.0 else 4


def falls_off_end(x):  # ERR:fall-off
    if x > 0.0:
        return x * 2.0


def one_branch_variable(x):
    if x > 0.0:
        y = x * 2.0
    return y + 1.0  # ERR:one-branch


def huge_range(x):
    y = x
    for _ in range(2**64 + 2):  # ERR:int-constant-range
        y = y * 2.0
    return y


def huge_power(x, n):
    return x * (n * 10**30)  # ERR:int-constant-power


def huge_literal(x):
    return x * 18446744073709551616  # ERR:int-literal


# (case, function, arguments, error class, phrases the message must contain, entry points)
BOTH = ("gradient", "jit")
CASES = [
    ("with", uses_with, (1.0,), UnsupportedSyntaxError, ["`with` block"], BOTH),
    ("yield", generator, (1.0,), UnsupportedSyntaxError, ["generator", "yield"], BOTH),
    ("open", calls_open, (1.0,), UnsupportedSyntaxError, ["unsupported function", "open"], BOTH),
    ("loop-type", type_changes_in_loop, (1.0, 0), ZygTypeError,
     ["variable 'y' changes type inside the loop", "float", "bool"], BOTH),
    ("exec", calls_exec_function, (1.0,), UnsupportedSyntaxError,
     ["source of function 'made_by_exec' is not available"], BOTH),
    ("eval", calls_eval_lambda, (1.0,), UnsupportedSyntaxError,
     ["source of function '<lambda>' is not available"], BOTH),
    ("set", uses_set, (1.0,), UnsupportedSyntaxError, ["a set"], BOTH),
    ("bytes", uses_bytes_value, (1.0,), UnsupportedSyntaxError, ["bytes constant"], BOTH),
    ("for-over-float", loops_over_float, (1.0,), UnsupportedSyntaxError,
     ["a `for` loop over anything but range(...), a container or an array", "got a float"], BOTH),
    ("set-argument", plain, ({1.0},), ZygTypeError, ["argument 0 of 'plain' is a set"], BOTH),
    ("int-result", returns_int, (1.0,), ZygTypeError, ["returns an int", "returns a float"], ("gradient",)),
    ("fall-off", falls_off_end, (1.0,), ZygError, ["'falls_off_end' can reach its end without returning"],
     BOTH),
    ("one-branch", one_branch_variable, (1.0,), ZygError, ["variable 'y' may be undefined here"], BOTH),
    ("int-constant-range", huge_range, (1.0,), ZygTypeError,
     ["the integer constant 2 ** 64 + 2 = 18446744073709551618 does not fit in int64"], BOTH),
    ("int-constant-power", huge_power, (1.0, 2), ZygTypeError, ["10 ** 30", "does not fit in int64"], BOTH),
    ("int-literal", huge_literal, (1.0,), ZygTypeError, ["18446744073709551616 does not fit in int64"], BOTH),
]

_ENTRY_POINTS = {
    "gradient": zyg.gradient,
    "jit": lambda f, *args: zyg.jit(f)(*args),
}


def _params():
    for case, f, args, error, phrases, entries in CASES:
        for entry in entries:
            yield pytest.param(case, f, args, error, phrases, entry, id=f"{case}-{entry}")


@pytest.mark.parametrize(("case", "f", "args", "error", "phrases", "entry"), list(_params()))
def test_unsupported_construct_is_reported_at_its_line(case, f, args, error, phrases, entry):
    with pytest.raises(error) as info:
        _ENTRY_POINTS[entry](f, *args)
    assert isinstance(info.value, ZygError)
    assert not isinstance(info.value, NoDerivativeError)
    message = str(info.value)
    line = marker_line(case)
    assert message.startswith(f"{THIS_FILE}:{line}:"), message
    assert THIS_FILE in message
    assert ": error: " in message.splitlines()[0]
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"
    assert "zyg/frontend" not in message
    assert "Traceback" not in message


def test_rejection_happens_before_running_the_function(tmp_path, monkeypatch):
    # `calls_open` would create a file if its body ran; compiling it must fail first.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnsupportedSyntaxError):
        zyg.gradient(calls_open, 1.0)
    assert not (tmp_path / "data.txt").exists()


def test_markers_are_unique():
    for case, *_ in CASES:
        marker_line(case)


def test_error_traceback_has_no_compiler_frames():
    with pytest.raises(ZygError) as info:
        zyg.gradient(uses_with, 1.0)
    frames = [entry.path for entry in info.traceback]
    assert not any("zyg/frontend" in str(path) for path in frames), frames


def int_division(x, n):
    return x * (7 // n) + 3 % n


def test_integer_division_by_zero_raises_at_run_time():
    """As in CPython: `7 // n` and `3 % n` with n == 0 raise ZeroDivisionError at the user's line;
    the compiled function keeps working afterwards."""
    with pytest.raises(ZeroDivisionError, match="integer division or modulo by zero") as info:
        zyg.jit(int_division)(2.0, 0)
    assert f"test_errors.py:{int_division.__code__.co_firstlineno + 1}" in str(info.value)
    assert zyg.jit(int_division)(2.0, 2) == 7.0
    assert zyg.gradient(int_division, 2.0, 3) == (2.0, None)


def test_no_integer_division_traps():
    """`INT64_MIN // -1` is 2**63 in Python, no int64: OverflowError at the user's line, not SIGFPE;
    `INT64_MIN % -1` and `x // -1` give Python's results."""
    divide = zyg.jit(lambda a, b: (a // b, a % b))
    minimum = -2**63
    for a, b in ((7, -1), (minimum + 1, -1), (minimum, 3), (-7, 2), (minimum, minimum)):
        assert divide(a, b) == (a // b, a % b)
    assert zyg.jit(lambda a, b: a % b)(minimum, -1) == 0
    with pytest.raises(OverflowError, match="integer division result too large for int64"):
        divide(minimum, -1)


def int_constant_expressions(n):
    return (-2**63) // (n + 1) + (2**62 * 2 - 1) % 1000 + (-7) // 2 + (-7) % 3 + 2**10


def test_int_constant_expressions_fold_as_python():
    """Folded with Python's semantics, so an intermediate beyond int64 is fine (2**63 in -2**63)."""
    assert zyg.jit(int_constant_expressions)(0) == int_constant_expressions(0)
    assert zyg.jit(lambda x: x * 2**-1)(3.0) == 1.5
    with pytest.raises(ZygError, match="integer division or modulo by zero"):
        zyg.jit(lambda n: n + 7 // 0)(1)


def test_a_broadcast_error_of_rank_five_names_both_shapes():
    """A failed check reports up to 16 integers (two shapes of rank 8): the message NumPy would give."""
    with pytest.raises(ValueError, match=r"shapes \(2, 3, 4, 5, 6\) \(2, 3, 4, 5, 7\)"):
        zyg.jit(lambda a, b: a + b)(np.ones((2, 3, 4, 5, 6)), np.ones((2, 3, 4, 5, 7)))
