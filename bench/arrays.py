"""Array measurements (issue #3): `python -m bench.arrays`.

Prints, measured in this run, each gradient's time against NumPy doing the same work by hand:
(a) the gradient of `np.sum(x ** 2)` at n = 10**6 divided by the NumPy primal time,
(b) the gradient of a two-layer MLP loss (batch 128, 64 -> 256 -> 10, tanh, squared error) divided by
    the NumPy primal time, with the hand-written NumPy gradient's ratio beside it,
(c) the gradient / compiled-primal ratio of a scalar-indexing loop `s += w[i] * v[i]` at n = 10**6,
    beside the time NumPy needs just to produce the gradient's two new arrays.
OpenBLAS (NumPy's and zyg's) runs single-threaded (see bench/__init__.py).
Every gradient is checked against the hand-written one before it is timed.
"""

from __future__ import annotations

import numpy as np
import zyg

from bench.timing import median_seconds


def sum_of_squares(x):
    return np.sum(x ** 2)


def mlp_loss(w1, b1, w2, b2, x, y):
    h = np.tanh(x @ w1 + b1)
    out = h @ w2 + b2
    return np.mean((out - y) ** 2)


def mlp_loss_gradient_by_hand(w1, b1, w2, b2, x, y):
    h = np.tanh(x @ w1 + b1)
    out = h @ w2 + b2
    d_out = 2.0 * (out - y) / out.size
    d_pre = (d_out @ w2.T) * (1.0 - h * h)
    return x.T @ d_pre, d_pre.sum(axis=0), h.T @ d_out, d_out.sum(axis=0)


def dot_loop(w, v):
    s = 0.0
    for i in range(len(v)):
        s += w[i] * v[i]
    return s




def _check(name: str, got: tuple, expected: tuple) -> None:
    """Stops the run if zyg's gradient (one entry per argument) differs from the hand-written one."""
    for g, e in zip(got, expected):
        if not np.allclose(g, e, rtol=1e-9, atol=1e-12):
            raise SystemExit(f"{name}: zyg's gradient differs from the hand-written one")


def sum_of_squares_ratio(rng, n: int = 1_000_000) -> None:
    x = rng.normal(size=n)
    grad = zyg.compile_grad(sum_of_squares)
    _check("sum(x**2)", grad(x), [2 * x])
    primal, gradient = median_seconds(sum_of_squares, x), median_seconds(grad, x)
    print(f"(a) sum(x**2), n=10**6: NumPy primal {primal * 1e3:.3f} ms, zyg gradient {gradient * 1e3:.3f} ms, "
          f"ratio {gradient / primal:.2f}")


def mlp_ratio(rng) -> None:
    x, y = rng.normal(size=(128, 64)), rng.normal(size=(128, 10))
    w1, b1 = rng.normal(size=(64, 256)) * 0.1, rng.normal(size=256) * 0.1
    w2, b2 = rng.normal(size=(256, 10)) * 0.1, rng.normal(size=10) * 0.1
    args = (w1, b1, w2, b2, x, y)
    grad = zyg.compile_grad(mlp_loss)
    _check("MLP", grad(*args), mlp_loss_gradient_by_hand(*args))
    primal = median_seconds(mlp_loss, *args)
    by_hand = median_seconds(mlp_loss_gradient_by_hand, *args)
    gradient = median_seconds(grad, *args)
    print(f"(b) MLP loss, batch 128, 64->256->10: NumPy primal {primal * 1e3:.3f} ms, "
          f"NumPy gradient by hand {by_hand * 1e3:.3f} ms (ratio {by_hand / primal:.2f}), "
          f"zyg gradient {gradient * 1e3:.3f} ms, ratio {gradient / primal:.2f}")


def scalar_loop_ratio(rng, n: int = 1_000_000) -> None:
    w, v = rng.normal(size=n), rng.normal(size=n)
    primal_fn, grad = zyg.jit(dot_loop), zyg.compile_grad(dot_loop)
    _check("scalar loop", grad(w, v), [v, w])
    primal, gradient = median_seconds(primal_fn, w, v), median_seconds(grad, w, v)
    fresh = median_seconds(lambda: (v.copy(), w.copy()))
    print(f"(c) loop s += w[i] * v[i], n=10**6: zyg primal {primal * 1e3:.3f} ms, zyg gradient "
          f"{gradient * 1e3:.3f} ms, ratio {gradient / primal:.2f} (NumPy's gradient by hand, "
          f"(v.copy(), w.copy()), alone takes {fresh * 1e3:.3f} ms: the two new 8 MB arrays)")


def main() -> None:
    rng = np.random.default_rng(0)
    sum_of_squares_ratio(rng)
    mlp_ratio(rng)
    scalar_loop_ratio(rng)


if __name__ == "__main__":
    main()
