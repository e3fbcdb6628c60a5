# RUN: python %s | filecheck %s
# How host code hands a kernel its buffers (`lower_gpu._stage_kernel_operands`), in the LLVM dialect:
# each buffer the kernel takes gets a managed buffer (`mgpuMemAlloc`) it is copied into before the
# launch (the argument, whose strides are dynamic, by `memrefCopy`; the fresh result by `memcpy`);
# after the synchronous launch both are freed, and only the one the kernel writes is copied back.

import numpy as np
import zyg


def f(x):
    return np.sin(x)


# CHECK-LABEL: llvm.func @f_a1f64(
# CHECK:         llvm.call @mgpuMemAlloc(
# CHECK:         llvm.call @memrefCopy(
# CHECK:         llvm.call @mgpuMemAlloc(
# CHECK:         "llvm.intr.memcpy"
# CHECK:         gpu.launch_func {{ *}}@f_a1f64_kernel::@f_a1f64_kernel blocks in
# CHECK-NOT:     memrefCopy
# CHECK:         llvm.call @mgpuMemFree(
# CHECK-NOT:     memrefCopy
# CHECK:         "llvm.intr.memcpy"
# CHECK-NOT:     memrefCopy
# CHECK:         llvm.call @mgpuMemFree(
# CHECK-NOT:     memcpy
# CHECK-NOT:     memrefCopy
# CHECK:         llvm.return
# CHECK:       gpu.binary @f_a1f64_kernel
print(zyg.jit(f, device="gpu").ir("llvm", np.ones(3)))
