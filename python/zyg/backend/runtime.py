"""Runtime support compiled into the modules that use it, as upstream MLIR text.

Run-time errors: `@_zyg_fail(code, v0, ..., v15)` records a failed check (its code and `CHECK_VALUES` integers
for the message) and `longjmp`s back to the `setjmp` of the innermost frame: the enclosing `try` of
compiled code, or `@zyg_entry`; `@_zyg_take_error()` reads and clears the record. Every block the code
allocates is on a list, and a frame closed after a failure frees what was allocated since it opened.

Interrupts and stack depth: `@_zyg_runtime` holds what the loader fills in (`zyg.backend.interrupts`,
`zyg.backend.stack`): the process's interrupt flag, the lowest stack address the calling thread may
reach, and this module's SIGINT handler `@_zyg_sigint`, which sets the flag and chains to the handler
it replaced. Loops poll the flag (`@_zyg_poll_interrupt`), recursive functions check the stack pointer
(`@_zyg_stack_ok`), and each entry clears the flag (`@_zyg_clear_interrupt`) so that a Ctrl-C pressed
while Python ran cannot stop a later call.

The tape is a growable LIFO stack of 8-byte slots (a push reserves one or a block of them) behind an opaque `!llvm.ptr` to
`{ptr data, i64 size, i64 capacity}`; capacity doubles when full. A reader of a tape is a header of its
own over the same slots with capacity 0 (it owns none): popping it leaves the tape whole, and freeing
it frees the header alone. Freeing a tape keeps its slots for the module's next tape
(`SPARE_SLOTS_BYTES`). The functions are private, so LLVM inlines push and pop into the loops that use them. Written in the LLVM dialect because the
upstream buffer-deallocation pipeline rejects hand-managed memrefs (see DESIGN.md).
"""

from __future__ import annotations

from zyg.backend.heap import TRIM_THRESHOLD_BYTES
from zyg.backend.small_blocks import LARGEST_BYTES as POOL_LARGEST_BYTES
from zyg.backend.small_blocks import NO_POOL, POOL
from zyg.entry_abi import (
    CHECK_VALUES,
    ERROR_SLOTS,
    FRAME_WORDS,
    INTERRUPTED,
    JMPBUF_WORDS,
    MUTEX_WORDS,
    PYTHON_API,
    RELEASE_CATCH,
    RELEASE_FREE,
    RELEASE_KEEP,
    RUNTIME_STATE,
    STATE_API,
    STATE_FREE,
    STATE_HANDLER,
    STATE_MUTEX,
    STATE_STACK_LIMIT,
)
from zyg.host import HOST_SLOTS
from zyg.passes.lower_tapes import RUNTIME_FUNCTIONS

_HEADER = "!llvm.struct<(ptr, i64, i64)>"

# The C allocator, declared once for every runtime part that uses it.
LIBC = """
  llvm.func @malloc(i64) -> !llvm.ptr
  llvm.func @realloc(!llvm.ptr, i64) -> !llvm.ptr
  llvm.func @free(!llvm.ptr)
"""

# Where the blocks of `@_zyg_alloc` come from, and where the buffers Python holds go back to
# (`@_zyg_python_free`): the C heap. A compile for the GPU has its own (`cuda_wrappers.GPU_HEAP`).
HEAP = """
  llvm.func internal @_zyg_allocate_memory(%size: i64, %kind: i64) -> !llvm.ptr {
    %p = llvm.call @malloc(%size) : (i64) -> !llvm.ptr
    llvm.return %p : !llvm.ptr
  }
  llvm.func internal @_zyg_free_memory(%p: !llvm.ptr) {
    llvm.call @free(%p) : (!llvm.ptr) -> ()
    llvm.return
  }
"""

# Every block the compiled code allocates (buffers through `memref.alloc`, lowered with the generic
# allocation functions, and tape headers) is recorded in the module's table of live blocks,
# `@_zyg_blocks` = {ptr slots, i64 capacity (a power of two), i64 used, i64 next serial}: an open-
# addressing hash set of slots {key, serial}, the key the block's address with its kind in the low
# bits (malloc's blocks are 16-byte aligned), 0 for an empty slot, -1 for a freed one. Each block gets
# the next serial number. Freeing a block marks its slot freed. A frame (`@_zyg_frame_push`, one per
# entry call and per `try`) notes the next serial: when the call or the `try` body fails, the blocks
# with a serial from there on are what it allocated and did not free, and `@_zyg_frame_pop` frees them
# (a tape's slots too); when an entry call succeeds, they are its results (and a pullback's tape),
# which it forgets: Python frees a result's block when the last array viewing it is collected.
# Recording and forgetting are functions of their own that are never inlined and say they do not
# capture the address: the table is the runtime's business, and the code using a buffer may still
# assume that no other pointer reaches it, as it may of malloc's (LLVM then keeps a reduction into a
# fresh buffer in a register). Nothing sits before a block: a header there made the LSTM gradient 15%
# slower, and a list searched on each free was slower still where thousands of blocks are freed out
# of order.
_BLOCKS = "!llvm.struct<(ptr, i64, i64, i64)>"
_SLOT = "!llvm.struct<(i64, i64)>"
BLOCK, TAPE = 0, 1  # a slot's kind, in the low bits of its key
_KIND_BITS = 15
_GOLDEN = -7046029254386353131  # 0x9E3779B97F4A7C15 as an i64: Fibonacci hashing of the address
# {its jump buffer, the enclosing one, the serial it opened at, the tape it cuts back, that tape's
# size, the error it caught}
_FRAME = f"!llvm.struct<(array<{JMPBUF_WORDS} x i64>, ptr, i64, ptr, i64, array<{ERROR_SLOTS} x i64>)>"
assert FRAME_WORDS == JMPBUF_WORDS + 1 + 1 + 2 + ERROR_SLOTS


def _probe_start(address: str, mask: str, name: str) -> str:
    """MLIR text computing `%{name}`, the first slot to probe for `address` in a table of `mask` + 1."""
    return f"""
    %{name}_shifted = llvm.lshr {address}, %four : i64
    %{name}_mixed = llvm.mul %{name}_shifted, %golden : i64
    %{name}_high = llvm.lshr %{name}_mixed, %thirty_two : i64
    %{name} = llvm.and %{name}_high, {mask} : i64"""


def _read_slot(slots: str) -> str:
    """MLIR text reading slot `%i` of `slots`: `%slot`, its `%key` and `%serial`, `%next` (= i + 1)
    and `%dead` (the slot is empty or freed); the walks over the table share it."""
    return f"""
    %slot = llvm.getelementptr {slots}[%i] : (!llvm.ptr, i64) -> !llvm.ptr, {_SLOT}
    %key = llvm.load %slot : !llvm.ptr -> i64
    %serial_ptr = llvm.getelementptr %slot[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_SLOT}
    %serial = llvm.load %serial_ptr : !llvm.ptr -> i64
    %next = llvm.add %i, %one : i64
    %empty = llvm.icmp "eq" %key, %zero : i64
    %was_freed = llvm.icmp "eq" %key, %freed : i64
    %dead = llvm.or %empty, %was_freed : i1"""


_CONSTANTS = f"""
    %zero = llvm.mlir.constant(0 : i64) : i64
    %one = llvm.mlir.constant(1 : i64) : i64
    %four = llvm.mlir.constant(4 : i64) : i64
    %thirty_two = llvm.mlir.constant(32 : i64) : i64
    %golden = llvm.mlir.constant({_GOLDEN} : i64) : i64
    %freed = llvm.mlir.constant(-1 : i64) : i64"""

_LIVE_BLOCKS = f"""
  llvm.mlir.global internal @_zyg_blocks() {{addr_space = 0 : i32, alignment = 8 : i64}} : {_BLOCKS} {{
    %z = llvm.mlir.zero : {_BLOCKS}
    llvm.return %z : {_BLOCKS}
  }}
  llvm.func internal @_zyg_place(%slots: !llvm.ptr, %mask: i64, %key: i64, %serial: i64) -> i64 {{{_CONSTANTS}
    %kind_bits = llvm.mlir.constant({_KIND_BITS} : i64) : i64
    %address_bits = llvm.xor %kind_bits, %freed : i64
    %address = llvm.and %key, %address_bits : i64{_probe_start("%address", "%mask", "start")}
    llvm.br ^probe(%start : i64)
  ^probe(%i: i64):
    %slot = llvm.getelementptr %slots[%i] : (!llvm.ptr, i64) -> !llvm.ptr, {_SLOT}
    %held = llvm.load %slot : !llvm.ptr -> i64
    %empty = llvm.icmp "eq" %held, %zero : i64
    %was_freed = llvm.icmp "eq" %held, %freed : i64
    %open = llvm.or %empty, %was_freed : i1
    %next = llvm.add %i, %one : i64
    %wrapped = llvm.and %next, %mask : i64
    llvm.cond_br %open, ^store, ^probe(%wrapped : i64)
  ^store:
    llvm.store %key, %slot : i64, !llvm.ptr
    %serial_ptr = llvm.getelementptr %slot[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_SLOT}
    llvm.store %serial, %serial_ptr : i64, !llvm.ptr
    %fresh = llvm.zext %empty : i1 to i64
    llvm.return %fresh : i64
  }}
  llvm.func internal @_zyg_grow_blocks(%table: !llvm.ptr) attributes {{no_inline}} {{{_CONSTANTS}
    %capacity_ptr = llvm.getelementptr %table[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_BLOCKS}
    %used_ptr = llvm.getelementptr %table[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_BLOCKS}
    %old = llvm.load %table : !llvm.ptr -> !llvm.ptr
    %capacity = llvm.load %capacity_ptr : !llvm.ptr -> i64
    %two = llvm.mlir.constant(2 : i64) : i64
    %least = llvm.mlir.constant(64 : i64) : i64
    %doubled = llvm.mul %capacity, %two : i64
    %bigger = llvm.icmp "sgt" %doubled, %least : i64
    %grown = llvm.select %bigger, %doubled, %least : i1, i64
    %sixteen = llvm.mlir.constant(16 : i64) : i64
    %bytes = llvm.mul %grown, %sixteen : i64
    %slots = llvm.call @malloc(%bytes) : (i64) -> !llvm.ptr
    %zero_byte = llvm.mlir.constant(0 : i8) : i8
    "llvm.intr.memset"(%slots, %zero_byte, %bytes) <{{isVolatile = false}}> : (!llvm.ptr, i8, i64) -> ()
    %mask = llvm.sub %grown, %one : i64
    llvm.br ^move(%zero, %zero : i64, i64)
  ^move(%i: i64, %live: i64):
    %more = llvm.icmp "slt" %i, %capacity : i64
    llvm.cond_br %more, ^visit, ^done
  ^visit:{_read_slot("%old")}
    llvm.cond_br %dead, ^move(%next, %live : i64, i64), ^keep
  ^keep:
    %ignored = llvm.call @_zyg_place(%slots, %mask, %key, %serial) : (!llvm.ptr, i64, i64, i64) -> i64
    %counted = llvm.add %live, %one : i64
    llvm.br ^move(%next, %counted : i64, i64)
  ^done:
    llvm.call @free(%old) : (!llvm.ptr) -> ()
    llvm.store %slots, %table : !llvm.ptr, !llvm.ptr
    llvm.store %grown, %capacity_ptr : i64, !llvm.ptr
    llvm.store %live, %used_ptr : i64, !llvm.ptr
    llvm.return
  }}
  llvm.func internal @_zyg_next_serial() -> i64 {{
    %table = llvm.mlir.addressof @_zyg_blocks : !llvm.ptr
    %serial_ptr = llvm.getelementptr %table[0, 3] : (!llvm.ptr) -> !llvm.ptr, {_BLOCKS}
    %serial = llvm.load %serial_ptr : !llvm.ptr -> i64
    %one = llvm.mlir.constant(1 : i64) : i64
    %next_serial = llvm.add %serial, %one : i64
    llvm.store %next_serial, %serial_ptr : i64, !llvm.ptr
    llvm.return %serial : i64
  }}
  llvm.func internal @_zyg_track(%p: !llvm.ptr {{llvm.nocapture}}, %kind: i64) attributes {{no_inline}} {{{_CONSTANTS}
    %table = llvm.mlir.addressof @_zyg_blocks : !llvm.ptr
    %capacity_ptr = llvm.getelementptr %table[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_BLOCKS}
    %used_ptr = llvm.getelementptr %table[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_BLOCKS}
    %capacity = llvm.load %capacity_ptr : !llvm.ptr -> i64
    %used = llvm.load %used_ptr : !llvm.ptr -> i64
    %after = llvm.add %used, %one : i64
    %two = llvm.mlir.constant(2 : i64) : i64
    %load = llvm.mul %after, %two : i64
    %crowded = llvm.icmp "sgt" %load, %capacity : i64
    llvm.cond_br %crowded, ^grow, ^insert
  ^grow:
    llvm.call @_zyg_grow_blocks(%table) : (!llvm.ptr) -> ()
    llvm.br ^insert
  ^insert:
    %slots = llvm.load %table : !llvm.ptr -> !llvm.ptr
    %size = llvm.load %capacity_ptr : !llvm.ptr -> i64
    %mask = llvm.sub %size, %one : i64
    %serial = llvm.call @_zyg_next_serial() : () -> i64
    %address = llvm.ptrtoint %p : !llvm.ptr to i64
    %key = llvm.or %address, %kind : i64
    %fresh = llvm.call @_zyg_place(%slots, %mask, %key, %serial) : (!llvm.ptr, i64, i64, i64) -> i64
    %now_used = llvm.load %used_ptr : !llvm.ptr -> i64
    %counted = llvm.add %now_used, %fresh : i64
    llvm.store %counted, %used_ptr : i64, !llvm.ptr
    llvm.return
  }}
  llvm.func internal @_zyg_untrack(%p: !llvm.ptr {{llvm.nocapture}}) attributes {{no_inline}} {{{_CONSTANTS}
    %table = llvm.mlir.addressof @_zyg_blocks : !llvm.ptr
    %capacity_ptr = llvm.getelementptr %table[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_BLOCKS}
    %capacity = llvm.load %capacity_ptr : !llvm.ptr -> i64
    %none = llvm.icmp "eq" %capacity, %zero : i64
    llvm.cond_br %none, ^done, ^search
  ^search:
    %slots = llvm.load %table : !llvm.ptr -> !llvm.ptr
    %mask = llvm.sub %capacity, %one : i64
    %address = llvm.ptrtoint %p : !llvm.ptr to i64
    %kind_bits = llvm.mlir.constant({_KIND_BITS} : i64) : i64
    %address_bits = llvm.xor %kind_bits, %freed : i64{_probe_start("%address", "%mask", "start")}
    llvm.br ^probe(%start : i64)
  ^probe(%i: i64):
    %slot = llvm.getelementptr %slots[%i] : (!llvm.ptr, i64) -> !llvm.ptr, {_SLOT}
    %held = llvm.load %slot : !llvm.ptr -> i64
    %empty = llvm.icmp "eq" %held, %zero : i64
    llvm.cond_br %empty, ^done, ^compare
  ^compare:
    %block = llvm.and %held, %address_bits : i64
    %found = llvm.icmp "eq" %block, %address : i64
    %next = llvm.add %i, %one : i64
    %wrapped = llvm.and %next, %mask : i64
    llvm.cond_br %found, ^forget, ^probe(%wrapped : i64)
  ^forget:
    llvm.store %freed, %slot : i64, !llvm.ptr
    llvm.br ^done
  ^done:
    llvm.return
  }}
  llvm.func internal @_zyg_alloc(%size: i64, %kind: i64) -> !llvm.ptr {{
    %p = llvm.call @_zyg_allocate_memory(%size, %kind) : (i64, i64) -> !llvm.ptr
    llvm.call @_zyg_track(%p, %kind) : (!llvm.ptr, i64) -> ()
    llvm.return %p : !llvm.ptr
  }}
  llvm.func internal @_zyg_free(%p: !llvm.ptr) {{
    %null = llvm.mlir.zero : !llvm.ptr
    %none = llvm.icmp "eq" %p, %null : !llvm.ptr
    llvm.cond_br %none, ^done, ^release
  ^release:
    llvm.call @_zyg_untrack(%p) : (!llvm.ptr) -> ()
    llvm.call @_zyg_free_memory(%p) : (!llvm.ptr) -> ()
    llvm.br ^done
  ^done:
    llvm.return
  }}
  llvm.func internal @_zyg_release_block(%entry: i64) {{
    %kind_bits = llvm.mlir.constant({_KIND_BITS} : i64) : i64
    %kind = llvm.and %entry, %kind_bits : i64
    %address = llvm.xor %entry, %kind : i64
    %p = llvm.inttoptr %address : i64 to !llvm.ptr
    %tape_kind = llvm.mlir.constant({TAPE} : i64) : i64
    %is_tape = llvm.icmp "eq" %kind, %tape_kind : i64
    llvm.cond_br %is_tape, ^tape, ^block
  ^tape:
    %capacity_ptr = llvm.getelementptr %p[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %capacity = llvm.load %capacity_ptr : !llvm.ptr -> i64
    %zero = llvm.mlir.constant(0 : i64) : i64
    %owns_slots = llvm.icmp "ne" %capacity, %zero : i64
    llvm.cond_br %owns_slots, ^slots, ^block
  ^slots:
    %data = llvm.load %p : !llvm.ptr -> !llvm.ptr
    llvm.call @free(%data) : (!llvm.ptr) -> ()
    llvm.br ^block
  ^block:
    llvm.call @_zyg_free_memory(%p) : (!llvm.ptr) -> ()
    llvm.return
  }}
"""

_HUGE_PAGE_THRESHOLD = 4 << 20  # bytes; NumPy asks for huge pages from the same size up
_MADV_HUGEPAGE = 14  # Linux

# On Linux a buffer of 4 MiB or more is marked for transparent huge pages, as NumPy does for its own
# arrays: a fresh 8 MB gradient then costs 4 page faults instead of 2048. The hint is a separate
# function that is never inlined and does not capture the pointer: inlined, its pointer arithmetic
# would let the buffer's address escape, and LLVM could then no longer keep a reduction into that
# buffer in a register (it stored the accumulator on every iteration of the einsum loops of the GMM
# gradient).
ALLOCATOR = _LIVE_BLOCKS + POOL + f"""
  llvm.func @madvise(!llvm.ptr, i64, i32) -> i32
  llvm.func @_zyg_hint_huge_pages(%p: !llvm.ptr {{llvm.nocapture, llvm.readnone}}, %size: i64) attributes {{no_inline}} {{
    %address = llvm.ptrtoint %p : !llvm.ptr to i64
    %page = llvm.mlir.constant(4095 : i64) : i64
    %mask = llvm.mlir.constant(-4096 : i64) : i64
    %up = llvm.add %address, %page : i64
    %start = llvm.and %up, %mask : i64
    %end_address = llvm.add %address, %size : i64
    %end = llvm.and %end_address, %mask : i64
    %length = llvm.sub %end, %start : i64
    %start_ptr = llvm.inttoptr %start : i64 to !llvm.ptr
    %advice = llvm.mlir.constant({_MADV_HUGEPAGE} : i32) : i32
    %ignored = llvm.call @madvise(%start_ptr, %length, %advice) : (!llvm.ptr, i64, i32) -> i32
    llvm.return
  }}
  llvm.func @_mlir_memref_to_llvm_alloc(%size: i64) -> (!llvm.ptr {{llvm.noalias}}) attributes {{no_inline}} {{
    %largest = llvm.mlir.constant({POOL_LARGEST_BYTES} : i64) : i64
    %small = llvm.icmp "ule" %size, %largest : i64
    llvm.cond_br %small, ^pool, ^heap
  ^pool:
    %pooled = llvm.call @_zyg_pool_alloc(%size) : (i64) -> !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %full = llvm.icmp "eq" %pooled, %null : !llvm.ptr
    llvm.cond_br %full, ^heap, ^done(%pooled : !llvm.ptr)
  ^heap:
    %kind = llvm.mlir.constant({BLOCK} : i64) : i64
    %p = llvm.call @_zyg_alloc(%size, %kind) : (i64, i64) -> !llvm.ptr
    %threshold = llvm.mlir.constant({_HUGE_PAGE_THRESHOLD} : i64) : i64
    %big = llvm.icmp "uge" %size, %threshold : i64
    llvm.cond_br %big, ^hint, ^done(%p : !llvm.ptr)
  ^hint:
    llvm.call @_zyg_hint_huge_pages(%p, %size) : (!llvm.ptr, i64) -> ()
    llvm.br ^done(%p : !llvm.ptr)
  ^done(%buffer: !llvm.ptr):
    llvm.return %buffer : !llvm.ptr
  }}
  llvm.func @_mlir_memref_to_llvm_free(%p: !llvm.ptr) attributes {{no_inline}} {{
    %pooled = llvm.call @_zyg_in_pool(%p) : (!llvm.ptr) -> i1
    llvm.cond_br %pooled, ^pool, ^heap
  ^pool:
    llvm.call @_zyg_pool_free(%p) : (!llvm.ptr) -> ()
    llvm.return
  ^heap:
    llvm.call @_zyg_free(%p) : (!llvm.ptr) -> ()
    llvm.return
  }}
"""

# `memrefCopy(element bytes, source, destination)`, which upstream's memref lowering calls for a copy
# between strided memrefs (each an unranked memref {i64 rank, ptr descriptor}, the descriptor {ptr
# allocated, ptr aligned, i64 offset, i64 sizes[rank], i64 strides[rank]}): one memcpy when both are
# contiguous, else a row at a time where both inner axes are unit-strided (a matrix product written
# into a slice of a batch) or element by element, with an odometer over the other axes, as upstream's
# C runner utilities do. Defined here because loading those utilities loads libMLIR and libLLVM as
# well: 34 ms of every process that runs such a module from the disk cache.
STRIDED_COPY = """
  llvm.func @memrefCopy(%bytes: i64, %src: !llvm.ptr, %dst: !llvm.ptr) {
    %zero = llvm.mlir.constant(0 : i64) : i64
    %one = llvm.mlir.constant(1 : i64) : i64
    %three = llvm.mlir.constant(3 : i64) : i64
    %rank = llvm.load %src : !llvm.ptr -> i64
    %src_desc_at = llvm.getelementptr %src[0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr)>
    %src_desc = llvm.load %src_desc_at : !llvm.ptr -> !llvm.ptr
    %dst_desc_at = llvm.getelementptr %dst[0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(i64, ptr)>
    %dst_desc = llvm.load %dst_desc_at : !llvm.ptr -> !llvm.ptr
    %src_aligned_at = llvm.getelementptr %src_desc[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %src_aligned = llvm.load %src_aligned_at : !llvm.ptr -> !llvm.ptr
    %dst_aligned_at = llvm.getelementptr %dst_desc[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %dst_aligned = llvm.load %dst_aligned_at : !llvm.ptr -> !llvm.ptr
    %src_offset_at = llvm.getelementptr %src_desc[2] : (!llvm.ptr) -> !llvm.ptr, i64
    %src_offset = llvm.load %src_offset_at : !llvm.ptr -> i64
    %dst_offset_at = llvm.getelementptr %dst_desc[2] : (!llvm.ptr) -> !llvm.ptr, i64
    %dst_offset = llvm.load %dst_offset_at : !llvm.ptr -> i64
    %src_offset_bytes = llvm.mul %src_offset, %bytes : i64
    %src_base = llvm.getelementptr %src_aligned[%src_offset_bytes] : (!llvm.ptr, i64) -> !llvm.ptr, i8
    %dst_offset_bytes = llvm.mul %dst_offset, %bytes : i64
    %dst_base = llvm.getelementptr %dst_aligned[%dst_offset_bytes] : (!llvm.ptr, i64) -> !llvm.ptr, i8
    %sizes = llvm.getelementptr %src_desc[3] : (!llvm.ptr) -> !llvm.ptr, i64
    %strides_at = llvm.add %rank, %three : i64
    %src_strides = llvm.getelementptr %src_desc[%strides_at] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %dst_strides = llvm.getelementptr %dst_desc[%strides_at] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %last = llvm.sub %rank, %one : i64
    %true = llvm.mlir.constant(true) : i1
    llvm.br ^shape(%last, %one, %true : i64, i64, i1)
  ^shape(%axis: i64, %count: i64, %contiguous: i1):
    %shape_done = llvm.icmp "slt" %axis, %zero : i64
    llvm.cond_br %shape_done, ^shaped, ^shape_axis
  ^shape_axis:
    %size_at = llvm.getelementptr %sizes[%axis] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %size = llvm.load %size_at : !llvm.ptr -> i64
    %src_stride_at = llvm.getelementptr %src_strides[%axis] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %src_stride = llvm.load %src_stride_at : !llvm.ptr -> i64
    %dst_stride_at = llvm.getelementptr %dst_strides[%axis] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %dst_stride = llvm.load %dst_stride_at : !llvm.ptr -> i64
    %src_dense = llvm.icmp "eq" %src_stride, %count : i64
    %dst_dense = llvm.icmp "eq" %dst_stride, %count : i64
    %both_dense = llvm.and %src_dense, %dst_dense : i1
    %still = llvm.and %contiguous, %both_dense : i1
    %next_count = llvm.mul %count, %size : i64
    %next_axis = llvm.sub %axis, %one : i64
    llvm.br ^shape(%next_axis, %next_count, %still : i64, i64, i1)
  ^shaped:
    %empty = llvm.icmp "eq" %count, %zero : i64
    llvm.cond_br %empty, ^exit, ^nonempty
  ^nonempty:
    llvm.cond_br %contiguous, ^whole, ^strided
  ^whole:
    %total = llvm.mul %count, %bytes : i64
    "llvm.intr.memcpy"(%dst_base, %src_base, %total) <{isVolatile = false}> : (!llvm.ptr, !llvm.ptr, i64) -> ()
    llvm.br ^exit
  ^strided:
    %counters = llvm.alloca %rank x i64 : (i64) -> !llvm.ptr
    %eight = llvm.mlir.constant(8 : i64) : i64
    %zero_byte = llvm.mlir.constant(0 : i8) : i8
    %counters_bytes = llvm.mul %rank, %eight : i64
    "llvm.intr.memset"(%counters, %zero_byte, %counters_bytes) <{isVolatile = false}> : (!llvm.ptr, i8, i64) -> ()
    %last_size_at = llvm.getelementptr %sizes[%last] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %last_size = llvm.load %last_size_at : !llvm.ptr -> i64
    %last_src_stride_at = llvm.getelementptr %src_strides[%last] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %last_src_stride = llvm.load %last_src_stride_at : !llvm.ptr -> i64
    %last_dst_stride_at = llvm.getelementptr %dst_strides[%last] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %last_dst_stride = llvm.load %last_dst_stride_at : !llvm.ptr -> i64
    %src_rows = llvm.icmp "eq" %last_src_stride, %one : i64
    %dst_rows = llvm.icmp "eq" %last_dst_stride, %one : i64
    %rows = llvm.and %src_rows, %dst_rows : i1
    %row_bytes = llvm.mul %last_size, %bytes : i64
    %run = llvm.select %rows, %row_bytes, %bytes : i1, i64
    %above_last = llvm.sub %last, %one : i64
    %top = llvm.select %rows, %above_last, %last : i1, i64
    llvm.br ^copy(%zero, %zero : i64, i64)
  ^copy(%src_at: i64, %dst_at: i64):
    %src_byte = llvm.mul %src_at, %bytes : i64
    %from = llvm.getelementptr %src_base[%src_byte] : (!llvm.ptr, i64) -> !llvm.ptr, i8
    %dst_byte = llvm.mul %dst_at, %bytes : i64
    %to = llvm.getelementptr %dst_base[%dst_byte] : (!llvm.ptr, i64) -> !llvm.ptr, i8
    "llvm.intr.memcpy"(%to, %from, %run) <{isVolatile = false}> : (!llvm.ptr, !llvm.ptr, i64) -> ()
    llvm.br ^advance(%top, %src_at, %dst_at : i64, i64, i64)
  ^advance(%carry_axis: i64, %src_now: i64, %dst_now: i64):
    %finished = llvm.icmp "slt" %carry_axis, %zero : i64
    llvm.cond_br %finished, ^exit, ^step
  ^step:
    %counter_at = llvm.getelementptr %counters[%carry_axis] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %counter = llvm.load %counter_at : !llvm.ptr -> i64
    %counted = llvm.add %counter, %one : i64
    %axis_size_at = llvm.getelementptr %sizes[%carry_axis] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %axis_size = llvm.load %axis_size_at : !llvm.ptr -> i64
    %axis_src_stride_at = llvm.getelementptr %src_strides[%carry_axis] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %axis_src_stride = llvm.load %axis_src_stride_at : !llvm.ptr -> i64
    %axis_dst_stride_at = llvm.getelementptr %dst_strides[%carry_axis] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %axis_dst_stride = llvm.load %axis_dst_stride_at : !llvm.ptr -> i64
    %src_next = llvm.add %src_now, %axis_src_stride : i64
    %dst_next = llvm.add %dst_now, %axis_dst_stride : i64
    %within = llvm.icmp "slt" %counted, %axis_size : i64
    llvm.cond_br %within, ^stay, ^wrap
  ^stay:
    llvm.store %counted, %counter_at : i64, !llvm.ptr
    llvm.br ^copy(%src_next, %dst_next : i64, i64)
  ^wrap:
    llvm.store %zero, %counter_at : i64, !llvm.ptr
    %src_span = llvm.mul %axis_src_stride, %axis_size : i64
    %dst_span = llvm.mul %axis_dst_stride, %axis_size : i64
    %src_back = llvm.sub %src_next, %src_span : i64
    %dst_back = llvm.sub %dst_next, %dst_span : i64
    %outer = llvm.sub %carry_axis, %one : i64
    llvm.br ^advance(%outer, %src_back, %dst_back : i64, i64, i64)
  ^exit:
    llvm.return
  }
"""

# Elsewhere: no hint.
GENERIC_ALLOCATOR = _LIVE_BLOCKS + NO_POOL + f"""
  llvm.func @_mlir_memref_to_llvm_alloc(%size: i64) -> !llvm.ptr {{
    %kind = llvm.mlir.constant({BLOCK} : i64) : i64
    %p = llvm.call @_zyg_alloc(%size, %kind) : (i64, i64) -> !llvm.ptr
    llvm.return %p : !llvm.ptr
  }}
  llvm.func @_mlir_memref_to_llvm_free(%p: !llvm.ptr) {{
    llvm.call @_zyg_free(%p) : (!llvm.ptr) -> ()
    llvm.return
  }}
"""

# The slots of the last tape freed, `@_zyg_spare_slots` = {ptr data, i64 capacity} ({null, 0}: none),
# are kept for the next tape of the module: a gradient's tape then grows by doubling (realloc copies,
# and beyond glibc's mmap threshold a fresh mapping whose every page faults in) only on the first call,
# and later calls write into pages already resident (the RK4 ODE gradient, whose tape holds 64 MiB:
# 70 ms a call before, 17-24 ms after, most of the difference page faults and unmapping). Slots of
# at most `SPARE_SLOTS_BYTES` are kept (twice the freed heap `zyg.backend.heap` keeps for the next
# call, as capacity doubles: a tape of that capacity held more than half of it); a larger tape's slots
# go back to the C heap as before.
SPARE_SLOTS_BYTES = 2 * TRIM_THRESHOLD_BYTES
_SPARE = "!llvm.struct<(ptr, i64)>"

TAPE_RUNTIME = f"""
  llvm.mlir.global internal @_zyg_spare_slots() {{addr_space = 0 : i32, alignment = 8 : i64}} : {_SPARE} {{
    %z = llvm.mlir.zero : {_SPARE}
    llvm.return %z : {_SPARE}
  }}
  func.func private @_zyg_tape_new() -> !llvm.ptr {{
    %header_bytes = llvm.mlir.constant(24 : i64) : i64
    %kind = llvm.mlir.constant({TAPE} : i64) : i64
    %tape = llvm.call @_zyg_alloc(%header_bytes, %kind) : (i64, i64) -> !llvm.ptr
    %spare = llvm.mlir.addressof @_zyg_spare_slots : !llvm.ptr
    %spare_capacity_ptr = llvm.getelementptr %spare[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_SPARE}
    %spare_data = llvm.load %spare : !llvm.ptr -> !llvm.ptr
    %spare_capacity = llvm.load %spare_capacity_ptr : !llvm.ptr -> i64
    %null = llvm.mlir.zero : !llvm.ptr
    %zero = llvm.mlir.constant(0 : i64) : i64
    %none_spare = llvm.icmp "eq" %spare_data, %null : !llvm.ptr
    %data, %capacity = scf.if %none_spare -> (!llvm.ptr, i64) {{
      %fresh_capacity = llvm.mlir.constant(256 : i64) : i64
      %data_bytes = llvm.mlir.constant(2048 : i64) : i64
      %fresh = llvm.call @malloc(%data_bytes) : (i64) -> !llvm.ptr
      scf.yield %fresh, %fresh_capacity : !llvm.ptr, i64
    }} else {{
      llvm.store %null, %spare : !llvm.ptr, !llvm.ptr
      llvm.store %zero, %spare_capacity_ptr : i64, !llvm.ptr
      scf.yield %spare_data, %spare_capacity : !llvm.ptr, i64
    }}
    llvm.store %data, %tape : !llvm.ptr, !llvm.ptr
    %size_ptr = llvm.getelementptr %tape[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    llvm.store %zero, %size_ptr : i64, !llvm.ptr
    %capacity_ptr = llvm.getelementptr %tape[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    llvm.store %capacity, %capacity_ptr : i64, !llvm.ptr
    return %tape : !llvm.ptr
  }}
  func.func private @_zyg_tape_reader(%source: !llvm.ptr) -> !llvm.ptr {{
    %header_bytes = llvm.mlir.constant(24 : i64) : i64
    %kind = llvm.mlir.constant({TAPE} : i64) : i64
    %tape = llvm.call @_zyg_alloc(%header_bytes, %kind) : (i64, i64) -> !llvm.ptr
    %data = llvm.load %source : !llvm.ptr -> !llvm.ptr
    llvm.store %data, %tape : !llvm.ptr, !llvm.ptr
    %source_size_ptr = llvm.getelementptr %source[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %size = llvm.load %source_size_ptr : !llvm.ptr -> i64
    %size_ptr = llvm.getelementptr %tape[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    llvm.store %size, %size_ptr : i64, !llvm.ptr
    %zero = llvm.mlir.constant(0 : i64) : i64
    %capacity_ptr = llvm.getelementptr %tape[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    llvm.store %zero, %capacity_ptr : i64, !llvm.ptr
    return %tape : !llvm.ptr
  }}
  func.func private @_zyg_tape_free(%tape: !llvm.ptr) {{
    %capacity_ptr = llvm.getelementptr %tape[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %capacity = llvm.load %capacity_ptr : !llvm.ptr -> i64
    %zero = llvm.mlir.constant(0 : i64) : i64
    %owns_slots = llvm.icmp "ne" %capacity, %zero : i64
    scf.if %owns_slots {{
      %data = llvm.load %tape : !llvm.ptr -> !llvm.ptr
      func.call @_zyg_keep_slots(%data, %capacity) : (!llvm.ptr, i64) -> ()
    }}
    llvm.call @_zyg_free(%tape) : (!llvm.ptr) -> ()
    return
  }}
  func.func private @_zyg_keep_slots(%data: !llvm.ptr, %capacity: i64) {{
    %spare = llvm.mlir.addressof @_zyg_spare_slots : !llvm.ptr
    %spare_capacity_ptr = llvm.getelementptr %spare[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_SPARE}
    %spare_capacity = llvm.load %spare_capacity_ptr : !llvm.ptr -> i64
    %most = llvm.mlir.constant({SPARE_SLOTS_BYTES // 8} : i64) : i64
    %small_enough = llvm.icmp "sle" %capacity, %most : i64
    %larger = llvm.icmp "sgt" %capacity, %spare_capacity : i64
    %keep = llvm.and %small_enough, %larger : i1
    scf.if %keep {{
      %old = llvm.load %spare : !llvm.ptr -> !llvm.ptr
      llvm.call @free(%old) : (!llvm.ptr) -> ()
      llvm.store %data, %spare : !llvm.ptr, !llvm.ptr
      llvm.store %capacity, %spare_capacity_ptr : i64, !llvm.ptr
    }} else {{
      llvm.call @free(%data) : (!llvm.ptr) -> ()
    }}
    return
  }}
  func.func private @_zyg_tape_push_slots(%tape: !llvm.ptr, %count: i64) -> !llvm.ptr {{
    %size_ptr = llvm.getelementptr %tape[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %capacity_ptr = llvm.getelementptr %tape[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %size = llvm.load %size_ptr : !llvm.ptr -> i64
    %capacity = llvm.load %capacity_ptr : !llvm.ptr -> i64
    %data0 = llvm.load %tape : !llvm.ptr -> !llvm.ptr
    %next = arith.addi %size, %count : i64
    %full = arith.cmpi sgt, %next, %capacity : i64
    %data = scf.if %full -> (!llvm.ptr) {{
      %two = arith.constant 2 : i64
      %eight = arith.constant 8 : i64
      %doubled = arith.muli %capacity, %two : i64
      %grown = arith.maxsi %doubled, %next : i64
      %bytes = arith.muli %grown, %eight : i64
      %moved = llvm.call @realloc(%data0, %bytes) : (!llvm.ptr, i64) -> !llvm.ptr
      llvm.store %moved, %tape : !llvm.ptr, !llvm.ptr
      llvm.store %grown, %capacity_ptr : i64, !llvm.ptr
      scf.yield %moved : !llvm.ptr
    }} else {{
      scf.yield %data0 : !llvm.ptr
    }}
    %slots = llvm.getelementptr %data[%size] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    llvm.store %next, %size_ptr : i64, !llvm.ptr
    return %slots : !llvm.ptr
  }}
  func.func private @_zyg_tape_pop_slots(%tape: !llvm.ptr, %count: i64) -> !llvm.ptr {{
    %size_ptr = llvm.getelementptr %tape[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %size = llvm.load %size_ptr : !llvm.ptr -> i64
    %top = arith.subi %size, %count : i64
    llvm.store %top, %size_ptr : i64, !llvm.ptr
    %data = llvm.load %tape : !llvm.ptr -> !llvm.ptr
    %slots = llvm.getelementptr %data[%top] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    return %slots : !llvm.ptr
  }}
  func.func private @_zyg_tape_push_f64(%tape: !llvm.ptr, %value: f64) {{
    %one = arith.constant 1 : i64
    %slot = func.call @_zyg_tape_push_slots(%tape, %one) : (!llvm.ptr, i64) -> !llvm.ptr
    llvm.store %value, %slot : f64, !llvm.ptr
    return
  }}
  func.func private @_zyg_tape_push_i64(%tape: !llvm.ptr, %value: i64) {{
    %one = arith.constant 1 : i64
    %slot = func.call @_zyg_tape_push_slots(%tape, %one) : (!llvm.ptr, i64) -> !llvm.ptr
    llvm.store %value, %slot : i64, !llvm.ptr
    return
  }}
  func.func private @_zyg_tape_pop_f64(%tape: !llvm.ptr) -> f64 {{
    %one = arith.constant 1 : i64
    %slot = func.call @_zyg_tape_pop_slots(%tape, %one) : (!llvm.ptr, i64) -> !llvm.ptr
    %value = llvm.load %slot : !llvm.ptr -> f64
    return %value : f64
  }}
  func.func private @_zyg_tape_pop_i64(%tape: !llvm.ptr) -> i64 {{
    %one = arith.constant 1 : i64
    %slot = func.call @_zyg_tape_pop_slots(%tape, %one) : (!llvm.ptr, i64) -> !llvm.ptr
    %value = llvm.load %slot : !llvm.ptr -> i64
    return %value : i64
  }}
"""

# A frame: `@_zyg_frame_push(frame, tape)` makes the frame's jump buffer the one failures jump to
# (`@_zyg_jump`, which points at the innermost), notes the next block serial and the tape's size;
# the caller then calls `setjmp` on the frame itself (it must be the function a failure returns to).
# `@_zyg_frame_pop(frame, release)` restores the enclosing jump buffer and ends the frame's blocks:
# RELEASE_KEEP leaves them to the enclosing frame (a `try` body that succeeded), RELEASE_FREE frees them
# and cuts the tape back (a failed entry call), RELEASE_CATCH does too and moves the error record into
# the frame (a failed `try` body), RELEASE_DETACH unlinks them for Python (an entry that succeeded).
# `@_zyg_error_code(frame)` reads the code and first value of the error a frame caught,
# `@_zyg_reraise(frame)` puts it back in the record and fails with it.
_FRAMES = f"""
  llvm.func internal @_zyg_frame_push(%frame: !llvm.ptr, %tape: !llvm.ptr) {{
    %jump = llvm.mlir.addressof @_zyg_jump : !llvm.ptr
    %enclosing = llvm.load %jump : !llvm.ptr -> !llvm.ptr
    %enclosing_ptr = llvm.getelementptr %frame[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_FRAME}
    llvm.store %enclosing, %enclosing_ptr : !llvm.ptr, !llvm.ptr
    llvm.store %frame, %jump : !llvm.ptr, !llvm.ptr
    %table = llvm.mlir.addressof @_zyg_blocks : !llvm.ptr
    %serial_ptr = llvm.getelementptr %table[0, 3] : (!llvm.ptr) -> !llvm.ptr, {_BLOCKS}
    %serial = llvm.load %serial_ptr : !llvm.ptr -> i64
    %mark_ptr = llvm.getelementptr %frame[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_FRAME}
    llvm.store %serial, %mark_ptr : i64, !llvm.ptr
    %tape_ptr = llvm.getelementptr %frame[0, 3] : (!llvm.ptr) -> !llvm.ptr, {_FRAME}
    llvm.store %tape, %tape_ptr : !llvm.ptr, !llvm.ptr
    %size_ptr = llvm.getelementptr %frame[0, 4] : (!llvm.ptr) -> !llvm.ptr, {_FRAME}
    %zero = llvm.mlir.constant(0 : i64) : i64
    llvm.store %zero, %size_ptr : i64, !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %no_tape = llvm.icmp "eq" %tape, %null : !llvm.ptr
    llvm.cond_br %no_tape, ^done, ^tape
  ^tape:
    %tape_size_ptr = llvm.getelementptr %tape[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %size = llvm.load %tape_size_ptr : !llvm.ptr -> i64
    llvm.store %size, %size_ptr : i64, !llvm.ptr
    llvm.br ^done
  ^done:
    llvm.return
  }}
  llvm.func internal @_zyg_frame_pop(%frame: !llvm.ptr, %release: i64) {{
    %jump = llvm.mlir.addressof @_zyg_jump : !llvm.ptr
    %enclosing_ptr = llvm.getelementptr %frame[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_FRAME}
    %enclosing = llvm.load %enclosing_ptr : !llvm.ptr -> !llvm.ptr
    llvm.store %enclosing, %jump : !llvm.ptr, !llvm.ptr
    %keep = llvm.mlir.constant({RELEASE_KEEP} : i64) : i64
    %free = llvm.mlir.constant({RELEASE_FREE} : i64) : i64
    %catch = llvm.mlir.constant({RELEASE_CATCH} : i64) : i64
    %kept = llvm.icmp "eq" %release, %keep : i64
    %failure = llvm.icmp "eq" %release, %free : i64
    %caught = llvm.icmp "eq" %release, %catch : i64
    %freeing = llvm.or %failure, %caught : i1
    %zero = llvm.mlir.constant(0 : i64) : i64
    %one = llvm.mlir.constant(1 : i64) : i64
    %freed = llvm.mlir.constant(-1 : i64) : i64
    llvm.cond_br %kept, ^done, ^start
  ^start:
    %table = llvm.mlir.addressof @_zyg_blocks : !llvm.ptr
    %capacity_ptr = llvm.getelementptr %table[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_BLOCKS}
    %capacity = llvm.load %capacity_ptr : !llvm.ptr -> i64
    %slots = llvm.load %table : !llvm.ptr -> !llvm.ptr
    %mark_ptr = llvm.getelementptr %frame[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_FRAME}
    %mark = llvm.load %mark_ptr : !llvm.ptr -> i64
    llvm.br ^walk(%zero : i64)
  ^walk(%i: i64):
    %more = llvm.icmp "slt" %i, %capacity : i64
    llvm.cond_br %more, ^visit, ^cut
  ^visit:{_read_slot("%slots")}
    %older = llvm.icmp "slt" %serial, %mark : i64
    %skip = llvm.or %dead, %older : i1
    llvm.cond_br %skip, ^walk(%next : i64), ^mine
  ^mine:
    llvm.store %freed, %slot : i64, !llvm.ptr
    llvm.cond_br %freeing, ^release_block, ^walk(%next : i64)
  ^release_block:
    llvm.call @_zyg_release_block(%key) : (i64) -> ()
    llvm.br ^walk(%next : i64)
  ^cut:
    llvm.cond_br %freeing, ^cut_pool, ^done
  ^cut_pool:
    llvm.call @_zyg_pool_release_since(%mark) : (i64) -> ()
    llvm.br ^cut_tape
  ^cut_tape:
    %tape_ptr = llvm.getelementptr %frame[0, 3] : (!llvm.ptr) -> !llvm.ptr, {_FRAME}
    %tape = llvm.load %tape_ptr : !llvm.ptr -> !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %no_tape = llvm.icmp "eq" %tape, %null : !llvm.ptr
    llvm.cond_br %no_tape, ^done, ^restore
  ^restore:
    %size_ptr = llvm.getelementptr %frame[0, 4] : (!llvm.ptr) -> !llvm.ptr, {_FRAME}
    %size = llvm.load %size_ptr : !llvm.ptr -> i64
    %tape_size_ptr = llvm.getelementptr %tape[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    llvm.store %size, %tape_size_ptr : i64, !llvm.ptr
    llvm.br ^done
  ^done:
    llvm.cond_br %caught, ^take, ^end
  ^take:
    %record = llvm.mlir.addressof @_zyg_error : !llvm.ptr
    %kept_record = llvm.getelementptr %frame[0, 5] : (!llvm.ptr) -> !llvm.ptr, {_FRAME}
    %record_bytes = llvm.mlir.constant({8 * ERROR_SLOTS} : i64) : i64
    "llvm.intr.memcpy"(%kept_record, %record, %record_bytes) <{{isVolatile = false}}> : (!llvm.ptr, !llvm.ptr, i64) -> ()
    %no_error = llvm.mlir.constant(0 : i64) : i64
    llvm.store %no_error, %record : i64, !llvm.ptr
    llvm.br ^end
  ^end:
    llvm.return
  }}
  llvm.func internal @_zyg_error_code(%frame: !llvm.ptr) -> !llvm.struct<(i64, i64)> {{
    %code_ptr = llvm.getelementptr %frame[0, 5, 0] : (!llvm.ptr) -> !llvm.ptr, {_FRAME}
    %code = llvm.load %code_ptr : !llvm.ptr -> i64
    %value_ptr = llvm.getelementptr %frame[0, 5, 1] : (!llvm.ptr) -> !llvm.ptr, {_FRAME}
    %value = llvm.load %value_ptr : !llvm.ptr -> i64
    %undef = llvm.mlir.undef : !llvm.struct<(i64, i64)>
    %first = llvm.insertvalue %code, %undef[0] : !llvm.struct<(i64, i64)>
    %both = llvm.insertvalue %value, %first[1] : !llvm.struct<(i64, i64)>
    llvm.return %both : !llvm.struct<(i64, i64)>
  }}
  llvm.func internal @_zyg_reraise(%frame: !llvm.ptr) {{
    %record = llvm.mlir.addressof @_zyg_error : !llvm.ptr
    %kept_record = llvm.getelementptr %frame[0, 5] : (!llvm.ptr) -> !llvm.ptr, {_FRAME}
    %record_bytes = llvm.mlir.constant({8 * ERROR_SLOTS} : i64) : i64
    "llvm.intr.memcpy"(%record, %kept_record, %record_bytes) <{{isVolatile = false}}> : (!llvm.ptr, !llvm.ptr, i64) -> ()
    %jump = llvm.mlir.addressof @_zyg_jump : !llvm.ptr
    %buffer = llvm.load %jump : !llvm.ptr -> !llvm.ptr
    %one = llvm.mlir.constant(1 : i32) : i32
    llvm.call @longjmp(%buffer, %one) : (!llvm.ptr, i32) -> ()
    llvm.unreachable
  }}
"""


def _error_runtime(values: int) -> str:
    """The error channel for checks reporting `values` integers: the record, `@_zyg_fail` and
    `@_zyg_take_error` (written out slot by slot: the LLVM dialect has no loops over a record).
    `@_zyg_fail` is public, so that the pipeline keeps it where no check calls it: zyg's CUDA driver
    wrappers (`cuda_wrappers`), added after the pipeline, call it."""
    record = f"!llvm.array<{values + 1} x i64>"
    params = ", ".join(f"%v{k}: i64" for k in range(values))
    stores = "".join(f"""
    %p{k} = llvm.getelementptr %record[0, {k + 1}] : (!llvm.ptr) -> !llvm.ptr, {record}
    llvm.store %v{k}, %p{k} : i64, !llvm.ptr""" for k in range(values))
    loads = "".join(f"""
    %p{k} = llvm.getelementptr %record[0, {k + 1}] : (!llvm.ptr) -> !llvm.ptr, {record}
    %v{k} = llvm.load %p{k} : !llvm.ptr -> i64""" for k in range(values))
    types = ", ".join(["i64"] * (values + 1))
    returned = ", ".join(["%code", *(f"%v{k}" for k in range(values))])
    return f"""
  llvm.mlir.global internal @_zyg_jump() {{addr_space = 0 : i32, alignment = 8 : i64}} : !llvm.ptr {{
    %z = llvm.mlir.zero : !llvm.ptr
    llvm.return %z : !llvm.ptr
  }}
  llvm.mlir.global internal @_zyg_error() {{addr_space = 0 : i32, alignment = 8 : i64}} : {record} {{
    %z = llvm.mlir.zero : {record}
    llvm.return %z : {record}
  }}
  llvm.func @_setjmp(!llvm.ptr) -> i32 attributes {{passthrough = ["returns_twice"]}}
  llvm.func @longjmp(!llvm.ptr, i32) attributes {{passthrough = ["noreturn"]}}
  func.func @_zyg_fail(%code: i64, {params}) {{
    %record = llvm.mlir.addressof @_zyg_error : !llvm.ptr
    llvm.store %code, %record : i64, !llvm.ptr{stores}
    %jump = llvm.mlir.addressof @_zyg_jump : !llvm.ptr
    %buffer = llvm.load %jump : !llvm.ptr -> !llvm.ptr
    %one = llvm.mlir.constant(1 : i32) : i32
    llvm.call @longjmp(%buffer, %one) : (!llvm.ptr, i32) -> ()
    return
  }}
  func.func private @_zyg_take_error() -> ({types}) {{
    %record = llvm.mlir.addressof @_zyg_error : !llvm.ptr
    %code = llvm.load %record : !llvm.ptr -> i64{loads}
    %zero = llvm.mlir.constant(0 : i64) : i64
    llvm.store %zero, %record : i64, !llvm.ptr
    return {returned} : {types}
  }}
{_FRAMES}"""


ERROR_RUNTIME = _error_runtime(CHECK_VALUES)

HOST_RUNTIME = f"""
  llvm.mlir.global internal @_zyg_host_slots() {{addr_space = 0 : i32, alignment = 8 : i64}} : !llvm.array<{HOST_SLOTS} x i64> {{
    %z = llvm.mlir.zero : !llvm.array<{HOST_SLOTS} x i64>
    llvm.return %z : !llvm.array<{HOST_SLOTS} x i64>
  }}
"""

# `@_zyg_runtime` holds the words `entry_abi.STATE_*` name: {ptr to the process's {i64 flag, ptr previous
# handler}, i64 stack limit, ptr handler, ptr Python API table, ptr stack-limit function, i64 lock owner,
# i64 re-entries, i64 thread of the limit, ptr capsule destructor, the lock}; the stack pointer is read
# in an `llvm.func` (the deallocation pipeline rejects `llvm.intr.stacksave` in a `func.func`: unknown
# memory effects), which LLVM inlines.
# `@_zyg_runtime_state()` gives its address to the loader (through the wrapper `ExecutionEngine` makes of
# it, `_mlir__zyg_runtime_state(void **)`, which the object code for the disk cache carries too).
# `@_zyg_python_free` is the destructor of the capsule owning a result buffer (`zyg.backend.python_entry`).
STATE = f"!llvm.struct<(ptr, i64, ptr, ptr, ptr, i64, i64, i64, ptr, array<{MUTEX_WORDS} x i64>)>"
assert STATE_FREE == 8 and STATE_MUTEX == 9 and STATE_HANDLER == 2

INTERRUPT_RUNTIME = f"""
  llvm.mlir.global internal @_zyg_runtime() {{addr_space = 0 : i32, alignment = 8 : i64}} : {STATE} {{
    %zero = llvm.mlir.zero : {STATE}
    %handler = llvm.mlir.addressof @_zyg_sigint : !llvm.ptr
    %with_handler = llvm.insertvalue %handler, %zero[{STATE_HANDLER}] : {STATE}
    %free = llvm.mlir.addressof @_zyg_python_free : !llvm.ptr
    %state = llvm.insertvalue %free, %with_handler[{STATE_FREE}] : {STATE}
    llvm.return %state : {STATE}
  }}
  llvm.func @{RUNTIME_STATE}() -> !llvm.ptr {{
    %state = llvm.mlir.addressof @_zyg_runtime : !llvm.ptr
    llvm.return %state : !llvm.ptr
  }}
  llvm.func @_zyg_python_free(%capsule: !llvm.ptr) {{
    %state = llvm.mlir.addressof @_zyg_runtime : !llvm.ptr
    %api_ptr = llvm.getelementptr %state[0, {STATE_API}] : (!llvm.ptr) -> !llvm.ptr, {STATE}
    %api = llvm.load %api_ptr : !llvm.ptr -> !llvm.ptr
    %get_ptr = llvm.getelementptr %api[{PYTHON_API.index("PyCapsule_GetPointer")}] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %get = llvm.load %get_ptr : !llvm.ptr -> !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %buffer = llvm.call %get(%capsule, %null) : !llvm.ptr, (!llvm.ptr, !llvm.ptr) -> !llvm.ptr
    llvm.call @_zyg_free_memory(%buffer) : (!llvm.ptr) -> ()
    llvm.return
  }}
  llvm.func @_zyg_sigint(%signal: i32, %info: !llvm.ptr, %context: !llvm.ptr) {{
    %state = llvm.mlir.addressof @_zyg_runtime : !llvm.ptr
    %flag = llvm.load %state : !llvm.ptr -> !llvm.ptr
    %one = llvm.mlir.constant(1 : i64) : i64
    llvm.store volatile %one, %flag : i64, !llvm.ptr
    %previous_ptr = llvm.getelementptr %flag[1] : (!llvm.ptr) -> !llvm.ptr, i64
    %previous = llvm.load %previous_ptr : !llvm.ptr -> !llvm.ptr
    llvm.call %previous(%signal, %info, %context) : !llvm.ptr, (i32, !llvm.ptr, !llvm.ptr) -> ()
    llvm.return
  }}
  func.func private @_zyg_clear_interrupt() {{
    %state = llvm.mlir.addressof @_zyg_runtime : !llvm.ptr
    %flag = llvm.load %state : !llvm.ptr -> !llvm.ptr
    %zero = llvm.mlir.constant(0 : i64) : i64
    llvm.store volatile %zero, %flag : i64, !llvm.ptr
    return
  }}
  func.func private @_zyg_poll_interrupt() {{
    %state = llvm.mlir.addressof @_zyg_runtime : !llvm.ptr
    %flag_ptr = llvm.load %state : !llvm.ptr -> !llvm.ptr
    %flag = llvm.load volatile %flag_ptr : !llvm.ptr -> i64
    %zero = llvm.mlir.constant(0 : i64) : i64
    %set = llvm.icmp "ne" %flag, %zero : i64
    scf.if %set {{
      %code = llvm.mlir.constant({INTERRUPTED} : i64) : i64
      func.call @_zyg_fail(%code, {", ".join(["%zero"] * CHECK_VALUES)}) : ({", ".join(["i64"] * (CHECK_VALUES + 1))}) -> ()
    }}
    return
  }}
  llvm.func internal @_zyg_stack_pointer() -> i64 {{
    %sp = llvm.intr.stacksave : !llvm.ptr
    %address = llvm.ptrtoint %sp : !llvm.ptr to i64
    llvm.return %address : i64
  }}
  func.func private @_zyg_stack_ok() -> i1 {{
    %state = llvm.mlir.addressof @_zyg_runtime : !llvm.ptr
    %limit_ptr = llvm.getelementptr %state[0, {STATE_STACK_LIMIT}] : (!llvm.ptr) -> !llvm.ptr, {STATE}
    %limit = llvm.load %limit_ptr : !llvm.ptr -> i64
    %address = llvm.call @_zyg_stack_pointer() : () -> i64
    %ok = llvm.icmp "uge" %address, %limit : i64
    return %ok : i1
  }}
"""

INTERRUPT_SYMBOLS = frozenset({"_zyg_clear_interrupt", "_zyg_poll_interrupt", "_zyg_stack_ok"})
ERROR_SYMBOLS = frozenset({"_zyg_fail", "_zyg_take_error"}) | INTERRUPT_SYMBOLS
RUNTIME_SYMBOLS = frozenset(RUNTIME_FUNCTIONS) | ERROR_SYMBOLS
