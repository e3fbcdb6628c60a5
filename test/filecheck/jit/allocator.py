# RUN: python %s | filecheck %s
# Buffers the compiled code allocates come from malloc through zyg's allocation function, which asks
# Linux for transparent huge pages from 4 MiB up (as NumPy does), and are freed with free.

import numpy as np

import zyg


def doubled(x):
    return x * 2.0


llvm = zyg.jit(doubled).ir("llvm", np.ones(3))
# CHECK:     llvm.func @_mlir_memref_to_llvm_alloc(%{{.*}}: i64) -> !llvm.ptr
# CHECK-DAG:   llvm.call @malloc
# CHECK-DAG:   llvm.mlir.constant(4194304 : i64)
# CHECK-DAG:   llvm.call @madvise
# CHECK:     llvm.func @_mlir_memref_to_llvm_free(
# CHECK:   llvm.call @free
allocator = llvm[llvm.index("llvm.func @_mlir_memref_to_llvm_alloc"):]
print("\n".join(line for line in allocator.splitlines() if "llvm.func" in line or "@malloc" in line
                 or "@madvise" in line or "@free" in line or "4194304" in line))
# CHECK: the function allocates through it: True
print("the function allocates through it:", "llvm.call @_mlir_memref_to_llvm_alloc" in llvm)
