"""The public entry function of a compiled module: what the JIT calls.

In: the program's module, its entry function's `FunctionInfo`, and what is asked of it: `primal`
(the value), `grad` (one gradient per differentiated argument: those at `wrt`, or every float one),
`vjp` (the values and those gradients for given cotangents, one per float result), `pullback` (a
vjp in two halves joined by a tape, so the forward sweep runs once for any number of backward ones),
`jacobian` (one f64 matrix per differentiated argument, see `ad.JacobianOp`) or `jvp` (the values and
their tangents, one per float result, for given tangents of the differentiated arguments: forward mode).
Out: the entries (`@zyg_entry`, and for a pullback `@zyg_entry_backward` and `@zyg_entry_release`,
see `zyg.entry_abi`) added to the module, and their `EntryABI`s.

An entry takes `f64`/`i64` scalars (bools travel as i64), arrays as tensors (memref descriptors after
bufferization) and tapes (pointers). It returns an error status and the integers of its message, then the
results. It calls `setjmp` before running its body, so a failed run-time check (`zyg.check`, see
`zyg.backend.runtime`) jumps back here and the status names the check instead of a crash.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import arith, func, llvm, scf, tensor
from xdsl.dialects.builtin import (
    ArrayAttr,
    BoolAttr,
    DictionaryAttr,
    FloatAttr,
    IntAttr,
    IntegerAttr,
    ModuleOp,
    TensorType,
    i32,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from zyg.dialects import ad
from zyg.entry_abi import (
    BACKWARD_ENTRY,
    ENTRY,
    ERROR_SLOTS,
    FRAME_WORDS,
    RELEASE_DETACH,
    RELEASE_ENTRY,
    RELEASE_FREE,
    EntryABI,
    Slot,
    body_of,
)
from zyg.frontend.program import FunctionInfo
from zyg.frontend.types import F32, F64, I1, I64, INDEX, numpy_dtype, rank_of
from zyg.passes.lower_zyg_errors import declare_frame_functions

PTR = llvm.LLVMPointerType()
RUNTIME_ERROR_FUNCTIONS: dict[str, tuple[list[Attribute], list[Attribute]]] = {
    "_zyg_take_error": ([], [I64] * ERROR_SLOTS),
    "_zyg_clear_interrupt": ([], []),
}


def _slot(t: Attribute) -> Slot:
    """How a value of type `t` crosses (a bool as a 'b' slot: an i64 of 0 or 1 to the entry)."""
    if isinstance(t, TensorType):
        return Slot("array", rank_of(t), numpy_dtype(t))
    if t == I1:
        return Slot("b")
    return Slot("f") if t in (F64, F32) else Slot("i")


def _abi(t: Attribute) -> Attribute:
    return I64 if t == I1 else t


def _emit(block: Block, op: Operation) -> SSAValue | None:
    block.add_op(op)
    return op.results[0] if op.results else None


def add_entry(module: ModuleOp, info: FunctionInfo, request: str,
              wrt: tuple[int, ...] | None = None) -> tuple[EntryABI, ...]:
    """Appends the entries of `request` (see `zyg.entry_abi`), differentiated with respect to the
    arguments at `wrt` (every float one when None), each with its body; returns their ABIs.

    Each entry `@zyg_entry...` calls its body `@zyg_body...` (the request itself) under `setjmp`."""
    args, seeds = list(info.arg_types), _seed_types(info)
    if request == "primal":
        bodies = [(ENTRY, args, lambda a: func.CallOp(info.symbol, a, info.result_types))]
    elif request == "grad":
        bodies = [(ENTRY, args, lambda a: ad.GradOp(info.symbol, a, wrt))]
    elif request == "jacobian":
        bodies = [(ENTRY, args, lambda a: ad.JacobianOp(info.symbol, a, wrt))]
    elif request == "vjp":
        bodies = [(ENTRY, args + seeds,
                   lambda a: ad.VjpOp(info.symbol, a[: len(args)], a[len(args):], info.result_types, wrt))]
    elif request == "jvp":
        tangents = _tangent_types(args, wrt)
        bodies = [(ENTRY, args + tangents,
                   lambda a: ad.JvpOp(info.symbol, a[: len(args)], a[len(args):], info.result_types, wrt))]
    else:  # a pullback: the forward and backward halves, and the release of the tape between them
        wrt = wrt if wrt is not None else tuple(i for i, t in enumerate(args) if ad.carries_gradient(t))
        gradient_types = [args[i] for i in wrt]
        bodies = [(ENTRY, args, lambda a: ad.ForwardOp(info.symbol, a, info.result_types, wrt)),
                  (BACKWARD_ENTRY, [*seeds, ad.TapeType()],
                   lambda a: ad.BackwardOp(info.symbol, a[:-1], a[-1], gradient_types, wrt)),
                  (RELEASE_ENTRY, [ad.TapeType()], lambda a: ad.TapeFreeOp(a[0]))]
    abis = tuple(_add_entry(module, name, _add_body(module, name, types, build), types)
                 for name, types, build in bodies)
    declare_frame_functions(module)
    for name, (inputs, outputs) in RUNTIME_ERROR_FUNCTIONS.items():
        module.body.block.add_op(func.FuncOp.external(name, inputs, outputs))
    return abis


def _add_entry(module: ModuleOp, name: str, body: tuple[str, list[Attribute]], arg_types: list[Attribute]) -> EntryABI:
    """`@<name>`: clears the interrupt flag (a Ctrl-C before the call was Python's to handle), calls `body`
    (its symbol and result types) under `setjmp`, then takes the error record."""
    body_name, body_types = body
    abi_args = [_abi(t) for t in arg_types]
    block = Block(arg_types=abi_args)
    block.add_op(func.CallOp("_zyg_clear_interrupt", [], []))
    args = [_emit(block, arith.TruncIOp(arg, I1)) if t == I1 else arg for arg, t in zip(block.args, arg_types)]
    results = _guarded_call(block, body_name, args, body_types)
    status = func.CallOp("_zyg_take_error", [], [I64] * ERROR_SLOTS)
    block.add_op(status)
    outputs, result_slots = [], [_slot(r.type) for r in results]
    for r in results:
        if r.type == I1:
            r = _emit(block, arith.ExtUIOp(r, I64))
        elif r.type == F32:
            r = _emit(block, arith.ExtFOp(r, F64))
        outputs.append(r)
    block.add_op(func.ReturnOp(*status.results, *outputs))
    entry = func.FuncOp(name, (abi_args, [I64] * ERROR_SLOTS + [o.type for o in outputs]), Region(block),
                        arg_attrs=_read_only(abi_args))
    module.body.block.add_op(entry)
    return EntryABI(tuple(_slot(t) for t in arg_types), tuple(result_slots), name)


def _add_body(module: ModuleOp, entry: str, arg_types: list[Attribute],
              build: Callable[[list[SSAValue]], Operation]) -> tuple[str, list[Attribute]]:
    """The body of `entry`: the op `build` makes of its arguments, in a function of its own so `setjmp`
    stays outside it. Returns its symbol and result types."""
    block = Block(arg_types=arg_types)
    op = build(list(block.args))
    block.add_op(op)
    block.add_op(func.ReturnOp(*op.results))
    types = [r.type for r in op.results]
    name = body_of(entry)
    module.body.block.add_op(func.FuncOp(name, (arg_types, types), Region(block), visibility="private",
                                         arg_attrs=_read_only(arg_types)))
    return name, types


def _seed_types(info: FunctionInfo) -> list[Attribute]:
    """The cotangents a vjp takes: one per float (or float array) result leaf, of its type."""
    return [t for t in info.result_types if ad.carries_gradient(t)]


def _tangent_types(args: list[Attribute], wrt: tuple[int, ...] | None) -> list[Attribute]:
    """The tangents a jvp takes: one per differentiated argument (every float one when `wrt` is None)."""
    return [t for i, t in enumerate(args) if ad.carries_gradient(t) and (wrt is None or i in wrt)]


def _read_only(types: list[Attribute]) -> ArrayAttr:
    """The caller's arrays are never written: bufferization copies before an in-place update."""
    return ArrayAttr([DictionaryAttr({"bufferization.writable": BoolAttr.from_bool(False)})
                      if isinstance(t, TensorType) else DictionaryAttr({}) for t in types])


def _guarded_call(block: Block, body: str, args: list[SSAValue], result_types: list[Attribute]) -> list[SSAValue]:
    """In a frame (`zyg.backend.runtime`): `if setjmp(buf) == 0 { body(args) } else { placeholders }`,
    then the frame closed: the blocks a success returns detached for Python, those of a failure freed
    (the placeholders with them: Python raises instead of reading them). Returns the results."""
    frame = open_frame(block, None)
    jumped = _emit(block, llvm.CallOp("_setjmp", frame, return_type=i32))  # the frame starts with its jump buffer
    zero = _emit(block, arith.ConstantOp(IntegerAttr(0, i32)))
    first_return = _emit(block, arith.CmpiOp(jumped, zero, "eq"))
    run = Block()
    call = func.CallOp(body, args, result_types)
    run.add_op(call)
    close_frame(run, frame, RELEASE_DETACH)
    run.add_op(scf.YieldOp(*call.results))
    failed = Block()
    placeholders = [_placeholder(failed, t) for t in result_types]
    close_frame(failed, frame, RELEASE_FREE)
    failed.add_op(scf.YieldOp(*placeholders))
    guarded = scf.IfOp(first_return, result_types, [run], [failed])
    block.add_op(guarded)
    return list(guarded.results)


def open_frame(block: Block, tape: SSAValue | None) -> SSAValue:
    """Appends to `block` the opening of a frame (`zyg.backend.runtime`) in stack memory of the
    enclosing function; `tape`, when given, is cut back if the frame closes on a failure."""
    one = _emit(block, arith.ConstantOp(IntegerAttr(1, I64)))
    frame = _emit(block, llvm.AllocaOp(one, llvm.LLVMArrayType(IntAttr(FRAME_WORDS), I64), alignment=16))
    if tape is None:
        tape = _emit(block, llvm.ZeroOp(result_types=[PTR]))
    block.add_op(llvm.CallOp("_zyg_frame_push", frame, tape))
    return frame


def close_frame(block: Block, frame: SSAValue, release: int) -> None:
    """Appends to `block` the closing of `frame` (`release`: one of `zyg.entry_abi`'s RELEASE_*)."""
    mode = _emit(block, arith.ConstantOp(IntegerAttr(release, I64)))
    block.add_op(llvm.CallOp("_zyg_frame_pop", frame, mode))


def _placeholder(block: Block, t: Attribute) -> SSAValue:
    """A value of type `t` returned when a check failed; Python raises instead of reading it."""
    if isinstance(t, TensorType):
        size = _emit(block, arith.ConstantOp(IntegerAttr(0, INDEX)))
        return _emit(block, tensor.EmptyOp([size] * rank_of(t), t))
    if t in (F64, F32):
        return _emit(block, arith.ConstantOp(FloatAttr(0.0, t)))
    if isinstance(t, ad.TapeType):  # an empty tape
        return _emit(block, ad.TapeNewOp())
    return _emit(block, arith.ConstantOp(IntegerAttr(0, t)))
