"""Time to the first gradient, stage by stage: `python -m bench.latency [--cases NAME ...]`.

For a scalar function (`5 x + 3`) and some of the suite's workloads, each in fresh processes:
- zyg cold: `import zyg` (NumPy already imported, as a user's script has it), importing the compiler
  (xDSL and the MLIR bindings, loaded only to compile) and every stage of the compile
  (`zyg.stage_times`: frontend, each xDSL pass, printing, upstream parse, each upstream pipeline,
  LLVM), then the first call; with an empty disk compile cache;
- zyg cached: a second process finding the function in that cache (import included);
- JAX cold: `import jax` and `jax.jit(jax.grad(f))`'s first call (import included), when installed.
Targets (issue 15): zyg cold at or below JAX cold, at most 0.3 s for the scalar function, at most
0.05 s from the disk cache.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.timing import compile_zyg_bytecode

SCALAR = "scalar"
CASES = (SCALAR, "evalpoly-10k", "gmm-d20-K10-n1k", "mlp-128", "lstm-l2-c1024")
_ROOT = Path(__file__).resolve().parent.parent


def affine(x):
    return 5.0 * x + 3.0


def _inputs(case: str):
    """The workload's case and its arguments (None for the scalar function), made before the clock
    starts, as `bench.cell` does."""
    if case == SCALAR:
        return None, None
    from bench.workloads import all_cases

    found = {c.name: c for c in all_cases()}[case]
    return found, found.inputs()


def _prepare(found, args, system: str):
    """The zero-argument first gradient of the case on `system` (compilation included)."""
    if found is None:
        if system == "zyg":
            import zyg

            return lambda: zyg.compile_grad(affine)(2.0)
        import jax

        return lambda: jax.jit(jax.grad(affine))(2.0).block_until_ready()
    from bench.systems import prepare

    return prepare(system, found, args).gradient


def child(case: str, system: str) -> dict:
    """Measures one fresh process: its imports, its compile's stages and its first gradient."""
    import numpy  # noqa: F401  (the user's script has it already)

    import bench.systems  # noqa: F401  (the harness, not the system measured)

    found, args = _inputs(case)
    start = time.perf_counter()
    if system == "zyg":
        import zyg  # noqa: F401

        imported = time.perf_counter()
        from zyg import stage_times

        with stage_times.recording() as stages:
            _prepare(found, args, system)()
        total = time.perf_counter() - start
        return {"import": imported - start, "stages": stages, "total": total}
    import jax

    jax.config.update("jax_enable_x64", True)
    imported = time.perf_counter()
    _prepare(found, args, system)()
    total = time.perf_counter() - start
    return {"import": imported - start, "total": total}


def _run(case: str, system: str, env: dict) -> dict | None:
    done = subprocess.run([sys.executable, "-m", "bench.latency", "--child", case, system], capture_output=True,
                          text=True, cwd=_ROOT, env=env, timeout=600)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"  {system} failed: {tail}")
        return None
    return json.loads(lines[-1])


def _has_jax() -> bool:
    try:
        import jax  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", nargs="*", default=list(CASES))
    parser.add_argument("--child", nargs=2, metavar=("CASE", "SYSTEM"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        print(json.dumps(child(*options.child)))
        return
    jax = _has_jax()
    compile_zyg_bytecode()
    for case in options.cases:
        with tempfile.TemporaryDirectory(prefix="zyg-latency-") as cache:
            env = {**os.environ, "ZYG_CACHE_DIR": cache, "PYTHONPATH": str(_ROOT)}
            env.pop("ZYG_CACHE", None)
            cold = _run(case, "zyg", env)
            cached = _run(case, "zyg", env)
        theirs = _run(case, "jax", env) if jax else None
        if cold is None or cached is None:
            continue
        target = 0.3 if case == SCALAR else (theirs["total"] if theirs else None)
        verdict = "" if target is None else f"  (target {target:.3f} s: {'met' if cold['total'] <= target else 'missed'})"
        print(f"{case}: zyg cold {cold['total']:.3f} s{verdict}; cached {cached['total']:.3f} s "
              f"(target 0.050 s: {'met' if cached['total'] <= 0.05 else 'missed'})"
              + (f"; JAX cold {theirs['total']:.3f} s (import {theirs['import']:.3f} s)" if theirs else
                 "; JAX not installed"))
        accounted = cold["import"] + sum(cold["stages"].values())
        rows = [("import zyg", cold["import"]), *cold["stages"].items(),
                ("the rest (first call, lookups)", cold["total"] - accounted)]
        for name, seconds in rows:
            print(f"    {name:40} {seconds * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
