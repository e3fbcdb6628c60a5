"""Sorting: the positions that sort each row of an array, through the C library's `qsort`.

`zyg.argsort` lowers to a call of `@_zyg_argsort_f64(x)` (or `_i64`; see `zyg.passes.lower_zyg_tensors`),
defined here in upstream MLIR on tensors, so bufferization passes the operand's buffer as it is (any
strides). Each row is copied into (value, position) pairs, which `qsort` orders by value, NaN last,
then by position (so the order is NumPy's `kind='stable'`, and a gradient through `np.sort` goes to
the same element whatever the sort's internals), and the positions are written into a fresh array.
"""

from __future__ import annotations

SORT_SYMBOLS = frozenset({"_zyg_argsort_f64", "_zyg_argsort_i64"})
_PAIR = "!llvm.struct<(i64, i64)>"  # the value's bits, its position


def _compare(element: str) -> str:
    """`@_zyg_argsort_compare_<element>(a, b) -> i32`: -1, 0 or 1 by (value, NaN last; position)."""
    if element == "f64":
        keys = """
    %va = llvm.load %a : !llvm.ptr -> f64
    %vb = llvm.load %b : !llvm.ptr -> f64
    %na = llvm.fcmp "uno" %va, %va : f64
    %nb = llvm.fcmp "uno" %vb, %vb : f64
    %not_na = llvm.xor %na, %true : i1
    %not_nb = llvm.xor %nb, %true : i1
    %lt = llvm.fcmp "olt" %va, %vb : f64
    %gt = llvm.fcmp "ogt" %va, %vb : f64
    %only_b = llvm.and %not_na, %nb : i1
    %only_a = llvm.and %na, %not_nb : i1
    %less = llvm.or %only_b, %lt : i1
    %greater = llvm.or %only_a, %gt : i1"""
    else:
        keys = """
    %va = llvm.load %a : !llvm.ptr -> i64
    %vb = llvm.load %b : !llvm.ptr -> i64
    %less = llvm.icmp "slt" %va, %vb : i64
    %greater = llvm.icmp "sgt" %va, %vb : i64"""
    return f"""
  llvm.func internal @_zyg_argsort_compare_{element}(%a: !llvm.ptr, %b: !llvm.ptr) -> i32 {{
    %true = llvm.mlir.constant(true) : i1{keys}
    %pa = llvm.getelementptr %a[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_PAIR}
    %pb = llvm.getelementptr %b[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_PAIR}
    %ia = llvm.load %pa : !llvm.ptr -> i64
    %ib = llvm.load %pb : !llvm.ptr -> i64
    %before = llvm.icmp "slt" %ia, %ib : i64
    %minus = llvm.mlir.constant(-1 : i32) : i32
    %plus = llvm.mlir.constant(1 : i32) : i32
    %by_position = llvm.select %before, %minus, %plus : i1, i32
    %or_greater = llvm.select %greater, %plus, %by_position : i1, i32
    %order = llvm.select %less, %minus, %or_greater : i1, i32
    llvm.return %order : i32
  }}"""


def _argsort(element: str) -> str:
    bits = "%bits = arith.bitcast %v : f64 to i64" if element == "f64" else "%bits = arith.addi %v, %zero : i64"
    return _compare(element) + f"""
  func.func private @_zyg_argsort_{element}(%x: tensor<?x?x{element}>) -> tensor<?x?xi64> {{
    %buffer = bufferization.to_buffer %x read_only : tensor<?x?x{element}> to memref<?x?x{element}, strided<[?, ?], offset: ?>>
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %rows = memref.dim %buffer, %c0 : memref<?x?x{element}, strided<[?, ?], offset: ?>>
    %n = memref.dim %buffer, %c1 : memref<?x?x{element}, strided<[?, ?], offset: ?>>
    %result = memref.alloc(%rows, %n) : memref<?x?xi64>
    %count = arith.index_cast %n : index to i64
    %zero = arith.constant 0 : i64
    %pair_bytes = arith.constant 16 : i64
    %bytes = arith.muli %count, %pair_bytes : i64
    %pairs = llvm.call @malloc(%bytes) : (i64) -> !llvm.ptr
    %compare = llvm.mlir.addressof @_zyg_argsort_compare_{element} : !llvm.ptr
    scf.for %row = %c0 to %rows step %c1 {{
      scf.for %j = %c0 to %n step %c1 {{
        %v = memref.load %buffer[%row, %j] : memref<?x?x{element}, strided<[?, ?], offset: ?>>
        {bits}
        %position = arith.index_cast %j : index to i64
        %pair = llvm.getelementptr %pairs[%position] : (!llvm.ptr, i64) -> !llvm.ptr, {_PAIR}
        llvm.store %bits, %pair : i64, !llvm.ptr
        %slot = llvm.getelementptr %pair[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_PAIR}
        llvm.store %position, %slot : i64, !llvm.ptr
      }}
      llvm.call @qsort(%pairs, %count, %pair_bytes, %compare) : (!llvm.ptr, i64, i64, !llvm.ptr) -> ()
      scf.for %j = %c0 to %n step %c1 {{
        %k = arith.index_cast %j : index to i64
        %pair = llvm.getelementptr %pairs[%k, 1] : (!llvm.ptr, i64) -> !llvm.ptr, {_PAIR}
        %position = llvm.load %pair : !llvm.ptr -> i64
        memref.store %position, %result[%row, %j] : memref<?x?xi64>
      }}
    }}
    llvm.call @free(%pairs) : (!llvm.ptr) -> ()
    %sorted = bufferization.to_tensor %result restrict writable : memref<?x?xi64> to tensor<?x?xi64>
    return %sorted : tensor<?x?xi64>
  }}"""


def sort_runtime(names: set[str]) -> str:
    """MLIR text defining the `_zyg_argsort_*` functions in `names` (malloc and free are declared with
    the runtime's C library declarations, see `zyg.backend.runtime.LIBC`)."""
    text = "\n  llvm.func @qsort(!llvm.ptr, i64, i64, !llvm.ptr)" if names else ""
    for element in ("f64", "i64"):
        if f"_zyg_argsort_{element}" in names:
            text += _argsort(element)
    return text + "\n"
