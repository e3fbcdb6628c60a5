"""What a whole Jacobian costs: `python -m bench.jacobian`.

The Jacobian with respect to `x` of three functions, built by `zyg.jacobian` in compiled code:

- square, 100 to 100 (`tanh(W @ x)`, then four more tanh layers with a skip connection in a loop):
  one forward sweep, then 100 reverse sweeps reading its tape, one per output element (rows: the
  inputs are not fewer);
- wide, 10 to 1000, and tall, 1000 to 10 (a 100-wide tanh network between them): the wide one by 10
  forward-mode sweeps, one per input element (columns), the tall one by 10 reverse sweeps. Both come
  from one compile (the tall one's shows as none): the mode is chosen at run time, from the sizes.

Each line gives the time of one sweep of the mode chosen (a gradient of the sum of the outputs, or a
jvp) and the Jacobian's time over that many sweeps. Measured in the same run: JAX's `jit(jacrev)`
(reverse mode, vmapped over the rows) and `jit(jacfwd)` (forward mode, vmapped over the columns) of
the same functions, when JAX is installed, and the compile times of each (zyg's without its disk
cache). The calls include each system's dispatch from Python.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np
import zyg

from bench.timing import median_ms

SIZE, LAYERS, HIDDEN = 100, 4, 100


def layers(w, x):
    y = np.tanh(w @ x)
    for _ in range(LAYERS):
        y = np.tanh(w @ y) + 0.1 * x
    return y


def network(w_in, w, w_out, x):
    h = np.tanh(w_in @ x)
    for _ in range(LAYERS):
        h = np.tanh(w @ h) + 0.1 * h
    return np.tanh(w_out @ h)


def summed_layers(w, x):
    return np.sum(layers(w, x))


def summed_network(w_in, w, w_out, x):
    return np.sum(network(w_in, w, w_out, x))


SUMMED = {layers: summed_layers, network: summed_network}


def _cases(rng) -> list[tuple[str, Callable, tuple]]:
    """(name, function, arguments): the Jacobian is with respect to the last argument."""
    def weights(rows, columns):
        return rng.normal(size=(rows, columns)) / np.sqrt(columns)

    def network_args(n, m):
        return weights(HIDDEN, n), weights(HIDDEN, HIDDEN), weights(m, HIDDEN), rng.normal(size=n)

    return [("square, 100 -> 100 (rows)", layers, (weights(SIZE, SIZE), rng.normal(size=SIZE))),
            ("wide, 10 -> 1000 (columns)", network, network_args(10, 1000)),
            ("tall, 1000 -> 10 (rows)", network, network_args(1000, 10))]


def _first_call_seconds(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def _cold_compile_seconds(fn: Callable) -> float:
    """The first call of `fn` without zyg's disk cache."""
    cache = os.environ.get("ZYG_CACHE")
    os.environ["ZYG_CACHE"] = "0"  # a cold compile, not a load from the disk cache
    try:
        return _first_call_seconds(fn)
    finally:
        os.environ.pop("ZYG_CACHE") if cache is None else os.environ.update(ZYG_CACHE=cache)


def _one_sweep_ms(f: Callable, args: tuple, n: int, m: int) -> tuple[float, int, str]:
    """The time of one sweep of the mode `zyg.jacobian` chooses, how many it runs, and its name."""
    last = len(args) - 1
    if n < m:
        direction = (*(None for _ in args[:-1]), np.ones(n))
        return median_ms(lambda *a: zyg.jvp(f, a, direction), args), n, "jvp"
    gradient = zyg.compile_grad(SUMMED[f], argnums=last)
    return median_ms(gradient, args), m, "gradient"


def _zyg_line(name: str, f: Callable, args: tuple) -> tuple[np.ndarray, float]:
    """Times `zyg.jacobian` of `f` with respect to its last argument and prints it; returns the
    Jacobian and its time in milliseconds."""
    last = len(args) - 1
    compile_s = _cold_compile_seconds(lambda: zyg.jacobian(f, *args, argnums=last))
    ours = median_ms(lambda *a: zyg.jacobian(f, *a, argnums=last), args)
    jacobian = zyg.jacobian(f, *args, argnums=last)
    sweep, sweeps, kind = _one_sweep_ms(f, args, jacobian.shape[1], jacobian.shape[0])
    print(f"{'zyg.jacobian, ' + name:40} {ours:8.3f} ms  (compile {compile_s:.2f} s; one {kind} {sweep:.3f} ms, "
          f"jacobian / ({sweeps} {kind}s): {ours / (sweeps * sweep):.2f})")
    return jacobian, ours


def _jax_lines(jax, f: Callable, args: tuple, expected: np.ndarray, ours: float) -> None:
    """Times JAX's `jit(jacrev)` and `jit(jacfwd)` of `f` (a JAX function) and prints them."""
    last = len(args) - 1
    for name, transform in (("jacrev", jax.jacrev), ("jacfwd", jax.jacfwd)):
        jacobian = jax.jit(transform(f, argnums=last))
        compile_s = _first_call_seconds(lambda jac=jacobian: jax.block_until_ready(jac(*args)))
        theirs = median_ms(lambda *a, jac=jacobian: jax.block_until_ready(jac(*a)), args)
        error = np.max(np.abs(np.asarray(jacobian(*args)) - expected))
        print(f"{'  JAX jit(' + name + ')':40} {theirs:8.3f} ms  (compile {compile_s:.2f} s; zyg / JAX: "
              f"{ours / theirs:.2f}; largest difference from zyg {error:.1e})")


def _jax_twins(jnp) -> dict[Callable, Callable]:
    """The functions above written for JAX, by the function they copy."""
    def jax_layers(w, x):
        y = jnp.tanh(w @ x)
        for _ in range(LAYERS):
            y = jnp.tanh(w @ y) + 0.1 * x
        return y

    def jax_network(w_in, w, w_out, x):
        h = jnp.tanh(w_in @ x)
        for _ in range(LAYERS):
            h = jnp.tanh(w @ h) + 0.1 * h
        return jnp.tanh(w_out @ h)

    return {layers: jax_layers, network: jax_network}


def main() -> None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        jax = None
    else:
        jax.config.update("jax_enable_x64", True)
    for name, f, args in _cases(np.random.default_rng(3)):
        expected, ours = _zyg_line(name, f, args)
        if jax is None:
            print(f"{'  JAX jacrev, jacfwd':40} skipped: JAX is not installed (make bench installs it)")
            continue
        _jax_lines(jax, _jax_twins(jnp)[f], args, expected, ours)


if __name__ == "__main__":
    main()
