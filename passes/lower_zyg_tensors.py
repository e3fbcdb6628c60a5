"""`lower-zyg-tensors`: array ops -> `linalg`/`tensor`/`scf`, after autodiff.

In: IR with tensor-valued `arith`/`math`/`zyg` elementwise ops, the NumPy-level ops of
`zyg.dialects.zyg_arrays`, tensor `ad.zero`/`ad.add`/`ad.mul`/`ad.div`, and `zyg.check`. Out: elementwise ops become
one `linalg.generic` each (upstream fuses chains of them into one loop nest), reductions and
transposes become `linalg.generic`s too, matrix products become BLAS calls (`lower_matmul_blas`,
reading transposed operands through their strides), broadcasts pick a copy-free path at run time when the shapes
already agree, and each `zyg.check` becomes a call to `@_zyg_fail` under `scf.if`. The checks'
messages are recorded, in code order, in the module attribute `zyg.checks` for the JIT. A
`zyg.check_stack` is such a check of `@_zyg_stack_ok()`; a `zyg.check_interrupt` is a call of
`@_zyg_poll_interrupt()`, which fails with the status `INTERRUPTED` and needs no message (see
`zyg.backend.runtime`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, scf, tensor
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AffineMapAttr,
    AnyFloat,
    ArrayAttr,
    FileLineColLoc,
    FloatAttr,
    IndexType,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    f64,
)
from xdsl.dialects.linalg.ops import GenericOp, IndexOp, IteratorTypeAttr, YieldOp
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.ir.affine import AffineExpr, AffineMap
from xdsl.passes import ModulePass
from zyg.dialects import ad
from zyg.dialects.zyg_arrays import (
    ArgsortOp,
    BroadcastToOp,
    CheckOp,
    ExpandOp,
    InterruptCheckOp,
    MatmulOp,
    ReduceOp,
    SplatOp,
    StackCheckOp,
    SumToOp,
    TransposeOp,
)
from zyg.entry_abi import CHECK_VALUES
from zyg.passes.declare_callees import declare_callees
from zyg.passes.lower_matmul_blas import lower_matmul, matmul_signatures

CHECKS_ATTRIBUTE = "zyg.checks"
STACK_OK, POLL_INTERRUPT = "_zyg_stack_ok", "_zyg_poll_interrupt"  # defined by `zyg.backend.runtime`
_SEPARATOR = "\x1f"
INDEX = IndexType()
I64 = arith.IntegerType(64)

# Scalar op families that apply elementwise when their operands are tensors.
_ELEMENTWISE_DIALECTS = ("arith.", "math.", "zyg.")
PARALLEL = IteratorTypeAttr.parallel()
REDUCTION = IteratorTypeAttr.reduction()


def encode_check(op: Operation, error: str, message: str) -> str:
    loc = op.location
    where = ["", "0", "0"]
    if isinstance(loc, FileLineColLoc):
        where = [loc.filename.data, str(loc.line.data), str(loc.column.data - 1)]
    return _SEPARATOR.join([error, *where, message])


def decode_check(attr: StringAttr) -> tuple:
    """`(error, SourceLoc | None, message)` of one recorded check."""
    from zyg.errors import SourceLoc

    error, filename, line, col, message = attr.data.split(_SEPARATOR, 4)
    loc = SourceLoc(filename, int(line), int(col)) if filename else None
    return error, loc, message


class Builder:
    """Inserts ops into `block` (before `before`, or at its end) at one location."""

    def __init__(self, block: Block, before: Operation | None, location):
        self.block, self.before, self.location = block, before, location

    def __call__(self, op: Operation) -> SSAValue | None:
        op.location = self.location
        if self.before is not None:
            self.block.insert_op_before(op, self.before)
        else:
            self.block.add_op(op)
        return op.results[0] if op.results else None

    def nested(self, block: Block) -> Builder:
        return Builder(block, None, self.location)

    def index(self, value: int) -> SSAValue:
        return self(arith.ConstantOp(IntegerAttr(value, INDEX)))

    def const(self, value: float | int, t: Attribute) -> SSAValue:
        attr = FloatAttr(float(value), t) if isinstance(t, AnyFloat) else IntegerAttr(int(value), t)
        return self(arith.ConstantOp(attr))

    def dims(self, v: SSAValue) -> list[SSAValue]:
        return [self(tensor.DimOp(v, self.index(axis))) for axis in range(len(v.type.get_shape()))]

    def empty(self, dims: Sequence[SSAValue], element: Attribute) -> SSAValue:
        return self(tensor.EmptyOp(list(dims), TensorType(element, [DYNAMIC_INDEX] * len(dims))))

    def all_equal(self, lhs: Sequence[SSAValue], rhs: Sequence[SSAValue]) -> SSAValue:
        result = self.const(1, arith.IntegerType(1))
        for a, b in zip(lhs, rhs, strict=True):
            result = self(arith.AndIOp(result, self(arith.CmpiOp(a, b, "eq"))))
        return result

    def generic(self, inputs: Sequence[SSAValue], input_maps: Sequence[AffineMap], init: SSAValue,
                output_map: AffineMap, iterators: Sequence[IteratorTypeAttr],
                body: Callable[[Builder, list[SSAValue]], SSAValue]) -> SSAValue:
        """A one-result `linalg.generic`; `body(builder, [input elements..., output element])`."""
        element_types = [_element(v.type) for v in inputs] + [init.type.element_type]
        block = Block(arg_types=element_types)
        inner = self.nested(block)
        inner(YieldOp(body(inner, list(block.args))))
        maps = [AffineMapAttr(mp) for mp in [*input_maps, output_map]]
        return self(GenericOp(list(inputs), [init], Region(block), maps, list(iterators), [init.type]))

    def select_value(self, cond: SSAValue, types: Sequence[Attribute],
                     then: Callable[[Builder], list[SSAValue]], otherwise: Callable[[Builder], list[SSAValue]]):
        """`scf.if` yielding `then(builder)` or `otherwise(builder)`."""
        blocks = []
        for build in (then, otherwise):
            block = Block()
            inner = self.nested(block)
            inner(scf.YieldOp(*build(inner)))
            blocks.append(block)
        return self(scf.IfOp(cond, list(types), [blocks[0]], [blocks[1]])).owner.results


def _element(t: Attribute) -> Attribute:
    return t.element_type if isinstance(t, TensorType) else t


def _rank(t: Attribute) -> int:
    return len(t.get_shape()) if isinstance(t, TensorType) else 0


def identity_map(rank: int) -> AffineMap:
    return AffineMap.identity(rank)


def _dims_map(rank: int, dims: Sequence[int]) -> AffineMap:
    return AffineMap(rank, 0, tuple(AffineExpr.dimension(d) for d in dims))


def scalar_map(rank: int) -> AffineMap:
    return AffineMap(rank, 0, ())


# --------------------------------------------------------------------------------------------------
# One lowering per op kind
# --------------------------------------------------------------------------------------------------

def lower_elementwise(b: Builder, op: Operation) -> list[SSAValue]:
    """An `arith`/`math`/`zyg` op on same-shape tensors (scalars allowed) -> one `linalg.generic`."""
    shaped = next(v for v in op.operands if isinstance(v.type, TensorType))
    rank = _rank(shaped.type)
    result_type = op.results[0].type
    init = b.empty(b.dims(shaped), result_type.element_type)
    maps = [identity_map(rank) if isinstance(v.type, TensorType) else scalar_map(rank) for v in op.operands]

    def body(inner: Builder, args: list[SSAValue]) -> SSAValue:
        scalar = op.create(operands=args[: len(op.operands)], result_types=[result_type.element_type],
                           properties=dict(op.properties), attributes=dict(op.attributes))
        return inner(scalar)

    return [b.generic(list(op.operands), maps, init, identity_map(rank), [PARALLEL] * rank, body)]


def lower_splat(b: Builder, op: SplatOp) -> list[SSAValue]:
    """`zyg.splat` -> a `linalg.generic` with a scalar input (it fuses into its consumers)."""
    rank = len(op.dims)
    init = b.empty(list(op.dims), op.result.type.element_type)
    return [b.generic([op.value], [scalar_map(rank)], init, identity_map(rank), [PARALLEL] * rank,
                      lambda inner, args: args[0])]


def lower_zero(b: Builder, op: ad.ZeroOp) -> list[SSAValue]:
    """A tensor `ad.zero` -> zeros of the shape of `like`."""
    element = op.result.type.element_type
    zero = b.const(0.0, element)
    dims = b.dims(op.like)
    rank = len(dims)
    init = b.empty(dims, element)
    return [b.generic([zero], [scalar_map(rank)], init, identity_map(rank), [PARALLEL] * rank,
                      lambda inner, args: args[0])]


def lower_broadcast(b: Builder, op: BroadcastToOp) -> list[SSAValue]:
    """`zyg.broadcast_to`: no copy when the trailing dimensions already agree (the common case), or a
    copy that adds the leading axes and repeats the known unit axes through its indexing map; else
    a gather that reads index 0 along every axis of size 1 (at once with `general`)."""
    source, out_dims = op.source, list(op.dims)
    in_rank, out_rank = _rank(source.type), len(out_dims)
    offset = out_rank - in_rank
    unit_axes = set(op.unit_axis_list)
    element = source.type.element_type

    def fast(inner: Builder) -> list[SSAValue]:
        if offset == 0 and not unit_axes:
            return [source]
        init = inner.empty(out_dims, element)
        source_map = AffineMap(out_rank, 0, tuple(AffineExpr.constant(0) if axis in unit_axes
                                                  else AffineExpr.dimension(axis + offset) for axis in range(in_rank)))
        return [inner.generic([source], [source_map], init, identity_map(out_rank), [PARALLEL] * out_rank,
                              lambda bb, args: args[0])]

    if op.expand_only is not None:
        return fast(b)
    in_dims = b.dims(source)

    def gather(inner: Builder) -> list[SSAValue]:
        init = inner.empty(out_dims, element)

        def body(bb: Builder, args: list[SSAValue]) -> SSAValue:
            zero = bb.index(0)
            indices = []
            for axis in range(in_rank):
                if axis in unit_axes:
                    indices.append(zero)
                    continue
                i = bb(IndexOp(axis + offset))
                unit = bb(arith.CmpiOp(in_dims[axis], bb.index(1), "eq"))
                indices.append(bb(arith.SelectOp(unit, zero, i)))
            return bb(tensor.ExtractOp(source, indices, element))

        return [inner.generic([], [], init, identity_map(out_rank), [PARALLEL] * out_rank, body)]

    if op.general is not None:
        return gather(b)
    checked = [axis for axis in range(in_rank) if axis not in unit_axes]
    same = b.all_equal([in_dims[axis] for axis in checked], [out_dims[axis + offset] for axis in checked])
    return list(b.select_value(same, [op.result.type], fast, gather))


def lower_sum_to(b: Builder, op: SumToOp) -> list[SSAValue]:
    """`zyg.sum_to` (unbroadcast): a reduction over the leading axes and the known unit axes when the
    other trailing ones agree, else a scatter-add loop nest for the axes where the result has size 1
    (at once with `general`)."""
    source = op.source
    in_rank, out_rank = _rank(source.type), len(op.dims)
    offset = in_rank - out_rank
    out_dims = list(op.dims)
    unit_axes = set(op.unit_axis_list)
    element = source.type.element_type

    def fast(inner: Builder) -> list[SSAValue]:
        if offset == 0 and not unit_axes:
            return [source]
        kept = [axis for axis in range(out_rank) if axis not in unit_axes]
        init = _filled(inner, [out_dims[axis] for axis in kept], element, 0.0)
        iterators = [REDUCTION] * offset + [REDUCTION if axis in unit_axes else PARALLEL for axis in range(out_rank)]
        summed = inner.generic([source], [identity_map(in_rank)], init,
                               _dims_map(in_rank, [axis + offset for axis in kept]), iterators,
                               lambda bb, args: bb(arith.AddfOp(args[1], args[0])))
        if not unit_axes:
            return [summed]
        # The unit axes come back with a copy of the (small) sum: an output indexing map must not
        # hold a constant.
        init = inner.empty(out_dims, element)
        return [inner.generic([summed], [_dims_map(out_rank, kept)], init, identity_map(out_rank),
                              [PARALLEL] * out_rank, lambda bb, args: args[0])]

    if op.leading_only is not None:
        return fast(b)
    in_dims = b.dims(source)

    def scatter(inner: Builder) -> list[SSAValue]:
        init = _filled(inner, out_dims, element, 0.0)

        def body(bb: Builder, indices: list[SSAValue], acc: SSAValue) -> SSAValue:
            zero, one = bb.index(0), bb.index(1)
            target = []
            for axis in range(out_rank):
                unit = bb(arith.CmpiOp(out_dims[axis], one, "eq"))
                target.append(bb(arith.SelectOp(unit, zero, indices[axis + offset])))
            value = bb(tensor.ExtractOp(source, indices, element))
            old = bb(tensor.ExtractOp(acc, target, element))
            return bb(tensor.InsertOp(bb(arith.AddfOp(old, value)), acc, target))

        return [loop_nest(inner, in_dims, init, body)]

    if op.general is not None:
        return scatter(b)
    checked = [axis for axis in range(out_rank) if axis not in unit_axes]
    same = b.all_equal([in_dims[axis + offset] for axis in checked], [out_dims[axis] for axis in checked])
    return list(b.select_value(same, [op.result.type], fast, scatter))


def loop_nest(b: Builder, dims: Sequence[SSAValue], init: SSAValue,
              body: Callable[[Builder, list[SSAValue], SSAValue], SSAValue]) -> SSAValue:
    """Nested `scf.for`s over `dims` carrying one tensor; `body(builder, indices, acc) -> acc'`."""
    zero, one = b.index(0), b.index(1)

    def build(level: int, builder: Builder, acc: SSAValue, indices: list[SSAValue]) -> SSAValue:
        if level == len(dims):
            return body(builder, indices, acc)
        block = Block(arg_types=[INDEX, acc.type])
        inner = builder.nested(block)
        inner(scf.YieldOp(build(level + 1, inner, block.args[1], [*indices, block.args[0]])))
        return builder(scf.ForOp(zero, dims[level], one, [acc], block))

    return build(0, b, init, [])


def _filled(b: Builder, dims: Sequence[SSAValue], element: Attribute, value: float) -> SSAValue:
    rank = len(dims)
    init = b.empty(dims, element)
    constant = b.const(value, element)
    return b.generic([constant], [scalar_map(rank)], init, identity_map(rank), [PARALLEL] * rank,
                     lambda inner, args: args[0])


_REDUCE_INIT = {"sum": 0.0, "prod": 1.0, "max": float("-inf"), "min": float("inf")}


# A float reduction may be reassociated: LLVM then vectorises it with several partial accumulators.
# The order of a sum changes in the last bits, as NumPy's own pairwise summation differs from a loop.
_REASSOCIATE = arith.FastMathFlagsAttr([arith.FastMathFlag.REASSOC])


def _combine(kind: str, b: Builder, acc: SSAValue, x: SSAValue) -> SSAValue:
    is_float = isinstance(x.type, AnyFloat)
    if kind == "sum":
        return b(arith.AddfOp(acc, x, _REASSOCIATE) if is_float else arith.AddiOp(acc, x))
    if kind == "prod":
        return b(arith.MulfOp(acc, x, _REASSOCIATE) if is_float else arith.MuliOp(acc, x))
    if kind == "max":
        return b(arith.MaximumfOp(acc, x, _REASSOCIATE) if is_float else arith.MaxSIOp(acc, x))
    return b(arith.MinimumfOp(acc, x, _REASSOCIATE) if is_float else arith.MinSIOp(acc, x))


def lower_reduce(b: Builder, op: ReduceOp) -> list[SSAValue]:
    """`zyg.reduce` -> a `linalg.generic` with reduction iterators (max/min propagate NaN, as NumPy)."""
    source, kind = op.source, op.kind.data
    rank, axes = _rank(source.type), op.axis_list
    element = source.type.element_type
    dims = b.dims(source)
    kept = [d for d in range(rank) if d not in axes]
    init_value = _REDUCE_INIT[kind]
    if not isinstance(element, AnyFloat):
        init_value = {"sum": 0, "prod": 1, "max": -(2**63), "min": 2**63 - 1}[kind]
    init = _filled(b, [dims[d] for d in kept], element, init_value)
    iterators = [REDUCTION if d in axes else PARALLEL for d in range(rank)]
    reduced = b.generic([source], [identity_map(rank)], init, _dims_map(rank, kept), iterators,
                        lambda bb, args: _combine(kind, bb, args[1], args[0]))
    if not isinstance(op.result.type, TensorType):
        return [b(tensor.ExtractOp(reduced, [], element))]
    if not op.keepdims.value.data:
        return [reduced]
    one = b.index(1)
    out_dims = [one if d in axes else dims[d] for d in range(rank)]
    init = b.empty(out_dims, element)
    return [b.generic([reduced], [_dims_map(rank, kept)], init, identity_map(rank), [PARALLEL] * rank,
                      lambda bb, args: args[0])]


def lower_expand(b: Builder, op: ExpandOp) -> list[SSAValue]:
    """`zyg.expand` -> a `linalg.generic` reading the source with the reduced axes dropped (or at 0)."""
    dims, axes = list(op.dims), op.axis_list
    rank = len(dims)
    if not isinstance(op.source.type, TensorType):
        source_map = scalar_map(rank)
    elif op.keepdims.value.data:
        source_map = AffineMap(rank, 0, tuple(AffineExpr.constant(0) if d in axes else AffineExpr.dimension(d)
                                              for d in range(rank)))
    else:
        source_map = _dims_map(rank, [d for d in range(rank) if d not in axes])
    init = b.empty(dims, op.result.type.element_type)
    return [b.generic([op.source], [source_map], init, identity_map(rank), [PARALLEL] * rank,
                      lambda bb, args: args[0])]


def lower_transpose(b: Builder, op: TransposeOp) -> list[SSAValue]:
    """`zyg.transpose` -> a copying `linalg.generic` reading the source through the permutation."""
    perm = list(op.permutation.get_values())
    rank = len(perm)
    dims = b.dims(op.source)
    init = b.empty([dims[p] for p in perm], op.result.type.element_type)
    inverse = [perm.index(axis) for axis in range(rank)]
    return [b.generic([op.source], [_dims_map(rank, inverse)], init, identity_map(rank), [PARALLEL] * rank,
                      lambda bb, args: args[0])]


def lower_argsort(b: Builder, op: ArgsortOp) -> list[SSAValue]:
    """`zyg.argsort` -> a call of `@_zyg_argsort_<element>` (see `zyg.backend.sorting`)."""
    name = f"_zyg_argsort_{'f64' if isinstance(op.source.type.element_type, AnyFloat) else 'i64'}"
    return [b(func.CallOp(name, [op.source], [op.result.type]))]


def _sort_signatures() -> dict:
    """The `_zyg_argsort_*` functions the lowered sorts call (the bridge defines them)."""
    positions = TensorType(I64, [DYNAMIC_INDEX] * 2)
    return {f"_zyg_argsort_{name}": ([TensorType(element, [DYNAMIC_INDEX] * 2)], [positions])
            for name, element in (("f64", f64), ("i64", I64))}


def lower_check(b: Builder, condition: SSAValue, values: Sequence[SSAValue], code: int) -> list[SSAValue]:
    """`zyg.check` -> `scf.if !cond { _zyg_fail(code, values...) }`."""
    values = list(values)
    values += [b.const(0, I64)] * (CHECK_VALUES - len(values))
    failed = b(arith.XOrIOp(condition, b.const(1, arith.IntegerType(1))))
    block = Block()
    inner = b.nested(block)
    inner(func.CallOp("_zyg_fail", [b.const(code, I64), *values], []))
    inner(scf.YieldOp())
    b(scf.IfOp(failed, [], [block], [Block([scf.YieldOp()])]))
    return []


def is_elementwise(op: Operation) -> bool:
    """An `arith`/`math`/`zyg` scalar op applied to tensors (one `linalg.generic` after lowering)."""
    return (op.name.startswith(_ELEMENTWISE_DIALECTS) and not op.regions and len(op.results) == 1
            and isinstance(op.results[0].type, TensorType)
            and type(op) not in (*_LOWERINGS, MatmulOp) and op.name not in ("arith.constant",))


_LOWERINGS: dict[type[Operation], Callable[[Builder, Operation], list[SSAValue]]] = {
    SplatOp: lower_splat,
    BroadcastToOp: lower_broadcast,
    SumToOp: lower_sum_to,
    ExpandOp: lower_expand,
    ReduceOp: lower_reduce,
    TransposeOp: lower_transpose,
    ArgsortOp: lower_argsort,
}


def apply_lowerings(module: ModuleOp, lowerings: dict[type[Operation], Callable[[Builder, Operation],
                                                                             list[SSAValue]]]) -> None:
    """Replaces every op whose type `lowerings` lists by the values its lowering builds in its place;
    the `lower-zyg-*` passes of the other op families are this loop over their own tables."""
    for inner in list(module.walk()):
        lowering = lowerings.get(type(inner))
        if lowering is None:
            continue
        results = lowering(Builder(inner.parent_block(), inner, inner.location), inner)
        for old, new in zip(inner.results, results, strict=True):
            old.replace_all_uses_with(new)
        inner.parent_block().erase_op(inner)


@dataclass(frozen=True)
class LowerZygTensorsPass(ModulePass):
    """Lowers array ops, tensor cotangent helpers and run-time checks to upstream dialects."""

    name = "lower-zyg-tensors"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        # Matrix products first, while the transposes they read through are still visible.
        for product in [inner for inner in op.walk() if isinstance(inner, MatmulOp)]:
            b = Builder(product.parent_block(), product, product.location)
            operands = list(dict.fromkeys([product.lhs.owner, product.rhs.owner]))  # `x.T @ x.T`: once
            product.result.replace_all_uses_with(lower_matmul(b, product)[0])
            product.parent_block().erase_op(product)
            for source in operands:
                if isinstance(source, TransposeOp) and not source.result.uses and source.parent_block():
                    source.parent_block().erase_op(source)
        checks: list[StringAttr] = []
        runtime: set[str] = set()  # the runtime functions the lowered code calls
        for inner in list(op.walk()):
            b = Builder(inner.parent_block(), inner, inner.location) if inner.parent_block() else None
            if b is None:
                continue
            if isinstance(inner, CheckOp):
                checks.append(StringAttr(encode_check(inner, inner.error.data, inner.message.data)))
                lower_check(b, inner.condition, inner.values, len(checks))
                inner.parent_block().erase_op(inner)
                continue
            if isinstance(inner, StackCheckOp):
                message = f"maximum recursion depth exceeded in '{inner.function.data}' (the native stack is full)"
                checks.append(StringAttr(encode_check(inner, "RecursionError", message)))
                lower_check(b, b(func.CallOp(STACK_OK, [], [arith.IntegerType(1)])), [], len(checks))
                runtime.add(STACK_OK)
                inner.parent_block().erase_op(inner)
                continue
            if isinstance(inner, InterruptCheckOp):
                b(func.CallOp(POLL_INTERRUPT, [], []))
                runtime.add(POLL_INTERRUPT)
                inner.parent_block().erase_op(inner)
                continue
            if isinstance(inner, ad.AddOp) and isinstance(inner.result.type, TensorType):
                new = arith.AddfOp(inner.lhs, inner.rhs)
                results = lower_elementwise(b, new)
                new.drop_all_references()
            elif isinstance(inner, (ad.MulOp, ad.DivOp)) and isinstance(inner.result.type, TensorType):
                results = lower_elementwise(b, inner)  # its scalar body op is lowered by lower-zyg
            elif isinstance(inner, ad.ZeroOp) and inner.like is not None:
                results = lower_zero(b, inner)
            elif type(inner) in _LOWERINGS:
                results = _LOWERINGS[type(inner)](b, inner)
            elif is_elementwise(inner):
                results = lower_elementwise(b, inner)
            else:
                continue
            for old, new_value in zip(inner.results, results, strict=True):
                old.replace_all_uses_with(new_value)
            inner.parent_block().erase_op(inner)
        declare_callees(op, {**matmul_signatures(), **_sort_signatures()})
        if checks:
            op.attributes[CHECKS_ATTRIBUTE] = ArrayAttr(checks)
        _declare_runtime(op, runtime | ({"_zyg_fail"} if checks else set()))


def _declare_runtime(module: ModuleOp, names: set[str]) -> None:
    """Declares the runtime functions (`zyg.backend.runtime`) in `names` that `module` does not yet."""
    declared = {f.sym_name.data for f in module.body.block.ops if isinstance(f, func.FuncOp)}
    signatures = {"_zyg_fail": ([I64] * (1 + CHECK_VALUES), []), STACK_OK: ([], [arith.IntegerType(1)]),
                  POLL_INTERRUPT: ([], [])}
    for name in sorted(names - declared):
        module.body.block.add_op(func.FuncOp.external(name, *signatures[name]))

