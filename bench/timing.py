"""Timing shared by the benchmark scripts."""

from __future__ import annotations

import compileall
import statistics
import sys
import time
from collections.abc import Callable


def compile_zyg_bytecode() -> None:
    """Writes the bytecode of zyg's modules, as installing a wheel does, before fresh processes are timed.
    An editable install compiles them at first import; where bytecode is not written
    (`PYTHONDONTWRITEBYTECODE=1`) every process compiled them again: 30-40 ms of a cold first gradient
    that no installed package (JAX's included) pays."""
    import zyg
    import zyg.dialects
    import zyg.passes

    for package in (zyg, zyg.dialects, zyg.passes):
        for folder in package.__path__:
            compileall.compile_dir(folder, quiet=1)


def warm_up(fn: Callable, *args) -> None:
    """The call before timing: `fn(*args)` (its compile), then, when zyg is in use, the wait for its
    optimised code (`zyg.wait_optimised`: zyg's first calls run quickly compiled code)."""
    fn(*args)
    zyg = sys.modules.get("zyg")
    if zyg is not None:
        zyg.wait_optimised()


def median_seconds(fn: Callable, *args, repeat: int = 21) -> float:
    """The median wall time of `fn(*args)` over `repeat` calls, after `warm_up`."""
    warm_up(fn, *args)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_per_call(fn: Callable, args: tuple, calls: int, rounds: int) -> float:
    """The median over `rounds` of the mean wall time of `calls` calls of `fn(*args)`, in seconds,
    after `warm_up`: for calls too short to time one by one."""
    warm_up(fn, *args)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn(*args)
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def median_ms(fn: Callable, args: tuple) -> float:
    """`median_per_call` in milliseconds, for calls of about a millisecond (20 calls, 11 rounds)."""
    return median_per_call(fn, args, calls=20, rounds=11) * 1e3
