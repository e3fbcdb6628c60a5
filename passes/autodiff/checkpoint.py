"""Checkpointed loops for reverse mode: segments of a loop, each recomputed in the pullback.

In: a function whose `scf.for` / `scf.while` loops may carry the `ad.checkpoint` mark (the frontend's
`zyg.checkpointed`). Out: a copy of the function, outside the module, that `ad-differentiate`
differentiates in its place: each outermost marked loop becomes a loop over segments whose body is one
call, marked `ad.checkpoint`, of a new private function of the module, `@<f>_segment<k>`, that runs
that segment's iterations of the original loop (nested marked loops are segmented when that function
is differentiated). The reverse sweep treats a marked call as a checkpoint (`ReverseSweep.pull_call`):
the forward code calls the plain function and saves only its arguments (the carried state at the
segment's start), and the pullback reruns the segment with taping, on a tape of its own, then runs its
pullback. The tape so holds one state per segment plus one segment's residuals at a time; every
iteration runs twice forwards. The function as the user calls it keeps its plain loops.

Schedules (two-level, the state saved at the start of each segment):
- `scf.for` with n iterations: segments of s = ceil(sqrt(n)) iterations, so ceil(n / s) <= sqrt(n) + 1
  saved states and at most s iterations' residuals: O(sqrt n) memory.
- `scf.while`, whose trip count is unknown until it ends: segment j (from 0) runs at most j + 1
  iterations. After n iterations m ~ sqrt(2n) segments have run, so m saved states and at most m
  iterations' residuals: O(sqrt n) memory, with no need to know n in advance.
"""

from __future__ import annotations

from xdsl.dialects import arith, func, math, scf
from xdsl.dialects.builtin import IndexType, IntegerAttr, ModuleOp, UnitAttr
from xdsl.ir import Attribute, Block, BlockArgument, Operation, Region, SSAValue
from zyg.dialects import ad
from zyg.errors import NoDerivativeError
from zyg.frontend.types import F64, I1, I64
from zyg.passes.autodiff.reverse import _source_loc


def segmented(fn: func.FuncOp, module: ModuleOp, functions: dict[str, func.FuncOp]) -> func.FuncOp:
    """`fn` itself when it has no checkpointed loop, else a copy (not in the module) whose outermost
    checkpointed loops run as segments; each segment function is added to `module` and `functions`."""
    if not any(_is_marked_loop(op) for op in fn.walk()):
        return fn
    copy = fn.clone()
    outermost = [op for op in copy.walk() if _is_marked_loop(op) and not _inside_marked_loop(op, copy)]
    for loop in outermost:
        name = _fresh_name(f"{fn.sym_name.data}_segment", functions)
        segment = _segment_for(loop, name) if isinstance(loop, scf.ForOp) else _segment_while(loop, name)
        segment.location = loop.location
        module.body.block.add_op(segment)
        functions[name] = segment
    return copy


def _is_marked_loop(op: Operation) -> bool:
    return isinstance(op, (scf.ForOp, scf.WhileOp)) and ad.is_checkpointed(op)


def _inside_marked_loop(op: Operation, fn: func.FuncOp) -> bool:
    parent = op.parent_op()
    while parent is not None and parent is not fn:
        if _is_marked_loop(parent):
            return True
        parent = parent.parent_op()
    return False


def _fresh_name(prefix: str, functions: dict[str, func.FuncOp]) -> str:
    k = 0
    while f"{prefix}{k}" in functions:
        k += 1
    return f"{prefix}{k}"


class _Emitter:
    """Appends ops to `block`, or inserts them before `before`, at the loop's location."""

    def __init__(self, loop: Operation, block: Block | None = None, before: Operation | None = None):
        self.location, self.block, self.before = loop.location, block, before

    def __call__(self, op: Operation) -> SSAValue | None:
        op.location = self.location
        if self.before is not None:
            self.before.parent_block().insert_op_before(op, self.before)
        else:
            self.block.add_op(op)
        return op.results[0] if op.results else None

    def const(self, value: int, t: Attribute) -> SSAValue:
        return self(arith.ConstantOp(IntegerAttr(value, t)))


def _free_values(loop: Operation) -> list[SSAValue]:
    """The values defined outside `loop` that its regions read, in order of first use."""
    free: dict[SSAValue, None] = {}
    for region in loop.regions:
        for inner in region.walk():
            for v in inner.operands:
                block = v.block if isinstance(v, BlockArgument) else v.owner.parent_block()
                if not loop.is_ancestor(block):
                    free[v] = None
    return list(free)


def _outline(name: str, loop: Operation, leading: list[Attribute], state: list[SSAValue],
             result_types: list[Attribute], build) -> tuple[func.FuncOp, list[SSAValue]]:
    """A private function `@name(leading..., state..., free...)` whose body `build(emit, leading_args,
    state_args)` makes from `loop`'s regions; returns it and the outer free values to pass. Constants
    are copied in rather than passed, so the segment's code folds as the loop's did."""
    free = _free_values(loop)
    passed = [v for v in free if not isinstance(v.owner, arith.ConstantOp)]
    entry = Block(arg_types=[*leading, *[v.type for v in state], *[v.type for v in passed]])
    emit = _Emitter(loop, entry)
    inner = build(emit, list(entry.args[: len(leading)]), list(entry.args[len(leading): len(leading) + len(state)]))
    inside = dict(zip(passed, entry.args[len(leading) + len(state):]))
    for v in free:
        replacement = inside[v] if v in inside else _insert_before(inner, v.owner.clone()).results[0]
        v.replace_uses_with_if(replacement, lambda use: inner.is_ancestor(use.operation))
    emit(func.ReturnOp(*inner.results))
    segment = func.FuncOp(name, (list(entry.arg_types), result_types), Region(entry), visibility="private")
    return segment, passed


def _insert_before(anchor: Operation, op: Operation) -> Operation:
    op.location = anchor.location
    anchor.parent_block().insert_op_before(op, anchor)
    return op


def _segment_for(loop: scf.ForOp, name: str) -> func.FuncOp:
    """Replaces `scf.for` `loop` by a loop over segments of ceil(sqrt(n)) iterations, each a checkpointed
    call of the returned `@name(lo, hi, step, state..., free...)`, which runs `for iv = lo to hi step step`
    with the loop's body."""
    t = loop.lb.type
    state_types = [v.type for v in loop.iter_args]

    def build(emit: _Emitter, bounds: list[SSAValue], state: list[SSAValue]) -> Operation:
        inner = scf.ForOp(*bounds, state, loop.detach_region(loop.body))
        emit(inner)
        return inner

    segment, passed = _outline(name, loop, [t, t, t], list(loop.iter_args), state_types, build)
    emit = _Emitter(loop, before=loop)
    zero, one = emit.const(0, t), emit.const(1, t)
    n = emit(arith.MaxSIOp(emit(arith.CeilDivSIOp(emit(arith.SubiOp(loop.ub, loop.lb)), loop.step)), zero))
    length = _sqrt_length(emit, n)
    body = Block(arg_types=[t, *state_types])
    inside = _Emitter(loop, body)
    first = inside(arith.MuliOp(body.args[0], length))
    last = inside(arith.MinSIOp(inside(arith.AddiOp(first, length)), n))
    lo, hi = (inside(arith.AddiOp(loop.lb, inside(arith.MuliOp(k, loop.step)))) for k in (first, last))
    call = inside(_checkpointed_call(name, [lo, hi, loop.step, *body.args[1:], *passed], state_types)).owner
    inside(scf.YieldOp(*call.results))
    segments = emit(scf.ForOp(zero, emit(arith.CeilDivSIOp(n, length)), one, list(loop.iter_args), body)).owner
    _replace(loop, segments.results)
    return segment


def _sqrt_length(emit: _Emitter, n: SSAValue) -> SSAValue:
    """max(ceil(sqrt(n)), 1), in n's integer type."""
    count = n if n.type == I64 else emit(arith.IndexCastOp(n, I64))
    root = emit(math.CeilOp(emit(math.SqrtOp(emit(arith.SIToFPOp(count, F64))))))
    length = emit(arith.MaxSIOp(emit(arith.FPToSIOp(root, I64)), emit.const(1, I64)))
    return length if n.type == I64 else emit(arith.IndexCastOp(length, IndexType()))


def _segment_while(loop: scf.WhileOp, name: str) -> func.FuncOp:
    """Replaces `scf.while` `loop` by a loop over segments, segment j running at most j + 1 iterations:
    a checkpointed call of the returned `@name(limit, state..., free...) -> (state..., count)`, which
    runs the loop while its condition holds and fewer than `limit` iterations have run. The segments
    go on while one runs its full `limit`."""
    before, after = loop.before_region.block, loop.after_region.block
    condition = before.last_op
    if list(condition.args) != list(before.args):
        raise NoDerivativeError("cannot checkpoint an scf.while whose condition region changes the loop values",
                                _source_loc(loop))
    state_types = [v.type for v in loop.arguments]

    def build(emit: _Emitter, leading: list[SSAValue], state: list[SSAValue]) -> Operation:
        (limit,) = leading
        _count_iterations(loop, before, after, limit)
        before_region, after_region = loop.before_region, loop.after_region
        inner = scf.WhileOp([*state, emit.const(0, I64)], [*state_types, I64],
                            loop.detach_region(before_region), loop.detach_region(after_region))
        emit(inner)
        return inner

    segment, passed = _outline(name, loop, [I64], list(loop.arguments), [*state_types, I64], build)
    emit = _Emitter(loop, before=loop)
    carried = [*state_types, I64, I1]  # the state, the segment number j, whether to go on
    test = Block(arg_types=carried)
    _Emitter(loop, test)(scf.ConditionOp(test.args[-1], *test.args))
    body = Block(arg_types=carried)
    inside = _Emitter(loop, body)
    limit = inside(arith.AddiOp(body.args[-2], inside.const(1, I64)))
    call = inside(_checkpointed_call(name, [limit, *body.args[:-2], *passed], [*state_types, I64])).owner
    full = inside(arith.CmpiOp(call.results[-1], limit, "eq"))
    inside(scf.YieldOp(*call.results[:-1], limit, full))
    initial = [*loop.arguments, emit.const(0, I64), emit.const(1, I1)]
    segments = emit(scf.WhileOp(initial, carried, [test], [body])).owner
    _replace(loop, segments.results[: len(state_types)])
    return segment


def _count_iterations(loop: scf.WhileOp, before: Block, after: Block, limit: SSAValue) -> None:
    """Adds an iteration count to `loop`'s regions: the condition becomes `count < limit and (the
    condition)`, evaluated only below the limit; the body yields `count + 1`."""
    count = before.insert_arg(I64, len(before.args))
    condition = before.last_op
    holds = Block()
    for op in list(before.ops)[:-1]:
        before.detach_op(op)
        holds.add_op(op)
    holds.add_op(scf.YieldOp(condition.condition))
    stop = Block()
    _Emitter(loop, stop)(scf.YieldOp(_Emitter(loop, stop)(arith.ConstantOp(IntegerAttr(0, I1)))))
    emit = _Emitter(loop, before=condition)
    below = emit(arith.CmpiOp(count, limit, "slt"))
    go = emit(scf.IfOp(below, [I1], [holds], [stop]))
    emit(scf.ConditionOp(go, *before.args))
    before.erase_op(condition)
    step = after.insert_arg(I64, len(after.args))
    yielded = after.last_op
    emit = _Emitter(loop, before=yielded)
    emit(scf.YieldOp(*yielded.operands, emit(arith.AddiOp(step, emit.const(1, I64)))))
    after.erase_op(yielded)


def _checkpointed_call(name: str, arguments: list[SSAValue], result_types: list[Attribute]) -> func.CallOp:
    call = func.CallOp(name, arguments, result_types)
    call.attributes[ad.CHECKPOINT] = UnitAttr()
    return call


def _replace(loop: Operation, results) -> None:
    for old, new in zip(loop.results, results, strict=True):
        old.replace_all_uses_with(new)
    loop.parent_block().erase_op(loop)


def drop_checkpoint_marks(module: Operation) -> None:
    """Removes the checkpoint marks once every reverse request is answered: they have done their job."""
    for inner in module.walk():
        inner.attributes.pop(ad.CHECKPOINT, None)
