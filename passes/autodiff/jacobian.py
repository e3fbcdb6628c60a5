"""Answers `ad.jacobian` (part of `ad-differentiate`): a Jacobian built row by row in compiled code.

In: `ad.jacobian @f(args) {wrt}`. Out, in its place: one `ad.forward @f` (the values and a tape), an
`scf.for` over the m rows of the Jacobians (m: the elements of f's float results, together) whose
body seeds each float result with its part of the row's one-hot vector, calls `ad.backward` once and
writes each flattened gradient into row k of its matrix, then the `ad.tape_free` of the tape. One
forward sweep and m reverse sweeps, each reading the one tape. The `ad.forward` and `ad.backward`
left behind are requests too; the driver answers them next, as it answers every request, outermost
first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xdsl.dialects import arith, tensor
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


@dataclass
class _Part:
    """A float result of the function, or a differentiated argument: the value, the dimensions it has
    (none for a scalar), its number of elements and, for a result, its first row in the Jacobian."""

    value: SSAValue
    dims: list[SSAValue]
    size: SSAValue
    offset: SSAValue | None = None


def expand_jacobian(driver: Differentiator, request: ad.JacobianOp) -> None:
    """Replaces `request` by the loop of `ad.backward` requests that builds its matrices."""
    loc = _source_loc(request)
    callee = request.callee.root_reference.data
    primal = driver.lookup(callee, loc)
    outputs = list(primal.function_type.outputs.data)
    if not any(map(ad.carries_gradient, outputs)):
        raise ZygTypeError("the differentiated function returns no float (a Jacobian differentiates the "
                           "float results of a function)", _source_loc(primal) or loc)
    b = Builder(request.parent_block(), request, request.location)
    jacobians = _sweep_order(request)(b, request, outputs)
    for old, new in zip(request.jacobians, jacobians, strict=True):
        old.replace_all_uses_with(new)
    request.parent_block().erase_op(request)


def _sweep_order(request: ad.JacobianOp) -> Callable[[Builder, ad.JacobianOp, list[Attribute]], list[SSAValue]]:
    """The expansion that builds `request`'s matrices: `_by_rows`, reverse mode, one sweep per output
    element.

    Extension point for forward mode: once `ad.jvp` exists, a `_by_columns` expansion builds the same
    matrices column by column, with one `ad.jvp` per element of the differentiated arguments (each
    argument's tangent a one-hot basis vector, the others zero), writing the flattened tangents of the
    float results into column i. It costs n sweeps instead of m, so it wins when the arguments have
    fewer elements than the results. Dimensions are known only at run time, so the choice between the
    two is an `scf.if` on `n < m` yielding the matrices of either, returned from here (or `_by_rows`
    alone where the arguments are scalars and the outputs are not, known at compile time)."""
    return _by_rows


def _by_rows(b: Builder, request: ad.JacobianOp, outputs: list[Attribute]) -> list[SSAValue]:
    """One `ad.forward`, then for each row k one `ad.backward` seeded with the k-th one-hot vector."""
    callee = request.callee.root_reference.data
    wrt = request.wrt_indices
    forward = ad.ForwardOp(callee, request.arguments, outputs, wrt)
    b(forward)
    results, rows = [], b.index(0)
    for value in forward.values:
        if ad.carries_gradient(value.type):
            part = _part(b, value)
            part.offset, rows = rows, b(arith.AddiOp(rows, part.size))
            results.append(part)
    arguments = [_part(b, request.arguments[i]) for i in wrt]
    zero = b.const(0.0, F64)
    initial = [b(SplatOp(zero, [rows, a.size], ad.JACOBIAN_TYPE)) for a in arguments]

    def row(inner: Builder, k: SSAValue, matrices: list[SSAValue]) -> list[SSAValue]:
        seeds = [_one_hot(inner, k, r) for r in results]
        backward = ad.BackwardOp(callee, seeds, forward.tape, [a.value.type for a in arguments], wrt)
        inner(backward)
        return [_set_row(inner, matrix, k, gradient, a)
                for matrix, gradient, a in zip(matrices, backward.gradients, arguments, strict=True)]

    jacobians = for_range(b, b.index(0), rows, initial, row)
    b(ad.TapeFreeOp(forward.tape))
    return jacobians


def _part(b: Builder, value: SSAValue) -> _Part:
    dims = b.dims(value) if isinstance(value.type, TensorType) else []
    size = dims[0] if dims else b.index(1)
    for d in dims[1:]:
        size = b(arith.MuliOp(size, d))
    return _Part(value, dims, size)


def _element(t: Attribute) -> Attribute:
    return t.element_type if isinstance(t, TensorType) else t


def _flat(element: Attribute) -> TensorType:
    return TensorType(element, [DYNAMIC_INDEX])


def _one_hot(b: Builder, k: SSAValue, result: _Part) -> SSAValue:
    """The seed of `result` for row `k`: 1.0 at its element `k - offset` where that is one of its
    elements, 0.0 elsewhere; of its type (a tensor's dimensions are known at run time only, as the
    frontend makes them)."""
    t = result.value.type
    element = _element(t)
    one, zero = b.const(1.0, element), b.const(0.0, element)
    if not result.dims:  # a scalar, or a 0-d array
        scalar = b(arith.SelectOp(b(arith.CmpiOp(k, result.offset, "eq")), one, zero))
        return b(SplatOp(scalar, [], t)) if isinstance(t, TensorType) else scalar
    local = b(arith.SubiOp(k, result.offset))
    inside = b(arith.AndIOp(b(arith.CmpiOp(k, result.offset, "sge")), b(arith.CmpiOp(local, result.size, "slt"))))
    zeros = b(SplatOp(zero, [result.size], _flat(element)))
    (flat,) = b.select_value(inside, [zeros.type], lambda inner: [inner(tensor.InsertOp(one, zeros, [local]))],
                             lambda inner: [zeros])
    return flat if len(result.dims) == 1 else b(ReshapeOp(flat, result.dims))


def _set_row(b: Builder, matrix: SSAValue, k: SSAValue, gradient: SSAValue, argument: _Part) -> SSAValue:
    """`matrix` with row `k` replaced by `gradient` flattened (and widened to f64)."""
    t = gradient.type
    element = _element(t)
    zero = b.index(0)
    if not argument.dims:  # a scalar, or a 0-d array: one column
        if isinstance(t, TensorType):
            gradient = b(tensor.ExtractOp(gradient, [], element))
        if element != F64:
            gradient = b(arith.ExtFOp(gradient, F64))
        return b(tensor.InsertOp(gradient, matrix, [k, zero]))
    flat = gradient if len(argument.dims) == 1 else b(ReshapeOp(gradient, [argument.size]))
    if element != F64:
        flat = b(arith.ExtFOp(flat, _flat(F64)))
    one = b.index(1)
    return b(SetSliceOp(flat, matrix, [k, zero], [one, argument.size], [one, one], [1]))
