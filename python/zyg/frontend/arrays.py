"""Frontend support for NumPy arrays: shapes, broadcasting and the array operators.

Mixed into `FunctionCodegen`. Arrays are SSA values of type `tensor<?x...xT>`; every array value's
dimensions are tracked as `index` values (`dims`), so operations on arrays of one origin need no
run-time shape checks, and operations on arrays of different origins check once and raise a
`ShapeError` naming the operation, the shapes and the user's line. Indexing is in `indexing.py`. Shapes are tuple `Struct`s (`zyg.frontend.trees`).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import FloatAttr, IntegerAttr
from xdsl.ir import Attribute, SSAValue

from zyg.dialects import zyg
from zyg.dialects.zyg_arrays import BroadcastToOp, CheckOp, MatmulOp, ReduceOp, SplatOp, TransposeOp
from zyg.entry_abi import CHECK_VALUES
from zyg.errors import UnsupportedSyntaxError, ZygTypeError
from zyg.frontend.trees import TUPLE, Struct
from zyg.frontend.types import (
    F32,
    F64,
    I1,
    I64,
    INDEX,
    array_type,
    element_type,
    is_array,
    promote_elements,
    python_type_name,
    rank_of,
)


def shape_text(rank: int, start: int = 0) -> str:
    """A message template for a shape: `({0}, {1})`, `({0},)`, `()`."""
    if rank == 0:
        return "()"
    if rank == 1:
        return f"({{{start}}},)"
    return "(" + ", ".join(f"{{{start + i}}}" for i in range(rank)) + ")"


class ArrayCodegen:
    """The array half of `FunctionCodegen` (which provides `value`, `const`, `convert`, `error`)."""

    # ----------------------------------------------------------------------------------------------
    # Shapes
    # ----------------------------------------------------------------------------------------------

    def dims(self, v: SSAValue) -> list[SSAValue]:
        """The dimensions of array `v` as `index` values, computed once where `v` is defined."""
        known = self.shapes.get(v)
        if known is not None:
            return known
        dims = [self.value(tensor.DimOp(v, self.index(axis))) for axis in range(rank_of(v.type))]
        if self.defines_here(v):
            self.shapes[v] = dims
        return dims

    def defines_here(self, v: SSAValue) -> bool:
        owner_block = v.block if hasattr(v, "block") and not hasattr(v, "owner") else None
        if owner_block is None:
            owner = getattr(v, "owner", None)
            owner_block = owner.parent_block() if hasattr(owner, "parent_block") else owner
        return owner_block is self.block

    def index(self, value: int) -> SSAValue:
        return self.value(arith.ConstantOp.from_int_and_width(value, INDEX))

    def to_index(self, v: SSAValue) -> SSAValue:
        return self.value(arith.IndexCastOp(self.convert(v, I64), INDEX))

    def to_int(self, v: SSAValue) -> SSAValue:
        return self.value(arith.IndexCastOp(v, I64))

    def with_dims(self, v: SSAValue, dims: Sequence[SSAValue]) -> SSAValue:
        """`v`, known from now on to have the dimensions `dims`. Only for a value of the current block:
        the dims of an outer value learnt here (inside a loop or branch) would not dominate its later
        uses outside."""
        if self.defines_here(v):
            self.shapes[v] = list(dims)
        return v

    def check(self, ok: SSAValue, error: str, message: str, values: Sequence[SSAValue] = ()) -> None:
        """A run-time check at the current line; `values` (i64 or index) fill `{0}`, `{1}`, ... (the
        first `CHECK_VALUES` of them: a field past those reads `?`)."""
        ints = [self.to_int(v) if v.type == INDEX else v for v in values][:CHECK_VALUES]
        self.emit(CheckOp(ok, ints, error, message))

    def shape_tuple(self, v: SSAValue) -> Struct:
        return Struct(TUPLE, tuple(self.to_int(d) for d in self.dims(v)))

    # ----------------------------------------------------------------------------------------------
    # Broadcasting and elementwise operations
    # ----------------------------------------------------------------------------------------------

    def splat(self, scalar: SSAValue, element: Attribute, dims: Sequence[SSAValue]) -> SSAValue:
        scalar = self.convert_element(scalar, element)
        return self.with_dims(self.value(SplatOp(scalar, list(dims), array_type(len(dims), element))), dims)

    def convert_element(self, v: SSAValue, element: Attribute) -> SSAValue:
        """Converts a scalar or an array to element type `element` (NumPy's astype)."""
        if element_type(v.type) == element:
            return v
        source = element_type(v.type)
        if not is_array(v.type):
            if element == F32 and source in (F64, I64, I1):
                return self.value(arith.TruncFOp(self.convert(v, F64), F32))
            if source == F32 and element == F64:
                return self.value(arith.ExtFOp(v, F64))
            return self.convert(v, element)
        result_type = array_type(rank_of(v.type), element)
        dims = self.dims(v)
        if source == I1 and element == I64:
            op = arith.ExtUIOp(v, result_type)
        elif source == I1:
            op = arith.UIToFPOp(v, result_type)
        elif source == I64 and element in (F64, F32):
            op = arith.SIToFPOp(v, result_type)
        elif source == F32 and element == F64:
            op = arith.ExtFOp(v, result_type)
        elif source == F64 and element == F32:
            op = arith.TruncFOp(v, result_type)
        else:
            self.error(None, f"cannot convert a {python_type_name(v.type)} to {python_type_name(element)}",
                       ZygTypeError)
        return self.with_dims(self.value(op), dims)

    def broadcast_dims(self, what: str, da: list[SSAValue], db: list[SSAValue], *, error: str = "ValueError",
                       prefix: str | None = None) -> list[SSAValue]:
        """NumPy's broadcast of shapes `da` and `db`, checked at run time when not known equal (the
        error names `what`, or is `error` with `prefix` before the two shapes)."""
        if da == db:
            return da
        rank = max(len(da), len(db))
        pa, pb = [None] * (rank - len(da)) + da, [None] * (rank - len(db)) + db
        out, oks = [], []
        one = self.index(1)
        for x, y in zip(pa, pb):
            if x is None or y is None or x is y:
                out.append(y if x is None else x)
                continue
            if _constant_int(x) == 1 or _constant_int(y) == 1:  # `x[:, None]`: known to broadcast
                out.append(y if _constant_int(x) == 1 else x)
                continue
            x_unit = self.value(arith.CmpiOp(x, one, "eq"))
            y_unit = self.value(arith.CmpiOp(y, one, "eq"))
            equal = self.value(arith.CmpiOp(x, y, "eq"))
            oks.append(self.value(arith.OrIOp(equal, self.value(arith.OrIOp(x_unit, y_unit)))))
            out.append(self.value(arith.SelectOp(x_unit, y, x)))
        if oks:
            ok = oks[0]
            for more in oks[1:]:
                ok = self.value(arith.AndIOp(ok, more))
            prefix = prefix or f"{what}: operands could not be broadcast together with shapes"
            message = f"{prefix} {shape_text(len(da))} {shape_text(len(db), len(da))}"
            self.check(ok, error, message, [*da, *db])
        return out

    def broadcast_to(self, v: SSAValue, dims: Sequence[SSAValue]) -> SSAValue:
        """`v` broadcast to `dims`, which `broadcast_dims` checked. The op records what is known here
        and lost in the lowering: the axes of size 1 (repeated without a run-time test), and whether
        every other axis is the very dimension it broadcasts to."""
        source_dims = self.dims(v)
        if source_dims == list(dims):
            return v
        trailing = list(dims)[len(dims) - len(source_dims):]
        unit_axes = [axis for axis, (d, out) in enumerate(zip(source_dims, trailing))
                     if d is not out and _constant_int(d) == 1]
        expand_only = all(d is out for axis, (d, out) in enumerate(zip(source_dims, trailing)) if axis not in unit_axes)
        return self.with_dims(self.value(BroadcastToOp(v, list(dims), expand_only, unit_axes)), dims)

    def elementwise_operands(self, what: str, operands: Sequence[SSAValue],
                             element: Attribute | tuple[Attribute, ...] | None = None
                             ) -> tuple[list[SSAValue], list[SSAValue]]:
        """Converts to a common element type (or to one per operand, where `element` is a tuple) and
        broadcasts to one shape: `(operands, dims)`."""
        arrays = [v for v in operands if is_array(v.type)]
        if element is None:
            element = element_type(operands[0].type)
            first_is_array = is_array(operands[0].type)
            for v in operands[1:]:
                element = promote_elements(element, element_type(v.type), first_is_array, is_array(v.type))
                first_is_array = first_is_array or is_array(v.type)
        dims = self.dims(arrays[0])
        for v in arrays[1:]:
            dims = self.broadcast_dims(what, dims, self.dims(v))
        elements = element if isinstance(element, tuple) else (element,) * len(operands)
        out = []
        for v, target in zip(operands, elements, strict=True):
            v = self.convert_element(v, target)
            out.append(self.broadcast_to(v, dims) if is_array(v.type) else self.splat(v, target, dims))
        return out, dims

    def array_binary(self, op: ast.operator, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        """`lhs <op> rhs` where at least one side is an array (NumPy semantics)."""
        name = _OPERATOR_NAMES.get(type(op), type(op).__name__)
        if isinstance(op, ast.MatMult):
            return self.matmul(lhs, rhs)
        if isinstance(op, ast.Pow):
            return self.array_power(lhs, rhs)
        element = promote_elements(element_type(lhs.type), element_type(rhs.type), is_array(lhs.type),
                                   is_array(rhs.type))
        if isinstance(op, ast.Div) and element not in (F64, F32):
            element = F64
        if element == I1 and not isinstance(op, (ast.BitAnd, ast.BitOr, ast.BitXor)):
            element = I64
        (a, b), dims = self.elementwise_operands(name, [lhs, rhs], element)
        table = _FLOAT_ARRAY_BINOPS if element in (F64, F32) else _INT_ARRAY_BINOPS
        op_class = table.get(type(op))
        if op_class is None:
            self.error(None, f"unsupported operator {name} on {python_type_name(a.type)}s", UnsupportedSyntaxError)
        return self.with_dims(self.value(op_class(a, b)), dims)

    def array_power(self, base: SSAValue, exponent: SSAValue) -> SSAValue:
        """`x ** p`: a constant small integer exponent becomes multiplications (exact, fast)."""
        k = _constant_int(exponent)
        if is_array(base.type) and k is not None and 0 <= k <= 4 and element_type(base.type) in (F64, F32):
            dims = self.dims(base)
            if k == 0:
                return self.splat(self.const(1.0), element_type(base.type), dims)
            result = base
            for _ in range(k - 1):
                result = self.with_dims(self.value(arith.MulfOp(result, base)), dims)
            return result
        element = promote_elements(element_type(base.type), element_type(exponent.type), is_array(base.type),
                                   is_array(exponent.type))
        if element not in (F64, F32):
            element = F64
        # An int exponent stays an int (`t ** np.arange(m)`): `lower-zyg` makes it multiplications.
        exponent_element = I64 if element_type(exponent.type) in (I64, I1) else element
        (a, b), dims = self.elementwise_operands("power", [base, exponent], (element, exponent_element))
        return self.with_dims(self.value(zyg.PowOp(a, b)), dims)

    def array_compare(self, op: ast.cmpop, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        element = promote_elements(element_type(lhs.type), element_type(rhs.type), is_array(lhs.type),
                                   is_array(rhs.type))
        (a, b), dims = self.elementwise_operands("comparison", [lhs, rhs], element)
        result_type = array_type(len(dims), I1)
        if element in (F64, F32):
            cmp = arith.CmpfOp(a, b, _FLOAT_PREDICATES[type(op)])
        else:
            cmp = arith.CmpiOp(a, b, _INT_PREDICATES[type(op)])
        cmp.results[0]._type = result_type
        return self.with_dims(self.value(cmp), dims)

    def array_unary(self, op_class: type, x: SSAValue) -> SSAValue:
        """An elementwise `math`/`arith` function of a float array (ints are converted to float64)."""
        if element_type(x.type) not in (F64, F32):
            x = self.convert_element(x, F64)
        return self.with_dims(self.value(op_class(x)), self.dims(x))

    def where(self, cond: SSAValue, a: SSAValue, b: SSAValue) -> SSAValue:
        if not is_array(cond.type):
            cond = self.truth(cond)
        element = promote_elements(element_type(a.type), element_type(b.type), is_array(a.type), is_array(b.type))
        operands = [cond, a, b]
        arrays = [v for v in operands if is_array(v.type)]
        if not arrays:
            return self.value(arith.SelectOp(cond, self.convert(a, element), self.convert(b, element)))
        dims = self.dims(arrays[0])
        for v in arrays[1:]:
            dims = self.broadcast_dims("where", dims, self.dims(v))
        c = self.broadcast_to(cond, dims) if is_array(cond.type) else self.splat(cond, I1, dims)
        x = self.convert_element(a, element)
        y = self.convert_element(b, element)
        x = self.broadcast_to(x, dims) if is_array(x.type) else self.splat(x, element, dims)
        y = self.broadcast_to(y, dims) if is_array(y.type) else self.splat(y, element, dims)
        return self.with_dims(self.value(arith.SelectOp(c, x, y)), dims)

    def negate_any(self, x: SSAValue) -> SSAValue:
        """`-x` of a scalar or an array."""
        if is_array(x.type):
            return self.negate(x)
        return self.value(arith.NegfOp(self.convert(x, F64)))

    def ravel_1d(self, node: ast.AST, x: SSAValue) -> SSAValue:
        if not is_array(x.type) or rank_of(x.type) != 1:
            self.error(node, f"expected a 1-D array, got a {python_type_name(x.type)}", UnsupportedSyntaxError)
        return x

    def negate(self, x: SSAValue) -> SSAValue:
        if element_type(x.type) in (F64, F32):
            return self.with_dims(self.value(arith.NegfOp(x)), self.dims(x))
        return self.array_binary(ast.Sub(), self.const(0), x)

    # ----------------------------------------------------------------------------------------------
    # Reductions, products, transposes
    # ----------------------------------------------------------------------------------------------

    def normalise_axes(self, node: ast.AST | None, axis: object, rank: int) -> list[int]:
        if axis is None:
            return list(range(rank))
        axes = list(axis) if isinstance(axis, (tuple, list)) else [axis]
        out = []
        for a in axes:
            if not isinstance(a, int) or isinstance(a, bool):
                self.error(node, f"axis must be an int or a tuple of ints known at compile time, got {a!r}",
                           ZygTypeError)
            if not -rank <= a < rank:
                self.error(node, f"axis {a} is out of bounds for an array of rank {rank}", ZygTypeError)
            out.append(a % rank)
        if len(set(out)) != len(out):
            self.error(node, f"repeated axis in {axis!r}", ZygTypeError)
        return sorted(out)

    def reduce(self, kind: str, x: SSAValue, axes: list[int], keepdims: bool, empty_ok: bool = False) -> SSAValue:
        """NumPy's reduction `kind` of `x` over `axes`; max and min of no elements raise NumPy's
        ValueError unless `empty_ok` (then they are -inf and inf, or the int extremes)."""
        if not is_array(x.type):
            return x
        if element_type(x.type) == I1:
            x = self.convert_element(x, I64)
        dims = self.dims(x)
        if kind in ("max", "min") and not empty_ok:
            size = self.index(1)
            for a in axes:
                size = self.value(arith.MuliOp(size, dims[a]))
            nonempty = self.value(arith.CmpiOp(size, self.index(0), "ne"))
            name = "maximum" if kind == "max" else "minimum"
            self.check(nonempty, "ValueError", f"zero-size array to reduction operation {name} which has no identity")
        result = self.value(ReduceOp(x, kind, axes, keepdims))
        if is_array(result.type):
            one = self.index(1)
            kept = [one if a in axes else d for a, d in enumerate(dims)] if keepdims else \
                [d for a, d in enumerate(dims) if a not in axes]
            self.with_dims(result, kept)
        return result

    def mean(self, x: SSAValue, axes: list[int], keepdims: bool) -> SSAValue:
        if element_type(x.type) not in (F64, F32):
            x = self.convert_element(x, F64)
        total = self.reduce("sum", x, axes, keepdims)
        dims = self.dims(x)
        count = self.index(1)
        for a in axes:
            count = self.value(arith.MuliOp(count, dims[a]))
        count = self.value(arith.SIToFPOp(self.to_int(count), F64))
        return self.array_binary(ast.Div(), total, count) if is_array(total.type) else \
            self.value(arith.DivfOp(total, self.convert_element(count, total.type)))

    def transpose(self, x: SSAValue, permutation: Sequence[int] | None = None) -> SSAValue:
        rank = rank_of(x.type)
        perm = list(range(rank))[::-1] if permutation is None else list(permutation)
        if rank < 2 or perm == list(range(rank)):
            return x
        dims = self.dims(x)
        return self.mark_view(self.with_dims(self.value(TransposeOp(x, perm)), [dims[p] for p in perm]), x)

    def matmul(self, a: SSAValue, b: SSAValue) -> SSAValue:
        """NumPy's `a @ b` for 1-D and 2-D operands (a 1-D operand is a vector, as in NumPy)."""
        if not (is_array(a.type) and is_array(b.type)):
            self.error(None, "matmul: both operands must be arrays (use * to scale by a scalar)", ZygTypeError)
        ra, rb = rank_of(a.type), rank_of(b.type)
        if ra == 0 or rb == 0:
            self.error(None, "matmul: an operand is a 0-d array (use * to scale)", ZygTypeError)
        if ra > 2 or rb > 2:
            from zyg.frontend.linalg_functions import batched_matmul

            return batched_matmul(self, a, b)
        element = promote_elements(element_type(a.type), element_type(b.type), True, True)
        if element not in (F64, F32):
            element = F64
        a, b = self.convert_element(a, element), self.convert_element(b, element)
        da, db = self.dims(a), self.dims(b)
        inner_a, inner_b = da[-1], db[0]
        if inner_a is not inner_b:
            aligned = self.value(arith.CmpiOp(inner_a, inner_b, "eq"))
            self.check(aligned, "ValueError", f"matmul: shapes {shape_text(ra)} and {shape_text(rb, ra)} not aligned: "
                       f"{{{ra - 1}}} (dim {ra - 1}) != {{{ra}}} (dim 0)", [*da, *db])
        if ra == 1 and rb == 1:
            product = self.with_dims(self.value(arith.MulfOp(a, self.with_dims(b, da))), da)
            return self.reduce("sum", product, [0], False)
        if ra == 2 and rb == 1:  # (m, n) @ (n,) = sum over n of A * b
            row = self.with_dims(self.value(BroadcastToOp(b, da, expand_only=True)), da)
            product = self.with_dims(self.value(arith.MulfOp(a, row)), da)
            return self.reduce("sum", product, [1], False)
        if ra == 1:  # (n,) @ (n, k) = sum over n of a[:, None] * B
            return self.matmul(self.transpose(b), a)
        return self.with_dims(self.value(MatmulOp(a, b)), [da[0], db[1]])


def constant_of(v: SSAValue) -> int | float | None:
    """The value of an `arith.constant` scalar (an i1 true reads -1), or None."""
    op = getattr(v, "owner", None)
    if isinstance(op, arith.ConstantOp) and isinstance(op.value, (IntegerAttr, FloatAttr)):
        return op.value.value.data
    return None


def _constant_int(v: SSAValue) -> int | None:
    value = constant_of(v)
    return value if isinstance(value, int) else None


_OPERATOR_NAMES = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
                   ast.FloorDiv: "floor_divide", ast.Mod: "remainder", ast.Pow: "power",
                   ast.MatMult: "matmul", ast.BitAnd: "bitwise_and", ast.BitOr: "bitwise_or",
                   ast.BitXor: "bitwise_xor"}
_FLOAT_ARRAY_BINOPS = {ast.Add: arith.AddfOp, ast.Sub: arith.SubfOp, ast.Mult: arith.MulfOp,
                       ast.Div: arith.DivfOp, ast.FloorDiv: zyg.FloorDivOp, ast.Mod: zyg.ModOp}
_INT_ARRAY_BINOPS = {ast.Add: arith.AddiOp, ast.Sub: arith.SubiOp, ast.Mult: arith.MuliOp,
                     ast.FloorDiv: zyg.FloorDivOp, ast.Mod: zyg.ModOp, ast.BitAnd: arith.AndIOp,
                     ast.BitOr: arith.OrIOp, ast.BitXor: arith.XOrIOp}
_FLOAT_PREDICATES = {ast.Eq: "oeq", ast.NotEq: "une", ast.Lt: "olt", ast.LtE: "ole", ast.Gt: "ogt",
                     ast.GtE: "oge"}
_INT_PREDICATES = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "slt", ast.LtE: "sle", ast.Gt: "sgt",
                   ast.GtE: "sge"}

