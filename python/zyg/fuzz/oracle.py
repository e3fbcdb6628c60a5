"""Checks one program against CPython/NumPy, in the calling process: source and points in, an
`Outcome` out.

At each point (its structured arguments made real values of the program's classes): where `f`
returns a float, `zyg.withgradient(f)` gives the value (compared with `f` run by Python, ~1e-9
relative, NaN only where Python gives NaN) and the gradient, compared with central differences,
per argument along one random direction in its float leaves (a float argument: along 1). Where `f`
returns a structure, `zyg.pullback(f)` gives it, compared leaf by leaf (containers, classes and keys
exactly); the program's `loss` (a float of `f`'s output) is checked as a float `f` is, and `back` is
called with two random cotangents of the output's structure (None in some parts), each gradient
compared with central differences of the cotangent-weighted output. A difference taken with steps h
and h/10 that disagree, or one-sided differences whose disagreement does not shrink with the step,
mean a kink or a jump at or near the point: that gradient is skipped, not judged. Optionally
`zyg.jit(f)` is compared too. A `ZygError` before anything ran is a reject; any other exception
from zyg is a crash.
"""

from __future__ import annotations

import copy
import math
import traceback
from dataclasses import dataclass, field

import numpy as np

from zyg.fuzz.program import load
from zyg.fuzz.trees import (
    StructureMismatch,
    children,
    float_leaves,
    is_float_leaf,
    materialize,
    rebuild,
    with_float_leaves,
    zip_leaves,
)

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
    return copy.deepcopy(args)


def _run(f, args: tuple):
    with np.errstate(all="ignore"):
        return f(*_copy(args))


def _close(actual: float, expected: float, rtol: float, atol: float) -> bool:
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    if math.isinf(expected) or math.isinf(actual):
        return actual == expected
    return abs(actual - expected) <= atol + rtol * abs(expected)


def _moved(args: tuple, index: int, directions: list, step: float) -> tuple:
    """`args` with the float leaves of argument `index` moved by `step` along `directions`."""
    arg = args[index]
    leaves = [x + step * d for x, d in zip(float_leaves(arg), directions)]
    return (*args[:index], with_float_leaves(arg, leaves), *args[index + 1:])


def _difference(phi, args: tuple, index: int, directions: list, step: float, at: float) -> tuple[float, float]:
    """The central difference of the float `phi(args)` along `directions` in argument `index`, and
    the one-sided asymmetry `(phi(x + h) - 2 phi(x) + phi(x - h)) / h` (`at` is phi(x))."""
    above, below = phi(_moved(args, index, directions, step)), phi(_moved(args, index, directions, -step))
    return (above - below) / (2 * step), (above - 2 * at + below) / step


def _kinked(coarse_asymmetry: float, fine_asymmetry: float) -> bool:
    """Whether the one-sided differences disagree in a way that does not shrink with the step: where
    f is smooth the asymmetry is about h f'' and falls tenfold with h; at a kink (a clip or max at
    its bound, |x| at 0) it stays the jump of the derivative, which central differences average."""
    return abs(fine_asymmetry) > max(0.5 * abs(coarse_asymmetry), 0.1 * GRAD_ATOL)


def _claimed(arg, grad, index: int, rng: np.random.Generator, what: str) -> tuple[float, list]:
    """The directional derivative zyg's `grad` of argument `arg` claims, and the random directions
    (one per float leaf) it is taken along; a non-float leaf must have the gradient None."""
    try:
        pairs = zip_leaves(grad, arg)
    except StructureMismatch as error:
        raise _Mismatch(f"{what} structure of arg {index}", f"{error}; zyg gives {grad!r}") from None
    claimed, directions = 0.0, []
    for path, leaf_grad, leaf in pairs:
        if not is_float_leaf(leaf):
            if leaf_grad is not None:
                raise _Mismatch(f"{what} of a non-float leaf of arg {index}",
                                f"{path or 'arg'}: zyg gives {leaf_grad!r}, expected None")
            continue
        if isinstance(leaf, np.ndarray):
            if not isinstance(leaf_grad, np.ndarray) or leaf_grad.shape != leaf.shape:
                raise _Mismatch(f"{what} shape of arg {index}",
                                f"{path or 'arg'}: zyg gives {leaf_grad!r} for shape {leaf.shape}")
            direction = rng.normal(size=leaf.shape)
            claimed += float(np.sum(leaf_grad * direction))
        else:
            direction = 1.0 if leaf is arg else float(rng.normal())
            claimed += float(leaf_grad) * direction if leaf_grad is not None else math.nan
        directions.append(direction)
    return claimed, directions


def _check_gradient(phi, args: tuple, grads: tuple, rng: np.random.Generator, outcome: Outcome,
                    at: float, what: str = "gradient") -> None:
    """Checks `grads` (zyg's, one per argument) against central differences of the float `phi(args)`."""
    if not isinstance(grads, tuple) or len(grads) != len(args):
        raise _Mismatch(f"{what} arity", f"zyg gives {grads!r} for {len(args)} arguments")
    for index, (arg, grad) in enumerate(zip(args, grads)):
        claimed, directions = _claimed(arg, grad, index, rng, what)
        if not directions:
            continue
        scale = max([1.0] + [float(np.max(np.abs(leaf))) for leaf in float_leaves(arg) if np.size(leaf)])
        step = REL_STEP * scale
        coarse, coarse_asymmetry = _difference(phi, args, index, directions, step, at)
        fine, fine_asymmetry = _difference(phi, args, index, directions, step / 10, at)
        if (not (math.isfinite(coarse) and math.isfinite(fine)) or not _close(fine, coarse, KINK_RTOL, KINK_ATOL)
                or _kinked(coarse_asymmetry, fine_asymmetry)):
            outcome.kinks += 1
            continue
        outcome.grads_checked += 1
        if not _close(claimed, coarse, GRAD_RTOL, GRAD_ATOL):
            raise _Mismatch(f"{what} of arg {index}", f"directional derivative: zyg gives {claimed!r} "
                            f"(gradient {grad!r}), finite differences {coarse!r}")


def _check_leaf(actual, expected, what: str) -> None:
    if isinstance(expected, np.ndarray) and expected.shape == ():
        expected = float(expected)  # np.where of floats gives a 0-d array; zyg, like np.sum, a float
    if isinstance(expected, np.ndarray):
        if not isinstance(actual, np.ndarray) or actual.shape != expected.shape:
            raise _Mismatch(f"{what} type", f"zyg gives {actual!r}, Python {expected!r}")
        pairs = zip(actual.ravel().tolist(), expected.ravel().tolist())
        if not all(_close(a, e, VALUE_RTOL, VALUE_ATOL) for a, e in pairs):
            raise _Mismatch(what, f"zyg gives {actual!r}, Python {expected!r}")
        return
    if isinstance(expected, (bool, int, np.integer)):
        # by value: zyg makes a leaf a float where another path (a return, an `if` arm) gives one there
        if actual != expected:
            raise _Mismatch(what, f"zyg gives {actual!r}, Python {expected!r}")
        return
    try:
        actual_float = float(actual)
    except (TypeError, ValueError):
        raise _Mismatch(f"{what} type", f"zyg gives {actual!r}, Python {expected!r}") from None
    if not _close(actual_float, float(expected), VALUE_RTOL, VALUE_ATOL):
        raise _Mismatch(what, f"zyg gives {actual!r}, Python {expected!r}")


def _check_value(actual, expected, what: str) -> None:
    """`actual` has `expected`'s structure and, leaf by leaf, its values."""
    try:
        pairs = zip_leaves(actual, expected)
    except StructureMismatch as error:
        raise _Mismatch(f"{what} structure", f"{error}; zyg gives {actual!r}, Python {expected!r}") from None
    for path, actual_leaf, expected_leaf in pairs:
        _check_leaf(actual_leaf, expected_leaf, what + path)


def _cotangent(out, rng: np.random.Generator, top: bool = True):
    """A random cotangent of `out`'s structure: None for non-float leaves and for some other parts."""
    parts = children(out)
    if parts is None:
        if not is_float_leaf(out) or rng.random() < 0.15:
            return None
        return rng.normal(size=out.shape) if np.ndim(out) else float(rng.normal())
    if not top and rng.random() < 0.1:
        return None
    return rebuild(out, [_cotangent(child, rng, False) for _, child in parts])


def _weighted(ct, out) -> float:
    """The sum of `out`'s float leaves weighted by the cotangent `ct` (None weighs nothing)."""
    if ct is None:
        return 0.0
    parts = children(out)
    if parts is None:
        return float(np.sum(ct * out)) if is_float_leaf(out) else 0.0
    ct_parts = dict(children(ct))
    return sum(_weighted(ct_parts[key], child) for key, child in parts)


def _check_float_function(f, args: tuple, rng: np.random.Generator, outcome: Outcome, what: str) -> None:
    """`zyg.withgradient(f)` against Python and central differences, for `f` returning a float."""
    import zyg

    expected = float(_run(f, args))
    with np.errstate(all="ignore"):
        result = zyg.withgradient(f, *_copy(args))
    _check_value(result.val, expected, f"{what} value".strip())
    if math.isfinite(expected):
        _check_gradient(lambda a: float(_run(f, a)), args, result.grad, rng, outcome, expected,
                        f"{what} gradient".strip())


def _check_structured(f, loss, args: tuple, expected, rng: np.random.Generator, outcome: Outcome) -> None:
    """`zyg.pullback(f)` against Python for `f` returning a structure: the output, `loss`'s gradient,
    and two calls of `back` with random cotangents."""
    import zyg

    with np.errstate(all="ignore"):
        value, back = zyg.pullback(f, *_copy(args))
    _check_value(value, expected, "value")
    if loss is not None:
        _check_float_function(loss, args, rng, outcome, "loss")
    for call in range(2):
        ct = _cotangent(expected, rng)
        at = _weighted(ct, expected)
        if not math.isfinite(at):
            continue
        with np.errstate(all="ignore"):
            grads = back(ct)
        _check_gradient(lambda a, ct=ct: _weighted(ct, _run(f, a)), args, grads, rng, outcome, at,
                        f"pullback {call} gradient")


def _first_line(error: BaseException) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else ""
    return text.split(" error: ", 1)[-1]  # drop the file:line:col prefix, so rejects group by message


def check(source: str, points: tuple, check_jit: bool, seed: int = 0) -> Outcome:
    """Checks `f` of `source` at every point (argument specs, see `trees`); stops at the first failure."""
    import zyg

    outcome = Outcome("ok")
    namespace = vars(load(source))
    f, loss = namespace["f"], namespace.get("loss")
    rng = np.random.default_rng(seed)
    compiled_once = False
    for index, specs in enumerate(points):
        args = tuple(materialize(spec, namespace) for spec in specs)
        try:
            expected = _run(f, args)
        except Exception:
            outcome.invalid_points += 1  # Python itself fails here: nothing to compare with
            continue
        try:
            if children(expected) is None:
                _check_float_function(f, args, rng, outcome, "")
            else:
                _check_structured(f, loss, args, expected, rng, outcome)
            compiled_once = True
            if check_jit:
                with np.errstate(all="ignore"):
                    _check_value(zyg.jit(f)(*_copy(args)), expected, "jit value")
        except _Mismatch as mismatch:
            return Outcome("wrong", mismatch.reason, mismatch.detail, index, outcome.grads_checked,
                           outcome.kinks)
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
