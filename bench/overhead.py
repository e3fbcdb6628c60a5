"""Per-call overhead of compiled functions: `python -m bench.overhead`.

Prints the median time of one call, in microseconds, of gradients whose compiled work is negligible,
zyg's beside JAX's `jax.jit(jax.grad)` of the same function measured in the same run: a scalar function
of two floats, a function of three 4-element arrays, and a function of a dict of ten 4-element arrays,
each with the verdict on the target (zyg at most one fifth of JAX); then what each array beyond the
first adds (the dict of ten against a dict of one), and `zyg.jit` of the first two for scale. Without
JAX the zyg column alone is printed.
"""

from __future__ import annotations

import numpy as np
import zyg

from bench.timing import median_per_call

TARGET_SHARE_OF_JAX = 0.2  # zyg's overhead at most one fifth of JAX's dispatch
TARGET_PER_ARRAY_US = 1.0  # and each further array well under a microsecond


def scalar(x, y):
    return x * y + 1.0


def three_arrays(a, b, c):
    return a[0] * b[0] + c[0]


def dict_of_arrays(params):
    total = 0.0
    for key in params:
        total = total + params[key][0] * params[key][1]
    return total


def _median_us(fn, args: tuple) -> float:
    return median_per_call(fn, args, calls=2000, rounds=15) * 1e6


def _jax_grad():
    """`jax.jit(jax.grad)` of a function, blocking on its result; None without JAX."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)

    def make(fn):
        compiled = jax.jit(jax.grad(fn, argnums=tuple(range(fn.__code__.co_argcount))))
        return lambda *args: jax.block_until_ready(compiled(*args))

    return make


def main() -> None:
    arrays = tuple(np.ones(4) for _ in range(3))
    ten = {f"w{i}": np.full(4, 1.0 + i) for i in range(10)}
    one = {"w0": np.full(4, 1.0)}
    cases = [("two floats", scalar, (2.0, 3.0)), ("three float64 arrays", three_arrays, arrays),
             ("a dict of 10 arrays", dict_of_arrays, (ten,))]
    jax_grad = _jax_grad()
    if jax_grad is None:
        print("JAX is not installed (make bench installs it): zyg alone")
    print(f"{'gradient of':24} {'zyg (us)':>9} {'jax (us)':>9}  {'zyg / jax':>9}  target: zyg <= jax / 5")
    for name, fn, args in cases:
        ours = _median_us(zyg.compile_grad(fn), args)
        if jax_grad is None:
            print(f"{name:24} {ours:9.2f}")
            continue
        theirs = _median_us(jax_grad(fn), args)
        verdict = "met" if ours <= TARGET_SHARE_OF_JAX * theirs else "missed"
        print(f"{name:24} {ours:9.2f} {theirs:9.2f}  {ours / theirs:9.2f}  {verdict}")
    grad = zyg.compile_grad(dict_of_arrays)
    per_array = (_median_us(grad, (ten,)) - _median_us(grad, (one,))) / 9
    verdict = "met" if per_array < TARGET_PER_ARRAY_US else "missed"
    print(f"each array beyond the first (a dict of 10 against a dict of 1): {per_array:.2f} us  "
          f"(target under {TARGET_PER_ARRAY_US:.0f} us: {verdict})")
    print(f"for scale: a Python call of the scalar function {_median_us(scalar, (2.0, 3.0)):.2f} us, "
          f"zyg.jit of it {_median_us(zyg.jit(scalar), (2.0, 3.0)):.2f} us, "
          f"zyg.jit of the three-array function {_median_us(zyg.jit(three_arrays), arrays):.2f} us")


if __name__ == "__main__":
    main()
