"""Matrix products through BLAS: OpenBLAS from the `scipy-openblas64` wheel (the build NumPy ships).

`zyg.matmul` lowers to a call of `@_zyg_matmul_f64(A, transpose_A, B, transpose_B)` (or `_f32`; see
`zyg.passes.lower_matmul_blas`). The functions here are compiled into the module that calls them, on
tensors, so upstream bufferization passes them each operand's buffer as it is (any strides, no copy).
They read each operand's data pointer and element strides (exchanged for a transposed operand),
pick BLAS's layout from the strides (row-major, or column-major passed as transposed), pack an
operand whose strides BLAS cannot take (negative, zero or gapped both ways) into a contiguous copy,
and call `cblas_?gemm` (64-bit integer interface) into a fresh contiguous row-major result.

Why BLAS rather than tiling and vectorising `linalg` upstream: on this project's 2-core machine
OpenBLAS runs a (256, 256) @ (256, 256) f64 product about 60x faster than a naive loop nest, and a
tiled, vectorised nest from the upstream passes stays several times short of it (see bench/arrays.py).

OpenBLAS runs single-threaded unless `OPENBLAS_NUM_THREADS` says otherwise: gradients call many small
products, where threads cost more than they give.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import importlib.util
import os

GEMM_SYMBOLS = frozenset({"_zyg_matmul_f64", "_zyg_matmul_f32", "_zyg_matmul_strong_f64", "_zyg_matmul_strong_f32"})

_CBLAS_ROW_MAJOR, _CBLAS_NO_TRANS, _CBLAS_TRANS = 101, 111, 112


def _gemm_functions(element: str, width: int, cblas: str) -> str:
    """MLIR text of `@_zyg_gemm_<element>` and its operand helper for one element type."""
    return f"""
  llvm.func @{cblas}(i32, i32, i32, i64, i64, i64, {element}, !llvm.ptr, i64, !llvm.ptr, i64, {element}, !llvm.ptr, i64)
  func.func private @_zyg_gemm_operand_{element}(%rows: i64, %cols: i64, %p: !llvm.ptr, %s0: i64, %s1: i64) -> (i32, i64, !llvm.ptr, i1) {{
    %one = arith.constant 1 : i64
    %rows1 = arith.maxsi %rows, %one : i64
    %cols1 = arith.maxsi %cols, %one : i64
    %one_row = arith.cmpi sle, %rows, %one : i64
    %one_col = arith.cmpi sle, %cols, %one : i64
    %unit1 = arith.cmpi eq, %s1, %one : i64
    %unit0 = arith.cmpi eq, %s0, %one : i64
    %ld0_ok = arith.cmpi sge, %s0, %cols1 : i64
    %ld1_ok = arith.cmpi sge, %s1, %rows1 : i64
    %row_inner = arith.ori %unit1, %one_col : i1
    %row_outer = arith.ori %ld0_ok, %one_row : i1
    %row_major = arith.andi %row_inner, %row_outer : i1
    %col_inner = arith.ori %unit0, %one_row : i1
    %col_outer = arith.ori %ld1_ok, %one_col : i1
    %col_major = arith.andi %col_inner, %col_outer : i1
    %no_trans = arith.constant {_CBLAS_NO_TRANS} : i32
    %trans = arith.constant {_CBLAS_TRANS} : i32
    %false = arith.constant false
    %true = arith.constant true
    %r:4 = scf.if %row_major -> (i32, i64, !llvm.ptr, i1) {{
      %ld = arith.select %one_row, %cols1, %s0 : i64
      scf.yield %no_trans, %ld, %p, %false : i32, i64, !llvm.ptr, i1
    }} else {{
      %c:4 = scf.if %col_major -> (i32, i64, !llvm.ptr, i1) {{
        %ld = arith.select %one_col, %rows1, %s1 : i64
        scf.yield %trans, %ld, %p, %false : i32, i64, !llvm.ptr, i1
      }} else {{
        %count = arith.muli %rows, %cols : i64
        %width = arith.constant {width} : i64
        %bytes = arith.muli %count, %width : i64
        %packed = llvm.call @malloc(%bytes) : (i64) -> !llvm.ptr
        %zero = arith.constant 0 : i64
        scf.for %i = %zero to %rows step %one : i64 {{
          scf.for %j = %zero to %cols step %one : i64 {{
            %si = arith.muli %i, %s0 : i64
            %sj = arith.muli %j, %s1 : i64
            %src_index = arith.addi %si, %sj : i64
            %src = llvm.getelementptr %p[%src_index] : (!llvm.ptr, i64) -> !llvm.ptr, {element}
            %v = llvm.load %src : !llvm.ptr -> {element}
            %di = arith.muli %i, %cols : i64
            %dst_index = arith.addi %di, %j : i64
            %dst = llvm.getelementptr %packed[%dst_index] : (!llvm.ptr, i64) -> !llvm.ptr, {element}
            llvm.store %v, %dst : {element}, !llvm.ptr
          }}
        }}
        scf.yield %no_trans, %cols1, %packed, %true : i32, i64, !llvm.ptr, i1
      }}
      scf.yield %c#0, %c#1, %c#2, %c#3 : i32, i64, !llvm.ptr, i1
    }}
    return %r#0, %r#1, %r#2, %r#3 : i32, i64, !llvm.ptr, i1
  }}
  func.func private @_zyg_matmul_{element}(%a: tensor<?x?x{element}>, %ta: i1, %b: tensor<?x?x{element}>, %tb: i1) -> tensor<?x?x{element}> {{
    %pa, %a0, %a1, %ra, %ca = func.call @_zyg_gemm_view_{element}(%a, %ta) : (tensor<?x?x{element}>, i1) -> (!llvm.ptr, i64, i64, index, index)
    %pb, %b0, %b1, %rb, %cb = func.call @_zyg_gemm_view_{element}(%b, %tb) : (tensor<?x?x{element}>, i1) -> (!llvm.ptr, i64, i64, index, index)
    %c = memref.alloc(%ra, %cb) : memref<?x?x{element}>
    %pc = func.call @_zyg_gemm_pointer_{element}(%c) : (memref<?x?x{element}>) -> !llvm.ptr
    func.call @_zyg_gemm_into_{element}(%pa, %a0, %a1, %ra, %ca, %pb, %b0, %b1, %cb, %pc) : (!llvm.ptr, i64, i64, index, index, !llvm.ptr, i64, i64, index, !llvm.ptr) -> ()
    %result = bufferization.to_tensor %c restrict writable : memref<?x?x{element}> to tensor<?x?x{element}>
    return %result : tensor<?x?x{element}>
  }}
  func.func private @_zyg_gemm_pointer_{element}(%c: memref<?x?x{element}>) -> !llvm.ptr {{
    %c_address = memref.extract_aligned_pointer_as_index %c : memref<?x?x{element}> -> index
    %c_int = arith.index_cast %c_address : index to i64
    %pc = llvm.inttoptr %c_int : i64 to !llvm.ptr
    return %pc : !llvm.ptr
  }}
  func.func private @_zyg_gemm_into_{element}(%pa: !llvm.ptr, %a0: i64, %a1: i64, %ra: index, %ca: index, %pb: !llvm.ptr, %b0: i64, %b1: i64, %cb: index, %pc: !llvm.ptr) {{
    %m = arith.index_cast %ra : index to i64
    %n = arith.index_cast %cb : index to i64
    %k = arith.index_cast %ca : index to i64
    %zero = arith.constant 0 : i64
    %empty = arith.cmpi sle, %k, %zero : i64
    scf.if %empty {{
      %count = arith.muli %m, %n : i64
      %width = arith.constant {width} : i64
      %bytes = arith.muli %count, %width : i64
      %zero_byte = arith.constant 0 : i8
      "llvm.intr.memset"(%pc, %zero_byte, %bytes) <{{isVolatile = false}}> : (!llvm.ptr, i8, i64) -> ()
    }} else {{
      %tra, %lda, %da, %own_a = func.call @_zyg_gemm_operand_{element}(%m, %k, %pa, %a0, %a1) : (i64, i64, !llvm.ptr, i64, i64) -> (i32, i64, !llvm.ptr, i1)
      %trb, %ldb, %db, %own_b = func.call @_zyg_gemm_operand_{element}(%k, %n, %pb, %b0, %b1) : (i64, i64, !llvm.ptr, i64, i64) -> (i32, i64, !llvm.ptr, i1)
      %layout = arith.constant {_CBLAS_ROW_MAJOR} : i32
      %alpha = arith.constant 1.0 : {element}
      %beta = arith.constant 0.0 : {element}
      %one = arith.constant 1 : i64
      %ldc = arith.maxsi %n, %one : i64
      llvm.call @{cblas}(%layout, %tra, %trb, %m, %n, %k, %alpha, %da, %lda, %db, %ldb, %beta, %pc, %ldc) : (i32, i32, i32, i64, i64, i64, {element}, !llvm.ptr, i64, !llvm.ptr, i64, {element}, !llvm.ptr, i64) -> ()
      scf.if %own_a {{
        llvm.call @free(%da) : (!llvm.ptr) -> ()
      }}
      scf.if %own_b {{
        llvm.call @free(%db) : (!llvm.ptr) -> ()
      }}
    }}
    return
  }}
  func.func private @_zyg_gemm_view_{element}(%t: tensor<?x?x{element}>, %transposed: i1) -> (!llvm.ptr, i64, i64, index, index) {{
    %buffer = bufferization.to_buffer %t read_only : tensor<?x?x{element}> to memref<?x?x{element}, strided<[?, ?], offset: ?>>
    %base, %offset, %sizes:2, %strides:2 = memref.extract_strided_metadata %buffer : memref<?x?x{element}, strided<[?, ?], offset: ?>> -> memref<{element}>, index, index, index, index, index
    %aligned = memref.extract_aligned_pointer_as_index %buffer : memref<?x?x{element}, strided<[?, ?], offset: ?>> -> index
    %width = arith.constant {width} : index
    %shift = arith.muli %offset, %width : index
    %address = arith.addi %aligned, %shift : index
    %address_int = arith.index_cast %address : index to i64
    %p = llvm.inttoptr %address_int : i64 to !llvm.ptr
    %s0 = arith.index_cast %strides#0 : index to i64
    %s1 = arith.index_cast %strides#1 : index to i64
    %r0 = arith.select %transposed, %s1, %s0 : i64
    %r1 = arith.select %transposed, %s0, %s1 : i64
    %rows = arith.select %transposed, %sizes#1, %sizes#0 : index
    %cols = arith.select %transposed, %sizes#0, %sizes#1 : index
    return %p, %r0, %r1, %rows, %cols : !llvm.ptr, i64, i64, index, index
  }}
"""


_SCAN_LANES = 4  # elements a contiguous row scan tests at once


def _scan_test(what: str, value: str, zero: str, t: str) -> str:
    """MLIR text setting `%hit` (of `value`'s shape): a zero, or (x - x is NaN only for an infinite or
    NaN x) a non-finite element."""
    if what == "zero":
        return f"%hit = arith.cmpf oeq, {value}, {zero} : {t}"
    return f"%d = arith.subf {value}, {value} : {t}\n          %hit = arith.cmpf une, %d, {zero} : {t}"


def _scan_function(element: str, what: str) -> str:
    """MLIR text of `@_zyg_has_<what>_<element>(p, s0, s1, rows, cols) -> i1`: whether a strided
    matrix holds a zero (`what="zero"`) or an infinite or NaN element (`"nonfinite"`). A row with unit
    stride (the usual case) is tested a vector of `_SCAN_LANES` elements at a time; the rows after one
    that holds such an element are skipped."""
    lanes = _SCAN_LANES
    vector, mask = f"vector<{lanes}x{element}>", f"vector<{lanes}xi1>"
    return f"""
  func.func private @_zyg_has_{what}_{element}(%p: !llvm.ptr, %s0: i64, %s1: i64, %rows: index, %cols: index) -> i1 {{
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %lanes = arith.constant {lanes} : index
    %one = arith.constant 1 : i64
    %zero = arith.constant 0.0 : {element}
    %zeros = arith.constant dense<0.0> : {vector}
    %false = arith.constant false
    %none = arith.constant dense<false> : {mask}
    %unit = arith.cmpi eq, %s1, %one : i64
    %tail = arith.remui %cols, %lanes : index
    %whole = arith.subi %cols, %tail : index
    %found = scf.for %i = %c0 to %rows step %c1 iter_args(%before = %false) -> (i1) {{
      %i64 = arith.index_cast %i : index to i64
      %start = arith.muli %i64, %s0 : i64
      %row = llvm.getelementptr %p[%start] : (!llvm.ptr, i64) -> !llvm.ptr, {element}
      %in_row = scf.if %before -> (i1) {{
        scf.yield %before : i1
      }} else {{
      %row_hit = scf.if %unit -> (i1) {{
        %wide = scf.for %j = %c0 to %whole step %lanes iter_args(%acc = %none) -> ({mask}) {{
          %j64 = arith.index_cast %j : index to i64
          %q = llvm.getelementptr %row[%j64] : (!llvm.ptr, i64) -> !llvm.ptr, {element}
          %v = llvm.load %q {{alignment = 1 : i64}} : !llvm.ptr -> {vector}
          {_scan_test(what, "%v", "%zeros", vector)}
          %next = arith.ori %acc, %hit : {mask}
          scf.yield %next : {mask}
        }}
        %wide_hit = "llvm.intr.vector.reduce.or"(%wide) : ({mask}) -> i1
        %r = scf.for %j = %whole to %cols step %c1 iter_args(%acc = %wide_hit) -> (i1) {{
          %j64 = arith.index_cast %j : index to i64
          %q = llvm.getelementptr %row[%j64] : (!llvm.ptr, i64) -> !llvm.ptr, {element}
          %v = llvm.load %q : !llvm.ptr -> {element}
          {_scan_test(what, "%v", "%zero", element)}
          %next = arith.ori %acc, %hit : i1
          scf.yield %next : i1
        }}
        scf.yield %r : i1
      }} else {{
        %r = scf.for %j = %c0 to %cols step %c1 iter_args(%acc = %false) -> (i1) {{
          %j64 = arith.index_cast %j : index to i64
          %at = arith.muli %j64, %s1 : i64
          %q = llvm.getelementptr %row[%at] : (!llvm.ptr, i64) -> !llvm.ptr, {element}
          %v = llvm.load %q : !llvm.ptr -> {element}
          {_scan_test(what, "%v", "%zero", element)}
          %next = arith.ori %acc, %hit : i1
          scf.yield %next : i1
        }}
        scf.yield %r : i1
      }}
      scf.yield %row_hit : i1
      }}
      scf.yield %in_row : i1
    }}
    return %found : i1
  }}"""


def _strong_zero_functions(element: str) -> str:
    """MLIR text of `@_zyg_matmul_strong_<element>(A, transpose_A, B, transpose_B, side)`: a pullback's
    product, where `side` (0: A, 1: B) is the cotangent and each of its zeros contributes exactly zero.

    BLAS computes `0 * nan = nan`, so it serves only where that cannot happen: when the cotangent has
    no zero or the other operand has no infinite or NaN element (scans of both, linear in their
    sizes). Otherwise a plain loop nest computes each sum, skipping the cotangent's zeros.
    """
    matrix = f"tensor<?x?x{element}>"
    view = "(!llvm.ptr, i64, i64, index, index)"
    scan = "(!llvm.ptr, i64, i64, index, index)"
    return f"""
{_scan_function(element, "zero")}{_scan_function(element, "nonfinite")}  func.func private @_zyg_matmul_strong_{element}(%a: {matrix}, %ta: i1, %b: {matrix}, %tb: i1, %side: i1) -> {matrix} {{
    %pa, %a0, %a1, %ra, %ca = func.call @_zyg_gemm_view_{element}(%a, %ta) : ({matrix}, i1) -> {view}
    %pb, %b0, %b1, %rb, %cb = func.call @_zyg_gemm_view_{element}(%b, %tb) : ({matrix}, i1) -> {view}
    %false = arith.constant false
    %pz = arith.select %side, %pb, %pa : !llvm.ptr
    %z0 = arith.select %side, %b0, %a0 : i64
    %z1 = arith.select %side, %b1, %a1 : i64
    %rz = arith.select %side, %rb, %ra : index
    %cz = arith.select %side, %cb, %ca : index
    %po = arith.select %side, %pa, %pb : !llvm.ptr
    %o0 = arith.select %side, %a0, %b0 : i64
    %o1 = arith.select %side, %a1, %b1 : i64
    %ro = arith.select %side, %ra, %rb : index
    %co = arith.select %side, %ca, %cb : index
    %hit = func.call @_zyg_has_zero_{element}(%pz, %z0, %z1, %rz, %cz) : {scan} -> i1
    %risky = scf.if %hit -> (i1) {{
      %other = func.call @_zyg_has_nonfinite_{element}(%po, %o0, %o1, %ro, %co) : {scan} -> i1
      scf.yield %other : i1
    }} else {{
      scf.yield %false : i1
    }}
    %c = memref.alloc(%ra, %cb) : memref<?x?x{element}>
    scf.if %risky {{
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %zero = arith.constant 0.0 : {element}
      scf.for %i = %c0 to %ra step %c1 {{
        scf.for %j = %c0 to %cb step %c1 {{
          %sum = scf.for %k = %c0 to %ca step %c1 iter_args(%acc = %zero) -> ({element}) {{
            %i64 = arith.index_cast %i : index to i64
            %j64 = arith.index_cast %j : index to i64
            %k64 = arith.index_cast %k : index to i64
            %ai = arith.muli %i64, %a0 : i64
            %ak = arith.muli %k64, %a1 : i64
            %a_at = arith.addi %ai, %ak : i64
            %bk = arith.muli %k64, %b0 : i64
            %bj = arith.muli %j64, %b1 : i64
            %b_at = arith.addi %bk, %bj : i64
            %qa = llvm.getelementptr %pa[%a_at] : (!llvm.ptr, i64) -> !llvm.ptr, {element}
            %qb = llvm.getelementptr %pb[%b_at] : (!llvm.ptr, i64) -> !llvm.ptr, {element}
            %x = llvm.load %qa : !llvm.ptr -> {element}
            %y = llvm.load %qb : !llvm.ptr -> {element}
            %cot = arith.select %side, %y, %x : {element}
            %skip = arith.cmpf oeq, %cot, %zero : {element}
            %product = arith.mulf %x, %y : {element}
            %term = arith.select %skip, %zero, %product : {element}
            %next = arith.addf %acc, %term : {element}
            scf.yield %next : {element}
          }}
          memref.store %sum, %c[%i, %j] : memref<?x?x{element}>
        }}
      }}
    }} else {{
      %pc = func.call @_zyg_gemm_pointer_{element}(%c) : (memref<?x?x{element}>) -> !llvm.ptr
      func.call @_zyg_gemm_into_{element}(%pa, %a0, %a1, %ra, %ca, %pb, %b0, %b1, %cb, %pc) : (!llvm.ptr, i64, i64, index, index, !llvm.ptr, i64, i64, index, !llvm.ptr) -> ()
    }}
    %result = bufferization.to_tensor %c restrict writable : memref<?x?x{element}> to {matrix}
    return %result : {matrix}
  }}
"""


def gemm_runtime(names: set[str]) -> str:
    """MLIR text defining the `_zyg_matmul_*` functions in `names` (malloc and free are declared
    with the runtime's C library declarations, see `zyg.backend.runtime.LIBC`)."""
    text = ""
    for element, width, cblas in (("f64", 8, "scipy_cblas_dgemm64_"), ("f32", 4, "scipy_cblas_sgemm64_")):
        strong = f"_zyg_matmul_strong_{element}" in names
        if strong or f"_zyg_matmul_{element}" in names:
            text += _gemm_functions(element, width, cblas)
        if strong:
            text += _strong_zero_functions(element)
    return text


@functools.cache
def openblas_library() -> str:
    """The path of the OpenBLAS shared library, set to one thread unless OPENBLAS_NUM_THREADS is set:
    the `scipy-openblas64` wheel's, else the copy of the same build NumPy's wheel carries (the same
    symbols; where an exported function runs without zyg's other dependencies).

    Raises:
        OSError: if neither is there.
    """
    # Found without importing the packages (15-25 ms, every process that multiplies matrices, disk-cache
    # hits included); `scipy_openblas64.get_lib_dir()` names the same folder.
    folders = []
    spec = importlib.util.find_spec("scipy_openblas64")
    if spec is not None and spec.submodule_search_locations:
        folders.append(os.path.join(spec.submodule_search_locations[0], "lib"))
    numpy_spec = importlib.util.find_spec("numpy")
    if numpy_spec is not None and numpy_spec.origin:
        folders.append(os.path.join(os.path.dirname(os.path.dirname(numpy_spec.origin)), "numpy.libs"))
    libraries = [path for folder in folders for path in sorted(glob.glob(os.path.join(folder, "*scipy_openblas64*")))
                 if path.endswith((".so", ".dylib", ".dll"))]
    if not libraries:
        raise OSError(f"no OpenBLAS library (scipy-openblas64, or NumPy's copy) in {' or '.join(folders)}")
    if "OPENBLAS_NUM_THREADS" not in os.environ:
        ctypes.CDLL(libraries[0]).scipy_openblas_set_num_threads64_(1)
    return libraries[0]
