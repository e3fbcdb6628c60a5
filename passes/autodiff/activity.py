"""Activity analysis: which float values carry a gradient from the inputs to the result.

In: a `func.func` and the positions of its differentiated arguments (by default every float one). Out:
the set of active SSA values, those that are both

- varied: they depend on a differentiated argument (found forwards from the arguments), and
- useful: they reach a float result of the function (found backwards from its `func.return`).

`ad.stop_gradient` varies with nothing, whatever its operand. Integers and booleans are never active (they carry no gradient): a value that reaches the result only
through a comparison, `int()` or `floor` is not useful, and `a - a` varies with nothing. An inactive
value emits no adjoint code, so a value that cannot reach the result contributes nothing to the
gradient, not `0 * inf`. Loop-carried values are solved to a fixpoint in both directions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from xdsl.dialects import arith, func, scf
from xdsl.dialects.builtin import AnyFloat, TensorType
from xdsl.ir import Operation, SSAValue
from zyg.dialects import ad

Mark = Callable[[SSAValue], None]


def is_float(v: SSAValue) -> bool:
    """Whether `v` can carry a cotangent: a float or a float array."""
    t = v.type.element_type if isinstance(v.type, TensorType) else v.type
    return isinstance(t, AnyFloat)


def _tracked(v: SSAValue) -> bool:
    """Whether the analysis follows `v`: a float, or a tape (a varied value pushed on a tape makes
    what is popped from it varied; without this the dependence through the tape would be lost)."""
    return is_float(v) or isinstance(v.type, ad.TapeType)


def tapes_of(op: Operation) -> list[SSAValue]:
    """The tape operands of `op` that carry values of the differentiated code: not a host call's,
    whose arrays are Python's and constants to the autodiff."""
    return [v for v in op.operands if isinstance(v.type, ad.TapeType) and not ad.TapeNewOp.is_host_call(v)]


def active_values(fn: func.FuncOp, wrt: tuple[int, ...] | None = None) -> set[SSAValue]:
    """The values of `fn` that depend on its float arguments at positions `wrt` (all of them when
    `wrt` is None) and reach one of its float results: floats, and the tapes that carry such values
    from a push to a pop (which reverse mode refuses, see `reverse._refuse_tapes`)."""
    args = fn.body.block.args
    seeds = args if wrt is None else [args[i] for i in wrt]
    return _fixpoint(list(fn.body.walk()), _propagate_forward, seeds) & _useful(fn)


def _fixpoint(ops: list[Operation], propagate: Callable[[Operation, set[SSAValue], Mark], None],
              seeds) -> set[SSAValue]:
    found: set[SSAValue] = {v for v in seeds if is_float(v)}
    changed = True

    def mark(v: SSAValue) -> None:
        nonlocal changed
        if v not in found and _tracked(v):
            found.add(v)
            changed = True

    while changed:
        changed = False
        for op in ops:
            propagate(op, found, mark)
    return found


def varied_values(fn: func.FuncOp, wrt: tuple[int, ...] | None = None,
                  sources: Iterable[SSAValue] = ()) -> set[SSAValue]:
    """The float values of `fn` that depend on one of its float arguments at positions `wrt`, or on
    one of the values `sources` (forward mode: values popped from a tape, which carry a tangent)."""
    args = fn.body.block.args
    seeds = [*(args if wrt is None else [args[i] for i in wrt]), *sources]
    return {v for v in _fixpoint(list(fn.body.walk()), _propagate_forward, seeds) if is_float(v)}


def useful_values(fn: func.FuncOp) -> set[SSAValue]:
    """The float values of `fn` that one of its float results depends on through float operations."""
    return {v for v in _useful(fn) if is_float(v)}


def _useful(fn: func.FuncOp) -> set[SSAValue]:
    """`useful_values`, and the tapes that carry them."""
    # Backwards: visiting ops in reverse order settles straight-line code in one pass.
    return _fixpoint(list(fn.body.walk(reverse=True)), _propagate_backward, fn.body.block.last_op.operands)


def _propagate_forward(op: Operation, varied: set[SSAValue], mark: Mark) -> None:
    if isinstance(op, scf.YieldOp):
        parent = op.parent_op()
        for index, v in enumerate(op.operands):
            if v not in varied:
                continue
            if isinstance(parent, (scf.IfOp, scf.ForOp)):
                mark(parent.results[index])
            if isinstance(parent, scf.ForOp):
                mark(parent.body.block.args[index + 1])
            if isinstance(parent, scf.WhileOp):
                mark(parent.before_region.block.args[index])
        return
    if isinstance(op, scf.ConditionOp):
        loop = op.parent_op()
        for index, v in enumerate(op.args):
            if v in varied:
                mark(loop.after_region.block.args[index])
                mark(loop.results[index])
        return
    if isinstance(op, scf.ForOp):
        for index, v in enumerate(op.iter_args):
            if v in varied:
                mark(op.body.block.args[index + 1])
        return
    if isinstance(op, scf.WhileOp):
        for index, v in enumerate(op.arguments):
            if v in varied:
                mark(op.before_region.block.args[index])
        return
    if isinstance(op, (scf.IfOp, ad.StopGradientOp)) or _constant_in_its_operand(op):
        return
    if any(v in varied for v in op.operands):
        for r in op.results:
            mark(r)
        for tape in tapes_of(op):  # a push, or a call that may push, of a varied value
            mark(tape)


def _constant_in_its_operand(op: Operation) -> bool:
    """`a - a` and `a / a`: 0 and 1 wherever they are finite, whatever `a` is, so they vary with
    nothing (their derivative is exactly 0; the chain rule through them would give `inf - inf`
    where a singular function such as `sqrt` reads them)."""
    return isinstance(op, (arith.SubfOp, arith.DivfOp)) and op.lhs is op.rhs


def _propagate_backward(op: Operation, useful: set[SSAValue], mark: Mark) -> None:
    """A value is useful where an op uses it to compute a useful value: a yield's operand feeds the
    results and loop arguments of its slot, a loop's initial value its first iteration (or its result
    when the loop runs no iteration)."""
    if isinstance(op, scf.YieldOp):
        parent = op.parent_op()
        for index, v in enumerate(op.operands):
            if isinstance(parent, scf.IfOp):
                slot = [parent.results[index]]
            elif isinstance(parent, scf.ForOp):
                slot = [parent.results[index], parent.body.block.args[index + 1]]
            elif isinstance(parent, scf.WhileOp):
                slot = [parent.before_region.block.args[index]]
            else:
                slot = list(parent.results)
            if any(s in useful for s in slot):
                mark(v)
        return
    if isinstance(op, scf.ConditionOp):
        loop = op.parent_op()
        for index, v in enumerate(op.args):
            if loop.after_region.block.args[index] in useful or loop.results[index] in useful:
                mark(v)
        return
    if isinstance(op, scf.ForOp):
        for index, v in enumerate(op.iter_args):
            if op.body.block.args[index + 1] in useful or op.results[index] in useful:
                mark(v)
        return
    if isinstance(op, scf.WhileOp):
        for index, v in enumerate(op.arguments):
            if op.before_region.block.args[index] in useful:
                mark(v)
        return
    if isinstance(op, scf.IfOp):
        return
    if any(r in useful for r in op.results) or any(t in useful for t in tapes_of(op)):
        for v in op.operands:  # what is pushed on a tape that feeds a useful value is useful
            mark(v)
