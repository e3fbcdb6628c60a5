"""Matmul speed against NumPy: `python -m bench.matmul`.

Times the compiled primal of `a @ b` (float64) for (128x64)@(64x256) and (256x256)@(256x256),
plus a batched (8x64x64)@(8x64x64), and prints zyg's median time, NumPy's and their ratio.
"""

from __future__ import annotations

import numpy as np
import zyg

from bench.timing import median_seconds


def matmul(a, b):
    return a @ b




def main() -> None:
    rng = np.random.default_rng(0)
    compiled = zyg.jit(matmul)
    for shape_a, shape_b in [((128, 64), (64, 256)), ((256, 256), (256, 256)), ((8, 64, 64), (8, 64, 64))]:
        a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
        np.testing.assert_allclose(compiled(a, b), a @ b, rtol=1e-10, atol=1e-10)
        ours = median_seconds(compiled, a, b)
        numpy = median_seconds(matmul, a, b)
        print(f"{shape_a} @ {shape_b}: zyg {ours * 1e3:8.3f} ms   numpy {numpy * 1e3:8.3f} ms   "
              f"ratio {ours / numpy:6.1f}x")


if __name__ == "__main__":
    main()
