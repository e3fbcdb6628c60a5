"""NumPy shape and creation functions the frontend compiles: handlers for `numpy_functions`' tables.

In: the codegen, the call node, the positional argument values (a list or tuple literal arrives as a
`Struct`) and the keyword argument nodes. Out: the result value, with its dimensions recorded
(`cg.with_dims`). Shapes may be run-time ints; where sizes can disagree at run time a `zyg.check`
raises a `ValueError` naming the function, the shapes and the user's line. Only the rank of every
array is fixed at compile time, so one compile serves every shape of a rank:
`np.squeeze(x)` without `axis=` squeezes the axes known to have size 1 and raises at run time if
another axis turns out to have size 1.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

import numpy as np
from xdsl.dialects import arith, tensor
from xdsl.dialects import math as mathd
from xdsl.dialects.builtin import IntegerAttr, TensorType
from xdsl.ir import Attribute, SSAValue

from zyg.dialects.zyg_arrays import ExpandOp
from zyg.dialects.zyg_shapes import ConcatenateOp, EyeOp, IotaOp, ReshapeOp, TraceOp
from zyg.entry_abi import CHECK_VALUES
from zyg.errors import UnsupportedSyntaxError, ZygTypeError
from zyg.frontend.arrays import shape_text
from zyg.frontend.trees import GROWLIST, Struct
from zyg.frontend.types import (
    F32,
    F64,
    I1,
    I64,
    INDEX,
    array_type,
    element_type,
    is_array,
    promote,
    promote_elements,
    python_type_name,
    rank_of,
)

Handler = Callable[..., SSAValue]

_DTYPES: dict[object, Attribute] = {
    np.float64: F64, float: F64, np.float32: F32, np.int64: I64, int: I64, np.bool_: I1, bool: I1,
}


# ----------------------------------------------------------------------------------------------------
# Arguments
# ----------------------------------------------------------------------------------------------------

def _name(node: ast.AST) -> str:
    if not isinstance(node, ast.Call):
        return "index"
    func = node.func
    return ast.unparse(func) if not isinstance(func, ast.Attribute) else f"{func.attr}"


def _arity(cg, node: ast.Call, args: list, low: int, high: int) -> None:
    if not low <= len(args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        cg.error(node, f"{_name(node)}() takes {expected} positional argument(s), got {len(args)}", ZygTypeError)


def _reject_keywords(cg, node: ast.Call, kwargs: dict[str, ast.expr], allowed: Sequence[str]) -> None:
    for name in kwargs:
        if name not in allowed:
            cg.error(node, f"{_name(node)}() with the keyword argument '{name}' is not supported",
                     UnsupportedSyntaxError)


def _dtype(cg, node: ast.Call, dtype: object, default: Attribute | None) -> Attribute | None:
    if dtype is None:
        return default
    try:
        return _DTYPES[dtype]
    except (KeyError, TypeError):
        cg.error(node, f"dtype {dtype!r} is not supported (float64, float32, int64 and bool are)", ZygTypeError)


def _dtype_keyword(cg, node: ast.Call, kwargs: dict[str, ast.expr], default: Attribute | None) -> Attribute | None:
    dtype = kwargs.get("dtype")
    return default if dtype is None else _dtype(cg, node, cg.static_argument(dtype), default)


def known_int(v: SSAValue) -> int | None:
    """The value of an integer or index computed from constants alone (`-1` is `0 - 1`), or None."""
    op = getattr(v, "owner", None)
    if isinstance(op, arith.ConstantOp) and isinstance(op.value, IntegerAttr) and v.type != I1:
        return op.value.value.data
    if isinstance(op, arith.IndexCastOp):
        return known_int(op.input)
    if isinstance(op, (arith.AddiOp, arith.SubiOp, arith.MuliOp)):
        a, b = known_int(op.lhs), known_int(op.rhs)
        if a is None or b is None:
            return None
        return a + b if isinstance(op, arith.AddiOp) else a - b if isinstance(op, arith.SubiOp) else a * b
    return None


def _static_flag(cg, node: ast.Call, v: SSAValue, what: str) -> bool:
    op = getattr(v, "owner", None)
    if isinstance(op, arith.ConstantOp) and isinstance(op.value, IntegerAttr):
        return op.value.value.data != 0
    cg.error(node, f"{what} must be known at compile time", ZygTypeError)


def _as_index(cg, v: SSAValue) -> SSAValue:
    """An int as an `index`, reusing the index it was made from (so dimensions stay recognisable)."""
    op = getattr(v, "owner", None)
    if isinstance(op, arith.IndexCastOp) and op.input.type == INDEX:
        return op.input
    return cg.to_index(v)


def _int_scalar(cg, node: ast.Call, v: object, what: str) -> SSAValue:
    if isinstance(v, Struct) or v.type not in (I64, I1):
        kind = "tuple" if isinstance(v, Struct) else python_type_name(v.type)
        cg.error(node, f"{_name(node)}: {what} must be an int, got a {kind}", ZygTypeError)
    return cg.convert(v, I64)


def _shape_items(cg, node: ast.Call, values: Sequence[object]) -> list[SSAValue]:
    """The ints of a shape given as `n`, `(n, m)`, `x.shape` or as separate arguments `n, m`."""
    items = values[0].items if len(values) == 1 and isinstance(values[0], Struct) else values
    return [_int_scalar(cg, node, item, "a dimension") for item in items]


def _static_axes(cg, node: ast.Call, axis: object, rank: int) -> list[int]:
    """Axes given as an int or a tuple of ints known at compile time, normalised for `rank`."""
    raw = list(axis) if isinstance(axis, (tuple, list)) else [axis]
    out = []
    for a in raw:
        if not isinstance(a, int) or isinstance(a, bool):
            cg.error(node, f"{_name(node)}: axis must be an int or a tuple of ints known at compile time, "
                     f"got {a!r}", ZygTypeError)
        if not -rank <= a < rank:
            cg.error(node, f"{_name(node)}: axis {a} is out of bounds for an array of dimension {rank}",
                     ZygTypeError)
        out.append(a % rank)
    if len(set(out)) != len(out):
        cg.error(node, f"{_name(node)}: repeated axis in {axis!r}", ZygTypeError)
    return out


def _axis_argument(cg, node: ast.Call, args: list, position: int, kwargs: dict[str, ast.expr],
                   default: object) -> object:
    """`axis`, given as the positional argument at `position` or as `axis=`, known at compile time."""
    if "axis" in kwargs:
        return cg.static_argument(kwargs["axis"])
    if len(args) <= position:
        return default
    value = args[position]
    items = value.items if isinstance(value, Struct) else [value]
    known = [known_int(v) if not isinstance(v, Struct) else None for v in items]
    if any(k is None for k in known):
        cg.error(node, f"{_name(node)}: axis must be known at compile time", ZygTypeError)
    return tuple(known) if isinstance(value, Struct) else known[0]


def _array(cg, node: ast.Call, x: object, what: str = "argument") -> SSAValue:
    if isinstance(x, Struct) or not is_array(x.type):
        kind = "tuple or list" if isinstance(x, Struct) else python_type_name(x.type)
        cg.error(node, f"{_name(node)}: the {what} must be an array, got a {kind}", ZygTypeError)
    return x


def _product(cg, dims: Sequence[SSAValue]) -> SSAValue:
    size = cg.index(1)
    for d in dims:
        size = d if known_int(size) == 1 else cg.value(arith.MuliOp(size, d))
    return size


def _check_all(cg, oks: list[SSAValue], message: str, values: Sequence[SSAValue]) -> None:
    """One run-time check that every condition in `oks` holds."""
    if not oks:
        return
    ok = oks[0]
    for more in oks[1:]:
        ok = cg.value(arith.AndIOp(ok, more))
    cg.check(ok, "ValueError", message, values)


def _shape_message(prefix: str, first: Sequence[SSAValue], second: Sequence[SSAValue], middle: str) -> tuple:
    """`(message, values)` naming two shapes, within the integers one check can report."""
    if len(first) + len(second) > CHECK_VALUES:
        return f"{prefix}{middle}", []
    return f"{prefix}{shape_text(len(first))}{middle}{shape_text(len(second), len(first))}", [*first, *second]


def _copy(cg, x: SSAValue) -> SSAValue:
    """A new array value equal to `x` (NumPy's copy); bufferization copies only where needed."""
    return cg.with_dims(cg.value(tensor.CastOp(x, x.type)), cg.dims(x))


def _view(cg, result: SSAValue, source: SSAValue) -> SSAValue:
    """Records that NumPy returns `result` as a view of `source`, so that updating either in place
    (which NumPy would make visible through the other) is rejected at compile time."""
    return cg.mark_view(result, source)


def _with_new_dims(cg, x: SSAValue, dims: list[SSAValue]) -> SSAValue:
    """`x` laid out with `dims` (same size, row-major order): `x` itself when nothing changes."""
    if dims == cg.dims(x):
        return x
    return _view(cg, cg.with_dims(cg.value(ReshapeOp(x, dims)), dims), x)


# ----------------------------------------------------------------------------------------------------
# Reshapes
# ----------------------------------------------------------------------------------------------------

def reshape_to(cg, node: ast.Call, x: SSAValue, items: list[SSAValue]) -> SSAValue:
    """`x.reshape(items)`: one item may be a literal -1 (inferred); sizes are checked at run time."""
    if not items:
        cg.error(node, "reshape to a 0-d array is not supported", UnsupportedSyntaxError)
    dims: list[SSAValue | None] = []
    inferred = None
    text, values = [], []
    for position, item in enumerate(items):
        constant = known_int(item)
        if constant == -1:
            if inferred is not None:
                cg.error(node, "reshape: can only specify one unknown dimension", ZygTypeError)
            inferred = position
            dims.append(None)
            text.append("-1")
            continue
        if constant is not None and constant < 0:
            cg.error(node, f"reshape: negative dimension {constant} is not allowed", ZygTypeError)
        if constant is None:
            ok = cg.value(arith.CmpiOp(item, cg.const(0), "sge"))
            cg.check(ok, "ValueError", "reshape: the dimension {0} is negative; only a literal -1 is inferred",
                     [item])
        dims.append(_as_index(cg, item))
        text.append(f"{{{len(values) + 1}}}")
        values.append(dims[-1])
    source_dims = cg.dims(x)
    if inferred is None and dims == source_dims:
        return x
    size = _product(cg, source_dims)
    known = _product(cg, [d for d in dims if d is not None])
    if inferred is None:
        ok = cg.value(arith.CmpiOp(size, known, "eq"))
    else:
        zero, one = cg.index(0), cg.index(1)
        nonzero = cg.value(arith.CmpiOp(known, zero, "ne"))
        divisor = cg.value(arith.SelectOp(nonzero, known, one))
        divides = cg.value(arith.CmpiOp(cg.value(arith.RemUIOp(size, divisor)), zero, "eq"))
        ok = cg.value(arith.AndIOp(nonzero, divides))
        dims[inferred] = cg.value(arith.DivUIOp(size, divisor))
    shape = "(" + ", ".join(text) + ("," if len(text) == 1 else "") + ")"
    if len(values) + 1 <= CHECK_VALUES:
        cg.check(ok, "ValueError", f"cannot reshape array of size {{0}} into shape {shape}", [size, *values])
    else:
        cg.check(ok, "ValueError", "cannot reshape array of size {0} into the requested shape", [size])
    return _with_new_dims(cg, x, dims)


def _reshape(cg, node, args, kwargs):
    """`np.reshape(x, shape)` and `x.reshape(n, m)` / `x.reshape((n, m))`."""
    _reject_keywords(cg, node, kwargs, ("shape", "newshape", "order"))
    if "order" in kwargs and cg.static_argument(kwargs["order"]) != "C":
        cg.error(node, "reshape: only order='C' is supported", UnsupportedSyntaxError)
    x = _array(cg, node, args[0] if args else None)
    shape = [cg.visit(kwargs[k]) for k in ("shape", "newshape") if k in kwargs]
    if len(args) + len(shape) < 2:
        cg.error(node, "reshape() needs the new shape", ZygTypeError)
    return reshape_to(cg, node, x, _shape_items(cg, node, [*args[1:], *shape]))


def _ravel(copy: bool) -> Handler:
    """`np.ravel(x)`, `x.ravel()`: the elements as a 1-D array; `x.flatten()` always a new array."""

    def handler(cg, node, args, kwargs):
        _arity(cg, node, args, 1, 1)
        _reject_keywords(cg, node, kwargs, ())
        x = _array(cg, node, args[0])
        if rank_of(x.type) == 1:
            return _copy(cg, x) if copy else x
        return _with_new_dims(cg, x, [_product(cg, cg.dims(x))])

    return handler


def _squeeze(cg, node, args, kwargs):
    """`np.squeeze(x, axis=None)`: removes axes of size 1.

    With `axis`, each named axis is checked to have size 1 at run time. Without it, axes known at
    compile time to have size 1 are removed, and any other axis must not have size 1 at run time
    (the result's rank is fixed at compile time)."""
    _arity(cg, node, args, 1, 2)
    _reject_keywords(cg, node, kwargs, ("axis",))
    x = _array(cg, node, args[0])
    dims, rank = cg.dims(x), rank_of(x.type)
    axis = _axis_argument(cg, node, args, 1, kwargs, None)
    one = cg.index(1)
    if axis is not None:
        axes = _static_axes(cg, node, axis, rank)
        oks = [cg.value(arith.CmpiOp(dims[a], one, "eq")) for a in axes if known_int(dims[a]) != 1]
        _check_all(cg, oks, "cannot select an axis to squeeze out which has size not equal to one", [])
    else:
        axes = [a for a in range(rank) if known_int(dims[a]) == 1]
        for a in range(rank):
            if a not in axes:
                ok = cg.value(arith.CmpiOp(dims[a], one, "ne"))
                cg.check(ok, "ValueError", f"squeeze: axis {a} has size 1 at run time; zyg fixes the rank of "
                         "the result at compile time, so name the axes to remove with axis=")
    kept = [d for a, d in enumerate(dims) if a not in axes]
    if not kept:  # NumPy gives a 0-d array; zyg gives its one element
        return cg.value(tensor.ExtractOp(x, [cg.index(0)] * rank, element_type(x.type)))
    return _with_new_dims(cg, x, kept)


def expand_dims(cg, x: SSAValue, axes: list[int]) -> SSAValue:
    """`x` with axes of size 1 inserted at positions `axes` of the result (normalised, distinct)."""
    source = iter(cg.dims(x))
    one = cg.index(1)
    dims = [one if a in axes else next(source) for a in range(rank_of(x.type) + len(axes))]
    return _view(cg, cg.with_dims(cg.value(ReshapeOp(x, dims)), dims), x)


def _expand_dims(cg, node, args, kwargs):
    """`np.expand_dims(x, axis)` with an int or a tuple of ints."""
    _arity(cg, node, args, 1, 2)
    _reject_keywords(cg, node, kwargs, ("axis",))
    axis = _axis_argument(cg, node, args, 1, kwargs, None)
    if axis is None:
        cg.error(node, "expand_dims() needs the axis", ZygTypeError)
    x = args[0]
    count = len(axis) if isinstance(axis, tuple) else 1
    if isinstance(x, Struct) or not is_array(x.type):
        scalar = array_from_nested(cg, node, x) if isinstance(x, Struct) else None
        if scalar is None:
            return cg.splat(x, x.type, [cg.index(1)] * count)
        x = scalar
    return expand_dims(cg, x, _static_axes(cg, node, axis, rank_of(x.type) + count))


# ----------------------------------------------------------------------------------------------------
# Joins, tiles and broadcasts
# ----------------------------------------------------------------------------------------------------

def _array_sequence(cg, node: ast.Call, value: object, allow_scalars: bool = False) -> list[SSAValue]:
    """The arrays of a list or tuple literal (a run-time-length list is not a `Struct`)."""
    if not isinstance(value, Struct):
        cg.error(node, f"{_name(node)}: expected a list or tuple of arrays written in the call or bound to "
                 "a tuple; a sequence whose length is only known at run time is not supported", ZygTypeError)
    if not value.items:
        cg.error(node, f"{_name(node)}: need at least one array to join", ZygTypeError)
    out = []
    for position, item in enumerate(value.items):
        if isinstance(item, Struct):
            item = array_from_nested(cg, node, item)
        if not is_array(item.type):
            if not allow_scalars:
                cg.error(node, f"{_name(node)}: the item at index {position} is a {python_type_name(item.type)}; "
                         "zero-dimensional arrays cannot be joined", ZygTypeError)
            item = cg.splat(item, item.type, [cg.index(1)])
        out.append(item)
    return out


def _common_element(cg, arrays: list[SSAValue]) -> list[SSAValue]:
    element = element_type(arrays[0].type)
    for v in arrays[1:]:
        element = promote_elements(element, element_type(v.type), True, True)
    return [cg.convert_element(v, element) for v in arrays]


def concatenate(cg, node: ast.Call, arrays: list[SSAValue], axis: int) -> SSAValue:
    """NumPy's `concatenate(arrays, axis)` of arrays of one rank; other dimensions checked at run time."""
    rank = rank_of(arrays[0].type)
    for position, v in enumerate(arrays):
        if rank_of(v.type) != rank:
            cg.error(node, f"{_name(node)}: all the input arrays must have the same number of dimensions, but "
                     f"the array at index 0 has {rank} dimension(s) and the array at index {position} has "
                     f"{rank_of(v.type)} dimension(s)", ZygTypeError)
    (axis,) = _static_axes(cg, node, axis, rank)
    arrays = _common_element(cg, arrays)
    first = cg.dims(arrays[0])
    for position, v in enumerate(arrays[1:], start=1):
        dims = cg.dims(v)
        for d in range(rank):
            if d == axis or dims[d] is first[d]:
                continue
            ok = cg.value(arith.CmpiOp(dims[d], first[d], "eq"))
            cg.check(ok, "ValueError", f"{_name(node)}: all the input array dimensions except for the "
                     f"concatenation axis must match exactly, but along dimension {d}, the array at index 0 has "
                     f"size {{0}} and the array at index {position} has size {{1}}", [first[d], dims[d]])
    if len(arrays) == 1:
        return _copy(cg, arrays[0])
    total = first[axis]
    for v in arrays[1:]:
        total = cg.value(arith.AddiOp(total, cg.dims(v)[axis]))
    out_dims = [total if d == axis else first[d] for d in range(rank)]
    return cg.with_dims(cg.value(ConcatenateOp(arrays, axis)), out_dims)


def _concatenate(cg, node, args, kwargs):
    """`np.concatenate((a, b, ...), axis=0)`; `axis=None` joins the flattened arrays."""
    _arity(cg, node, args, 1, 2)
    _reject_keywords(cg, node, kwargs, ("axis",))
    arrays = _array_sequence(cg, node, args[0])
    axis = _axis_argument(cg, node, args, 1, kwargs, 0)
    if axis is None:
        arrays = [_ravel(False)(cg, node, [v], {}) for v in arrays]
        axis = 0
    return concatenate(cg, node, arrays, axis)


def stack(cg, node: ast.Call, arrays: list[SSAValue], axis: int) -> SSAValue:
    """NumPy's `stack`: arrays of one shape joined along a new axis."""
    rank = rank_of(arrays[0].type)
    first = cg.dims(arrays[0])
    for v in arrays[1:]:
        dims = cg.dims(v)
        if rank_of(v.type) != rank:
            cg.error(node, f"{_name(node)}: all input arrays must have the same shape", ZygTypeError)
        oks = [cg.value(arith.CmpiOp(a, b, "eq")) for a, b in zip(first, dims) if a is not b]
        message, values = _shape_message(f"{_name(node)}: all input arrays must have the same shape, got ",
                                         first, dims, " and ")
        _check_all(cg, oks, message, values)
    (axis,) = _static_axes(cg, node, axis, rank + 1)
    arrays = _common_element(cg, arrays)
    return concatenate(cg, node, [expand_dims(cg, v, [axis]) for v in arrays], axis)


def _stack(cg, node, args, kwargs):
    """`np.stack((a, b, ...), axis=0)`."""
    _arity(cg, node, args, 1, 2)
    _reject_keywords(cg, node, kwargs, ("axis",))
    if isinstance(args[0], Struct) and args[0].kind == GROWLIST and len(args) == 1 and not kwargs:
        some = cg.value(arith.CmpiOp(cg.growable_length(args[0]), cg.const(0), "sgt"))
        cg.check(some, "ValueError", "need at least one array to stack")
        return cg.growable_rows(args[0])  # the rows the list was grown into
    return stack(cg, node, _array_sequence(cg, node, args[0]), _axis_argument(cg, node, args, 1, kwargs, 0))


def _hstack(cg, node, args, kwargs):
    """`np.hstack`: 1-D arrays joined end to end, others along axis 1."""
    _arity(cg, node, args, 1, 1)
    _reject_keywords(cg, node, kwargs, ())
    arrays = _array_sequence(cg, node, args[0], allow_scalars=True)
    return concatenate(cg, node, arrays, 0 if rank_of(arrays[0].type) == 1 else 1)


def _vstack(cg, node, args, kwargs):
    """`np.vstack`: arrays joined along axis 0, a 1-D array of length n as a (1, n) row."""
    _arity(cg, node, args, 1, 1)
    _reject_keywords(cg, node, kwargs, ())
    arrays = _array_sequence(cg, node, args[0], allow_scalars=True)
    rows = [expand_dims(cg, v, [0]) if rank_of(v.type) == 1 else v for v in arrays]
    return concatenate(cg, node, rows, 0)


def _tile(cg, node, args, kwargs):
    """`np.tile(x, reps)`: the number of repetitions per axis is fixed at compile time, their values
    may be run-time ints. Built as `zyg.expand` (a broadcast along new axes) and one reshape, so
    its adjoint is a sum over the repetitions."""
    _arity(cg, node, args, 2, 2)
    _reject_keywords(cg, node, kwargs, ())
    x = args[0]
    if not isinstance(x, Struct) and not is_array(x.type):
        x = cg.splat(x, x.type, [cg.index(1)])
    x = _array(cg, node, x)
    reps = []
    for r in _shape_items(cg, node, [args[1]]):
        if known_int(r) is None:
            cg.check(cg.value(arith.CmpiOp(r, cg.const(0), "sge")), "ValueError",
                     "tile: negative dimensions are not allowed")
        elif known_int(r) < 0:
            cg.error(node, "tile: negative dimensions are not allowed", ZygTypeError)
        reps.append(_as_index(cg, r))
    rank = max(len(reps), rank_of(x.type))
    one = cg.index(1)
    reps = [one] * (rank - len(reps)) + reps
    if rank > rank_of(x.type):
        x = expand_dims(cg, x, list(range(rank - rank_of(x.type))))
    dims = cg.dims(x)
    repeated = [a for a in range(rank) if known_int(reps[a]) != 1]
    if not repeated:
        return _copy(cg, x)
    spread_dims, axes = [], []
    for a in range(rank):
        if a in repeated:
            axes.append(len(spread_dims))
            spread_dims.append(reps[a])
        spread_dims.append(dims[a])
    spread = cg.with_dims(cg.value(ExpandOp(x, spread_dims, axes, False)), spread_dims)
    out_dims = [cg.value(arith.MuliOp(reps[a], dims[a])) if a in repeated else dims[a] for a in range(rank)]
    return cg.with_dims(cg.value(ReshapeOp(spread, out_dims)), out_dims)


def _broadcast_to(cg, node, args, kwargs):
    """`np.broadcast_to(x, shape)`: checked at run time to be a valid broadcast."""
    _arity(cg, node, args, 1, 2)
    _reject_keywords(cg, node, kwargs, ("shape",))
    shape = args[1] if len(args) == 2 else cg.visit(kwargs["shape"]) if "shape" in kwargs else None
    if shape is None:
        cg.error(node, "broadcast_to() needs the shape", ZygTypeError)
    items = _shape_items(cg, node, [shape])
    for item in items:
        if known_int(item) is None or known_int(item) < 0:
            ok = cg.value(arith.CmpiOp(item, cg.const(0), "sge"))
            cg.check(ok, "ValueError", "broadcast_to: all elements of broadcast shape must be non-negative")
    target = [_as_index(cg, item) for item in items]
    x = args[0]
    if isinstance(x, Struct):
        x = array_from_nested(cg, node, x)
    if not is_array(x.type):
        return cg.splat(x, x.type, target)
    dims = cg.dims(x)
    if len(dims) > len(target):
        cg.error(node, f"broadcast_to: input operand has more dimensions ({len(dims)}) than allowed by the "
                 f"requested shape ({len(target)})", ZygTypeError)
    one = cg.index(1)
    oks = []
    for d, t in zip(dims, target[len(target) - len(dims):]):
        if d is t:
            continue
        oks.append(cg.value(arith.OrIOp(cg.value(arith.CmpiOp(d, t, "eq")), cg.value(arith.CmpiOp(d, one, "eq")))))
    message, values = _shape_message("broadcast_to: cannot broadcast an array of shape ", dims, target,
                                     " to the requested shape ")
    _check_all(cg, oks, message, values)
    return _view(cg, cg.broadcast_to(x, target), x)


# ----------------------------------------------------------------------------------------------------
# Creation
# ----------------------------------------------------------------------------------------------------

def _iota(cg, dims: list[SSAValue], axis: int) -> SSAValue:
    return cg.with_dims(cg.value(IotaOp(dims, axis)), dims)


def _nonnegative_length(cg, n: SSAValue) -> SSAValue:
    return cg.value(arith.MaxSIOp(n, cg.const(0)))


def _arange(cg, node, args, kwargs):
    """`np.arange(stop)`, `(start, stop)`, `(start, stop, step)`: int64 when every argument is an
    int, else float64 (or `dtype=`); element i is `start + i * step`, as NumPy computes it."""
    _arity(cg, node, args, 1, 3)
    _reject_keywords(cg, node, kwargs, ("dtype",))
    for v in args:
        if isinstance(v, Struct) or is_array(v.type):
            cg.error(node, "arange: the arguments must be numbers", ZygTypeError)
    ints = all(v.type in (I64, I1) for v in args)
    element = _dtype_keyword(cg, node, kwargs, I64 if ints else F64)
    if element == I1 or (element == I64 and not ints):
        cg.error(node, f"arange with dtype {python_type_name(element)} and float arguments is not supported",
                 UnsupportedSyntaxError)
    start, stop, step = (cg.const(0), args[0], cg.const(1)) if len(args) == 1 else \
        (args[0], args[1], args[2] if len(args) == 3 else cg.const(1))
    common = I64 if ints else F64
    start, stop, step = (cg.convert(v, common) for v in (start, stop, step))
    if known_int(step) is None or known_int(step) == 0:
        zero = cg.const(0) if ints else cg.const(0.0)
        nonzero = cg.value(arith.CmpiOp(step, zero, "ne") if ints else arith.CmpfOp(step, zero, "une"))
        cg.check(nonzero, "ZeroDivisionError", "arange: division by zero (step is 0)")
    if ints:
        count = cg.value(arith.CeilDivSIOp(cg.value(arith.SubiOp(stop, start)), step))
    else:
        span = cg.value(arith.DivfOp(cg.value(arith.SubfOp(stop, start)), step))
        finite = cg.value(arith.CmpfOp(cg.value(mathd.AbsFOp(span)), cg.const(float(2**62)), "olt"))
        cg.check(finite, "ValueError", "arange: cannot compute the length (infinite or NaN range)")
        count = cg.value(arith.FPToSIOp(cg.value(mathd.CeilOp(span)), I64))
        step = cg.value(arith.SubfOp(cg.value(arith.AddfOp(start, step)), start))  # NumPy's fill step
    n = cg.to_index(_nonnegative_length(cg, count))
    index = _iota(cg, [n], 0)
    if not ints:
        index = cg.convert_element(index, F64)
    values = cg.binary(ast.Add(), cg.binary(ast.Mult(), index, step), start)
    return cg.convert_element(values, element)


def _linspace(cg, node, args, kwargs):
    """`np.linspace(start, stop, num=50, endpoint=True)`: `start + i * step` with the last element
    exactly `stop` when `endpoint`; `endpoint` must be known at compile time."""
    _arity(cg, node, args, 2, 4)
    _reject_keywords(cg, node, kwargs, ("num", "endpoint", "dtype"))
    start, stop = (cg.convert(_number(cg, node, v), F64) for v in args[:2])
    num = args[2] if len(args) > 2 else cg.visit(kwargs["num"]) if "num" in kwargs else cg.const(50)
    num = _int_scalar(cg, node, num, "num")
    endpoint_value = args[3] if len(args) > 3 else cg.visit(kwargs["endpoint"]) if "endpoint" in kwargs else None
    endpoint = True if endpoint_value is None else _static_flag(cg, node, endpoint_value, "endpoint")
    element = _dtype_keyword(cg, node, kwargs, F64)
    if element not in (F64, F32):
        cg.error(node, "linspace: only float dtypes are supported", UnsupportedSyntaxError)
    ok = cg.value(arith.CmpiOp(num, cg.const(0), "sge"))
    cg.check(ok, "ValueError", "Number of samples, {0}, must be non-negative.", [num])
    divisions = cg.value(arith.SubiOp(num, cg.const(1))) if endpoint else num
    step = cg.value(arith.DivfOp(cg.value(arith.SubfOp(stop, start)),
                                 cg.convert(cg.value(arith.MaxSIOp(divisions, cg.const(1))), F64)))
    index = _iota(cg, [cg.to_index(num)], 0)
    values = cg.binary(ast.Add(), cg.binary(ast.Mult(), cg.convert_element(index, F64), step), start)
    if endpoint:  # the last element is exactly `stop` (when there are at least two)
        last = cg.value(arith.SelectOp(cg.value(arith.CmpiOp(num, cg.const(1), "sgt")), divisions, cg.const(-1)))
        values = cg.where(cg.compare(ast.Eq(), index, last), stop, values)
    return cg.convert_element(values, element)


def _number(cg, node: ast.Call, v: object) -> SSAValue:
    if isinstance(v, Struct) or is_array(v.type):
        cg.error(node, f"{_name(node)}: expected a number", ZygTypeError)
    return v


def _eye(cg, node, args, kwargs):
    """`np.eye(n)`, `np.eye(n, m)`, `np.eye(n, m, k)`: ones on the k-th diagonal."""
    _arity(cg, node, args, 1, 3)
    _reject_keywords(cg, node, kwargs, ("M", "k", "dtype"))
    n = _int_scalar(cg, node, args[0], "N")
    m_value = args[1] if len(args) > 1 else cg.visit(kwargs["M"]) if "M" in kwargs and not _is_none(kwargs["M"]) \
        else n
    k = args[2] if len(args) > 2 else cg.visit(kwargs["k"]) if "k" in kwargs else cg.const(0)
    m, k = _int_scalar(cg, node, m_value, "M"), _int_scalar(cg, node, k, "k")
    return eye(cg, n, m, k, _dtype_keyword(cg, node, kwargs, F64))


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def eye(cg, n: SSAValue, m: SSAValue, k: SSAValue, element: Attribute) -> SSAValue:
    for v in (n, m):
        ok = cg.value(arith.CmpiOp(v, cg.const(0), "sge"))
        cg.check(ok, "ValueError", "negative dimensions are not allowed")
    dims = [cg.to_index(n), cg.to_index(m)]
    if known_int(k) == 0:
        one = cg.convert_element(cg.const(1.0), element) if element in (F64, F32) else \
            cg.convert(cg.const(True), element)
        return cg.with_dims(cg.value(EyeOp(one, dims)), dims)
    rows, cols = _iota(cg, dims, 0), _iota(cg, dims, 1)
    return cg.convert_element(cg.compare(ast.Eq(), cg.binary(ast.Add(), rows, k), cols), element)


def _identity(cg, node, args, kwargs):
    """`np.identity(n)`."""
    _arity(cg, node, args, 1, 1)
    _reject_keywords(cg, node, kwargs, ("dtype",))
    n = _int_scalar(cg, node, args[0], "n")
    return eye(cg, n, n, cg.const(0), _dtype_keyword(cg, node, kwargs, F64))


def _trace(cg, node, args, kwargs):
    """`np.trace(x)` of a 2-D array: the sum of its main diagonal."""
    _arity(cg, node, args, 1, 1)
    _reject_keywords(cg, node, kwargs, ())
    x = _array(cg, node, args[0])
    if rank_of(x.type) != 2:
        cg.error(node, f"trace of a {rank_of(x.type)}-D array is not supported (only 2-D arrays)",
                 UnsupportedSyntaxError)
    if element_type(x.type) == I1:
        x = cg.convert_element(x, I64)
    return cg.value(TraceOp(x))


def _nested_shape(cg, node: ast.AST, value: object) -> tuple[list[int], list[SSAValue]]:
    """The compile-time shape of nested lists or tuples and their leaves in row-major order."""
    if not isinstance(value, Struct):
        return [], [value]
    parts = [_nested_shape(cg, node, item) for item in value.items]
    if any(shape != parts[0][0] for shape, _ in parts):
        cg.error(node, f"{_name(node)}: the nested sequences have an inhomogeneous shape", ZygTypeError)
    inner = parts[0][0] if parts else []
    return [len(value.items), *inner], [leaf for _, leaves in parts for leaf in leaves]


def array_from_nested(cg, node: ast.AST, value: Struct, element: Attribute | None = None) -> SSAValue:
    """`np.array` of nested lists or tuples of numbers (differentiable in each) or of arrays (stacked)."""
    shape, leaves = _nested_shape(cg, node, value)
    if any(isinstance(leaf, Struct) for leaf in leaves):
        cg.error(node, f"{_name(node)}: unsupported nesting", ZygTypeError)
    if any(is_array(leaf.type) for leaf in leaves):
        if not all(is_array(leaf.type) for leaf in leaves):
            cg.error(node, f"{_name(node)}: cannot mix arrays and numbers in one array", ZygTypeError)
        return _stack_nested(cg, node, value, element)
    if element is None:
        types = {leaf.type for leaf in leaves}
        element = F32 if types == {F32} else F64 if types & {F64, F32} else I64 if I64 in types else \
            I1 if types else F64
    dims = [cg.index(n) for n in shape]
    if not leaves:
        return cg.splat(cg.const(0.0), element, dims)
    scalars = [cg.convert_element(leaf, element) if leaf.type != element else leaf for leaf in leaves]
    static = cg.value(tensor.FromElementsOp(*scalars, result_type=TensorType(element, shape)))
    return cg.with_dims(cg.value(tensor.CastOp(static, array_type(len(shape), element))), dims)


def _stack_nested(cg, node: ast.AST, value: object, element: Attribute | None) -> SSAValue:
    if not isinstance(value, Struct):
        return value if element is None else cg.convert_element(value, element)
    return stack(cg, node, [_stack_nested(cg, node, item, element) for item in value.items], 0)


def _array_constructor(copy: bool) -> Handler:
    """`np.array(obj, dtype=None)` (a new array) and `np.asarray(obj, dtype=None)` (the array itself
    when it already has the dtype)."""

    def handler(cg, node, args, kwargs):
        _arity(cg, node, args, 1, 2)
        _reject_keywords(cg, node, kwargs, ("dtype",))
        dtype = args[1] if len(args) == 2 else cg.static_argument(kwargs["dtype"]) if "dtype" in kwargs else None
        element = _dtype(cg, node, dtype, None)
        value = args[0]
        if isinstance(value, Struct) and value.kind == GROWLIST:
            cg.require_items(value, "np.array")
            rows = cg.growable_rows(value)
            return rows if element is None else convert(cg, node, rows, element)
        if isinstance(value, Struct):
            return array_from_nested(cg, node, value, element)
        if not is_array(value.type):
            return value if element is None else convert(cg, node, value, element)
        if element is not None and element != element_type(value.type):
            return convert(cg, node, value, element)
        return _copy(cg, value) if copy else value

    handler.static_positions = (1,)
    return handler


def convert(cg, node: ast.Call, x: SSAValue, element: Attribute) -> SSAValue:
    """`x.astype(element)` for a scalar or an array (float to int truncates, as NumPy does)."""
    source = element_type(x.type)
    if element == I1:
        return cg.compare(ast.NotEq(), x, cg.const(0.0) if source in (F64, F32) else cg.const(0))
    if source in (F64, F32) and element == I64:
        result_type = array_type(rank_of(x.type), I64) if is_array(x.type) else I64
        converted = cg.value(arith.FPToSIOp(x, result_type))
        return cg.with_dims(converted, cg.dims(x)) if is_array(x.type) else converted
    if not is_array(x.type) and element == F32 and source == F64:
        return cg.value(arith.TruncFOp(x, F32))
    if not is_array(x.type) and promote(source, element) != element:
        cg.error(node, f"cannot convert a {python_type_name(x.type)} to {python_type_name(element)}", ZygTypeError)
    return cg.convert_element(x, element)


def _astype(cg, node, args, kwargs):
    """`x.astype(dtype)`: always a new array, like NumPy's default `copy=True`."""
    _arity(cg, node, args, 2, 2)
    _reject_keywords(cg, node, kwargs, ())
    x = _array(cg, node, args[0])
    element = _dtype(cg, node, args[1], None)
    if element == element_type(x.type):
        return _copy(cg, x)
    return convert(cg, node, x, element)


_astype.static_positions = (1,)


SHAPE_HANDLERS: dict[object, Handler] = {
    np.reshape: _reshape,
    np.ravel: _ravel(False),
    np.squeeze: _squeeze,
    np.expand_dims: _expand_dims,
    np.concatenate: _concatenate,
    np.stack: _stack,
    np.hstack: _hstack,
    np.vstack: _vstack,
    np.tile: _tile,
    np.broadcast_to: _broadcast_to,
    np.arange: _arange,
    np.linspace: _linspace,
    np.eye: _eye,
    np.identity: _identity,
    np.trace: _trace,
    np.array: _array_constructor(True),
    np.asarray: _array_constructor(False),
}

SHAPE_METHODS: dict[str, Handler] = {
    "reshape": _reshape,
    "ravel": _ravel(False),
    "flatten": _ravel(True),
    "squeeze": _squeeze,
    "astype": _astype,
    "trace": _trace,
}
