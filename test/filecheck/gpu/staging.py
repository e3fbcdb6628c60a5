# RUN: python %s | filecheck %s
# How host code hands a kernel its buffers (`lower_gpu._stage_kernel_operands`), in the LLVM dialect.
# A buffer the code allocates comes from the GPU heap (`gpu_heap`: managed memory) and goes to the
# kernel as it is. For any other (here the argument), the driver is asked at run time whether it is
# managed memory (`_zyg_gpu_reachable`): if so the kernel gets it as it is; if not it gets a buffer of
# the GPU heap the argument is copied into before the launch (by `memrefCopy`: its strides are
# dynamic), freed after it, and not copied back: the kernel does not write it.

import numpy as np
import zyg


def f(x):
    return np.sin(x)


# CHECK-LABEL: llvm.func @f_a1f64(
# CHECK:         llvm.call @_mlir_memref_to_llvm_alloc(
# CHECK:         %[[X_ON:.*]] = llvm.call @_zyg_gpu_reachable(
# CHECK-NEXT:    llvm.cond_br %[[X_ON]]
# CHECK:         llvm.call @_mlir_memref_to_llvm_alloc(
# CHECK:         llvm.call @memrefCopy(
# CHECK-NOT:     _zyg_gpu_reachable
# CHECK:         gpu.launch_func {{ *}}@f_a1f64_kernel::@f_a1f64_kernel blocks in
# CHECK-NEXT:    llvm.cond_br %[[X_ON]]
# CHECK-NOT:     memrefCopy
# CHECK-NOT:     memcpy
# CHECK:         llvm.call @_mlir_memref_to_llvm_free(
# CHECK-NOT:     memcpy
# CHECK-NOT:     memrefCopy
# CHECK-NOT:     _zyg_gpu_reachable
# CHECK:         llvm.return
llvm = zyg.jit(f, device="gpu").ir("llvm", np.ones(3))
start = llvm.index("llvm.func @f_a1f64(")
print(llvm[start:llvm.index("llvm.return", start) + 40])

# The GPU heap: blocks (not tape headers, not empty ones) in managed memory; freeing asks the driver
# which memory a buffer is, and frees managed memory quietly (it also runs outside compiled calls).
# CHECK-LABEL: llvm.func internal @_zyg_allocate_memory(
# CHECK:         llvm.call @mgpuMemAlloc(
# CHECK:         llvm.call @malloc(
# CHECK-LABEL: llvm.func internal @_zyg_free_memory(
# CHECK:         llvm.call @_zyg_gpu_reachable(
# CHECK:         llvm.call @_zyg_gpu_free_quietly(
# CHECK:         llvm.call @free(
# CHECK-LABEL: llvm.func @_zyg_gpu_reachable(
# CHECK:         llvm.call @cuPointerGetAttribute(
# CHECK-NOT:     _zyg_gpu_check
# CHECK:         llvm.return
# CHECK-LABEL: llvm.func @_zyg_gpu_free_quietly(
# CHECK:         llvm.call @cuMemFree_v2(
# CHECK-NOT:     _zyg_gpu_check
# CHECK:         llvm.return
for name in ("llvm.func internal @_zyg_allocate_memory(", "llvm.func internal @_zyg_free_memory(",
             "llvm.func @_zyg_gpu_reachable(", "llvm.func @_zyg_gpu_free_quietly("):
    start = llvm.index(name)
    print(llvm[start:llvm.index("\n  }", start)])
