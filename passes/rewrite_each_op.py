"""One rewrite per op, chosen by the op's type: the lowering passes' driver.

In: a module and a table from op types to the pattern that rewrites ops of that type. Out: the module
with each op of a listed type, as the walk found them, given to its pattern once; the ops a rewrite
creates are not visited (as xDSL's `PatternRewriteWalker` with `apply_recursively=False`), and no
other op is touched.

Why not that walker with a `GreedyRewritePatternApplier`: it offers every op of the module to every
pattern (each an `isinstance` against an op class, whose ABC metaclass makes it slow) and checks each
op for being dead. For a module where few ops match, that is most of the pass: bundle adjustment's
gradient, `expand-elementwise-math` 30 -> 6 ms. Dead ops are left to upstream's canonicalization.
The passes written as functions of a `Builder` rather than patterns have the same loop over their
own tables (`lower_zyg_tensors.apply_lowerings`).
"""

from __future__ import annotations

from collections.abc import Mapping

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern


def rewrite_each_op(module: ModuleOp, patterns: Mapping[type[Operation], RewritePattern]) -> None:
    """Applies `patterns[type(op)]` to each op of `module` whose type is listed, in walk order."""
    for op in [op for op in module.walk() if type(op) in patterns]:
        if op.parent is not None:  # not erased by an earlier rewrite
            patterns[type(op)].match_and_rewrite(op, PatternRewriter(op))
