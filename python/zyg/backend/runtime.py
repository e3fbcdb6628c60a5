"""Runtime support compiled into the modules that use it, as upstream MLIR text.

Run-time errors: `@_zyg_fail(code, v0, ..., v15)` records a failed check (its code and `CHECK_VALUES` integers
for the message) and `longjmp`s back to the `setjmp` in `@zyg_entry`; `@_zyg_take_error()` reads and
clears the record. Memory the failed call had allocated is not freed (the error path only).

Interrupts and stack depth: `@_zyg_runtime` holds what the loader fills in (`zyg.backend.interrupts`,
`zyg.backend.stack`): the process's interrupt flag, the lowest stack address the calling thread may
reach, and this module's SIGINT handler `@_zyg_sigint`, which sets the flag and chains to the handler
it replaced. Loops poll the flag (`@_zyg_poll_interrupt`), recursive functions check the stack pointer
(`@_zyg_stack_ok`), and each entry clears the flag (`@_zyg_clear_interrupt`) so that a Ctrl-C pressed
while Python ran cannot stop a later call.

The tape is a growable LIFO stack of 8-byte slots (a push reserves one or a block of them) behind an opaque `!llvm.ptr` to
`{ptr data, i64 size, i64 capacity}`; capacity doubles when full. A reader of a tape is a header of its
own over the same slots with capacity 0 (it owns none): popping it leaves the tape whole, and freeing
it frees the header alone. The functions are private, so
LLVM inlines push and pop into the loops that use them. Written in the LLVM dialect because the
upstream buffer-deallocation pipeline rejects hand-managed memrefs (see DESIGN.md).
"""

from __future__ import annotations

from zyg.entry_abi import CHECK_VALUES, INTERRUPTED, RUNTIME_STATE
from zyg.host import HOST_SLOTS
from zyg.passes.lower_tapes import RUNTIME_FUNCTIONS

_HEADER = "!llvm.struct<(ptr, i64, i64)>"

# The C allocator, declared once for every runtime part that uses it.
LIBC = """
  llvm.func @malloc(i64) -> !llvm.ptr
  llvm.func @realloc(!llvm.ptr, i64) -> !llvm.ptr
  llvm.func @free(!llvm.ptr)
"""

_HUGE_PAGE_THRESHOLD = 4 << 20  # bytes; NumPy asks for huge pages from the same size up
_MADV_HUGEPAGE = 14  # Linux

# Every buffer the compiled code allocates (`memref.alloc`, lowered with the generic allocation
# functions) comes from `malloc`, so NumPy arrays returned to Python are freed with `free`. On Linux a
# buffer of 4 MiB or more is marked for transparent huge pages, as NumPy does for its own arrays:
# a fresh 8 MB gradient then costs 4 page faults instead of 2048. The hint is a separate function that
# is never inlined and does not capture the pointer: inlined, its pointer arithmetic would let the
# buffer's address escape, and LLVM could then no longer keep a reduction into that buffer in a
# register (it stored the accumulator on every iteration of the einsum loops of the GMM gradient).
ALLOCATOR = f"""
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
  llvm.func @_mlir_memref_to_llvm_alloc(%size: i64) -> !llvm.ptr {{
    %p = llvm.call @malloc(%size) : (i64) -> !llvm.ptr
    %threshold = llvm.mlir.constant({_HUGE_PAGE_THRESHOLD} : i64) : i64
    %big = llvm.icmp "uge" %size, %threshold : i64
    llvm.cond_br %big, ^hint, ^done
  ^hint:
    llvm.call @_zyg_hint_huge_pages(%p, %size) : (!llvm.ptr, i64) -> ()
    llvm.br ^done
  ^done:
    llvm.return %p : !llvm.ptr
  }}
  llvm.func @_mlir_memref_to_llvm_free(%p: !llvm.ptr) {{
    llvm.call @free(%p) : (!llvm.ptr) -> ()
    llvm.return
  }}
"""

# Elsewhere: plain malloc and free.
GENERIC_ALLOCATOR = """
  llvm.func @_mlir_memref_to_llvm_alloc(%size: i64) -> !llvm.ptr {
    %p = llvm.call @malloc(%size) : (i64) -> !llvm.ptr
    llvm.return %p : !llvm.ptr
  }
  llvm.func @_mlir_memref_to_llvm_free(%p: !llvm.ptr) {
    llvm.call @free(%p) : (!llvm.ptr) -> ()
    llvm.return
  }
"""

TAPE_RUNTIME = f"""
  func.func private @_zyg_tape_new() -> !llvm.ptr {{
    %header_bytes = llvm.mlir.constant(24 : i64) : i64
    %tape = llvm.call @malloc(%header_bytes) : (i64) -> !llvm.ptr
    %capacity = llvm.mlir.constant(256 : i64) : i64
    %data_bytes = llvm.mlir.constant(2048 : i64) : i64
    %data = llvm.call @malloc(%data_bytes) : (i64) -> !llvm.ptr
    %zero = llvm.mlir.constant(0 : i64) : i64
    llvm.store %data, %tape : !llvm.ptr, !llvm.ptr
    %size_ptr = llvm.getelementptr %tape[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    llvm.store %zero, %size_ptr : i64, !llvm.ptr
    %capacity_ptr = llvm.getelementptr %tape[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    llvm.store %capacity, %capacity_ptr : i64, !llvm.ptr
    return %tape : !llvm.ptr
  }}
  func.func private @_zyg_tape_reader(%source: !llvm.ptr) -> !llvm.ptr {{
    %header_bytes = llvm.mlir.constant(24 : i64) : i64
    %tape = llvm.call @malloc(%header_bytes) : (i64) -> !llvm.ptr
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
      llvm.call @free(%data) : (!llvm.ptr) -> ()
    }}
    llvm.call @free(%tape) : (!llvm.ptr) -> ()
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

def _error_runtime(values: int) -> str:
    """The error channel for checks reporting `values` integers: the record, `@_zyg_fail` and
    `@_zyg_take_error` (written out slot by slot: the LLVM dialect has no loops over a record)."""
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
  llvm.mlir.global internal @_zyg_jmpbuf() {{addr_space = 0 : i32, alignment = 16 : i64}} : !llvm.array<64 x i64> {{
    %z = llvm.mlir.zero : !llvm.array<64 x i64>
    llvm.return %z : !llvm.array<64 x i64>
  }}
  llvm.mlir.global internal @_zyg_error() {{addr_space = 0 : i32, alignment = 8 : i64}} : {record} {{
    %z = llvm.mlir.zero : {record}
    llvm.return %z : {record}
  }}
  llvm.func @_setjmp(!llvm.ptr) -> i32 attributes {{passthrough = ["returns_twice"]}}
  llvm.func @longjmp(!llvm.ptr, i32) attributes {{passthrough = ["noreturn"]}}
  func.func private @_zyg_fail(%code: i64, {params}) {{
    %record = llvm.mlir.addressof @_zyg_error : !llvm.ptr
    llvm.store %code, %record : i64, !llvm.ptr{stores}
    %buffer = llvm.mlir.addressof @_zyg_jmpbuf : !llvm.ptr
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
"""


ERROR_RUNTIME = _error_runtime(CHECK_VALUES)

HOST_RUNTIME = f"""
  llvm.mlir.global internal @_zyg_host_slots() {{addr_space = 0 : i32, alignment = 8 : i64}} : !llvm.array<{HOST_SLOTS} x i64> {{
    %z = llvm.mlir.zero : !llvm.array<{HOST_SLOTS} x i64>
    llvm.return %z : !llvm.array<{HOST_SLOTS} x i64>
  }}
"""

# `@_zyg_runtime` = {ptr to the process's {i64 flag, ptr previous handler}, i64 stack limit, ptr handler};
# the stack pointer is read in an `llvm.func` (the deallocation pipeline rejects `llvm.intr.stacksave`
# in a `func.func`: unknown memory effects), which LLVM inlines.
# `@_zyg_runtime_state()` gives its address to the loader (through the wrapper `ExecutionEngine` makes of
# it, `_mlir__zyg_runtime_state(void **)`, which the object code for the disk cache carries too).
_STATE = "!llvm.struct<(ptr, i64, ptr)>"

INTERRUPT_RUNTIME = f"""
  llvm.mlir.global internal @_zyg_runtime() {{addr_space = 0 : i32, alignment = 8 : i64}} : {_STATE} {{
    %zero = llvm.mlir.zero : {_STATE}
    %handler = llvm.mlir.addressof @_zyg_sigint : !llvm.ptr
    %state = llvm.insertvalue %handler, %zero[2] : {_STATE}
    llvm.return %state : {_STATE}
  }}
  llvm.func @{RUNTIME_STATE}() -> !llvm.ptr {{
    %state = llvm.mlir.addressof @_zyg_runtime : !llvm.ptr
    llvm.return %state : !llvm.ptr
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
    %limit_ptr = llvm.getelementptr %state[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_STATE}
    %limit = llvm.load %limit_ptr : !llvm.ptr -> i64
    %address = llvm.call @_zyg_stack_pointer() : () -> i64
    %ok = llvm.icmp "uge" %address, %limit : i64
    return %ok : i1
  }}
"""

INTERRUPT_SYMBOLS = frozenset({"_zyg_clear_interrupt", "_zyg_poll_interrupt", "_zyg_stack_ok"})
ERROR_SYMBOLS = frozenset({"_zyg_fail", "_zyg_take_error"}) | INTERRUPT_SYMBOLS
RUNTIME_SYMBOLS = frozenset(RUNTIME_FUNCTIONS) | ERROR_SYMBOLS
