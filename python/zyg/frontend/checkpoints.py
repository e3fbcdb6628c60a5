"""Frontend of checkpointing: `zyg.checkpoint(f)` calls and `zyg.checkpointed(...)` loops.

In: the call of a `zyg.checkpoint` function, and a `for` loop over `zyg.checkpointed(iterable)` or a
`while zyg.checkpointed(condition):` loop. Out: the call (`func.call`) or the loop (`scf.for`, or
`scf.while` where the loop may end early) built as usual, with the `ad.checkpoint` mark that reverse
mode reads (`zyg.passes.autodiff.checkpoint`); without differentiation the mark changes nothing.
"""

from __future__ import annotations

import ast
import types

from xdsl.dialects.builtin import UnitAttr
from xdsl.ir import Operation

from zyg.checkpoint import Checkpointed, checkpoint, checkpointed
from zyg.dialects import ad
from zyg.errors import UnsupportedSyntaxError, ZygTypeError

_MARKER_USE = ("zyg.checkpointed() marks a loop: write `for i in zyg.checkpointed(range(n)):` or "
               "`while zyg.checkpointed(condition):`")


def mark_checkpointed(op: Operation) -> None:
    """Marks a call or a loop `ad.checkpoint`."""
    op.attributes[ad.CHECKPOINT] = UnitAttr()


class CheckpointCodegen:
    """Mixin of `FunctionCodegen`: which loops are checkpointed (`checkpointed_loops`, node ids), and
    checkpointed calls."""

    checkpointed_loops: set[int]

    def loop_part(self, loop: ast.For | ast.While) -> ast.expr:
        """A `for` loop's iterable or a `while` loop's test, without the `zyg.checkpointed(...)`
        around it; notes a loop so marked."""
        expr = loop.iter if isinstance(loop, ast.For) else loop.test
        if not (isinstance(expr, ast.Call) and self.static_value(expr.func, quiet=True) is checkpointed):
            return expr
        if len(expr.args) != 1 or expr.keywords or isinstance(expr.args[0], ast.Starred):
            self.error(expr, f"zyg.checkpointed() takes one argument; {_MARKER_USE}", ZygTypeError)
        self.checkpointed_loops.add(id(loop))
        return expr.args[0]

    def mark_checkpointed(self, loop: ast.AST, op: Operation) -> None:
        """Marks `op`, the loop built for `loop`, if `loop` is checkpointed."""
        if id(loop) in self.checkpointed_loops:
            mark_checkpointed(op)

    def call_checkpoint_api(self, node: ast.Call, callee: object) -> object | None:
        """A call of a `zyg.checkpoint` function (the call marked `ad.checkpoint`), an error for a call
        of `zyg.checkpointed` outside a loop header or of `zyg.checkpoint` itself, or None for any other
        callee."""
        if callee is checkpointed:
            self.error(node, _MARKER_USE, UnsupportedSyntaxError)
        if callee is checkpoint:
            self.error(node, "zyg.checkpoint() in compiled code: apply it where the function is defined "
                       "(`@zyg.checkpoint`, or `g = zyg.checkpoint(f)` at module level)", UnsupportedSyntaxError)
        if not isinstance(callee, Checkpointed):
            return None
        if not isinstance(callee.fn, types.FunctionType):
            self.error(node, f"zyg.checkpoint of '{getattr(callee.fn, '__name__', callee.fn)}': only Python "
                       "functions can be checkpointed", UnsupportedSyntaxError)
        args, kwargs = self.call_arguments(node)
        bound = self.bind_arguments(node, callee.fn, args, kwargs)
        return self.call_compiled(node, callee.fn, bound, checkpoint=True)
