"""More NumPy functions composed of operations the frontend already has (no op or rule of their own).

In: the codegen, the call node, the positional argument values and the keyword argument nodes (the
handler convention of `zyg.frontend.numpy_functions`). Out: the value, built from slices, gathers,
concatenations, broadcasts, reshapes, `where`, iotas and elementwise arithmetic, so autodiff,
forward mode and lowering need nothing new. Scans: `cumsum cumprod`, a log-depth doubling scan
compiled from the Python functions below (a `while` loop of ceil(log2 n) rounds, O(n log n));
diagonals: `diag diagonal`; rearrangements: `repeat take kron cross pad`; truth tests, whose
results carry no gradient: `isclose allclose any all`; and `np.float64(x)`.
"""

from __future__ import annotations

import ast

import numpy as np
from xdsl.dialects import arith, tensor
from xdsl.dialects import math as mathd
from xdsl.ir import SSAValue

from zyg.dialects.zyg_arrays import ExpandOp
from zyg.dialects.zyg_shapes import ReshapeOp
from zyg.errors import UnsupportedSyntaxError, ZygTypeError
from zyg.frontend.indexing import BasicIndex, array_float
from zyg.frontend.numpy_library import _arity, _array, _axis, _keywords, _static, along
from zyg.frontend.shape_functions import (
    _copy,
    _iota,
    _product,
    _with_new_dims,
    array_from_nested,
    concatenate,
    convert,
    expand_dims,
    known_int,
)
from zyg.frontend.trees import Struct
from zyg.frontend.types import F32, F64, I1, I64, element_type, is_array, python_type_name, rank_of

# --------------------------------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------------------------------


def _argument(cg, node: ast.Call, args: list, position: int, kwargs: dict, name: str, default=None):
    """A run-time argument given by position (its value) or keyword (visited here), or `default`."""
    if len(args) > position:
        return args[position]
    return cg.visit(kwargs[name]) if name in kwargs else default


def _int(cg, node: ast.Call, v: object, what: str) -> SSAValue:
    if isinstance(v, Struct) or v.type not in (I64, I1):
        kind = "tuple or list" if isinstance(v, Struct) else python_type_name(v.type)
        cg.error(node, f"{ast.unparse(node.func)}: {what} must be an int, got a {kind}", ZygTypeError)
    return cg.convert(v, I64)


def _as_array(cg, node: ast.Call, x: object) -> SSAValue:
    """An array argument; a number is a 1-element 1-D array (as NumPy's cumsum, repeat do)."""
    if isinstance(x, SSAValue) and not is_array(x.type):
        return cg.splat(x, x.type, [cg.index(1)])
    return _array(cg, node, x)


def _flat(cg, x: SSAValue) -> SSAValue:
    """The elements of `x` as a 1-D array in row-major order (a view, as `np.ravel`)."""
    return _with_new_dims(cg, x, [_product(cg, cg.dims(x))])


def _zero(cg, element) -> SSAValue:
    return cg.const(0.0) if element in (F64, F32) else cg.const(False) if element == I1 else cg.const(0)


def _front(rank: int, axis: int) -> list[int]:
    """The permutation that moves `axis` first, the others keeping their order."""
    return [axis, *(a for a in range(rank) if a != axis)]


def _inverse(permutation: list[int]) -> list[int]:
    inverse = [0] * len(permutation)
    for position, axis in enumerate(permutation):
        inverse[axis] = position
    return inverse


# --------------------------------------------------------------------------------------------------
# Scans
# --------------------------------------------------------------------------------------------------
# Compiled by zyg as user functions are (their loop, its tapes and its derivatives come from there),
# for the first axis. Round j combines each element with the one 2**j places before it (the right
# side is a new array, so every element reads the previous round), and after ceil(log2 n) rounds
# element i combines elements 0..i (Hillis-Steele); updating `x[k:]` in place leaves the first k
# elements where they are. A multiplication scan stays exact with zeros and negative numbers, where
# exp(cumsum(log x)) would not.


def _scan_sum(x):
    x = x.copy()  # the rounds update a new array, never the caller's (nor return it when none runs)
    n = x.shape[0]
    k = 1
    while k < n:
        x[k:] = x[k:] + x[: n - k]
        k = 2 * k
    return x


def _scan_product(x):
    x = x.copy()
    n = x.shape[0]
    k = 1
    while k < n:
        x[k:] = x[k:] * x[: n - k]
        k = 2 * k
    return x


def _cumulative(scan):
    def handler(cg, node, args, kwargs):
        """`np.cumsum(x, axis=None)` / `np.cumprod`: of the flattened array without an axis; a bool
        array counts as int64, as in NumPy."""
        _arity(cg, node, args, 1, 2)
        _keywords(cg, node, kwargs, ("axis",))
        x = _as_array(cg, node, args[0])
        axis = _static(cg, node, args, 1, kwargs, "axis", None)
        if element_type(x.type) == I1:
            x = cg.convert_element(x, I64)
        if axis is None:
            x, axis = _flat(cg, x), 0
        axis = _axis(cg, node, x, axis)
        permutation = _front(rank_of(x.type), axis)
        scanned = cg.call_compiled(node, scan, [cg.transpose(x, permutation)])
        return cg.transpose(scanned, _inverse(permutation))

    return handler


# --------------------------------------------------------------------------------------------------
# Diagonals
# --------------------------------------------------------------------------------------------------

def diagonal(cg, x: SSAValue, k: SSAValue) -> SSAValue:
    """The `k`-th diagonal of matrix `x` (`k` an int): one strided slice of the flattened matrix, from
    element (0, k) or (-k, 0), every (columns + 1)-th element."""
    rows, cols = (cg.to_int(d) for d in cg.dims(x))
    zero = cg.const(0)
    above = cg.value(arith.CmpiOp(k, zero, "sge"))
    length_above = cg.value(arith.MinSIOp(rows, cg.value(arith.SubiOp(cols, k))))
    length_below = cg.value(arith.MinSIOp(cg.value(arith.AddiOp(rows, k)), cols))
    length = cg.value(arith.MaxSIOp(cg.value(arith.SelectOp(above, length_above, length_below)), zero))
    start = cg.value(arith.SelectOp(above, k, cg.value(arith.MuliOp(cg.value(arith.SubiOp(zero, k)), cols))))
    empty = cg.value(arith.CmpiOp(length, zero, "eq"))
    start = cg.value(arith.SelectOp(empty, zero, start))  # no element past the end, even to start from
    size = cg.to_index(length)
    stride = cg.to_index(cg.value(arith.AddiOp(cols, cg.const(1))))
    index = BasicIndex([cg.to_index(start)], [size], [stride], [0], [size])
    return cg.get_slice(_flat(cg, x), index)


def _diagonal_matrix(cg, node: ast.Call, v: SSAValue, k: SSAValue) -> SSAValue:
    """The square matrix with `v` on its `k`-th diagonal and zeros elsewhere: element (i, j) on that
    diagonal is `v[i]` above the main diagonal and `v[j]` below it."""
    element = element_type(v.type)
    above = cg.value(arith.CmpiOp(k, cg.const(0), "sge"))
    size = cg.to_index(cg.value(arith.SelectOp(above, k, cg.value(arith.SubiOp(cg.const(0), k)))))
    padded = concatenate(cg, node, [v, cg.splat(_zero(cg, element), element, [size])], 0)
    m = cg.dims(padded)[0]
    by_row = cg.broadcast_to(expand_dims(cg, padded, [1]), [m, m])  # (i, j) -> padded[i]
    by_column = cg.broadcast_to(padded, [m, m])  # (i, j) -> padded[j]
    known = known_int(k)
    source = by_row if known is not None and known >= 0 else by_column if known is not None else \
        cg.where(above, by_row, by_column)
    on_diagonal = cg.compare(ast.Eq(), cg.binary(ast.Sub(), _iota(cg, [m, m], 1), _iota(cg, [m, m], 0)), k)
    return cg.where(on_diagonal, source, _zero(cg, element))


def _diag(cg, node, args, kwargs):
    """`np.diag(v, k=0)`: a 1-D `v` on the k-th diagonal of a square matrix, or the k-th diagonal of a
    2-D `v`; `k` may be a run-time int."""
    _arity(cg, node, args, 1, 2)
    _keywords(cg, node, kwargs, ("k",))
    x = _array(cg, node, args[0])
    k = _int(cg, node, _argument(cg, node, args, 1, kwargs, "k", cg.const(0)), "k")
    if rank_of(x.type) == 1:
        return _diagonal_matrix(cg, node, x, k)
    if rank_of(x.type) == 2:
        return diagonal(cg, x, k)
    cg.error(node, f"np.diag: the input must be 1-D or 2-D, got a {python_type_name(x.type)}", ZygTypeError)


def _diagonal(cg, node, args, kwargs):
    """`np.diagonal(x, offset=0)` and `x.diagonal(offset)` of a 2-D array (a read-only view in NumPy)."""
    _arity(cg, node, args, 1, 2)
    _keywords(cg, node, kwargs, ("offset",))
    x = _array(cg, node, args[0])
    if rank_of(x.type) != 2:
        cg.error(node, f"diagonal of a {python_type_name(x.type)} is not supported (only 2-D arrays)",
                 UnsupportedSyntaxError)
    return diagonal(cg, x, _int(cg, node, _argument(cg, node, args, 1, kwargs, "offset", cg.const(0)), "offset"))


# --------------------------------------------------------------------------------------------------
# Rearrangements
# --------------------------------------------------------------------------------------------------

def _repeat(cg, node, args, kwargs):
    """`np.repeat(x, repeats, axis=None)` with an int `repeats` (a run-time value is fine): each element
    repeated in place, as `zyg.expand` along a new axis after `axis` and one reshape (so its adjoint
    sums the copies); with an array or list of repeats, `_repeat_each`."""
    _arity(cg, node, args, 1, 2, 3)
    _keywords(cg, node, kwargs, ("repeats", "axis"))
    x = _as_array(cg, node, args[0])
    repeats = _argument(cg, node, args, 1, kwargs, "repeats")
    if repeats is None:
        cg.error(node, "np.repeat() needs the number of repeats", ZygTypeError)
    if isinstance(repeats, Struct) or is_array(repeats.type):
        return _repeat_each(cg, node, x, repeats, kwargs)
    repeats = _int(cg, node, repeats, "repeats")
    if known_int(repeats) is None or known_int(repeats) < 0:
        cg.check(cg.value(arith.CmpiOp(repeats, cg.const(0), "sge")), "ValueError",
                 "negative dimensions are not allowed")
    axis = _static(cg, node, args, 2, kwargs, "axis", None)
    if axis is None:
        x, axis = _flat(cg, x), 0
    axis = _axis(cg, node, x, axis)
    count, dims = cg.to_index(repeats), cg.dims(x)
    spread_dims = [*dims[: axis + 1], count, *dims[axis + 1:]]
    spread = cg.with_dims(cg.value(ExpandOp(x, spread_dims, [axis + 1], False)), spread_dims)
    out_dims = [cg.value(arith.MuliOp(d, count)) if a == axis else d for a, d in enumerate(dims)]
    return cg.with_dims(cg.value(ReshapeOp(spread, out_dims)), out_dims)


# The source position of each element of `np.repeat`'s result, for one count per element: where it
# falls among the running totals of the counts.

def _repeat_positions(counts):
    ends = np.cumsum(counts)
    total = ends[-1] if ends.shape[0] > 0 else 0
    return np.searchsorted(ends, np.arange(total), side="right")


def _repeat_each(cg, node, x: SSAValue, repeats: object, kwargs: dict) -> SSAValue:
    """`np.repeat(x, repeats, axis=None)` with a count per element (a 1-D int array or list, or one
    count for all): a gather at the source positions, so the adjoint adds up each element's copies."""
    counts = array_from_nested(cg, node, repeats) if isinstance(repeats, Struct) else repeats
    if element_type(counts.type) not in (I64, I1) or rank_of(counts.type) != 1:
        cg.error(node, "np.repeat: repeats must be an int or a 1-D array (or list) of ints", ZygTypeError)
    counts = cg.convert_element(counts, I64)
    axis = _static(cg, node, [], 2, kwargs, "axis", None)
    size = _product(cg, cg.dims(x)) if axis is None else cg.dims(x)[_axis(cg, node, x, axis)]
    given = cg.dims(counts)[0]
    fits = cg.value(arith.OrIOp(cg.value(arith.CmpiOp(given, size, "eq")), cg.value(arith.CmpiOp(given, cg.index(1), "eq"))))
    cg.check(fits, "ValueError", "operands could not be broadcast together with shape ({0},) ({1},)", [size, given])
    counts = cg.broadcast_to(counts, [size])
    negative = cg.reduce("sum", cg.compare(ast.Lt(), counts, cg.const(0)), [0], False)
    cg.check(cg.value(arith.CmpiOp(negative, cg.const(0), "eq")), "ValueError", "repeats may not contain negative values")
    positions = cg.call_compiled(node, _repeat_positions, [counts])
    return _take(cg, node, [x, positions], {k: v for k, v in kwargs.items() if k == "axis"})


def _take(cg, node, args, kwargs):
    """`np.take(x, indices, axis=None)`: an int or an int64 array of indices (negative ones count from
    the end), each checked; without an axis, of the flattened array."""
    _arity(cg, node, args, 1, 2, 3)
    _keywords(cg, node, kwargs, ("indices", "axis"))
    x = _array(cg, node, args[0])
    indices = _argument(cg, node, args, 1, kwargs, "indices")
    if indices is None:
        cg.error(node, "np.take() needs the indices", ZygTypeError)
    axis = _static(cg, node, args, 2, kwargs, "axis", None)
    if axis is None:
        x, axis = _flat(cg, x), 0
    axis = _axis(cg, node, x, axis)
    rank, dims = rank_of(x.type), cg.dims(x)
    if not isinstance(indices, Struct) and not is_array(indices.type):  # x[..., i, ...]: the axis goes
        offset = cg.checked_index(node, _int(cg, node, indices, "an index"), dims[axis], axis)
        zero, one = cg.index(0), cg.index(1)
        offsets = [offset if a == axis else zero for a in range(rank)]
        if rank == 1:
            return cg.value(tensor.ExtractOp(x, offsets, element_type(x.type)))
        sizes = [one if a == axis else d for a, d in enumerate(dims)]
        kept = [a for a in range(rank) if a != axis]
        index = BasicIndex(offsets, sizes, [one] * rank, kept, [dims[a] for a in kept])
        return _copy(cg, cg.get_slice(x, index))
    if isinstance(indices, Struct) or element_type(indices.type) != I64:
        cg.error(node, "np.take: the indices must be an int or an int64 array", UnsupportedSyntaxError)
    gathered = cg.gather(cg.transpose(x, _front(rank, axis)), indices, axis)
    count = rank_of(indices.type)  # gathered: the indices' axes, then x's other axes in order
    permutation = [*range(count, count + axis), *range(count), *range(count + axis, count + rank - 1)]
    return cg.transpose(gathered, permutation)


def _kron(cg, node, args, kwargs):
    """`np.kron(a, b)`: the block matrix of `a[i, j] * b` (any equal rank, the lower one padded with
    leading axes of size 1), as one broadcast product of `a` and `b` with interleaved axes."""
    _arity(cg, node, args, 2)
    _keywords(cg, node, kwargs, ())
    a, b = args
    if not (is_array(a.type) and is_array(b.type)):
        return cg.binary(ast.Mult(), a, b)
    rank = max(rank_of(a.type), rank_of(b.type))
    a, b = (expand_dims(cg, v, list(range(rank - rank_of(v.type)))) if rank_of(v.type) < rank else v for v in (a, b))
    da, db = cg.dims(a), cg.dims(b)
    one = cg.index(1)
    spread_a = _with_new_dims(cg, a, [d for pair in zip(da, [one] * rank) for d in pair])
    spread_b = _with_new_dims(cg, b, [d for pair in zip([one] * rank, db) for d in pair])
    both_bool = element_type(a.type) == element_type(b.type) == I1  # NumPy's kron of bools is a bool array
    product = cg.binary(ast.BitAnd() if both_bool else ast.Mult(), spread_a, spread_b)
    out_dims = [cg.value(arith.MuliOp(p, q)) for p, q in zip(da, db)]
    return cg.with_dims(cg.value(ReshapeOp(product, out_dims)), out_dims)


def _cross(cg, node, args, kwargs):
    """`np.cross(a, b)` of 3-vectors along the last axis (the other axes broadcast, as `(n, 3)` rows)."""
    _arity(cg, node, args, 2)
    _keywords(cg, node, kwargs, ())
    a, b = (_array(cg, node, v) for v in args)
    for v in (a, b):
        last = cg.dims(v)[-1]
        cg.check(cg.value(arith.CmpiOp(last, cg.index(3), "eq")), "ValueError",
                 "np.cross: incompatible dimensions for cross product (dimension must be 3, got {0}; "
                 "2-vectors are not supported)", [last])
    (a0, a1, a2), (b0, b1, b2) = ([along(cg, v, rank_of(v.type) - 1, cg.index(i), cg.index(1), 1) for i in range(3)]
                                  for v in (a, b))

    def minor(p, q, r, s):
        return cg.binary(ast.Sub(), cg.binary(ast.Mult(), p, q), cg.binary(ast.Mult(), r, s))

    parts = [minor(a1, b2, a2, b1), minor(a2, b0, a0, b2), minor(a0, b1, a1, b0)]
    return concatenate(cg, node, parts, rank_of(parts[0].type) - 1)


def _pad_widths(cg, node: ast.Call, width: object, rank: int) -> list[tuple[int, int]]:
    """NumPy's `pad_width` forms (`n`, `(n,)`, `(before, after)`, `((before, after),)` or one pair per
    axis) as one `(before, after)` pair per axis."""
    def pair(item: object) -> tuple[int, int] | None:
        ints = [item] if isinstance(item, int) else list(item) if isinstance(item, (tuple, list)) else []
        if len(ints) in (1, 2) and all(isinstance(w, int) and not isinstance(w, bool) for w in ints):
            return ints[0], ints[-1]
        return None

    single = pair(width)
    if single is not None:
        pairs = [single] * rank
    else:
        items = list(width) if isinstance(width, (tuple, list)) else []
        pairs = [pair(item) if isinstance(item, (tuple, list)) else None for item in items]
        pairs = pairs * rank if len(pairs) == 1 else pairs
    if len(pairs) != rank or None in pairs:
        cg.error(node, f"np.pad: pad_width {width!r} does not give ints for the {rank} axes", ZygTypeError)
    if any(w < 0 for p in pairs for w in p):
        cg.error(node, "np.pad: index can't contain negative values", ZygTypeError)
    return pairs


def _pad(cg, node, args, kwargs):
    """`np.pad(x, pad_width, mode='constant', constant_values=0)`: `pad_width` known at compile time,
    `constant_values` a scalar (a run-time one has a gradient); each padded axis is one concatenation."""
    _arity(cg, node, args, 1, 2, 3)
    _keywords(cg, node, kwargs, ("pad_width", "mode", "constant_values"))
    x = _array(cg, node, args[0])
    if len(node.args) < 2 and "pad_width" not in kwargs:
        cg.error(node, "np.pad() needs pad_width", ZygTypeError)
    pairs = _pad_widths(cg, node, _static(cg, node, args, 1, kwargs, "pad_width", None), rank_of(x.type))
    mode = _static(cg, node, args, 2, kwargs, "mode", "constant")
    if mode != "constant":
        cg.error(node, f"np.pad: mode {mode!r} is not supported (only 'constant')", UnsupportedSyntaxError)
    element = element_type(x.type)
    value = cg.visit(kwargs["constant_values"]) if "constant_values" in kwargs else _zero(cg, element)
    if isinstance(value, Struct) or is_array(value.type):
        cg.error(node, "np.pad: constant_values must be a scalar", UnsupportedSyntaxError)
    value = convert(cg, node, value, element)
    for axis, (before, after) in enumerate(pairs):
        if before == after == 0:
            continue
        dims = cg.dims(x)
        sides = [cg.splat(value, element, [cg.index(w) if a == axis else d for a, d in enumerate(dims)])
                 for w in (before, after)]
        x = concatenate(cg, node, [sides[0], x, sides[1]], axis)
    return _copy(cg, x) if all(p == (0, 0) for p in pairs) else x


# --------------------------------------------------------------------------------------------------
# Truth tests (no gradient) and conversions
# --------------------------------------------------------------------------------------------------

def _magnitude(cg, x: SSAValue) -> SSAValue:
    return cg.array_unary(mathd.AbsFOp, x) if is_array(x.type) else cg.value(mathd.AbsFOp(x))


def _as_float(cg, v: SSAValue) -> SSAValue:
    return v if element_type(v.type) in (F64, F32) else cg.convert_element(v, F64)


def _close(cg, node: ast.Call, args: list, kwargs: dict) -> SSAValue:
    """NumPy's `isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False)`: `|a - b| <= atol + rtol |b|`
    with `b` finite, or `a == b` (equal infinities), or both NaN with `equal_nan`."""
    _arity(cg, node, args, 2, 3, 4, 5)
    _keywords(cg, node, kwargs, ("rtol", "atol", "equal_nan"))
    a, b = (_as_float(cg, v) for v in args[:2])
    rtol = _as_float(cg, _argument(cg, node, args, 2, kwargs, "rtol", cg.const(1e-05)))
    atol = _as_float(cg, _argument(cg, node, args, 3, kwargs, "atol", cg.const(1e-08)))
    equal_nan = bool(_static(cg, node, args, 4, kwargs, "equal_nan", False))
    bound = cg.binary(ast.Add(), atol, cg.binary(ast.Mult(), rtol, _magnitude(cg, b)))
    near = cg.compare(ast.LtE(), _magnitude(cg, cg.binary(ast.Sub(), a, b)), bound)
    finite = cg.compare(ast.Lt(), _magnitude(cg, b), cg.const(float("inf")))
    close = cg.binary(ast.BitOr(), cg.binary(ast.BitAnd(), near, finite), cg.compare(ast.Eq(), a, b))
    if equal_nan:
        both_nan = cg.binary(ast.BitAnd(), cg.compare(ast.NotEq(), a, a), cg.compare(ast.NotEq(), b, b))
        close = cg.binary(ast.BitOr(), close, both_nan)
    return close


def _allclose(cg, node, args, kwargs):
    """`np.allclose(...)`: whether `isclose` holds everywhere, a bool."""
    close = _close(cg, node, args, kwargs)
    return _every(cg, close, list(range(rank_of(close.type))), False) if is_array(close.type) else close


def _every(cg, mask: SSAValue, axes: list[int], keepdims: bool) -> SSAValue:
    """Whether a bool array is true everywhere along `axes`: no false element (true when empty)."""
    falses = cg.convert_element(cg.compare(ast.Eq(), cg.convert_element(mask, I64), cg.const(0)), I64)
    return cg.compare(ast.Eq(), cg.reduce("sum", falses, axes, keepdims), cg.const(0))


def _truth_reduction(every: bool):
    def handler(cg, node, args, kwargs):
        """`np.all(x, axis=None, keepdims=False)` / `np.any`: bools, true where every (some) element
        along the axes is nonzero (NaN counts as true); `all` of nothing is true, `any` false."""
        _arity(cg, node, args, 1, 2)
        _keywords(cg, node, kwargs, ("axis", "keepdims"))
        x = args[0]
        if isinstance(x, Struct):
            cg.error(node, f"{ast.unparse(node.func)} of a tuple or list is not supported", UnsupportedSyntaxError)
        axis = _static(cg, node, args, 1, kwargs, "axis", None)
        keepdims = bool(_static(cg, node, args, 99, kwargs, "keepdims", False))
        if not is_array(x.type):
            return cg.truth(x)
        axes = cg.normalise_axes(node, axis, rank_of(x.type))
        if element_type(x.type) == I1:
            x = cg.convert_element(x, I64)
        nonzero = cg.compare(ast.NotEq(), x, _zero(cg, element_type(x.type)))
        if every:
            return _every(cg, nonzero, axes, keepdims)
        trues = cg.reduce("sum", cg.convert_element(nonzero, I64), axes, keepdims)
        return cg.compare(ast.Gt(), trues, cg.const(0))

    return handler


def _float64(cg, node, args, kwargs):
    """`np.float64(x)` of a number or a 0-d array: a float; of a larger array, a float64 copy (as NumPy)."""
    _arity(cg, node, args, 0, 1)
    _keywords(cg, node, kwargs, ())
    if not args:
        return cg.const(0.0)
    x = args[0]
    if isinstance(x, Struct):
        cg.error(node, "np.float64 of a tuple or list is not supported", UnsupportedSyntaxError)
    if not is_array(x.type):
        return cg.convert_element(x, F64)
    if rank_of(x.type) == 0:
        return array_float(cg, node, x)
    return _copy(cg, x) if element_type(x.type) == F64 else cg.convert_element(x, F64)


MORE_HANDLERS = {
    np.cumsum: _cumulative(_scan_sum),
    np.cumprod: _cumulative(_scan_product),
    np.diag: _diag,
    np.diagonal: _diagonal,
    np.repeat: _repeat,
    np.take: _take,
    np.kron: _kron,
    np.cross: _cross,
    np.pad: _pad,
    np.isclose: _close,
    np.allclose: _allclose,
    np.all: _truth_reduction(every=True),
    np.any: _truth_reduction(every=False),
    np.float64: _float64,
}

MORE_METHODS = {
    "cumsum": MORE_HANDLERS[np.cumsum],
    "cumprod": MORE_HANDLERS[np.cumprod],
    "diagonal": _diagonal,
    "repeat": _repeat,
    "take": _take,
    "all": MORE_HANDLERS[np.all],
    "any": MORE_HANDLERS[np.any],
}
