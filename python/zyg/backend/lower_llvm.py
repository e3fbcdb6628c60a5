"""The upstream MLIR pipeline from `func`/`scf`/`arith`/`math` (+ `llvm`) to the LLVM dialect.

One pass string, run by the official bindings' `PassManager`; `zyg` and `ad` are gone by then.
"""

LOWER_TO_LLVM = (
    "builtin.module("
    "symbol-dce,canonicalize,cse,"
    "convert-scf-to-cf,"
    "convert-math-to-funcs{convert-ctlz=false},"
    "convert-math-to-llvm,"
    "convert-math-to-libm,"
    "convert-arith-to-llvm,"
    "convert-cf-to-llvm,"
    "convert-func-to-llvm,"
    "reconcile-unrealized-casts"
    ")"
)

OPT_LEVEL = 3
