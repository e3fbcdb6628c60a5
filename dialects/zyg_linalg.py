"""The linear-algebra part of the `zyg` dialect: `einsum` contractions and the LU-based solvers.

`zyg.einsum` carries its subscripts as a compile-time string and covers products, contractions,
transposes, traces, diagonals and outer products; its adjoint is again an einsum, so one op closes
under differentiation. `zyg.solve`, `zyg.inv`, `zyg.det` and `zyg.slogdet` stay whole through
autodiff (their adjoints are solves and products) and `lower-zyg-linalg` turns them into an LU
factorisation with partial pivoting written as `scf` loops on tensors.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import DYNAMIC_INDEX, AnyFloat, IndexType, StringAttr, TensorType
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    AnyAttr,
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException


def _rank(t: Attribute) -> int:
    return len(t.get_shape()) if isinstance(t, TensorType) else 0


def _element(t: Attribute) -> Attribute:
    return t.element_type if isinstance(t, TensorType) else t


def parse_spec(spec: str) -> tuple[list[str], str]:
    """An explicit einsum spec `"ij,jk->ik"` -> `(["ij", "jk"], "ik")`; raises ValueError if malformed."""
    inputs, arrow, output = spec.partition("->")
    if not arrow:
        raise ValueError(f"einsum spec '{spec}' has no '->'")
    subscripts = inputs.split(",")
    for s in [*subscripts, output]:
        if not all(c.isalpha() and c.isascii() for c in s):
            raise ValueError(f"einsum spec '{spec}': subscripts must be ASCII letters")
    return subscripts, output


@irdl_op_definition
class EinsumOp(IRDLOperation):
    """Einstein summation over explicit subscripts (`np.einsum` with `->`).

    The result is the sum, over every letter not in the output, of the product of the inputs'
    elements. A repeated letter within one input reads its diagonal; a repeated letter in the output
    writes the diagonal (zeros elsewhere); an output letter no input has broadcasts. `dims` are the
    output's dimensions (one per output subscript), so every letter's extent is known. A scalar input
    has the empty subscript; an empty output makes the result a scalar.

    ```mlir
    %c = zyg.einsum %a, %b [%m, %k] {spec = "ij,jk->ik"} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
    ```
    """

    name = "zyg.einsum"
    inputs = var_operand_def(AnyAttr())
    dims = var_operand_def(IndexType)
    spec = prop_def(StringAttr)
    result = result_def(AnyAttr())
    traits = traits_def(Pure())
    irdl_options = (AttrSizedOperandSegments(as_property=True),)
    assembly_format = ("$inputs `[` $dims `]` `{` `spec` `=` $spec `}` attr-dict "
                       "`:` type($inputs) `->` type($result)")

    def __init__(self, inputs: Sequence[SSAValue], dims: Sequence[SSAValue], spec: str, element: Attribute):
        _, output = parse_spec(spec)
        result_type = TensorType(element, [DYNAMIC_INDEX] * len(output)) if output else element
        super().__init__(operands=[list(inputs), list(dims)], result_types=[result_type],
                         properties={"spec": StringAttr(spec)})

    @property
    def subscripts(self) -> tuple[list[str], str]:
        return parse_spec(self.spec.data)

    def verify_(self) -> None:
        try:
            subscripts, output = self.subscripts
        except ValueError as e:
            raise VerifyException(f"zyg.einsum: {e}") from None
        if len(subscripts) != len(self.inputs):
            raise VerifyException(f"zyg.einsum: spec '{self.spec.data}' names {len(subscripts)} inputs, "
                                  f"got {len(self.inputs)}")
        element = _element(self.result.type)
        if not isinstance(element, AnyFloat):
            raise VerifyException(f"zyg.einsum: result element type {element} is not a float")
        for s, v in zip(subscripts, self.inputs):
            if _rank(v.type) != len(s) or _element(v.type) != element:
                raise VerifyException(f"zyg.einsum: input of type {v.type} does not fit subscripts '{s}' "
                                      f"of a {element} einsum")
        if len(self.dims) != len(output) or _rank(self.result.type) != len(output):
            raise VerifyException(f"zyg.einsum: output '{output}' needs {len(output)} dims and a rank-"
                                  f"{len(output)} result")


class _SquareOperandOp(IRDLOperation):
    """Shared verification: operand `a` is a square-shaped (rank-2) float tensor."""

    def _verify_matrix(self, a: SSAValue) -> None:
        if _rank(a.type) != 2 or not isinstance(_element(a.type), AnyFloat):
            raise VerifyException(f"{self.name}: expected a rank-2 float tensor, got {a.type}")


@irdl_op_definition
class SolveOp(_SquareOperandOp):
    """`np.linalg.solve(a, b)`: x with a @ x = b, for a vector or a matrix `b`.

    Raises `LinAlgError("Singular matrix")` at run time when LU finds an exactly zero pivot.

    ```mlir
    %x = zyg.solve %a, %b : tensor<?x?xf64>, tensor<?xf64> -> tensor<?xf64>
    ```
    """

    name = "zyg.solve"
    a = operand_def(TensorType)
    b = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$a `,` $b attr-dict `:` type($a) `,` type($b) `->` type($result)"

    def __init__(self, a: SSAValue, b: SSAValue):
        super().__init__(operands=[a, b], result_types=[b.type])

    def verify_(self) -> None:
        self._verify_matrix(self.a)
        if _rank(self.b.type) not in (1, 2) or _element(self.b.type) != _element(self.a.type) \
                or self.result.type != self.b.type:
            raise VerifyException(f"zyg.solve: right-hand side {self.b.type} and result {self.result.type} "
                                  f"do not fit a matrix {self.a.type}")


@irdl_op_definition
class InvOp(_SquareOperandOp):
    """`np.linalg.inv(a)`; raises `LinAlgError("Singular matrix")` at run time on a zero pivot.

    ```mlir
    %z = zyg.inv %a : tensor<?x?xf64> -> tensor<?x?xf64>
    ```
    """

    name = "zyg.inv"
    a = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$a attr-dict `:` type($a) `->` type($result)"

    def __init__(self, a: SSAValue):
        super().__init__(operands=[a], result_types=[a.type])

    def verify_(self) -> None:
        self._verify_matrix(self.a)
        if self.result.type != self.a.type:
            raise VerifyException(f"zyg.inv: result {self.result.type} differs from the operand {self.a.type}")


@irdl_op_definition
class DetOp(_SquareOperandOp):
    """`np.linalg.det(a)`: a scalar (0 for a singular matrix, no error).

    ```mlir
    %d = zyg.det %a : tensor<?x?xf64> -> f64
    ```
    """

    name = "zyg.det"
    a = operand_def(TensorType)
    result = result_def(AnyFloat)
    traits = traits_def(Pure())
    assembly_format = "$a attr-dict `:` type($a) `->` type($result)"

    def __init__(self, a: SSAValue):
        super().__init__(operands=[a], result_types=[a.type.element_type])

    def verify_(self) -> None:
        self._verify_matrix(self.a)
        if self.result.type != self.a.type.element_type:
            raise VerifyException(f"zyg.det: result {self.result.type} differs from the element type of {self.a.type}")


@irdl_op_definition
class SlogdetOp(_SquareOperandOp):
    """`np.linalg.slogdet(a)`: the sign (-1, 0 or 1) and log|det a| (-inf when singular).

    ```mlir
    %sign, %logabs = zyg.slogdet %a : tensor<?x?xf64> -> f64, f64
    ```
    """

    name = "zyg.slogdet"
    a = operand_def(TensorType)
    sign = result_def(AnyFloat)
    logabsdet = result_def(AnyFloat)
    traits = traits_def(Pure())
    assembly_format = "$a attr-dict `:` type($a) `->` type($sign) `,` type($logabsdet)"

    def __init__(self, a: SSAValue):
        element = a.type.element_type
        super().__init__(operands=[a], result_types=[element, element])

    def verify_(self) -> None:
        self._verify_matrix(self.a)
        element = self.a.type.element_type
        if self.sign.type != element or self.logabsdet.type != element:
            raise VerifyException(f"zyg.slogdet: results must be {element}")


LINALG_OPS = [EinsumOp, SolveOp, InvOp, DetOp, SlogdetOp]
