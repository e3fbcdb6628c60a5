"""A binary-tree-shaped recursion of depth 15 over floats: 2^16 - 1 calls; gradient w.r.t. `x`."""

from __future__ import annotations

import math

import numpy as np

from bench.workloads import Case, rebind

WRT = (0,)


def cases() -> list[Case]:
    return [Case("tree-depth15", "binary-tree recursion depth 15", "tree", {"depth": 15}, quick=True)]


def inputs(depth: int) -> tuple:
    return 0.3, depth


def primal(x, depth):
    if depth == 0:
        return np.sin(x)
    left = primal(0.9 * x + 0.1, depth - 1)
    right = primal(1.1 * x - 0.2, depth - 1)
    return np.tanh(left + 0.5 * right) + 0.1 * x


# By hand, a Python programmer would call `math` on floats: NumPy's functions cost a microsecond a call.
primal_by_hand = rebind(primal, np=math)


def _value_and_derivative(x, depth):
    if depth == 0:
        return math.sin(x), math.cos(x)
    left, d_left = _value_and_derivative(0.9 * x + 0.1, depth - 1)
    right, d_right = _value_and_derivative(1.1 * x - 0.2, depth - 1)
    t = math.tanh(left + 0.5 * right)
    return t + 0.1 * x, (1.0 - t * t) * (0.9 * d_left + 0.55 * d_right) + 0.1


def gradient_by_hand(x, depth):
    """The derivative carried up the recursion beside the value (plain Python floats)."""
    return (_value_and_derivative(x, depth)[1],)


NOTES = {"manual": "plain Python recursion carrying the derivative"}
# 2^12 calls instead of 2^16: the tape of every call costs the same.
REDUCED = {"torch": ({"depth": 11}, 16.0), "autograd": ({"depth": 11}, 16.0)}
SKIP = {"jax": "jax.jit traces the recursion into one program of 2^16 inlined calls; on this machine its "
               "compilation was killed after 175 s (2026-11-22)"}
