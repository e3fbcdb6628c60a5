"""The public entry function of a compiled module: what the JIT calls.

In: the program's module and its entry function's `FunctionInfo`, and what is asked of it:
`primal` (the value), `grad` (one gradient per float argument) or `vjp` (value and gradients for a
given output cotangent). Out: `@zyg_entry` added to the module, taking and returning only `f64` and
`i64` (bools travel as i64), plus the argument and result kinds the JIT marshals ('f' or 'i').
"""

from __future__ import annotations

from xdsl.dialects import arith, func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute, Block, Region, SSAValue

from zyg.dialects import ad
from zyg.frontend.program import FunctionInfo
from zyg.frontend.types import F64, I1, I64

ENTRY = "zyg_entry"


def _abi(t: Attribute) -> Attribute:
    return I64 if t == I1 else t


def _kind(t: Attribute) -> str:
    return "f" if t == F64 else "i"


def add_entry(module: ModuleOp, info: FunctionInfo, request: str) -> tuple[str, str]:
    """Appends `@zyg_entry` for `request` and returns `(arg_kinds, result_kinds)`."""
    abi_args = [_abi(t) for t in info.arg_types]
    if request == "vjp":
        abi_args.append(F64)
    block = Block(arg_types=abi_args)
    args: list[SSAValue] = []
    for arg, t in zip(block.args, info.arg_types):
        if t == I1:
            narrowed = arith.TruncIOp(arg, I1)
            block.add_op(narrowed)
            arg = narrowed.result
        args.append(arg)
    if request == "primal":
        op = func.CallOp(info.symbol, args, [info.return_type])
    elif request == "grad":
        op = ad.GradOp(info.symbol, args)
    else:
        op = ad.VjpOp(info.symbol, args, block.args[-1])
    block.add_op(op)
    results = []
    for r in op.results:
        if r.type == I1:
            widened = arith.ExtUIOp(r, I64)
            block.add_op(widened)
            r = widened.result
        results.append(r)
    block.add_op(func.ReturnOp(*results))
    entry = func.FuncOp(ENTRY, (abi_args, [r.type for r in results]), Region(block))
    module.body.block.add_op(entry)
    return "".join(_kind(t) for t in abi_args), "".join(_kind(r.type) for r in results)
