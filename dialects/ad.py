"""The `ad` dialect: autodiff requests, and the ops the autodiff pass emits.

Requests (`ad.grad`, `ad.vjp`, the two halves of a vjp, `ad.forward` and `ad.backward`, and
`ad.jacobian`; `ad.jvp` for forward mode) point at a function symbol, so the autodiff passes can be run
from `zyg-opt` on hand-written IR. The passes answer them with ordinary code plus three kinds of helper
op: `ad.zero`/`ad.add` (a materialised zero
cotangent and cotangent accumulation, Zygote's `accum`) and the LIFO tape (`ad.tape_new`, `ad.push`,
`ad.pop`, `ad.tape_reader`, `ad.tape_free`) that carries what a reverse sweep needs from inside loops,
branches and recursive calls, or from a forward evaluation to any number of backward ones.
`ad-lower-tapes` turns the tape ops into runtime calls.

`ad.stop_gradient` marks a value through which no derivative flows; `lower-zyg` makes it its operand.

Custom rule hooks are attributes of a `func.func` (the frontend sets them for a function with a rule
registered by `zyg.rrule`, `zyg.custom_vjp` or `zyg.custom_jvp`, see `zyg.frontend.custom_rules`):

- `ad.rule_fwd = @g` and `ad.rule_bwd = @h`: a reverse rule. `@g` takes the function's arguments and
  returns its results, then residuals (scalars or tensors); `@h` takes those residuals, then one
  cotangent per float result, and returns one cotangent per float argument. `ad-differentiate`
  differentiates a call (or a request) of the function by calling `@g`, saving the residuals on the
  tape, and `@h` in the pullback, instead of differentiating the function's body.
- `ad.jvp_rule = @k`: a forward rule. `@k` takes the function's arguments, then one tangent per float
  argument, and returns its results, then one tangent per float result. Reverse mode ignores it.

```mlir
func.func private @mul(%a: f64, %b: f64) -> f64 attributes {ad.rule_fwd = @mul_rule_fwd, ad.rule_bwd = @mul_rule_bwd} {
  %p, %ra, %rb = func.call @mul_rule_fwd(%a, %b) : (f64, f64) -> (f64, f64, f64)
  func.return %p : f64
}
func.func private @mul_rule_bwd(%ra: f64, %rb: f64, %ct: f64) -> (f64, f64)
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AnyFloat,
    DenseArrayBase,
    FlatSymbolRefAttrConstr,
    Float64Type,
    IndexType,
    IntegerType,
    SymbolRefAttr,
    TensorType,
    UnitAttr,
    i64,
)
from xdsl.ir import Attribute, Dialect, Operation, ParametrizedAttribute, SSAValue, TypeAttribute
from xdsl.irdl import (
    AnyAttr,
    AttrSizedOperandSegments,
    AttrSizedResultSegments,
    IRDLOperation,
    ParsePropInAttrDict,
    VarConstraint,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

RULE_FWD = "ad.rule_fwd"  # the custom rule hooks (attributes of a func.func), see the module docstring
RULE_BWD = "ad.rule_bwd"
JVP_RULE = "ad.jvp_rule"

# The mark of checkpointed code (a unit attribute): on a `func.call`, its pullback reruns the callee's
# forward pass instead of reading residuals saved by the call; on an `scf.for`/`scf.while`, the loop runs
# as checkpointed segments when differentiated (`zyg.passes.autodiff.checkpoint`). `ad-differentiate`
# consumes the marks: none is left after it.
CHECKPOINT = "ad.checkpoint"


def is_checkpointed(op: Operation) -> bool:
    """Whether `op` (a call or a loop) carries the `ad.checkpoint` mark."""
    return CHECKPOINT in op.attributes


@irdl_attr_definition
class TapeType(ParametrizedAttribute, TypeAttribute):
    """`!ad.tape`: a handle to a growable LIFO stack of 8-byte slots owned by one gradient evaluation."""

    name = "ad.tape"


def carries_gradient(t: Attribute) -> bool:
    """Whether `t` carries a gradient: a float scalar or a tensor of floats."""
    if isinstance(t, TensorType):
        t = t.element_type
    return isinstance(t, AnyFloat)


def _is_scalar(t: Attribute) -> bool:
    """Whether a value of type `t` fits a tape slot: a float, an integer or an `index` (a trip count)."""
    return carries_gradient(t) or isinstance(t, (IntegerType, IndexType))


def _is_savable(t: Attribute) -> bool:
    """Whether a value of type `t` can go on the tape: a scalar, or a tensor of scalars (saved as
    its elements, one slot each, followed by its dimensions)."""
    if isinstance(t, TensorType):
        return _is_scalar(t.element_type) and not isinstance(t.element_type, IndexType)
    return _is_scalar(t)


class _RequestOp(IRDLOperation):
    """Base of the requests that name a function to differentiate (`callee`, `arguments`).

    The optional `wrt` property lists, in increasing order, the positions of the float arguments to
    differentiate with respect to; the others are constants to the autodiff. Without it, every float
    argument is differentiated.
    """

    wrt = opt_prop_def(DenseArrayBase)
    irdl_options = (ParsePropInAttrDict(),)

    @property
    def wrt_indices(self) -> list[int]:
        """The positions of the differentiated arguments."""
        if self.wrt is None:
            return [i for i, a in enumerate(self.arguments) if carries_gradient(a.type)]
        return list(self.wrt.get_values())

    def _gradient_types(self) -> list[Attribute]:
        return [self.arguments[i].type for i in self.wrt_indices]

    def _verify_wrt(self) -> None:
        if self.wrt is None:
            return
        indices = list(self.wrt.get_values())
        if any(b <= a for a, b in zip(indices, indices[1:])):
            raise VerifyException(f"{self.name}: wrt must be strictly increasing, got {indices}")
        for i in indices:
            if not 0 <= i < len(self.arguments) or not carries_gradient(self.arguments[i].type):
                raise VerifyException(f"{self.name}: wrt names argument {i}, which is not a float argument")

    def _verify_gradients(self) -> None:
        self._verify_wrt()
        expected = self._gradient_types()
        got = [r.type for r in self.gradients]
        if got != expected:
            which = "argument in wrt" if self.wrt is not None else "float argument"
            raise VerifyException(f"{self.name}: expected one gradient per {which} ({len(expected)}), got {len(got)}")


def _properties(callee: str, wrt: Sequence[int] | None) -> dict[str, Attribute]:
    properties: dict[str, Attribute] = {"callee": SymbolRefAttr(callee)}
    if wrt is not None:
        properties["wrt"] = DenseArrayBase.from_list(i64, list(wrt))
    return properties


def _gradient_types(arguments: Sequence[SSAValue], wrt: Sequence[int] | None) -> list[Attribute]:
    if wrt is None:
        return [a.type for a in arguments if carries_gradient(a.type)]
    return [arguments[i].type for i in wrt]


@irdl_op_definition
class GradOp(_RequestOp):
    """The gradient of the scalar function `@callee` at `args`.

    There is one result per floating-point argument, in order; integer and boolean arguments carry
    no gradient and get no result. With `wrt`, one result per listed argument only.

    ```mlir
    %dx = ad.grad @f(%x, %n) : (f64, i64) -> f64
    %dw = ad.grad @g(%w, %x) {wrt = array<i64: 0>} : (f64, f64) -> f64
    ```
    """

    name = "ad.grad"
    callee = prop_def(FlatSymbolRefAttrConstr)
    arguments = var_operand_def()
    gradients = var_result_def()
    assembly_format = "$callee `(` $arguments `)` attr-dict `:` functional-type($arguments, $gradients)"

    def __init__(self, callee: str, arguments: Sequence[SSAValue], wrt: Sequence[int] | None = None):
        super().__init__(
            operands=[arguments], result_types=[_gradient_types(arguments, wrt)],
            properties=_properties(callee, wrt),
        )

    def verify_(self) -> None:
        self._verify_gradients()


@irdl_op_definition
class VjpOp(_RequestOp):
    """The values of `@callee` at `args` and the vector-Jacobian product with the cotangents `seeds`.

    `values` are all the function's results; `seeds` has one cotangent per float (or float tensor)
    result, in order, of its type (int and bool results get none). The gradients (and `wrt`) are as
    for `ad.grad`.

    ```mlir
    %y, %dx = ad.vjp @f(%x, %n) seed(%s) : (f64, i64), (f64) -> (f64), f64
    %m, %v, %k, %dx = ad.vjp @g(%x) seed(%sm, %sv) : (tensor<?xf64>), (f64, f64) -> (f64, f64, i64), tensor<?xf64>
    ```
    """

    name = "ad.vjp"
    callee = prop_def(FlatSymbolRefAttrConstr)
    arguments = var_operand_def()
    seeds = var_operand_def()
    values = var_result_def()
    gradients = var_result_def()
    irdl_options = (AttrSizedOperandSegments(as_property=True), AttrSizedResultSegments(as_property=True),
                    ParsePropInAttrDict())
    assembly_format = (
        "$callee `(` $arguments `)` `seed` `(` $seeds `)` attr-dict `:` `(` type($arguments) `)` `,`"
        " `(` type($seeds) `)` `->` `(` type($values) `)` `,` type($gradients)"
    )

    def __init__(self, callee: str, arguments: Sequence[SSAValue], seeds: Sequence[SSAValue],
                 value_types: Sequence[Attribute], wrt: Sequence[int] | None = None):
        super().__init__(
            operands=[arguments, seeds],
            result_types=[list(value_types), _gradient_types(arguments, wrt)],
            properties=_properties(callee, wrt),
        )

    def verify_(self) -> None:
        for seed in self.seeds:
            if not carries_gradient(seed.type):
                raise VerifyException(f"ad.vjp: a seed must be a float or a float tensor, got {seed.type}")
        floats = [v.type for v in self.values if carries_gradient(v.type)]
        seeds = [s.type for s in self.seeds]
        if floats != seeds:
            raise VerifyException(f"ad.vjp: the seed types ({', '.join(map(str, seeds))}) differ from the float "
                                  f"value types ({', '.join(map(str, floats))})")
        self._verify_gradients()


@irdl_op_definition
class JvpOp(_RequestOp):
    """The values of `@callee` at `args` and the Jacobian-vector product with the tangents
    `tangents` (forward mode).

    `tangents` has one tangent per float (or float tensor) argument, of its type, in order (with
    `wrt`, one per listed argument only: the others are constants). `values` are all the function's
    results, then `result_tangents`: one tangent per float result, in order (int and bool results get
    none).

    ```mlir
    %y, %dy = ad.jvp @f(%x, %n) tangent(%dx) : (f64, i64), (f64) -> (f64), f64
    %m, %k, %dm = ad.jvp @g(%w, %x) tangent(%dx) {wrt = array<i64: 1>} : (f64, tensor<?xf64>), (tensor<?xf64>) -> (f64, i64), f64
    ```
    """

    name = "ad.jvp"
    callee = prop_def(FlatSymbolRefAttrConstr)
    arguments = var_operand_def()
    tangents = var_operand_def()
    values = var_result_def()
    result_tangents = var_result_def()
    irdl_options = (AttrSizedOperandSegments(as_property=True), AttrSizedResultSegments(as_property=True),
                    ParsePropInAttrDict())
    assembly_format = (
        "$callee `(` $arguments `)` `tangent` `(` $tangents `)` attr-dict `:` `(` type($arguments) `)` `,`"
        " `(` type($tangents) `)` `->` `(` type($values) `)` `,` type($result_tangents)"
    )

    def __init__(self, callee: str, arguments: Sequence[SSAValue], tangents: Sequence[SSAValue],
                 value_types: Sequence[Attribute], wrt: Sequence[int] | None = None):
        super().__init__(
            operands=[arguments, tangents],
            result_types=[list(value_types), [t for t in value_types if carries_gradient(t)]],
            properties=_properties(callee, wrt),
        )

    def verify_(self) -> None:
        self._verify_wrt()
        expected = [str(t) for t in self._gradient_types()]
        got = [str(t.type) for t in self.tangents]
        if got != expected:
            which = "argument in wrt" if self.wrt is not None else "float argument"
            raise VerifyException(f"ad.jvp: expected one tangent per {which} ({', '.join(expected)}), "
                                  f"got ({', '.join(got)})")
        floats = [str(v.type) for v in self.values if carries_gradient(v.type)]
        results = [str(r.type) for r in self.result_tangents]
        if floats != results:
            raise VerifyException(f"ad.jvp: the result tangent types ({', '.join(results)}) differ from the float "
                                  f"value types ({', '.join(floats)})")


@irdl_op_definition
class ForwardOp(_RequestOp):
    """The forward half of a vjp: the values of `@callee` at `args`, and a tape holding what
    `ad.backward` needs to pull cotangents back through this evaluation, any number of times.

    The tape serves the gradients with respect to the arguments at `wrt` (required, as `ad.backward`
    must name the same); release it with `ad.tape_free`.

    ```mlir
    %y, %t = ad.forward @f(%x, %n) {wrt = array<i64: 0>} : (f64, i64) -> (f64), !ad.tape
    ```
    """

    name = "ad.forward"
    callee = prop_def(FlatSymbolRefAttrConstr)
    arguments = var_operand_def()
    values = var_result_def()
    tape = result_def(TapeType)
    assembly_format = "$callee `(` $arguments `)` attr-dict `:` `(` type($arguments) `)` `->` `(` type($values) `)` `,` type($tape)"

    def __init__(self, callee: str, arguments: Sequence[SSAValue], value_types: Sequence[Attribute],
                 wrt: Sequence[int]):
        super().__init__(operands=[arguments], result_types=[list(value_types), TapeType()],
                         properties=_properties(callee, wrt))

    def verify_(self) -> None:
        if self.wrt is None:
            raise VerifyException("ad.forward: wrt is required (ad.backward must name the same arguments)")
        self._verify_wrt()


@irdl_op_definition
class BackwardOp(IRDLOperation):
    """The backward half of a vjp: the gradients with respect to the arguments at `wrt` of the
    evaluation of `@callee` that `ad.forward` (with the same `wrt`) recorded on `tape`, for the
    cotangents `seeds` (one per float result, as for `ad.vjp`). It reads the tape without consuming
    it, so the same tape serves any number of backward evaluations.

    ```mlir
    %dx = ad.backward @f seed(%s) tape(%t) {wrt = array<i64: 0>} : (f64) -> f64
    ```
    """

    name = "ad.backward"
    callee = prop_def(FlatSymbolRefAttrConstr)
    wrt = prop_def(DenseArrayBase)
    seeds = var_operand_def()
    tape = operand_def(TapeType)
    gradients = var_result_def()
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$callee `seed` `(` $seeds `)` `tape` `(` $tape `)` attr-dict `:` functional-type($seeds, $gradients)"

    def __init__(self, callee: str, seeds: Sequence[SSAValue], tape: SSAValue, gradient_types: Sequence[Attribute],
                 wrt: Sequence[int]):
        super().__init__(operands=[seeds, tape], result_types=[list(gradient_types)],
                         properties=_properties(callee, wrt))

    @property
    def wrt_indices(self) -> list[int]:
        return list(self.wrt.get_values())

    def verify_(self) -> None:
        for seed in self.seeds:
            if not carries_gradient(seed.type):
                raise VerifyException(f"ad.backward: a seed must be a float or a float tensor, got {seed.type}")
        if len(self.gradients) != len(self.wrt_indices):
            raise VerifyException(f"ad.backward: expected one gradient per argument in wrt ({len(self.wrt_indices)}), "
                                  f"got {len(self.gradients)}")


JACOBIAN_TYPE = TensorType(Float64Type(), [DYNAMIC_INDEX, DYNAMIC_INDEX])
"""The type of every Jacobian: an f64 matrix with run-time dimensions, whatever the argument's type."""


@irdl_op_definition
class JacobianOp(_RequestOp):
    """The Jacobian of `@callee` at `args`, one matrix per differentiated argument.

    With `y` the float (and float tensor) results of `@callee` each flattened row-major and
    concatenated in order (int and bool results take no part), and `a` a differentiated argument
    flattened row-major, its result is the f64 matrix `J` with `J[k, i] = d y[k] / d a[i]`: one row
    per element of `y`, one column per element of `a` (one for a scalar). The arguments and `wrt` are
    as for `ad.grad`. `ad-differentiate` expands it to one `ad.forward` and a loop of `ad.backward`,
    one per row, or, where the arguments have fewer elements than the results, a loop of `ad.jvp`,
    one per column (chosen at run time where the types do not decide).

    ```mlir
    %jx = ad.jacobian @f(%x, %n) : (tensor<?xf64>, i64) -> tensor<?x?xf64>
    %jw = ad.jacobian @g(%w, %x) {wrt = array<i64: 0>} : (f32, tensor<?xf64>) -> tensor<?x?xf64>
    ```
    """

    name = "ad.jacobian"
    callee = prop_def(FlatSymbolRefAttrConstr)
    arguments = var_operand_def()
    jacobians = var_result_def()
    assembly_format = "$callee `(` $arguments `)` attr-dict `:` functional-type($arguments, $jacobians)"

    def __init__(self, callee: str, arguments: Sequence[SSAValue], wrt: Sequence[int] | None = None):
        count = len(_gradient_types(arguments, wrt))
        super().__init__(operands=[arguments], result_types=[[JACOBIAN_TYPE] * count],
                         properties=_properties(callee, wrt))

    def verify_(self) -> None:
        self._verify_wrt()
        expected = len(self.wrt_indices)
        if len(self.jacobians) != expected:
            which = "argument in wrt" if self.wrt is not None else "float argument"
            raise VerifyException(f"ad.jacobian: expected one Jacobian per {which} ({expected}), "
                                  f"got {len(self.jacobians)}")
        for jacobian in self.jacobians:
            if jacobian.type != JACOBIAN_TYPE:
                raise VerifyException(f"ad.jacobian: a Jacobian is a {JACOBIAN_TYPE} matrix, got {jacobian.type}")


@irdl_op_definition
class ZeroOp(IRDLOperation):
    """A zero cotangent, materialised where a region must yield one.

    A tensor zero takes its shape from `like`, a value of the same type.

    ```mlir
    %z = ad.zero : f64
    %zs = ad.zero like %x : tensor<?xf64>
    ```
    """

    name = "ad.zero"
    T: ClassVar = VarConstraint("T", AnyAttr())
    like = opt_operand_def(T)
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "(`like` $like^)? attr-dict `:` type($result)"

    def __init__(self, result_type: Attribute, like: SSAValue | None = None):
        super().__init__(operands=[[like] if like is not None else []], result_types=[result_type])

    def verify_(self) -> None:
        if not carries_gradient(self.result.type):
            raise VerifyException(f"ad.zero: a zero cotangent must be a float or a float tensor, got {self.result.type}")
        if isinstance(self.result.type, TensorType) != (self.like is not None):
            raise VerifyException("ad.zero: a tensor zero needs `like` (and a scalar zero must not have it)")
        if self.like is not None and self.like.type != self.result.type:
            raise VerifyException(f"ad.zero: `like` has type {self.like.type}, not {self.result.type}")


@irdl_op_definition
class AddOp(IRDLOperation):
    """Accumulates two cotangents of one value (Zygote's `accum`).

    ```mlir
    %s = ad.add %a, %b : f64
    ```
    """

    name = "ad.add"
    T: ClassVar = VarConstraint("T", AnyAttr())
    lhs = operand_def(T)
    rhs = operand_def(T)
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        super().__init__(operands=[lhs, rhs], result_types=[lhs.type])

    def verify_(self) -> None:
        if not carries_gradient(self.result.type):
            raise VerifyException(f"ad.add: cotangents must be floats or float tensors, got {self.result.type}")


class _StrongZeroOp(IRDLOperation):
    """Base of the products of a cotangent with a local derivative: zero wherever the cotangent is
    zero, even where the derivative is infinite or NaN (a "strong zero"). A zero cotangent means no
    gradient reaches the value on this run, so it must contribute nothing, not `0 * inf = nan`.
    Elementwise on tensors."""

    T: ClassVar = VarConstraint("T", AnyAttr())
    cotangent = operand_def(T)
    factor = operand_def(T)
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$cotangent `,` $factor attr-dict `:` type($result)"

    def __init__(self, cotangent: SSAValue, factor: SSAValue):
        super().__init__(operands=[cotangent, factor], result_types=[cotangent.type])

    def verify_(self) -> None:
        if not carries_gradient(self.result.type):
            raise VerifyException(f"{self.name}: cotangents must be floats or float tensors, got {self.result.type}")


@irdl_op_definition
class MulOp(_StrongZeroOp):
    """`cotangent * factor`, and 0 where `cotangent == 0` or `factor == 0`.

    ```mlir
    %dx = ad.mul %ct, %cos : f64
    ```
    """

    name = "ad.mul"


@irdl_op_definition
class DivOp(_StrongZeroOp):
    """`cotangent / factor`, and 0 where `cotangent == 0` (also where `factor == 0`).

    ```mlir
    %da = ad.div %ct, %b : tensor<?xf64>
    ```
    """

    name = "ad.div"


HOST_CALL = "host_call"


@irdl_op_definition
class StopGradientOp(IRDLOperation):
    """`input` itself, through which no derivative flows (`zyg.stop_gradient`, JAX's `lax.stop_gradient`):
    activity analysis never counts its result as varied, so it has no cotangent and no tangent.

    ```mlir
    %c = ad.stop_gradient %x : tensor<?xf64>
    ```
    """

    name = "ad.stop_gradient"
    T: ClassVar = VarConstraint("T", AnyAttr())
    input = operand_def(T)
    result = result_def(T)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($result)"

    def __init__(self, input: SSAValue):
        super().__init__(operands=[input], result_types=[input.type])

    def verify_(self) -> None:
        if not carries_gradient(self.result.type):
            raise VerifyException(f"ad.stop_gradient: expected a float or a float tensor, got {self.result.type}")


@irdl_op_definition
class TapeNewOp(IRDLOperation):
    """Creates an empty tape for one gradient evaluation, or, marked `host_call`, the tape a host call
    passes arrays in and out on (Python's values: the autodiff sees no dependence through it).

    ```mlir
    %t = ad.tape_new : !ad.tape
    %h = ad.tape_new {host_call} : !ad.tape
    ```
    """

    name = "ad.tape_new"
    tape = result_def(TapeType)
    assembly_format = "attr-dict `:` type($tape)"

    def __init__(self, host_call: bool = False):
        super().__init__(result_types=[TapeType()], attributes={HOST_CALL: UnitAttr()} if host_call else {})

    @staticmethod
    def is_host_call(tape: SSAValue) -> bool:
        """Whether `tape` is a host call's (`host_call`)."""
        return isinstance(tape.owner, TapeNewOp) and HOST_CALL in tape.owner.attributes


@irdl_op_definition
class TapeFreeOp(IRDLOperation):
    """Releases a tape, or only the reader when it is an `ad.tape_reader`.

    ```mlir
    ad.tape_free %t : !ad.tape
    ```
    """

    name = "ad.tape_free"
    tape = operand_def(TapeType)
    assembly_format = "$tape attr-dict `:` type($tape)"

    def __init__(self, tape: SSAValue):
        super().__init__(operands=[tape])


@irdl_op_definition
class TapeReaderOp(IRDLOperation):
    """A tape that reads `source`'s residuals, from the most recent, without removing them from
    `source`: popping it leaves `source` whole for the next reader. It owns no slots, so nothing may be
    pushed onto it; release it with `ad.tape_free`, which leaves `source` as it is.

    ```mlir
    %r = ad.tape_reader %t : !ad.tape
    ```
    """

    name = "ad.tape_reader"
    source = operand_def(TapeType)
    tape = result_def(TapeType)
    assembly_format = "$source attr-dict `:` type($tape)"

    def __init__(self, source: SSAValue):
        super().__init__(operands=[source], result_types=[TapeType()])


@irdl_op_definition
class PushOp(IRDLOperation):
    """Pushes a residual the reverse sweep will need onto the tape (a scalar, or a tensor's elements).

    ```mlir
    ad.push %t, %x : f64
    ```
    """

    name = "ad.push"
    tape = operand_def(TapeType)
    value = operand_def(AnyAttr())
    assembly_format = "$tape `,` $value attr-dict `:` type($value)"

    def __init__(self, tape: SSAValue, value: SSAValue):
        super().__init__(operands=[tape, value])

    def verify_(self) -> None:
        if not _is_savable(self.value.type):
            raise VerifyException(f"ad.push: cannot push a value of type {self.value.type}")


@irdl_op_definition
class PopOp(IRDLOperation):
    """Pops the most recently pushed residual, which must have the result's type.

    ```mlir
    %x = ad.pop %t : f64
    ```
    """

    name = "ad.pop"
    tape = operand_def(TapeType)
    value = result_def(AnyAttr())
    assembly_format = "$tape attr-dict `:` type($value)"

    def __init__(self, tape: SSAValue, result_type: Attribute):
        super().__init__(operands=[tape], result_types=[result_type])

    def verify_(self) -> None:
        if not _is_savable(self.value.type):
            raise VerifyException(f"ad.pop: cannot pop a value of type {self.value.type}")


AD = Dialect("ad", [GradOp, VjpOp, JvpOp, ForwardOp, BackwardOp, JacobianOp, ZeroOp, AddOp, MulOp, DivOp,
                    StopGradientOp, TapeNewOp, TapeReaderOp, TapeFreeOp, PushOp, PopOp], [TapeType])
