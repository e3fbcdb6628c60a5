"""Activity analysis: which float values depend on the differentiated inputs.

In: a `func.func` and the positions of its differentiated arguments (by default every float one). Out:
the set of "varied" SSA values. Integers and booleans are never varied (they carry no gradient), and a
value computed only from constants and undifferentiated arguments is not either, so neither emits
adjoint code. Loop-carried values are solved to a fixpoint.
"""

from __future__ import annotations

from xdsl.dialects import func, scf
from xdsl.dialects.builtin import AnyFloat, TensorType
from xdsl.ir import Operation, SSAValue


def _is_float(v: SSAValue) -> bool:
    t = v.type.element_type if isinstance(v.type, TensorType) else v.type
    return isinstance(t, AnyFloat)


def varied_values(fn: func.FuncOp, wrt: tuple[int, ...] | None = None) -> set[SSAValue]:
    """The float values of `fn` that depend on one of its float arguments at positions `wrt` (all of
    them when `wrt` is None)."""
    args = fn.body.block.args
    seeds = args if wrt is None else [args[i] for i in wrt]
    varied: set[SSAValue] = {a for a in seeds if _is_float(a)}
    changed = True

    def mark(v: SSAValue) -> None:
        nonlocal changed
        if v not in varied and _is_float(v):
            varied.add(v)
            changed = True

    while changed:
        changed = False
        for op in fn.body.walk():
            _propagate(op, varied, mark)
    return varied


def _propagate(op: Operation, varied: set[SSAValue], mark) -> None:
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
    if isinstance(op, scf.IfOp):
        return
    if any(v in varied for v in op.operands):
        for r in op.results:
            mark(r)
