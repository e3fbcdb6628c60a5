"""Matrix products on the GPU: `@_zyg_matmul_*` as a `linalg` loop nest instead of a BLAS call.

In: the names of the `_zyg_matmul_*` functions a module calls (`zyg.backend.blas.GEMM_SYMBOLS`, which
`zyg.passes.lower_matmul_blas` emits with the same signatures for every device). Out: MLIR text
defining them on tensors, for `bridge.module_text` to append when compiling for `device="gpu"`.

Each product is a `linalg.generic` with two parallel dimensions (the rows and columns of the result)
and one reduction (the shared dimension), so `lower_gpu` makes it a kernel of one thread per element
of the result, each summing its row-by-column products in a loop: a naive kernel, not a tiled one
(no shared-memory tiles, no tensor cores). A transposed operand is copied transposed first (an
elementwise kernel of its own). A pullback's product (`_zyg_matmul_strong_*`, `side` naming the
cotangent) skips each product whose cotangent factor is zero, so that `0 * inf` contributes 0 as on
the CPU (`blas._strong_zero_functions`); on the GPU the test costs nothing worth a BLAS-like fast path.
"""

from __future__ import annotations

_ELEMENTS = ("f64", "f32")


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
    tB, side)`: `op(A) @ op(B)` into a fresh matrix."""
    matrix = f"tensor<?x?x{element}>"
    name = f"_zyg_matmul_strong_{element}" if strong else f"_zyg_matmul_{element}"
    side = ", %side: i1" if strong else ""
    term, added = "", "%product"
    if strong:  # the cotangent's zeros contribute exactly zero (`select`, not `0 * y`)
        term = f"""%cotangent = arith.select %side, %y, %x : {element}
        %skip = arith.cmpf oeq, %cotangent, %zero : {element}
        %term = arith.select %skip, %zero, %product : {element}
        """
        added = "%term"
    return f"""
  func.func private @{name}(%a: {matrix}, %ta: i1, %b: {matrix}, %tb: i1{side}) -> {matrix} {{
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %zero = arith.constant 0.0 : {element}
    %lhs = func.call @_zyg_gpu_oriented_{element}(%a, %ta) : ({matrix}, i1) -> {matrix}
    %rhs = func.call @_zyg_gpu_oriented_{element}(%b, %tb) : ({matrix}, i1) -> {matrix}
    %rows = tensor.dim %lhs, %c0 : {matrix}
    %cols = tensor.dim %rhs, %c1 : {matrix}
    %empty = tensor.empty(%rows, %cols) : {matrix}
    %init = linalg.fill ins(%zero : {element}) outs(%empty : {matrix}) -> {matrix}
    %c = linalg.generic {{indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (k, j)>,
                                           affine_map<(i, j, k) -> (i, j)>],
                         iterator_types = ["parallel", "parallel", "reduction"]}}
        ins(%lhs, %rhs : {matrix}, {matrix}) outs(%init : {matrix}) {{
      ^bb0(%x: {element}, %y: {element}, %acc: {element}):
        %product = arith.mulf %x, %y : {element}
        {term}%sum = arith.addf %acc, {added} : {element}
        linalg.yield %sum : {element}
    }} -> {matrix}
    return %c : {matrix}
  }}
"""
