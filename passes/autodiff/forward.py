"""`ad-jvp`: forward mode. Answers each `ad.jvp` request with code that computes the callee's values
and their tangents side by side.

In: a module whose reverse requests `ad-differentiate` has already answered (so a jvp of a gradient
sees the gradient's code, tapes included: forward over reverse), with `ad.jvp` ops pointing at
`func.func`s. Out: each `ad.jvp` replaced inline by the callee's body interleaved with tangent code,
one tangent rule per op (`rules/forward`, emitted at the primal op's location). A call that passes a
tangent becomes a call of `@<g>_jvp` (`@<g>_wrt<i>_<j>_jvp` when only some float parameters carry
one), built once per callee and set of tangent-carrying parameters, recursion included.

Only values that vary with a tangent-carrying input (`activity.varied_values`) get a tangent; a
missing tangent is a symbolic zero (None), materialised as `ad.zero` only where a region must yield
or a call must pass one. `scf.if`/`scf.for`/`scf.while` carry tangents as extra results, iteration
arguments and yields.

Tapes the reverse pass made carry tangents too: each pushed float value has its tangent pushed above
it, and each pop of one pops its tangent first, so the tape of a gradient evaluation is also the tape
of its jvp. A tape handed to a function without a body (a host call's, see `zyg.frontend.host_calls`)
holds what Python reads and writes; its values are constants to the derivative and it carries none.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, scf, tensor
from xdsl.dialects.builtin import (
    AnyFloat,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    TensorType,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from zyg.dialects import ad
from zyg.dialects.zyg_arrays import SplatOp
from zyg.errors import NoDerivativeError, SourceLoc
from zyg.passes.autodiff.activity import is_float, varied_values
from zyg.passes.autodiff.driver import function_body
from zyg.passes.autodiff.ordering import ready_forward
from zyg.passes.autodiff.reverse import _constant_value, _finite_constant, _source_loc, float_indices
from zyg.passes.autodiff.rules.forward import TANGENT_RULES, TAPE_OPS

# The ops the sweep differentiates itself, not by a tangent rule (their terminators with them).
SWEPT_OPS = (scf.IfOp, scf.ForOp, scf.WhileOp, func.CallOp)


def _is_tape(v: SSAValue) -> bool:
    return isinstance(v.type, ad.TapeType)


class ForwardMode:
    """Pass state: the module's functions and the `_jvp` functions built so far."""

    def __init__(self, module: ModuleOp):
        self.module = module
        self.functions = {op.sym_name.data: op for op in module.body.block.ops if isinstance(op, func.FuncOp)}
        self._jvp: dict[tuple[str, tuple[int, ...]], str] = {}

    def lookup(self, name: str, loc: SourceLoc | None) -> func.FuncOp:
        return function_body(self.functions, name, loc)

    def answer(self, request: ad.JvpOp) -> None:
        """Replaces `request` by the callee's forward code with tangents, in place."""
        loc = _source_loc(request)
        primal = self.lookup(request.callee.root_reference.data, loc)
        if any(_is_tape(a) for a in primal.body.block.args):
            raise NoDerivativeError(f"ad.jvp: '{primal.sym_name.data}' takes a tape, which only its caller's "
                                    "reverse sweep can fill; take the jvp of that caller", loc)
        wrt = tuple(request.wrt_indices)
        if ad.JVP_RULE in primal.attributes:  # a custom rule answers it: a call of its `_jvp` function
            jvp = self.jvp_function(primal.sym_name.data, wrt, loc)
            call = func.CallOp(jvp.sym_name.data, [*request.arguments, *request.tangents],
                               list(jvp.function_type.outputs.data))
            call.location = request.location
            request.parent_block().insert_op_before(call, request)
            count = len(request.values)
            values, tangents = list(call.results[:count]), list(call.results[count:])
        else:
            sweep = ForwardSweep(self, primal, wrt, request.parent_block(), request)
            values, tangents = sweep.sweep_function(list(request.arguments), list(request.tangents))
        for old, new in zip([*request.values, *request.result_tangents], [*values, *tangents], strict=True):
            old.replace_all_uses_with(new)
        request.parent_block().erase_op(request)

    def jvp_function(self, name: str, wrt: tuple[int, ...], loc: SourceLoc | None) -> func.FuncOp:
        """`@<name>_jvp(args..., tangents of the args at wrt...) -> (results..., tangents of the float
        results...)`, built on first use."""
        key = (name, wrt)
        known = self._jvp.get(key)
        if known is not None:
            return self.functions[known]
        primal = self.lookup(name, loc)
        inputs = list(primal.function_type.inputs.data)
        outputs = list(primal.function_type.outputs.data)
        everything = tuple(float_indices(inputs))
        jvp_name = f"{name}_jvp" if wrt == everything else f"{name}_wrt{'_'.join(map(str, wrt)) or '_none'}_jvp"
        signature = ([*inputs, *(inputs[i] for i in wrt)], [*outputs, *(outputs[i] for i in float_indices(outputs))])
        block = Block(arg_types=signature[0])
        for arg, primal_arg in zip(block.args, primal.body.block.args):
            arg.name_hint = primal_arg.name_hint
        fn = func.FuncOp(jvp_name, signature, Region(block), visibility="private")
        fn.location = primal.location
        self._jvp[key] = jvp_name  # before building: the callee may recurse
        self.functions[jvp_name] = fn
        self.module.body.block.add_op(fn)
        if ad.JVP_RULE in primal.attributes:
            values, tangents = _call_jvp_rule(primal, wrt, block, len(inputs), outputs)
        else:
            sweep = ForwardSweep(self, primal, wrt, block, None)
            values, tangents = sweep.sweep_function(list(block.args[: len(inputs)]), list(block.args[len(inputs):]))
        ret = func.ReturnOp(*values, *tangents)
        ret.location = primal.body.block.last_op.location
        block.add_op(ret)
        return fn


def _call_jvp_rule(primal: func.FuncOp, wrt: tuple[int, ...], block: Block, count: int,
                   outputs: list[Attribute]) -> tuple[list[SSAValue], list[SSAValue]]:
    """Emits, at the end of `block` (the arguments, then the tangents of those at `wrt`), the call of
    `primal`'s forward rule (`ad.jvp_rule`), which takes a tangent for every float argument: zeros
    for those outside `wrt`. Returns the values and the float results' tangents."""
    args = list(block.args[:count])
    given = dict(zip(wrt, block.args[count:]))
    tangents = []
    for i in float_indices([a.type for a in args]):
        if i in given:
            tangents.append(given[i])
            continue
        zero = arith.ConstantOp(FloatAttr(0.0, _scalar_type(args[i].type)))
        block.add_op(zero)
        if isinstance(args[i].type, TensorType):
            dims = []
            for axis in range(len(args[i].type.get_shape())):
                index = arith.ConstantOp(IntegerAttr(axis, IndexType()))
                dim = tensor.DimOp(args[i], index)
                block.add_ops([index, dim])
                dims.append(dim.result)
            zero = SplatOp(zero.result, dims, args[i].type)
            block.add_op(zero)
        tangents.append(zero.results[0])
    rule = primal.attributes[ad.JVP_RULE].root_reference.data
    call = func.CallOp(rule, [*args, *tangents], [*outputs, *(outputs[i] for i in float_indices(outputs))])
    call.location = primal.location
    block.add_op(call)
    return list(call.results[: len(outputs)]), list(call.results[len(outputs):])


def _scalar_type(t: Attribute) -> Attribute:
    return t.element_type if isinstance(t, TensorType) else t


class ForwardSweep:
    """Emits one function's body with tangents, at an insertion point (a request's block, or the
    entry block of a `_jvp` function).

    Args:
        driver: the pass state; gives the `_jvp` functions of callees.
        function: the function whose body is emitted.
        wrt: the positions of its parameters that carry tangents.
        block / before: where to emit (before `before`, or at the end of `block` when None).
    """

    def __init__(self, driver: ForwardMode, function: func.FuncOp, wrt: tuple[int, ...], block: Block,
                 before: Operation | None):
        self.driver = driver
        self.function = function
        self.wrt = wrt
        self.host_tapes = self._host_tapes()
        self.varied = varied_values(function, wrt, self._tangent_sources())
        self.values: dict[SSAValue, SSAValue] = {}  # primal value -> its value in the emitted code
        self.tangents: dict[SSAValue, SSAValue] = {}  # primal value -> its tangent there (absent: zero)
        self.block, self.before = block, before
        self.location = None
        self._clone: Operation | None = None  # the emitted copy of the op being differentiated

    # ----------------------------------------------------------------------------------------------
    # Which values carry tangents
    # ----------------------------------------------------------------------------------------------

    def _host_tapes(self) -> set[SSAValue]:
        """The tapes the function hands to a function without a body (a host call's buffer)."""
        tapes: set[SSAValue] = set()
        for op in self.function.body.walk():
            if not isinstance(op, func.CallOp):
                continue
            callee = self.driver.functions.get(op.callee.root_reference.data)
            if callee is None or not callee.body.blocks:
                tapes.update(v for v in op.operands if _is_tape(v))
        return tapes

    def carries_tangents(self, tape: SSAValue) -> bool:
        """Whether the (primal) tape `tape` holds a tangent above each float value."""
        return tape not in self.host_tapes

    def _tangent_sources(self) -> list[SSAValue]:
        """Values with a tangent whatever the arguments' tangents: floats popped from a tape that
        carries tangents, and the float results of calls that pass one (their jvp returns tangents)."""
        sources: list[SSAValue] = []
        for op in self.function.body.walk():
            if isinstance(op, ad.PopOp) and self.carries_tangents(op.tape):
                sources.append(op.value)
            elif isinstance(op, func.CallOp) and self._passes_tape(op):
                sources += op.results
        return sources

    def _passes_tape(self, op: func.CallOp) -> bool:
        return any(_is_tape(v) and self.carries_tangents(v) for v in op.operands)

    # ----------------------------------------------------------------------------------------------
    # The helpers rules use
    # ----------------------------------------------------------------------------------------------

    def emit(self, op: Operation) -> SSAValue | None:
        """Emits `op` at the current point and the current primal op's location; returns its result."""
        if isinstance(op, (arith.CmpfOp, arith.CmpiOp)) and isinstance(op.lhs.type, TensorType):
            # their builders type the result i1, also for a tensor comparison (as the reverse sweep's `emit`)
            op.results[0]._type = TensorType(IntegerType(1), op.lhs.type.get_shape())
        if self.location is not None:
            op.location = self.location
        if self.before is not None:
            self.block.insert_op_before(op, self.before)
        else:
            self.block.add_op(op)
        return op.results[0] if op.results else None

    def emit_before(self, op: Operation) -> SSAValue | None:
        """Emits `op` before the emitted copy of the op being differentiated (a tangent popped first)."""
        op.location = self._clone.location
        self._clone.parent_block().insert_op_before(op, self._clone)
        return op.results[0] if op.results else None

    def primal(self, v: SSAValue) -> SSAValue:
        """The emitted value of primal value `v`."""
        return self.values[v]

    def const(self, value: float | int, like: Attribute | SSAValue) -> SSAValue:
        """A constant of scalar type `like`, or filling an array the shape of the emitted value `like`."""
        t = like.type if isinstance(like, SSAValue) else like
        element = t.element_type if isinstance(t, TensorType) else t
        attr = FloatAttr(float(value), element) if isinstance(element, AnyFloat) else IntegerAttr(int(value), element)
        scalar = self.emit(arith.ConstantOp(attr))
        if not isinstance(t, TensorType):
            return scalar
        dims = [self.emit(tensor.DimOp(like, self.const(axis, IndexType()))) for axis in range(len(t.get_shape()))]
        return self.emit(SplatOp(scalar, dims, t))

    def primal_dims(self, v: SSAValue) -> list[SSAValue]:
        """The dimensions of primal array `v`, as `index` values."""
        emitted = self.primal(v)
        return [self.emit(tensor.DimOp(emitted, self.const(axis, IndexType())))
                for axis in range(len(v.type.get_shape()))]

    def dense(self, tangent: SSAValue | None, v: SSAValue) -> SSAValue:
        """`tangent`, or a materialised zero tangent of primal value `v` when it is None."""
        if tangent is not None:
            return tangent
        if isinstance(v.type, TensorType):
            return self.emit(ad.ZeroOp(v.type, like=self.primal(v)))
        return self.emit(ad.ZeroOp(v.type))

    def add(self, a: SSAValue | None, b: SSAValue | None) -> SSAValue | None:
        """The sum of two tangents, either of which may be zero (None)."""
        if a is None or b is None:
            return a if b is None else b
        return self.emit(arith.AddfOp(a, b))

    def negate(self, a: SSAValue | None) -> SSAValue | None:
        return None if a is None else self.emit(arith.NegfOp(a))

    def scale(self, tangent: SSAValue | None, factor: SSAValue, *, divide: bool = False) -> SSAValue | None:
        """`tangent * factor` (or `/ factor`) with a strong zero (`ad.mul` / `ad.div`): a zero tangent
        gives zero even where the local derivative is infinite, as the pullbacks' products do. A
        finite constant factor needs no guard; a constant zero factor gives a zero tangent."""
        if tangent is None:
            return None
        if not divide and _constant_value(factor) == 0:
            return None
        if _finite_constant(factor) and (not divide or _constant_value(factor) != 0):
            return self.emit(arith.DivfOp(tangent, factor) if divide else arith.MulfOp(tangent, factor))
        return self.emit(ad.DivOp(tangent, factor) if divide else ad.MulOp(tangent, factor))

    def substitute(self, op: Operation, operands: Sequence[SSAValue]) -> list[SSAValue]:
        """Emits a copy of primal `op` on `operands`; returns its results."""
        copy = op.clone()
        copy.operands = tuple(operands)
        self.emit(copy)
        return list(copy.results)

    def linear(self, op: Operation, tangents: Sequence[SSAValue | None]) -> list[SSAValue | None]:
        """The tangents of an op linear in its float operands: the op applied to their tangents (zero
        where None), its other operands primal."""
        if all(t is None for t in tangents):
            return [None] * len(op.results)
        operands = [self.dense(t, v) if is_float(v) else self.primal(v) for v, t in zip(op.operands, tangents)]
        return self.substitute(op, operands)

    # ----------------------------------------------------------------------------------------------
    # Sweeping
    # ----------------------------------------------------------------------------------------------

    def sweep_function(self, args: list[SSAValue], arg_tangents: list[SSAValue]) -> tuple[list, list]:
        """Emits the body for emitted arguments `args` and the tangents of those at `wrt`; returns the
        emitted results and the tangents of the float ones."""
        body = self.function.body.block
        self.values.update(zip(body.args, args, strict=True))
        self.tangents.update(zip([body.args[i] for i in self.wrt], arg_tangents, strict=True))
        self.sweep_ops(body)
        returned = list(body.last_op.operands)
        self.location = body.last_op.location
        return [self.primal(v) for v in returned], self._dense_tangents(returned, float_indices(
            [v.type for v in returned]))

    def sweep_ops(self, block: Block) -> None:
        """Emits the ops of primal `block` but its terminator, with their tangents."""
        for op in block.ops:
            if op is not block.last_op:
                self.sweep_op(op)

    def sweep_op(self, op: Operation) -> None:
        self.location = op.location
        structured = {scf.IfOp: self.sweep_if, scf.ForOp: self.sweep_for, scf.WhileOp: self.sweep_while}.get(type(op))
        if structured is not None:
            return structured(op)
        if isinstance(op, func.CallOp) and (any(v in self.varied for v in op.operands) or self._passes_tape(op)):
            return self.sweep_call(op)
        self._clone = op.clone(value_mapper=self.values)
        self.emit(self._clone)
        if not isinstance(op, TAPE_OPS) and not any(r in self.varied for r in op.results):
            return
        rule = TANGENT_RULES.get(type(op))
        if rule is None:
            raise NoDerivativeError(f"no tangent rule for '{op.name}' (forward mode)", _source_loc(op))
        tangents = [self.tangents.get(v) for v in op.operands]
        if all(t is None for t in tangents) and not isinstance(op, TAPE_OPS):
            return
        for r, tangent in zip(op.results, rule(self, op, tangents), strict=True):
            if tangent is not None and r in self.varied:
                self.tangents[r] = tangent

    def _dense_tangents(self, values: Sequence[SSAValue], positions: Sequence[int]) -> list[SSAValue]:
        return [self.dense(self.tangents.get(values[i]), values[i]) for i in positions]

    def _bind(self, primal: Sequence[SSAValue], emitted: Sequence[SSAValue], carried: Sequence[int]) -> None:
        """Maps `primal` values to the first `len(primal)` of `emitted` and the tangents of those at
        `carried` to the rest, in order."""
        self.values.update(zip(primal, emitted))
        self.tangents.update(zip([primal[i] for i in carried], emitted[len(primal):], strict=True))

    @contextmanager
    def _into(self, block: Block) -> Iterator[None]:
        saved = self.block, self.before, self.location
        self.block, self.before = block, None
        yield
        self.block, self.before, self.location = saved

    def _region_block(self, primal_block: Block, arg_types: list[Attribute], carried: list[int],
                      terminate) -> Block:
        """A new block with `arg_types` (the primal arguments, then tangents of those at `carried`)
        holding `primal_block`'s ops with tangents, closed by `terminate(terminator)`."""
        block = Block(arg_types=arg_types)
        self._bind(list(primal_block.args), list(block.args), carried)
        with self._into(block):
            self.sweep_ops(primal_block)
            self.location = primal_block.last_op.location
            self.emit(terminate(primal_block.last_op))
        return block

    def _yield(self, carried: list[int]):
        """A terminator factory: the primal terminator's operands, then the tangents of those at `carried`."""

        def terminate(terminator: Operation) -> Operation:
            operands = list(terminator.operands)
            return scf.YieldOp(*map(self.primal, operands), *self._dense_tangents(operands, carried))

        return terminate

    def sweep_if(self, op: scf.IfOp) -> None:
        """`scf.if` with the tangents of its varied results as extra results."""
        carried = [i for i, r in enumerate(op.results) if r in self.varied]
        types = [*op.result_types, *(op.results[i].type for i in carried)]
        regions = [Region(self._region_block(region.block, [], [], self._yield(carried)))
                   if region.blocks else Region() for region in op.regions]
        self.location = op.location
        new = scf.IfOp(self.primal(op.cond), types, regions[0], regions[1])
        self.emit(new)
        self._bind(list(op.results), list(new.results), carried)

    def sweep_for(self, op: scf.ForOp) -> None:
        """`scf.for` with the tangents of its varied iteration arguments as extra ones."""
        body = op.body.block
        iter_args = list(op.iter_args)
        carried = [i for i, a in enumerate(body.args[1:]) if a in self.varied]
        inits = [*map(self.primal, iter_args), *self._dense_tangents(iter_args, carried)]
        arg_types = [a.type for a in body.args] + [body.args[1 + i].type for i in carried]
        new_body = self._region_block(body, arg_types, [1 + i for i in carried],
                                      self._yield(carried))
        self.location = op.location
        new = scf.ForOp(self.primal(op.lb), self.primal(op.ub), self.primal(op.step), inits, new_body)
        self.emit(new)
        self._bind(list(op.results), list(new.results), carried)

    def sweep_while(self, op: scf.WhileOp) -> None:
        """`scf.while` with the tangents of its varied loop values as extra ones: before-region
        arguments (fed by the inits and the yield), after-region arguments and results (fed by the
        condition)."""
        before, after = op.before_region.block, op.after_region.block
        inits = list(op.arguments)
        entering = [i for i, a in enumerate(before.args) if a in self.varied]
        leaving = [j for j, a in enumerate(after.args) if a in self.varied or op.results[j] in self.varied]

        def condition(terminator: scf.ConditionOp) -> Operation:
            args = list(terminator.args)
            return scf.ConditionOp(self.primal(terminator.condition), *map(self.primal, args),
                                   *self._dense_tangents(args, leaving))

        new_before = self._region_block(before, [a.type for a in before.args] + [before.args[i].type for i in entering],
                                        entering, condition)
        new_after = self._region_block(after, [a.type for a in after.args] + [after.args[j].type for j in leaving],
                                       leaving, self._yield(entering))
        self.location = op.location
        new = scf.WhileOp([*map(self.primal, inits), *self._dense_tangents(inits, entering)],
                          [*op.result_types, *(op.results[j].type for j in leaving)],
                          Region(new_before), Region(new_after))
        self.emit(new)
        self._bind(list(op.results), list(new.results), leaving)

    def sweep_call(self, op: func.CallOp) -> None:
        """A call passing tangents (or a tape that carries them) calls the callee's `_jvp`."""
        operands = list(op.operands)
        wrt = tuple(i for i, v in enumerate(operands) if v in self.varied)
        callee = self.driver.jvp_function(op.callee.root_reference.data, wrt, _source_loc(op))
        self.location = op.location
        call = func.CallOp(callee.sym_name.data, [*map(self.primal, operands), *self._dense_tangents(operands, wrt)],
                           list(callee.function_type.outputs.data))
        self.emit(call)
        self._bind(list(op.results), list(call.results), float_indices(op.result_types))


@dataclass(frozen=True)
class ADJvpPass(ModulePass):
    """Replaces the `ad.jvp` requests by forward code with tangents, each when it is ready; `ad-autodiff`
    interleaves it with `ad-differentiate`."""

    name = "ad-jvp"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        driver = ForwardMode(op)
        # Each when nothing it differentiates holds a request (`ordering.ready_forward`); a request
        # inlined before it was answered leaves a copy, answered in turn.
        while (request := ready_forward(op)) is not None:
            driver.answer(request)
