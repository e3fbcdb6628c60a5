"""Per-call overhead of compiled functions: `python -m bench.overhead`.

Prints the median time of one call, in microseconds, of functions whose compiled work is negligible:
a scalar function, a function of three small arrays, and their gradients, beside the targets (5 us
for a scalar function, 10 us for three array arguments) and beside a plain Python call for scale;
then the gradient of a function of a dict of ten small arrays, beside `jax.jit(jax.grad)` of the
same function measured in the same run (skipped with a line when JAX is not installed).
"""

from __future__ import annotations

import numpy as np
import zyg

from bench.timing import median_per_call


def scalar(x, y):
    return x * y + 1.0


def three_arrays(a, b, c):
    return a[0] * b[0] + c[0]


def dict_of_ten(params):
    total = 0.0
    for key in params:
        total = total + params[key][0] * params[key][1]
    return total


def _median_us(fn, args: tuple) -> float:
    return median_per_call(fn, args, calls=2000, rounds=15) * 1e6


def main() -> None:
    arrays = tuple(np.ones(4) for _ in range(3))
    rows = [
        ("Python call of the scalar function", _median_us(scalar, (2.0, 3.0)), None),
        ("zyg.jit, two floats", _median_us(zyg.jit(scalar), (2.0, 3.0)), 5.0),
        ("zyg.compile_grad, two floats", _median_us(zyg.compile_grad(scalar), (2.0, 3.0)), 5.0),
        ("zyg.jit, three float64 arrays", _median_us(zyg.jit(three_arrays), arrays), 10.0),
        ("zyg.compile_grad, three float64 arrays", _median_us(zyg.compile_grad(three_arrays), arrays), 10.0),
    ]
    for name, us, target in rows:
        verdict = "" if target is None else f"  (target {target:.0f} us: {'met' if us <= target else 'missed'})"
        print(f"{name:42} {us:6.2f} us{verdict}")
    params = {f"w{i}": np.full(4, 1.0 + i) for i in range(10)}
    ours = _median_us(zyg.compile_grad(dict_of_ten), (params,))
    print(f"{'zyg.compile_grad, a dict of 10 arrays':42} {ours:6.2f} us")
    try:
        import jax
    except ImportError:
        print("jax.jit(jax.grad), a dict of 10 arrays      skipped: JAX is not installed (make bench installs it)")
        return
    jax.config.update("jax_enable_x64", True)
    jax_grad = jax.jit(jax.grad(dict_of_ten))
    theirs = _median_us(lambda p: jax.block_until_ready(jax_grad(p)), (params,))
    print(f"{'jax.jit(jax.grad), a dict of 10 arrays':42} {theirs:6.2f} us  (zyg / JAX: {ours / theirs:.2f})")


if __name__ == "__main__":
    main()
