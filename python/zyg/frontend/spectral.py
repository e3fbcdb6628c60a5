"""Eigenvalues and singular values in the frontend: `np.linalg.eigh`, `eigvalsh`, `svd`, and the matrix
norms of singular values (`np.linalg.norm` with `ord` 2, -2 and 'nuc').

In: the call's evaluated arguments (the handler convention of `zyg.frontend.numpy_functions`). Out:
calls of the compiled helpers below, as a user's helpers are compiled; a stack of matrices (rank 3
and up) is decomposed one matrix at a time by a compiled loop (`_decompose`). The eigendecomposition
is cyclic Jacobi (`_jacobi`), whose loop is never differentiated: `_eigh_symmetric` carries a
reverse rule (`zyg.rules.custom_vjp`) and a forward rule (`custom_jvp`), the standard ones for a
symmetric matrix S = V diag(w) V^T:

- reverse: S_ct = sym(V (diag(w_ct) + F o (V^T V_ct)) V^T), F_ij = 1 / (w_j - w_i) off the diagonal;
- forward: dw = diag(V^T dS V), dV = V (F o (V^T dS V)).

A product with F is a strong zero (0 where the other factor is 0), so a function of the eigenvalues
alone has its exact gradient also where eigenvalues repeat. Where an eigenvector's cotangent (or a
tangent) meets a repeated eigenvalue, the eigenvector has no derivative, and the entry is inf or
nan, as in JAX: never a finite wrong number.

The SVD is one-sided Jacobi (`_one_sided_jacobi`) of the matrix or, where it is wide, of its transpose;
`_svd_tall` carries the rules of the thin SVD A = U diag(s) V^T with m >= n (JAX's `svd` tangent, and
its transpose): with dP = U^T dA V and F_ij = 1 / (s_j^2 - s_i^2) off the diagonal,

- forward: ds = diag(dP), dU = U (F o (dP S + S dP^T)) + (I - U U^T) dA V S^-1 (m > n),
  dV = V (F o (S dP + dP^T S));
- reverse: A_ct = U (diag(s_ct) + (J + J^T) S + S (K + K^T)) V^T + (I - U U^T) U_ct S^-1 V^T (m > n),
  J = F o (U^T U_ct), K = F o (V^T V_ct);

with the same strong zeros, so a repeated singular value (or a zero one, in the last term) gives
the singular vectors' gradient inf or nan and the singular values' their exact one. With
`full_matrices`, the extra columns of U (rows of Vh) complete an orthonormal basis (`_complement`),
an arbitrary one: they carry a nan cotangent or tangent wherever theirs is not zero.

The eigenvectors are normalised so that the entry of largest magnitude of each (the first of equal
ones) is positive, and so are the left singular vectors (the right ones flipped with them); LAPACK's
signs, which NumPy returns, follow from its reductions and are not reproduced. Both decompositions
first divide the matrix by a power of two near its largest entry (exact), so that the squares they
compute neither overflow nor underflow. Like NumPy's, `eigh` of a matrix with an inf or nan is all
nan, and `svd` (and the norms) raise `LinAlgError`.
"""

from __future__ import annotations

import ast
import math

import numpy as np
from xdsl.dialects import arith
from xdsl.ir import SSAValue

from zyg.errors import UnsupportedSyntaxError, ZygTypeError
from zyg.frontend.shape_functions import _product, _with_new_dims
from zyg.frontend.trees import TUPLE, Struct
from zyg.frontend.types import F32, F64, element_type, is_array, rank_of
from zyg.rules import custom_jvp, custom_vjp

# A sweep cap far beyond the 5 to 12 sweeps cyclic Jacobi takes to converge (quadratically) in
# float64; the loop also stops when the off-diagonal part is below the rounding of the whole.
_MAX_SWEEPS = 60


def _power_of_two_scale(a):
    """A power of two near the largest |entry| of `a` (1 for a zero or empty one): dividing by it is
    exact and keeps the squares the rotations compute from overflowing or underflowing."""
    biggest = 0.0
    if a.size > 0:
        biggest = np.max(np.abs(a))
    if biggest > 0.0:
        return 2.0 ** math.floor(math.log2(biggest))
    return 1.0


def _rotation(theta):
    """The Jacobi rotation that zeroes an off-diagonal entry, from `theta` = (a_qq - a_pp) / 2 a_pq:
    its tangent `t` (the smaller root of t^2 + 2 theta t - 1, for stability), cosine and sine."""
    t = 1.0 / (abs(theta) + math.hypot(theta, 1.0))
    if theta < 0.0:
        t = -t
    c = 1.0 / math.sqrt(t * t + 1.0)
    return t, c, t * c


def _jacobi(s):
    """The eigenvalues (ascending) and unit eigenvectors (columns) of symmetric `s`, by cyclic Jacobi
    rotations (Golub & Van Loan 8.5), each eigenvector's largest entry made positive; all nan where
    `s` has an inf or nan, as NumPy's."""
    n = s.shape[0]
    if np.sum(s * 0.0) != 0.0:
        return np.full(n, math.nan), np.full((n, n), math.nan)
    factor = _power_of_two_scale(s)
    a = s / factor
    v = np.eye(n)
    scale = np.sum(a * a)
    off = np.sum(np.triu(a, 1) * np.triu(a, 1))
    sweeps = 0
    while off > 1e-36 * scale and sweeps < _MAX_SWEEPS:
        for p in range(n - 1):
            for q in range(p + 1, n):
                apq = a[p, q]
                if apq != 0.0:
                    app = a[p, p]
                    aqq = a[q, q]
                    t, c, sn = _rotation((aqq - app) / (2.0 * apq))
                    for k in range(n):
                        akp = a[k, p]
                        akq = a[k, q]
                        a[k, p] = c * akp - sn * akq
                        a[k, q] = sn * akp + c * akq
                    for k in range(n):
                        apk = a[p, k]
                        aqk = a[q, k]
                        a[p, k] = c * apk - sn * aqk
                        a[q, k] = sn * apk + c * aqk
                    for k in range(n):
                        vkp = v[k, p]
                        vkq = v[k, q]
                        v[k, p] = c * vkp - sn * vkq
                        v[k, q] = sn * vkp + c * vkq
                    a[p, p] = app - t * apq
                    a[q, q] = aqq + t * apq
                    a[p, q] = 0.0
                    a[q, p] = 0.0
        off = np.sum(np.triu(a, 1) * np.triu(a, 1))
        sweeps += 1
    order = np.argsort(np.diagonal(a))
    w = np.diagonal(a)[order] * factor
    v = v[:, order]
    if n == 0:
        return w, v
    largest = np.argmax(np.abs(v), axis=0)
    signs = np.where(v[largest, np.arange(n)] < 0.0, -1.0, 1.0)
    return w, v * signs


def _coupling(w, g):
    """F o g, F_ij = 1 / (w_j - w_i) off the diagonal and 0 on it; 0 wherever g is 0."""
    n = w.shape[0]
    gaps = w[None, :] - w[:, None]
    off_diagonal = np.arange(n)[:, None] != np.arange(n)[None, :]
    return np.where(off_diagonal & (g != 0.0), g / gaps, 0.0)


@custom_vjp
@custom_jvp
def _eigh_symmetric(s):
    return _jacobi(s)


def _eigh_fwd(s):
    w, v = _jacobi(s)
    return (w, v), (w, v)


def _eigh_bwd(residuals, cotangents):
    w, v = residuals
    w_ct, v_ct = cotangents
    inner = _coupling(w, v.T @ v_ct) + np.diag(w_ct)
    s_ct = v @ inner @ v.T
    return ((s_ct + s_ct.T) * 0.5,)


def _eigh_jvp(primals, tangents):
    (s,) = primals
    (ds,) = tangents
    w, v = _jacobi(s)
    g = v.T @ ds @ v
    return (w, v), (np.diagonal(g).copy(), v @ _coupling(w, g))


_eigh_symmetric.defvjp(_eigh_fwd, _eigh_bwd)
_eigh_symmetric.defjvp(_eigh_jvp)


def _eigh_lower(a):
    return _eigh_symmetric(np.tril(a) + np.tril(a, -1).T)


def _eigh_upper(a):
    return _eigh_symmetric(np.triu(a) + np.triu(a, 1).T)


def _one_sided_jacobi(a):
    """The thin SVD `(u, s, vt)` of `a` with m >= n, by one-sided Jacobi (Hestenes; Demmel & Veselic):
    plane rotations of the columns of `a` (and of the identity, giving V) until every two are
    orthogonal to rounding; s, the column norms, descending; u's columns of s = 0 completed to an
    orthonormal set. `a` is finite (`_svd` checks)."""
    m = a.shape[0]
    n = a.shape[1]
    factor = _power_of_two_scale(a)
    u = a / factor
    v = np.eye(n)
    rotated = True
    sweeps = 0
    while rotated and sweeps < _MAX_SWEEPS:
        rotated = False
        for p in range(n - 1):
            for q in range(p + 1, n):
                alpha = 0.0
                beta = 0.0
                gamma = 0.0
                for k in range(m):
                    alpha += u[k, p] * u[k, p]
                    beta += u[k, q] * u[k, q]
                    gamma += u[k, p] * u[k, q]
                if abs(gamma) > 1e-15 * math.sqrt(alpha * beta):
                    rotated = True
                    t, c, sn = _rotation((beta - alpha) / (2.0 * gamma))
                    for k in range(m):
                        ukp = u[k, p]
                        ukq = u[k, q]
                        u[k, p] = c * ukp - sn * ukq
                        u[k, q] = sn * ukp + c * ukq
                    for k in range(n):
                        vkp = v[k, p]
                        vkq = v[k, q]
                        v[k, p] = c * vkp - sn * vkq
                        v[k, q] = sn * vkp + c * vkq
        sweeps += 1
    norms = np.sqrt(np.sum(u * u, axis=0))
    order = np.argsort(-norms)
    s = norms[order]
    v = v[:, order]
    u = u[:, order] / np.where(s > 0.0, s, 1.0)
    s = s * factor
    return _complete(u, int(np.sum(s > 0.0))), s, v.T


def _complete(q, start):
    """`q` with its columns from `start` on replaced by unit vectors orthogonal to the others: each
    the unit vector least covered by the columns so far, orthogonalised against them twice."""
    q = q.copy()
    m = q.shape[0]
    q[:, start:] = 0.0
    for j in range(start, q.shape[1]):
        k = np.argmin(np.sum(q * q, axis=1))
        e = np.zeros(m)
        e[k] = 1.0
        r = e - q @ q[k, :]
        r = r - q @ (q.T @ r)
        q[:, j] = r / np.sqrt(np.sum(r * r))
    return q


@custom_vjp
@custom_jvp
def _complement(q):
    """Orthonormal columns spanning what the orthonormal columns of `q` (m x k, k < m) leave out: a
    basis of no derivative, as the choice of it is arbitrary; its cotangent or tangent, where not
    zero, makes the gradient nan."""
    full = _complete(np.concatenate((q, np.zeros((q.shape[0], q.shape[0] - q.shape[1]))), axis=1), q.shape[1])
    return full[:, q.shape[1]:]


def _complement_fwd(q):
    return _complement(q), q.shape[0]


def _complement_bwd(rows, ct):
    undefined = np.sum(np.abs(ct)) != 0.0
    return (np.full((rows, rows - ct.shape[1]), math.nan if undefined else 0.0),)


def _complement_jvp(primals, tangents):
    (q,) = primals
    (dq,) = tangents
    value = _complement(q)
    undefined = np.sum(np.abs(dq)) != 0.0
    return value, np.full(value.shape, math.nan if undefined else 0.0)


_complement.defvjp(_complement_fwd, _complement_bwd)
_complement.defjvp(_complement_jvp)


def _gap_coupling(s, g):
    """F o g, F_ij = 1 / (s_j^2 - s_i^2) off the diagonal and 0 on it; 0 wherever g is 0."""
    n = s.shape[0]
    squares = s * s
    gaps = squares[None, :] - squares[:, None]
    off_diagonal = np.arange(n)[:, None] != np.arange(n)[None, :]
    return np.where(off_diagonal & (g != 0.0), g / gaps, 0.0)


def _outside_columns(u, x, s):
    """(x - u u^T x) / s by columns: the part of `x` outside u's columns, over the singular values
    (0 where that part is 0)."""
    outside = x - u @ (u.T @ x)
    return np.where(outside != 0.0, outside / s[None, :], 0.0)


@custom_vjp
@custom_jvp
def _svd_tall(a):
    return _one_sided_jacobi(a)


def _svd_fwd(a):
    u, s, vt = _one_sided_jacobi(a)
    return (u, s, vt), (u, s, vt)


def _svd_bwd(residuals, cotangents):
    u, s, vt = residuals
    u_ct, s_ct, vt_ct = cotangents
    j = _gap_coupling(s, u.T @ u_ct)
    k = _gap_coupling(s, vt @ vt_ct.T)
    inner = np.diag(s_ct) + (j + j.T) * s[None, :] + s[:, None] * (k + k.T)
    a_ct = u @ inner @ vt
    if u.shape[0] > u.shape[1]:
        a_ct = a_ct + _outside_columns(u, u_ct, s) @ vt
    return (a_ct,)


def _svd_jvp(primals, tangents):
    (a,) = primals
    (da,) = tangents
    u, s, vt = _one_sided_jacobi(a)
    v = vt.T
    dp = u.T @ da @ v
    right = dp * s[None, :]
    left = s[:, None] * dp
    du = u @ _gap_coupling(s, right + right.T)
    dv = v @ _gap_coupling(s, left + left.T)
    if u.shape[0] > u.shape[1]:
        du = du + _outside_columns(u, da @ v, s)
    return (u, s, vt), (du, np.diagonal(dp).copy(), dv.T)


_svd_tall.defvjp(_svd_fwd, _svd_bwd)
_svd_tall.defjvp(_svd_jvp)


def _svd(a):
    """The thin SVD of 2-D `a` (of its transpose where it is wide), each column of u with its largest
    entry positive (the row of vt flipped with it)."""
    if a.shape[0] >= a.shape[1]:
        u, s, vt = _svd_tall(a)
    else:
        v, s, ut = _svd_tall(a.T)
        u = ut.T
        vt = v.T
    if u.shape[0] == 0:
        return u, s, vt
    largest = np.argmax(np.abs(u), axis=0)
    signs = np.where(u[largest, np.arange(s.shape[0])] < 0.0, -1.0, 1.0)
    return u * signs, s, vt * signs[:, None]


def _full_svd(a):
    """The SVD with square U and Vh: the thin one, with the complement of the thin factor's columns."""
    u, s, vt = _svd(a)
    if a.shape[0] > a.shape[1]:
        u = np.concatenate((u, _complement(u)), axis=1)
    if a.shape[1] > a.shape[0]:
        vt = np.concatenate((vt, _complement(vt.T).T), axis=0)
    return u, s, vt


def _singular_values(a):
    u, s, vt = _svd(a)
    return s


def _largest_singular_value(a):
    u, s, vt = _svd(a)
    if s.shape[0] == 0:
        return 0.0  # as NumPy's
    return s[0]


# A stack of matrices (the leading axes merged into one) is decomposed one matrix at a time.

def _eigh_lower_stacked(a):
    w = np.zeros((a.shape[0], a.shape[1]))
    v = np.zeros((a.shape[0], a.shape[1], a.shape[2]))
    for b in range(a.shape[0]):
        wb, vb = _eigh_lower(a[b])
        w[b] = wb
        v[b] = vb
    return w, v


def _eigh_upper_stacked(a):
    w = np.zeros((a.shape[0], a.shape[1]))
    v = np.zeros((a.shape[0], a.shape[1], a.shape[2]))
    for b in range(a.shape[0]):
        wb, vb = _eigh_upper(a[b])
        w[b] = wb
        v[b] = vb
    return w, v


def _svd_stacked(a):
    k = min(a.shape[1], a.shape[2])
    u = np.zeros((a.shape[0], a.shape[1], k))
    s = np.zeros((a.shape[0], k))
    vt = np.zeros((a.shape[0], k, a.shape[2]))
    for b in range(a.shape[0]):
        ub, sb, vtb = _svd(a[b])
        u[b] = ub
        s[b] = sb
        vt[b] = vtb
    return u, s, vt


def _full_svd_stacked(a):
    u = np.zeros((a.shape[0], a.shape[1], a.shape[1]))
    s = np.zeros((a.shape[0], min(a.shape[1], a.shape[2])))
    vt = np.zeros((a.shape[0], a.shape[2], a.shape[2]))
    for b in range(a.shape[0]):
        ub, sb, vtb = _full_svd(a[b])
        u[b] = ub
        s[b] = sb
        vt[b] = vtb
    return u, s, vt


def _decompose(cg, node: ast.Call, a: SSAValue, single, stacked) -> list[SSAValue]:
    """The results of compiled helper `single` of 2-D `a`, or of `stacked` of `a`'s matrices (its
    leading axes merged into one, and split again in each result)."""
    if rank_of(a.type) == 2:
        return cg.call_compiled(node, single, [a]).items
    dims = cg.dims(a)
    leading = dims[:-2]
    merged = _with_new_dims(cg, a, [_product(cg, leading), *dims[-2:]])
    return [_with_new_dims(cg, r, [*leading, *cg.dims(r)[1:]]) for r in cg.call_compiled(node, stacked, [merged]).items]


def _check_finite(cg, a: SSAValue) -> None:
    """NumPy's `LinAlgError` for an SVD of a matrix with an inf or nan."""
    every_axis = list(range(rank_of(a.type)))
    zero = cg.reduce("sum", cg.binary(ast.Mult(), a, cg.const(0.0)), every_axis, False)
    cg.check(cg.compare(ast.Eq(), zero, cg.const(0.0)), "LinAlgError", "SVD did not converge")


def _matrices(cg, node: ast.Call, a, what: str) -> SSAValue:
    """`a` as float64, after checking that it is a matrix or a stack of them."""
    if not isinstance(a, SSAValue) or not is_array(a.type):
        cg.error(node, f"{what}() takes an array", ZygTypeError)
    if rank_of(a.type) < 2:
        cg.error(node, f"{what}: {rank_of(a.type)}-dimensional array given. Array must be at least two-dimensional",
                 ZygTypeError)
    return a if element_type(a.type) == F64 else cg.convert_element(a, F64)


def _square_matrix(cg, node: ast.Call, a, what: str):
    a = _matrices(cg, node, a, what)
    rows, cols = cg.dims(a)[-2:]
    cg.check(cg.value(arith.CmpiOp(rows, cols, "eq")), "LinAlgError", "Last 2 dimensions of the array must be square")
    return a


def _eigen(values_only: bool):
    what = "np.linalg.eigvalsh" if values_only else "np.linalg.eigh"

    def handler(cg, node, args, kwargs):
        """`np.linalg.eigh(a, UPLO='L')`: `(w, v)`, the eigenvalues ascending and the eigenvectors as
        columns, of the symmetric matrix whose lower (or upper) triangle `a` holds; `eigvalsh`: `w`."""
        if len(args) not in (1, 2):
            cg.error(node, f"{what}() takes 1 or 2 positional arguments, got {len(args)}", ZygTypeError)
        for name in kwargs:
            if name != "UPLO":
                cg.error(node, f"{what}(): the keyword '{name}' is not supported", UnsupportedSyntaxError)
        uplo = cg.static_argument(node.args[1]) if len(node.args) > 1 else (
            cg.static_argument(kwargs["UPLO"]) if "UPLO" in kwargs else "L")
        if uplo not in ("L", "U"):
            cg.error(node, f"{what}: UPLO must be 'L' or 'U', got {uplo!r}", ZygTypeError)
        element = element_type(args[0].type) if is_array(args[0].type) else F64
        a = _square_matrix(cg, node, args[0], what)
        lower = uplo == "L"
        w, v = _decompose(cg, node, a, _eigh_lower if lower else _eigh_upper,
                          _eigh_lower_stacked if lower else _eigh_upper_stacked)
        if element == F32:
            w, v = cg.convert_element(w, F32), cg.convert_element(v, F32)
        return w if values_only else Struct(TUPLE, [w, v])

    return handler


def _svd_handler(cg, node, args, kwargs):
    """`np.linalg.svd(a, full_matrices=True, compute_uv=True)` of a matrix (or a stack): `(U, S, Vh)` with the
    singular values descending (or `S` alone); with `full_matrices` (NumPy's default) the factor of the
    longer side is square, its extra columns (or rows) a basis of no derivative (`_complement`)."""
    if len(args) != 1:
        cg.error(node, f"np.linalg.svd() takes the matrix as its one positional argument, got {len(args)}",
                 ZygTypeError)
    for name in kwargs:
        if name not in ("full_matrices", "compute_uv", "hermitian"):
            cg.error(node, f"np.linalg.svd(): the keyword '{name}' is not supported", UnsupportedSyntaxError)
    full = cg.static_argument(kwargs["full_matrices"]) if "full_matrices" in kwargs else True
    compute_uv = cg.static_argument(kwargs["compute_uv"]) if "compute_uv" in kwargs else True
    if "hermitian" in kwargs and cg.static_argument(kwargs["hermitian"]):
        cg.error(node, "np.linalg.svd: hermitian=True is not supported", UnsupportedSyntaxError)
    element = element_type(args[0].type) if is_array(args[0].type) else F64
    a = _matrices(cg, node, args[0], "np.linalg.svd")
    _check_finite(cg, a)
    full = compute_uv and full
    u, s, vt = _decompose(cg, node, a, _full_svd if full else _svd, _full_svd_stacked if full else _svd_stacked)
    if element == F32:
        u, s, vt = (cg.convert_element(x, F32) for x in (u, s, vt))
    return Struct(TUPLE, [u, s, vt]) if compute_uv else s


def singular_value_norm(cg, node: ast.Call, x, order, axes: list[int], keepdims: bool):
    """`np.linalg.norm(x, ord, axis)` for `ord` 2 (the largest singular value), -2 (the smallest) and
    'nuc' (their sum) of the matrices in `axes` (rows, columns) of `x`: of an empty matrix 0, and for
    -2 NumPy's `ValueError`."""
    element = element_type(x.type)
    a = x if element == F64 else cg.convert_element(x, F64)
    _check_finite(cg, a)
    rank = rank_of(a.type)
    if rank == 2 and order == 2:
        result = cg.call_compiled(node, _largest_singular_value, [a])
    elif rank == 2:
        values = cg.call_compiled(node, _singular_values, [a])
        result = cg.reduce("sum" if order == "nuc" else "min", values, [0], False)
    else:
        rows, cols = axes
        moved = cg.transpose(a, [*(d for d in range(rank) if d not in axes), rows, cols])
        values = _decompose(cg, node, moved, _svd, _svd_stacked)[1]
        last = rank - 2
        if order == 2:  # 0 for empty matrices, as NumPy's
            result = cg.reduce("max", values, [last], False, empty_ok=True)
            result = cg.where(cg.compare(ast.Gt(), result, cg.const(0.0)), result, cg.const(0.0))
        else:
            result = cg.reduce("sum" if order == "nuc" else "min", values, [last], False)
    if element == F32:
        result = cg.convert_element(result, F32)
    if not keepdims:
        return result
    one = cg.index(1)
    if rank == 2:
        return cg.splat(result, result.type, [one, one])
    return _with_new_dims(cg, result, [one if d in axes else size for d, size in enumerate(cg.dims(x))])


SPECTRAL_HANDLERS = {
    np.linalg.eigh: _eigen(values_only=False),
    np.linalg.eigvalsh: _eigen(values_only=True),
    np.linalg.svd: _svd_handler,
}
