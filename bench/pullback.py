"""What `back` costs once the forward sweep has run: `python -m bench.pullback`.

An RNN (64 hidden units, 200 steps, its states written into a preallocated array) whose output is the
array of states. `zyg.pullback` runs the forward sweep once; each `back(ct)` then runs only the
backward sweep on what it saved, as JAX's and Zygote's pullbacks do. Printed beside it, measured in
the same run: zyg's whole gradient of the cotangent-weighted output (forward and backward sweeps),
the forward sweep alone (`zyg.pullback`), and JAX's `back` from `jax.vjp` of the same function, when
JAX is installed. The aim: `back` costs the gradient minus the forward, and no more than JAX's.
"""

from __future__ import annotations

import numpy as np
import zyg

from bench.structures import rnn_states
from bench.timing import median_ms


def weighted_states(w, u, xs, ct):
    return np.sum(rnn_states(w, u, xs) * ct)


def main() -> None:
    rng = np.random.default_rng(1)
    w, u, xs = rng.normal(size=(64, 64)) * 0.1, rng.normal(size=(64, 16)) * 0.1, rng.normal(size=(200, 16))
    ct = rng.normal(size=(200, 64))
    gradient = median_ms(zyg.compile_grad(weighted_states, argnums=(0, 1)), (w, u, xs, ct))
    forward = median_ms(lambda *a: zyg.pullback(rnn_states, *a, argnums=(0, 1)), (w, u, xs))
    _, back = zyg.pullback(rnn_states, w, u, xs, argnums=(0, 1))
    backward = median_ms(back, (ct,))
    expected = zyg.gradient(weighted_states, w, u, xs, ct, argnums=(0, 1))
    error = max(np.max(np.abs(g - e)) for g, e in zip(back(ct), expected))
    print(f"{'zyg, gradient (forward + backward)':40} {gradient:7.3f} ms")
    print(f"{'zyg, pullback (the forward sweep)':40} {forward:7.3f} ms")
    print(f"{'zyg, back(ct) (the backward sweep)':40} {backward:7.3f} ms  (back / gradient: "
          f"{backward / gradient:.2f}; largest difference from the gradient {error:.1e})")
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        print(f"{'JAX back(ct) from jax.vjp':40} skipped: JAX is not installed (make bench installs it)")
        return
    jax.config.update("jax_enable_x64", True)

    def jax_states(w, u):
        def step(h, x):
            h = jnp.tanh(w @ h + u @ x)
            return h, h

        return jax.lax.scan(step, jnp.zeros(w.shape[0]), xs)[1]

    _, jax_back = jax.vjp(jax.jit(jax_states), w, u)
    jax_back = jax.jit(jax_back)
    theirs = median_ms(lambda c: jax.block_until_ready(jax_back(c)), (ct,))
    print(f"{'JAX back(ct) from jax.vjp':40} {theirs:7.3f} ms  (zyg back / JAX back: {backward / theirs:.2f})")


if __name__ == "__main__":
    main()
