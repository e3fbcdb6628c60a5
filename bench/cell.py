"""One measurement in a fresh process: `python -m bench.cell CASE SYSTEM [--quick | --first-only]` prints
one JSON line.

Measured here, in order: the import of the system, the time to the first gradient (preparation,
compilation and the first call), the check of that gradient against the hand-written NumPy one, the
steady-state primal and gradient medians, and the peak memory of one gradient call above what the
process held before it (resident set size, read from /proc after `malloc_trim`, so it covers every
allocator: NumPy's, XLA's, PyTorch's and compiled code's). `--first-only` stops after the first
gradient (for zyg's second process, which finds the function in the disk cache). A primal-only
system (numba) gets its first primal call (compilation included) and its primal median.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import statistics
import sys
import time

import numpy as np

from bench.systems import PEER_PACKAGES, MissingSystem, prepare, unsupported
from bench.workloads import Case, all_cases


def _adaptive_median(fn, budget_s: float, most: int) -> float:
    """The median of repeated timed calls: at least 3, at most `most`, stopping after `budget_s`."""
    times = []
    spent = 0.0
    while len(times) < 3 or (len(times) < most and spent < budget_s):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        spent += elapsed
    return statistics.median(times)


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def peak_memory_mib(fn) -> float | None:
    """MiB by which one call of `fn` raised the resident set above its level before the call."""
    try:
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # resets the peak resident set size (VmHWM) to the current one
        before = _status_kib("VmRSS")
        result = fn()
        peak = _status_kib("VmHWM")
        del result
    except OSError:
        return None
    return max(peak - before, 0) / 1024


def relative_error(got: tuple, expected: tuple) -> float:
    """The largest difference between matching gradient parts, relative to the largest expected entry."""
    worst = 0.0
    for g, e in zip(got, expected, strict=True):
        g, e = np.asarray(g, dtype=np.float64), np.asarray(e, dtype=np.float64)
        scale = max(float(np.max(np.abs(e))), 1e-300)
        worst = max(worst, float(np.max(np.abs(g - e))) / scale)
    return worst


def measure(case: Case, system: str, quick: bool, first_only: bool = False) -> dict:
    skip = unsupported(system, case)
    if skip:
        raise MissingSystem(skip)
    start = time.perf_counter()
    if system in PEER_PACKAGES:
        try:
            __import__(PEER_PACKAGES[system])
        except ImportError:
            raise MissingSystem(f"{PEER_PACKAGES[system]} is not installed; pip install -e '.[bench]'") from None
    imported = time.perf_counter()
    args = case.inputs(system)
    params, factor = case.reduced(system)
    begin = time.perf_counter()
    prepared = prepare(system, case, args)
    if prepared.gradient is None:  # a primal-only system: its first call, and its primal
        prepared.primal()
        result = {"case": case.name, "system": system, "import_s": imported - start,
                  "first_primal_s": time.perf_counter() - begin}
        budget, most = (0.3, 5) if quick else (1.5, 21)
        return {**result, "primal_s": _adaptive_median(prepared.primal, budget, most) * factor,
                "note": prepared.note, "scaled": factor != 1.0}
    first = prepared.gradient()
    first_s = time.perf_counter() - begin
    result = {"case": case.name, "system": system, "import_s": imported - start, "first_s": first_s}
    if first_only:
        return result
    error = relative_error(prepared.to_numpy(first), case.module.gradient_by_hand(*args))
    prepared.settle()
    budget, most = (0.3, 5) if quick else (1.5, 21)
    primal_s = _adaptive_median(prepared.primal, budget, most)
    gradient_s = _adaptive_median(prepared.gradient, budget, most)
    note = prepared.note
    if factor != 1.0:
        sizes = ", ".join(f"{k}={v}" for k, v in params.items() if case.params.get(k) != v)
        note = "; ".join(filter(None, [note, f"measured at {sizes}, times x{factor:g} (linear in the size)"]))
    return {**result, "primal_s": primal_s * factor, "gradient_s": gradient_s * factor,
            "peak_mib": peak_memory_mib(prepared.gradient), "error": error, "note": note, "scaled": factor != 1.0}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("case")
    parser.add_argument("system")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--first-only", action="store_true")
    options = parser.parse_args(argv)
    case = {c.name: c for c in all_cases()}[options.case]
    try:
        result = measure(case, options.system, options.quick, options.first_only)
    except MissingSystem as exc:
        result = {"case": case.name, "system": options.system, "skipped": str(exc)}
    except FileNotFoundError as exc:
        result = {"case": case.name, "system": options.system, "skipped": str(exc)}
    except Exception as exc:  # a peer failing on a workload is a result, not a crash of the suite
        result = {"case": case.name, "system": options.system, "failed": f"{type(exc).__name__}: {exc}"[:300]}
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
