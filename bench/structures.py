"""What structured parameters cost: `python -m bench.structures`.

The MLP of `bench.workloads.mlp` (64 -> 256 -> 10, tanh, softmax cross-entropy, batch 128) with its
parameters as a list of dataclass layers, beside the same MLP with four flat array arguments, both
compiled by zyg and measured in the same run; then JAX's `jit(grad)` of the same model as a list of
dicts (its pytree), when JAX is installed. Structures are compile-time trees in zyg, so the aim for
the structured / flat ratio is 1.00 within noise.

Then the gradient of an RNN (64 hidden units, 200 steps) that keeps its states in a list grown in the
loop (`hs.append(h)`, then `np.stack(hs)`), beside the same RNN writing them into a preallocated
array: the list's growth (doubling, copying) should cost little next to the steps.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import zyg

from bench.timing import median_ms
from bench.workloads import mlp


@dataclasses.dataclass
class Dense:
    kernel: np.ndarray
    bias: np.ndarray


def structured_loss(layers, x, y):
    h = np.tanh(x @ layers[0].kernel + layers[0].bias)
    z = h @ layers[1].kernel + layers[1].bias
    zmax = np.max(z, axis=1, keepdims=True)
    log_p = z - zmax - np.log(np.sum(np.exp(z - zmax), axis=1, keepdims=True))
    return -np.sum(y * log_p) / x.shape[0]


def rnn_with_a_list(w, u, xs):
    h = np.zeros(w.shape[0])
    hs = []
    for t in range(xs.shape[0]):
        h = np.tanh(w @ h + u @ xs[t])
        hs.append(h)
    return np.sum(np.stack(hs) ** 2)


def rnn_states(w, u, xs):
    h = np.zeros(w.shape[0])
    states = np.zeros((xs.shape[0], w.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(w @ h + u @ xs[t])
        states[t] = h
    return states


def rnn_preallocated(w, u, xs):
    return np.sum(rnn_states(w, u, xs) ** 2)


def main() -> None:
    w1, b1, w2, b2, x, y = mlp.inputs(128)
    layers = [Dense(w1, b1), Dense(w2, b2)]
    flat = median_ms(zyg.compile_grad(mlp.primal, argnums=(0, 1, 2, 3)), (w1, b1, w2, b2, x, y))
    structured_grad = zyg.compile_grad(structured_loss, argnums=0)
    grads = structured_grad(layers, x, y)
    by_hand = mlp.gradient_by_hand(w1, b1, w2, b2, x, y)
    error = max(np.max(np.abs(g - h)) for g, h in zip(
        [grads[0].kernel, grads[0].bias, grads[1].kernel, grads[1].bias], by_hand))
    structured = median_ms(structured_grad, (layers, x, y))
    print(f"{'zyg, four flat arrays':40} {flat:7.3f} ms")
    print(f"{'zyg, a list of two Dense dataclasses':40} {structured:7.3f} ms  "
          f"(structured / flat: {structured / flat:.2f}; largest difference from the hand gradient {error:.1e})")
    rng = np.random.default_rng(1)
    w, u, xs = rng.normal(size=(64, 64)) * 0.1, rng.normal(size=(64, 16)) * 0.1, rng.normal(size=(200, 16))
    listed = median_ms(zyg.compile_grad(rnn_with_a_list, argnums=(0, 1)), (w, u, xs))
    preallocated = median_ms(zyg.compile_grad(rnn_preallocated, argnums=(0, 1)), (w, u, xs))
    print(f"{'zyg, RNN states in a preallocated array':40} {preallocated:7.3f} ms")
    print(f"{'zyg, RNN states in a grown list':40} {listed:7.3f} ms  (list / preallocated: {listed / preallocated:.2f})")
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        print(f"{'JAX jit(grad), a list of two dicts':40} skipped: JAX is not installed (make bench installs it)")
        return
    jax.config.update("jax_enable_x64", True)

    def jax_loss(params, x, y):
        h = jnp.tanh(x @ params[0]["kernel"] + params[0]["bias"])
        z = h @ params[1]["kernel"] + params[1]["bias"]
        return -jnp.sum(y * jax.nn.log_softmax(z, axis=1)) / x.shape[0]

    params = [{"kernel": w1, "bias": b1}, {"kernel": w2, "bias": b2}]
    jax_grad = jax.jit(jax.grad(jax_loss))
    theirs = median_ms(lambda p, a, b: jax.block_until_ready(jax_grad(p, a, b)), (params, x, y))
    print(f"{'JAX jit(grad), a list of two dicts':40} {theirs:7.3f} ms  (zyg structured / JAX: {structured / theirs:.2f})")


if __name__ == "__main__":
    main()
