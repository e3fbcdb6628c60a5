"""Timing shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable, *args, repeat: int = 21) -> float:
    """The median wall time of `fn(*args)` over `repeat` calls, after one warm-up call."""
    fn(*args)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_per_call(fn: Callable, args: tuple, calls: int, rounds: int) -> float:
    """The median over `rounds` of the mean wall time of `calls` calls of `fn(*args)`, in seconds,
    after one warm-up call: for calls too short to time one by one."""
    fn(*args)
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
