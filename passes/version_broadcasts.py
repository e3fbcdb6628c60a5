"""`version-broadcasts`: one run-time test of the shapes per fusable group of array ops, not one per broadcast.

In: IR after autodiff and the lowering of the shape and indexing ops, just before `lower-zyg-tensors`.
Out: the same IR where each group of ops that upstream elementwise fusion would make one loop nest (a
chain of elementwise ops, broadcasts, unbroadcasts, splats, reductions, in one block) and that holds a
`zyg.broadcast_to` or `zyg.sum_to` whose shapes are known only at run time is versioned:

    scf.if (every such broadcast's trailing dimensions agree) {
      the group, each of those broadcasts `{expand_only}` (each sum_to `{leading_only}`)
    } else {
      the group, each of them `{general}`
    }

The dimensions are dynamic (one compilation serves every shape of a rank), so `a + b` with `a` and `b`
of shapes that only agree at run time broadcasts both, and NumPy's axis of size 1 is only known at run
time. `lower-zyg-tensors` lowers such a broadcast to an `scf.if` of its own (no copy, or a gather), which
stops upstream fusion at every broadcast: each elementwise op after one wrote its own temporary. In the
first branch here every broadcast is an indexing map, so the whole group fuses into one loop nest; the
second keeps NumPy's semantics for the shapes that do broadcast an axis of size 1, each broadcast a
gather (each unbroadcast a scatter-add) without a test of its own: the shapes that take it are rare,
and one version of its code instead of two per broadcast keeps the compile short.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, scf, tensor
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, TensorType, UnitAttr
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from zyg.dialects import ad
from zyg.dialects.zyg_arrays import BroadcastToOp, ExpandOp, ReduceOp, SplatOp, SumToOp, TransposeOp
from zyg.passes.lower_zyg_tensors import Builder, is_elementwise

# Ops that become one `linalg.generic` each, which upstream fusion can merge with their neighbours.
_ARRAY_OPS = (BroadcastToOp, SumToOp, SplatOp, ExpandOp, ReduceOp, TransposeOp)
_AD_ELEMENTWISE = (ad.AddOp, ad.MulOp, ad.DivOp)


def _is_member(op: Operation) -> bool:
    """Whether `op` lowers to a fusable `linalg.generic` (and has no region or side effect)."""
    if isinstance(op, _ARRAY_OPS):
        return True
    if isinstance(op, _AD_ELEMENTWISE) or (isinstance(op, ad.ZeroOp) and op.like is not None):
        return isinstance(op.results[0].type, TensorType)
    return is_elementwise(op)


def _is_runtime(op: Operation) -> bool:
    """A broadcast or unbroadcast whose trailing dimensions may or may not agree at run time."""
    if isinstance(op, BroadcastToOp):
        return op.expand_only is None
    return isinstance(op, SumToOp) and op.leading_only is None


class _Group:
    """The ops of one group, in code order, and the dimensions of their results in terms of values
    defined outside it (built before the versioning `scf.if`)."""

    def __init__(self) -> None:
        self.ops: list[Operation] = []
        self.members: set[Operation] = set()
        self.dims: dict[SSAValue, list[SSAValue]] = {}

    def add(self, op: Operation) -> None:
        self.ops.append(op)
        self.members.add(op)

    def defines(self, v: SSAValue) -> bool:
        return v.owner in self.members  # a block argument's owner (a Block) is never a member

    def dims_of(self, b: Builder, v: SSAValue) -> list[SSAValue]:
        """The dimensions of array `v` as values that dominate the group's end."""
        known = self.dims.get(v)
        if known is not None:
            return known
        op = v.owner
        if not self.defines(v):
            dims = b.dims(v)
        elif isinstance(op, (BroadcastToOp, SumToOp, SplatOp, ExpandOp)):
            dims = list(op.dims)
        elif isinstance(op, ad.ZeroOp):
            dims = self.dims_of(b, op.like)
        elif isinstance(op, TransposeOp):
            source = self.dims_of(b, op.source)
            dims = [source[axis] for axis in op.permutation.get_values()]
        elif isinstance(op, ReduceOp):
            source, axes = self.dims_of(b, op.source), op.axis_list
            if op.keepdims.value.data:
                dims = [b.index(1) if axis in axes else d for axis, d in enumerate(source)]
            else:
                dims = [d for axis, d in enumerate(source) if axis not in axes]
        else:  # elementwise: the shape of its array operands
            dims = self.dims_of(b, next(x for x in op.operands if isinstance(x.type, TensorType)))
        self.dims[v] = dims
        return dims

    def agree(self, b: Builder) -> SSAValue | None:
        """The condition under which every run-time broadcast of the group only adds leading axes
        (and repeats its known unit axes); None when there is none."""
        pairs = []
        for op in self.ops:
            if not _is_runtime(op):
                continue
            source = self.dims_of(b, op.source)
            small, large = (source, list(op.dims)) if isinstance(op, BroadcastToOp) else (list(op.dims), source)
            offset = len(large) - len(small)
            pairs += [(small[axis], large[axis + offset]) for axis in range(len(small))
                      if axis not in op.unit_axis_list and small[axis] is not large[axis + offset]]
        if not pairs:
            return None
        return b.all_equal([x for x, _ in pairs], [y for _, y in pairs])


def _version(group: _Group, before: Operation | None, block: Block) -> None:
    """Replaces the ops of `group` with the `scf.if` on their shapes, inserted before `before`."""
    if not any(_is_runtime(op) for op in group.ops):
        return
    b = Builder(block, before, group.ops[-1].location)
    condition = group.agree(b)
    if condition is None:
        return
    escaping = [r for op in group.ops for r in op.results
                if any(use.operation not in group.members for use in r.uses)]

    def branch(fused: bool) -> Block:
        mapping: dict[SSAValue, SSAValue] = {}
        branch_block = Block()
        for op in group.ops:
            clone = op.clone(value_mapper=mapping)
            if _is_runtime(op):
                flag = "general" if not fused else "expand_only" if isinstance(op, BroadcastToOp) else "leading_only"
                clone.properties[flag] = UnitAttr()
            branch_block.add_op(clone)
        branch_block.add_op(scf.YieldOp(*[mapping[r] for r in escaping]))
        return branch_block

    versioned = scf.IfOp(condition, [r.type for r in escaping], [branch(True)], [branch(False)])
    b(versioned)
    for old, new in zip(escaping, versioned.results, strict=True):
        old.replace_all_uses_with(new)
    for op in reversed(group.ops):
        block.erase_op(op)


def _resolve_dim(group: _Group, op: tensor.DimOp) -> bool:
    """Replaces `tensor.dim` of a group's value by the dimension the group knows, so that it does not
    end the group; whether it did."""
    if not group.defines(op.source) or not isinstance(op.index.owner, arith.ConstantOp):
        return False
    index = op.index.owner.value
    if not isinstance(index, IntegerAttr):
        return False
    b = Builder(op.parent_block(), op, op.location)
    op.result.replace_all_uses_with(group.dims_of(b, op.source)[index.value.data])
    op.parent_block().erase_op(op)
    return True


def version_block(block: Block) -> None:
    """Forms the groups of `block` in code order: an op joins the open group when it is a member;
    a non-member that uses a value of the group ends it (the `scf.if` goes just before that op)."""
    group = _Group()
    for op in list(block.ops):
        if _is_member(op):
            group.add(op)
            continue
        if isinstance(op, tensor.DimOp) and _resolve_dim(group, op):
            continue
        if any(group.defines(v) for v in op.operands) or any(
                group.defines(v) for inner in op.walk() for v in inner.operands):
            _version(group, op, block)
            group = _Group()
    if group.ops:
        last = block.last_op
        _version(group, None if last in group.members else last, block)


@dataclass(frozen=True)
class VersionBroadcastsPass(ModulePass):
    """Versions each fusable group of array ops once on the shapes its broadcasts assume."""

    name = "version-broadcasts"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        blocks = [block for inner in op.walk() for region in inner.regions for block in region.blocks]
        for block in blocks:
            version_block(block)
