"""`lower-zyg-indexing`: the indexing ops of `zyg.dialects.zyg_indexing` -> `tensor`/`linalg`/`scf`.

In: IR after autodiff with `zyg.get_slice`, `zyg.set_slice`, `zyg.gather`, `zyg.scatter_add`,
`zyg.scatter`, `zyg.unscatter`, `zyg.mask_select` and `zyg.mask_scatter`. Out: a slice whose strides are positive constants and that
adds no axis becomes `tensor.extract_slice`/`tensor.insert_slice` (a view after bufferization); any
other slice and a gather become a `linalg.generic` that reads the source at computed indices, and the
writes that cannot be a `linalg.generic` (scatters, mask compaction and scatter, general slice
writes) become `scf.for` nests carrying the array, which bufferization updates in place. Runs before
`lower-zyg-tensors`, which would otherwise take these `zyg` ops for elementwise ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, scf, tensor
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AnyFloat,
    DenseArrayBase,
    IndexType,
    IntegerType,
    ModuleOp,
    i64,
)
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
    ScatterOp,
    SetSliceOp,
    UnscatterOp,
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


def _axis_sizes(b: Builder, op: GatherOp | ScatterAddOp | ScatterOp | UnscatterOp, dims: Sequence[SSAValue]) -> dict[int, SSAValue]:
    """The i64 length of each axis the index arrays index (to wrap a negative index)."""
    return {axis: b(arith.IndexCastOp(dims[axis], IntegerType(64))) for axis in op.axis_list}


def _selected_position(b: Builder, op: GatherOp | ScatterAddOp | ScatterOp | UnscatterOp, sizes: dict[int, SSAValue],
                       picked: Sequence[SSAValue], rest: Callable[[int], SSAValue], rank: int) -> list[SSAValue]:
    """The position in the full array of a selected element: index `picked[j]` (an i64, wrapped) along
    axis `axes[j]`, and `rest(k)` along the k-th of the other axes."""
    axes = op.axis_list
    where: list[SSAValue] = []
    kept = 0
    for d in range(rank):
        if d in axes:
            where.append(_wrapped(b, picked[axes.index(d)], sizes[d]))
        else:
            where.append(rest(kept))
            kept += 1
    return where


def _part_axes(op: GatherOp | ScatterAddOp | ScatterOp | UnscatterOp, rank: int) -> tuple[list[int], list[int]]:
    """The axes of the selected part (of rank `rank`) that run over the index arrays, and those that
    run along the array's other axes, in order."""
    index_rank = len(op.indices[0].type.get_shape())
    start = op.layout[1]
    return list(range(start, start + index_rank)), [a for a in range(rank) if not start <= a < start + index_rank]


def lower_gather(b: Builder, op: GatherOp) -> list[SSAValue]:
    """`zyg.gather` -> a `linalg.generic` over the result reading `source` at the indexed position."""
    source_dims = b.dims(op.source)
    sizes = _axis_sizes(b, op, source_dims)
    kept = [dim for axis, dim in enumerate(source_dims) if axis not in op.axis_list]
    start = op.layout[1]
    dims = [*kept[:start], *b.dims(op.indices[0]), *kept[start:]]
    rank = len(dims)
    over_indices, others = _part_axes(op, rank)
    element = op.result.type.element_type
    init = b.empty(dims, element)
    index_map = AffineMap(rank, 0, tuple(AffineExpr.dimension(d) for d in over_indices))

    def body(inner: Builder, args: list[SSAValue]) -> SSAValue:
        def rest(k: int) -> SSAValue:
            return inner(IndexOp(others[k]))

        position = _selected_position(inner, op, sizes, args[:len(op.indices)], rest, len(source_dims))
        return inner(tensor.ExtractOp(op.source, position, element))

    return [b.generic(list(op.indices), [index_map] * len(op.indices), init, identity_map(rank),
                      [IteratorTypeAttr.parallel()] * rank, body)]


def _scatter_loops(b: Builder, op: ScatterAddOp | ScatterOp, full: SSAValue, full_dims: Sequence[SSAValue],
                   write: Callable[[Builder, SSAValue, SSAValue, list[SSAValue]], SSAValue]) -> SSAValue:
    """An `scf.for` nest over `op.value` in row-major order carrying the array `full`, which becomes
    `write(builder, array, element of value, position in the array)` at each element."""
    element = op.value.type.element_type
    sizes = _axis_sizes(b, op, full_dims)
    over_indices, others = _part_axes(op, len(op.value.type.get_shape()))

    def body(inner: Builder, position: list[SSAValue], carried: list[SSAValue]) -> list[SSAValue]:
        at_index = [position[a] for a in over_indices]
        picked = [inner(tensor.ExtractOp(i, at_index, IntegerType(64))) for i in op.indices]
        target = _selected_position(inner, op, sizes, picked, lambda k: position[others[k]], len(full_dims))
        value = inner(tensor.ExtractOp(op.value, position, element))
        return [write(inner, carried[0], value, target)]

    return _loops(b, b.dims(op.value), [full], body)[0]


def _add_at(inner: Builder, array: SSAValue, value: SSAValue, target: list[SSAValue]) -> SSAValue:
    old = inner(tensor.ExtractOp(array, target, value.type))
    total = inner(arith.AddfOp(old, value) if isinstance(value.type, AnyFloat) else arith.AddiOp(old, value))
    return inner(tensor.InsertOp(total, array, target))


def _set_at(inner: Builder, array: SSAValue, value: SSAValue, target: list[SSAValue]) -> SSAValue:
    return inner(tensor.InsertOp(value, array, target))


def lower_scatter_add(b: Builder, op: ScatterAddOp) -> list[SSAValue]:
    """`zyg.scatter_add` -> zeros, then an `scf.for` nest adding each value at its position."""
    dims = list(op.dims)
    return [_scatter_loops(b, op, _zeros(b, dims, op.result.type.element_type), dims, _add_at)]


def lower_scatter(b: Builder, op: ScatterOp) -> list[SSAValue]:
    """`zyg.scatter` -> an `scf.for` nest writing (or adding) each value into `dest` at its position,
    in place after bufferization."""
    return [_scatter_loops(b, op, op.dest, b.dims(op.dest), _set_at if op.kind.data == "set" else _add_at)]


def lower_unscatter(b: Builder, op: UnscatterOp) -> list[SSAValue]:
    """`zyg.unscatter` -> an `scf.for` nest over the taken elements in reverse row-major order, each
    read from the source and then zeroed there (in place after bufferization)."""
    element = op.source.type.element_type
    source_dims = b.dims(op.source)
    sizes = _axis_sizes(b, op, source_dims)
    kept = [dim for axis, dim in enumerate(source_dims) if axis not in op.axis_list]
    start = op.layout[1]
    dims = [*kept[:start], *b.dims(op.indices[0]), *kept[start:]]
    over_indices, others = _part_axes(op, len(dims))
    last = [b(arith.SubiOp(d, b.index(1))) for d in dims]

    def body(inner: Builder, counters: list[SSAValue], carried: list[SSAValue]) -> list[SSAValue]:
        taken, rest = carried
        position = [inner(arith.SubiOp(top, k)) for top, k in zip(last, counters, strict=True)]
        picked = [inner(tensor.ExtractOp(i, [position[a] for a in over_indices], IntegerType(64)))
                  for i in op.indices]
        target = _selected_position(inner, op, sizes, picked, lambda k: position[others[k]], len(source_dims))
        value = inner(tensor.ExtractOp(rest, target, element))
        taken = inner(tensor.InsertOp(value, taken, position))
        return [taken, inner(tensor.InsertOp(inner.const(0, element), rest, target))]

    return _loops(b, dims, [b.empty(dims, element), op.source], body)


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
    ScatterOp: lower_scatter,
    UnscatterOp: lower_unscatter,
    MaskSelectOp: lower_mask_select,
    MaskScatterOp: lower_mask_scatter,
}


@dataclass(frozen=True)
class LowerZygIndexingPass(ModulePass):
    """Lowers the indexing ops to upstream `tensor`, `linalg` and `scf`."""

    name = "lower-zyg-indexing"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        apply_lowerings(op, INDEXING_LOWERINGS)
