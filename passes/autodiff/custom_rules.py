"""Split-mode pairs from custom reverse rules: `ad.rule_fwd` / `ad.rule_bwd` instead of a function's body.

In: a `func.func` whose attributes name its rule's hooks (`zyg.dialects.ad`, set by the frontend for
`zyg.rrule` and `zyg.custom_vjp`). Out: its pair for `ad-differentiate`, of the signatures the driver
gives every pair:

- `@<f>_fwd(args..., tape) -> results`: calls `@rule_fwd`, pushes the residuals it returns after the
  results (once per call: a rule called in a loop saves them per iteration), returns the results;
- `@<f>_bwd(float result cotangents..., tape) -> cotangents of the arguments at wrt`: pops the
  residuals and calls `@rule_bwd`, which returns one cotangent per float argument.

The hooks are ordinary functions, so the pair stays differentiable (higher order).
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import SymbolRefAttr
from xdsl.ir import Block, Region
from zyg.dialects import ad


def rule_hooks(fn: func.FuncOp) -> tuple[str, str] | None:
    """The symbols of `fn`'s `ad.rule_fwd` and `ad.rule_bwd`, or None without a reverse rule."""
    fwd, bwd = fn.attributes.get(ad.RULE_FWD), fn.attributes.get(ad.RULE_BWD)
    if not isinstance(fwd, SymbolRefAttr) or not isinstance(bwd, SymbolRefAttr):
        return None
    return fwd.root_reference.data, bwd.root_reference.data


def rule_pair(primal: func.FuncOp, rule_fwd: func.FuncOp, rule_bwd: func.FuncOp, names: tuple[str, str],
              wrt: tuple[int, ...]) -> tuple[func.FuncOp, func.FuncOp]:
    """The `(fwd, bwd)` pair of `primal` named `names`, differentiated with respect to its float
    arguments at `wrt`, from its rule's hooks."""
    inputs = list(primal.function_type.inputs.data)
    outputs = list(primal.function_type.outputs.data)
    fwd_outputs = list(rule_fwd.function_type.outputs.data)
    residual_types = fwd_outputs[len(outputs):]
    location = primal.location

    fwd_entry = Block(arg_types=[*inputs, ad.TapeType()])
    tape = fwd_entry.args[-1]
    call = func.CallOp(rule_fwd.sym_name.data, list(fwd_entry.args[:-1]), fwd_outputs)
    pushes = [ad.PushOp(tape, r) for r in call.results[len(outputs):]]
    fwd_entry.add_ops([call, *pushes, func.ReturnOp(*call.results[: len(outputs)])])

    float_outputs = [t for t in outputs if ad.carries_gradient(t)]
    bwd_entry = Block(arg_types=[*float_outputs, ad.TapeType()])
    pops = [ad.PopOp(bwd_entry.args[-1], t) for t in reversed(residual_types)]  # last pushed, first popped
    residuals = [pop.value for pop in reversed(pops)]
    float_inputs = [i for i, t in enumerate(inputs) if ad.carries_gradient(t)]
    pull = func.CallOp(rule_bwd.sym_name.data, [*residuals, *bwd_entry.args[:-1]], [inputs[i] for i in float_inputs])
    gradients = [pull.results[float_inputs.index(i)] for i in wrt]
    bwd_entry.add_ops([*pops, pull, func.ReturnOp(*gradients)])

    fwd = func.FuncOp(names[0], ([*inputs, ad.TapeType()], outputs), Region(fwd_entry), visibility="private")
    bwd = func.FuncOp(names[1], ([*float_outputs, ad.TapeType()], [inputs[i] for i in wrt]), Region(bwd_entry),
                      visibility="private")
    for op in (*fwd_entry.ops, *bwd_entry.ops, fwd, bwd):
        op.location = location
    return fwd, bwd
