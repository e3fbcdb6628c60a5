"""Foundation measurements (issue #2): `python -m bench.foundation`.

Prints (a) that one compile of a `for i in range(n)` loop serves n = 10 and n = 10**7 with the same IR,
(b) the gradient time of a 10**6-iteration scalar loop divided by its compiled primal time, and
(c) the time to the first gradient of `f(x) = 5x + 3` in a fresh Python process.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile

import zyg
from zyg.compiler import cache_size

from bench.timing import median_seconds


def loop(x, n):
    s = 0.0
    for i in range(n):
        s += math.sin(x * i) * 0.5 + x * 0.001
    return s




def one_compile_serves_every_trip_count() -> None:
    grad = zyg.compile_grad(loop)
    before = cache_size()
    ir_small = grad.ir("lowered", 1.0, 10)
    grad(0.3, 10)
    grad(0.3, 10_000_000)
    ir_large = grad.ir("lowered", 1.0, 10_000_000)
    print(f"(a) compiles for n=10 and n=10**7: {cache_size() - before}; "
          f"IR identical: {ir_small == ir_large}; lowered IR lines: {len(ir_small.splitlines())}")


def gradient_over_primal(n: int = 1_000_000) -> None:
    primal, grad = zyg.jit(loop), zyg.compile_grad(loop)
    t_primal = median_seconds(primal, 0.3, n, repeat=7)
    t_grad = median_seconds(grad, 0.3, n, repeat=7)
    h = 1e-9  # i reaches 10**6, so a larger step changes sin(x * i) by up to a radian
    central = (primal(0.3 + h, n) - primal(0.3 - h, n)) / (2 * h)
    (dx, _) = grad(0.3, n)
    print(f"(b) n={n}: primal {t_primal * 1e3:.2f} ms, gradient {t_grad * 1e3:.2f} ms, "
          f"gradient/primal = {t_grad / t_primal:.2f} (gradient {dx:.6g}, central difference {central:.6g})")


FIRST_GRADIENT = """
import time
start = time.perf_counter()
import zyg
imported = time.perf_counter()
def f(x):
    return 5 * x + 3
g = zyg.gradient(f, 10.0)
done = time.perf_counter()
print(f"{imported - start:.3f} {done - imported:.3f} {done - start:.3f} {g}")
"""


def time_to_first_gradient() -> None:
    with tempfile.TemporaryDirectory() as folder:
        script = os.path.join(folder, "first_gradient.py")
        with open(script, "w") as f:
            f.write(FIRST_GRADIENT)
        out = subprocess.run([sys.executable, script], capture_output=True, text=True, check=True)
    imported, compiled, total, grad = out.stdout.split(maxsplit=3)
    print(f"(c) fresh process: import zyg {imported} s + first gradient {compiled} s = {total} s -> {grad.strip()}")


if __name__ == "__main__":
    one_compile_serves_every_trip_count()
    gradient_over_primal()
    time_to_first_gradient()
