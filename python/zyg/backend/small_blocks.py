"""The pool that serves the compiled code's small buffers (at most `LARGEST_BYTES`), as upstream MLIR text.

In: nothing. Out: `POOL` (Linux: a region of the module's own) and `NO_POOL` (elsewhere: every buffer
from malloc), each defining
- `@_zyg_pool_alloc(size) -> ptr`: a block from the pool, or null when the pool is full;
- `@_zyg_in_pool(ptr) -> i1`: whether a buffer is the pool's;
- `@_zyg_pool_free(ptr)`: gives a pool buffer back;
- `@_zyg_pool_release_since(serial)`: frees the pool buffers allocated from `serial` on (a failed call
  or `try` body; see `runtime._FRAMES`);
- `@_zyg_export_buffer(ptr) -> ptr`: a result buffer Python may own: a pool buffer is copied into a
  fresh malloc block (which the result's capsule frees with `free`) and given back; another is itself.

Why: code on 2- and 3-element arrays in a loop (a reprojection residual, a cofactor expansion)
allocates and frees a buffer per array operation; through malloc, free and the table of live blocks
that is 60-75% of such a gradient (bundle adjustment: 195 allocation sites in the rotation's
pullback). A pool block costs a few loads and stores.

The region is reserved once per module with `mmap` (`RESERVE_BYTES`, no swap reserved; pages are
touched only as blocks are carved) and never returned. A block is a header {prev, next, serial, size
class} before its payload; a size class is a multiple of `GRAIN_BYTES`, one free list each. Blocks in
use are on a list in the order they were allocated (their serials, from the table of live blocks'
counter `@_zyg_next_serial`, increase along it), so a failed frame frees its blocks from the tail. Calls of a module take
turns (its lock), so the pool needs no lock of its own.
"""

from __future__ import annotations

LARGEST_BYTES = 512  # a 8x8 float64 matrix
GRAIN_BYTES = 16  # malloc's alignment, which every payload keeps
HEADER_BYTES = 32
RESERVE_BYTES = 64 << 20
# Class k holds payloads of k grains; an empty buffer gets one grain, so that every payload lies inside
# the region (an empty one carved last would otherwise point at its end, outside the pool's range).
_CLASSES = LARGEST_BYTES // GRAIN_BYTES + 1  # class 0 unused
_GRAIN_SHIFT = GRAIN_BYTES.bit_length() - 1
_PROT_READ_WRITE = 3
_MAP_PRIVATE_ANONYMOUS_NORESERVE = 0x02 | 0x20 | 0x4000  # Linux
assert HEADER_BYTES % GRAIN_BYTES == 0 and 1 << _GRAIN_SHIFT == GRAIN_BYTES

# {region start, first uncarved byte, region end, last block in use, free list heads}
_STATE = f"!llvm.struct<(ptr, ptr, ptr, ptr, array<{_CLASSES} x ptr>)>"
_HEADER = "!llvm.struct<(ptr, ptr, i64, i64)>"  # {previous block in use, next block, serial, size class}

POOL = f"""
  llvm.mlir.global internal @_zyg_pool() {{addr_space = 0 : i32, alignment = 8 : i64}} : {_STATE} {{
    %z = llvm.mlir.zero : {_STATE}
    llvm.return %z : {_STATE}
  }}
  llvm.func @mmap(!llvm.ptr, i64, i32, i32, i32, i64) -> !llvm.ptr
  llvm.func internal @_zyg_pool_reserve(%pool: !llvm.ptr) attributes {{no_inline}} {{
    %null = llvm.mlir.zero : !llvm.ptr
    %bytes = llvm.mlir.constant({RESERVE_BYTES} : i64) : i64
    %prot = llvm.mlir.constant({_PROT_READ_WRITE} : i32) : i32
    %flags = llvm.mlir.constant({_MAP_PRIVATE_ANONYMOUS_NORESERVE} : i32) : i32
    %no_file = llvm.mlir.constant(-1 : i32) : i32
    %zero = llvm.mlir.constant(0 : i64) : i64
    %region = llvm.call @mmap(%null, %bytes, %prot, %flags, %no_file, %zero) : (!llvm.ptr, i64, i32, i32, i32, i64) -> !llvm.ptr
    %address = llvm.ptrtoint %region : !llvm.ptr to i64
    %map_failed = llvm.mlir.constant(-1 : i64) : i64
    %failed = llvm.icmp "eq" %address, %map_failed : i64
    %somewhere = llvm.mlir.constant({GRAIN_BYTES} : i64) : i64
    %start = llvm.select %failed, %somewhere, %address : i1, i64
    %length = llvm.select %failed, %zero, %bytes : i1, i64
    %end_address = llvm.add %start, %length : i64
    %base = llvm.inttoptr %start : i64 to !llvm.ptr
    %end = llvm.inttoptr %end_address : i64 to !llvm.ptr
    llvm.store %base, %pool : !llvm.ptr, !llvm.ptr
    %bump_ptr = llvm.getelementptr %pool[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_STATE}
    llvm.store %base, %bump_ptr : !llvm.ptr, !llvm.ptr
    %end_ptr = llvm.getelementptr %pool[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_STATE}
    llvm.store %end, %end_ptr : !llvm.ptr, !llvm.ptr
    llvm.return
  }}
  llvm.func internal @_zyg_pool_alloc(%size: i64) -> !llvm.ptr {{
    %pool = llvm.mlir.addressof @_zyg_pool : !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %round = llvm.mlir.constant({GRAIN_BYTES - 1} : i64) : i64
    %shift = llvm.mlir.constant({_GRAIN_SHIFT} : i64) : i64
    %header = llvm.mlir.constant({HEADER_BYTES} : i64) : i64
    %rounded = llvm.add %size, %round : i64
    %grains = llvm.lshr %rounded, %shift : i64
    %one = llvm.mlir.constant(1 : i64) : i64
    %empty = llvm.icmp "ult" %grains, %one : i64
    %class = llvm.select %empty, %one, %grains : i1, i64
    %head_ptr = llvm.getelementptr %pool[0, 4, %class] : (!llvm.ptr, i64) -> !llvm.ptr, {_STATE}
    %head = llvm.load %head_ptr : !llvm.ptr -> !llvm.ptr
    %no_free_block = llvm.icmp "eq" %head, %null : !llvm.ptr
    llvm.cond_br %no_free_block, ^carve, ^reuse
  ^reuse:
    %after_head_ptr = llvm.getelementptr %head[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %after_head = llvm.load %after_head_ptr : !llvm.ptr -> !llvm.ptr
    llvm.store %after_head, %head_ptr : !llvm.ptr, !llvm.ptr
    llvm.br ^link(%head : !llvm.ptr)
  ^carve:
    %base = llvm.load %pool : !llvm.ptr -> !llvm.ptr
    %unreserved = llvm.icmp "eq" %base, %null : !llvm.ptr
    llvm.cond_br %unreserved, ^reserve, ^bump
  ^reserve:
    llvm.call @_zyg_pool_reserve(%pool) : (!llvm.ptr) -> ()
    llvm.br ^bump
  ^bump:
    %bump_ptr = llvm.getelementptr %pool[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_STATE}
    %end_ptr = llvm.getelementptr %pool[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_STATE}
    %bump = llvm.load %bump_ptr : !llvm.ptr -> !llvm.ptr
    %end = llvm.load %end_ptr : !llvm.ptr -> !llvm.ptr
    %payload = llvm.shl %class, %shift : i64
    %block = llvm.add %payload, %header : i64
    %bump_address = llvm.ptrtoint %bump : !llvm.ptr to i64
    %end_address = llvm.ptrtoint %end : !llvm.ptr to i64
    %room = llvm.sub %end_address, %bump_address : i64
    %fits = llvm.icmp "ule" %block, %room : i64
    llvm.cond_br %fits, ^cut, ^full
  ^full:
    llvm.return %null : !llvm.ptr
  ^cut:
    %carved = llvm.getelementptr %bump[%block] : (!llvm.ptr, i64) -> !llvm.ptr, i8
    llvm.store %carved, %bump_ptr : !llvm.ptr, !llvm.ptr
    %class_ptr = llvm.getelementptr %bump[0, 3] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    llvm.store %class, %class_ptr : i64, !llvm.ptr
    llvm.br ^link(%bump : !llvm.ptr)
  ^link(%fresh: !llvm.ptr):
    %tail_ptr = llvm.getelementptr %pool[0, 3] : (!llvm.ptr) -> !llvm.ptr, {_STATE}
    %tail = llvm.load %tail_ptr : !llvm.ptr -> !llvm.ptr
    llvm.store %tail, %fresh : !llvm.ptr, !llvm.ptr
    %fresh_next_ptr = llvm.getelementptr %fresh[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    llvm.store %null, %fresh_next_ptr : !llvm.ptr, !llvm.ptr
    %has_tail = llvm.icmp "ne" %tail, %null : !llvm.ptr
    llvm.cond_br %has_tail, ^chain, ^linked
  ^chain:
    %tail_next_ptr = llvm.getelementptr %tail[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    llvm.store %fresh, %tail_next_ptr : !llvm.ptr, !llvm.ptr
    llvm.br ^linked
  ^linked:
    llvm.store %fresh, %tail_ptr : !llvm.ptr, !llvm.ptr
    %serial = llvm.call @_zyg_next_serial() : () -> i64
    %serial_ptr = llvm.getelementptr %fresh[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    llvm.store %serial, %serial_ptr : i64, !llvm.ptr
    %buffer = llvm.getelementptr %fresh[%header] : (!llvm.ptr, i64) -> !llvm.ptr, i8
    llvm.return %buffer : !llvm.ptr
  }}
  llvm.func internal @_zyg_in_pool(%p: !llvm.ptr) -> i1 {{
    %pool = llvm.mlir.addressof @_zyg_pool : !llvm.ptr
    %base = llvm.load %pool : !llvm.ptr -> !llvm.ptr
    %end_ptr = llvm.getelementptr %pool[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_STATE}
    %end = llvm.load %end_ptr : !llvm.ptr -> !llvm.ptr
    %address = llvm.ptrtoint %p : !llvm.ptr to i64
    %base_address = llvm.ptrtoint %base : !llvm.ptr to i64
    %end_address = llvm.ptrtoint %end : !llvm.ptr to i64
    %offset = llvm.sub %address, %base_address : i64
    %span = llvm.sub %end_address, %base_address : i64
    %inside = llvm.icmp "ult" %offset, %span : i64
    llvm.return %inside : i1
  }}
  llvm.func internal @_zyg_pool_free(%buffer: !llvm.ptr) {{
    %pool = llvm.mlir.addressof @_zyg_pool : !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %back = llvm.mlir.constant({-HEADER_BYTES} : i64) : i64
    %block = llvm.getelementptr %buffer[%back] : (!llvm.ptr, i64) -> !llvm.ptr, i8
    %before = llvm.load %block : !llvm.ptr -> !llvm.ptr
    %next_ptr = llvm.getelementptr %block[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %after = llvm.load %next_ptr : !llvm.ptr -> !llvm.ptr
    %has_before = llvm.icmp "ne" %before, %null : !llvm.ptr
    llvm.cond_br %has_before, ^unlink_before, ^before_done
  ^unlink_before:
    %before_next_ptr = llvm.getelementptr %before[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    llvm.store %after, %before_next_ptr : !llvm.ptr, !llvm.ptr
    llvm.br ^before_done
  ^before_done:
    %has_after = llvm.icmp "ne" %after, %null : !llvm.ptr
    llvm.cond_br %has_after, ^unlink_after, ^was_tail
  ^unlink_after:
    llvm.store %before, %after : !llvm.ptr, !llvm.ptr
    llvm.br ^unlinked
  ^was_tail:
    %tail_ptr = llvm.getelementptr %pool[0, 3] : (!llvm.ptr) -> !llvm.ptr, {_STATE}
    llvm.store %before, %tail_ptr : !llvm.ptr, !llvm.ptr
    llvm.br ^unlinked
  ^unlinked:
    %class_ptr = llvm.getelementptr %block[0, 3] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %class = llvm.load %class_ptr : !llvm.ptr -> i64
    %head_ptr = llvm.getelementptr %pool[0, 4, %class] : (!llvm.ptr, i64) -> !llvm.ptr, {_STATE}
    %head = llvm.load %head_ptr : !llvm.ptr -> !llvm.ptr
    llvm.store %head, %next_ptr : !llvm.ptr, !llvm.ptr
    llvm.store %block, %head_ptr : !llvm.ptr, !llvm.ptr
    llvm.return
  }}
  llvm.func internal @_zyg_pool_release_since(%mark: i64) {{
    %pool = llvm.mlir.addressof @_zyg_pool : !llvm.ptr
    %tail_ptr = llvm.getelementptr %pool[0, 3] : (!llvm.ptr) -> !llvm.ptr, {_STATE}
    %null = llvm.mlir.zero : !llvm.ptr
    %header = llvm.mlir.constant({HEADER_BYTES} : i64) : i64
    llvm.br ^look
  ^look:
    %tail = llvm.load %tail_ptr : !llvm.ptr -> !llvm.ptr
    %none = llvm.icmp "eq" %tail, %null : !llvm.ptr
    llvm.cond_br %none, ^done, ^compare
  ^compare:
    %serial_ptr = llvm.getelementptr %tail[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %serial = llvm.load %serial_ptr : !llvm.ptr -> i64
    %older = llvm.icmp "slt" %serial, %mark : i64
    llvm.cond_br %older, ^done, ^release
  ^release:
    %buffer = llvm.getelementptr %tail[%header] : (!llvm.ptr, i64) -> !llvm.ptr, i8
    llvm.call @_zyg_pool_free(%buffer) : (!llvm.ptr) -> ()
    llvm.br ^look
  ^done:
    llvm.return
  }}
  llvm.func internal @_zyg_export_buffer(%buffer: !llvm.ptr) -> !llvm.ptr {{
    %pooled = llvm.call @_zyg_in_pool(%buffer) : (!llvm.ptr) -> i1
    llvm.cond_br %pooled, ^copy, ^own
  ^own:
    llvm.return %buffer : !llvm.ptr
  ^copy:
    %back = llvm.mlir.constant({-HEADER_BYTES} : i64) : i64
    %block = llvm.getelementptr %buffer[%back] : (!llvm.ptr, i64) -> !llvm.ptr, i8
    %class_ptr = llvm.getelementptr %block[0, 3] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %class = llvm.load %class_ptr : !llvm.ptr -> i64
    %shift = llvm.mlir.constant({_GRAIN_SHIFT} : i64) : i64
    %bytes = llvm.shl %class, %shift : i64
    %copy = llvm.call @malloc(%bytes) : (i64) -> !llvm.ptr
    "llvm.intr.memcpy"(%copy, %buffer, %bytes) <{{isVolatile = false}}> : (!llvm.ptr, !llvm.ptr, i64) -> ()
    llvm.call @_zyg_pool_free(%buffer) : (!llvm.ptr) -> ()
    llvm.return %copy : !llvm.ptr
  }}
"""

NO_POOL = """
  llvm.func internal @_zyg_pool_alloc(%size: i64) -> !llvm.ptr {
    %null = llvm.mlir.zero : !llvm.ptr
    llvm.return %null : !llvm.ptr
  }
  llvm.func internal @_zyg_in_pool(%p: !llvm.ptr) -> i1 {
    %false = llvm.mlir.constant(false) : i1
    llvm.return %false : i1
  }
  llvm.func internal @_zyg_pool_free(%buffer: !llvm.ptr) {
    llvm.return
  }
  llvm.func internal @_zyg_pool_release_since(%mark: i64) {
    llvm.return
  }
  llvm.func internal @_zyg_export_buffer(%buffer: !llvm.ptr) -> !llvm.ptr {
    llvm.return %buffer : !llvm.ptr
  }
"""
