"""`lower-zyg-errors`: the `try` ops (`zyg.dialects.zyg_errors`) -> calls into the error runtime.

In: IR after `lower-zyg-tensors`, whose module attribute `zyg.checks` lists the run-time checks in
code order. Out: the same IR where
- `zyg.try_enter` opens a frame (stack memory at the top of the enclosing function) with
  `@_zyg_frame_push` and calls `setjmp` on the frame's jump buffer right there, so that a failure
  under it comes back into this function: `failed` is `setjmp`'s second return;
- `zyg.try_exit` closes it with `@_zyg_frame_pop` (after a failure: freeing what the body allocated
  and moving the error into the frame);
- `zyg.error_matches` compares the caught error's code (`@_zyg_error_code`) with the codes of the
  checks of its kinds, and for a host error tests the bit of its class in the mask the host reported;
- `zyg.reraise` is a call of `@_zyg_reraise`.
The runtime (`zyg.backend.runtime`) defines these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, llvm
from xdsl.dialects.builtin import DenseArrayBase, IntAttr, IntegerAttr, ModuleOp, i32, i64
from xdsl.passes import ModulePass
from zyg.dialects.zyg_errors import ErrorMatchesOp, ReraiseOp, TryEnterOp, TryExitOp
from zyg.entry_abi import FRAME_WORDS, HOST_CLASS_BIT, RELEASE_CATCH, RELEASE_KEEP
from zyg.errors import HOST_ERROR
from zyg.passes.lower_zyg_tensors import CHECKS_ATTRIBUTE, Builder, decode_check

PTR = llvm.LLVMPointerType()
I1, I64 = arith.IntegerType(1), arith.IntegerType(64)
_CODE_AND_VALUE = llvm.LLVMStructType.from_type_list([I64, I64])
# The frame functions of the error runtime, declared in the module that calls them (the backend
# defines them, see `zyg.backend.runtime`): name -> (inputs, output).
FRAME_FUNCTIONS: dict[str, tuple[list, object]] = {
    "_setjmp": ([PTR], i32),
    "_zyg_frame_push": ([PTR, PTR], None),
    "_zyg_frame_pop": ([PTR, I64], None),
    "_zyg_error_code": ([PTR], _CODE_AND_VALUE),
    "_zyg_reraise": ([PTR], None),
}


def declare_frame_functions(module: ModuleOp) -> None:
    """Declares in `module` the frame functions (`FRAME_FUNCTIONS`) it does not declare yet."""
    declared = {op.sym_name.data for op in module.body.block.ops if isinstance(op, llvm.FuncOp)}
    for name, (inputs, output) in FRAME_FUNCTIONS.items():
        if name not in declared:
            module.body.block.add_op(llvm.FuncOp(name, llvm.LLVMFunctionType(inputs, output),
                                                 linkage=llvm.LinkageAttr("external")))


def _lower_try_enter(b: Builder, op: TryEnterOp) -> None:
    function = op.parent_op()
    while not isinstance(function, func.FuncOp):
        function = function.parent_op()
    top = function.body.block
    one = arith.ConstantOp(IntegerAttr(1, I64))
    frame = llvm.AllocaOp(one, llvm.LLVMArrayType(IntAttr(FRAME_WORDS), I64), alignment=16)
    for new in (frame, one):  # each goes first: `one` before `frame`
        new.location = op.location
        top.insert_op_before(new, top.first_op)
    tape = op.tape if op.tape is not None else b(llvm.ZeroOp(result_types=[PTR]))
    b(llvm.CallOp("_zyg_frame_push", frame.results[0], tape))
    jumped = b(llvm.CallOp("_setjmp", frame.results[0], return_type=i32))  # the frame starts with its jump buffer
    failed = b(arith.CmpiOp(jumped, b.const(0, i32), "ne"))
    op.failed.replace_all_uses_with(failed)
    op.frame.replace_all_uses_with(frame.results[0])


def _lower_matches(b: Builder, op: ErrorMatchesOp, kinds: list[str]) -> None:
    """`code in {the codes of the kinds}` or (`code` is a host check's and the mask has the bit)."""
    both = b(llvm.CallOp("_zyg_error_code", op.frame, return_type=_CODE_AND_VALUE))
    code = b(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [0]), both, I64))
    status = b(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [1]), both, I64))
    wanted = {k.data for k in op.kinds}
    result = b.const(0, I1)
    for number, kind in enumerate(kinds, start=1):
        if kind in wanted:
            result = b(arith.OrIOp(result, b(arith.CmpiOp(code, b.const(number, I64), "eq"))))
    host_codes = [number for number, kind in enumerate(kinds, start=1) if kind == HOST_ERROR]
    if host_codes:
        is_host = b.const(0, I1)
        for number in host_codes:
            is_host = b(arith.OrIOp(is_host, b(arith.CmpiOp(code, b.const(number, I64), "eq"))))
        shift = b.const(op.catch_index.value.data + HOST_CLASS_BIT, I64)  # see `host_error_status`
        bit = b(arith.AndIOp(b(arith.ShRUIOp(status, shift)), b.const(1, I64)))
        has_bit = b(arith.CmpiOp(bit, b.const(1, I64), "eq"))
        result = b(arith.OrIOp(result, b(arith.AndIOp(is_host, has_bit))))
    op.result.replace_all_uses_with(result)


_TRY_OPS = frozenset({TryEnterOp, TryExitOp, ErrorMatchesOp, ReraiseOp})


@dataclass(frozen=True)
class LowerZygErrorsPass(ModulePass):
    """Lowers `try`/`except` to frames, `setjmp` and the error record."""

    name = "lower-zyg-errors"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        checks = op.attributes.get(CHECKS_ATTRIBUTE)
        kinds = [decode_check(text)[0] for text in checks] if checks is not None else []
        # Exact types: an `isinstance` against an op class is slow (an ABC), and this visits every op.
        tries = [inner for inner in op.walk() if type(inner) in _TRY_OPS]
        if tries:
            declare_frame_functions(op)
        for inner in tries:
            b = Builder(inner.parent_block(), inner, inner.location)
            if isinstance(inner, TryEnterOp):
                _lower_try_enter(b, inner)
            elif isinstance(inner, TryExitOp):
                release = RELEASE_CATCH if inner.failed.value.data else RELEASE_KEEP
                b(llvm.CallOp("_zyg_frame_pop", inner.frame, b.const(release, I64)))
            elif isinstance(inner, ErrorMatchesOp):
                _lower_matches(b, inner, kinds)
            else:
                b(llvm.CallOp("_zyg_reraise", inner.frame))
            inner.parent_block().erase_op(inner)
