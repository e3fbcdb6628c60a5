"""Checks one program against CPython/NumPy, in the calling process: source and points in, an
`Outcome` out.

At each point: `zyg.withgradient(f)` gives the value (compared with `f` run by Python, ~1e-9
relative, NaN only where Python gives NaN) and the gradient, compared with central differences,
per float argument (scalars directly, arrays along one random direction). A difference taken with
steps h and h/10 that disagree, or one-sided differences whose disagreement does not shrink with
the step, mean a kink or a jump at or near the point: that gradient is skipped, not judged. Optionally `zyg.jit(f)` is compared too. A `ZygError` before anything ran is a reject; any
other exception from zyg is a crash.
"""

from __future__ import annotations

import math
import traceback
from dataclasses import dataclass, field

import numpy as np

from zyg.fuzz.program import load

REL_STEP = 1e-6
VALUE_RTOL, VALUE_ATOL = 1e-9, 1e-11
GRAD_RTOL, GRAD_ATOL = 1e-4, 1e-6
KINK_RTOL, KINK_ATOL = 1e-5, 1e-7
_RUNTIME_ERRORS = ("ShapeError", "ZygIndexError", "ZygZeroDivisionError", "ZygLinAlgError")


@dataclass
class Outcome:
    """What happened to one program.

    `status` is ok, rejected, wrong, crashed or hang (the last two also come from the sandbox);
    `reason` groups failures ("ZygTypeError: ..." for a reject, "gradient of arg 1" for a wrong
    gradient); `detail` says what zyg gave and what was expected; `point` is the index of the point
    that failed. The counters add up the work done at the points that were checked.
    """

    status: str
    reason: str = ""
    detail: str = ""
    point: int | None = None
    grads_checked: int = 0
    kinks: int = 0
    invalid_points: int = 0
    stats: dict = field(default_factory=dict)


class _Mismatch(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def _copy(args: tuple) -> tuple:
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def _run(f, args: tuple) -> float:
    with np.errstate(all="ignore"):
        return float(f(*_copy(args)))


def _close(actual: float, expected: float, rtol: float, atol: float) -> bool:
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    if math.isinf(expected) or math.isinf(actual):
        return actual == expected
    return abs(actual - expected) <= atol + rtol * abs(expected)


def _difference(f, args: tuple, index: int, direction, step: float, at: float) -> tuple[float, float]:
    """The central difference of f along `direction` in argument `index` (a float for a scalar
    argument), and the one-sided asymmetry `(f(x + h) - 2 f(x) + f(x - h)) / h` (`at` is f(x))."""
    x = args[index]
    plus, minus = list(args), list(args)
    plus[index], minus[index] = x + step * direction, x - step * direction
    above, below = _run(f, tuple(plus)), _run(f, tuple(minus))
    return (above - below) / (2 * step), (above - 2 * at + below) / step


def _kinked(coarse_asymmetry: float, fine_asymmetry: float) -> bool:
    """Whether the one-sided differences disagree in a way that does not shrink with the step: where
    f is smooth the asymmetry is about h f'' and falls tenfold with h; at a kink (a clip or max at
    its bound, |x| at 0) it stays the jump of the derivative, which central differences average."""
    return abs(fine_asymmetry) > max(0.5 * abs(coarse_asymmetry), 0.1 * GRAD_ATOL)


def _check_gradient(f, args: tuple, grads: tuple, rng: np.random.Generator, outcome: Outcome,
                    at: float) -> None:
    if not isinstance(grads, tuple) or len(grads) != len(args):
        raise _Mismatch("gradient arity", f"gradient returned {grads!r} for {len(args)} arguments")
    for index, (arg, grad) in enumerate(zip(args, grads)):
        if isinstance(arg, (int, bool)) and not isinstance(arg, float):
            if grad is not None:
                raise _Mismatch(f"gradient of int arg {index}", f"zyg gives {grad!r}, expected None")
            continue
        if isinstance(arg, np.ndarray):
            if not isinstance(grad, np.ndarray) or grad.shape != arg.shape:
                raise _Mismatch(f"gradient shape of arg {index}", f"zyg gives {grad!r} for shape {arg.shape}")
            direction = rng.normal(size=arg.shape)
            step = REL_STEP * max(1.0, float(np.max(np.abs(arg))))
            claimed = float(np.sum(grad * direction))
        else:
            direction, step = 1.0, REL_STEP * max(1.0, abs(arg))
            claimed = float(grad) if grad is not None else math.nan
        coarse, coarse_asymmetry = _difference(f, args, index, direction, step, at)
        fine, fine_asymmetry = _difference(f, args, index, direction, step / 10, at)
        if (not (math.isfinite(coarse) and math.isfinite(fine)) or not _close(fine, coarse, KINK_RTOL, KINK_ATOL)
                or _kinked(coarse_asymmetry, fine_asymmetry)):
            outcome.kinks += 1
            continue
        outcome.grads_checked += 1
        if not _close(claimed, coarse, GRAD_RTOL, GRAD_ATOL):
            what = "directional derivative" if isinstance(arg, np.ndarray) else "derivative"
            raise _Mismatch(f"gradient of arg {index}",
                            f"{what}: zyg gives {claimed!r} (gradient {grad!r}), finite differences {coarse!r}")


def _check_value(actual, expected: float, what: str) -> None:
    try:
        actual_float = float(actual)
    except (TypeError, ValueError):
        raise _Mismatch(f"{what} type", f"zyg gives {actual!r}, Python {expected!r}") from None
    if not _close(actual_float, expected, VALUE_RTOL, VALUE_ATOL):
        raise _Mismatch(what, f"zyg gives {actual!r}, Python {expected!r}")


def _first_line(error: BaseException) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else ""
    return text.split(" error: ", 1)[-1]  # drop the file:line:col prefix, so rejects group by message


def check(source: str, points: tuple, check_jit: bool, seed: int = 0) -> Outcome:
    """Checks `f` of `source` at every point; stops at the first failure."""
    import zyg

    outcome = Outcome("ok")
    f = load(source)
    rng = np.random.default_rng(seed)
    compiled_once = False
    for index, args in enumerate(points):
        try:
            expected = _run(f, args)
        except Exception:
            outcome.invalid_points += 1  # Python itself fails here: nothing to compare with
            continue
        try:
            with np.errstate(all="ignore"):
                result = zyg.withgradient(f, *_copy(args))
                jitted = zyg.jit(f)(*_copy(args)) if check_jit else None
            compiled_once = True
            _check_value(result.val, expected, "value")
            if check_jit:
                _check_value(jitted, expected, "jit value")
            if math.isfinite(expected):
                _check_gradient(f, args, result.grad, rng, outcome, expected)
        except _Mismatch as mismatch:
            return Outcome("wrong", mismatch.reason, mismatch.detail, index, outcome.grads_checked, outcome.kinks)
        except zyg.ZygError as error:
            name = type(error).__name__
            if compiled_once or name in _RUNTIME_ERRORS:
                return Outcome("wrong", f"run-time {name}", f"zyg raised {name}: {_first_line(error)}; "
                               f"Python gives {expected!r}", index)
            return Outcome("rejected", f"{name}: {_first_line(error)}", str(error), index)
        except Exception as error:
            tail = traceback.format_exc().splitlines()[-6:]
            return Outcome("crashed", f"{type(error).__name__}: {_first_line(error)}", "\n".join(tail), index)
    return outcome
