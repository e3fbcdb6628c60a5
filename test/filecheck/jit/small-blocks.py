# RUN: python %s | filecheck %s
# The pool of small blocks (`zyg.backend.small_blocks`): a module's buffers of at most 512 bytes are
# carved from a region it reserves once (mmap), one free list per 16-byte size class, each block in use
# on a list in allocation order with its serial. A failed frame (a call or a `try` body) frees the
# pool's blocks from its serial on, as it frees the table's; a result is copied out of the pool into a
# malloc block (`@_zyg_export_buffer`), which the result's capsule frees with `free`.

import numpy as np
import zyg


def caught(x):
    try:
        y = x * 2.0
    except IndexError:
        y = x
    return y


llvm = zyg.jit(caught).ir("llvm", np.ones(3))
# CHECK:     llvm.mlir.global internal @_zyg_pool()
# CHECK:     llvm.func internal @_zyg_pool_reserve(
# CHECK:       llvm.mlir.constant(67108864 : i64)
# CHECK:       llvm.call @mmap(
# CHECK:     llvm.func internal @_zyg_pool_alloc(
# CHECK:       llvm.call @_zyg_pool_reserve(
# CHECK:       llvm.call @_zyg_next_serial()
# CHECK:     llvm.func internal @_zyg_in_pool(
# CHECK:     llvm.func internal @_zyg_pool_free(
# CHECK:     llvm.func internal @_zyg_pool_release_since(
# CHECK:       llvm.call @_zyg_pool_free(
# CHECK:     llvm.func internal @_zyg_export_buffer(
# CHECK:       llvm.call @_zyg_in_pool(
# CHECK:       llvm.call @malloc(
# CHECK:       "llvm.intr.memcpy"
# CHECK:       llvm.call @_zyg_pool_free(
pool = llvm[llvm.index("llvm.mlir.global internal @_zyg_pool()"):llvm.index("llvm.func @madvise")]
print("\n".join(line for line in pool.splitlines()
                if "llvm.func" in line or "llvm.call" in line or "@_zyg_pool()" in line or "67108864" in line
                or "memcpy" in line))

# A failure frees what the frame allocated from the pool, then cuts the tape back.
# CHECK-LABEL: llvm.func internal @_zyg_frame_pop(
# CHECK:         llvm.call @_zyg_release_block(
# CHECK:         llvm.call @_zyg_pool_release_since(
frames = llvm[llvm.index("llvm.func internal @_zyg_frame_pop("):]
print(frames[:frames.index("llvm.func internal @_zyg_error_code(")])
