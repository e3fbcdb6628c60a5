"""`lower-zyg-shapes`: the shape ops of `zyg.dialects.zyg_shapes` -> `tensor`/`linalg`/`scf`.

In: IR after autodiff with `zyg.reshape`, `zyg.concatenate`, `zyg.iota`, `zyg.eye`, `zyg.trace`. Out: the same
IR with those ops replaced; it runs before `lower-zyg-tensors`, which lowers the rest.

- `zyg.reshape` -> `tensor.reshape` with the dimensions as a shape tensor. Bufferization makes it
  a view of a contiguous source and copies a source whose layout is unknown (a strided argument)
  first, so a reshape is never wrong and free on arrays the function computed. (Measured with MLIR
  22: `tensor.collapse_shape`/`expand_shape` of dynamic axes abort the process in
  `expand-strided-metadata` once elementwise fusion has turned a collapse into an expansion with
  more than one dynamic size per group; see `lower_reshape`.)
- `zyg.concatenate` -> a `tensor.empty` of the joined shape and one `tensor.insert_slice` per
  input, which bufferize into copies into one allocation.
- `zyg.iota` -> a `linalg.generic` yielding `linalg.index`, which fuses into its consumers.
- `zyg.eye` -> a `linalg.generic` selecting the value on the diagonal.
- `zyg.trace` -> an `scf.for` over the diagonal (min(rows, columns) reads, not rows * columns).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, scf, tensor
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AnyFloat,
    DenseArrayBase,
    ModuleOp,
    TensorType,
    i64,
)
from xdsl.dialects.linalg.ops import IndexOp
from xdsl.dialects.utils.dynamic_index_list import split_dynamic_index_list
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import VerifyException
from zyg.dialects.zyg_shapes import ConcatenateOp, EyeOp, IotaOp, ReshapeOp, TraceOp
from zyg.passes.lower_zyg_tensors import INDEX, PARALLEL, Builder, apply_lowerings, identity_map, scalar_map


class RankChangingReshapeOp(tensor.ReshapeOp):
    """`tensor.reshape`, whose verifier here also accepts a change of rank between dynamic sizes.

    xDSL 0.74's verifier compares the products of the two shapes with -1 for each dynamic size, so
    it rejects `tensor<?x?xf64> -> tensor<?xf64>`, which MLIR accepts. The op prints as
    `tensor.reshape`; only the check of the element count of static shapes is dropped.
    """

    def verify_(self) -> None:
        if self.source.type.element_type != self.result.type.element_type:
            raise VerifyException("tensor.reshape: element types of source and result differ")
        if len(self.shape.type.get_shape()) != 1 or \
                self.shape.type.get_shape()[0] != len(self.result.type.get_shape()):
            raise VerifyException("tensor.reshape: the shape operand's length differs from the result's rank")


def lower_reshape(b: Builder, op: ReshapeOp) -> list[SSAValue]:
    """`zyg.reshape` -> one `tensor.reshape` with the dimensions as a shape tensor, of any ranks.

    Never `tensor.collapse_shape`/`expand_shape`: `linalg-fuse-elementwise-ops` propagates a
    collapse of dynamic axes through elementwise ops as the inverse expansion, whose group then
    holds several dynamic sizes, and `expand-strided-metadata` aborts the process on that (MLIR 22:
    "There must be at most one dynamic size per group"). Bufferization makes a `tensor.reshape` a
    view of a contiguous source and copies a strided one (an argument view) first."""
    dims = list(op.dims)
    shape = b(tensor.FromElementsOp(*dims, result_type=TensorType(INDEX, [len(dims)])))
    return [b(RankChangingReshapeOp(op.source, shape, op.result.type))]


def lower_concatenate(b: Builder, op: ConcatenateOp) -> list[SSAValue]:
    """`zyg.concatenate` -> `tensor.insert_slice` of each input into one `tensor.empty`."""
    axis = op.axis_value
    inputs = list(op.inputs)
    rank = len(op.result.type.get_shape())
    input_dims = [b.dims(v) for v in inputs]
    total = input_dims[0][axis]
    for dims in input_dims[1:]:
        total = b(arith.AddiOp(total, dims[axis]))
    out_dims = [total if d == axis else input_dims[0][d] for d in range(rank)]
    result = b.empty(out_dims, op.result.type.element_type)
    offset = b.index(0)
    for v, dims in zip(inputs, input_dims):
        offsets = [offset if d == axis else 0 for d in range(rank)]
        result = b(insert_slice(v, result, offsets, dims))
        offset = b(arith.AddiOp(offset, dims[axis]))
    return [result]


def extract_slice(source: SSAValue, offsets: list[SSAValue | int], sizes: list[SSAValue | int],
                  result_type: TensorType) -> tensor.ExtractSliceOp:
    """The part of `source` at `offsets` of `sizes` (unit strides; `result_type` may drop unit axes);
    ints are static, values dynamic."""
    static_offsets, dynamic_offsets = split_dynamic_index_list(offsets, DYNAMIC_INDEX)
    static_sizes, dynamic_sizes = split_dynamic_index_list(sizes, DYNAMIC_INDEX)
    return tensor.ExtractSliceOp.build(
        operands=[source, dynamic_offsets, dynamic_sizes, []],
        result_types=[result_type],
        properties={"static_offsets": DenseArrayBase.from_list(i64, static_offsets),
                    "static_sizes": DenseArrayBase.from_list(i64, static_sizes),
                    "static_strides": DenseArrayBase.from_list(i64, [1] * len(sizes))})


def insert_slice(source: SSAValue, dest: SSAValue, offsets: list[SSAValue | int],
                 sizes: list[SSAValue | int]) -> tensor.InsertSliceOp:
    """`dest` with `source` written at `offsets` (unit strides); ints are static, values dynamic."""
    static_offsets, dynamic_offsets = split_dynamic_index_list(offsets, DYNAMIC_INDEX)
    static_sizes, dynamic_sizes = split_dynamic_index_list(sizes, DYNAMIC_INDEX)
    return tensor.InsertSliceOp.build(
        operands=[source, dest, dynamic_offsets, dynamic_sizes, []],
        result_types=[dest.type],
        properties={"static_offsets": DenseArrayBase.from_list(i64, static_offsets),
                    "static_sizes": DenseArrayBase.from_list(i64, static_sizes),
                    "static_strides": DenseArrayBase.from_list(i64, [1] * len(sizes))})


def lower_iota(b: Builder, op: IotaOp) -> list[SSAValue]:
    """`zyg.iota` -> a `linalg.generic` whose body yields its index along `axis`, as i64."""
    rank = len(op.dims)
    init = b.empty(list(op.dims), op.result.type.element_type)

    def body(inner: Builder, args: list[SSAValue]) -> SSAValue:
        return inner(arith.IndexCastOp(inner(IndexOp(op.axis_value)), op.result.type.element_type))

    return [b.generic([], [], init, identity_map(rank), [PARALLEL] * rank, body)]


def lower_trace(b: Builder, op: TraceOp) -> list[SSAValue]:
    """`zyg.trace` -> `scf.for i < min(rows, cols)` summing `x[i, i]`."""
    source, element = op.source, op.result.type
    rows, cols = b.dims(source)
    count = b(arith.MinUIOp(rows, cols))
    body = Block(arg_types=[INDEX, element])
    inner = b.nested(body)
    i, acc = body.args
    diagonal = inner(tensor.ExtractOp(source, [i, i], element))
    inner(scf.YieldOp(inner(arith.AddfOp(acc, diagonal) if isinstance(element, AnyFloat)
                            else arith.AddiOp(acc, diagonal))))
    return [b(scf.ForOp(b.index(0), count, b.index(1), [b.const(0, element)], body))]


def lower_eye(b: Builder, op: EyeOp) -> list[SSAValue]:
    """`zyg.eye` -> a `linalg.generic` yielding `value` where the two indices agree, else 0."""
    element = op.value.type
    init = b.empty(list(op.dims), element)

    def body(inner: Builder, args: list[SSAValue]) -> SSAValue:
        on_diagonal = inner(arith.CmpiOp(inner(IndexOp(0)), inner(IndexOp(1)), "eq"))
        return inner(arith.SelectOp(on_diagonal, args[0], inner.const(0, element)))

    return [b.generic([op.value], [scalar_map(2)], init, identity_map(2), [PARALLEL] * 2, body)]


SHAPE_LOWERINGS: dict[type[Operation], Callable[[Builder, Operation], list[SSAValue]]] = {
    ReshapeOp: lower_reshape,
    ConcatenateOp: lower_concatenate,
    IotaOp: lower_iota,
    TraceOp: lower_trace,
    EyeOp: lower_eye,
}


@dataclass(frozen=True)
class LowerZygShapesPass(ModulePass):
    """Lowers the shape ops of `zyg_shapes` to upstream `tensor`/`linalg`/`scf`."""

    name = "lower-zyg-shapes"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        apply_lowerings(op, SHAPE_LOWERINGS)
