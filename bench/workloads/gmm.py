"""The Gaussian mixture model objective of ADBench (GradBench's sign: log-likelihood + log-prior).

`icf` holds, per component, the log of the diagonal of the inverse Cholesky factor `Q` and then its
strictly lower triangle column by column; `lower` maps each (i, j) of a `d x d` matrix to its
position in `lower_entries` with a 0 in front (0 above the diagonal), so `Ls` is one gather. The normalising constants
(`-n d/2 log 2 pi` and the Wishart normaliser) do not depend on the parameters and are left out.
"""

from __future__ import annotations

import numpy as np

from bench.data import read_gmm
from bench.workloads import Case

WRT = (0, 1, 2)
_SIZES = ((2, 5, "1k", True), (10, 25, "1k", True), (20, 10, "1k", False), (64, 10, "1k", False),
          (10, 25, "10k", False))


def cases() -> list[Case]:
    return [Case(f"gmm-d{d}-K{k}-n{n}", f"GMM d={d} K={k} n={n.replace('k', '000')}", "gmm",
                 {"path": f"gmm/{n}/gmm_d{d}_K{k}.txt"}, quick) for d, k, n, quick in _SIZES]


def lower_triangle_positions(d: int) -> np.ndarray:
    """(d, d) int64: 1 + the index in `lower_entries` of entry (i, j) below the diagonal, else 0."""
    positions = np.zeros((d, d), dtype=np.int64)
    cols, rows = np.triu_indices(d, 1)
    positions[rows, cols] = np.arange(1, len(rows) + 1)
    return positions


def inputs(path: str) -> tuple:
    alphas, means, icf, x, gamma, m = read_gmm(path)
    return alphas, means, icf, x, gamma, m, lower_triangle_positions(x.shape[1])


def primal(alphas, means, icf, x, wishart_gamma, wishart_m, lower):
    n, d = x.shape
    k = alphas.shape[0]
    q = icf[:, :d]
    lower_entries = icf[:, d:]
    qdiags = np.exp(q)
    sum_qs = np.sum(q, axis=1)
    ls = np.concatenate([np.zeros((1, k)), lower_entries.T])[lower]
    xc = x[:, None, :] - means[None, :, :]
    z = qdiags[None, :, :] * xc + np.einsum("ijk,nkj->nki", ls, xc)
    beta = alphas + sum_qs - 0.5 * np.sum(z * z, axis=2)
    bmax = np.max(beta, axis=1)
    lse = bmax + np.log(np.sum(np.exp(beta - bmax[:, None]), axis=1))
    amax = np.max(alphas)
    lse_alphas = amax + np.log(np.sum(np.exp(alphas - amax)))
    frobenius = np.sum(qdiags * qdiags) + np.sum(lower_entries * lower_entries)
    log_prior = -0.5 * wishart_gamma * wishart_gamma * frobenius + wishart_m * np.sum(sum_qs)
    return np.sum(lse) - n * lse_alphas + log_prior


def _softmax(a, axis):
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def gradient_by_hand(alphas, means, icf, x, wishart_gamma, wishart_m, lower):
    """d/d(alphas, means, icf). With `P` the responsibilities softmax_k(beta) and `z = Q_k (x - mu_k)`:
    d alphas = sum_n P - n softmax(alphas); d means_k = sum_n P Q_k^T z; d Q_k = -sum_n P z (x - mu_k)^T,
    read on the diagonal (times exp(q)) and below it; plus the prior's terms."""
    n, d = x.shape
    k = alphas.shape[0]
    q, lower_entries = icf[:, :d], icf[:, d:]
    qdiags = np.exp(q)
    ls = np.concatenate([np.zeros((1, k)), lower_entries.T])[lower]
    xc = x[:, None, :] - means[None, :, :]
    z = qdiags[None] * xc + np.einsum("ijk,nkj->nki", ls, xc)
    beta = alphas + q.sum(axis=1) - 0.5 * np.sum(z * z, axis=2)
    p = _softmax(beta, axis=1)
    d_alphas = p.sum(axis=0) - n * _softmax(alphas, axis=0)
    pz = p[:, :, None] * z
    d_means = (qdiags[None] * pz + np.einsum("ijk,nki->nkj", ls, pz)).sum(axis=0)
    d_q_matrix = -np.einsum("nki,nkj->kij", pz, xc)
    cols, rows = np.triu_indices(d, 1)
    gamma2 = wishart_gamma * wishart_gamma
    d_q = p.sum(axis=0)[:, None] + np.diagonal(d_q_matrix, axis1=1, axis2=2) * qdiags - gamma2 * qdiags ** 2 + wishart_m
    d_l = d_q_matrix[:, rows, cols] - gamma2 * lower_entries
    return d_alphas, d_means, np.concatenate([d_q, d_l], axis=1)


def torch_primal(torch):
    """The same code on tensors: `np.max` is `torch.amax` and `np.concatenate` is `torch.cat`."""

    def objective(alphas, means, icf, x, wishart_gamma, wishart_m, lower):
        n, d = x.shape
        k = alphas.shape[0]
        q, lower_entries = icf[:, :d], icf[:, d:]
        qdiags = torch.exp(q)
        sum_qs = torch.sum(q, dim=1)
        ls = torch.cat([torch.zeros((1, k), dtype=icf.dtype), lower_entries.T])[lower]
        xc = x[:, None, :] - means[None, :, :]
        z = qdiags[None, :, :] * xc + torch.einsum("ijk,nkj->nki", ls, xc)
        beta = alphas + sum_qs - 0.5 * torch.sum(z * z, dim=2)
        lse = torch.logsumexp(beta, dim=1)
        frobenius = torch.sum(qdiags * qdiags) + torch.sum(lower_entries * lower_entries)
        log_prior = -0.5 * wishart_gamma * wishart_gamma * frobenius + wishart_m * torch.sum(sum_qs)
        return torch.sum(lse) - n * torch.logsumexp(alphas, dim=0) + log_prior

    return objective


NOTES = {"torch": "torch.logsumexp for the two log-sum-exps"}
