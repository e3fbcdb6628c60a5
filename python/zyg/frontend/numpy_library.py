"""NumPy functions composed of operations the frontend already has (no op or rule of their own).

In: the codegen, the call node, the positional argument values and the keyword argument nodes (the
handler convention of `zyg.frontend.numpy_functions`). Out: the value, built from elementwise
arithmetic, reductions, slices, `where` and iotas, so autodiff, forward mode and lowering need
nothing new. Elementwise: `reciprocal negative positive deg2rad radians rad2deg degrees sinc`;
statistics: `var std average` (with `axis`, `ddof`, `keepdims`, `weights`); positions: `argmax
argmin`; `np.linalg.norm` with `ord` and `axis`; rearrangements: `diff flip fliplr flipud roll triu tril`;
sorting: `argsort` (the one op of its own here, `zyg.argsort`, without a gradient) and `sort`, a gather
at those positions, which carries the gradient.
"""

from __future__ import annotations

import ast
import math

import numpy as np
from xdsl.dialects import arith, tensor
from xdsl.dialects import math as mathd
from xdsl.ir import SSAValue

from zyg.dialects.zyg_arrays import ArgsortOp
from zyg.errors import UnsupportedSyntaxError, ZygTypeError
from zyg.frontend.indexing import BasicIndex
from zyg.frontend.shape_functions import _copy, _iota, _ravel, _with_new_dims, concatenate
from zyg.frontend.spectral import singular_value_norm
from zyg.frontend.trees import TUPLE, Struct
from zyg.frontend.types import F32, F64, I64, element_type, is_array, rank_of


def _arity(cg, node: ast.Call, args: list, *counts: int) -> None:
    if len(args) not in counts:
        cg.error(node, f"{ast.unparse(node.func)}() takes {' or '.join(map(str, counts))} positional "
                 f"argument(s), got {len(args)}", ZygTypeError)


def _keywords(cg, node: ast.Call, kwargs: dict, allowed: tuple[str, ...]) -> None:
    for name in kwargs:
        if name not in allowed:
            cg.error(node, f"{ast.unparse(node.func)}(): the keyword '{name}' is not supported", UnsupportedSyntaxError)


def _static(cg, node: ast.Call, args: list, position: int, kwargs: dict, name: str, default):
    """A compile-time argument given by position (its node) or keyword."""
    if len(node.args) > position:
        return cg.static_argument(node.args[position])
    return cg.static_argument(kwargs[name]) if name in kwargs else default


def _float(cg, v: SSAValue) -> SSAValue:
    return v if element_type(v.type) in (F64, F32) else cg.convert_element(v, F64)


def _array(cg, node: ast.Call, v) -> SSAValue:
    if not isinstance(v, SSAValue) or not is_array(v.type):
        cg.error(node, f"{ast.unparse(node.func)}() takes an array here", ZygTypeError)
    return v


# --------------------------------------------------------------------------------------------------
# Elementwise
# --------------------------------------------------------------------------------------------------

def _reciprocal(cg, node, args, kwargs):
    _arity(cg, node, args, 1)
    return cg.binary(ast.Div(), cg.const(1.0), _float(cg, args[0]))


def _negative(cg, node, args, kwargs):
    _arity(cg, node, args, 1)
    return cg.negate_any(args[0])


def _positive(cg, node, args, kwargs):
    _arity(cg, node, args, 1)
    x = args[0]
    return _copy(cg, x) if is_array(x.type) else x


def _scaled(factor: float):
    def handler(cg, node, args, kwargs):
        _arity(cg, node, args, 1)
        return cg.binary(ast.Mult(), _float(cg, args[0]), cg.const(factor))

    return handler


def _sinc(cg, node, args, kwargs):
    """sin(pi x) / (pi x), and 1 at 0 (its limit; the derivative there is 0, as the quotient's is)."""
    _arity(cg, node, args, 1)
    x = _float(cg, args[0])
    at_zero = cg.compare(ast.Eq(), x, cg.const(0.0))
    scaled = cg.binary(ast.Mult(), x, cg.const(math.pi))
    safe = cg.where(at_zero, cg.const(1.0), scaled)  # no 0/0 on the side `where` does not take
    sine = cg.array_unary(mathd.SinOp, safe) if is_array(safe.type) else cg.value(mathd.SinOp(safe))
    return cg.where(at_zero, cg.const(1.0), cg.binary(ast.Div(), sine, safe))


# --------------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------------

def _count(cg, x: SSAValue, axes: list[int]) -> SSAValue:
    """The number of elements a reduction over `axes` combines, as a float."""
    dims = cg.dims(x)
    count = cg.index(1)
    for a in axes:
        count = cg.value(arith.MuliOp(count, dims[a]))
    return cg.value(arith.SIToFPOp(cg.to_int(count), F64))


def variance(cg, node: ast.Call, x: SSAValue, axis, ddof: int, keepdims: bool) -> SSAValue:
    """NumPy's `var`: the mean squared deviation from the mean, divided by N - ddof instead of N."""
    x = _float(cg, x)
    if not is_array(x.type):
        return cg.binary(ast.Mult(), x, cg.const(0.0))
    axes = cg.normalise_axes(node, axis, rank_of(x.type))
    deviation = cg.binary(ast.Sub(), x, cg.mean(x, axes, True))
    squares = cg.binary(ast.Mult(), deviation, deviation)
    total = cg.reduce("sum", squares, axes, keepdims)
    divisor = cg.binary(ast.Sub(), _count(cg, x, axes), cg.const(float(ddof)))
    return cg.binary(ast.Div(), total, divisor)


def _statistic(root: bool):
    def handler(cg, node, args, kwargs):
        _arity(cg, node, args, 1, 2)
        _keywords(cg, node, kwargs, ("axis", "ddof", "keepdims"))
        axis = _static(cg, node, args, 1, kwargs, "axis", None)
        ddof = _static(cg, node, args, 99, kwargs, "ddof", 0)
        keepdims = bool(_static(cg, node, args, 99, kwargs, "keepdims", False))
        v = variance(cg, node, args[0], axis, ddof, keepdims)
        return (cg.array_unary(mathd.SqrtOp, v) if is_array(v.type) else cg.value(mathd.SqrtOp(v))) if root else v

    return handler


def _average(cg, node, args, kwargs):
    """`np.average(x, axis=None, weights=None, keepdims=False)`: the mean, or sum(w x) / sum(w) with
    weights of `x`'s shape (or broadcasting against it)."""
    _arity(cg, node, args, 1, 2, 3)
    _keywords(cg, node, kwargs, ("axis", "weights", "keepdims"))
    x = _float(cg, args[0])
    axis = _static(cg, node, args, 1, kwargs, "axis", None)
    keepdims = bool(_static(cg, node, args, 99, kwargs, "keepdims", False))
    weights = args[2] if len(args) > 2 else cg.visit(kwargs["weights"]) if "weights" in kwargs else None
    if not is_array(x.type):
        return x
    axes = cg.normalise_axes(node, axis, rank_of(x.type))
    if weights is None:
        return cg.mean(x, axes, keepdims)
    weighted = cg.binary(ast.Mult(), x, _float(cg, weights))
    full = cg.binary(ast.Add(), cg.binary(ast.Mult(), x, cg.const(0.0)), _float(cg, weights))  # w, x's shape
    return cg.binary(ast.Div(), cg.reduce("sum", weighted, axes, keepdims), cg.reduce("sum", full, axes, keepdims))


# --------------------------------------------------------------------------------------------------
# Positions and norms
# --------------------------------------------------------------------------------------------------

def _arg_extremum(is_max: bool):
    def handler(cg, node, args, kwargs):
        """`np.argmax(x, axis=None, keepdims=False)` (and argmin): the first position of the maximum,
        in the flattened array without an axis; a NaN is the maximum, as in NumPy. An int, no gradient."""
        _arity(cg, node, args, 1, 2)
        _keywords(cg, node, kwargs, ("axis", "keepdims"))
        x = _array(cg, node, args[0])
        axis = _static(cg, node, args, 1, kwargs, "axis", None)
        keepdims = bool(_static(cg, node, args, 99, kwargs, "keepdims", False))
        name = "argmax" if is_max else "argmin"
        if axis is None:
            shape = cg.dims(x)
            x = _ravel(False)(cg, node, [x], {})
            axis = 0
        else:
            shape = None
            axis = _axis(cg, node, x, axis)
        n = cg.dims(x)[axis]
        cg.check(cg.value(arith.CmpiOp(n, cg.index(0), "ne")), "ValueError", f"attempt to get {name} of an empty sequence")
        best = cg.reduce("max" if is_max else "min", x, [axis], True)
        hit = cg.compare(ast.Eq(), x, best)
        if element_type(x.type) in (F64, F32):  # a NaN is the extremum, and only NaN is equal to no value
            hit = cg.binary(ast.BitOr(), hit, cg.compare(ast.NotEq(), x, x))
        positions = _iota(cg, cg.dims(x), axis)
        past = cg.to_int(n)
        first = cg.reduce("min", cg.where(hit, positions, past), [axis], keepdims and shape is None)
        if keepdims and shape is not None:  # without an axis, keepdims keeps every axis, of size 1
            one = cg.index(1)
            first = _with_new_dims(cg, cg.splat(first, I64, [one]), [one] * len(shape))
        return first

    return handler


def _norm(cg, node, args, kwargs):
    """`np.linalg.norm(x, ord=None, axis=None, keepdims=False)`: vector norms (`ord` None or 2, 1, any
    p, inf, -inf, 0) over one axis, matrix norms ('fro', 1, -1, inf, -inf) over two; without `axis`,
    the 2-norm of the flattened array (ord None) or the norm of a 1-D or 2-D array."""
    _arity(cg, node, args, 1, 2, 3)
    _keywords(cg, node, kwargs, ("ord", "axis", "keepdims"))
    x = _float(cg, args[0])
    order = _static(cg, node, args, 1, kwargs, "ord", None)
    axis = _static(cg, node, args, 2, kwargs, "axis", None)
    keepdims = bool(_static(cg, node, args, 99, kwargs, "keepdims", False))
    if not is_array(x.type):
        return _abs(cg, x)
    rank = rank_of(x.type)
    if axis is None:
        if order is None:
            return _p_norm(cg, x, 2.0, list(range(rank)), keepdims)
        if rank > 2:
            cg.error(node, "np.linalg.norm: an ord= needs axis= for an array of rank above 2", ZygTypeError)
        axis = tuple(range(rank))
    axes = [_axis(cg, node, x, a) for a in (axis if isinstance(axis, (tuple, list)) else [axis])]
    if len(axes) == 1:
        return _vector_norm(cg, node, x, order, axes, keepdims)
    if len(axes) == 2 and axes[0] != axes[1]:
        return _matrix_norm(cg, node, x, order, axes, keepdims)
    cg.error(node, f"np.linalg.norm: axis {axis!r} names neither one axis nor two", ZygTypeError)


def _abs(cg, x: SSAValue) -> SSAValue:
    return cg.array_unary(mathd.AbsFOp, x) if is_array(x.type) else cg.value(mathd.AbsFOp(x))


def _p_norm(cg, x: SSAValue, p: float, axes: list[int], keepdims: bool) -> SSAValue:
    if p == 2.0:
        total = cg.reduce("sum", cg.binary(ast.Mult(), x, x), axes, keepdims)
        return cg.array_unary(mathd.SqrtOp, total) if is_array(total.type) else cg.value(mathd.SqrtOp(total))
    if p == 1.0:
        return cg.reduce("sum", _abs(cg, x), axes, keepdims)
    total = cg.reduce("sum", cg.binary(ast.Pow(), _abs(cg, x), cg.const(p)), axes, keepdims)
    return cg.binary(ast.Pow(), total, cg.const(1.0 / p))


def _vector_norm(cg, node, x, order, axes, keepdims):
    if order is None or order == 2:
        return _p_norm(cg, x, 2.0, axes, keepdims)
    if order in (math.inf, -math.inf):
        return cg.reduce("max" if order > 0 else "min", _abs(cg, x), axes, keepdims)
    if order == 0:
        nonzero = cg.convert_element(cg.compare(ast.NotEq(), x, cg.const(0.0)), F64)
        return cg.reduce("sum", nonzero, axes, keepdims)
    if isinstance(order, (int, float)) and not isinstance(order, bool):
        return _p_norm(cg, x, float(order), axes, keepdims)
    cg.error(node, f"np.linalg.norm: invalid norm order {order!r} for vectors", ZygTypeError)


def _matrix_norm(cg, node, x, order, axes, keepdims):
    rows, cols = axes
    if order in (None, "fro"):
        return _p_norm(cg, x, 2.0, axes, keepdims)
    if order in (1, -1, math.inf, -math.inf):
        # 1: the largest column sum of |x| (sum over the rows, then the extremum over the columns)
        inner, outer = (rows, cols) if order in (1, -1) else (cols, rows)
        sums = cg.reduce("sum", _abs(cg, x), [inner], True)
        best = cg.reduce("max" if order > 0 else "min", sums, [outer], True)
        if keepdims:
            return best
        return cg.reduce("sum", best, sorted(axes), False)  # drops the two axes of size 1
    if order in (2, -2, "nuc"):
        return singular_value_norm(cg, node, x, order, axes, keepdims)
    cg.error(node, f"np.linalg.norm: the matrix norm ord={order!r} is not supported", UnsupportedSyntaxError)


# --------------------------------------------------------------------------------------------------
# Sorting
# --------------------------------------------------------------------------------------------------

def _rows_along(cg, node, x: SSAValue, axis) -> tuple[SSAValue, list[int], list[SSAValue], int]:
    """`x` with `axis` moved last and the other axes merged: (the 2-D rows, the permutation applied,
    the moved array's dimensions, the axis); without an axis, the flattened array as one row."""
    if axis is None:
        x = _ravel(False)(cg, node, [x], {})
        axis = 0
    axis = _axis(cg, node, x, axis)
    rank = rank_of(x.type)
    permutation = [a for a in range(rank) if a != axis] + [axis]
    moved = cg.transpose(x, permutation)
    dims = cg.dims(moved)
    rows = cg.index(1)
    for d in dims[:-1]:
        rows = cg.value(arith.MuliOp(rows, d))
    return _with_new_dims(cg, moved, [rows, dims[-1]]), permutation, dims, axis


def _back(cg, rows_result: SSAValue, permutation: list[int], dims: list[SSAValue]) -> SSAValue:
    """A result laid out as `_rows_along`'s rows, in the original axis order again."""
    moved = _with_new_dims(cg, rows_result, dims)
    inverse = [permutation.index(a) for a in range(len(permutation))]
    return cg.transpose(moved, inverse)


def _positions(cg, node, x: SSAValue, axis) -> tuple[SSAValue, SSAValue, list[int], list[SSAValue]]:
    """The sorting positions of each row of `x` along `axis` (as `_rows_along` lays them out), and the rows."""
    if not is_array(x.type) or rank_of(x.type) == 0:
        cg.error(node, f"{ast.unparse(node.func)} of a 0-d array or a number is not supported", UnsupportedSyntaxError)
    rows, permutation, dims, _ = _rows_along(cg, node, x, axis)
    keys = rows if element_type(rows.type) in (F64, I64) else \
        cg.convert_element(rows, F64 if element_type(rows.type) == F32 else I64)
    positions = cg.with_dims(cg.value(ArgsortOp(keys)), cg.dims(rows))
    return positions, rows, permutation, dims


def _argsort(cg, node, args, kwargs):
    """`np.argsort(x, axis=-1, kind=None)`: ascending, NaN last, ties in order (every `kind` is the
    stable order). Ints, no gradient."""
    _arity(cg, node, args, 1, 2)
    _keywords(cg, node, kwargs, ("axis", "kind"))
    axis = _static(cg, node, args, 1, kwargs, "axis", -1)
    positions, _, permutation, dims = _positions(cg, node, args[0], axis)
    return _back(cg, positions, permutation, dims)


def _gather_rows(cg, rows: SSAValue, positions: SSAValue) -> SSAValue:
    """Row r of the result is row r of `rows` read at `positions[r]` (2-D arrays of one row count)."""
    count, n = cg.dims(rows)
    flat = _with_new_dims(cg, rows, [cg.value(arith.MuliOp(count, n))])
    starts = cg.binary(ast.Mult(), _iota(cg, cg.dims(positions), 0), cg.to_int(n))  # row r starts at r * n
    return cg.gather(flat, cg.binary(ast.Add(), starts, positions))


def _take_along_axis(cg, node, args, kwargs):
    """`np.take_along_axis(x, indices, axis)`: `x` read along `axis` at `indices`, an int array of
    `x`'s shape but along that axis (as `argsort` gives), or with `axis=None` of the flattened `x`;
    each index checked (negative ones count from the end); the gradient goes to the elements read."""
    _arity(cg, node, args, 2, 3)
    _keywords(cg, node, kwargs, ("axis",))
    x, indices = _array(cg, node, args[0]), _array(cg, node, args[1])
    axis = _static(cg, node, args, 2, kwargs, "axis", None)
    if element_type(indices.type) != I64:
        cg.error(node, "np.take_along_axis: the indices must be an int64 array", ZygTypeError)
    if axis is None:
        x, axis = _ravel(False)(cg, node, [x], {}), 0
    if rank_of(indices.type) != rank_of(x.type):
        cg.error(node, "np.take_along_axis: `indices` and `x` must have the same number of dimensions", ZygTypeError)
    rows, permutation, dims, axis = _rows_along(cg, node, x, axis)
    index_rows, _, index_dims, _ = _rows_along(cg, node, indices, axis)
    for a, b in zip(index_dims[:-1], dims[:-1]):
        cg.check(cg.value(arith.CmpiOp(a, b, "eq")), "ValueError", "np.take_along_axis: the shapes of `x` and "
                 "`indices` differ off the axis (zyg does not broadcast them)")
    n = cg.to_int(cg.dims(rows)[1])
    outside = cg.binary(ast.BitOr(), cg.compare(ast.Lt(), index_rows, cg.binary(ast.Sub(), cg.const(0), n)),
                        cg.compare(ast.GtE(), index_rows, n))
    misses = cg.reduce("sum", cg.convert_element(outside, I64), [0, 1], False)
    cg.check(cg.value(arith.CmpiOp(misses, cg.const(0), "eq")), "IndexError",
             "np.take_along_axis: an index is out of bounds for the axis")
    wrapped = cg.where(cg.compare(ast.Lt(), index_rows, cg.const(0)), cg.binary(ast.Add(), index_rows, n), index_rows)
    return _back(cg, _gather_rows(cg, rows, wrapped), permutation, index_dims)


# Binary search, compiled by zyg as a user's helper is (its `while` loop of ceil(log2(n + 1)) rounds
# over all the queries at once): `lo` and `hi` bracket each query's insertion point; NaN sorts last.

def _search(a, v, right):
    lo = np.zeros(v.shape, dtype=np.int64)
    hi = np.zeros(v.shape, dtype=np.int64) + a.shape[0]
    while np.any(lo < hi):
        mid = (lo + hi) // 2
        at = a[np.minimum(mid, a.shape[0] - 1)]
        # v goes after `at`: below it, or equal on the right side; NaN sorts last, as in NumPy
        below = (at < v) | (right & (at == v)) | ((v != v) & (right | (at == at)))
        open_ = lo < hi
        lo = np.where(open_ & below, mid + 1, lo)
        hi = np.where(open_ & (below == False), mid, hi)  # noqa: E712 (no `~` of a bool array here)
    return lo


def _searchsorted(cg, node, args, kwargs):
    """`np.searchsorted(a, v, side='left')` of a sorted 1-D `a`: where each of `v` would be inserted
    (ints, no gradient); O(len(v) log len(a)), as NumPy's."""
    _arity(cg, node, args, 2, 3)
    _keywords(cg, node, kwargs, ("side",))
    a = _array(cg, node, args[0])
    if rank_of(a.type) != 1:
        cg.error(node, "np.searchsorted: the sorted array must be 1-D", ZygTypeError)
    side = _static(cg, node, args, 2, kwargs, "side", "left")
    if side not in ("left", "right"):
        cg.error(node, f"np.searchsorted: side must be 'left' or 'right', got {side!r}", ZygTypeError)
    v = args[1]
    scalar = not is_array(v.type)
    queries = cg.splat(v, v.type, [cg.index(1)]) if scalar else v
    found = cg.call_compiled(node, _search, [a, queries, cg.const(side == "right")])
    if scalar:
        return cg.value(tensor.ExtractOp(found, [cg.index(0)], I64))
    return found


# The Cholesky factor, column by column (a vector product per column), compiled as a user's helper is,
# so its gradient is that of the loop: it reads the lower triangle of `a` only, as NumPy does. It
# returns the smallest pivot too, which the caller checks (a matrix that is not positive definite
# gives a pivot <= 0 or NaN, and a NaN factor until then).

def _cholesky_lower(a):
    n = a.shape[0]
    lower = np.zeros((n, n))
    smallest = 1.0
    for j in range(n):
        pivot = a[j, j] - np.sum(lower[j, :j] * lower[j, :j])
        smallest = min(smallest, pivot) if pivot == pivot else pivot
        root = np.sqrt(pivot)
        lower[j, j] = root
        lower[j + 1:, j] = (a[j + 1:, j] - lower[j + 1:, :j] @ lower[j, :j]) / root
    return lower, smallest


def _cholesky(cg, node, args, kwargs):
    """`np.linalg.cholesky(a)` of a 2-D symmetric positive-definite `a` (its lower triangle is read):
    the lower factor L with a = L L^T; `LinAlgError` when `a` is not positive definite."""
    _arity(cg, node, args, 1)
    _keywords(cg, node, kwargs, ())
    a = _array(cg, node, args[0])
    if rank_of(a.type) != 2:
        cg.error(node, f"np.linalg.cholesky of a {rank_of(a.type)}-D array is not supported (only 2-D)",
                 UnsupportedSyntaxError)
    dims = cg.dims(a)
    cg.check(cg.value(arith.CmpiOp(dims[0], dims[1], "eq")), "LinAlgError", "Last 2 dimensions of the array must be square")
    element = element_type(a.type)
    factor = cg.call_compiled(node, _cholesky_lower, [_float(cg, a) if element != F32 else cg.convert_element(a, F64)])
    lower, smallest = factor.items
    cg.check(cg.compare(ast.Gt(), smallest, cg.const(0.0)), "LinAlgError", "Matrix is not positive definite")
    return cg.convert_element(lower, F32) if element == F32 else lower


# Householder QR with LAPACK's conventions (`dgeqrf`/`dorgqr`: each reflector makes its diagonal entry
# -sign(x0) * |x|, a column already zero below the diagonal is left as it is), so Q and R are NumPy's;
# compiled as a user's helper is, its gradient is that of the loop.

def _householder_qr(a):
    m = a.shape[0]
    n = a.shape[1]
    k = min(m, n)
    r = a.copy()
    q = np.eye(m, k)
    reflectors = np.zeros((k, m))
    scales = np.zeros(k)
    for j in range(k):
        x = r[j:, j].copy()
        alpha = x[0]
        rest = np.sum(x[1:] * x[1:])
        if rest != 0.0:
            norm = np.sqrt(alpha * alpha + rest)
            beta = -norm if alpha >= 0.0 else norm
            v = x / (alpha - beta)
            v[0] = 1.0
            scale = (beta - alpha) / beta
            r[j:, :] = r[j:, :] - scale * np.outer(v, v @ r[j:, :])
            reflectors[j, j:] = v
            scales[j] = scale
    for j in range(k - 1, -1, -1):
        v = reflectors[j, j:].copy()
        q[j:, :] = q[j:, :] - scales[j] * np.outer(v, v @ q[j:, :])
    return q, np.triu(r[:k, :])


def _qr(cg, node, args, kwargs):
    """`np.linalg.qr(a, mode='reduced')` of a 2-D `a`: `(Q, R)` as NumPy computes them (mode 'r': `R`)."""
    _arity(cg, node, args, 1, 2)
    _keywords(cg, node, kwargs, ("mode",))
    a = _array(cg, node, args[0])
    mode = _static(cg, node, args, 1, kwargs, "mode", "reduced")
    if rank_of(a.type) != 2:
        cg.error(node, f"np.linalg.qr of a {rank_of(a.type)}-D array is not supported (only 2-D)", UnsupportedSyntaxError)
    if mode not in ("reduced", "r"):
        cg.error(node, f"np.linalg.qr: mode {mode!r} is not supported ('reduced' and 'r' are)", UnsupportedSyntaxError)
    element = element_type(a.type)
    q, r = cg.call_compiled(node, _householder_qr, [cg.convert_element(a, F64) if element != F64 else a]).items
    if element == F32:
        q, r = cg.convert_element(q, F32), cg.convert_element(r, F32)
    return r if mode == "r" else Struct(TUPLE, [q, r])


def _sort(cg, node, args, kwargs):
    """`np.sort(x, axis=-1, kind=None)`: each row gathered at its sorting positions, so the gradient
    of an element goes to the element that was moved there."""
    _arity(cg, node, args, 1, 2)
    _keywords(cg, node, kwargs, ("axis", "kind"))
    axis = _static(cg, node, args, 1, kwargs, "axis", -1)
    positions, rows, permutation, dims = _positions(cg, node, args[0], axis)
    return _back(cg, _gather_rows(cg, rows, positions), permutation, dims)


# --------------------------------------------------------------------------------------------------
# Rearrangements
# --------------------------------------------------------------------------------------------------

def along(cg, x: SSAValue, axis: int, start: SSAValue, size: SSAValue, stride: int) -> SSAValue:
    """`x` sliced along `axis` (`size` elements from `start`, every `stride`-th, index values), whole
    along the others."""
    dims = cg.dims(x)
    zero, one = cg.index(0), cg.index(1)
    offsets = [start if a == axis else zero for a in range(len(dims))]
    sizes = [size if a == axis else d for a, d in enumerate(dims)]
    strides = [cg.index(stride) if a == axis else one for a in range(len(dims))]
    return cg.get_slice(x, BasicIndex(offsets, sizes, strides, list(range(len(dims))), sizes))


def _axis(cg, node: ast.Call, x: SSAValue, axis: int) -> int:
    rank = rank_of(x.type)
    if not isinstance(axis, int) or not -rank <= axis < rank:
        cg.error(node, f"axis {axis!r} is out of bounds for an array of rank {rank}", ZygTypeError)
    return axis % rank


def _diff(cg, node, args, kwargs):
    """`np.diff(x, n=1, axis=-1)`: `x[1:] - x[:-1]` along the axis, n times."""
    _arity(cg, node, args, 1, 2, 3)
    _keywords(cg, node, kwargs, ("n", "axis"))
    x = _array(cg, node, args[0])
    n = _static(cg, node, args, 1, kwargs, "n", 1)
    axis = _axis(cg, node, x, _static(cg, node, args, 2, kwargs, "axis", -1))
    if not isinstance(n, int) or n < 0:
        cg.error(node, f"np.diff: order must be non-negative but got {n!r}", ZygTypeError)
    for _ in range(n):
        length = cg.dims(x)[axis]
        shorter = cg.value(arith.MaxSIOp(cg.value(arith.SubiOp(length, cg.index(1))), cg.index(0)))
        x = cg.binary(ast.Sub(), along(cg, x, axis, cg.index(1), shorter, 1),
                      along(cg, x, axis, cg.index(0), shorter, 1))
    return x


def _flip(fixed_axis: int | None = None):
    def handler(cg, node, args, kwargs):
        _arity(cg, node, args, 1, 2)
        _keywords(cg, node, kwargs, () if fixed_axis is not None else ("axis",))
        x = _array(cg, node, args[0])
        if fixed_axis is not None:
            if rank_of(x.type) <= fixed_axis:
                cg.error(node, f"{ast.unparse(node.func)}: the array needs at least {fixed_axis + 1} dimensions",
                         ZygTypeError)
            axes = [fixed_axis]
        else:
            axis = _static(cg, node, args, 1, kwargs, "axis", None)
            axes = list(range(rank_of(x.type))) if axis is None else \
                [_axis(cg, node, x, a) for a in (axis if isinstance(axis, (tuple, list)) else [axis])]
        for a in axes:
            n = cg.dims(x)[a]
            last = cg.value(arith.SubiOp(n, cg.index(1)))
            x = along(cg, x, a, last, n, -1)
        return _copy(cg, x)  # NumPy returns a view; a copy cannot be updated through the original

    return handler


def _roll(cg, node, args, kwargs):
    """`np.roll(x, shift, axis=None)`: elements shifted along the axis (of the flattened array without
    one), those past the end coming back at the start."""
    _arity(cg, node, args, 2, 3)
    _keywords(cg, node, kwargs, ("shift", "axis"))
    x = _array(cg, node, args[0])
    shift = args[1]
    axis = _static(cg, node, args, 2, kwargs, "axis", None)
    if isinstance(shift, SSAValue) and shift.type == I64:
        shifts = [shift]
    else:
        cg.error(node, "np.roll: the shift must be an int", UnsupportedSyntaxError)
    flat = axis is None
    dims = cg.dims(x)
    if flat:
        x = _ravel(False)(cg, node, [x], {})
        axis = 0
    axis = _axis(cg, node, x, axis)
    n = cg.to_int(cg.dims(x)[axis])
    safe_n = cg.value(arith.MaxSIOp(n, cg.const(1)))
    split = cg.value(arith.RemSIOp(cg.value(arith.AddiOp(cg.value(arith.RemSIOp(shifts[0], safe_n)), safe_n)), safe_n))
    tail = cg.value(arith.SubiOp(n, split))  # the first n - s elements move to the end
    start = cg.to_index(tail)
    rolled = concatenate(cg, node, [along(cg, x, axis, start, cg.to_index(split), 1),
                                    along(cg, x, axis, cg.index(0), start, 1)], axis)
    return _with_new_dims(cg, rolled, dims) if flat else rolled


def _triangle(upper: bool):
    def handler(cg, node, args, kwargs):
        """`np.triu(x, k=0)` / `np.tril(x, k=0)` of the last two axes: the other elements zero."""
        _arity(cg, node, args, 1, 2)
        _keywords(cg, node, kwargs, ("k",))
        x = _array(cg, node, args[0])
        k = args[1] if len(args) > 1 else cg.visit(kwargs["k"]) if "k" in kwargs else cg.const(0)
        if rank_of(x.type) < 2:
            cg.error(node, f"{ast.unparse(node.func)} of a {rank_of(x.type)}-D array is not supported "
                     "(only 2-D and above)", UnsupportedSyntaxError)
        dims = cg.dims(x)[-2:]
        rows, cols = _iota(cg, dims, 0), _iota(cg, dims, 1)
        offset = cg.binary(ast.Sub(), cols, rows)  # j - i
        keep = cg.compare(ast.GtE() if upper else ast.LtE(), offset, k)
        return cg.where(keep, x, cg.const(0.0) if element_type(x.type) in (F64, F32) else cg.const(0))

    return handler


LIBRARY_HANDLERS = {
    np.reciprocal: _reciprocal,
    np.negative: _negative,
    np.positive: _positive,
    np.deg2rad: _scaled(math.pi / 180.0),
    np.radians: _scaled(math.pi / 180.0),
    np.rad2deg: _scaled(180.0 / math.pi),
    np.degrees: _scaled(180.0 / math.pi),
    np.sinc: _sinc,
    np.var: _statistic(root=False),
    np.std: _statistic(root=True),
    np.average: _average,
    np.diff: _diff,
    np.flip: _flip(),
    np.flipud: _flip(0),
    np.fliplr: _flip(1),
    np.roll: _roll,
    np.argmax: _arg_extremum(True),
    np.argmin: _arg_extremum(False),
    np.linalg.norm: _norm,
    np.argsort: _argsort,
    np.sort: _sort,
    np.take_along_axis: _take_along_axis,
    np.searchsorted: _searchsorted,
    np.linalg.cholesky: _cholesky,
    np.linalg.qr: _qr,
    np.triu: _triangle(upper=True),
    np.tril: _triangle(upper=False),
}

LIBRARY_METHODS = {
    "var": LIBRARY_HANDLERS[np.var],
    "std": LIBRARY_HANDLERS[np.std],
    "argmax": LIBRARY_HANDLERS[np.argmax],
    "argmin": LIBRARY_HANDLERS[np.argmin],
    "argsort": LIBRARY_HANDLERS[np.argsort],
}
