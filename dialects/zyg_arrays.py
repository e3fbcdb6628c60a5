"""The array half of the `zyg` dialect: NumPy-level operations on value-semantic tensors.

Arrays are builtin `tensor<?x...xT>` with dynamic dimensions. Elementwise arithmetic and `math`
functions are the upstream `arith`/`math` ops applied to tensors of one shape, scalar reads and writes
are `tensor.extract`/`tensor.insert`; the ops here are the ones NumPy defines and upstream lacks, kept
whole through autodiff so their adjoints stay NumPy-sized (a matmul's adjoint is two matmuls, not a
differentiated loop nest). `lower-zyg-tensors` turns them into `linalg`/`tensor` afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AnyFloat,
    BoolAttr,
    DenseArrayBase,
    Float64Type,
    IndexType,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    AnyAttr,
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException
from zyg.errors import CHECK_KINDS

REDUCTIONS = ("sum", "prod", "max", "min")


def _rank(t: Attribute) -> int:
    return len(t.get_shape()) if isinstance(t, TensorType) else 0


def _element(t: Attribute) -> Attribute:
    return t.element_type if isinstance(t, TensorType) else t


def _dims_match(op: IRDLOperation, dims: Sequence[SSAValue], result: SSAValue) -> None:
    if len(dims) != _rank(result.type):
        raise VerifyException(
            f"{op.name}: {len(dims)} dimension operands for a result of rank {_rank(result.type)}"
        )


@irdl_op_definition
class SplatOp(IRDLOperation):
    """An array of the given dimensions filled with one scalar (`np.full`).

    ```mlir
    %a = zyg.splat %x [%d0, %d1] : f64 -> tensor<?x?xf64>
    ```
    """

    name = "zyg.splat"
    value = operand_def(AnyAttr())
    dims = var_operand_def(IndexType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$value `[` $dims `]` attr-dict `:` type($value) `->` type($result)"

    def __init__(self, value: SSAValue, dims: Sequence[SSAValue], result_type: Attribute):
        super().__init__(operands=[value, dims], result_types=[result_type])

    def verify_(self) -> None:
        _dims_match(self, self.dims, self.result)
        if self.value.type != self.result.type.element_type:
            raise VerifyException(
                f"zyg.splat: a {self.value.type} value cannot fill a tensor of {self.result.type.element_type}"
            )


@irdl_op_definition
class BroadcastToOp(IRDLOperation):
    """NumPy broadcasting of `source` to the given dimensions (`np.broadcast_to`).

    Missing leading dimensions are added; a dimension of size 1 is repeated. The frontend has checked
    that the shapes are compatible before this op runs. `unit_axes` lists the source axes the frontend
    knows to have size 1 (`x[:, None]`): they are repeated without a run-time test. With `expand_only`
    the frontend also knows that the other trailing dimensions already equal the source's, so only
    leading axes are added (and the unit axes repeated). With `general` it is lowered as the gather
    that handles every axis of size 1, without testing first (the branch `version-broadcasts` takes
    when some trailing dimensions do not agree).

    ```mlir
    %b = zyg.broadcast_to %x [%d0, %d1] : tensor<?xf64> -> tensor<?x?xf64>
    %r = zyg.broadcast_to %v [%d0, %d1] {expand_only} : tensor<?xf64> -> tensor<?x?xf64>
    %c = zyg.broadcast_to %y [%d0, %d1] {expand_only, unit_axes = array<i64: 1>} : tensor<?x?xf64> -> tensor<?x?xf64>
    ```
    """

    name = "zyg.broadcast_to"
    source = operand_def(TensorType)
    dims = var_operand_def(IndexType)
    expand_only = opt_prop_def(UnitAttr)
    general = opt_prop_def(UnitAttr)
    unit_axes = opt_prop_def(DenseArrayBase)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$source `[` $dims `]` attr-dict `:` type($source) `->` type($result)"

    def __init__(self, source: SSAValue, dims: Sequence[SSAValue], expand_only: bool = False,
                 unit_axes: Sequence[int] = ()):
        result_type = TensorType(source.type.element_type, [DYNAMIC_INDEX] * len(dims))
        super().__init__(operands=[source, dims], result_types=[result_type],
                         properties=_shape_knowledge("expand_only", expand_only, unit_axes))

    @property
    def unit_axis_list(self) -> list[int]:
        return _unit_axis_list(self)

    def verify_(self) -> None:
        _dims_match(self, self.dims, self.result)
        if _rank(self.source.type) > _rank(self.result.type):
            raise VerifyException("zyg.broadcast_to: the result rank is smaller than the source rank")
        _verify_unit_axes(self, _rank(self.source.type))
        _verify_one_lowering(self, self.expand_only)


@irdl_op_definition
class SumToOp(IRDLOperation):
    """The adjoint of broadcasting: sums `source` down to the given dimensions (its "unbroadcast").

    Leading axes the result lacks are summed away; an axis where the result has size 1 and `source`
    does not is summed with keepdims. As on `zyg.broadcast_to`, `unit_axes` lists the result axes
    known to have size 1 (summed without a run-time test), and `leading_only` says that the other
    trailing dimensions of `source` already equal the result's; `general`, that it is lowered as the
    scatter-add that handles every axis of size 1, without testing first.

    ```mlir
    %s = zyg.sum_to %ct [%n] : tensor<?x?xf64> -> tensor<?xf64>
    %t = zyg.sum_to %ct [%m, %n] {leading_only, unit_axes = array<i64: 0>} : tensor<?x?x?xf64> -> tensor<?x?xf64>
    ```
    """

    name = "zyg.sum_to"
    source = operand_def(TensorType)
    dims = var_operand_def(IndexType)
    leading_only = opt_prop_def(UnitAttr)
    general = opt_prop_def(UnitAttr)
    unit_axes = opt_prop_def(DenseArrayBase)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$source `[` $dims `]` attr-dict `:` type($source) `->` type($result)"

    def __init__(self, source: SSAValue, dims: Sequence[SSAValue], leading_only: bool = False,
                 unit_axes: Sequence[int] = ()):
        result_type = TensorType(source.type.element_type, [DYNAMIC_INDEX] * len(dims))
        super().__init__(operands=[source, dims], result_types=[result_type],
                         properties=_shape_knowledge("leading_only", leading_only, unit_axes))

    @property
    def unit_axis_list(self) -> list[int]:
        return _unit_axis_list(self)

    def verify_(self) -> None:
        _dims_match(self, self.dims, self.result)
        if _rank(self.source.type) < _rank(self.result.type):
            raise VerifyException("zyg.sum_to: the result rank is larger than the source rank")
        _verify_unit_axes(self, _rank(self.result.type))
        _verify_one_lowering(self, self.leading_only)


def _shape_knowledge(flag: str, value: bool, unit_axes: Sequence[int]) -> dict[str, Attribute]:
    """The optional properties of `zyg.broadcast_to`/`zyg.sum_to`: what the frontend knows of the shapes."""
    properties: dict[str, Attribute] = {flag: UnitAttr()} if value else {}
    if unit_axes:
        properties["unit_axes"] = DenseArrayBase.from_list(i64, sorted(unit_axes))
    return properties


def _unit_axis_list(op: BroadcastToOp | SumToOp) -> list[int]:
    return [] if op.unit_axes is None else list(op.unit_axes.get_values())


def _verify_one_lowering(op: BroadcastToOp | SumToOp, fast: Attribute | None) -> None:
    """The trailing dimensions cannot be both known to agree and handled as if they may not."""
    if fast is not None and op.general is not None:
        raise VerifyException(f"{op.name}: `general` contradicts `{'expand_only' if isinstance(op, BroadcastToOp) else 'leading_only'}`")


def _verify_unit_axes(op: BroadcastToOp | SumToOp, rank: int) -> None:
    """`unit_axes` name axes of the smaller (unbroadcast) array."""
    bad = [axis for axis in _unit_axis_list(op) if not 0 <= axis < rank]
    if bad:
        raise VerifyException(f"{op.name}: unit axes {bad} out of range for rank {rank}")


@irdl_op_definition
class ExpandOp(IRDLOperation):
    """The adjoint of a reduction: repeats `source` along `axes` to the given dimensions.

    `source` is what `zyg.reduce` over `axes` (with `keepdims` as given) produced from an array of
    these dimensions: a scalar when every axis was reduced without keepdims.

    ```mlir
    %e = zyg.expand %ct [%m, %n] {axes = array<i64: 1>, keepdims = false} : tensor<?xf64> -> tensor<?x?xf64>
    ```
    """

    name = "zyg.expand"
    source = operand_def(AnyAttr())
    dims = var_operand_def(IndexType)
    axes = prop_def(DenseArrayBase)
    keepdims = prop_def(BoolAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$source `[` $dims `]` attr-dict `:` type($source) `->` type($result)"

    def __init__(self, source: SSAValue, dims: Sequence[SSAValue], axes: Sequence[int], keepdims: bool):
        result_type = TensorType(_element(source.type), [DYNAMIC_INDEX] * len(dims))
        super().__init__(
            operands=[source, dims],
            result_types=[result_type],
            properties={
                "axes": DenseArrayBase.from_list(i64, sorted(axes)),
                "keepdims": BoolAttr.from_bool(keepdims),
            },
        )

    @property
    def axis_list(self) -> list[int]:
        return list(self.axes.get_values())

    def verify_(self) -> None:
        _dims_match(self, self.dims, self.result)
        rank = _rank(self.result.type)
        kept = rank if self.keepdims.value.data else rank - len(self.axis_list)
        if _rank(self.source.type) != kept:
            raise VerifyException(f"zyg.expand: a source of rank {_rank(self.source.type)} does not fit axes "
                                  f"{self.axis_list} of a rank-{rank} result")


@irdl_op_definition
class ReduceOp(IRDLOperation):
    """A NumPy reduction (`sum`, `prod`, `max`, `min`) over `axes`, with or without `keepdims`.

    The result is a scalar when every axis is reduced without keepdims (as `np.sum(x)` returns a
    number), else an array.

    ```mlir
    %s = zyg.reduce %x {kind = "sum", axes = array<i64: 1>, keepdims = false} : tensor<?x?xf64> -> tensor<?xf64>
    ```
    """

    name = "zyg.reduce"
    source = operand_def(TensorType)
    kind = prop_def(StringAttr)
    axes = prop_def(DenseArrayBase)
    keepdims = prop_def(BoolAttr)
    result = result_def(AnyAttr())
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$source attr-dict `:` type($source) `->` type($result)"

    def __init__(self, source: SSAValue, kind: str, axes: Sequence[int], keepdims: bool):
        rank = _rank(source.type)
        element = source.type.element_type
        kept = rank if keepdims else rank - len(axes)
        result_type = TensorType(element, [DYNAMIC_INDEX] * kept) if kept else element
        super().__init__(
            operands=[source],
            result_types=[result_type],
            properties={
                "kind": StringAttr(kind),
                "axes": DenseArrayBase.from_list(i64, sorted(axes)),
                "keepdims": BoolAttr.from_bool(keepdims),
            },
        )

    @property
    def axis_list(self) -> list[int]:
        return list(self.axes.get_values())

    def verify_(self) -> None:
        if self.kind.data not in REDUCTIONS:
            raise VerifyException(f"zyg.reduce: unknown reduction '{self.kind.data}'")
        rank = _rank(self.source.type)
        axes = self.axis_list
        if len(set(axes)) != len(axes) or any(not 0 <= a < rank for a in axes):
            raise VerifyException(f"zyg.reduce: axes {axes} are not distinct axes of a rank-{rank} tensor")
        kept = rank if self.keepdims.value.data else rank - len(axes)
        if _rank(self.result.type) != kept or _element(self.result.type) != self.source.type.element_type:
            raise VerifyException(f"zyg.reduce: result type {self.result.type} does not fit the reduction")


@irdl_op_definition
class MatmulOp(IRDLOperation):
    """The matrix product of two rank-2 arrays; the frontend reshapes 1-D and batched operands.

    A pullback's product marks which operand is a cotangent (`cotangent = 0` for `lhs`, `1` for
    `rhs`): each of its zeros then contributes exactly zero to the sum, even against an infinite or
    NaN element of the other operand (the strong zero of `ad.mul`).

    ```mlir
    %c = zyg.matmul %a, %b : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
    %g = zyg.matmul %ct, %bt {cotangent = 0 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
    ```
    """

    name = "zyg.matmul"
    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    cotangent = opt_prop_def(IntegerAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue, cotangent: int | None = None):
        properties = {} if cotangent is None else {"cotangent": IntegerAttr(cotangent, i64)}
        super().__init__(operands=[lhs, rhs], result_types=[lhs.type], properties=properties)

    @property
    def cotangent_operand(self) -> int | None:
        """0 or 1: the operand whose zeros are strong zeros; None for a primal product."""
        return None if self.cotangent is None else self.cotangent.value.data

    def verify_(self) -> None:
        if _rank(self.lhs.type) != 2 or self.lhs.type != self.rhs.type:
            raise VerifyException(
                f"zyg.matmul: operands must be rank-2 tensors of one type, got {self.lhs.type} and {self.rhs.type}"
            )
        if self.cotangent_operand not in (None, 0, 1):
            raise VerifyException(f"zyg.matmul: cotangent must be 0 or 1, got {self.cotangent_operand}")


@irdl_op_definition
class TransposeOp(IRDLOperation):
    """Permutes the axes of an array: result axis `i` is source axis `permutation[i]`.

    ```mlir
    %t = zyg.transpose %x {permutation = array<i64: 1, 0>} : tensor<?x?xf64> -> tensor<?x?xf64>
    ```
    """

    name = "zyg.transpose"
    source = operand_def(TensorType)
    permutation = prop_def(DenseArrayBase)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$source attr-dict `:` type($source) `->` type($result)"

    def __init__(self, source: SSAValue, permutation: Sequence[int]):
        super().__init__(
            operands=[source],
            result_types=[source.type],
            properties={"permutation": DenseArrayBase.from_list(i64, list(permutation))},
        )

    def verify_(self) -> None:
        perm = list(self.permutation.get_values())
        if sorted(perm) != list(range(_rank(self.source.type))):
            raise VerifyException(f"zyg.transpose: {perm} is not a permutation of the source's axes")


@irdl_op_definition
class ArgsortOp(IRDLOperation):
    """The positions that sort each row of a 2-D array (f64 or i64), ascending, NaN last, ties in the
    order of their positions (NumPy's `argsort(kind='stable')` along the last axis). No gradient:
    `np.sort` is a gather at these positions, which carries it.

    ```mlir
    %p = zyg.argsort %x : tensor<?x?xf64> -> tensor<?x?xi64>
    ```
    """

    name = "zyg.argsort"
    source = operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$source attr-dict `:` type($source) `->` type($result)"

    def __init__(self, source: SSAValue):
        super().__init__(operands=[source], result_types=[TensorType(i64, [DYNAMIC_INDEX] * 2)])

    def verify_(self) -> None:
        if _rank(self.source.type) != 2 or _element(self.source.type) not in (Float64Type(), i64):
            raise VerifyException("zyg.argsort: the source must be a 2-D f64 or i64 array")
        if self.result.type != TensorType(i64, [DYNAMIC_INDEX] * 2):
            raise VerifyException("zyg.argsort: the result must be a 2-D i64 array")


@irdl_op_definition
class CheckOp(IRDLOperation):
    """A run-time check: when `condition` is false the call stops and Python raises `error`.

    `message` may refer to the integer `values` as `{0}`, `{1}`, ...; the op's location names the
    user's line in the message.

    ```mlir
    zyg.check %ok, %n, %m {error = "ValueError", message = "shapes ({0},) and ({1},) differ"} : i64, i64
    ```
    """

    name = "zyg.check"
    condition = operand_def(IntegerType(1))
    values = var_operand_def(i64)
    error = prop_def(StringAttr)
    message = prop_def(StringAttr)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$condition (`,` $values^ `:` type($values))? attr-dict"

    def __init__(self, condition: SSAValue, values: Sequence[SSAValue], error: str, message: str):
        super().__init__(
            operands=[condition, values],
            properties={"error": StringAttr(error), "message": StringAttr(message)},
        )

    def verify_(self) -> None:
        if self.error.data not in CHECK_KINDS:
            raise VerifyException(f"zyg.check: unknown error kind '{self.error.data}'")


@irdl_op_definition
class InterruptCheckOp(IRDLOperation):
    """A poll for Ctrl-C, at the start of each loop iteration: when SIGINT arrived during the call, the
    call stops and Python raises `KeyboardInterrupt` (see `zyg.backend.interrupts`).

    It has side effects, so neither xDSL's nor MLIR's DCE erases a loop whose results are unused
    (they treat a loop of pure ops as removable even if it may never end, and Python runs it).

    ```mlir
    zyg.check_interrupt
    ```
    """

    name = "zyg.check_interrupt"
    assembly_format = "attr-dict"


@irdl_op_definition
class StackCheckOp(IRDLOperation):
    """A check, at the entry of a recursive function, that the native stack has room for another call:
    when it has not, the call stops and Python raises `RecursionError` naming `function`.

    ```mlir
    zyg.check_stack {function = "fib"}
    ```
    """

    name = "zyg.check_stack"
    function = prop_def(StringAttr)
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "attr-dict"

    def __init__(self, function: str):
        super().__init__(properties={"function": StringAttr(function)})


def is_float_tensor(t: Attribute) -> bool:
    return isinstance(t, TensorType) and isinstance(t.element_type, AnyFloat)


ARRAY_OPS = [SplatOp, BroadcastToOp, SumToOp, ExpandOp, ReduceOp, MatmulOp, TransposeOp, ArgsortOp, CheckOp,
             InterruptCheckOp, StackCheckOp]
