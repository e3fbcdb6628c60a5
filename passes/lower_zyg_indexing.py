"""`lower-zyg-indexing`: the indexing ops of `zyg.dialects.zyg_indexing` -> `tensor`/`linalg`/`scf`.

In: IR after autodiff with `zyg.get_slice`, `zyg.set_slice`, `zyg.gather`, `zyg.scatter_add`,
`zyg.mask_select` and `zyg.mask_scatter`. Out: a slice whose strides are positive constants and that
adds no axis becomes `tensor.extract_slice`/`tensor.insert_slice` (a view after bufferization); any
other slice and a gather become a `linalg.generic` that reads the source at computed indices, and the
writes that cannot be a `linalg.generic` (scatter-add, mask compaction and scatter, general slice
writes) become `scf.for` nests carrying the array, which bufferization updates in place. Runs before
`lower-zyg-tensors`, which would otherwise take these `zyg` ops for elementwise ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, scf, tensor
from xdsl.dialects.builtin import DYNAMIC_INDEX, DenseArrayBase, IndexType, IntegerType, ModuleOp, i64
from xdsl.dialects.linalg.ops import IndexOp, IteratorTypeAttr
from xdsl.dialects.utils import split_dynamic_index_list
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.ir.affine import AffineExpr, AffineMap
from xdsl.passes import ModulePass
from zyg.dialects.zyg_indexing import (
    NEW_AXIS,
    GatherOp,
    GetSliceOp,
    MaskScatterOp,
    MaskSelectOp,
    ScatterAddOp,
    SetSliceOp,
)
from zyg.passes.lower_zyg_tensors import Builder, apply_lowerings, identity_map

INDEX = IndexType()


def _constant(v: SSAValue) -> int | None:
    op = v.owner
    if isinstance(op, arith.ConstantOp) and isinstance(op.value.type, IndexType):
        return op.value.value.data
    return None


def _is_view(op: GetSliceOp | SetSliceOp) -> bool:
    """Whether upstream `extract_slice`/`insert_slice` express the slice: positive constant strides
    and no new axes (those ops may only drop unit axes)."""
    strides = [_constant(s) for s in op.strides]
    return NEW_AXIS not in op.axis_list and all(s is not None and s > 0 for s in strides)


def _slice_parameters(op: GetSliceOp | SetSliceOp) -> dict[str, object]:
    """Operands and properties of the upstream slice op: int-indexed axes get the static size 1,
    which makes the upstream op drop them; strides are static."""
    axes = op.axis_list
    sizes = [op.sizes[d] if d in axes else 1 for d in range(len(op.sizes))]
    static_sizes, dynamic_sizes = split_dynamic_index_list(sizes, DYNAMIC_INDEX)
    static_offsets, dynamic_offsets = split_dynamic_index_list(list(op.offsets), DYNAMIC_INDEX)
    strides = [_constant(s) for s in op.strides]
    return {
        "operands": [dynamic_offsets, dynamic_sizes, []],
        "properties": {
            "static_offsets": DenseArrayBase.from_list(i64, static_offsets),
            "static_sizes": DenseArrayBase.from_list(i64, static_sizes),
            "static_strides": DenseArrayBase.from_list(i64, strides),
        },
    }


def _source_indices(b: Builder, op: GetSliceOp | SetSliceOp, part: Sequence[SSAValue]) -> list[SSAValue]:
    """The index into the full array of the slice element at `part` (indices of the slice)."""
    axes = op.axis_list
    out = []
    for d, (offset, stride) in enumerate(zip(op.offsets, op.strides, strict=True)):
        if d not in axes:
            out.append(offset)
            continue
        out.append(b(arith.AddiOp(offset, b(arith.MuliOp(part[axes.index(d)], stride)))))
    return out


def _zeros(b: Builder, dims: Sequence[SSAValue], element: Attribute) -> SSAValue:
    rank = len(dims)
    init = b.empty(dims, element)
    return b.generic([b.const(0, element)], [AffineMap(rank, 0, ())], init, identity_map(rank),
                     [IteratorTypeAttr.parallel()] * rank, lambda inner, args: args[0])


def _loops(b: Builder, dims: Sequence[SSAValue], inits: list[SSAValue],
           body: Callable[[Builder, list[SSAValue], list[SSAValue]], list[SSAValue]]) -> list[SSAValue]:
    """Nested `scf.for`s over `dims` carrying `inits`; `body(builder, indices, carried) -> carried'`."""
    zero, one = b.index(0), b.index(1)

    def build(level: int, builder: Builder, carried: list[SSAValue], indices: list[SSAValue]) -> list[SSAValue]:
        if level == len(dims):
            return body(builder, indices, carried)
        block = Block(arg_types=[INDEX, *(v.type for v in carried)])
        inner = builder.nested(block)
        inner(scf.YieldOp(*build(level + 1, inner, list(block.args[1:]), [*indices, block.args[0]])))
        return list(builder(scf.ForOp(zero, dims[level], one, carried, block)).owner.results)

    return build(0, b, inits, [])


def _wrapped(b: Builder, i: SSAValue, size: SSAValue) -> SSAValue:
    """An i64 index that may count from the end (`size` is the i64 length) -> a non-negative `index`."""
    negative = b(arith.CmpiOp(i, b.const(0, IntegerType(64)), "slt"))
    return b(arith.IndexCastOp(b(arith.SelectOp(negative, b(arith.AddiOp(i, size)), i)), INDEX))


# --------------------------------------------------------------------------------------------------
# One lowering per op
# --------------------------------------------------------------------------------------------------

def lower_get_slice(b: Builder, op: GetSliceOp) -> list[SSAValue]:
    """`zyg.get_slice` -> `tensor.extract_slice`, or a `linalg.generic` gathering the slice."""
    if _is_view(op):
        parameters = _slice_parameters(op)
        return [b(tensor.ExtractSliceOp.build(operands=[op.source, *parameters["operands"]],
                                              properties=parameters["properties"], result_types=[op.result.type]))]
    axes = op.axis_list
    one = b.index(1)
    dims = [one if d == NEW_AXIS else op.sizes[d] for d in axes]
    rank = len(dims)
    element = op.result.type.element_type
    init = b.empty(dims, element)

    def body(inner: Builder, args: list[SSAValue]) -> SSAValue:
        part = [inner(IndexOp(i)) for i in range(rank)]
        return inner(tensor.ExtractOp(op.source, _source_indices(inner, op, part), element))

    return [b.generic([], [], init, identity_map(rank), [IteratorTypeAttr.parallel()] * rank, body)]


def lower_set_slice(b: Builder, op: SetSliceOp) -> list[SSAValue]:
    """`zyg.set_slice` -> `tensor.insert_slice`, or an `scf.for` nest writing element by element."""
    if _is_view(op):
        parameters = _slice_parameters(op)
        return [b(tensor.InsertSliceOp.build(operands=[op.value, op.dest, *parameters["operands"]],
                                             properties=parameters["properties"], result_types=[op.dest.type]))]
    element = op.dest.type.element_type

    def body(inner: Builder, part: list[SSAValue], carried: list[SSAValue]) -> list[SSAValue]:
        value = inner(tensor.ExtractOp(op.value, part, element))
        return [inner(tensor.InsertOp(value, carried[0], _source_indices(inner, op, part)))]

    return _loops(b, b.dims(op.value), [op.dest], body)


def lower_gather(b: Builder, op: GatherOp) -> list[SSAValue]:
    """`zyg.gather` -> a `linalg.generic` over the result reading `source[indices[...], ...]`."""
    index_rank = len(op.indices.type.get_shape())
    source_dims = b.dims(op.source)
    rows = b(arith.IndexCastOp(source_dims[0], IntegerType(64)))
    dims = [*b.dims(op.indices), *source_dims[1:]]
    rank = len(dims)
    element = op.result.type.element_type
    init = b.empty(dims, element)
    index_map = AffineMap(rank, 0, tuple(AffineExpr.dimension(d) for d in range(index_rank)))

    def body(inner: Builder, args: list[SSAValue]) -> SSAValue:
        row = _wrapped(inner, args[0], rows)
        rest = [inner(IndexOp(d)) for d in range(index_rank, rank)]
        return inner(tensor.ExtractOp(op.source, [row, *rest], element))

    return [b.generic([op.indices], [index_map], init, identity_map(rank), [IteratorTypeAttr.parallel()] * rank, body)]


def lower_scatter_add(b: Builder, op: ScatterAddOp) -> list[SSAValue]:
    """`zyg.scatter_add` -> zeros, then an `scf.for` nest adding each value at its row."""
    index_rank = len(op.indices.type.get_shape())
    element = op.result.type.element_type
    dims = list(op.dims)
    rows = b(arith.IndexCastOp(dims[0], IntegerType(64)))

    def body(inner: Builder, position: list[SSAValue], carried: list[SSAValue]) -> list[SSAValue]:
        i = inner(tensor.ExtractOp(op.indices, position[:index_rank], IntegerType(64)))
        target = [_wrapped(inner, i, rows), *position[index_rank:]]
        value = inner(tensor.ExtractOp(op.value, position, element))
        old = inner(tensor.ExtractOp(carried[0], target, element))
        return [inner(tensor.InsertOp(inner(arith.AddfOp(old, value)), carried[0], target))]

    return _loops(b, b.dims(op.value), [_zeros(b, dims, element)], body)


def _masked_loops(b: Builder, mask: SSAValue, init: SSAValue,
                  update: Callable[[Builder, list[SSAValue], SSAValue, SSAValue], SSAValue]) -> SSAValue:
    """Loops over `mask` in row-major order carrying (array, count of true elements so far);
    where the mask is true, the array becomes `update(builder, indices, array, count)`."""
    def body(inner: Builder, position: list[SSAValue], carried: list[SSAValue]) -> list[SSAValue]:
        acc, count = carried
        hit = inner(tensor.ExtractOp(mask, position, IntegerType(1)))

        def then(bb: Builder) -> list[SSAValue]:
            return [update(bb, position, acc, count), bb(arith.AddiOp(count, bb.index(1)))]

        return list(inner.select_value(hit, [acc.type, INDEX], then, lambda bb: [acc, count]))

    return _loops(b, b.dims(mask), [init, b.index(0)], body)[0]


def lower_mask_select(b: Builder, op: MaskSelectOp) -> list[SSAValue]:
    """`zyg.mask_select` -> an `scf.for` nest appending each selected element."""
    element = op.result.type.element_type

    def update(bb: Builder, position: list[SSAValue], acc: SSAValue, count: SSAValue) -> SSAValue:
        return bb(tensor.InsertOp(bb(tensor.ExtractOp(op.source, position, element)), acc, [count]))

    return [_masked_loops(b, op.mask, b.empty([op.count], element), update)]


def lower_mask_scatter(b: Builder, op: MaskScatterOp) -> list[SSAValue]:
    """`zyg.mask_scatter` -> zeros, then an `scf.for` nest placing each value under the mask."""
    element = op.result.type.element_type

    def update(bb: Builder, position: list[SSAValue], acc: SSAValue, count: SSAValue) -> SSAValue:
        return bb(tensor.InsertOp(bb(tensor.ExtractOp(op.value, [count], element)), acc, position))

    return [_masked_loops(b, op.mask, _zeros(b, b.dims(op.mask), element), update)]


INDEXING_LOWERINGS: dict[type[Operation], Callable[[Builder, Operation], list[SSAValue]]] = {
    GetSliceOp: lower_get_slice,
    SetSliceOp: lower_set_slice,
    GatherOp: lower_gather,
    ScatterAddOp: lower_scatter_add,
    MaskSelectOp: lower_mask_select,
    MaskScatterOp: lower_mask_scatter,
}


@dataclass(frozen=True)
class LowerZygIndexingPass(ModulePass):
    """Lowers the indexing ops to upstream `tensor`, `linalg` and `scf`."""

    name = "lower-zyg-indexing"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        apply_lowerings(op, INDEXING_LOWERINGS)
