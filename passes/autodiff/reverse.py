"""The two sweeps of reverse mode for one function.

Primal sweep: the function body is cloned as the forward code (`f_fwd`, or inline at a request). It is
the primal plus what the reverse needs: active calls become split-mode `g_fwd` calls, `scf.while` gets a
trip counter, `scf.for` its trip count, and `ad.push` saves residuals.

Adjoint sweep: walks the primal blocks backwards and builds the pullback: one rule per op, `scf.if` ->
`scf.if`, loops -> an `scf.for` over the trip count running the body's pullback, active calls ->
`g_bwd`. Cotangents accumulate through `accumulate` (`ad.add`); a missing cotangent is a symbolic zero.

Residuals (primal values a rule needs) are found on demand: a value of the top-level block of an
inline request is used directly; any other value is pushed once at the end of its defining block in
the forward code and popped at the start of that block's pullback. Pushes go at block ends and pops at
block starts, so the tape stays last-in first-out across nested regions, loops and recursive calls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from xdsl.dialects import arith, func, scf, tensor
from xdsl.dialects.builtin import AnyFloat, FloatAttr, IndexType, IntegerAttr, IntegerType, TensorType
from xdsl.ir import Attribute, Block, BlockArgument, Operation, SSAValue
from xdsl.traits import IsTerminator
from zyg.dialects import ad
from zyg.dialects.zyg_arrays import BroadcastToOp, InterruptCheckOp, SplatOp
from zyg.dialects.zyg_errors import TryEnterOp
from zyg.dialects.zyg_indexing import GetSliceOp, ScatterAddOp, ScatterOp, SetSliceOp
from zyg.errors import NoDerivativeError, SourceLoc
from zyg.passes.autodiff.activity import tapes_of
from zyg.passes.autodiff.rules import PULLBACK_RULES

if TYPE_CHECKING:
    from zyg.passes.autodiff.driver import Differentiator


# Always recomputed in the pullback from their operands: saving them would cost more than redoing them.
_RECOMPUTED = (SplatOp, tensor.DimOp, arith.IndexCastOp)
# Recomputed when every operand is itself available without the tape (a constant, a value of the
# direct block, a loop's induction variable, or another such value): an element read `x[i]` of an
# array that does not change in the loop, and the index arithmetic around it. A loop that reads arrays
# by index then saves nothing per iteration. Division is left out (dearer than a tape slot). Arrays
# recomputed so: splats, slices and broadcasts (`for row in x` reads a row again instead of saving it).
_REMATERIALISED = (tensor.ExtractOp, arith.AddiOp, arith.SubiOp, arith.MuliOp, arith.CmpiOp,
                   arith.SelectOp, arith.AndIOp, arith.OrIOp, arith.XOrIOp, arith.ExtUIOp, arith.ExtSIOp,
                   arith.TruncIOp, arith.MaxSIOp, arith.MinSIOp, arith.SIToFPOp, arith.UIToFPOp,
                   arith.AddfOp, arith.SubfOp, arith.MulfOp, arith.NegfOp, arith.CmpfOp, arith.ExtFOp,
                   arith.TruncFOp, GetSliceOp, BroadcastToOp)
_CHEAP_ARRAYS = (SplatOp, GetSliceOp, BroadcastToOp)
# Recomputed from their operands even where those come from the tape: the operands are never larger
# than the result (a matrix-vector product `w @ h` multiplies by `h` broadcast to w's shape; saving the
# broadcast would cost w's size per loop iteration instead of h's).
_EXPANDING = (BroadcastToOp,)


def _refuse_tapes(primal: func.FuncOp, active: set[SSAValue]) -> None:
    """Raises where the gradient depends on values that go through a tape (the answer of another
    request, already expanded): reverse mode cannot pull a cotangent back through a push and its pop."""
    for op in primal.walk():
        if any(t in active for t in tapes_of(op)) and any(r in active for r in op.results):
            raise NoDerivativeError(f"reverse mode through values saved on a tape ('{op.name}' reads one that holds "
                                    "values the gradient depends on): the code differentiated here holds the answer "
                                    "of another gradient request; differentiate the request itself (zyg's requests "
                                    "are answered outermost first), or use forward mode over it", _source_loc(op))


def _element(t: Attribute) -> Attribute:
    return t.element_type if isinstance(t, TensorType) else t


@dataclass
class Scatter:
    """A cotangent of an array that is zero except at one element (from reading `x[i]`).

    Accumulating it into a dense cotangent is an in-place `+=` at `indices`; it is made dense (zeros
    of `dims`, then the element) only where a whole array must exist, e.g. a branch's yield.
    """

    type: Attribute
    dims: list[SSAValue]
    indices: list[SSAValue]
    value: SSAValue

    def dense(self, ctx: ReverseSweep) -> SSAValue:
        zeros = ctx.emit(SplatOp(ctx.const(0.0, _element(self.type)), self.dims, self.type))
        return ctx.emit(tensor.InsertOp(self.value, zeros, self.indices))

    def add_into(self, ctx: ReverseSweep, dense: SSAValue) -> SSAValue:
        old = ctx.emit(tensor.ExtractOp(dense, self.indices, _element(self.type)))
        return ctx.emit(tensor.InsertOp(ctx.emit(arith.AddfOp(old, self.value)), dense, self.indices))


@dataclass
class SliceScatter:
    """A cotangent of an array that is zero outside one basic slice (from reading `x[i, :]`, `x[a:b]`).

    Like `Scatter`: accumulating it is an in-place `+=` on the slice, so a loop over the rows of an
    array costs a row per iteration in its pullback, not a whole array.
    """

    type: Attribute
    dims: list[SSAValue]
    offsets: list[SSAValue]
    sizes: list[SSAValue]
    strides: list[SSAValue]
    axes: list[int]
    value: SSAValue

    def dense(self, ctx: ReverseSweep) -> SSAValue:
        zeros = ctx.emit(SplatOp(ctx.const(0.0, _element(self.type)), self.dims, self.type))
        return ctx.emit(SetSliceOp(self.value, zeros, self.offsets, self.sizes, self.strides, self.axes))

    def add_into(self, ctx: ReverseSweep, dense: SSAValue) -> SSAValue:
        old = ctx.emit(GetSliceOp(dense, self.offsets, self.sizes, self.strides, self.axes))
        total = ctx.emit(arith.AddfOp(old, self.value))
        return ctx.emit(SetSliceOp(total, dense, self.offsets, self.sizes, self.strides, self.axes))


@dataclass
class GatherScatter:
    """A cotangent of an array that is zero outside the elements an integer-array gather read
    (`x[idx]`, `x[:, rows, cols]`).

    Like `SliceScatter`: accumulating it is an in-place scatter-add at the indices (repeated ones add
    up), so a loop that reads a few rows by index costs those rows per iteration in its pullback.
    """

    type: Attribute
    dims: list[SSAValue]
    indices: list[SSAValue]
    axes: list[int]
    position: int
    value: SSAValue

    def dense(self, ctx: ReverseSweep) -> SSAValue:
        return ctx.emit(ScatterAddOp(self.value, self.indices, self.dims, self.axes, self.position))

    def add_into(self, ctx: ReverseSweep, dense: SSAValue) -> SSAValue:
        return ctx.emit(ScatterOp(self.value, dense, self.indices, "add", self.axes, self.position))


@dataclass
class SparseSum:
    """The sum of several sparse cotangents of one array (`x[i] * x[i]` reads one element twice).

    Kept as its parts, so accumulating it is still in place: each part is added in turn.
    """

    parts: list[Scatter | SliceScatter | GatherScatter]

    def dense(self, ctx: ReverseSweep) -> SSAValue:
        first, *rest = self.parts
        total = first.dense(ctx)
        for part in rest:
            total = part.add_into(ctx, total)
        return total

    def add_into(self, ctx: ReverseSweep, dense: SSAValue) -> SSAValue:
        for part in self.parts:
            dense = part.add_into(ctx, dense)
        return dense


SPARSE = (Scatter, SliceScatter, GatherScatter, SparseSum)


def _sparse_parts(ct: Scatter | SliceScatter | GatherScatter | SparseSum) -> list[Scatter | SliceScatter | GatherScatter]:
    return ct.parts if isinstance(ct, SparseSum) else [ct]


def _defining_block(v: SSAValue) -> Block:
    return v.block if isinstance(v, BlockArgument) else v.owner.parent_block()


@dataclass
class _BlockPullback:
    """The pullback under construction for one primal block."""

    primal_block: Block
    block: Block
    pops: dict[SSAValue, SSAValue] = field(default_factory=dict)  # forward value -> popped value
    last_pop: Operation | None = None
    pushed: int = 0  # how many of `pops` the forward block pushes
    first_push: Operation | None = None


class ReverseSweep:
    """Differentiates one primal function body into forward code plus its pullback.

    Args:
        driver: the pass state; gives split-mode functions for calls and the function's activity.
        primal: the function being differentiated.
        wrt: the positions of the parameters it is differentiated with respect to.
        forward_map: primal value -> forward value, filled by cloning the body.
        forward_ops: primal op -> its clone in the forward code.
        fwd_tape / rev_tape: the tape in the forward code and in the pullback.
        direct_block: the primal block whose values the pullback may use directly (inline requests).
    """

    def __init__(self, driver: Differentiator, primal: func.FuncOp, wrt: tuple[int, ...],
                 forward_map: dict[SSAValue, SSAValue],
                 forward_ops: dict[Operation, Operation], fwd_tape: SSAValue, rev_tape: SSAValue,
                 direct_block: Block | None):
        self.driver = driver
        self.function = primal
        self.varied = driver.activity(primal, wrt)
        _refuse_tapes(primal, self.varied)
        self.forward_map = forward_map
        self.forward_ops = forward_ops
        self.fwd_tape = fwd_tape
        self.rev_tape = rev_tape
        self.direct_block = direct_block
        self.pullbacks: dict[Block, _BlockPullback] = {}
        self.insert_block: Block | None = None
        self.insert_before: Operation | None = None
        self.location = None
        self._active_calls: dict[Operation, bool] = {}
        self._forward_dims: dict[SSAValue, list[SSAValue]] = {}
        self._tape_free: dict[SSAValue, bool] = {}
        self._recomputed: dict[tuple[SSAValue, Block], SSAValue] = {}
        # primal `scf.for` body -> (its reverse loop's counter, trip count) while its pullback is built
        self._reverse_counters: dict[Block, tuple[SSAValue, SSAValue]] = {}

    # ----------------------------------------------------------------------------------------------
    # The helpers rules use
    # ----------------------------------------------------------------------------------------------

    def emit(self, op: Operation) -> SSAValue | None:
        """Emits `op` into the pullback at the current primal op's location; returns its result."""
        if isinstance(op, (arith.CmpfOp, arith.CmpiOp)) and isinstance(op.lhs.type, TensorType):
            op.results[0]._type = TensorType(IntegerType(1), op.lhs.type.get_shape())
        if self.location is not None:
            op.location = self.location
        if self.insert_before is not None:
            self.insert_block.insert_op_before(op, self.insert_before)
        else:
            self.insert_block.add_op(op)
        return op.results[0] if op.results else None

    def const(self, value: float | int, like: Attribute | SSAValue) -> SSAValue:
        """A constant of scalar type `like`, or filling an array the shape of the value `like`."""
        t = like.type if isinstance(like, SSAValue) else like
        element = _element(t)
        attr = FloatAttr(float(value), element) if isinstance(element, AnyFloat) else IntegerAttr(int(value), element)
        scalar = self.emit(arith.ConstantOp(attr))
        if not isinstance(t, TensorType):
            return scalar
        return self.emit(SplatOp(scalar, self.dims_of(like), t))

    def dims_of(self, v: SSAValue) -> list[SSAValue]:
        """The dimensions of a tensor available in the pullback, as `index` values."""
        return [self.emit(tensor.DimOp(v, self.const(axis, IndexType()))) for axis in range(len(v.type.get_shape()))]

    def scale(self, ct: SSAValue, factor: SSAValue, *, divide: bool = False) -> SSAValue:
        """`ct * factor` (or `ct / factor`) with a strong zero (`ad.mul` / `ad.div`): where the
        cotangent is zero the result is zero, even where the local derivative is infinite or NaN.

        Every rule multiplies through here, so a value whose cotangent is zero on this run (the other
        side of an `np.where`, a branch or loop iteration whose result was not used) contributes
        nothing, not `0 * inf = nan` (JAX's "NaN through where" trap). A plain `arith` op is enough
        where the cotangent is a nonzero constant or the factor a finite one; a constant zero factor
        gives zero outright (the value it scales varies with nothing).
        """
        if not divide and _constant_value(factor) == 0:
            return self.zero_like(ct)  # `x * 0` varies with nothing, even where its cotangent is infinite
        if _nonzero_constant(ct) or (not divide and _finite_constant(factor)):
            return self.emit(arith.DivfOp(ct, factor) if divide else arith.MulfOp(ct, factor))
        return self.emit(ad.DivOp(ct, factor) if divide else ad.MulOp(ct, factor))

    def zero(self, t: Attribute) -> SSAValue:
        return self.emit(ad.ZeroOp(t))

    def zero_like(self, v: SSAValue) -> SSAValue:
        """A zero cotangent of the type and shape of `v`, a value available in the pullback."""
        return self.emit(ad.ZeroOp(v.type, like=v)) if isinstance(v.type, TensorType) else self.zero(v.type)

    def zero_of(self, v: SSAValue) -> SSAValue:
        """A zero cotangent for primal value `v` (for an array, shaped from its saved dimensions)."""
        if not isinstance(v.type, TensorType):
            return self.zero(v.type)
        return self.emit(SplatOp(self.const(0.0, _element(v.type)), self.primal_dims(v), v.type))

    def primal_dims(self, v: SSAValue) -> list[SSAValue]:
        """The dimensions of primal array `v`, usable in the pullback. Only these integers are saved,
        never the array itself, so an array's shape costs a few tape slots inside a loop."""
        if _defining_block(v) is not self.direct_block and self._tape_free_value(v):
            return self.dims_of(self.primal(v))
        forward = self.forward_map[v]
        dims = self._forward_dims.get(forward)
        if dims is None:
            dims = self._emit_forward_dims(forward)
            self._forward_dims[forward] = dims
        return [self.residual(d, _defining_block(v)) for d in dims]

    def _emit_forward_dims(self, forward: SSAValue) -> list[SSAValue]:
        ops: list[Operation] = []
        dims = []
        for axis in range(len(forward.type.get_shape())):
            index = arith.ConstantOp(IntegerAttr(axis, IndexType()))
            dim = tensor.DimOp(forward, index)
            ops += [index, dim]
            dims.append(dim.result)
        location = self.location
        if location is None:
            location = self.function.location if isinstance(forward, BlockArgument) else forward.owner.location
        for op in ops:
            op.location = location
        if isinstance(forward, BlockArgument):
            block = forward.block
            if block.first_op is not None:
                block.insert_ops_before(ops, block.first_op)
            else:
                block.add_ops(ops)
        else:
            forward.owner.parent_block().insert_ops_after(ops, forward.owner)
        return dims

    def scatter(self, array: SSAValue, indices: list[SSAValue], value: SSAValue) -> Scatter:
        """The cotangent of primal array `array` from reading element `indices` with cotangent `value`."""
        return Scatter(array.type, self.primal_dims(array), indices, value)

    def slice_scatter(self, array: SSAValue, offsets: list[SSAValue], sizes: list[SSAValue],
                      strides: list[SSAValue], axes: list[int], value: SSAValue) -> SliceScatter:
        """The cotangent of primal array `array` from reading a basic slice with cotangent `value`."""
        return SliceScatter(array.type, self.primal_dims(array), offsets, sizes, strides, axes, value)

    def gather_scatter(self, array: SSAValue, indices: list[SSAValue], layout: tuple[list[int], int],
                       value: SSAValue) -> GatherScatter:
        """The cotangent of primal array `array` from a gather (`indices`, `(axes, position)`) with
        cotangent `value`."""
        return GatherScatter(array.type, self.primal_dims(array), indices, *layout, value)

    def dense(self, ct: SSAValue | Scatter | SliceScatter | GatherScatter | None) -> SSAValue | None:
        """`ct` as an SSA value (a sparse cotangent becomes zeros with its part set)."""
        return ct.dense(self) if isinstance(ct, SPARSE) else ct

    def add(self, a, b) -> SSAValue:
        """The sum of two cotangents of one value (Zygote's `accum`); sparse ones are added in place."""
        if isinstance(a, SPARSE) and isinstance(b, SPARSE):
            return SparseSum(_sparse_parts(a) + _sparse_parts(b))
        if isinstance(b, SPARSE):
            return b.add_into(self, a)
        if isinstance(a, SPARSE):
            return a.add_into(self, b)
        return self.emit(ad.AddOp(a, b))

    def active(self, v: SSAValue) -> bool:
        return v in self.varied

    def primal(self, v: SSAValue) -> SSAValue:
        """A primal value, usable at the current point of the pullback."""
        if isinstance(v.owner, arith.ConstantOp):
            return self.emit(v.owner.clone())
        block = _defining_block(v)
        if block is self.direct_block:
            return self.forward_map[v]
        if self._tape_free_value(v) or isinstance(v.owner, _EXPANDING) or (
                isinstance(v.owner, _RECOMPUTED) and not self._reads_saved_array(v.owner)):
            return self._recompute(v)
        return self.residual(self.forward_map[v], block)

    def _reads_saved_array(self, op: Operation) -> bool:
        """Whether recomputing `op` would read an array from the tape: `tensor.dim` of a loop-carried
        buffer would then save the whole buffer every iteration, where saving the dimension costs
        one slot."""
        return any(isinstance(v.type, TensorType) and not self._tape_free_value(v) for v in op.operands)

    def _tape_free_value(self, v: SSAValue) -> bool:
        """Whether the pullback can recompute `v` without reading anything from the tape."""
        known = self._tape_free.get(v)
        if known is not None:
            return known
        if _defining_block(v) is self.direct_block:
            known = True
        elif isinstance(v, BlockArgument):
            known = v.block in self._reverse_counters and v.index == 0
        elif isinstance(v.owner, arith.ConstantOp):
            known = True
        elif isinstance(v.owner, _RECOMPUTED + _REMATERIALISED) and not (
                isinstance(v.type, TensorType) and not isinstance(v.owner, _CHEAP_ARRAYS)):
            known = all(self._tape_free_value(operand) for operand in v.owner.operands)
        else:
            known = False
        self._tape_free[v] = known
        return known

    def _recompute(self, v: SSAValue) -> SSAValue:
        """Emits `v` again from its operands (once per pullback block: emission there is in order)."""
        key = (v, self.insert_block)
        known = self._recomputed.get(key)
        if known is not None:
            return known
        if isinstance(v, BlockArgument):
            result = self._reverse_induction_variable(v)
        else:
            mapping = {operand: self.primal(operand) for operand in v.owner.operands}
            result = self.emit(v.owner.clone(value_mapper=mapping))
        self._recomputed[key] = result
        return result

    def _reverse_induction_variable(self, iv: BlockArgument) -> SSAValue:
        """The primal `scf.for` induction variable of the iteration the reverse loop is undoing:
        `lb + (trip_count - 1 - r) * step` for reverse counter `r`."""
        counter, trip_count = self._reverse_counters[iv.block]
        loop = iv.block.parent_op()
        one = self.const(1, counter.type)
        k = self.emit(arith.SubiOp(self.emit(arith.SubiOp(trip_count, one)), counter))
        if _constant_value(loop.step) != 1:
            k = self.emit(arith.MuliOp(k, self.primal(loop.step)))
        if _constant_value(loop.lb) != 0:
            k = self.emit(arith.AddiOp(self.primal(loop.lb), k))
        return k

    def residual(self, forward_value: SSAValue, primal_block: Block) -> SSAValue:
        """`forward_value` (defined in the forward clone of `primal_block`) in the pullback."""
        if primal_block is self.direct_block:
            return forward_value
        pullback = self.pullbacks[primal_block]
        popped = pullback.pops.get(forward_value)
        if popped is not None:
            return popped
        pop = ad.PopOp(self.rev_tape, forward_value.type)
        if self.location is not None:  # None after the sweep: a zero gradient's shape is popped at the end
            pop.location = self.location
        if pullback.last_pop is not None:
            pullback.block.insert_op_after(pop, pullback.last_pop)
        elif pullback.block.first_op is not None:
            pullback.block.insert_op_before(pop, pullback.block.first_op)
        else:
            pullback.block.add_op(pop)
        pullback.last_pop = pop
        pullback.pops[forward_value] = pop.results[0]
        return pop.results[0]

    def accumulate(self, cts: dict[SSAValue, SSAValue], v: SSAValue, ct: SSAValue | Scatter | None) -> None:
        """Adds `ct` to the cotangent of primal value `v` (Zygote's `accum`)."""
        if ct is None or v not in self.varied:
            return
        previous = cts.get(v)
        cts[v] = ct if previous is None else self.add(previous, ct)

    # ----------------------------------------------------------------------------------------------
    # Sweeping blocks
    # ----------------------------------------------------------------------------------------------

    def pull_block(self, primal_block: Block, into: Block, cts: dict[SSAValue, SSAValue],
                   before: Operation | None = None) -> None:
        """Emits the pullback of `primal_block` into `into` (before `before`), updating `cts`.

        On entry `cts` holds the cotangents of the values the block yields or returns; on exit it
        also holds those of its arguments and of the outer values it reads.
        """
        pullback = _BlockPullback(primal_block, into)
        self.pullbacks[primal_block] = pullback
        saved = self.insert_block, self.insert_before, self.location
        self.insert_block, self.insert_before = into, before
        for op in reversed(list(primal_block.ops)):
            if op is primal_block.last_op and op.has_trait(IsTerminator):
                continue
            if not self.is_active(op):
                continue
            self.location = op.location
            self.pull_op(op, cts)
        self.insert_block, self.insert_before, self.location = saved
        self.save_residuals(primal_block)

    def save_residuals(self, primal_block: Block) -> None:
        """Pushes, at the end of the forward clone of `primal_block`, the residuals its pullback popped
        since the last call. The tape is a stack: the pushes come in the reverse order of the pops,
        so later pops (a zero gradient's dimensions, popped after the sweep) push first."""
        pullback = self.pullbacks[primal_block]
        if primal_block is self.direct_block or pullback.pushed == len(pullback.pops):
            return
        forward_block = self._forward_block(primal_block)
        terminator = forward_block.last_op
        anchor = pullback.first_push or terminator
        for value in list(pullback.pops)[pullback.pushed:]:
            push = ad.PushOp(self.fwd_tape, value)
            push.location = terminator.location
            forward_block.insert_op_before(push, anchor)
            anchor = push
        pullback.first_push, pullback.pushed = anchor, len(pullback.pops)

    def _forward_block(self, primal_block: Block) -> Block:
        parent = primal_block.parent_op()
        if parent is self.function:
            return self.forward_entry
        clone = self.forward_ops[parent]
        region_index = parent.regions.index(primal_block.parent_region())
        return clone.regions[region_index].block

    def is_active(self, op: Operation) -> bool:
        if any(r in self.varied for r in op.results):
            return True
        return bool(op.regions) and self._contains_active_call(op)

    def _contains_active_call(self, op: Operation) -> bool:
        known = self._active_calls.get(op)
        if known is None:
            known = any(isinstance(inner, func.CallOp) and self.is_active(inner) for inner in op.walk())
            self._active_calls[op] = known
        return known

    def pull_op(self, op: Operation, cts: dict[SSAValue, SSAValue]) -> None:
        if isinstance(op, scf.IfOp):
            return self.pull_if(op, cts)
        if isinstance(op, scf.ForOp):
            return self.pull_for(op, cts)
        if isinstance(op, scf.WhileOp):
            return self.pull_while(op, cts)
        if isinstance(op, func.CallOp):
            return self.pull_call(op, cts)
        out_cts = [self.dense(cts.pop(r, None)) for r in op.results]
        if all(ct is None for ct in out_cts):
            return
        rule = PULLBACK_RULES.get(type(op))
        if rule is None:
            raise NoDerivativeError(f"no derivative rule for '{op.name}'", _source_loc(op))
        out_cts = [ct if ct is not None else self.zero_of(r) for ct, r in zip(out_cts, op.results)]
        for operand, ct in zip(op.operands, rule(self, op, out_cts), strict=True):
            self.accumulate(cts, operand, ct)

    # ----------------------------------------------------------------------------------------------
    # Structured control flow and calls
    # ----------------------------------------------------------------------------------------------

    def _free_values(self, op: Operation, regions) -> list[SSAValue]:
        """Varied values defined outside `op` that the given regions read."""
        free: dict[SSAValue, None] = {}
        for region in regions:
            for inner in region.walk():
                for v in inner.operands:
                    if v in self.varied and not op.is_ancestor(_defining_block(v)):
                        free[v] = None
        return list(free)

    def _seed(self, cts: dict[SSAValue, SSAValue], values, seeds) -> dict[SSAValue, SSAValue]:
        inner: dict[SSAValue, SSAValue] = {}
        for v, ct in zip(values, seeds):
            self.accumulate(inner, v, ct)
        return inner

    def pull_if(self, op: scf.IfOp, cts: dict[SSAValue, SSAValue]) -> None:
        """Reverse of `scf.if`: the same condition selects the pullback of the branch that ran."""
        out_cts = [self.dense(cts.pop(r, None)) for r in op.results]
        regions = [r for r in op.regions if r.blocks]
        free = self._free_values(op, regions)
        incoming = self._take_dense(cts, free)
        cond = self.primal(op.cond)
        blocks = []
        for region in op.regions:
            block = Block()
            if region.blocks:
                primal_block = region.block
                inner = self._seed(cts, primal_block.last_op.operands, out_cts)
                for v, ct in incoming.items():
                    self.accumulate(inner, v, ct)
                self.pull_block(primal_block, block, inner)
                yielded = [self._dense_in(block, inner.get(v)) for v in free]
            else:
                yielded = [incoming.get(v) for v in free]
            self._emit_into(block, scf.YieldOp(*self._materialise(block, yielded, free)))
            blocks.append(block)
        if_op = scf.IfOp(cond, [v.type for v in free], [blocks[0]], [blocks[1]])
        self.emit(if_op)
        for v, ct in zip(free, if_op.results):
            self.accumulate(cts, v, ct)

    def _take_dense(self, cts: dict[SSAValue, SSAValue], free: list[SSAValue]) -> dict[SSAValue, SSAValue]:
        """Removes from `cts` and returns the dense cotangents the free values of a region already have.

        A branch's or loop's pullback starts from them and adds its own in place, instead of starting
        from zeros and adding its result to them afterwards: one zero-filled array and one sum fewer per
        array (a recursion's `if` around its loop: the cofactor determinant's pullback filled and added
        three n x n arrays a call). A sparse cotangent stays where it is (made dense, it would cost the
        array it saves).
        """
        incoming = {}
        for v in free:
            ct = cts.get(v)
            if ct is not None and not isinstance(ct, SPARSE):
                incoming[v] = cts.pop(v)
        return incoming

    def pull_for(self, op: scf.ForOp, cts: dict[SSAValue, SSAValue]) -> None:
        """Reverse of `scf.for`: an `scf.for` over the trip count running the body's pullback."""
        body = op.body.block
        yields = body.last_op.operands
        carried = self._active_slots(list(body.args[1:]), yields)
        trip_count = self.residual(self._forward_trip_count(op), op.parent_block())
        self._pull_loop(op, body, cts, carried, trip_count,
                        results=list(op.results), yields=yields, args=list(body.args[1:]),
                        inits=list(op.iter_args))

    def pull_while(self, op: scf.WhileOp, cts: dict[SSAValue, SSAValue]) -> None:
        """Reverse of `scf.while`: like a `for` loop over the counted number of iterations."""
        before, after = op.before_region.block, op.after_region.block
        condition = before.last_op
        if list(condition.args) != list(before.args):
            raise NoDerivativeError(
                "cannot differentiate an scf.while whose condition region changes the loop values",
                _source_loc(op))
        carried = self._active_slots(list(after.args), after.last_op.operands)
        trip_count = self.residual(self.while_counts[op], op.parent_block())
        self._pull_loop(op, after, cts, carried, trip_count, results=list(op.results),
                        yields=after.last_op.operands, args=list(after.args), inits=list(op.arguments))

    def _active_slots(self, args: list[SSAValue], yields) -> list[int]:
        """The loop-carried slots a cotangent flows through: those whose body argument or yielded value
        is active (a result that reaches the output makes its yield active, even where the body's
        argument does not)."""
        return [i for i, (arg, yielded) in enumerate(zip(args, yields))
                if arg in self.varied or yielded in self.varied]

    def _pull_loop(self, op, body: Block, cts, carried: list[int], trip_count: SSAValue, *, results,
                   yields, args, inits) -> None:
        free = self._free_values(op, [body.parent_region()])
        carried_types = [args[i].type for i in carried]
        start = [self.dense(cts.pop(results[i], None)) for i in carried]
        for i in range(len(results)):
            cts.pop(results[i], None)
        start = [ct if ct is not None else self.zero_of(results[i]) for ct, i in zip(start, carried)]
        incoming = self._take_dense(cts, free)
        zeros = [incoming[v] if v in incoming else self.zero_of(v) for v in free]
        index_type = trip_count.type
        loop_body = Block(arg_types=[index_type, *carried_types, *[v.type for v in free]])
        carried_in = loop_body.args[1:1 + len(carried)]
        free_in = loop_body.args[1 + len(carried):]
        inner = self._seed(cts, [yields[i] for i in carried], list(carried_in))
        if isinstance(op, scf.ForOp):
            self._reverse_counters[body] = (loop_body.args[0], trip_count)
        poll = InterruptCheckOp()  # the reverse loop runs as long as the forward one: Ctrl-C stops it too
        poll.location = op.location
        loop_body.add_op(poll)
        self.pull_block(body, loop_body, inner)
        self._reverse_counters.pop(body, None)
        next_carried = [inner.get(args[i]) for i in carried]
        next_free = [inner.get(v) for v in free]
        saved = self.insert_block, self.insert_before
        self.insert_block, self.insert_before = loop_body, None
        next_carried = [self.dense(ct) if ct is not None else self.zero_like(ct_in)
                        for ct, ct_in in zip(next_carried, carried_in)]
        next_free = [acc if ct is None else self.add(acc, ct) for acc, ct in zip(free_in, next_free)]
        self.emit(scf.YieldOp(*next_carried, *next_free))
        self.insert_block, self.insert_before = saved
        zero, one = self.const(0, index_type), self.const(1, index_type)
        loop = scf.ForOp(zero, trip_count, one, [*start, *zeros], loop_body)
        self.emit(loop)
        for i, ct in zip(carried, loop.results[: len(carried)]):
            self.accumulate(cts, inits[i], ct)
        for v, ct in zip(free, loop.results[len(carried):]):
            self.accumulate(cts, v, ct)

    def pull_call(self, op: func.CallOp, cts: dict[SSAValue, SSAValue]) -> None:
        """Split mode: the forward code calls `g_fwd` (which saves g's residuals on the tape) and the
        pullback calls `g_bwd`, which pops them and returns one cotangent per float parameter.

        A checkpointed call (`ad.checkpoint`) saves nothing but its arguments: the forward code calls
        plain `g`, and the pullback reruns `g_fwd` on the arguments onto a tape of its own, which
        `g_bwd` then empties."""
        _, bwd_name, float_params = self._split_functions(op)
        carrying = [op.results[i] for i in float_indices([r.type for r in op.results])]
        out_cts = {r: self.dense(cts.pop(r, None)) for r in op.results}
        out_cts = [out_cts[r] if out_cts[r] is not None else self.zero_of(r) for r in carrying]
        tape = self._rerun_forward(op) if ad.is_checkpointed(op) else self.rev_tape
        bwd = func.CallOp(bwd_name, [*out_cts, tape], [op.operands[i].type for i in float_params])
        self.emit(bwd)
        if tape is not self.rev_tape:
            self.emit(ad.TapeFreeOp(tape))
        for i, ct in zip(float_params, bwd.results):
            self.accumulate(cts, op.operands[i], ct)

    def _rerun_forward(self, op: func.CallOp) -> SSAValue:
        """Emits, for checkpointed call `op`, `g_fwd` on its arguments (from the tape) onto a new tape;
        returns that tape."""
        fwd_name, _, _ = self._split_functions(op)
        arguments = [self.primal(v) for v in op.operands]
        tape = self.emit(ad.TapeNewOp())
        self.emit(func.CallOp(fwd_name, [*arguments, tape], [r.type for r in op.results]))
        return tape

    # ----------------------------------------------------------------------------------------------
    # Forward-code additions
    # ----------------------------------------------------------------------------------------------

    def prepare_forward(self) -> None:
        """The primal sweep proper: turns active calls (but checkpointed ones) into split-mode `g_fwd`
        calls and counts the iterations of active `scf.while` loops, before any residual of theirs is
        requested."""
        self.while_counts: dict[scf.WhileOp, SSAValue] = {}
        for op in list(self.function.body.walk()):
            if isinstance(op, func.CallOp) and self.is_active(op) and not _in_while_condition(op) \
                    and not ad.is_checkpointed(op):
                self._split_forward_call(op)
            elif isinstance(op, scf.WhileOp) and self.is_active(op):
                self.while_counts[op] = self._forward_while_count(op)
            elif isinstance(op, TryEnterOp) and op.tape is None:
                self._cut_back_on_failure(op)

    def _cut_back_on_failure(self, op: TryEnterOp) -> None:
        """A `try` in the forward code cuts the tape back when its body fails: the residuals the
        body's nested blocks and callees pushed before failing would misalign the pops."""
        forward = self.forward_ops[op]
        with_tape = TryEnterOp(self.fwd_tape)
        with_tape.location = forward.location
        forward.parent_block().insert_op_before(with_tape, forward)
        self._replace_forward(op, forward, with_tape)

    def _split_forward_call(self, op: func.CallOp) -> None:
        fwd_name, _, _ = self._split_functions(op)
        forward = self.forward_ops[op]
        split_call = func.CallOp(fwd_name, [*forward.operands, self.fwd_tape], [r.type for r in forward.results])
        split_call.location = forward.location
        forward.parent_block().insert_op_before(split_call, forward)
        self._replace_forward(op, forward, split_call)

    def _split_functions(self, op: func.CallOp) -> tuple[str, str, tuple[int, ...]]:
        """The split-mode pair of the callee of `op`, differentiated with respect to the parameters
        whose operands vary here (a constant argument gets no cotangent in the callee either)."""
        wrt = tuple(i for i, v in enumerate(op.operands) if v in self.varied)
        return self.driver.split_functions(op.callee.root_reference.data, _source_loc(op), wrt)

    def _replace_forward(self, op: Operation, old: Operation, new: Operation) -> None:
        """Swaps the forward clone of `op` for `new`, which has the same results (and maybe more)."""
        for old_result, new_result in zip(old.results, new.results):
            old_result.replace_all_uses_with(new_result)
        for value, fwd_value in list(self.forward_map.items()):
            if fwd_value.owner is old:
                self.forward_map[value] = new.results[fwd_value.index]
        self.forward_ops[op] = new
        old.parent_block().erase_op(old)

    def _forward_trip_count(self, op: scf.ForOp) -> SSAValue:
        """max(ceildiv(ub - lb, step), 0), computed in the forward code right after the loop."""
        forward = self.forward_ops[op]
        block = forward.parent_block()
        t = forward.lb.type
        zero = arith.ConstantOp(IntegerAttr(0, t))
        span = arith.SubiOp(forward.ub, forward.lb)
        count = arith.CeilDivSIOp(span, forward.step)
        clamped = arith.MaxSIOp(count, zero)
        new_ops = [zero, span, count, clamped]
        for new in new_ops:
            new.location = forward.location
        block.insert_ops_after(new_ops, forward)
        return clamped.result

    def _forward_while_count(self, op: scf.WhileOp) -> SSAValue:
        """Rebuilds the forward `scf.while` with an extra i64 iteration counter; returns its result."""
        forward = self.forward_ops[op]
        i64 = IntegerType(64)
        block = forward.parent_block()
        zero = arith.ConstantOp(IntegerAttr(0, i64))
        zero.location = forward.location
        block.insert_op_before(zero, forward)
        before = forward.before_region.block
        after = forward.after_region.block
        count_before = before.insert_arg(i64, len(before.args))
        count_after = after.insert_arg(i64, len(after.args))
        condition = before.last_op
        new_condition = scf.ConditionOp(condition.condition, *condition.args, count_before)
        new_condition.location = condition.location
        before.insert_op_before(new_condition, condition)
        before.erase_op(condition)
        yield_op = after.last_op
        one = arith.ConstantOp(IntegerAttr(1, i64))
        incremented = arith.AddiOp(count_after, one)
        new_yield = scf.YieldOp(*yield_op.operands, incremented)
        for new in (one, incremented, new_yield):
            new.location = yield_op.location
            after.insert_op_before(new, yield_op)
        after.erase_op(yield_op)
        before_region, after_region = forward.before_region, forward.after_region
        forward.detach_region(before_region)
        forward.detach_region(after_region)
        counted = scf.WhileOp([*forward.arguments, zero], [*forward.result_types, i64], before_region, after_region)
        counted.location = forward.location
        block.insert_op_before(counted, forward)
        self._replace_forward(op, forward, counted)
        return counted.results[-1]

    # ----------------------------------------------------------------------------------------------

    def _emit_into(self, block: Block, op: Operation) -> None:
        saved = self.insert_block, self.insert_before
        self.insert_block, self.insert_before = block, None
        self.emit(op)
        self.insert_block, self.insert_before = saved

    def _materialise(self, block: Block, cts: list[SSAValue | None], like: list[SSAValue]) -> list[SSAValue]:
        saved = self.insert_block, self.insert_before
        self.insert_block, self.insert_before = block, None
        out = [ct if ct is not None else self.zero_of(v) for ct, v in zip(cts, like)]
        self.insert_block, self.insert_before = saved
        return out

    def _dense_in(self, block: Block, ct):
        saved = self.insert_block, self.insert_before
        self.insert_block, self.insert_before = block, None
        out = self.dense(ct)
        self.insert_block, self.insert_before = saved
        return out


def float_indices(types) -> list[int]:
    """The positions of the types that carry cotangents: floats and float arrays."""
    return [i for i, t in enumerate(types) if ad.carries_gradient(t)]


def _nonzero_constant(v: SSAValue) -> bool:
    value = _constant_value(v)
    return value is not None and value != 0


def _finite_constant(v: SSAValue) -> bool:
    value = _constant_value(v)
    return value is not None and math.isfinite(value)


def _constant_value(v: SSAValue) -> int | float | None:
    if isinstance(v.owner, arith.ConstantOp) and hasattr(v.owner.value, "value"):
        return v.owner.value.value.data
    return None


def _in_while_condition(op: Operation) -> bool:
    """Whether `op` computes a loop condition (the `before` region of an `scf.while`)."""
    region = op.parent_region()
    while region is not None:
        parent = region.parent_op()
        if isinstance(parent, scf.WhileOp) and region is parent.before_region:
            return True
        region = parent.parent_region() if parent is not None else None
    return False


def _source_loc(op: Operation) -> SourceLoc | None:
    loc = op.location
    if hasattr(loc, "filename"):
        return SourceLoc(loc.filename.data, loc.line.data, loc.column.data - 1)
    return None
