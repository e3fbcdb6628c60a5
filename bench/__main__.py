"""The benchmark suite: `python -m bench [--quick] [--cases NAME ...] [--systems NAME ...]`.

Every (case, system) cell runs in a fresh process (`bench.cell`), so the time to the first gradient
includes everything a new process pays. Results go to `bench/results/` (JSON, a markdown table and a
log-scale chart) and the table replaces the one in the README between its `bench:` markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import write_reports
from bench.systems import SYSTEMS
from bench.timing import compile_zyg_bytecode
from bench.workloads import all_cases

RESULTS = Path(__file__).resolve().parent / "results"


def _run_cell(case: str, system: str, flags: list[str], timeout_s: float, env: dict | None = None) -> dict:
    command = [sys.executable, "-m", "bench.cell", case, system, *flags]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s,
                              cwd=Path(__file__).resolve().parent.parent, env=env)
    except subprocess.TimeoutExpired:
        return {"case": case, "system": system, "failed": f"no result within {timeout_s:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"case": case, "system": system, "failed": f"exit {done.returncode}: {tail}"[:300]}
    return json.loads(lines[-1])


def _measure(case: str, system: str, quick: bool, timeout_s: float) -> dict:
    """The cell's result; zyg runs with an empty disk cache, then once more in a second process that
    finds the function in that cache (`first_cached_s`, import included)."""
    if system != "zyg":
        return _run_cell(case, system, ["--quick"] if quick else [], timeout_s)
    with tempfile.TemporaryDirectory(prefix="zyg-bench-cache-") as cache:
        env = {**os.environ, "ZYG_CACHE_DIR": cache}
        env.pop("ZYG_CACHE", None)
        result = _run_cell(case, system, ["--quick"] if quick else [], timeout_s, env)
        if "first_s" in result:
            again = _run_cell(case, system, ["--first-only"], timeout_s, env)
            if "first_s" in again:
                result["first_cached_s"] = again["import_s"] + again["first_s"]
    return result


def _describe(result: dict) -> str:
    if "skipped" in result:
        return f"skipped: {result['skipped']}"
    if "failed" in result:
        return f"FAILED: {result['failed']}"
    if "gradient_s" not in result:
        return f"first primal {result['first_primal_s']:.3f} s, primal {result['primal_s'] * 1e3:.3f} ms"
    cached = f" (cached: {result['first_cached_s']:.3f} s)" if "first_cached_s" in result else ""
    return (f"first {result['first_s']:.3f} s{cached}, primal {result['primal_s'] * 1e3:.3f} ms, "
            f"gradient {result['gradient_s'] * 1e3:.3f} ms, check {result['error']:.1e}")


def _merged(previous: dict, new: dict) -> dict:
    """`previous` with the cells `new` measured replaced, its cases kept in table order."""
    measured = {(r["case"], r["system"]) for r in new["results"]}
    results = [r for r in previous["results"] if (r["case"], r["system"]) not in measured] + new["results"]
    names = {c["name"] for c in previous["cases"]} | {c["name"] for c in new["cases"]}
    cases = [{"name": c.name, "label": c.label} for c in all_cases() if c.name in names]
    return {**new, "quick": previous["quick"] and new["quick"], "cases": cases, "results": results}


def machine() -> str:
    """One line naming the machine the suite ran on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, every system single-threaded"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the small cases, fewer repetitions (~2 min)")
    parser.add_argument("--cases", nargs="*", help="case names (default: all; see --list)")
    parser.add_argument("--systems", nargs="*", default=list(SYSTEMS), choices=SYSTEMS)
    parser.add_argument("--list", action="store_true", help="print the case names and stop")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds allowed per cell")
    parser.add_argument("--update", action="store_true",
                        help="replace only the measured cells in the latest results instead of starting anew")
    options = parser.parse_args(argv)
    cases = [c for c in all_cases() if (c.quick or not options.quick) and (not options.cases or c.name in options.cases)]
    if options.list:
        print("\n".join(f"{c.name:24} {c.label}" for c in all_cases()))
        return
    compile_zyg_bytecode()
    results, started = [], time.perf_counter()
    total = len(cases) * len(options.systems)
    for case in cases:
        for system in options.systems:
            result = _measure(case.name, system, options.quick, options.timeout)
            results.append(result)
            print(f"[{len(results)}/{total} {time.perf_counter() - started:5.0f} s] {case.label} / {system}: "
                  f"{_describe(result)}", flush=True)
    directory = RESULTS / "quick" if options.quick else RESULTS  # a quick pass never replaces a full run
    directory.mkdir(parents=True, exist_ok=True)
    run = {"machine": machine(), "quick": options.quick, "date": time.strftime("%Y-%m-%d"),
           "cases": [{"name": c.name, "label": c.label} for c in cases], "results": results}
    if options.update and (directory / "latest.json").exists():
        run = _merged(json.loads((directory / "latest.json").read_text()), run)
    (directory / "latest.json").write_text(json.dumps(run, indent=1) + "\n")
    for line in write_reports(run, directory):
        print(line)


if __name__ == "__main__":
    main()
