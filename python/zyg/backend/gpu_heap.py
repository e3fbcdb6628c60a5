"""The heap of a compile for the GPU: `GPU_HEAP`, which `bridge.module_text` writes in place of the CPU's
`runtime.HEAP` (where `@_zyg_alloc` gets its blocks and `@_zyg_python_free` returns a result's).

In: nothing. Out: MLIR text (LLVM dialect) defining `@_zyg_allocate_memory` and `@_zyg_free_memory`
on zyg's own driver functions (`cuda_wrappers`), which it declares and `define_wrappers` defines.
"""

from __future__ import annotations

from zyg.backend.runtime import BLOCK

# The heap of a GPU compile (`runtime.HEAP` is the CPU's): every buffer the code allocates (a block, not a
# tape header) is managed memory, which kernels and host code both reach, so that kernels pass their
# results to each other without copies and a result returned to Python stays where the next call's
# kernels read it. An empty buffer is the C heap's (the driver allocates no zero bytes). Freeing asks
# the driver whether the buffer is managed memory (a block of the C heap, an array made by NumPy, is
# not); it never fails the call, as it also runs in the destructor of a result Python collects, outside
# any compiled call: a buffer the driver cannot free is left, not freed twice.
GPU_HEAP = f"""
  llvm.func @mgpuMemAlloc(i64, !llvm.ptr, i8) -> !llvm.ptr
  llvm.func @_zyg_gpu_reachable(!llvm.ptr) -> i1
  llvm.func @_zyg_gpu_free_quietly(!llvm.ptr)
  llvm.func internal @_zyg_allocate_memory(%size: i64, %kind: i64) -> !llvm.ptr {{
    %block = llvm.mlir.constant({BLOCK} : i64) : i64
    %is_block = llvm.icmp "eq" %kind, %block : i64
    %empty_size = llvm.mlir.constant(0 : i64) : i64
    %sized = llvm.icmp "ne" %size, %empty_size : i64
    %managed = llvm.and %is_block, %sized : i1
    llvm.cond_br %managed, ^device, ^host
  ^device:
    %stream = llvm.mlir.zero : !llvm.ptr
    %shared = llvm.mlir.constant(1 : i8) : i8
    %buffer = llvm.call @mgpuMemAlloc(%size, %stream, %shared) : (i64, !llvm.ptr, i8) -> !llvm.ptr
    llvm.return %buffer : !llvm.ptr
  ^host:
    %p = llvm.call @malloc(%size) : (i64) -> !llvm.ptr
    llvm.return %p : !llvm.ptr
  }}
  llvm.func internal @_zyg_free_memory(%p: !llvm.ptr) {{
    %reachable = llvm.call @_zyg_gpu_reachable(%p) : (!llvm.ptr) -> i1
    llvm.cond_br %reachable, ^device, ^host
  ^device:
    llvm.call @_zyg_gpu_free_quietly(%p) : (!llvm.ptr) -> ()
    llvm.return
  ^host:
    llvm.call @free(%p) : (!llvm.ptr) -> ()
    llvm.return
  }}
"""
