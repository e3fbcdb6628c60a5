"""Polynomial least squares with a Vandermonde matrix (GradBench's `llsq`): `V = t[:, None] ** np.arange(m)`
for n = 10^4 points `t` in [-1, 1] (none at 0), objective `0.5 * sum((V @ c - y)^2)`; the gradient is
taken w.r.t. the coefficients `c` and the points `t`. The power with an integer array exponent is
n m scalar powers."""

from __future__ import annotations

import numpy as np

from bench.workloads import Case, njit_module

WRT = (0, 1)


def cases() -> list[Case]:
    return [Case("llsq-n10k-m32", "Vandermonde least squares n=10^4 m=32", "llsq", {"n": 10_000, "m": 32},
                 quick=True)]


def inputs(n: int, m: int) -> tuple:
    t = np.linspace(-1.0, 1.0, n)  # n even: no point at 0, where t^0's derivative 0 t^-1 is nan
    rng = np.random.default_rng(11)
    return rng.normal(size=m) / m, t, np.sin(3.0 * t) + 0.1 * rng.normal(size=n)


def primal(c, t, y):
    v = t[:, None] ** np.arange(c.shape[0])
    r = v @ c - y
    return 0.5 * np.sum(r * r)


def gradient_by_hand(c, t, y):
    """r = V c - y: d c = V^T r; d t_i = r_i sum_j c_j j t_i^(j-1)."""
    m = c.shape[0]
    powers = np.arange(m)
    v = t[:, None] ** powers
    r = v @ c - y
    dv_dt = powers[1:] * t[:, None] ** (powers[1:] - 1)
    return v.T @ r, r * (dv_dt @ c[1:])


def numba_primal(numba):
    return njit_module(primal, numba)


NOTES = {"numba": "@njit on the same code"}
