"""`ad-lower-tapes`: tape ops -> calls into the tape runtime, `!ad.tape` -> `!llvm.ptr`.

In: IR after `ad-differentiate`. Out: the same IR where `ad.tape_new`/`ad.tape_free`/`ad.push`/`ad.pop`
are `func.call`s to `@_zyg_tape_*` (declared here, defined by the backend's runtime support, see
`zyg.backend.runtime`), and a tape nobody pushes to is not created at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, llvm
from xdsl.dialects.builtin import FunctionType, IndexType, ModuleOp
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter
from zyg.dialects import ad
from zyg.frontend.types import F64, I1, I64

PTR = llvm.LLVMPointerType()

# Runtime entry points: name -> (inputs, outputs).
RUNTIME_FUNCTIONS: dict[str, tuple[list[Attribute], list[Attribute]]] = {
    "_zyg_tape_new": ([], [PTR]),
    "_zyg_tape_free": ([PTR], []),
    "_zyg_tape_push_f64": ([PTR, F64], []),
    "_zyg_tape_push_i64": ([PTR, I64], []),
    "_zyg_tape_pop_f64": ([PTR], [F64]),
    "_zyg_tape_pop_i64": ([PTR], [I64]),
}


def _slot_type(t: Attribute) -> str:
    return "f64" if t == F64 else "i64"


def _insert_before(anchor: Operation, op: Operation) -> SSAValue | None:
    op.location = anchor.location
    anchor.parent_block().insert_op_before(op, anchor)
    return op.results[0] if op.results else None


def _to_slot(anchor: Operation, v: SSAValue) -> SSAValue:
    if v.type == I1:
        return _insert_before(anchor, arith.ExtUIOp(v, I64))
    if isinstance(v.type, IndexType):
        return _insert_before(anchor, arith.IndexCastOp(v, I64))
    return v


def _from_slot(anchor: Operation, v: SSAValue, t: Attribute) -> SSAValue:
    if t == I1:
        return _insert_before(anchor, arith.TruncIOp(v, I1))
    if isinstance(t, IndexType):
        return _insert_before(anchor, arith.IndexCastOp(v, t))
    return v


def _lower_op(op: Operation, used: set[str]) -> None:
    def call(name: str, args: list[SSAValue]) -> func.CallOp:
        used.add(name)
        return func.CallOp(name, args, RUNTIME_FUNCTIONS[name][1])

    if isinstance(op, ad.TapeNewOp):
        new = call("_zyg_tape_new", [])
        _insert_before(op, new)
        op.tape.replace_all_uses_with(new.results[0])
    elif isinstance(op, ad.TapeFreeOp):
        _insert_before(op, call("_zyg_tape_free", [op.tape]))
    elif isinstance(op, ad.PushOp):
        _insert_before(op, call(f"_zyg_tape_push_{_slot_type(op.value.type)}", [op.tape, _to_slot(op, op.value)]))
    elif isinstance(op, ad.PopOp):
        t = op.value.type
        popped = _insert_before(op, call(f"_zyg_tape_pop_{_slot_type(t)}", [op.tape]))
        op.value.replace_all_uses_with(_from_slot(op, popped, t))
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
    for fn in [op for op in module.body.block.ops if isinstance(op, func.FuncOp)]:
        inputs = [PTR if isinstance(t, ad.TapeType) else t for t in fn.function_type.inputs.data]
        fn.function_type = FunctionType.from_lists(inputs, list(fn.function_type.outputs.data))
        if not fn.body.blocks:
            continue
        for arg in list(fn.body.block.args):
            if isinstance(arg.type, ad.TapeType):
                Rewriter.replace_value_with_new_type(arg, PTR)


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



