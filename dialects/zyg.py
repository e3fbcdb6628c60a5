"""The `zyg` dialect: Python-level operations whose semantics differ from upstream `arith`/`math`.

Scalars are builtin `f64` (Python float), `i64` (Python int) and `i1` (Python bool); plain arithmetic,
comparisons and the `math` module map straight onto `arith` and `math`. The ops here carry Python's
meaning (floor division and modulo that round towards negative infinity, `**` on mixed types,
overflow-safe `hypot`) through autodiff; `lower-zyg` turns them into `arith`/`math` afterwards.
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import AnyFloat, IntegerAttr, IntegerType, TensorType, f32, f64
from xdsl.ir import Attribute, Dialect, SSAValue
from xdsl.irdl import (
    AnyAttr,
    IRDLOperation,
    ParsePropInAttrDict,
    VarConstraint,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException
from zyg.dialects.zyg_arrays import ARRAY_OPS
from zyg.dialects.zyg_errors import ERROR_OPS
from zyg.dialects.zyg_indexing import INDEXING_OPS
from zyg.dialects.zyg_linalg import LINALG_OPS
from zyg.dialects.zyg_shapes import SHAPE_OPS

i64 = IntegerType(64)
_NUMBER_TYPES = (f64, f32, i64)


def _element(t: Attribute) -> Attribute:
    return t.element_type if isinstance(t, TensorType) else t


def _check_numbers(op: IRDLOperation, *values: SSAValue) -> None:
    """The ops apply to `f64`/`f32`/`i64` scalars and, elementwise, to tensors of them."""
    for v in values:
        if _element(v.type) not in _NUMBER_TYPES:
            raise VerifyException(f"{op.name}: expected f64, f32 or i64 (or a tensor of them), got {v.type}")


class _PythonBinaryOp(IRDLOperation):
    """Base of binary ops on two numbers of one type (`f64`, `f32`, `i64`, or a tensor of one of them)."""

    T: ClassVar = VarConstraint("T", AnyAttr())
    lhs = operand_def(T)
    rhs = operand_def(T)
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        super().__init__(operands=[lhs, rhs], result_types=[lhs.type])

    def verify_(self) -> None:
        _check_numbers(self, self.lhs)


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
    T: ClassVar = VarConstraint("T", AnyAttr())
    base = operand_def(T)
    exponent = operand_def(AnyAttr())
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$base `,` $exponent attr-dict `:` type($base) `,` type($exponent)"

    def __init__(self, base: SSAValue, exponent: SSAValue):
        super().__init__(operands=[base, exponent], result_types=[base.type])

    def verify_(self) -> None:
        _check_numbers(self, self.base, self.exponent)
        if isinstance(self.exponent.type, TensorType) and self.exponent.type.get_shape() != self.base.type.get_shape():
            raise VerifyException("zyg.pow: a tensor exponent must have the base's shape")
        if _element(self.base.type) == i64 and _element(self.exponent.type) != i64:
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
    T: ClassVar = VarConstraint("T", AnyAttr())
    lhs = operand_def(T)
    rhs = operand_def(T)
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        super().__init__(operands=[lhs, rhs], result_types=[lhs.type])

    def verify_(self) -> None:
        if not isinstance(_element(self.lhs.type), AnyFloat):
            raise VerifyException(f"zyg.hypot: expected floats (or a tensor of them), got {self.lhs.type}")


class _SpecialFunctionOp(IRDLOperation):
    """Base of the special functions of one `f64` that upstream `math` lacks."""

    T: ClassVar = VarConstraint("T", AnyAttr())
    operand = operand_def(T)
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$operand attr-dict `:` type($result)"

    def __init__(self, operand: SSAValue):
        super().__init__(operands=[operand], result_types=[operand.type])

    def verify_(self) -> None:
        if self.operand.type != f64:
            raise VerifyException(f"{self.name}: expected f64, got {self.operand.type}")


@irdl_op_definition
class ErfcOp(_SpecialFunctionOp):
    """`math.erfc(x)`: 1 - erf(x), computed directly (C's `erfc`), so its small values for large x
    are kept (`1 - erf(x)` is 0 from x = 6 on).

    ```mlir
    %y = zyg.erfc %x : f64
    ```
    """

    name = "zyg.erfc"


@irdl_op_definition
class GammaOp(_SpecialFunctionOp):
    """`math.gamma(x)` (C's `tgamma`): inf at 0, nan at the negative integers, inf where it overflows.

    ```mlir
    %y = zyg.gamma %x : f64
    ```
    """

    name = "zyg.gamma"


@irdl_op_definition
class LgammaOp(_SpecialFunctionOp):
    """`math.lgamma(x)` (C's `lgamma`): log |gamma(x)|, inf at the poles 0, -1, -2, ...

    ```mlir
    %y = zyg.lgamma %x : f64
    ```
    """

    name = "zyg.lgamma"


@irdl_op_definition
class PolygammaOp(IRDLOperation):
    """The polygamma function of order `order` >= 0: the `order`-th derivative of digamma, the
    derivative of `lgamma` (order 0 is digamma). Autodiff emits it for the derivatives of `gamma`
    and `lgamma`; its own derivative is the next order. nan at the negative integers, and at 0
    -inf for digamma.

    ```mlir
    %psi = zyg.polygamma %x {order = 0 : i64} : f64
    ```
    """

    name = "zyg.polygamma"
    T: ClassVar = VarConstraint("T", AnyAttr())
    operand = operand_def(T)
    order = prop_def(IntegerAttr)
    result = result_def(T)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$operand attr-dict `:` type($result)"

    def __init__(self, operand: SSAValue, order: int):
        super().__init__(operands=[operand], result_types=[operand.type], properties={"order": IntegerAttr(order, i64)})

    def verify_(self) -> None:
        if self.operand.type != f64:
            raise VerifyException(f"zyg.polygamma: expected f64, got {self.operand.type}")
        if self.order.value.data < 0:
            raise VerifyException(f"zyg.polygamma: the order must be >= 0, got {self.order.value.data}")


Zyg = Dialect("zyg", [FloorDivOp, ModOp, PowOp, HypotOp, ErfcOp, GammaOp, LgammaOp, PolygammaOp, *ARRAY_OPS, *ERROR_OPS, *INDEXING_OPS, *LINALG_OPS, *SHAPE_OPS], [])
