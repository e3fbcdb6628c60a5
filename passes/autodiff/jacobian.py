"""Answers `ad.jacobian` (part of `ad-differentiate`): a Jacobian built in compiled code, row by row
(reverse mode) or column by column (forward mode), whichever takes fewer sweeps.

In: `ad.jacobian @f(args) {wrt}`. Out, in its place, code that builds one f64 matrix per
differentiated argument `a`, of m rows (the elements of f's float results together, each flattened
row-major) and one column per element of `a` (n: the elements of all of them together):

- rows: one `ad.forward @f` (the values and a tape), then an `scf.for` over the m rows whose body
  seeds each float result with its part of the row's one-hot vector, calls `ad.backward` once and
  writes each flattened gradient into row k of its matrix; one forward sweep and m reverse sweeps,
  each reading the one tape;
- columns: an `scf.for` over the n columns whose body gives each argument its part of the column's
  one-hot vector as tangent, calls `ad.jvp` once and writes the flattened float result tangents,
  concatenated, into the column of the matrix that holds column k; n forward sweeps.

Columns win when n < m. The sizes are known at run time only, so the choice is an `scf.if n < m`
after the `ad.forward` that both need for m (the columns free its tape at once: one forward
evaluation more than n), yielding the matrices of either. Where the types bound the sizes enough to
decide at compile time (a float-valued function: rows), only the winner is built, and a columns-only
expansion gets m from a plain call of `@f`. The `ad.forward`, `ad.backward` and `ad.jvp` left
behind are requests too: the driver answers the reverse ones next, outermost first, and `ad-jvp`
the forward ones (`ordering`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xdsl.dialects import arith, func, tensor
from xdsl.dialects.builtin import DYNAMIC_INDEX, Float64Type, TensorType
from xdsl.ir import Attribute, SSAValue
from zyg.dialects import ad
from zyg.dialects.zyg_arrays import SplatOp
from zyg.dialects.zyg_indexing import SetSliceOp
from zyg.dialects.zyg_shapes import ReshapeOp
from zyg.errors import ZygTypeError
from zyg.passes.autodiff.reverse import _source_loc
from zyg.passes.lower_zyg_linalg import for_range
from zyg.passes.lower_zyg_tensors import Builder

if TYPE_CHECKING:
    from zyg.passes.autodiff.driver import Differentiator

F64 = Float64Type()

Expansion = Callable[[Builder, ad.JacobianOp, list[Attribute]], list[SSAValue]]


@dataclass
class _Part:
    """A float result of the function, or a differentiated argument: the value, the dimensions it has
    (none for a scalar), its number of elements and, once stacked, its first element in the vector of
    all of them (a row of the Jacobian for a result, a column for an argument)."""

    value: SSAValue
    dims: list[SSAValue]
    size: SSAValue
    offset: SSAValue | None = None


def expand_jacobian(driver: Differentiator, request: ad.JacobianOp) -> None:
    """Replaces `request` by the loop of `ad.backward` or `ad.jvp` requests that builds its matrices."""
    loc = _source_loc(request)
    callee = request.callee.root_reference.data
    primal = driver.lookup(callee, loc)
    outputs = list(primal.function_type.outputs.data)
    if not any(map(ad.carries_gradient, outputs)):
        raise ZygTypeError("the differentiated function returns no float (a Jacobian differentiates the "
                           "float results of a function)", _source_loc(primal) or loc)
    b = Builder(request.parent_block(), request, request.location)
    jacobians = _sweep_order(request, outputs)(b, request, outputs)
    for old, new in zip(request.jacobians, jacobians, strict=True):
        old.replace_all_uses_with(new)
    request.parent_block().erase_op(request)


def _sweep_order(request: ad.JacobianOp, outputs: list[Attribute]) -> Expansion:
    """The expansion that builds `request`'s matrices: `_by_rows` where the types show that the
    arguments have at least as many elements as the float results (n >= m), `_by_columns` where they
    show fewer, else `_by_rows_or_columns`, which compares n and m at run time.

    With no argument element (n = 0) or no result element (m = 0), both build the same empty
    matrices, so the bounds count at least one of each."""
    n_least, n_most = _bounds(request.arguments[i].type for i in request.wrt_indices)
    m_least, m_most = _bounds(t for t in outputs if ad.carries_gradient(t))
    if m_most is not None and m_most <= max(n_least, 1):
        return _by_rows
    if n_most is not None and n_most < max(m_least, 1):
        return _by_columns
    return _by_rows_or_columns


def _bounds(types: Iterable[Attribute]) -> tuple[int, int | None]:
    """The fewest and the most elements that values of `types` hold together (None: no bound, as for
    a tensor with a dynamic dimension, which may also be empty)."""
    least, most = 0, 0
    for t in types:
        shape = t.get_shape() if isinstance(t, TensorType) else ()
        if DYNAMIC_INDEX in shape:
            most = None
            continue
        least += math.prod(shape)
        most = None if most is None else most + math.prod(shape)
    return least, most


def _by_rows(b: Builder, request: ad.JacobianOp, outputs: list[Attribute]) -> list[SSAValue]:
    """One `ad.forward`, then for each row k one `ad.backward` seeded with the k-th one-hot vector."""
    forward, results, m = _forward(b, request, outputs)
    arguments = [_part(b, request.arguments[i]) for i in request.wrt_indices]
    jacobians = _row_loop(b, request, forward, results, arguments, m)
    b(ad.TapeFreeOp(forward.tape))
    return jacobians


def _by_columns(b: Builder, request: ad.JacobianOp, outputs: list[Attribute]) -> list[SSAValue]:
    """A call of the function (for m, no tape: nothing reads one), then for each column k one `ad.jvp`
    with the k-th one-hot vector as tangent."""
    call = func.CallOp(request.callee.root_reference.data, list(request.arguments), outputs)
    b(call)
    results, m = _stacked(b, call.results)
    arguments, n = _stacked(b, [request.arguments[i] for i in request.wrt_indices])
    return _column_loop(b, request, outputs, results, arguments, n, m)


def _by_rows_or_columns(b: Builder, request: ad.JacobianOp, outputs: list[Attribute]) -> list[SSAValue]:
    """One `ad.forward` (for m), then `_column_loop` where n < m (its tape freed first: no
    `ad.backward` reads it) and `_row_loop` otherwise, in an `scf.if` yielding the matrices."""
    forward, results, m = _forward(b, request, outputs)
    arguments, n = _stacked(b, [request.arguments[i] for i in request.wrt_indices])

    def by_columns(inner: Builder) -> list[SSAValue]:
        inner(ad.TapeFreeOp(forward.tape))
        return _column_loop(inner, request, outputs, results, arguments, n, m)

    def by_rows(inner: Builder) -> list[SSAValue]:
        jacobians = _row_loop(inner, request, forward, results, arguments, m)
        inner(ad.TapeFreeOp(forward.tape))
        return jacobians

    fewer_columns = b(arith.CmpiOp(n, m, "ult"))
    return list(b.select_value(fewer_columns, [ad.JACOBIAN_TYPE] * len(arguments), by_columns, by_rows))


def _forward(b: Builder, request: ad.JacobianOp, outputs: list[Attribute]) -> tuple[ad.ForwardOp, list[_Part], SSAValue]:
    """The `ad.forward` of `request`'s function, its float results stacked, and m."""
    forward = ad.ForwardOp(request.callee.root_reference.data, request.arguments, outputs, request.wrt_indices)
    b(forward)
    results, m = _stacked(b, forward.values)
    return forward, results, m


def _stacked(b: Builder, values: Iterable[SSAValue]) -> tuple[list[_Part], SSAValue]:
    """The float ones of `values`, each with its offset in their concatenation, and its length."""
    parts, total = [], b.index(0)
    for value in values:
        if ad.carries_gradient(value.type):
            part = _part(b, value)
            part.offset, total = total, b(arith.AddiOp(total, part.size))
            parts.append(part)
    return parts, total


def _zero_matrices(b: Builder, m: SSAValue, arguments: list[_Part]) -> list[SSAValue]:
    """One m-row f64 matrix of zeros per argument, with a column per element of it."""
    zero = b.const(0.0, F64)
    return [b(SplatOp(zero, [m, a.size], ad.JACOBIAN_TYPE)) for a in arguments]


def _row_loop(b: Builder, request: ad.JacobianOp, forward: ad.ForwardOp, results: list[_Part],
              arguments: list[_Part], m: SSAValue) -> list[SSAValue]:
    """For each row k < m, one `ad.backward` of `forward`'s tape seeded with the k-th one-hot vector,
    its gradients written into row k of the matrices."""
    callee = request.callee.root_reference.data

    def row(inner: Builder, k: SSAValue, matrices: list[SSAValue]) -> list[SSAValue]:
        seeds = [_one_hot(inner, k, r) for r in results]
        backward = ad.BackwardOp(callee, seeds, forward.tape, [a.value.type for a in arguments], request.wrt_indices)
        inner(backward)
        return [_set_row(inner, matrix, k, gradient, a)
                for matrix, gradient, a in zip(matrices, backward.gradients, arguments, strict=True)]

    return for_range(b, b.index(0), m, _zero_matrices(b, m, arguments), row)


def _column_loop(b: Builder, request: ad.JacobianOp, outputs: list[Attribute], results: list[_Part],
                 arguments: list[_Part], n: SSAValue, m: SSAValue) -> list[SSAValue]:
    """For each column k < n, one `ad.jvp` whose tangents are the k-th one-hot vector, its float result
    tangents concatenated into column k of the arguments' columns (in the matrix of the argument that
    holds element k)."""
    callee = request.callee.root_reference.data

    def column(inner: Builder, k: SSAValue, matrices: list[SSAValue]) -> list[SSAValue]:
        tangents = [_one_hot(inner, k, a) for a in arguments]
        jvp = ad.JvpOp(callee, request.arguments, tangents, outputs, request.wrt_indices)
        inner(jvp)
        flat = _concatenated(inner, jvp.result_tangents, results, m)
        return [_set_column(inner, matrix, k, flat, a, m) for matrix, a in zip(matrices, arguments, strict=True)]

    return for_range(b, b.index(0), n, _zero_matrices(b, m, arguments), column)


def _element(t: Attribute) -> Attribute:
    return t.element_type if isinstance(t, TensorType) else t


def _flat(element: Attribute) -> TensorType:
    return TensorType(element, [DYNAMIC_INDEX])


def _part(b: Builder, value: SSAValue) -> _Part:
    dims = b.dims(value) if isinstance(value.type, TensorType) else []
    size = dims[0] if dims else b.index(1)
    for d in dims[1:]:
        size = b(arith.MuliOp(size, d))
    return _Part(value, dims, size)


def _holds(b: Builder, k: SSAValue, part: _Part) -> tuple[SSAValue, SSAValue]:
    """Whether element `k` of the stacked vector falls in `part` (an i1), and its position there."""
    local = b(arith.SubiOp(k, part.offset))
    inside = b(arith.AndIOp(b(arith.CmpiOp(k, part.offset, "sge")), b(arith.CmpiOp(local, part.size, "slt"))))
    return inside, local


def _one_hot(b: Builder, k: SSAValue, part: _Part) -> SSAValue:
    """The part of the k-th one-hot vector that `part` holds: 1.0 at its element `k - offset` where that
    is one of its elements, 0.0 elsewhere; of its type (a tensor's dimensions are known at run time
    only, as the frontend makes them)."""
    t = part.value.type
    element = _element(t)
    one, zero = b.const(1.0, element), b.const(0.0, element)
    if not part.dims:  # a scalar, or a 0-d array
        scalar = b(arith.SelectOp(b(arith.CmpiOp(k, part.offset, "eq")), one, zero))
        return b(SplatOp(scalar, [], t)) if isinstance(t, TensorType) else scalar
    inside, local = _holds(b, k, part)
    zeros = b(SplatOp(zero, [part.size], _flat(element)))
    (flat,) = b.select_value(inside, [zeros.type], lambda inner: [inner(tensor.InsertOp(one, zeros, [local]))],
                             lambda inner: [zeros])
    return flat if len(part.dims) == 1 else b(ReshapeOp(flat, part.dims))


def _widened(b: Builder, value: SSAValue, part: _Part) -> SSAValue:
    """`value` (a derivative of the type of `part`'s value) as f64: a scalar where `part` has no
    dimensions, else flattened."""
    t = value.type
    if not part.dims:
        if isinstance(t, TensorType):  # a 0-d array
            value = b(tensor.ExtractOp(value, [], _element(t)))
        return value if _element(t) == F64 else b(arith.ExtFOp(value, F64))
    flat = value if len(part.dims) == 1 else b(ReshapeOp(value, [part.size]))
    return flat if _element(t) == F64 else b(arith.ExtFOp(flat, _flat(F64)))


def _set_row(b: Builder, matrix: SSAValue, k: SSAValue, gradient: SSAValue, argument: _Part) -> SSAValue:
    """`matrix` with row `k` replaced by `gradient` flattened (and widened to f64)."""
    zero = b.index(0)
    row = _widened(b, gradient, argument)
    if not argument.dims:  # one column
        return b(tensor.InsertOp(row, matrix, [k, zero]))
    one = b.index(1)
    return b(SetSliceOp(row, matrix, [k, zero], [one, argument.size], [one, one], [1]))


def _concatenated(b: Builder, tangents: Iterable[SSAValue], results: list[_Part], m: SSAValue) -> SSAValue:
    """The m-vector of the float results' `tangents`, each flattened (and widened to f64) at its offset."""
    one = b.index(1)
    column = b(SplatOp(b.const(0.0, F64), [m], _flat(F64)))
    for tangent, result in zip(tangents, results, strict=True):
        flat = _widened(b, tangent, result)
        if not result.dims:
            column = b(tensor.InsertOp(flat, column, [result.offset]))
            continue
        column = b(SetSliceOp(flat, column, [result.offset], [result.size], [one], [0]))
    return column


def _set_column(b: Builder, matrix: SSAValue, k: SSAValue, column: SSAValue, argument: _Part,
                m: SSAValue) -> SSAValue:
    """`matrix` (m rows) with its column `k - offset` replaced by `column` where element `k` of the
    stacked arguments falls in `argument`; `matrix` unchanged elsewhere."""
    inside, local = _holds(b, k, argument)
    zero, one = b.index(0), b.index(1)

    def replaced(inner: Builder) -> list[SSAValue]:
        return [inner(SetSliceOp(column, matrix, [zero, local], [m, one], [one, one], [0]))]

    (updated,) = b.select_value(inside, [matrix.type], replaced, lambda inner: [matrix])
    return updated
