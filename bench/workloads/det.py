"""The determinant by recursive cofactor (Laplace) expansion along the first row (GradBench's `det`),
of a 7x7 matrix: 8659 calls, each building its minors by concatenating two column slices; the
gradient is taken w.r.t. the matrix."""

from __future__ import annotations

import numpy as np

from bench.workloads import Case, njit_module

WRT = (0,)


def cases() -> list[Case]:
    return [Case("det-7", "cofactor determinant 7x7", "det", {"n": 7}, quick=True)]


def inputs(n: int) -> tuple:
    return (np.random.default_rng(7).normal(size=(n, n)),)


def primal(a):
    n = a.shape[0]
    if n == 1:
        return a[0, 0]
    total = 0.0
    sign = 1.0
    for j in range(n):
        minor = np.concatenate((a[1:, :j], a[1:, j + 1:]), axis=1)
        total += sign * a[0, j] * primal(minor)
        sign = -sign
    return total


def primal_by_hand(a):
    return np.linalg.det(a)


def gradient_by_hand(a):
    """d det(A) / dA = det(A) A^-T (Jacobi's formula)."""
    return (np.linalg.det(a) * np.linalg.inv(a).T,)


def numba_primal(numba):
    return njit_module(primal, numba)


# 1236 calls at 6x6 instead of 8659: autograd's tape costs the same per call.
REDUCED = {"autograd": ({"n": 6}, 7.0)}
SKIP = {"jax": "jax.jit traces the recursion into one program of 13699 concatenations; its compilation "
               "took 180 s on this machine (2026-12-06)"}
NOTES = {"manual": "np.linalg.det (LU); Jacobi's formula det(A) A^-T", "numba": "@njit on the same code"}
