"""The indexing half of the `zyg` dialect: NumPy slicing, integer-array gathers and boolean masks.

Reading and writing single elements stays `tensor.extract`/`tensor.insert`; the ops here cover what
upstream `tensor` cannot say directly and keep it whole through autodiff, in adjoint pairs: a basic
slice read (`zyg.get_slice`) and write (`zyg.set_slice`) are each other's adjoint, as are a gather
(`zyg.gather`) and a scatter-add (`zyg.scatter_add`), and a boolean-mask read (`zyg.mask_select`) and
its scatter (`zyg.mask_scatter`). The frontend has checked every index and shape before these run;
`lower-zyg-indexing` turns them into `tensor`/`linalg`/`scf` afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import DYNAMIC_INDEX, DenseArrayBase, IndexType, IntegerType, TensorType, i64
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    BaseAttr,
    IRDLOperation,
    ParsePropInAttrDict,
    VarConstraint,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

NEW_AXIS = -1
"""An entry of a slice's `axes` for a result axis of size 1 that the source lacks (`np.newaxis`)."""


def _rank(t: Attribute) -> int:
    return len(t.get_shape()) if isinstance(t, TensorType) else 0


def _dynamic(element: Attribute, rank: int) -> TensorType:
    return TensorType(element, [DYNAMIC_INDEX] * rank)


def _verify_slice(op: IRDLOperation, full: Attribute, part: Attribute) -> None:
    """Checks a slice of a `full` tensor whose selected elements form the tensor `part`."""
    rank = _rank(full)
    counts = (len(op.offsets), len(op.sizes), len(op.strides))
    if counts != (rank, rank, rank):
        raise VerifyException(f"{op.name}: expected {rank} offsets, sizes and strides for a rank-{rank} "
                              f"tensor, got {counts[0]}, {counts[1]} and {counts[2]}")
    axes = op.axis_list
    if len(axes) != _rank(part):
        raise VerifyException(f"{op.name}: axes {axes} do not describe a rank-{_rank(part)} slice")
    sources = [a for a in axes if a != NEW_AXIS]
    if sources != sorted(set(sources)) or any(not 0 <= a < rank for a in sources):
        raise VerifyException(f"{op.name}: axes {axes} must be increasing axes of the rank-{rank} tensor "
                              f"or {NEW_AXIS}")
    if part.element_type != full.element_type:
        raise VerifyException(f"{op.name}: element types {full.element_type} and {part.element_type} differ")


class _SliceOp(IRDLOperation):
    """A basic NumPy slice of the tensor `full`: along source axis `d` it selects the `sizes[d]`
    elements `offsets[d] + k * strides[d]` (a stride may be negative, never zero). Result axis `i` of
    the slice is source axis `axes[i]`, or a new axis of size 1 where `axes[i]` is -1; a source axis
    missing from `axes` was indexed by an int (its size is 1) and is dropped."""

    offsets = var_operand_def(IndexType)
    sizes = var_operand_def(IndexType)
    strides = var_operand_def(IndexType)
    axes = prop_def(DenseArrayBase)
    traits = traits_def(Pure())
    irdl_options = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())

    @property
    def axis_list(self) -> list[int]:
        return list(self.axes.get_values())


@irdl_op_definition
class GetSliceOp(_SliceOp):
    """Reads a basic NumPy slice (`x[a:b:s, i, None]`) of `source` as a new array.

    ```mlir
    // x[i, ::-1][None]: a row read backwards, with a new leading axis
    %r = zyg.get_slice %x [%i, %last] [%one, %n] [%one, %minus_one] {axes = array<i64: -1, 1>}
         : tensor<?x?xf64> -> tensor<?x?xf64>
    ```
    """

    name = "zyg.get_slice"
    source = operand_def(TensorType)
    result = result_def(TensorType)
    assembly_format = ("$source `[` $offsets `]` `[` $sizes `]` `[` $strides `]` attr-dict `:` type($source) "
                       "`->` type($result)")

    def __init__(self, source: SSAValue, offsets: Sequence[SSAValue], sizes: Sequence[SSAValue],
                 strides: Sequence[SSAValue], axes: Sequence[int]):
        super().__init__(
            operands=[source, offsets, sizes, strides],
            result_types=[_dynamic(source.type.element_type, len(axes))],
            properties={"axes": DenseArrayBase.from_list(i64, list(axes))},
        )

    def verify_(self) -> None:
        _verify_slice(self, self.source.type, self.result.type)


@irdl_op_definition
class SetSliceOp(_SliceOp):
    """`dest` with a basic NumPy slice replaced by `value` (`y[a:b:s, i] = v`), as a new array.

    `value` has the shape of the slice, which `zyg.get_slice` with the same operands would read.

    ```mlir
    %z = zyg.set_slice %v into %y [%i, %zero] [%one, %n] [%one, %one] {axes = array<i64: 1>}
         : tensor<?xf64> into tensor<?x?xf64>
    ```
    """

    name = "zyg.set_slice"
    T: ClassVar = VarConstraint("T", BaseAttr(TensorType))
    value = operand_def(TensorType)
    dest = operand_def(T)
    result = result_def(T)
    assembly_format = ("$value `into` $dest `[` $offsets `]` `[` $sizes `]` `[` $strides `]` attr-dict `:` "
                       "type($value) `into` type($dest)")

    def __init__(self, value: SSAValue, dest: SSAValue, offsets: Sequence[SSAValue], sizes: Sequence[SSAValue],
                 strides: Sequence[SSAValue], axes: Sequence[int]):
        super().__init__(
            operands=[value, dest, offsets, sizes, strides],
            result_types=[dest.type],
            properties={"axes": DenseArrayBase.from_list(i64, list(axes))},
        )

    def verify_(self) -> None:
        _verify_slice(self, self.dest.type, self.value.type)


@irdl_op_definition
class GatherOp(IRDLOperation):
    """Integer-array indexing of the first axis, `source[indices]`.

    The result has the shape `indices.shape + source.shape[1:]`. A negative index counts from the end;
    the frontend has checked that every index is in range.

    ```mlir
    %g = zyg.gather %x [%idx] : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
    ```
    """

    name = "zyg.gather"
    source = operand_def(TensorType)
    indices = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$source `[` $indices `]` attr-dict `:` type($source) `,` type($indices) `->` type($result)"

    def __init__(self, source: SSAValue, indices: SSAValue):
        rank = _rank(indices.type) + _rank(source.type) - 1
        super().__init__(operands=[source, indices], result_types=[_dynamic(source.type.element_type, rank)])

    def verify_(self) -> None:
        _verify_indexed(self, self.source.type, self.result.type)


@irdl_op_definition
class ScatterAddOp(IRDLOperation):
    """The adjoint of `zyg.gather`: zeros of the given dimensions with each slice `value[k]` added at
    row `indices[k]` (repeated indices accumulate).

    ```mlir
    %s = zyg.scatter_add %ct [%idx] [%m, %n] : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
    ```
    """

    name = "zyg.scatter_add"
    value = operand_def(TensorType)
    indices = operand_def(TensorType)
    dims = var_operand_def(IndexType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = ("$value `[` $indices `]` `[` $dims `]` attr-dict `:` type($value) `,` type($indices) "
                       "`->` type($result)")

    def __init__(self, value: SSAValue, indices: SSAValue, dims: Sequence[SSAValue]):
        super().__init__(operands=[value, indices, dims],
                         result_types=[_dynamic(value.type.element_type, len(dims))])

    def verify_(self) -> None:
        if len(self.dims) != _rank(self.result.type):
            raise VerifyException(f"zyg.scatter_add: {len(self.dims)} dimensions for a rank-"
                                  f"{_rank(self.result.type)} result")
        _verify_indexed(self, self.result.type, self.value.type)


def _verify_indexed(op: IRDLOperation, full: Attribute, gathered: Attribute) -> None:
    indices = op.indices.type
    if not isinstance(indices.element_type, IntegerType) or indices.element_type.width.data != 64:
        raise VerifyException(f"{op.name}: indices must be a tensor of i64, got {indices}")
    if _rank(full) < 1 or _rank(gathered) != _rank(indices) + _rank(full) - 1:
        raise VerifyException(f"{op.name}: {indices} indices into {full} give a rank-"
                              f"{_rank(indices) + _rank(full) - 1} tensor, not {gathered}")
    if full.element_type != gathered.element_type:
        raise VerifyException(f"{op.name}: element types {full.element_type} and {gathered.element_type} differ")


@irdl_op_definition
class MaskSelectOp(IRDLOperation):
    """Boolean-mask indexing, `source[mask]`: the elements where `mask` is true, in row-major order.

    `count` is the number of true elements (the result's length); `mask` has the shape of `source`.

    ```mlir
    %v = zyg.mask_select %x [%mask] [%count] : tensor<?x?xf64>, tensor<?x?xi1> -> tensor<?xf64>
    ```
    """

    name = "zyg.mask_select"
    source = operand_def(TensorType)
    mask = operand_def(TensorType)
    count = operand_def(IndexType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = ("$source `[` $mask `]` `[` $count `]` attr-dict `:` type($source) `,` type($mask) "
                       "`->` type($result)")

    def __init__(self, source: SSAValue, mask: SSAValue, count: SSAValue):
        super().__init__(operands=[source, mask, count], result_types=[_dynamic(source.type.element_type, 1)])

    def verify_(self) -> None:
        _verify_masked(self, self.source.type, self.result.type)


@irdl_op_definition
class MaskScatterOp(IRDLOperation):
    """The adjoint of `zyg.mask_select`: an array of the mask's shape holding `value`'s elements, in
    row-major order, where `mask` is true, and zeros elsewhere.

    ```mlir
    %z = zyg.mask_scatter %v [%mask] : tensor<?xf64>, tensor<?x?xi1> -> tensor<?x?xf64>
    ```
    """

    name = "zyg.mask_scatter"
    value = operand_def(TensorType)
    mask = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$value `[` $mask `]` attr-dict `:` type($value) `,` type($mask) `->` type($result)"

    def __init__(self, value: SSAValue, mask: SSAValue):
        result_type = _dynamic(value.type.element_type, _rank(mask.type))
        super().__init__(operands=[value, mask], result_types=[result_type])

    def verify_(self) -> None:
        _verify_masked(self, self.result.type, self.value.type)


def _verify_masked(op: IRDLOperation, full: Attribute, selected: Attribute) -> None:
    mask = op.mask.type
    if mask.element_type != IntegerType(1) or _rank(mask) != _rank(full):
        raise VerifyException(f"{op.name}: the mask must be a tensor of i1 of the rank of {full}, got {mask}")
    if _rank(selected) != 1 or selected.element_type != full.element_type:
        raise VerifyException(f"{op.name}: the selected elements must be a rank-1 tensor of "
                              f"{full.element_type}, got {selected}")


INDEXING_OPS = [GetSliceOp, SetSliceOp, GatherOp, ScatterAddOp, MaskSelectOp, MaskScatterOp]
