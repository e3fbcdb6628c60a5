"""A sum of squares written as a loop with scalar indexing, over 10^6 elements."""

from __future__ import annotations

import numpy as np

from bench.workloads import Case

WRT = (0,)


def cases() -> list[Case]:
    return [Case("sum-of-squares-1M", "sum of squares loop n=10^6", "sum_of_squares", {"n": 1_000_000}, quick=True)]


def inputs(n: int) -> tuple:
    return (np.random.default_rng(1).normal(size=n),)


def primal(x):
    s = 0.0
    for i in range(len(x)):
        s += x[i] * x[i]
    return s


def primal_by_hand(x):
    return np.dot(x, x)


def gradient_by_hand(x):
    return (2.0 * x,)


def jax_primal(jnp, lax):
    def sum_of_squares(x):
        return lax.fori_loop(0, x.shape[0], lambda i, s: s + x[i] * x[i], jnp.zeros((), x.dtype))

    return sum_of_squares


NOTES = {"jax": "lax.fori_loop", "manual": "np.dot(x, x) and 2 x"}
# A gradient through PyTorch's or autograd's tape takes minutes at 10^6 steps.
REDUCED = {"torch": ({"n": 10_000}, 100.0), "autograd": ({"n": 10_000}, 100.0)}
