"""The GPU check of issue 16, as one prepared script: `python -m bench.gpu`.

On a machine with a CUDA device: runs the GPU tests (`test/unit/test_gpu.py`), then times the gradients
of the MLP (batch 4096, 1024 -> 4096 -> 10) and of the GMM objective (d=64, K=100, n=100000) with
`device="gpu"` against JAX's `jit(grad)` on the same GPU (when JAX with CUDA is installed), checking
that they agree. zyg's ratio is from arguments already on the GPU (`zyg.to_device`), as JAX's are; the
time from NumPy arrays, copied at each call, is printed too. Elsewhere it says what is missing and exits 0: CI has no GPU.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.workloads import gmm, mlp

_ROOT = Path(__file__).resolve().parent.parent


def mlp_inputs(batch: int = 4096, width: int = 1024, hidden: int = 4096, classes: int = 10) -> tuple:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(batch, width))
    y = np.eye(classes)[rng.integers(0, classes, size=batch)]
    return (rng.normal(size=(width, hidden)) / np.sqrt(width), np.zeros(hidden),
            rng.normal(size=(hidden, classes)) / np.sqrt(hidden), np.zeros(classes), x, y)


def gmm_inputs(d: int = 64, k: int = 100, n: int = 100_000) -> tuple:
    rng = np.random.default_rng(5)
    icf = rng.normal(size=(k, d + d * (d - 1) // 2)) * 0.1
    return (rng.normal(size=k), rng.normal(size=(k, d)), icf, rng.normal(size=(n, d)), 1.0, 0.0,
            gmm.lower_triangle_positions(d))


def _median_seconds(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _zyg(module, args):
    """The first call's seconds, the median call's from NumPy arrays (copied to the GPU at each call)
    and from `zyg.to_device` arrays (as JAX's are), and the gradient."""
    import zyg

    g = zyg.compile_grad(module.primal, argnums=module.WRT, device="gpu")
    start = time.perf_counter()
    result = g(*args)
    first = time.perf_counter() - start
    on_device = zyg.to_device(args)
    return first, _median_seconds(lambda: g(*args)), _median_seconds(lambda: g(*on_device)), result


def _jax(module, args):
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    if jax.default_backend() != "gpu":
        return None
    import jax.numpy as jnp

    from bench.workloads import rebind

    fn = rebind(module.primal, np=jnp)
    device_args = [jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    static = tuple(i for i, a in enumerate(args) if isinstance(a, int))
    grad = jax.jit(jax.grad(fn, argnums=module.WRT), static_argnums=static)
    start = time.perf_counter()
    result = jax.block_until_ready(grad(*device_args))
    first = time.perf_counter() - start
    return first, _median_seconds(lambda: jax.block_until_ready(grad(*device_args))), [np.asarray(r) for r in result]


def main() -> int:
    from zyg.backend import cuda

    missing = cuda.missing()
    if missing is not None:
        print(f"bench.gpu: nothing to run here: {missing}")
        return 0
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test/unit/test_gpu.py"],
                           cwd=_ROOT, capture_output=True, text=True)
    print("test_gpu.py:", (tests.stdout.strip().splitlines() or ["no output"])[-1])
    for name, module, args in (("MLP 4096, 1024-4096-10", mlp, mlp_inputs()), ("GMM d=64 K=100 n=1e5", gmm, gmm_inputs())):
        first, from_host, steady, ours = _zyg(module, args)
        line = (f"{name}: zyg first {first:.2f} s, gradient {steady * 1e3:.2f} ms from zyg.to_device arrays "
                f"({from_host * 1e3:.2f} ms from NumPy's)")
        theirs = _jax(module, args)
        if theirs is None:
            print(line + "; JAX on the GPU not available")
            continue
        worst = max(float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300))
                    for a, b in zip(ours, theirs[2], strict=True))
        print(line + f"; JAX first {theirs[0]:.2f} s, gradient {theirs[1] * 1e3:.2f} ms; zyg / JAX "
                     f"{steady / theirs[1]:.2f}; largest relative difference {worst:.1e}")
    return tests.returncode


if __name__ == "__main__":
    sys.exit(main())
