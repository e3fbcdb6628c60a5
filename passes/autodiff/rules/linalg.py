"""Pullback rules for the linear-algebra ops: einsum and the LU-based solve, inv, det, slogdet.

Every adjoint is again a NumPy-level op: an einsum's adjoint is one einsum per input, a solve's
adjoint is a solve with the transpose, and the products the rules need are einsums (which also
transpose and scale for free).
"""

from __future__ import annotations

from xdsl.dialects import arith
from xdsl.dialects.builtin import TensorType
from zyg.dialects import ad
from zyg.dialects.zyg_arrays import TransposeOp
from zyg.dialects.zyg_linalg import DetOp, EinsumOp, InvOp, SlogdetOp, SolveOp


def _element(v):
    return v.type.element_type if isinstance(v.type, TensorType) else v.type


def _einsum(ctx, spec: str, inputs, dims):
    return ctx.emit(EinsumOp(inputs, dims, spec, _element(inputs[0])))


def pullback_einsum(ctx, op: EinsumOp, cts):
    """z[o] = sum prod_k x_k[s_k]  =>  x_k_ct = einsum(x_j for j != k, z_ct; s_j..., o -> s_k)
    (letters of s_k found nowhere else broadcast; a repeated letter in s_k gets the diagonal only)"""
    (ct,) = cts
    subscripts, output = op.subscripts
    inputs = list(op.inputs)
    result = []
    for k, x in enumerate(inputs):
        if not ctx.active(x):
            result.append(None)
            continue
        others = [j for j in range(len(inputs)) if j != k]
        spec = ",".join([*(subscripts[j] for j in others), output]) + "->" + subscripts[k]
        dims = ctx.primal_dims(x) if isinstance(x.type, TensorType) else []
        result.append(_einsum(ctx, spec, [*(ctx.primal(inputs[j]) for j in others), ct], dims))
    return result + [None] * len(op.dims)


def pullback_solve(ctx, op: SolveOp, cts):
    """x = solve(A, b)  =>  b_ct = solve(A^T, x_ct), A_ct = -b_ct x^T (summed over b's columns)"""
    (ct,) = cts
    a_t = ctx.emit(TransposeOp(ctx.primal(op.a), [1, 0]))
    b_ct = ctx.emit(SolveOp(a_t, ct))
    a_ct = None
    if ctx.active(op.a):
        spec = "i,j->ij" if len(ct.type.get_shape()) == 1 else "ik,jk->ij"
        outer = _einsum(ctx, spec, [b_ct, ctx.primal(op.result)], ctx.primal_dims(op.a))
        a_ct = ctx.emit(arith.NegfOp(outer))
    return [a_ct, b_ct if ctx.active(op.b) else None]


def pullback_inv(ctx, op: InvOp, cts):
    """Z = inv(A)  =>  A_ct = -Z^T Z_ct Z^T"""
    (ct,) = cts
    z = ctx.primal(op.result)
    dims = ctx.primal_dims(op.a)
    left = _einsum(ctx, "ki,kl->il", [z, ct], dims)
    return [ctx.emit(arith.NegfOp(_einsum(ctx, "il,jl->ij", [left, z], dims)))]


def _inverse_transpose_scaled(ctx, a, scale):
    """scale * inv(A)^T, the shared part of the det and slogdet adjoints."""
    inverse = ctx.emit(InvOp(ctx.primal(a)))
    return _einsum(ctx, "ji,->ij", [inverse, scale], ctx.primal_dims(a))


def pullback_det(ctx, op: DetOp, cts):
    """d = det(A)  =>  A_ct = d_ct * d * inv(A)^T (A must be nonsingular for the gradient)"""
    (ct,) = cts
    scale = ctx.emit(arith.MulfOp(ct, ctx.primal(op.result)))
    return [_inverse_transpose_scaled(ctx, op.a, scale)]


def pullback_slogdet(ctx, op: SlogdetOp, cts):
    """(s, l) = slogdet(A)  =>  A_ct = l_ct * inv(A)^T (the sign is piecewise constant)"""
    _, logabs_ct = cts
    if isinstance(logabs_ct.owner, ad.ZeroOp):
        return [None]
    return [_inverse_transpose_scaled(ctx, op.a, logabs_ct)]


LINALG_RULES = {
    EinsumOp: pullback_einsum,
    SolveOp: pullback_solve,
    InvOp: pullback_inv,
    DetOp: pullback_det,
    SlogdetOp: pullback_slogdet,
}
