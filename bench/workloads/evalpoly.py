"""Horner's rule over 10^4 coefficients, a scalar loop; the gradient is taken w.r.t. the coefficients
and the point."""

from __future__ import annotations

import numpy as np

from bench.workloads import Case

WRT = (0, 1)


def cases() -> list[Case]:
    return [Case("evalpoly-10k", "Horner evalpoly n=10^4", "evalpoly", {"n": 10_000}, quick=True)]


def inputs(n: int) -> tuple:
    return np.random.default_rng(0).normal(size=n), 0.99


def primal(coeffs, x):
    s = 0.0
    for i in range(len(coeffs)):
        s = s * x + coeffs[i]
    return s


def gradient_by_hand(coeffs, x):
    n = len(coeffs)
    d_x = np.dot(coeffs[:-1] * np.arange(n - 1, 0, -1), x ** np.arange(n - 2, -1, -1, dtype=np.float64))
    return x ** np.arange(n - 1, -1, -1, dtype=np.float64), d_x


def primal_by_hand(coeffs, x):
    return np.dot(coeffs, x ** np.arange(len(coeffs) - 1, -1, -1, dtype=np.float64))


def jax_primal(jnp, lax):
    def evalpoly(coeffs, x):
        return lax.fori_loop(0, coeffs.shape[0], lambda i, s: s * x + coeffs[i], jnp.zeros((), coeffs.dtype))

    return evalpoly


NOTES = {"jax": "lax.fori_loop", "manual": "powers of x and a dot product"}
