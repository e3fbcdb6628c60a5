"""`ad-lower-tapes`: tape ops -> calls into the tape runtime, `!ad.tape` -> `!llvm.ptr`.

In: IR after `ad-differentiate`. Out: the same IR where `ad.tape_new`/`ad.tape_reader`/`ad.tape_free`/
`ad.push`/`ad.pop` are `func.call`s to `@_zyg_tape_*` (declared here, defined by the backend's runtime
support, see `zyg.backend.runtime`), every `!ad.tape` value (also in function signatures) is an
`!llvm.ptr`, and a tape nobody pushes to is not created at all.

A tensor goes on the tape as its elements in row-major order, one 8-byte slot each (f32 widened to
f64, i1 to i64), written by a loop nest into a block of slots reserved at once, followed by its
dimensions; popping reads the dimensions back and fills a new tensor from the block.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, llvm, scf, tensor
from xdsl.dialects.builtin import DYNAMIC_INDEX, FunctionType, IndexType, IntegerAttr, ModuleOp, TensorType
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter
from zyg.dialects import ad
from zyg.frontend.types import F32, F64, I1, I64

PTR = llvm.LLVMPointerType()

# Runtime entry points: name -> (inputs, outputs).
RUNTIME_FUNCTIONS: dict[str, tuple[list[Attribute], list[Attribute]]] = {
    "_zyg_tape_new": ([], [PTR]),
    "_zyg_tape_reader": ([PTR], [PTR]),
    "_zyg_tape_free": ([PTR], []),
    "_zyg_tape_push_f64": ([PTR, F64], []),
    "_zyg_tape_push_i64": ([PTR, I64], []),
    "_zyg_tape_pop_f64": ([PTR], [F64]),
    "_zyg_tape_pop_i64": ([PTR], [I64]),
    "_zyg_tape_push_slots": ([PTR, I64], [PTR]),
    "_zyg_tape_pop_slots": ([PTR, I64], [PTR]),
}
INDEX = IndexType()


def _slot_type(t: Attribute) -> str:
    return "f64" if t in (F64, F32) else "i64"


class _Emitter:
    """Inserts ops before `anchor`, or at the end of a loop body block (`nested`)."""

    def __init__(self, anchor: Operation, block: Block | None = None, used: set[str] | None = None):
        self.anchor, self.block, self.used = anchor, block, used

    def __call__(self, op: Operation) -> SSAValue | None:
        op.location = self.anchor.location
        if self.block is None:
            self.anchor.parent_block().insert_op_before(op, self.anchor)
        else:
            self.block.add_op(op)
        return op.results[0] if op.results else None

    def nested(self, block: Block) -> _Emitter:
        return _Emitter(self.anchor, block, self.used)

    def index(self, value: int) -> SSAValue:
        return self(arith.ConstantOp(IntegerAttr(value, INDEX)))

    def call(self, name: str, args: list[SSAValue]) -> SSAValue | None:
        self.used.add(name)
        return self(func.CallOp(name, args, RUNTIME_FUNCTIONS[name][1]))

    def slot(self, base: SSAValue, linear: SSAValue) -> SSAValue:
        offset = self(arith.IndexCastOp(linear, I64))
        return self(llvm.GEPOp(base, [llvm.GEP_USE_SSA_VAL], I64, ssa_indices=[offset]))


def _element_loops(emit: _Emitter, dims: list[SSAValue], carried: SSAValue | None, body) -> SSAValue | None:
    """A loop nest over `dims` in row-major order calling `body(emit, indices, linear, carried)`,
    which returns the next carried value (or None); returns the final carried value."""
    zero, one = emit.index(0), emit.index(1)

    def level(emit: _Emitter, axis: int, indices: list[SSAValue], linear: SSAValue, carried):
        if axis == len(dims):
            return body(emit, indices, linear, carried)
        block = Block(arg_types=[INDEX] + ([carried.type] if carried is not None else []))
        inner = emit.nested(block)
        i = block.args[0]
        scaled = inner(arith.MuliOp(linear, dims[axis]))
        result = level(inner, axis + 1, [*indices, i], inner(arith.AddiOp(scaled, i)),
                       block.args[1] if carried is not None else None)
        inner(scf.YieldOp(*([result] if carried is not None else [])))
        loop = emit(scf.ForOp(zero, dims[axis], one, [carried] if carried is not None else [], block))
        return loop if carried is not None else None

    return level(emit, 0, [], zero, carried)


def _push_tensor(emit: _Emitter, tape: SSAValue, value: SSAValue) -> None:
    rank = len(value.type.get_shape())
    dims = [emit(tensor.DimOp(value, emit.index(axis))) for axis in range(rank)]
    count = emit.index(1)
    for d in dims:
        count = emit(arith.MuliOp(count, d))
    block = emit.call("_zyg_tape_push_slots", [tape, emit(arith.IndexCastOp(count, I64))])

    def store(inner: _Emitter, indices, linear, _):
        element = inner(tensor.ExtractOp(value, indices, value.type.element_type))
        inner(llvm.StoreOp(_to_slot(inner, element), inner.slot(block, linear)))

    _element_loops(emit, dims, None, store)
    for d in dims:
        emit.call("_zyg_tape_push_i64", [tape, emit(arith.IndexCastOp(d, I64))])


def _pop_tensor(emit: _Emitter, tape: SSAValue, t: TensorType) -> SSAValue:
    rank = len(t.get_shape())
    dims = [emit(arith.IndexCastOp(emit.call("_zyg_tape_pop_i64", [tape]), INDEX)) for _ in range(rank)][::-1]
    count = emit.index(1)
    for d in dims:
        count = emit(arith.MuliOp(count, d))
    block = emit.call("_zyg_tape_pop_slots", [tape, emit(arith.IndexCastOp(count, I64))])
    empty = emit(tensor.EmptyOp(dims, TensorType(t.element_type, [DYNAMIC_INDEX] * rank)))

    def load(inner: _Emitter, indices, linear, current):
        slot = inner(llvm.LoadOp(inner.slot(block, linear), F64 if t.element_type in (F64, F32) else I64))
        return inner(tensor.InsertOp(_from_slot(inner, slot, t.element_type), current, indices))

    return _element_loops(emit, dims, empty, load)


def _to_slot(emit: _Emitter, v: SSAValue) -> SSAValue:
    """A scalar as the f64 or i64 its tape slot holds."""
    if v.type == I1:
        return emit(arith.ExtUIOp(v, I64))
    if v.type == F32:
        return emit(arith.ExtFOp(v, F64))
    if isinstance(v.type, IndexType):
        return emit(arith.IndexCastOp(v, I64))
    return v


def _from_slot(emit: _Emitter, v: SSAValue, t: Attribute) -> SSAValue:
    """The scalar of type `t` a tape slot's f64 or i64 holds."""
    if t == I1:
        return emit(arith.TruncIOp(v, I1))
    if t == F32:
        return emit(arith.TruncFOp(v, F32))
    if isinstance(t, IndexType):
        return emit(arith.IndexCastOp(v, t))
    return v


def _lower_op(op: Operation, used: set[str]) -> None:
    emit = _Emitter(op, used=used)
    if isinstance(op, ad.TapeNewOp):
        op.tape.replace_all_uses_with(emit.call("_zyg_tape_new", []))
    elif isinstance(op, ad.TapeReaderOp):
        op.tape.replace_all_uses_with(emit.call("_zyg_tape_reader", [op.source]))
    elif isinstance(op, ad.TapeFreeOp):
        emit.call("_zyg_tape_free", [op.tape])
    elif isinstance(op, ad.PushOp) and isinstance(op.value.type, TensorType):
        _push_tensor(emit, op.tape, op.value)
    elif isinstance(op, ad.PushOp):
        emit.call(f"_zyg_tape_push_{_slot_type(op.value.type)}", [op.tape, _to_slot(emit, op.value)])
    elif isinstance(op, ad.PopOp) and isinstance(op.value.type, TensorType):
        op.value.replace_all_uses_with(_pop_tensor(emit, op.tape, op.value.type))
    elif isinstance(op, ad.PopOp):
        t = op.value.type
        op.value.replace_all_uses_with(_from_slot(emit, emit.call(f"_zyg_tape_pop_{_slot_type(t)}", [op.tape]), t))
    else:
        return
    op.parent_block().erase_op(op)


def _drop_unused_tapes(module: ModuleOp) -> None:
    """A tape that is only created and freed (straight-line code) costs a malloc: remove it."""
    for new in [op for op in module.walk() if isinstance(op, ad.TapeNewOp)]:
        users = [use.operation for use in new.tape.uses]
        if all(isinstance(user, ad.TapeFreeOp) for user in users):
            for user in users:
                user.parent_block().erase_op(user)
            new.parent_block().erase_op(new)


def _retype_tape_values(module: ModuleOp) -> None:
    """Every `!ad.tape` in a function signature, an op result or a block argument becomes `!llvm.ptr`."""
    for fn in [op for op in module.body.block.ops if isinstance(op, func.FuncOp)]:
        inputs, outputs = ([PTR if isinstance(t, ad.TapeType) else t for t in types.data]
                           for types in (fn.function_type.inputs, fn.function_type.outputs))
        fn.function_type = FunctionType.from_lists(inputs, outputs)
    for op in list(module.walk()):
        for value in [*op.results, *(arg for region in op.regions for block in region.blocks for arg in block.args)]:
            if isinstance(value.type, ad.TapeType):
                Rewriter.replace_value_with_new_type(value, PTR)


@dataclass(frozen=True)
class ADLowerTapesPass(ModulePass):
    """Lowers the `ad` tape ops to runtime calls on an `!llvm.ptr` handle."""

    name = "ad-lower-tapes"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        _drop_unused_tapes(op)
        used: set[str] = set()
        for inner in list(op.walk()):
            _lower_op(inner, used)
        _retype_tape_values(op)
        declared = {f.sym_name.data for f in op.body.block.ops if isinstance(f, func.FuncOp)}
        for name in sorted(used - declared):
            inputs, outputs = RUNTIME_FUNCTIONS[name]
            op.body.block.add_op(func.FuncOp.external(name, inputs, outputs))



