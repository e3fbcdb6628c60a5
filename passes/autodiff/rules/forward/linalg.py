"""Tangent rules for the linear-algebra ops: einsum and the LU-based solve, inv, det, slogdet.

Each tangent is again NumPy-level: an einsum's is one einsum per varying input (product rule), a
solve's is a solve, and the products the rules need are einsums.
"""

from __future__ import annotations

from xdsl.dialects import arith
from zyg.dialects.zyg_linalg import DetOp, EinsumOp, InvOp, SlogdetOp, SolveOp
from zyg.passes.autodiff.rules.linalg import _einsum


def tangent_einsum(ctx, op: EinsumOp, tangents):
    """z = einsum(x_1, ..., x_n)  =>  dz = sum_k einsum(x_1, ..., dx_k, ..., x_n)"""
    dz = None
    for k, dx in enumerate(tangents[: len(op.inputs)]):
        if dx is not None:
            operands = [dx if i == k else ctx.primal(v) for i, v in enumerate(op.operands)]
            dz = ctx.add(dz, ctx.substitute(op, operands)[0])
    return [dz]


def _trace_product(ctx, inverse, da):
    """trace(inv(A) dA), an f64 scalar."""
    return _einsum(ctx, "ij,ji->", [inverse, da], [])


def tangent_solve(ctx, op: SolveOp, tangents):
    """x = solve(A, b)  =>  dx = solve(A, db - dA x)"""
    da, db = tangents
    rhs = db
    if da is not None:
        x = ctx.primal(op.result)
        spec = "ij,j->i" if len(x.type.get_shape()) == 1 else "ij,jk->ik"
        rhs = ctx.add(rhs, ctx.negate(_einsum(ctx, spec, [da, x], ctx.primal_dims(op.b))))
    return [ctx.emit(SolveOp(ctx.primal(op.a), rhs))]


def tangent_inv(ctx, op: InvOp, tangents):
    """Z = inv(A)  =>  dZ = -Z dA Z"""
    (da,) = tangents
    z = ctx.primal(op.result)
    return [ctx.negate(_einsum(ctx, "ij,jk,kl->il", [z, da, z], ctx.primal_dims(op.a)))]


def tangent_det(ctx, op: DetOp, tangents):
    """d = det(A)  =>  dd = d * trace(inv(A) dA) (A must be nonsingular)"""
    (da,) = tangents
    inverse = ctx.emit(InvOp(ctx.primal(op.a)))
    return [ctx.emit(arith.MulfOp(ctx.primal(op.result), _trace_product(ctx, inverse, da)))]


def tangent_slogdet(ctx, op: SlogdetOp, tangents):
    """(s, l) = slogdet(A)  =>  ds = 0 (piecewise constant), dl = trace(inv(A) dA)"""
    (da,) = tangents
    return [None, _trace_product(ctx, ctx.emit(InvOp(ctx.primal(op.a))), da)]


LINALG_TANGENTS = {
    EinsumOp: tangent_einsum,
    SolveOp: tangent_solve,
    InvOp: tangent_inv,
    DetOp: tangent_det,
    SlogdetOp: tangent_slogdet,
}
