"""Higher-order derivatives against JAX: `python -m bench.higher_order`.

1. The Hessian of a 100-variable function (a chained Rosenbrock plus a tanh coupling through a fixed
   matrix), by `zyg.hessian` (a compiled loop of forward-over-reverse Hessian-vector products) and
   by JAX's `jit(hessian)` (jacfwd of jacrev): time per call and cold compile time.
2. One Hessian-vector product of the same function: `zyg.hvp` and JAX's `jit(jvp of grad)`.
3. A gradient of a gradient: `d/dx sum(grad(g)(x) * x)`, zyg's nested requests (reverse over reverse
   answered as forward over reverse) and JAX's `jit(grad(...grad...))`.
The Jacobian of a 100-to-100 function is `python -m bench.jacobian`; the memory of a checkpointed
10^6-step loop is `python -m bench.checkpoint`. zyg's compile times are without its disk cache; the
calls include each system's dispatch from Python. Peers are measured in the same run.
"""

from __future__ import annotations

import os
import time

import numpy as np
import zyg

from bench.timing import median_ms

SIZE = 100
COUPLING = np.random.default_rng(11).normal(size=(SIZE, SIZE)) / np.sqrt(SIZE)


def energy(x):
    chain = np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return chain + np.sum(np.tanh(COUPLING @ x) ** 2)


def steepness(x):
    return np.sum(zyg.gradient(energy, x)[0] * x)


def _cold(fn, *args) -> float:
    """Seconds of the first call of `fn` with zyg's disk cache off."""
    saved = os.environ.get("ZYG_CACHE")
    os.environ["ZYG_CACHE"] = "0"
    try:
        start = time.perf_counter()
        fn(*args)
        return time.perf_counter() - start
    finally:
        os.environ.pop("ZYG_CACHE") if saved is None else os.environ.update(ZYG_CACHE=saved)


def _row(name: str, ms: float, note: str) -> None:
    print(f"{name:40} {ms:9.3f} ms  {note}")


def main() -> None:
    rng = np.random.default_rng(5)
    x, v = rng.uniform(-1.0, 1.0, SIZE), rng.uniform(-1.0, 1.0, SIZE)
    ours = {
        "hessian": (lambda a: zyg.hessian(energy, a), (x,)),
        "hvp": (lambda a, b: zyg.hvp(energy, a, b), (x, v)),
        "grad of grad": (lambda a: zyg.gradient(steepness, a)[0], (x,)),
    }
    compiled = {name: _cold(fn, *args) for name, (fn, args) in ours.items()}
    timed = {name: median_ms(fn, args) for name, (fn, args) in ours.items()}
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        for name in ours:
            _row(f"zyg {name}", timed[name], f"(compile {compiled[name]:.2f} s; JAX not installed: make bench)")
        return
    jax.config.update("jax_enable_x64", True)
    coupling = jnp.asarray(COUPLING)

    def jax_energy(x):
        chain = jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
        return chain + jnp.sum(jnp.tanh(coupling @ x) ** 2)

    def jax_steepness(x):
        return jnp.sum(jax.grad(jax_energy)(x) * x)

    theirs = {
        "hessian": (jax.jit(jax.hessian(jax_energy)), (x,)),
        "hvp": (jax.jit(lambda a, b: jax.jvp(jax.grad(jax_energy), (a,), (b,))[1]), (x, v)),
        "grad of grad": (jax.jit(jax.grad(jax_steepness)), (x,)),
    }
    for name, (fn, args) in theirs.items():
        start = time.perf_counter()
        expected = np.asarray(jax.block_until_ready(fn(*args)))
        jax_compile = time.perf_counter() - start
        jax_ms = median_ms(lambda *a, f=fn: jax.block_until_ready(f(*a)), args)
        ours_fn, ours_args = ours[name]
        error = np.max(np.abs(np.asarray(ours_fn(*ours_args)) - expected)) / max(1.0, np.max(np.abs(expected)))
        _row(f"zyg {name}", timed[name], f"(compile {compiled[name]:.2f} s)")
        _row(f"JAX jit {name}", jax_ms, f"(compile {jax_compile:.2f} s; zyg / JAX: {timed[name] / jax_ms:.2f}; "
             f"largest relative difference {error:.1e})")


if __name__ == "__main__":
    main()
