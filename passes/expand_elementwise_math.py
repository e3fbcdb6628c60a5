"""`expand-elementwise-math`: `math.exp/expm1/log/log1p/tanh` in `linalg.generic` bodies -> `arith`.

In: lowered IR (after `lower-zyg-*`). Out: the same IR where each of these ops on f64 or f32 inside a
`linalg.generic` body is replaced by the branch-free polynomial expansion of `math_approximations`
in its own type. Those bodies become the elementwise loops, which LLVM vectorises only when they
call no library function; scalar code keeps its libm calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import math
from xdsl.dialects.builtin import ModuleOp
from xdsl.dialects.linalg.ops import GenericOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern
from zyg.passes import math_approximations as approx
from zyg.passes.rewrite_each_op import rewrite_each_op

Expansion = Callable[[approx.Approximation, SSAValue], SSAValue]


def expand_in_loop_body(op: Operation, rewriter: PatternRewriter, expansion: Expansion) -> None:
    """Replaces the unary float op `op` by `expansion` of its operand if `op` is in a
    `linalg.generic` body and is f64 or f32; leaves it alone otherwise."""
    if not isinstance(op.parent_op(), GenericOp):
        return
    fmt = approx.FORMATS.get(op.results[0].type)
    if fmt is None:
        return
    a = approx.Approximation(fmt)
    result = expansion(a, op.operands[0])
    for new in a.ops:
        new.location = op.location
    rewriter.replace(op, a.ops, [result])


class ExpandExp(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.ExpOp, rewriter: PatternRewriter, /):
        """Expands `math.exp` in a loop body to `math_approximations.exp`."""
        expand_in_loop_body(op, rewriter, approx.exp)


class ExpandExpM1(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.ExpM1Op, rewriter: PatternRewriter, /):
        """Expands `math.expm1` in a loop body to `math_approximations.expm1`."""
        expand_in_loop_body(op, rewriter, approx.expm1)


class ExpandLog(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.LogOp, rewriter: PatternRewriter, /):
        """Expands `math.log` in a loop body to `math_approximations.log`."""
        expand_in_loop_body(op, rewriter, approx.log)


class ExpandLog1p(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.Log1pOp, rewriter: PatternRewriter, /):
        """Expands `math.log1p` in a loop body to `math_approximations.log1p`."""
        expand_in_loop_body(op, rewriter, approx.log1p)


class ExpandTanh(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.TanhOp, rewriter: PatternRewriter, /):
        """Expands `math.tanh` in a loop body to `math_approximations.tanh`."""
        expand_in_loop_body(op, rewriter, approx.tanh)


@dataclass(frozen=True)
class ExpandElementwiseMathPass(ModulePass):
    """Expands exp, expm1, log, log1p and tanh in elementwise loop bodies into vectorisable `arith`."""

    name = "expand-elementwise-math"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        rewrite_each_op(op, {math.ExpOp: ExpandExp(), math.ExpM1Op: ExpandExpM1(), math.LogOp: ExpandLog(),
                             math.Log1pOp: ExpandLog1p(), math.TanhOp: ExpandTanh()})
