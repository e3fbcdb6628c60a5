# RUN: python %s | filecheck %s
# Buffers the compiled code allocates come from malloc through zyg's allocation function, which asks
# Linux for transparent huge pages from 4 MiB up (as NumPy does), and are freed with free. The hint is
# a function of its own that is never inlined and does not capture the pointer, and buffers are not
# realigned: the pointer malloc returns is the buffer's, so LLVM knows no other pointer reaches it
# (and keeps a reduction into it in a register).

import numpy as np

import zyg


def doubled(x):
    return x * 2.0


llvm = zyg.jit(doubled).ir("llvm", np.ones(3))
# CHECK:     llvm.func @_zyg_hint_huge_pages(%{{.*}}: !llvm.ptr {llvm.nocapture, llvm.readnone}, %{{.*}}: i64) attributes {no_inline}
# CHECK:       llvm.call @madvise
# CHECK:     llvm.func @_mlir_memref_to_llvm_alloc(%{{.*}}: i64) -> !llvm.ptr
# CHECK-DAG:   llvm.call @malloc
# CHECK-DAG:   llvm.mlir.constant(4194304 : i64)
# CHECK-DAG:   llvm.call @_zyg_hint_huge_pages
# CHECK:     llvm.func @_mlir_memref_to_llvm_free(
# CHECK:   llvm.call @free
runtime = llvm[llvm.index("llvm.func @_zyg_hint_huge_pages"):]
print("\n".join(line for line in runtime.splitlines() if "llvm.func" in line or "@malloc" in line
                 or "@madvise" in line or "@free" in line or "4194304" in line or "llvm.call @_zyg_hint" in line))
# CHECK: the function allocates through it: True
print("the function allocates through it:", "llvm.call @_mlir_memref_to_llvm_alloc" in llvm)

# CHECK-LABEL: llvm.func @doubled_a1f64(
# CHECK:         %[[BUFFER:.*]] = llvm.call @_mlir_memref_to_llvm_alloc(
# CHECK-NEXT:    %[[EMPTY:.*]] = llvm.mlir.poison
# CHECK-NEXT:    %[[ALLOCATED:.*]] = llvm.insertvalue %[[BUFFER]], %[[EMPTY]][0]
# CHECK-NEXT:    llvm.insertvalue %[[BUFFER]], %[[ALLOCATED]][1]
print(llvm[llvm.index("llvm.func @doubled_a1f64("):llvm.index("llvm.func @zyg_body(")])
