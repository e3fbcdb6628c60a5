"""The ordered xDSL pass lists of each compilation stage, shared by the API and `zyg-opt`.

Stages (what `ir(stage)` shows, see `zyg.api.STAGES`): `frontend` (what the frontend built), `ad` (after
differentiation and cleanup), `lowered` (no `zyg`/`ad` ops left: what crosses to upstream MLIR), then
upstream `llvm` and `llvmir`.
"""

from __future__ import annotations

import os

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.transforms import get_all_passes as xdsl_passes

from zyg.passes import get_all_passes as zyg_passes
from zyg.stage_times import stage

# `ad-autodiff` answers reverse and forward requests, each when it is ready: a jvp of a gradient
# differentiates the gradient's code (forward over reverse), a gradient of a gradient the inner request.
AD_PASSES = ("ad-autodiff", "canonicalize", "cse", "dce")
# `expand-elementwise-math` runs once the elementwise loop bodies exist. No cleanup after lowering:
# upstream's pipeline starts with canonicalize and cse, which do the same in C++ (MLP gradient: the same
# LLVM IR, 0.1 s less in xDSL's canonicalize, cse and dce).
LOWER_PASSES = ("ad-lower-tapes", "lower-zyg-linalg", "lower-zyg-shapes", "lower-zyg-indexing", "version-broadcasts",
                "lower-zyg-tensors",
                "lower-zyg-errors", "lower-zyg", "expand-elementwise-math")

_PRINT_AFTER = os.environ.get("ZYG_PRINT_IR_AFTER")


def make_context() -> Context:
    """An xDSL context that knows every dialect zyg's IR uses."""
    from xdsl.dialects.arith import Arith
    from xdsl.dialects.bufferization import Bufferization
    from xdsl.dialects.builtin import Builtin
    from xdsl.dialects.func import Func
    from xdsl.dialects.linalg import Linalg
    from xdsl.dialects.llvm import LLVM
    from xdsl.dialects.math import Math
    from xdsl.dialects.scf import Scf
    from xdsl.dialects.tensor import Tensor

    from zyg.dialects.ad import AD
    from zyg.dialects.zyg import Zyg

    ctx = Context()
    for dialect in (Builtin, Func, Arith, Math, Scf, Tensor, Linalg, Bufferization, LLVM, Zyg, AD):
        ctx.load_dialect(dialect)
    return ctx


def run_passes(module: ModuleOp, names: tuple[str, ...], ctx: Context | None = None) -> None:
    """Runs the named passes in order on `module`, in place."""
    ctx = ctx or make_context()
    registry = {**xdsl_passes(), **zyg_passes()}
    for name in names:
        with stage(name):
            registry[name]()().apply(ctx, module)
        if _PRINT_AFTER == name:
            print(f"// -----// IR after {name} //----- //\n{module}")
