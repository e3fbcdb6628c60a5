"""Pullback rules for requests inside differentiated code: reverse over reverse, as forward over reverse.

A request `ad.grad` / `ad.vjp` met by the reverse sweep (the outer request is answered first, so the
inner one is still an op) is differentiated without looking inside its answer, whose tapes reverse
mode cannot see through:

    g = grad_w h(a)              (w: the positions `wrt`)
    a_ct = d/da <g_ct, g> = H(a) d,   d = g_ct at the positions w, 0 at the other float arguments

where H is the Hessian of h in all its float arguments: the tangent of `grad h` (with respect to every
float argument, `@<h>_grad_all`) along d, one `ad.jvp`. For `ad.vjp` (values y = h(a) and
g = J_w(a)^T s for seeds s), the values add `J(a)^T y_ct` (one `ad.vjp` with the seeds y_ct), the
gradients add `d/da <g_ct, J_w^T s>` = the tangent of `J^T s` along d, and the seeds get
`s_ct = J_w d`, the tangent of the values: both from one `ad.jvp` of `@<h>_vjp_all`. The requests
these rules emit are answered later by the passes, innermost first where they must be.
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.ir import Block, Region, SSAValue
from zyg.dialects import ad


def _float_positions(values) -> list[int]:
    return [i for i, v in enumerate(values) if ad.carries_gradient(v.type)]


def _all_float_request(ctx, op, kind: str) -> str:
    """The symbol of `@<h>_<kind>_all`: the request `op` (its callee, argument types and, for a vjp,
    seed types) differentiated with respect to every float argument, as a function of the arguments
    (and seeds) returning what that request returns."""
    callee = op.callee.root_reference.data
    arg_types = [a.type for a in op.arguments]
    seed_types = [s.type for s in op.seeds] if kind == "vjp" else []
    name = f"{callee}_{kind}_all"
    driver = ctx.driver
    if name in driver.functions:
        return name
    block = Block(arg_types=[*arg_types, *seed_types])
    args = list(block.args[: len(arg_types)])
    if kind == "vjp":
        value_types = [v.type for v in op.values]
        request = ad.VjpOp(callee, args, list(block.args[len(arg_types):]), value_types)
        results = [*request.values, *request.gradients]
    else:
        request = ad.GradOp(callee, args)
        results = list(request.gradients)
    request.location = op.location
    block.add_op(request)
    block.add_op(func.ReturnOp(*results))
    function = func.FuncOp(name, ([*arg_types, *seed_types], [r.type for r in results]), Region(block),
                           visibility="private")
    function.location = driver.functions[callee].location
    driver.module.body.block.add_op(function)
    driver.functions[name] = function
    return name


def _direction(ctx, op, gradient_cts) -> list[SSAValue]:
    """d: the gradients' cotangents at the positions `wrt`, zeros at the other float arguments."""
    by_position = dict(zip(op.wrt_indices, gradient_cts, strict=True))
    return [by_position[i] if i in by_position else ctx.zero_of(op.arguments[i])
            for i in _float_positions(op.arguments)]


def _scatter_floats(op, values: list[SSAValue]) -> list[SSAValue | None]:
    """One cotangent per argument of `op`: `values` at its float arguments, in order; None elsewhere."""
    out: list[SSAValue | None] = [None] * len(op.arguments)
    for i, v in zip(_float_positions(op.arguments), values, strict=True):
        out[i] = v
    return out


def pullback_grad(ctx, op: ad.GradOp, cts):
    """g = grad_w h(a)  =>  a_ct = H(a) d  (d: g_ct at w, 0 elsewhere), the tangent of
    `grad h` along d (one `ad.jvp` of `@<h>_grad_all`)."""
    name = _all_float_request(ctx, op, "grad")
    primals = [ctx.primal(a) for a in op.arguments]
    gradient_types = [op.arguments[i].type for i in _float_positions(op.arguments)]
    jvp = ad.JvpOp(name, primals, _direction(ctx, op, cts), gradient_types)
    ctx.emit(jvp)
    return _scatter_floats(op, list(jvp.result_tangents))


def pullback_vjp(ctx, op: ad.VjpOp, cts):
    """(y, g) = (h(a), J_w(a)^T s)  =>  a_ct = J(a)^T y_ct + d/da <g_ct, J_w^T s>  and  s_ct = J_w d
    (d: g_ct at w, 0 elsewhere): an `ad.vjp` of h with the seeds y_ct, and the tangents of
    `@<h>_vjp_all` along (d, 0), whose values' tangents are J d and gradients' tangents the second term."""
    values, gradients = len(op.values), len(op.gradients)
    value_cts, gradient_cts = cts[:values], cts[values:values + gradients]
    name = _all_float_request(ctx, op, "vjp")
    primals = [ctx.primal(a) for a in op.arguments]
    seeds = [ctx.primal(s) for s in op.seeds]
    floats = _float_positions(op.arguments)
    tangents = [*_direction(ctx, op, gradient_cts), *(ctx.zero_of(s) for s in op.seeds)]
    result_types = [*(v.type for v in op.values), *(op.arguments[i].type for i in floats)]
    jvp = ad.JvpOp(name, [*primals, *seeds], tangents, result_types)
    ctx.emit(jvp)
    tangent_values = list(jvp.result_tangents)
    float_values = [v for v in op.values if ad.carries_gradient(v.type)]
    seed_cts, second_order = tangent_values[:len(float_values)], tangent_values[len(float_values):]
    value_seeds = [ct for ct, v in zip(value_cts, op.values) if ad.carries_gradient(v.type)]
    first_order = ad.VjpOp(op.callee.root_reference.data, primals, value_seeds, [v.type for v in op.values])
    ctx.emit(first_order)
    argument_cts = [ctx.add(a, b) for a, b in zip(first_order.gradients, second_order, strict=True)]
    return [*_scatter_floats(op, argument_cts), *seed_cts]


REQUEST_RULES = {ad.GradOp: pullback_grad, ad.VjpOp: pullback_vjp}
