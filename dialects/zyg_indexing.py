"""The indexing half of the `zyg` dialect: NumPy slicing, integer-array gathers and boolean masks.

Reading and writing single elements stays `tensor.extract`/`tensor.insert`; the ops here cover what
upstream `tensor` cannot say directly and keep it whole through autodiff, in adjoint pairs: a basic
slice read (`zyg.get_slice`) and write (`zyg.set_slice`) are each other's adjoint, as are a gather
(`zyg.gather`) and a scatter-add (`zyg.scatter_add`), and a boolean-mask read (`zyg.mask_select`) and
its scatter (`zyg.mask_scatter`). Writes through integer arrays (`y[idx] = v`, `np.add.at`) are
`zyg.scatter`; the adjoint of its "set" form is `zyg.unscatter`. The frontend has checked every index
and shape before these run; `lower-zyg-indexing` turns them into `tensor`/`linalg`/`scf` afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    DenseArrayBase,
    IndexType,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    i64,
)
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


FIRST_AXIS = DenseArrayBase.from_list(i64, [0])
"""The default `axes` of the integer-array ops: one index array, for the first axis."""


class _IndexedOp(IRDLOperation):
    """Integer-array indexing: index arrays `indices` (all of one shape B) pick, for every position
    b of B, the element `indices[j][b]` along the array's axis `axes[j]` (a negative index counts
    from the end). The selected part has the array's other axes in order, with the dimensions of B
    inserted before the `position`-th of them (NumPy's placement); its element at `(r, b, s)` is the
    array's element with `indices[j][b]` at axis `axes[j]` and `r, s` along the other axes. The
    frontend has checked every index and broadcast the index arrays."""

    axes = prop_def(DenseArrayBase, default_value=FIRST_AXIS)
    position = prop_def(IntegerAttr, default_value=IntegerAttr(0, i64))

    @property
    def axis_list(self) -> list[int]:
        return list(self.axes.get_values())

    @property
    def layout(self) -> tuple[list[int], int]:
        """`(axes, position)`: how the selected part is laid out, to build a partner op with."""
        return self.axis_list, self.position.value.data


@irdl_op_definition
class GatherOp(_IndexedOp):
    """Reads the part of `source` that integer arrays select (`x[idx]`, `x[:, i, j]`), as a new array.

    NumPy puts the index dimensions first when the arrays index axes that are not next to each
    other, and where the first of them was otherwise (`position`).

    ```mlir
    // x[idx]: rows of x
    %g = zyg.gather %x [%idx] : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
    // x[:, idx]: columns, the index dimensions after the rows
    %c = zyg.gather %x [%idx] {axes = array<i64: 1>, position = 1 : i64} : tensor<?x?xf64>, tensor<?xi64>
         -> tensor<?x?xf64>
    // x[i, :, j] for i and j of one shape
    %h = zyg.gather %y [%i, %j] {axes = array<i64: 0, 2>} : tensor<?x?x?xf64>, tensor<?xi64>, tensor<?xi64>
         -> tensor<?x?xf64>
    ```
    """

    name = "zyg.gather"
    source = operand_def(TensorType)
    indices = var_operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$source `[` $indices `]` attr-dict `:` type($source) `,` type($indices) `->` type($result)"

    def __init__(self, source: SSAValue, indices: SSAValue | Sequence[SSAValue], axes: Sequence[int] = (0,),
                 position: int = 0):
        indices = [indices] if isinstance(indices, SSAValue) else list(indices)
        rank = _rank(indices[0].type) + _rank(source.type) - len(indices)
        super().__init__(operands=[source, indices], result_types=[_dynamic(source.type.element_type, rank)],
                         properties=_layout_properties(axes, position))

    def verify_(self) -> None:
        _verify_indexed(self, self.source.type, self.result.type)


@irdl_op_definition
class ScatterAddOp(_IndexedOp):
    """The adjoint of `zyg.gather`: zeros of the given dimensions with each element of `value` added
    where the gather with the same indices, axes and position would have read it (repeated indices
    accumulate).

    ```mlir
    %s = zyg.scatter_add %ct [%idx] [%m, %n] : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
    ```
    """

    name = "zyg.scatter_add"
    value = operand_def(TensorType)
    indices = var_operand_def(TensorType)
    dims = var_operand_def(IndexType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())
    assembly_format = ("$value `[` $indices `]` `[` $dims `]` attr-dict `:` type($value) `,` type($indices) "
                       "`->` type($result)")

    def __init__(self, value: SSAValue, indices: SSAValue | Sequence[SSAValue], dims: Sequence[SSAValue],
                 axes: Sequence[int] = (0,), position: int = 0):
        indices = [indices] if isinstance(indices, SSAValue) else list(indices)
        super().__init__(operands=[value, indices, dims], result_types=[_dynamic(value.type.element_type, len(dims))],
                         properties=_layout_properties(axes, position))

    def verify_(self) -> None:
        if len(self.dims) != _rank(self.result.type):
            raise VerifyException(f"zyg.scatter_add: {len(self.dims)} dimensions for a rank-"
                                  f"{_rank(self.result.type)} result")
        _verify_indexed(self, self.result.type, self.value.type)


SCATTER_KINDS = ("set", "add")


@irdl_op_definition
class ScatterOp(_IndexedOp):
    """`dest` with the part that integer arrays select written (`y[idx] = v`, kind "set") or added to
    (`np.add.at(y, idx, v)`, kind "add"), as a new array; `value` has the shape `zyg.gather` would
    read. The elements of `value` go in row-major order, so where an index repeats, "set" keeps the
    last one (NumPy leaves unspecified which) and "add" adds them all.

    ```mlir
    %z = zyg.scatter %v into %y [%idx] {kind = "add"} : tensor<?x?xf64>, tensor<?xi64> into tensor<?x?xf64>
    ```
    """

    name = "zyg.scatter"
    T: ClassVar = VarConstraint("T", BaseAttr(TensorType))
    value = operand_def(TensorType)
    dest = operand_def(T)
    indices = var_operand_def(TensorType)
    kind = prop_def(StringAttr)
    result = result_def(T)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$value `into` $dest `[` $indices `]` attr-dict `:` type($value) `,` type($indices) "
                       "`into` type($dest)")

    def __init__(self, value: SSAValue, dest: SSAValue, indices: Sequence[SSAValue], kind: str,
                 axes: Sequence[int] = (0,), position: int = 0):
        super().__init__(operands=[value, dest, list(indices)], result_types=[dest.type],
                         properties={**_layout_properties(axes, position), "kind": StringAttr(kind)})

    def verify_(self) -> None:
        if self.kind.data not in SCATTER_KINDS:
            raise VerifyException(f"zyg.scatter: unknown kind '{self.kind.data}' (expected one of "
                                  f"{', '.join(SCATTER_KINDS)})")
        _verify_indexed(self, self.dest.type, self.value.type)


@irdl_op_definition
class UnscatterOp(_IndexedOp):
    """The adjoint of a "set" `zyg.scatter`: takes out of `source` what such a write would have put
    in. `taken` (the shape `zyg.gather` would read) holds, for each index, the element of `source`
    at its position where that write is the last one there, and 0 where a later write overwrote it;
    `rest` is `source` with every written position zeroed. It walks the indices in reverse row-major
    order, reading each position and then zeroing it, so a repeated index is taken once, by the
    write that stays.

    ```mlir
    // y[:, idx] = v  =>  v_ct, y_ct = unscatter(z_ct)
    %v_ct, %y_ct = zyg.unscatter %ct [%idx] {axes = array<i64: 1>, position = 1 : i64}
                   : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>, tensor<?x?xf64>
    ```
    """

    name = "zyg.unscatter"
    T: ClassVar = VarConstraint("T", BaseAttr(TensorType))
    source = operand_def(T)
    indices = var_operand_def(TensorType)
    taken = result_def(TensorType)
    rest = result_def(T)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$source `[` $indices `]` attr-dict `:` type($source) `,` type($indices) `->` type($taken) "
                       "`,` type($rest)")

    def __init__(self, source: SSAValue, indices: Sequence[SSAValue], axes: Sequence[int] = (0,), position: int = 0):
        indices = list(indices)
        rank = _rank(indices[0].type) + _rank(source.type) - len(indices)
        super().__init__(operands=[source, indices], result_types=[_dynamic(source.type.element_type, rank), source.type],
                         properties=_layout_properties(axes, position))

    def verify_(self) -> None:
        _verify_indexed(self, self.source.type, self.taken.type)


def _layout_properties(axes: Sequence[int], position: int) -> dict[str, Attribute]:
    return {"axes": DenseArrayBase.from_list(i64, list(axes)), "position": IntegerAttr(position, i64)}


def _verify_indexed(op: _IndexedOp, full: Attribute, gathered: Attribute) -> None:
    """Checks an integer-array op whose array `full` has the selected part `gathered`."""
    types = [v.type for v in op.indices]
    listed = ", ".join(map(str, types))
    for t in types:
        if not isinstance(t.element_type, IntegerType) or t.element_type.width.data != 64:
            raise VerifyException(f"{op.name}: indices must be a tensor of i64, got {t}")
    if not types or len({_rank(t) for t in types}) != 1:
        raise VerifyException(f"{op.name}: expected one or more index arrays of one rank, got {listed or 'none'}")
    axes = op.axis_list
    if len(axes) != len(types) or len(set(axes)) != len(axes) or any(not 0 <= a < _rank(full) for a in axes):
        raise VerifyException(f"{op.name}: axes {axes} must be {len(types)} distinct axes of {full}, one per "
                              "index array")
    kept = _rank(full) - len(types)
    if not 0 <= op.layout[1] <= kept:
        raise VerifyException(f"{op.name}: position {op.layout[1]} is not between 0 and the {kept} axes that are "
                              "not indexed")
    rank = _rank(types[0]) + kept
    if _rank(gathered) != rank:
        raise VerifyException(f"{op.name}: {listed} indices into {full} give a rank-{rank} tensor, not {gathered}")
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


INDEXING_OPS = [GetSliceOp, SetSliceOp, GatherOp, ScatterAddOp, ScatterOp, UnscatterOp, MaskSelectOp, MaskScatterOp]
