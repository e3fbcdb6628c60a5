"""The public entry function of a compiled module: what the JIT calls.

In: the program's module, its entry function's `FunctionInfo`, and what is asked of it: `primal`
(the value), `grad` (one gradient per differentiated argument: those at `wrt`, or every float one) or
`vjp` (the values and those gradients for given cotangents, one per float result). Out: `@zyg_entry` added to the module, and its `EntryABI`.

`@zyg_entry` takes `f64`/`i64` scalars (bools travel as i64) and arrays as tensors (memref
descriptors after bufferization). It returns an error status and four payload integers, then the
results. It calls `setjmp` before running the body, so a failed run-time check (`zyg.check`, see
`zyg.backend.runtime`) jumps back here and the status names the check instead of a crash.
"""

from __future__ import annotations

from xdsl.dialects import arith, func, llvm, scf, tensor
from xdsl.dialects.builtin import (
    ArrayAttr,
    BoolAttr,
    DictionaryAttr,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    TensorType,
    i32,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from zyg.dialects import ad
from zyg.entry_abi import ENTRY, ERROR_SLOTS, EntryABI, Slot
from zyg.frontend.program import FunctionInfo
from zyg.frontend.types import F32, F64, I1, I64, INDEX, numpy_dtype, rank_of

BODY = "zyg_body"
PTR = llvm.LLVMPointerType()
RUNTIME_ERROR_FUNCTIONS: dict[str, tuple[list[Attribute], list[Attribute]]] = {
    "_zyg_take_error": ([], [I64] * ERROR_SLOTS),
}


def _slot(t: Attribute) -> Slot:
    if isinstance(t, TensorType):
        return Slot("array", rank_of(t), numpy_dtype(t))
    return Slot("f") if t in (F64, F32) else Slot("i")


def _abi(t: Attribute) -> Attribute:
    return I64 if t == I1 else t


def _emit(block: Block, op: Operation) -> SSAValue | None:
    block.add_op(op)
    return op.results[0] if op.results else None


def add_entry(module: ModuleOp, info: FunctionInfo, request: str, wrt: tuple[int, ...] | None = None) -> EntryABI:
    """Appends `@zyg_body` (the request, differentiated with respect to the arguments at `wrt`, or
    every float one when None) and `@zyg_entry` (its guarded caller); returns the ABI."""
    body_types = _add_body(module, info, request, wrt)
    seeds = _seed_types(info) if request == "vjp" else []
    abi_args = [_abi(t) for t in info.arg_types] + seeds
    block = Block(arg_types=abi_args)
    args: list[SSAValue] = []
    for arg, t in zip(block.args, info.arg_types):
        args.append(_emit(block, arith.TruncIOp(arg, I1)) if t == I1 else arg)
    args += block.args[len(info.arg_types):]
    results = _guarded_call(block, args, body_types)
    status = func.CallOp("_zyg_take_error", [], [I64] * ERROR_SLOTS)
    block.add_op(status)
    outputs = []
    for r in results:
        if r.type == I1:
            r = _emit(block, arith.ExtUIOp(r, I64))
        elif r.type == F32:
            r = _emit(block, arith.ExtFOp(r, F64))
        outputs.append(r)
    block.add_op(func.ReturnOp(*status.results, *outputs))
    entry = func.FuncOp(ENTRY, (abi_args, [I64] * ERROR_SLOTS + [o.type for o in outputs]), Region(block),
                        arg_attrs=_read_only(abi_args))
    module.body.block.add_op(entry)
    for name, (inputs, outputs_) in RUNTIME_ERROR_FUNCTIONS.items():
        module.body.block.add_op(func.FuncOp.external(name, inputs, outputs_))
    return EntryABI(tuple(_slot(t) for t in abi_args), tuple(_slot(o.type) for o in outputs))


def _add_body(module: ModuleOp, info: FunctionInfo, request: str, wrt: tuple[int, ...] | None) -> list[Attribute]:
    """`@zyg_body`: the request itself, in a function of its own so `setjmp` stays outside it."""
    arg_types = list(info.arg_types) + (_seed_types(info) if request == "vjp" else [])
    block = Block(arg_types=arg_types)
    args = list(block.args[: len(info.arg_types)])
    if request == "primal":
        op = func.CallOp(info.symbol, args, info.result_types)
    elif request == "grad":
        op = ad.GradOp(info.symbol, args, wrt)
    else:
        op = ad.VjpOp(info.symbol, args, block.args[len(info.arg_types):], info.result_types, wrt)
    block.add_op(op)
    block.add_op(func.ReturnOp(*op.results))
    types = [r.type for r in op.results]
    module.body.block.add_op(func.FuncOp(BODY, (arg_types, types), Region(block), visibility="private",
                                         arg_attrs=_read_only(arg_types)))
    return types


def _seed_types(info: FunctionInfo) -> list[Attribute]:
    """The cotangents a vjp takes: one per float (or float array) result leaf, of its type."""
    return [t for t in info.result_types if t in (F64, F32) or (isinstance(t, TensorType) and t.element_type in (F64, F32))]


def _read_only(types: list[Attribute]) -> ArrayAttr:
    """The caller's arrays are never written: bufferization copies before an in-place update."""
    return ArrayAttr([DictionaryAttr({"bufferization.writable": BoolAttr.from_bool(False)})
                      if isinstance(t, TensorType) else DictionaryAttr({}) for t in types])


def _guarded_call(block: Block, args: list[SSAValue], result_types: list[Attribute]) -> list[SSAValue]:
    """`if setjmp(buf) == 0 { zyg_body(args) } else { placeholders }`; returns the results."""
    buffer = _emit(block, llvm.AddressOfOp("_zyg_jmpbuf", PTR))
    jumped = _emit(block, llvm.CallOp("_setjmp", buffer, return_type=i32))
    zero = _emit(block, arith.ConstantOp(IntegerAttr(0, i32)))
    first_return = _emit(block, arith.CmpiOp(jumped, zero, "eq"))
    run = Block()
    call = _emit(run, func.CallOp(BODY, args, result_types)) and run.last_op
    run.add_op(scf.YieldOp(*call.results))
    failed = Block()
    failed.add_op(scf.YieldOp(*[_placeholder(failed, t) for t in result_types]))
    return list(_emit(block, scf.IfOp(first_return, result_types, [run], [failed])).owner.results) \
        if result_types else []


def _placeholder(block: Block, t: Attribute) -> SSAValue:
    """A value of type `t` returned when a check failed; Python raises instead of reading it."""
    if isinstance(t, TensorType):
        size = _emit(block, arith.ConstantOp(IntegerAttr(0, INDEX)))
        return _emit(block, tensor.EmptyOp([size] * rank_of(t), t))
    if t in (F64, F32):
        return _emit(block, arith.ConstantOp(FloatAttr(0.0, t)))
    return _emit(block, arith.ConstantOp(IntegerAttr(0, t)))
