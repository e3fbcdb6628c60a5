"""A two-layer perceptron, 64 -> 256 -> 10 with tanh, and a softmax cross-entropy loss over a batch
of 128; the gradient is taken w.r.t. both weights and both biases."""

from __future__ import annotations

import numpy as np

from bench.workloads import Case

WRT = (0, 1, 2, 3)


def cases() -> list[Case]:
    return [Case("mlp-128", "MLP 64-256-10 batch 128", "mlp", {"batch": 128}, quick=True)]


def inputs(batch: int) -> tuple:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(batch, 64))
    y = np.eye(10)[rng.integers(0, 10, size=batch)]
    w1, b1 = rng.normal(size=(64, 256)) * 0.1, rng.normal(size=256) * 0.1
    w2, b2 = rng.normal(size=(256, 10)) * 0.1, rng.normal(size=10) * 0.1
    return w1, b1, w2, b2, x, y


def primal(w1, b1, w2, b2, x, y):
    h = np.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    zmax = np.max(z, axis=1, keepdims=True)
    log_p = z - zmax - np.log(np.sum(np.exp(z - zmax), axis=1, keepdims=True))
    return -np.sum(y * log_p) / x.shape[0]


def gradient_by_hand(w1, b1, w2, b2, x, y):
    h = np.tanh(x @ w1 + b1)
    z = h @ w2 + b2
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    d_z = (e / np.sum(e, axis=1, keepdims=True) - y) / x.shape[0]
    d_pre = (d_z @ w2.T) * (1.0 - h * h)
    return x.T @ d_pre, d_pre.sum(axis=0), h.T @ d_z, d_z.sum(axis=0)


def torch_primal(torch):
    def loss(w1, b1, w2, b2, x, y):
        h = torch.tanh(x @ w1 + b1)
        return -torch.sum(y * torch.log_softmax(h @ w2 + b2, dim=1)) / x.shape[0]

    return loss


NOTES = {"torch": "torch.log_softmax"}
