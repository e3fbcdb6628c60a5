"""Matrix products on the GPU: `@_zyg_matmul_*` as a register-tiled loop nest instead of a BLAS call.

In: the names of the `_zyg_matmul_*` functions a module calls (`zyg.backend.blas.GEMM_SYMBOLS`, which
`zyg.passes.lower_matmul_blas` emits with the same signatures for every device). Out: MLIR text
defining them, for `bridge.module_text` to append when compiling for `device="gpu"`.

Each product is an `scf.parallel` over `TILE` x `TILE` tiles of the result, which `lower_gpu` maps to a
kernel of a thread per tile: the thread walks the shared axis once, loading `TILE` elements of each
operand per step and keeping the tile's sums in registers, then stores the part of the tile inside the
result. The loop's first dimension, which becomes the threads' x (neighbouring threads), runs along
the longer side of the result: the columns of a wide result (neighbouring threads read neighbouring
columns of B), the rows of a tall one (a 4096 x 10 result still has 1024 threads). Both versions are
compiled; the host picks one per call. Each tile sums its terms in order along the shared axis, each
product and sum fused into one multiply-add (`contract`: one rounding instead of two, as BLAS does on
the CPU). A transposed operand is copied transposed first (an elementwise kernel of its
own). A pullback's product (`_zyg_matmul_strong_*`, `side` naming the cotangent) skips each product
whose cotangent factor is zero, so that `0 * inf` contributes 0 as on the CPU
(`blas._strong_zero_functions`).

The operands and the result cross from tensors to buffers inside the function
(`bufferization.to_buffer`, a fresh buffer returned through `bufferization.to_tensor`): one-shot
bufferization takes both as they are.
"""

from __future__ import annotations

_ELEMENTS = ("f64", "f32")
# Each thread sums a TILE x TILE block of the product in registers: per step along the shared axis it
# loads TILE elements of each operand for TILE * TILE multiply-adds, where a thread per element loads
# two for one. (Not shared-memory tiles: their barriers could not be tested without a GPU, as the
# emulated launches of the tests run a block's threads one after another.)
TILE = 4
# Marks the loops over tiles, already run along the longer side: `orient_parallel_loops` leaves them.
ORIENTED = "zyg.oriented"


def gpu_gemm_runtime(names: set[str]) -> str:
    """MLIR text defining the `_zyg_matmul_*` functions in `names` as loop nests for the GPU."""
    text = ""
    for element in _ELEMENTS:
        plain, strong = f"_zyg_matmul_{element}" in names, f"_zyg_matmul_strong_{element}" in names
        if plain or strong:
            text += _oriented_function(element)
        if plain:
            text += _product_function(element, strong=False)
        if strong:
            text += _product_function(element, strong=True)
    return text


def _oriented_function(element: str) -> str:
    """`@_zyg_gpu_oriented_<element>(M, transposed)`: M, or a transposed copy of it."""
    matrix = f"tensor<?x?x{element}>"
    return f"""
  func.func private @_zyg_gpu_oriented_{element}(%m: {matrix}, %transposed: i1) -> {matrix} {{
    %r = scf.if %transposed -> ({matrix}) {{
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %rows = tensor.dim %m, %c0 : {matrix}
      %cols = tensor.dim %m, %c1 : {matrix}
      %empty = tensor.empty(%cols, %rows) : {matrix}
      %t = linalg.transpose ins(%m : {matrix}) outs(%empty : {matrix}) permutation = [1, 0]
      scf.yield %t : {matrix}
    }} else {{
      scf.yield %m : {matrix}
    }}
    return %r : {matrix}
  }}
"""


def _product_function(element: str, strong: bool) -> str:
    """`@_zyg_matmul_<element>(A, tA, B, tB)`, or with `strong` `@_zyg_matmul_strong_<element>(A, tA, B,
    tB, side)`: `op(A) @ op(B)` into a fresh matrix, a `TILE` x `TILE` block of it per thread."""
    matrix = f"tensor<?x?x{element}>"
    view = f"memref<?x?x{element}, strided<[?, ?], offset: ?>>"
    name = f"_zyg_matmul_strong_{element}" if strong else f"_zyg_matmul_{element}"
    side = ", %side: i1" if strong else ""
    wide, tall = _tiles(element, strong, "w"), _tiles(element, strong, "t")
    return f"""
  func.func private @{name}(%a: {matrix}, %ta: i1, %b: {matrix}, %tb: i1{side}) -> {matrix} {{
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %tile = arith.constant {TILE} : index
    %zero = arith.constant 0.0 : {element}
    %lhs_tensor = func.call @_zyg_gpu_oriented_{element}(%a, %ta) : ({matrix}, i1) -> {matrix}
    %rhs_tensor = func.call @_zyg_gpu_oriented_{element}(%b, %tb) : ({matrix}, i1) -> {matrix}
    %lhs = bufferization.to_buffer %lhs_tensor read_only : {matrix} to {view}
    %rhs = bufferization.to_buffer %rhs_tensor read_only : {matrix} to {view}
    %rows = memref.dim %lhs, %c0 : {view}
    %inner = memref.dim %lhs, %c1 : {view}
    %cols = memref.dim %rhs, %c1 : {view}
    %last_row = arith.subi %rows, %c1 : index
    %last_col = arith.subi %cols, %c1 : index
    %out = memref.alloc(%rows, %cols) : memref<?x?x{element}>
    %row_tiles = arith.ceildivui %rows, %tile : index
    %col_tiles = arith.ceildivui %cols, %tile : index
    %is_wide = arith.cmpi uge, %cols, %rows : index
    scf.if %is_wide {{
      scf.parallel (%tj, %ti) = (%c0, %c0) to (%col_tiles, %row_tiles) step (%c1, %c1) {{{wide}
        scf.reduce
      }} {{{ORIENTED}}}
    }} else {{
      scf.parallel (%ti, %tj) = (%c0, %c0) to (%row_tiles, %col_tiles) step (%c1, %c1) {{{tall}
        scf.reduce
      }} {{{ORIENTED}}}
    }}
    %c = bufferization.to_tensor %out restrict writable : memref<?x?x{element}> to {matrix}
    return %c : {matrix}
  }}
"""


def _tiles(element: str, strong: bool, prefix: str) -> str:
    """The body of the loop over tiles: the `TILE` x `TILE` block of the result at tile (`%ti`, `%tj`),
    summed over the shared axis in registers, then stored where it lies inside the result. Rows and
    columns past the result's edge read its last row or column (in bounds) and are not stored. `prefix`
    keeps the names of the two copies apart."""
    n = TILE
    p = f"%{prefix}"
    lines = [f"{p}i0 = arith.muli %ti, %tile : index", f"{p}j0 = arith.muli %tj, %tile : index"]
    for u in range(n):
        lines += [f"{p}c{u} = arith.constant {u} : index",
                  f"{p}row{u} = arith.addi {p}i0, {p}c{u} : index",
                  f"{p}col{u} = arith.addi {p}j0, {p}c{u} : index",
                  f"{p}r{u} = arith.minui {p}row{u}, %last_row : index",
                  f"{p}q{u} = arith.minui {p}col{u}, %last_col : index",
                  f"{p}in_row{u} = arith.cmpi ult, {p}row{u}, %rows : index",
                  f"{p}in_col{u} = arith.cmpi ult, {p}col{u}, %cols : index"]
    cells = [(u, v) for u in range(n) for v in range(n)]
    accumulators = ", ".join(f"{p}acc{u}{v} = %zero" for u, v in cells)
    types = ", ".join([element] * len(cells))
    lines.append(f"{p}sum:{len(cells)} = scf.for %k = %c0 to %inner step %c1 iter_args({accumulators}) -> ({types}) {{")
    body = [f"{p}x{u} = memref.load %lhs[{p}r{u}, %k] : memref<?x?x{element}, strided<[?, ?], offset: ?>>"
            for u in range(n)]
    body += [f"{p}y{v} = memref.load %rhs[%k, {p}q{v}] : memref<?x?x{element}, strided<[?, ?], offset: ?>>"
             for v in range(n)]
    for u, v in cells:
        body.append(f"{p}product{u}{v} = arith.mulf {p}x{u}, {p}y{v} fastmath<contract> : {element}")
        term = f"{p}product{u}{v}"
        if strong:  # the cotangent's zeros contribute exactly zero (`select`, not `0 * y`)
            body += [f"{p}cotangent{u}{v} = arith.select %side, {p}y{v}, {p}x{u} : {element}",
                     f"{p}skip{u}{v} = arith.cmpf oeq, {p}cotangent{u}{v}, %zero : {element}",
                     f"{p}term{u}{v} = arith.select {p}skip{u}{v}, %zero, {p}product{u}{v} : {element}"]
            term = f"{p}term{u}{v}"
        body.append(f"{p}next{u}{v} = arith.addf {p}acc{u}{v}, {term} fastmath<contract> : {element}")
    body.append(f"scf.yield {', '.join(f'{p}next{u}{v}' for u, v in cells)} : {types}")
    lines += ["  " + line for line in body] + ["}"]
    for index, (u, v) in enumerate(cells):
        lines += [f"{p}inside{u}{v} = arith.andi {p}in_row{u}, {p}in_col{v} : i1",
                  f"scf.if {p}inside{u}{v} {{",
                  f"  memref.store {p}sum#{index}, %out[{p}row{u}, {p}col{v}] : memref<?x?x{element}>",
                  "}"]
    return "".join(f"\n        {line}" for line in lines)
