"""The shape half of the `zyg` dialect: reshapes, joins and index-valued arrays, before autodiff.

NumPy's shape functions (`reshape`, `ravel`, `squeeze`, `expand_dims`, `concatenate`, `stack`,
`tile`) and creation functions (`arange`, `linspace`, `eye`) are built by the frontend from these ops
and the broadcasting ops of `zyg_arrays`. They stay whole through autodiff, so a reshape's adjoint
is one reshape back and a concatenation's adjoint is one slice per operand; `lower-zyg-shapes`
turns them into `tensor`/`linalg`/`scf` afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import DYNAMIC_INDEX, IndexType, IntegerAttr, IntegerType, TensorType, i64
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    AnyAttr,
    IRDLOperation,
    ParsePropInAttrDict,
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


@irdl_op_definition
class ReshapeOp(IRDLOperation):
    """The elements of `source` in row-major order, laid out in an array of the given dimensions.

    The frontend has checked that the sizes agree. A source with a non-contiguous layout (a
    transposed or strided argument) is copied by bufferization; a contiguous one is not.

    ```mlir
    %r = zyg.reshape %x [%a, %b, %c] : tensor<?x?xf64> -> tensor<?x?x?xf64>
    ```
    """

    name = "zyg.reshape"
    source = operand_def(TensorType)
    dims = var_operand_def(IndexType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$source `[` $dims `]` attr-dict `:` type($source) `->` type($result)"

    def __init__(self, source: SSAValue, dims: Sequence[SSAValue]):
        result_type = TensorType(source.type.element_type, [DYNAMIC_INDEX] * len(dims))
        super().__init__(operands=[source, list(dims)], result_types=[result_type])

    def verify_(self) -> None:
        if len(self.dims) != _rank(self.result.type) or not self.dims:
            raise VerifyException(f"zyg.reshape: {len(self.dims)} dimension operands for a result of type "
                                  f"{self.result.type}")
        if self.source.type.element_type != self.result.type.element_type:
            raise VerifyException(f"zyg.reshape: cannot reshape {self.source.type} into {self.result.type}")


@irdl_op_definition
class ConcatenateOp(IRDLOperation):
    """Joins arrays of one rank and element type along `axis` (`np.concatenate`).

    The frontend has checked that the other dimensions agree.

    ```mlir
    %c = zyg.concatenate %a, %b {axis = 0 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
    ```
    """

    name = "zyg.concatenate"
    inputs = var_operand_def(TensorType)
    axis = prop_def(IntegerAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$inputs attr-dict `:` type($inputs) `->` type($result)"

    def __init__(self, inputs: Sequence[SSAValue], axis: int):
        super().__init__(operands=[list(inputs)], result_types=[inputs[0].type],
                         properties={"axis": IntegerAttr(axis, i64)})

    @property
    def axis_value(self) -> int:
        return self.axis.value.data

    def verify_(self) -> None:
        if not self.inputs:
            raise VerifyException("zyg.concatenate: needs at least one input")
        types = {v.type for v in self.inputs}
        if len(types) != 1 or self.result.type not in types:
            raise VerifyException(f"zyg.concatenate: inputs and result must have one type, got "
                                  f"{', '.join(str(t) for t in [*types, self.result.type])}")
        if not 0 <= self.axis_value < _rank(self.result.type):
            raise VerifyException(f"zyg.concatenate: axis {self.axis_value} is out of range for "
                                  f"{self.result.type}")


@irdl_op_definition
class IotaOp(IRDLOperation):
    """An integer array of the given dimensions holding each element's index along `axis`.

    `np.arange`, `np.linspace` and `np.eye` are elementwise arithmetic on it.

    ```mlir
    %i = zyg.iota [%m, %n] {axis = 1 : i64} : tensor<?x?xi64>
    ```
    """

    name = "zyg.iota"
    dims = var_operand_def(IndexType)
    axis = prop_def(IntegerAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "`[` $dims `]` attr-dict `:` type($result)"

    def __init__(self, dims: Sequence[SSAValue], axis: int):
        result_type = TensorType(IntegerType(64), [DYNAMIC_INDEX] * len(dims))
        super().__init__(operands=[list(dims)], result_types=[result_type],
                         properties={"axis": IntegerAttr(axis, i64)})

    @property
    def axis_value(self) -> int:
        return self.axis.value.data

    def verify_(self) -> None:
        if len(self.dims) != _rank(self.result.type) or self.result.type.element_type != IntegerType(64):
            raise VerifyException(f"zyg.iota: {len(self.dims)} dimension operands cannot give {self.result.type}")
        if not 0 <= self.axis_value < len(self.dims):
            raise VerifyException(f"zyg.iota: axis {self.axis_value} is out of range for {self.result.type}")


@irdl_op_definition
class TraceOp(IRDLOperation):
    """The sum of the main diagonal of a 2-D array (`np.trace`); a rectangular array's diagonal
    has min(rows, columns) elements.

    ```mlir
    %t = zyg.trace %x : tensor<?x?xf64> -> f64
    ```
    """

    name = "zyg.trace"
    source = operand_def(TensorType)
    result = result_def(AnyAttr())
    traits = traits_def(Pure())
    assembly_format = "$source attr-dict `:` type($source) `->` type($result)"

    def __init__(self, source: SSAValue):
        super().__init__(operands=[source], result_types=[source.type.element_type])

    def verify_(self) -> None:
        if _rank(self.source.type) != 2 or self.result.type != self.source.type.element_type:
            raise VerifyException(f"zyg.trace: expected a rank-2 tensor and its element type, got "
                                  f"{self.source.type} -> {self.result.type}")


@irdl_op_definition
class EyeOp(IRDLOperation):
    """A 2-D array of the given dimensions with `value` on the main diagonal and zeros elsewhere
    (`np.eye(n, m) * value`); the adjoint of `zyg.trace`.

    ```mlir
    %e = zyg.eye %v [%m, %n] : f64 -> tensor<?x?xf64>
    ```
    """

    name = "zyg.eye"
    value = operand_def(AnyAttr())
    dims = var_operand_def(IndexType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$value `[` $dims `]` attr-dict `:` type($value) `->` type($result)"

    def __init__(self, value: SSAValue, dims: Sequence[SSAValue]):
        super().__init__(operands=[value, list(dims)],
                         result_types=[TensorType(value.type, [DYNAMIC_INDEX] * 2)])

    def verify_(self) -> None:
        if len(self.dims) != 2 or _rank(self.result.type) != 2 or self.result.type.element_type != self.value.type:
            raise VerifyException(f"zyg.eye: expected two dimensions and a rank-2 tensor of {self.value.type}, "
                                  f"got {len(self.dims)} and {self.result.type}")


SHAPE_OPS = [ReshapeOp, ConcatenateOp, IotaOp, TraceOp, EyeOp]
