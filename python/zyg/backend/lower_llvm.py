"""The upstream MLIR pipeline from `func`/`scf`/`arith`/`math`/`linalg`/`tensor` (+ `llvm`) to LLVM.

Two pass strings, run by the official bindings' `PassManager`; `zyg` and `ad` are gone by then.
Elementwise `linalg.generic`s fuse into one loop nest, tensors bufferize in place where they can
(function arguments are read-only: a write makes a copy), buffers are freed by the ownership-based
deallocation pipeline, and what the entry returns is owned by the caller.
"""

from __future__ import annotations

import os

import mlir

from zyg.backend.blas import openblas_library

LOWER_TO_LOOPS = (
    "builtin.module("
    "symbol-dce,canonicalize,cse,"
    "linalg-fuse-elementwise-ops,"
    "one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops function-boundary-type-conversion=fully-dynamic-layout-map},"
    "buffer-deallocation-pipeline,"
    "convert-bufferization-to-memref,"
    "convert-linalg-to-loops,"
    "canonicalize,cse"
    ")"
)

# Between the two halves, `widen_bool_memrefs` stores booleans as bytes.
LOWER_TO_LLVM = (
    "builtin.module("
    "convert-scf-to-cf,"
    "expand-strided-metadata,"
    "lower-affine,"
    "finalize-memref-to-llvm{use-generic-functions=true},"
    "convert-math-to-funcs{convert-ctlz=false},"
    "convert-math-to-llvm,"
    "convert-math-to-libm,"
    "convert-arith-to-llvm,"
    "convert-index-to-llvm,"
    "convert-cf-to-llvm,"
    "convert-func-to-llvm,"
    "reconcile-unrealized-casts"
    ")"
)

# LLVM -O2 vectorises and inlines as -O3 does for zyg's code; on the MLP gradient it compiles in 0.40 s
# instead of 0.56 s with no measurable change in run time.
OPT_LEVEL = 2


def runtime_libraries(uses_blas: bool = False) -> list[str]:
    """The shared libraries loaded into the JIT: the MLIR wheel's C runner utilities (`memrefCopy`
    for strided copies) and, for modules with matrix products, OpenBLAS."""
    libraries = []
    for path in mlir.__path__:
        candidate = os.path.join(path, "lib", "libmlir_c_runner_utils.so")
        if os.path.exists(candidate):
            libraries.append(candidate)
            break
    if uses_blas:
        libraries.append(openblas_library())
    return libraries
