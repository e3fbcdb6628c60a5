"""Runtime support compiled into every module that uses a tape, as upstream MLIR text.

The tape is a growable LIFO stack of 8-byte slots behind an opaque `!llvm.ptr` to
`{ptr data, i64 size, i64 capacity}`; capacity doubles when full. The functions are private, so
LLVM inlines push and pop into the loops that use them. Written in the LLVM dialect because the
upstream buffer-deallocation pipeline rejects hand-managed memrefs (see DESIGN.md).
"""

from __future__ import annotations

from zyg.passes.lower_tapes import RUNTIME_FUNCTIONS

_HEADER = "!llvm.struct<(ptr, i64, i64)>"

TAPE_RUNTIME = f"""
  llvm.func @malloc(i64) -> !llvm.ptr
  llvm.func @realloc(!llvm.ptr, i64) -> !llvm.ptr
  llvm.func @free(!llvm.ptr)
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
  func.func private @_zyg_tape_free(%tape: !llvm.ptr) {{
    %data = llvm.load %tape : !llvm.ptr -> !llvm.ptr
    llvm.call @free(%data) : (!llvm.ptr) -> ()
    llvm.call @free(%tape) : (!llvm.ptr) -> ()
    return
  }}
  func.func private @_zyg_tape_push_slot(%tape: !llvm.ptr) -> !llvm.ptr {{
    %size_ptr = llvm.getelementptr %tape[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %capacity_ptr = llvm.getelementptr %tape[0, 2] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %size = llvm.load %size_ptr : !llvm.ptr -> i64
    %capacity = llvm.load %capacity_ptr : !llvm.ptr -> i64
    %data0 = llvm.load %tape : !llvm.ptr -> !llvm.ptr
    %full = arith.cmpi eq, %size, %capacity : i64
    %data = scf.if %full -> (!llvm.ptr) {{
      %two = arith.constant 2 : i64
      %eight = arith.constant 8 : i64
      %grown = arith.muli %capacity, %two : i64
      %bytes = arith.muli %grown, %eight : i64
      %moved = llvm.call @realloc(%data0, %bytes) : (!llvm.ptr, i64) -> !llvm.ptr
      llvm.store %moved, %tape : !llvm.ptr, !llvm.ptr
      llvm.store %grown, %capacity_ptr : i64, !llvm.ptr
      scf.yield %moved : !llvm.ptr
    }} else {{
      scf.yield %data0 : !llvm.ptr
    }}
    %slot = llvm.getelementptr %data[%size] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %one = arith.constant 1 : i64
    %next = arith.addi %size, %one : i64
    llvm.store %next, %size_ptr : i64, !llvm.ptr
    return %slot : !llvm.ptr
  }}
  func.func private @_zyg_tape_pop_slot(%tape: !llvm.ptr) -> !llvm.ptr {{
    %size_ptr = llvm.getelementptr %tape[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_HEADER}
    %size = llvm.load %size_ptr : !llvm.ptr -> i64
    %one = arith.constant 1 : i64
    %top = arith.subi %size, %one : i64
    llvm.store %top, %size_ptr : i64, !llvm.ptr
    %data = llvm.load %tape : !llvm.ptr -> !llvm.ptr
    %slot = llvm.getelementptr %data[%top] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    return %slot : !llvm.ptr
  }}
  func.func private @_zyg_tape_push_f64(%tape: !llvm.ptr, %value: f64) {{
    %slot = func.call @_zyg_tape_push_slot(%tape) : (!llvm.ptr) -> !llvm.ptr
    llvm.store %value, %slot : f64, !llvm.ptr
    return
  }}
  func.func private @_zyg_tape_push_i64(%tape: !llvm.ptr, %value: i64) {{
    %slot = func.call @_zyg_tape_push_slot(%tape) : (!llvm.ptr) -> !llvm.ptr
    llvm.store %value, %slot : i64, !llvm.ptr
    return
  }}
  func.func private @_zyg_tape_pop_f64(%tape: !llvm.ptr) -> f64 {{
    %slot = func.call @_zyg_tape_pop_slot(%tape) : (!llvm.ptr) -> !llvm.ptr
    %value = llvm.load %slot : !llvm.ptr -> f64
    return %value : f64
  }}
  func.func private @_zyg_tape_pop_i64(%tape: !llvm.ptr) -> i64 {{
    %slot = func.call @_zyg_tape_pop_slot(%tape) : (!llvm.ptr) -> !llvm.ptr
    %value = llvm.load %slot : !llvm.ptr -> i64
    return %value : i64
  }}
"""

RUNTIME_SYMBOLS = frozenset(RUNTIME_FUNCTIONS)
