"""The exception half of the `zyg` dialect: `try`/`except` as structured control flow.

A `try` statement is an `scf.if` on the `failed` result of `zyg.try_enter`: false on entry, so the
`then` branch runs the `try` body; when a run-time check, a `raise` or a host call fails anywhere
under it (in a callee too), the call comes back to the `zyg.try_enter` with `failed` true, and the
`else` branch runs the handlers. Each branch starts its work by closing the frame (`zyg.try_exit`):
on failure that frees what the body allocated and cuts the tape back to where it stood, so the
autodiff passes see an ordinary `scf.if` whose untaken branch left nothing behind. Handlers test
the error, which the frame keeps from then on (a handler may raise another one and catch it), with
`zyg.error_matches`, or pass it on with `zyg.reraise`.
`lower-zyg-tensors` lowers these ops onto the error runtime of `zyg.backend.runtime`.

```mlir
%failed, %frame = zyg.try_enter
%ok = arith.xori %failed, %true : i1
scf.if %ok {
  ...                                   // the try body
  zyg.try_exit %frame {failed = false}
} else {
  zyg.try_exit %frame {failed = true}
  %m = zyg.error_matches %frame {kinds = ["IndexError"], catch_index = 0 : i64}
  ...
}
```
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import ArrayAttr, BoolAttr, IntegerAttr, IntegerType, StringAttr, i64
from xdsl.dialects.llvm import LLVMPointerType
from xdsl.ir import SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    prop_def,
    result_def,
)
from xdsl.utils.exceptions import VerifyException
from zyg.errors import CHECK_KINDS

MAX_CATCH_CLASSES = 62  # the classes `except` names in one module: one bit each of a host error's status


@irdl_op_definition
class TryEnterOp(IRDLOperation):
    """Opens a `try`: `failed` is false now and true when the body fails; `frame` (stack memory of the
    enclosing function) is what `zyg.try_exit` needs. The optional `tape` is the one the reverse
    sweep's forward code pushes to (added by the autodiff pass): a failed body's pushes are undone.

    ```mlir
    %failed, %frame = zyg.try_enter
    %failed, %frame = zyg.try_enter tape %t : !ad.tape
    ```
    """

    name = "zyg.try_enter"
    tape = opt_operand_def()
    failed = result_def(IntegerType(1))
    frame = result_def(LLVMPointerType())
    assembly_format = "(`tape` $tape^ `:` type($tape))? attr-dict"

    def __init__(self, tape: SSAValue | None = None):
        super().__init__(operands=[[tape] if tape is not None else []],
                         result_types=[IntegerType(1), LLVMPointerType()])


@irdl_op_definition
class TryExitOp(IRDLOperation):
    """Closes the `try` of `frame`: after a success the body's allocations stay; after a failure
    (`failed`) they are freed, the tape is cut back, and the error moves from the module's record into
    the frame. Errors then go to the enclosing `try`.

    ```mlir
    zyg.try_exit %frame {failed = true}
    ```
    """

    name = "zyg.try_exit"
    frame = operand_def(LLVMPointerType())
    failed = prop_def(BoolAttr)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$frame attr-dict"

    def __init__(self, frame: SSAValue, failed: bool):
        super().__init__(operands=[frame], properties={"failed": BoolAttr.from_bool(failed)})


@irdl_op_definition
class ErrorMatchesOp(IRDLOperation):
    """Whether the error `frame` caught is an instance of an `except` clause's class: a failed check
    of one of `kinds` (the kinds of zyg's own checks the class covers), or a host error whose class
    mask has bit `catch_index` (set by the host, which knows the exception's class).

    ```mlir
    %m = zyg.error_matches %frame {kinds = ["IndexError", "ValueError"], catch_index = 2 : i64}
    ```
    """

    name = "zyg.error_matches"
    frame = operand_def(LLVMPointerType())
    kinds = prop_def(ArrayAttr[StringAttr])
    catch_index = prop_def(IntegerAttr[IntegerType])
    result = result_def(IntegerType(1))
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$frame attr-dict"

    def __init__(self, frame: SSAValue, kinds: Sequence[str], catch_index: int):
        super().__init__(operands=[frame], properties={"kinds": ArrayAttr([StringAttr(k) for k in kinds]),
                                     "catch_index": IntegerAttr(catch_index, i64)},
                         result_types=[IntegerType(1)])

    def verify_(self) -> None:
        unknown = [k.data for k in self.kinds if k.data not in CHECK_KINDS]
        if unknown:
            raise VerifyException(f"zyg.error_matches: unknown error kind '{unknown[0]}'")
        if not 0 <= self.catch_index.value.data < MAX_CATCH_CLASSES:
            raise VerifyException(f"zyg.error_matches: catch_index must be in [0, {MAX_CATCH_CLASSES})")


@irdl_op_definition
class ReraiseOp(IRDLOperation):
    """Raises the error `frame` caught again (a bare `raise` in an `except` clause, an error no clause
    matched, or one a `finally` block ran after): the call goes on at the enclosing `try`, or ends
    with that error.

    ```mlir
    zyg.reraise %frame
    ```
    """

    name = "zyg.reraise"
    frame = operand_def(LLVMPointerType())
    assembly_format = "$frame attr-dict"

    def __init__(self, frame: SSAValue):
        super().__init__(operands=[frame])


ERROR_OPS = [TryEnterOp, TryExitOp, ErrorMatchesOp, ReraiseOp]
