"""Where a compile spends its time: each stage of `zyg.build` reports its wall time here.

In: `with stage("name"):` around a stage (the frontend, each xDSL pass, printing, the upstream parse,
each upstream pipeline, LLVM, linking). Out: while `recording()` is active, the seconds of each stage,
summed by name, in the order first seen; otherwise nothing is kept and a stage costs a clock read.
`python -m bench.latency` prints them for the benchmark workloads.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

_times: dict[str, float] | None = None


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Times the block as stage `name` (added to an earlier stage of that name)."""
    if _times is None:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        _times[name] = _times.get(name, 0.0) + time.perf_counter() - start


@contextmanager
def recording() -> Iterator[dict[str, float]]:
    """Records the stages run inside the block into the dict it yields (not reentrant)."""
    global _times
    _times = {}
    try:
        yield _times
    finally:
        _times = None
