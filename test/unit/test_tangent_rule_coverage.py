"""Forward mode covers what reverse mode covers: every op with a pullback rule has a tangent rule, and
so does every op the reverse pass can emit (accumulation, zeros, strong-zero products, tapes, the ops
its rules build and the primal ops it recomputes), so `ad-jvp` can run over any gradient's code
(forward over reverse).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil

import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.traits import IsTerminator
from zyg.dialects import ad
from zyg.passes.autodiff import driver, reverse, rules
from zyg.passes.autodiff.forward import SWEPT_OPS
from zyg.passes.autodiff.rules import PULLBACK_RULES
from zyg.passes.autodiff.rules.forward import TANGENT_RULES

REVERSE_MODULES = [driver, reverse] + [
    importlib.import_module(f"{rules.__name__}.{info.name}")
    for info in pkgutil.iter_modules(rules.__path__) if info.name != "forward"]


def _referenced_ops(module) -> set[type[Operation]]:
    """The op classes `module`'s source names (`arith.AddfOp`, `SplatOp`, ...): those it can build."""
    found: set[type[Operation]] = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        value = None
        if isinstance(node, ast.Name):
            value = module.__dict__.get(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            value = getattr(module.__dict__.get(node.value.id), node.attr, None)
        if isinstance(value, type) and issubclass(value, Operation) and value is not Operation:
            found.add(value)
    return found


def _covered(op: type[Operation]) -> bool:
    return op in TANGENT_RULES or op in SWEPT_OPS or op.has_trait(IsTerminator)


# Requests are answered before forward mode runs over the code that holds them (`ordering`): their
# pullback rules (reverse over reverse) have no tangent rule to match.
REQUESTS = {ad.GradOp, ad.VjpOp, ad.ForwardOp, ad.BackwardOp, ad.JvpOp, ad.JacobianOp}


@pytest.mark.parametrize("op", sorted(set(PULLBACK_RULES) - REQUESTS, key=lambda op: op.name), ids=lambda op: op.name)
def test_every_op_with_a_pullback_rule_has_a_tangent_rule(op):
    assert op in TANGENT_RULES, f"'{op.name}' has a pullback rule but no tangent rule"


def test_every_op_the_reverse_pass_emits_has_a_tangent_rule():
    emitted = set().union(*map(_referenced_ops, REVERSE_MODULES))
    emitted -= REQUESTS  # the requests it answers, and emits in second-order pullbacks
    emitted -= {ModuleOp, func.FuncOp}  # where code lives, not code
    assert {ad.AddOp, ad.ZeroOp, ad.MulOp, ad.PushOp, ad.PopOp, ad.TapeNewOp} <= emitted
    missing = sorted(op.name for op in emitted if not _covered(op))
    assert not missing, f"the reverse pass can emit these ops, which have no tangent rule: {missing}"


def test_every_tangent_rule_says_its_math():
    missing = sorted(op.name for op, rule in TANGENT_RULES.items() if not (rule.__doc__ or "").strip())
    assert not missing, f"tangent rules without their math in a docstring: {missing}"
