"""NumPy functions and array methods the frontend compiles, as a dispatch table.

Each handler takes the codegen, the call node, the positional argument values and the keyword
argument nodes (`axis=`, `keepdims=` must be known at compile time), and returns a value. Scalars
are accepted wherever NumPy accepts them; a float result of a scalar call is a Python float.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import numpy as np
from xdsl.dialects import arith
from xdsl.dialects import math as mathd
from xdsl.ir import SSAValue

from zyg.dialects import zyg
from zyg.errors import UnsupportedSyntaxError, ZygTypeError
from zyg.frontend.arrays import shape_text
from zyg.frontend.indexing import add_at, copyto, item_method
from zyg.frontend.shape_functions import SHAPE_HANDLERS, SHAPE_METHODS
from zyg.frontend.shape_functions import convert as astype
from zyg.frontend.trees import Struct
from zyg.frontend.types import F32, F64, I1, I64, element_type, is_array, rank_of

Handler = Callable[..., SSAValue]

_UNARY: dict[object, type] = {
    np.sin: mathd.SinOp, np.cos: mathd.CosOp, np.tan: mathd.TanOp,
    np.arcsin: mathd.AsinOp, np.arccos: mathd.AcosOp, np.arctan: mathd.AtanOp,
    np.sinh: mathd.SinhOp, np.cosh: mathd.CoshOp, np.tanh: mathd.TanhOp,
    np.exp: mathd.ExpOp, np.expm1: mathd.ExpM1Op, np.log: mathd.LogOp, np.log1p: mathd.Log1pOp,
    np.log2: mathd.Log2Op, np.log10: mathd.Log10Op, np.sqrt: mathd.SqrtOp,
    np.abs: mathd.AbsFOp, np.fabs: mathd.AbsFOp, np.floor: mathd.FloorOp, np.ceil: mathd.CeilOp,
    np.arcsinh: mathd.AsinhOp, np.arccosh: mathd.AcoshOp, np.arctanh: mathd.AtanhOp, np.cbrt: mathd.CbrtOp,
    np.exp2: mathd.Exp2Op,
}


def _float(cg, v: SSAValue) -> SSAValue:
    return v if element_type(v.type) in (F64, F32) else cg.convert_element(v, F64)


def _unary(op_class: type) -> Handler:
    def handler(cg, node, args, kwargs):
        _arity(cg, node, args, 1)
        x = _float(cg, args[0])
        return cg.array_unary(op_class, x) if is_array(x.type) else cg.value(op_class(x))

    return handler


def _square(cg, node, args, kwargs):
    _arity(cg, node, args, 1)
    return cg.binary(ast.Mult(), args[0], args[0])


def _sign(cg, node, args, kwargs):
    _arity(cg, node, args, 1)
    x = _float(cg, args[0])
    positive = cg.compare(ast.Gt(), x, cg.const(0.0))
    negative = cg.compare(ast.Lt(), x, cg.const(0.0))
    inner = cg.where(negative, cg.const(-1.0), x if not is_array(x.type) else cg.binary(ast.Mult(), x, cg.const(0.0)))
    return cg.where(positive, cg.const(1.0), inner)


def _binary(op: ast.operator) -> Handler:
    def handler(cg, node, args, kwargs):
        _arity(cg, node, args, 2)
        return cg.binary(op, args[0], args[1])

    return handler


def _binary_math(op_class: type) -> Handler:
    def handler(cg, node, args, kwargs):
        _arity(cg, node, args, 2)
        a, b = (_float(cg, v) for v in args)
        if not (is_array(a.type) or is_array(b.type)):
            return cg.value(op_class(cg.convert(a, F64), cg.convert(b, F64)))
        (x, y), dims = cg.elementwise_operands(node.func.attr if isinstance(node.func, ast.Attribute) else "op",
                                               [a, b])
        return cg.with_dims(cg.value(op_class(x, y)), dims)

    return handler


def _extremum(is_max: bool, ignore_nan: bool = False) -> Handler:
    """`np.maximum`/`np.minimum(a, b)` as `where(a >= b or isnan(a), a, b)` (`<=` for minimum), so
    a NaN operand is returned as NumPy does; `np.fmax`/`np.fmin` (`ignore_nan`) test `isnan(b)`
    instead and return the other operand.

    Gradient convention: the `select`'s pullback gives the whole cotangent to the operand returned,
    the first one at a tie, so the two operands' gradients sum to the cotangent (never twice it).
    """

    def handler(cg, node, args, kwargs):
        _arity(cg, node, args, 2)
        a, b = args
        take_a = cg.compare(ast.GtE() if is_max else ast.LtE(), a, b)
        if any(element_type(v.type) in (F64, F32) for v in (a, b)):
            # An ordered comparison with NaN is false, so it alone would return b for either NaN.
            tested = b if ignore_nan else a
            take_a = cg.binary(ast.BitOr(), take_a, cg.compare(ast.NotEq(), tested, tested))
        return cg.where(take_a, a, b)

    return handler


def _clip(cg, node, args, kwargs):
    _arity(cg, node, args, 3)
    x, lo, hi = args
    raised = _extremum(True)(cg, node, [x, lo], {})
    return _extremum(False)(cg, node, [raised, hi], {})


def _where(cg, node, args, kwargs):
    _arity(cg, node, args, 3)
    return cg.where(*args)


def _logaddexp(cg, node, args, kwargs):
    """log(exp(a) + exp(b)) = max(a, b) + log1p(exp(-|a - b|)), without overflow."""
    _arity(cg, node, args, 2)
    a, b = (_float(cg, v) for v in args)
    top = _extremum(True)(cg, node, [a, b], {})
    gap = _unary(mathd.AbsFOp)(cg, node, [cg.binary(ast.Sub(), a, b)], {})
    tail = _unary(mathd.Log1pOp)(cg, node, [_unary(mathd.ExpOp)(cg, node, [cg.negate_any(gap)], {})], {})
    return cg.binary(ast.Add(), top, tail)


def _reduction(kind: str) -> Handler:
    def handler(cg, node, args, kwargs):
        """`np.sum(x, axis=None, keepdims=False, initial=, where=True)` (and prod, max, min; mean
        without `initial`): the elements where `where` is false are left out (max and min need an
        `initial` with it, as in NumPy), and `initial` takes part in the reduction."""
        what = ast.unparse(node.func)
        _arity(cg, node, args, 1, 2)
        allowed = ("axis", "keepdims", "where") if kind == "mean" else ("axis", "keepdims", "where", "initial")
        for name in kwargs:
            if name not in allowed:
                cg.error(node, f"{what}(): the keyword '{name}' is not supported", UnsupportedSyntaxError)
        if kind in ("max", "min") and "where" in kwargs and "initial" not in kwargs:
            name = "maximum" if kind == "max" else "minimum"
            cg.error(node, f"{what}(): reduction operation '{name}' does not have an identity, so to use a where "
                     "mask one has to specify 'initial'", ZygTypeError)
        x = args[0]
        axis = cg.static_argument(node.args[1]) if len(args) == 2 else _kw(cg, kwargs, "axis", None)
        keepdims = bool(_kw(cg, kwargs, "keepdims", False))
        if not is_array(x.type):
            if "where" in kwargs or "initial" in kwargs:
                cg.error(node, f"{what}(): where= and initial= of a number are not supported", UnsupportedSyntaxError)
            return x
        axes = cg.normalise_axes(node, axis, rank_of(x.type))
        initial = None
        if "initial" in kwargs:
            initial = cg.visit(kwargs["initial"])
            if isinstance(initial, Struct) or is_array(initial.type) or element_type(initial.type) not in (F64, I64, I1):
                cg.error(node, f"{what}(): initial= must be a number", ZygTypeError)
        if "where" in kwargs:
            return _masked_reduction(cg, node, kind, x, cg.visit(kwargs["where"]), axes, keepdims, initial)
        if kind == "mean":
            return cg.mean(x, axes, keepdims)
        if initial is not None:
            element = I64 if element_type(x.type) == I1 else element_type(x.type)
            initial = astype(cg, node, initial, element)  # NumPy casts it to the array's dtype
            return _with_initial(cg, node, kind, cg.reduce(kind, x, axes, keepdims, empty_ok=True), initial)
        return cg.reduce(kind, x, axes, keepdims)

    return handler


def _with_initial(cg, node, kind: str, reduced: SSAValue, initial: SSAValue) -> SSAValue:
    """A reduction's result combined with its `initial`: added (sum), multiplied (prod) or compared
    (max, min: NaN propagates, and the gradient goes to the one returned)."""
    if kind in ("max", "min"):
        return _extremum(kind == "max")(cg, node, [reduced, initial], {})
    return cg.binary(ast.Add() if kind == "sum" else ast.Mult(), reduced, initial)


def _masked_reduction(cg, node, kind: str, x: SSAValue, mask: object, axes: list[int], keepdims: bool,
                      initial: SSAValue | None) -> SSAValue:
    """The reduction of `x` over `axes` with the elements where `mask` is false left out: 0 in their
    place for sum and mean (which counts the others), 1 for prod, `initial` for max and min."""
    mask = _where_mask(cg, node, x, mask)
    if element_type(x.type) == I1 or (kind == "mean" and element_type(x.type) == I64):
        x = cg.convert_element(x, F64 if kind == "mean" else I64)
    element = element_type(x.type)
    if initial is not None:
        initial = astype(cg, node, initial, element)  # NumPy casts it to the array's dtype
    if kind in ("max", "min"):
        reduced = cg.reduce(kind, cg.where(mask, x, initial), axes, keepdims, empty_ok=True)
        return _with_initial(cg, node, kind, reduced, initial)
    neutral = cg.const(1 if kind == "prod" else 0)
    if element in (F64, F32):  # a float scalar keeps a float32 array float32
        neutral = cg.const(float(1 if kind == "prod" else 0))
    kept = cg.where(mask, x, neutral)
    total = cg.reduce("prod" if kind == "prod" else "sum", kept, axes, keepdims)
    if initial is not None:
        return _with_initial(cg, node, kind, total, initial)
    if kind != "mean":
        return total
    count = cg.reduce("sum", cg.convert_element(mask, element), axes, keepdims)
    return cg.binary(ast.Div(), total, count)


def _where_mask(cg, node, x: SSAValue, mask: object) -> SSAValue:
    """The `where=` argument of a reduction: a bool or a bool array that broadcasts to `x`'s shape (x's
    shape itself, as NumPy requires), broadcast to it."""
    what = ast.unparse(node.func)
    if isinstance(mask, Struct) or element_type(mask.type) != I1:
        cg.error(node, f"{what}(): where= must be a bool or an array of bools", ZygTypeError)
    dims = cg.dims(x)
    if not is_array(mask.type):
        return cg.splat(mask, I1, dims)
    mask_dims = cg.dims(mask)
    if len(mask_dims) > len(dims):
        cg.error(node, f"{what}(): where= has rank {len(mask_dims)}, above the array's {len(dims)}", ZygTypeError)
    one = cg.index(1)
    ok = cg.const(True)
    for m, d in zip(mask_dims, dims[len(dims) - len(mask_dims):]):
        if m is not d:
            fits = cg.value(arith.OrIOp(cg.value(arith.CmpiOp(m, d, "eq")), cg.value(arith.CmpiOp(m, one, "eq"))))
            ok = cg.value(arith.AndIOp(ok, fits))
    message = (f"{what}: where= of shape {shape_text(len(mask_dims))} does not broadcast to the array's "
               f"shape {shape_text(len(dims), len(mask_dims))}")
    cg.check(ok, "ValueError", message, [*mask_dims, *dims])
    return cg.broadcast_to(mask, dims)


def _matmul(cg, node, args, kwargs):
    _arity(cg, node, args, 2)
    a, b = args
    if not is_array(a.type) or not is_array(b.type):
        return cg.binary(ast.Mult(), a, b)
    return cg.matmul(a, b)


def _outer(cg, node, args, kwargs):
    _arity(cg, node, args, 2)
    a, b = (cg.ravel_1d(node, v) for v in args)
    m, n = cg.dims(a)[0], cg.dims(b)[0]
    rows = cg.transpose(cg.broadcast_to(a, [n, m]))
    cols = cg.broadcast_to(b, [m, n])
    return cg.binary(ast.Mult(), rows, cols)


def _shape_argument(cg, node, value) -> list[SSAValue]:
    """The dimensions (index values) of a shape argument: an int or a tuple of ints."""
    items = value.items if isinstance(value, Struct) else (value,)
    dims = []
    for item in items:
        if isinstance(item, Struct) or item.type not in (I64,):
            cg.error(node, "a shape must be an int or a tuple of ints", ZygTypeError)
        ok = cg.value(arith.CmpiOp(item, cg.const(0), "sge"))
        cg.check(ok, "ValueError", "negative dimensions are not allowed")
        dims.append(cg.to_index(item))
    return dims


def _dtype(cg, node, kwargs, default=F64):
    dtype = _kw(cg, kwargs, "dtype", None)
    if dtype is None:
        return default
    table = {np.float64: F64, float: F64, np.float32: F32, np.int64: I64, int: I64}
    if dtype not in table:
        cg.error(node, f"dtype {dtype!r} is not supported (float64, float32 and int64 are)", ZygTypeError)
    return table[dtype]


def _filled(value: float | None) -> Handler:
    def handler(cg, node, args, kwargs):
        _arity(cg, node, args, 1 if value is not None else 2)
        dims = _shape_argument(cg, node, args[0])
        element = _dtype(cg, node, kwargs)
        fill = cg.const(int(value) if element == I64 else value) if value is not None else args[1]
        return cg.splat(fill, element, dims)

    return handler


def _filled_like(value: float | None) -> Handler:
    def handler(cg, node, args, kwargs):
        _arity(cg, node, args, 1 if value is not None else 2)
        x = args[0]
        if not is_array(x.type):
            cg.error(node, "the first argument must be an array", ZygTypeError)
        element = _dtype(cg, node, kwargs, element_type(x.type))
        fill = cg.const(int(value) if element == I64 else value) if value is not None else args[1]
        return cg.splat(fill, element, cg.dims(x))

    return handler


def _transpose(cg, node, args, kwargs):
    _arity(cg, node, args, 1, 2)
    axes = cg.static_argument(node.args[1]) if len(args) == 2 else _kw(cg, kwargs, "axes", None)
    x = args[0]
    if axes is not None:
        axes = [a % rank_of(x.type) for a in axes]
    return cg.transpose(x, axes)


def _arity(cg, node, args, *counts: int) -> None:
    if len(args) not in counts:
        expected = " or ".join(map(str, counts))
        cg.error(node, f"{ast.unparse(node.func)}() takes {expected} positional argument(s), got {len(args)}",
                 ZygTypeError)


def _kw(cg, kwargs: dict[str, ast.expr], name: str, default):
    node = kwargs.get(name)
    return default if node is None else cg.static_argument(node)


NUMPY_HANDLERS: dict[object, Handler] = {
    **{fn: _unary(op) for fn, op in _UNARY.items()},
    np.absolute: _unary(mathd.AbsFOp),
    np.square: _square,
    np.sign: _sign,
    np.add: _binary(ast.Add()),
    np.subtract: _binary(ast.Sub()),
    np.multiply: _binary(ast.Mult()),
    np.divide: _binary(ast.Div()),
    np.power: _binary(ast.Pow()),
    np.arctan2: _binary_math(mathd.Atan2Op),
    np.hypot: _binary_math(zyg.HypotOp),
    np.maximum: _extremum(True),
    np.minimum: _extremum(False),
    np.fmax: _extremum(True, ignore_nan=True),
    np.fmin: _extremum(False, ignore_nan=True),
    np.clip: _clip,
    np.where: _where,
    np.logaddexp: _logaddexp,
    np.sum: _reduction("sum"),
    np.prod: _reduction("prod"),
    np.max: _reduction("max"),
    np.amax: _reduction("max"),
    np.min: _reduction("min"),
    np.amin: _reduction("min"),
    np.mean: _reduction("mean"),
    np.dot: _matmul,
    np.matmul: _matmul,
    np.outer: _outer,
    np.zeros: _filled(0.0),
    np.ones: _filled(1.0),
    np.empty: _filled(0.0),
    np.full: _filled(None),
    np.zeros_like: _filled_like(0.0),
    np.ones_like: _filled_like(1.0),
    np.empty_like: _filled_like(0.0),
    np.full_like: _filled_like(None),
    np.transpose: _transpose,
    np.copyto: copyto,
    np.add.at: add_at,
}

# Array methods: name -> the handler of the NumPy function taking the array first.
ARRAY_METHODS: dict[str, Handler] = {
    "sum": NUMPY_HANDLERS[np.sum],
    "prod": NUMPY_HANDLERS[np.prod],
    "max": NUMPY_HANDLERS[np.max],
    "min": NUMPY_HANDLERS[np.min],
    "mean": NUMPY_HANDLERS[np.mean],
    "dot": _matmul,
    "transpose": _transpose,
    "item": item_method,
}

# Linear algebra (einsum, solvers, N-D dot) and shape work live in their own modules; the shape
# module's np.eye (rectangular, with an offset) replaces the square one of the linalg module.
from zyg.frontend.linalg_functions import LINALG_HANDLERS, LINALG_METHODS  # noqa: E402

NUMPY_HANDLERS.update(LINALG_HANDLERS)
ARRAY_METHODS.update(LINALG_METHODS)
NUMPY_HANDLERS.update(SHAPE_HANDLERS)
ARRAY_METHODS.update(SHAPE_METHODS)

from zyg.frontend.numpy_library import LIBRARY_HANDLERS, LIBRARY_METHODS  # noqa: E402

NUMPY_HANDLERS.update(LIBRARY_HANDLERS)
ARRAY_METHODS.update(LIBRARY_METHODS)

from zyg.frontend.numpy_library_more import MORE_HANDLERS, MORE_METHODS  # noqa: E402

NUMPY_HANDLERS.update(MORE_HANDLERS)
ARRAY_METHODS.update(MORE_METHODS)

from zyg.frontend.spectral import SPECTRAL_HANDLERS  # noqa: E402

NUMPY_HANDLERS.update(SPECTRAL_HANDLERS)
