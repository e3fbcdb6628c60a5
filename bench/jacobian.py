"""What a whole Jacobian costs: `python -m bench.jacobian`.

The Jacobian with respect to `x` of a 100-to-100 function (`tanh(W @ x)`, then four more tanh layers
with a skip connection in a loop), built by `zyg.jacobian` in compiled code: one forward sweep, then
100 reverse sweeps reading its tape, one per output element. Measured in the same run: JAX's
`jit(jacrev)` (reverse mode, vmapped over the rows) and `jit(jacfwd)` (forward mode, vmapped over
the columns) of the same function, when JAX is installed, and the compile times of each (zyg's
without its disk cache). The calls include each system's dispatch from Python.
"""

from __future__ import annotations

import os
import time

import numpy as np
import zyg

from bench.timing import median_ms

SIZE, LAYERS = 100, 4


def layers(w, x):
    y = np.tanh(w @ x)
    for _ in range(LAYERS):
        y = np.tanh(w @ y) + 0.1 * x
    return y


def _first_call_seconds(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    rng = np.random.default_rng(3)
    w, x = rng.normal(size=(SIZE, SIZE)) / np.sqrt(SIZE), rng.normal(size=SIZE)
    cache = os.environ.get("ZYG_CACHE")
    os.environ["ZYG_CACHE"] = "0"  # a cold compile, not a load from the disk cache
    try:
        compile_s = _first_call_seconds(lambda: zyg.jacobian(layers, w, x, argnums=1))
    finally:
        os.environ.pop("ZYG_CACHE") if cache is None else os.environ.update(ZYG_CACHE=cache)
    ours = median_ms(lambda a, b: zyg.jacobian(layers, a, b, argnums=1), (w, x))
    gradient = median_ms(zyg.compile_grad(lambda a, b: np.sum(layers(a, b)), argnums=1), (w, x))
    print(f"{'zyg.jacobian, 100 x 100':34} {ours:8.3f} ms  (compile {compile_s:.2f} s; one gradient "
          f"{gradient:.3f} ms, jacobian / (100 gradients): {ours / (SIZE * gradient):.2f})")
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        print(f"{'JAX jacrev, jacfwd':34} skipped: JAX is not installed (make bench installs it)")
        return
    jax.config.update("jax_enable_x64", True)

    def jax_layers(w, x):
        y = jnp.tanh(w @ x)
        for _ in range(LAYERS):
            y = jnp.tanh(w @ y) + 0.1 * x
        return y

    expected = zyg.jacobian(layers, w, x, argnums=1)
    for name, transform in (("jacrev", jax.jacrev), ("jacfwd", jax.jacfwd)):
        jacobian = jax.jit(transform(jax_layers, argnums=1))
        compile_s = _first_call_seconds(lambda jac=jacobian: jax.block_until_ready(jac(w, x)))
        theirs = median_ms(lambda a, b, jac=jacobian: jax.block_until_ready(jac(a, b)), (w, x))
        error = np.max(np.abs(np.asarray(jacobian(w, x)) - expected))
        print(f"{'JAX jit(' + name + ')':34} {theirs:8.3f} ms  (compile {compile_s:.2f} s; zyg / JAX: "
              f"{ours / theirs:.2f}; largest difference from zyg {error:.1e})")


if __name__ == "__main__":
    main()
