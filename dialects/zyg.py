"""The `zyg` dialect: Python-level operations whose semantics differ from upstream `arith`/`math`.

Scalars are builtin `f64` (Python float), `i64` (Python int) and `i1` (Python bool); plain arithmetic,
comparisons and the `math` module map straight onto `arith` and `math`. The ops here carry Python's
meaning (floor division and modulo that round towards negative infinity, `**` on mixed types,
overflow-safe `hypot`) through autodiff; `lower-zyg` turns them into `arith`/`math` afterwards.
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import AnyFloatConstr, IntegerType, f64
from xdsl.ir import Dialect, SSAValue
from xdsl.irdl import (
    AnyOf,
    EqAttrConstraint,
    IRDLOperation,
    VarConstraint,
    irdl_op_definition,
    operand_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

i64 = IntegerType(64)
_NUMBER = AnyOf([EqAttrConstraint(f64), EqAttrConstraint(i64)])


class _PythonBinaryOp(IRDLOperation):
    """Base of binary ops on two numbers of one type (`f64` or `i64`) giving that type."""

    T: ClassVar = VarConstraint("T", _NUMBER)
    lhs = operand_def(T)
    rhs = operand_def(T)
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        super().__init__(operands=[lhs, rhs], result_types=[lhs.type])


@irdl_op_definition
class FloorDivOp(_PythonBinaryOp):
    """Python's `a // b`: the quotient rounded towards negative infinity.

    On `i64` the result is exact (unlike `arith.divsi`, which truncates towards zero); on `f64` it is
    `floor(a / b)` and has a zero derivative.

    ```mlir
    %q = zyg.floordiv %a, %b : i64
    ```
    """

    name = "zyg.floordiv"


@irdl_op_definition
class ModOp(_PythonBinaryOp):
    """Python's `a % b`: the remainder with the sign of `b`, so `a == (a // b) * b + a % b`.

    On `f64`, `d/da = 1` and `d/db = -floor(a / b)`.

    ```mlir
    %r = zyg.mod %a, %b : f64
    ```
    """

    name = "zyg.mod"


@irdl_op_definition
class PowOp(IRDLOperation):
    """Python's `a ** b` where `a` is the base's type and `b` an `f64` or `i64` exponent.

    `f64 ** f64` and `f64 ** i64` give `f64`; `i64 ** i64` gives `i64` (the frontend only emits it
    for a non-negative exponent).

    ```mlir
    %p = zyg.pow %x, %n : f64, i64
    ```
    """

    name = "zyg.pow"
    T: ClassVar = VarConstraint("T", _NUMBER)
    base = operand_def(T)
    exponent = operand_def(_NUMBER)
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$base `,` $exponent attr-dict `:` type($base) `,` type($exponent)"

    def __init__(self, base: SSAValue, exponent: SSAValue):
        super().__init__(operands=[base, exponent], result_types=[base.type])

    def verify_(self) -> None:
        if self.base.type == i64 and self.exponent.type != i64:
            raise VerifyException(
                f"zyg.pow: an i64 base needs an i64 exponent, got {self.exponent.type}"
            )


@irdl_op_definition
class HypotOp(IRDLOperation):
    """`math.hypot(a, b)`: `sqrt(a*a + b*b)` without overflow or underflow in the squares.

    ```mlir
    %h = zyg.hypot %a, %b : f64
    ```
    """

    name = "zyg.hypot"
    T: ClassVar = VarConstraint("T", AnyFloatConstr)
    lhs = operand_def(T)
    rhs = operand_def(T)
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        super().__init__(operands=[lhs, rhs], result_types=[lhs.type])


Zyg = Dialect("zyg", [FloorDivOp, ModOp, PowOp, HypotOp], [])
