"""An RK4 integrator (GradBench's `ode`): y' = f(x, y) with f(x, y)_0 = x_0 and f(x, y)_i = x_i y_(i-1),
from y = 0 over [0, 2] in `s` steps, for a state of n = 10^4; the objective is the sum of the final
state, and the gradient is taken w.r.t. the coefficients `x`. Every step builds a dozen new arrays
of the state's size (slices, products, a concatenation) in four calls of `ode_fun`."""

from __future__ import annotations

import numpy as np

from bench.workloads import Case, njit_module

WRT = (0,)
_FINAL_TIME = 2.0


def cases() -> list[Case]:
    return [Case("ode-n10k-s100", "RK4 ODE n=10^4, 100 steps", "ode", {"n": 10_000, "steps": 100}, quick=True)]


def inputs(n: int, steps: int) -> tuple:
    return np.random.default_rng(5).uniform(0.5, 1.5, size=n), steps


def ode_fun(x, y):
    return np.concatenate((x[:1], x[1:] * y[:-1]))


def primal(x, steps):
    h = _FINAL_TIME / steps
    y = np.zeros(x.shape[0])
    for _ in range(steps):
        k1 = ode_fun(x, y)
        k2 = ode_fun(x, y + h / 2 * k1)
        k3 = ode_fun(x, y + h / 2 * k2)
        k4 = ode_fun(x, y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return np.sum(y)


def _ode_fun_vjp(x, y, ct):
    """z = f(x, y): x_ct = (ct_0, ct_i y_(i-1)), y_ct = (ct_(i+1) x_(i+1), 0)."""
    x_ct = np.concatenate((ct[:1], ct[1:] * y[:-1]))
    y_ct = np.concatenate((ct[1:] * x[1:], np.zeros(1)))
    return x_ct, y_ct


def gradient_by_hand(x, steps):
    """The RK4 steps run forward keeping each step's stage inputs, then backward through them."""
    h = _FINAL_TIME / steps
    y = np.zeros(x.shape[0])
    tape = []
    for _ in range(steps):
        y1 = y
        k1 = ode_fun(x, y1)
        y2 = y + h / 2 * k1
        k2 = ode_fun(x, y2)
        y3 = y + h / 2 * k2
        k3 = ode_fun(x, y3)
        y4 = y + h * k3
        k4 = ode_fun(x, y4)
        tape.append((y1, y2, y3, y4))
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    y_ct, x_ct = np.ones_like(x), np.zeros_like(x)
    for y1, y2, y3, y4 in reversed(tape):
        k4_ct, k3_ct, k2_ct, k1_ct = h / 6 * y_ct, h / 3 * y_ct, h / 3 * y_ct, h / 6 * y_ct
        dx, y4_ct = _ode_fun_vjp(x, y4, k4_ct)
        x_ct += dx
        y_ct = y_ct + y4_ct
        k3_ct = k3_ct + h * y4_ct
        dx, y3_ct = _ode_fun_vjp(x, y3, k3_ct)
        x_ct += dx
        y_ct = y_ct + y3_ct
        k2_ct = k2_ct + h / 2 * y3_ct
        dx, y2_ct = _ode_fun_vjp(x, y2, k2_ct)
        x_ct += dx
        y_ct = y_ct + y2_ct
        k1_ct = k1_ct + h / 2 * y2_ct
        dx, y1_ct = _ode_fun_vjp(x, y1, k1_ct)
        x_ct += dx
        y_ct = y_ct + y1_ct
    return (x_ct,)


def jax_primal(jnp, lax):
    def fun(x, y):
        return jnp.concatenate((x[:1], x[1:] * y[:-1]))

    def integrate(x, steps):
        h = _FINAL_TIME / steps

        def step(_, y):
            k1 = fun(x, y)
            k2 = fun(x, y + h / 2 * k1)
            k3 = fun(x, y + h / 2 * k2)
            k4 = fun(x, y + h * k3)
            return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

        return jnp.sum(lax.fori_loop(0, steps, step, jnp.zeros(x.shape[0], x.dtype)))

    return integrate


def numba_primal(numba):
    return njit_module(primal, numba)


NOTES = {"jax": "lax.fori_loop over the steps", "numba": "@njit on the same code"}
