"""Newton's method for square roots in a `while` loop whose trip count depends on the data, run
for each of 10^4 numbers; the gradient is taken w.r.t. the numbers."""

from __future__ import annotations

import numpy as np

from bench.workloads import Case

WRT = (0,)
# From y = a, at most 10 Newton steps reach the tolerance for a in [0.5, 100].
_STEPS = 12


def cases() -> list[Case]:
    return [Case("newton-10k", "Newton sqrt while loop n=10^4", "newton", {"n": 10_000}, quick=True)]


def inputs(n: int) -> tuple:
    return (np.random.default_rng(2).uniform(0.5, 100.0, size=n),)


def newton_sqrt(a):
    y = a
    while abs(y * y - a) > 1e-12 * a:
        y = 0.5 * (y + a / y)
    return y


def primal(a):
    s = 0.0
    for i in range(len(a)):
        s += newton_sqrt(a[i])
    return s


def primal_by_hand(a):
    y = a.copy()
    active = np.abs(y * y - a) > 1e-12 * a
    while np.any(active):
        y[active] = 0.5 * (y[active] + a[active] / y[active])
        active = np.abs(y * y - a) > 1e-12 * a
    return np.sum(y)


def gradient_by_hand(a):
    """y^2 = a at convergence, so dy/da = 1 / (2y)."""
    return (0.5 / np.sqrt(a),)


def jax_primal(jnp, lax):
    def step(a):
        def body(_, y):
            return jnp.where(jnp.abs(y * y - a) > 1e-12 * a, 0.5 * (y + a / y), y)

        return lax.fori_loop(0, _STEPS, body, a)

    def newton_sum(a):
        return lax.fori_loop(0, a.shape[0], lambda i, s: s + step(a[i]), jnp.zeros((), a.dtype))

    return newton_sum


NOTES = {"jax": f"lax.fori_loop; the while loop is {_STEPS} masked steps (lax.while_loop has no reverse mode)",
         "manual": "vectorised Newton on masks; 1/(2 sqrt a)"}
REDUCED = {"torch": ({"n": 1_000}, 10.0), "autograd": ({"n": 1_000}, 10.0)}
