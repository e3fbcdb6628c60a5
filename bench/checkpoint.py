"""Memory and time of a checkpointed loop's gradient: `python -m bench.checkpoint [--steps N]`.

The gradient of a 10^6-step recurrence `x = tanh(w * x + 0.1)` with respect to `x` and `w`: zyg plain
(the tape keeps every step's values), zyg with `zyg.checkpointed(range(n))` (O(sqrt n) saved states,
every step run twice forwards) and, when JAX is installed (`make bench`), JAX's `lax.scan` and its
`lax.scan` over a `jax.checkpoint`ed body (which rematerialises inside a step but still keeps every
step's carry). Each variant runs in a fresh process (`--variant`), single-threaded, and reports the
peak memory of one gradient call above the process's level before it (`bench.cell.peak_memory_mib`) and
the median time of a call after the first; the table gives both as ratios to zyg plain, measured in
the same run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import zyg

from bench.cell import peak_memory_mib
from bench.timing import median_seconds

STEPS = 1_000_000
X, W = 0.3, 0.8


def recurrence(x, w, n):
    for _ in range(n):
        x = math.tanh(w * x + 0.1)
    return x


def recurrence_checkpointed(x, w, n):
    for _ in zyg.checkpointed(range(n)):
        x = math.tanh(w * x + 0.1)
    return x


def _jax_gradient(checkpointed: bool):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)

    def step(x, w):
        return jnp.tanh(w * x + 0.1), None

    body = jax.checkpoint(step) if checkpointed else step

    def loop(x, w, n):
        return jax.lax.scan(lambda carry, _: body(carry, w), x, None, length=n)[0]

    gradient = jax.jit(jax.grad(loop, argnums=(0, 1)), static_argnums=2)
    return lambda x, w, n: tuple(float(g) for g in jax.block_until_ready(gradient(x, w, n)))


def _gradient(variant: str):
    if variant == "zyg plain":
        return zyg.compile_grad(recurrence)
    if variant == "zyg checkpointed":
        return zyg.compile_grad(recurrence_checkpointed)
    return _jax_gradient(checkpointed=variant == "JAX scan, jax.checkpoint body")


VARIANTS = ("zyg plain", "zyg checkpointed", "JAX scan", "JAX scan, jax.checkpoint body")


def measure(variant: str, steps: int) -> dict:
    """In this process: the peak memory (MiB) and median time (ms) of one gradient of `steps` steps."""
    gradient = _gradient(variant)
    # zyg's first call is of one step: a module keeps the slots of its last tape for the next call
    # (`zyg.backend.runtime.SPARE_SLOTS_BYTES`), so a first call at full size would leave the tape
    # resident and the measured call would not count it. JAX compiles per length (`n` is static).
    gradient(X, W, 1 if variant.startswith("zyg") else steps)
    peak = peak_memory_mib(lambda: gradient(X, W, steps))
    seconds = median_seconds(gradient, X, W, steps, repeat=5)
    return {"variant": variant, "peak_mib": peak, "ms": seconds * 1e3, "gradient": [g for g in gradient(X, W, steps) if g is not None]}


def run_variant(variant: str, steps: int) -> dict:
    """`measure` in a fresh single-threaded process; `{"skipped": reason}` where JAX is missing."""
    env_flags = {"OMP_NUM_THREADS": "1", "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false"}
    command = [sys.executable, "-m", "bench.checkpoint", "--variant", variant, "--steps", str(steps)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
                          env={**os.environ, **env_flags})
    if done.returncode != 0 and "No module named 'jax'" in done.stderr:
        return {"variant": variant, "skipped": "JAX is not installed (make bench installs it)"}
    if done.returncode != 0:
        raise RuntimeError(f"{variant}: {done.stderr.strip().splitlines()[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--variant", choices=VARIANTS, help="measure one variant in this process (JSON)")
    args = parser.parse_args(argv)
    if args.variant is not None:
        print(json.dumps(measure(args.variant, args.steps)))
        return
    results = [run_variant(v, args.steps) for v in VARIANTS]
    base = results[0]
    print(f"gradient of a {args.steps}-step loop, x = tanh(w * x + 0.1)")
    print(f"{'variant':32} {'peak MiB':>9} {'/ plain':>8} {'ms':>9} {'/ plain':>8}")
    for r in results:
        if "skipped" in r:
            print(f"{r['variant']:32} skipped: {r['skipped']}")
            continue
        memory = r["peak_mib"] / base["peak_mib"] if base["peak_mib"] else float("nan")
        print(f"{r['variant']:32} {r['peak_mib']:9.2f} {memory:8.3f} {r['ms']:9.2f} {r['ms'] / base['ms']:8.2f}")
        difference = max(abs(a - b) for a, b in zip(r["gradient"], base["gradient"]))
        if difference > 1e-12 * max(1.0, *map(abs, base["gradient"])):
            print(f"{'':32} (gradient differs from zyg plain by {difference:.1e})")


if __name__ == "__main__":
    main()
