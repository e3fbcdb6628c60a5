# RUN: python %s | filecheck %s
# Buffers the compiled code allocates come from zyg's allocation function: one of at most 512 bytes from
# the module's pool of small blocks (`zyg.backend.small_blocks`), a larger one (or one the full pool
# cannot serve) from malloc, recorded in the module's table of live blocks (freed when a call fails)
# with a hint to Linux for transparent huge pages from 4 MiB up (as NumPy does); each is freed where it
# came from. The allocation and freeing functions are never inlined (inlined, the pool's code at every
# site cost LLVM a quarter more time on the LSTM gradient), and allocation says its result aliases
# nothing (as malloc's); the hint, the recording and the forgetting are functions of their own that are
# never inlined and do not capture the pointer (as far as LLVM knows), and buffers are neither realigned
# nor offset: so LLVM knows no other pointer reaches a fresh buffer (and keeps a reduction into it in a
# register).

import numpy as np

import zyg


def doubled(x):
    return x * 2.0


llvm = zyg.jit(doubled).ir("llvm", np.ones(3))
# CHECK:     llvm.func @_zyg_hint_huge_pages(%{{.*}}: !llvm.ptr {llvm.nocapture, llvm.readnone}, %{{.*}}: i64) attributes {no_inline}
# CHECK:       llvm.call @madvise
# CHECK:     llvm.func @_mlir_memref_to_llvm_alloc(%{{.*}}: i64) -> (!llvm.ptr {llvm.noalias}) attributes {no_inline}
# CHECK-DAG:   llvm.mlir.constant(512 : i64)
# CHECK-DAG:   llvm.call @_zyg_pool_alloc
# CHECK-DAG:   llvm.call @_zyg_alloc
# CHECK-DAG:   llvm.mlir.constant(4194304 : i64)
# CHECK-DAG:   llvm.call @_zyg_hint_huge_pages
# CHECK:     llvm.func @_mlir_memref_to_llvm_free(%{{.*}}: !llvm.ptr) attributes {no_inline}
# CHECK:       llvm.call @_zyg_in_pool
# CHECK:       llvm.call @_zyg_pool_free
# CHECK:       llvm.call @_zyg_free
runtime = llvm[llvm.index("llvm.func @_zyg_hint_huge_pages"):]
print("\n".join(line for line in runtime.splitlines() if "llvm.func" in line and "@_zyg_hint" in line
                 or "@madvise" in line or "4194304" in line or "llvm.call @_zyg_hint" in line
                 or "@_mlir_memref_to_llvm" in line or "llvm.call @_zyg_alloc" in line or "llvm.call @_zyg_free" in line
                 or "llvm.call @_zyg_pool_alloc" in line or "llvm.call @_zyg_in_pool" in line
                 or "llvm.call @_zyg_pool_free" in line or "(512 : i64)" in line))
# CHECK:     llvm.func internal @_zyg_track(%{{.*}}: !llvm.ptr {llvm.nocapture}, %{{.*}}: i64) attributes {no_inline}
# CHECK:     llvm.func internal @_zyg_untrack(%{{.*}}: !llvm.ptr {llvm.nocapture}) attributes {no_inline}
# CHECK:     llvm.func internal @_zyg_alloc(
# CHECK:       llvm.call @_zyg_allocate_memory
# CHECK:       llvm.call @_zyg_track
# CHECK:     llvm.func internal @_zyg_free(
# CHECK:       llvm.call @_zyg_untrack
# CHECK:       llvm.call @_zyg_free_memory
lists = llvm[llvm.index("llvm.func internal @_zyg_track("):]
lists = lists[:lists.index("llvm.func internal @_zyg_release_block(")]
print("\n".join(line for line in lists.splitlines() if "llvm.func" in line or "llvm.call" in line))
# On the CPU the memory is the C heap's (`runtime.HEAP`; a GPU compile's is `gpu_heap`):
# CHECK:     llvm.func internal @_zyg_allocate_memory(
# CHECK-NEXT:  llvm.call @malloc
# CHECK:     llvm.func internal @_zyg_free_memory(
# CHECK-NEXT:  llvm.call @free
heap = llvm[llvm.index("llvm.func internal @_zyg_allocate_memory("):]
print("\n".join(line for line in heap.splitlines()[:8] if "llvm.func" in line or "llvm.call" in line))
# CHECK: the function allocates through it: True
print("the function allocates through it:", "llvm.call @_mlir_memref_to_llvm_alloc" in llvm)

# CHECK-LABEL: llvm.func @doubled_a1f64(
# CHECK:         %[[BUFFER:.*]] = llvm.call @_mlir_memref_to_llvm_alloc(
# CHECK-NEXT:    %[[EMPTY:.*]] = llvm.mlir.poison
# CHECK-NEXT:    %[[ALLOCATED:.*]] = llvm.insertvalue %[[BUFFER]], %[[EMPTY]][0]
# CHECK-NEXT:    llvm.insertvalue %[[BUFFER]], %[[ALLOCATED]][1]
print(llvm[llvm.index("llvm.func @doubled_a1f64("):llvm.index("llvm.func @zyg_body(")])
