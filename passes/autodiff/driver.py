"""`ad-differentiate`: answers `ad.grad` / `ad.vjp` requests with forward code plus a pullback, and
`ad.forward` / `ad.backward` (a vjp in two halves) with calls of a split-mode pair.

In: a module with `func.func`s and request ops pointing at them. Out: each `ad.grad` / `ad.vjp`
replaced inline by the callee's forward code, a fresh tape, and the pullback (the request's own
function holds both, so top-level values need no tape); every function called on an active value, and
every function an `ad.forward` names, gets a split-mode pair `@<f>_fwd` (the primal that also saves
residuals) and `@<f>_bwd` (the pullback, which pops them). `ad.forward` calls `@<f>_fwd` on a fresh
tape it returns; `ad.backward` calls `@<f>_bwd` on a reader of that tape, which leaves it whole.
`ad.jacobian` becomes one `ad.forward` and a loop of `ad.backward`, one per row, or a loop of
`ad.jvp`, one per column, whichever is shorter (`jacobian.py`).

A function with checkpointed loops (`ad.checkpoint`) is differentiated as a copy whose loops run in
segments (`zyg.passes.autodiff.checkpoint`); a checkpointed call saves only its arguments, and its
pullback reruns the callee's forward code (`ReverseSweep.pull_call`).

Only the arguments a request names in `wrt` (by default every float one) are differentiated: the others
are constants to activity analysis, so nothing computes or accumulates their cotangents. A call whose
varying operands are some of the callee's float parameters only gets a pair specialised to those,
`@<f>_wrt<i>_<j>_fwd` / `_bwd`, whose pullback returns their cotangents alone.

A function with a custom reverse rule (`ad.rule_fwd` / `ad.rule_bwd`) gets its pair from the rule
(`custom_rules.py`), and a request of it calls that pair: its body is never differentiated.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.arith import ConstantOp
from xdsl.dialects.builtin import AnyFloat, FloatAttr, ModuleOp
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from zyg.dialects import ad
from zyg.errors import NoDerivativeError, SourceLoc, ZygTypeError
from zyg.frontend.types import python_type_name
from zyg.passes.autodiff.activity import active_values
from zyg.passes.autodiff.checkpoint import drop_checkpoint_marks, segmented
from zyg.passes.autodiff.custom_rules import rule_hooks, rule_pair
from zyg.passes.autodiff.jacobian import expand_jacobian
from zyg.passes.autodiff.ordering import REVERSE_REQUESTS, ready_reverse
from zyg.passes.autodiff.reverse import ReverseSweep, _source_loc, float_indices


def _float_param_indices(fn: func.FuncOp) -> tuple[int, ...]:
    return tuple(float_indices(fn.function_type.inputs.data))


def _split_prefix(name: str, wrt: tuple[int, ...], floats: tuple[int, ...]) -> str:
    """`name` when the pair differentiates every float parameter, else `name_wrt<i>_<j>`."""
    return name if wrt == floats else f"{name}_wrt{'_'.join(map(str, wrt))}"


def function_body(functions: dict[str, func.FuncOp], name: str, loc: SourceLoc | None) -> func.FuncOp:
    """The function `name` of `functions`, which an AD pass differentiates: one with one block."""
    fn = functions.get(name)
    if fn is None or not fn.body.blocks:
        raise NoDerivativeError(f"cannot differentiate '{name}': its body is not in the module", loc)
    if len(fn.body.blocks) != 1:
        raise NoDerivativeError(f"cannot differentiate '{name}': it must have one block", loc)
    return fn


class Differentiator:
    """Pass state: the module, per-function activity, and the split-mode pairs built so far."""

    def __init__(self, module: ModuleOp):
        self.module = module
        self.functions = {op.sym_name.data: op for op in module.body.block.ops if isinstance(op, func.FuncOp)}
        self._activity: dict[tuple[func.FuncOp, tuple[int, ...]], set[SSAValue]] = {}
        self._split: dict[tuple[str, tuple[int, ...]], tuple[str, str, tuple[int, ...]]] = {}
        self._segmented: dict[str, func.FuncOp] = {}

    def activity(self, fn: func.FuncOp, wrt: tuple[int, ...]) -> set[SSAValue]:
        """The values of `fn` that vary with its arguments at positions `wrt` and reach its results."""
        key = (fn, wrt)
        if key not in self._activity:
            self._activity[key] = active_values(fn, wrt)
        return self._activity[key]

    def lookup(self, name: str, loc: SourceLoc | None) -> func.FuncOp:
        fn = function_body(self.functions, name, loc)
        if name not in self._segmented:  # what is differentiated: its checkpointed loops in segments
            self._segmented[name] = segmented(fn, self.module, self.functions)
        return self._segmented[name]

    # ----------------------------------------------------------------------------------------------
    # Inline requests
    # ----------------------------------------------------------------------------------------------

    def answer(self, request: ad.GradOp | ad.VjpOp) -> None:
        """Replaces a request by forward code, pullback and tape, in place."""
        loc = _source_loc(request)
        primal = self.lookup(request.callee.root_reference.data, loc)
        outputs = primal.function_type.outputs.data
        result_type = outputs[0] if len(outputs) == 1 else tuple(outputs)
        if isinstance(request, ad.GradOp) and not isinstance(result_type, AnyFloat):
            name = python_type_name(result_type)
            raise ZygTypeError(f"the differentiated function returns a{'n' if name[0] in 'aeiou' else ''} "
                               f"{name}; differentiate a function that returns a float",
                               _source_loc(primal) or loc)
        if rule_hooks(primal) is not None:  # its rule, not its body: through the rule's split-mode pair
            return self._answer_by_pair(request, outputs)
        block = request.parent_block()
        tape = ad.TapeNewOp()
        tape.location = request.location
        block.insert_op_before(tape, request)
        forward_map: dict[SSAValue, SSAValue] = dict(zip(primal.body.block.args, request.arguments))
        forward_ops: dict[Operation, Operation] = {}
        body = primal.body.block
        for op in body.ops:
            if op is body.last_op:
                break
            clone = op.clone(value_mapper=forward_map)
            block.insert_op_before(clone, request)
            forward_ops.update(zip(op.walk(), clone.walk()))
        returned = list(body.last_op.operands)
        wrt = tuple(request.wrt_indices)
        sweep = ReverseSweep(self, primal, wrt, forward_map, forward_ops, tape.tape, tape.tape, direct_block=body)
        sweep.prepare_forward()
        cts: dict[SSAValue, SSAValue] = {}
        if isinstance(request, ad.VjpOp):  # a seed for each float result, in order
            sweep.insert_block, sweep.insert_before = block, request  # a result returned twice adds seeds
            floats = [r for r in returned if ad.carries_gradient(r.type)]
            for r, seed in zip(floats, request.seeds, strict=True):
                sweep.accumulate(cts, r, seed)
        else:
            one = ConstantOp(FloatAttr(1.0, returned[0].type))
            one.location = request.location
            block.insert_op_before(one, request)
            sweep.accumulate(cts, returned[0], one.result)
        sweep.pull_block(body, block, cts, before=request)
        gradients = self._parameter_cotangents(sweep, primal, wrt, cts, block, request)
        free = ad.TapeFreeOp(tape.tape)
        free.location = request.location
        block.insert_op_before(free, request)
        results = list(request.gradients)
        if isinstance(request, ad.VjpOp):
            for old, r in zip(request.values, returned, strict=True):
                old.replace_all_uses_with(forward_map[r])
        for old, new in zip(results, gradients):
            old.replace_all_uses_with(new)
        request.parent_block().erase_op(request)

    def _answer_by_pair(self, request: ad.GradOp | ad.VjpOp, outputs) -> None:
        """Replaces a request by calls of the callee's `_fwd` and `_bwd` on a fresh tape."""
        fwd_name, bwd_name, _ = self.split_functions(request.callee.root_reference.data, _source_loc(request),
                                                     tuple(request.wrt_indices))
        tape = ad.TapeNewOp()
        call = func.CallOp(fwd_name, [*request.arguments, tape.tape], outputs)
        ops: list[Operation] = [tape, call]
        if isinstance(request, ad.VjpOp):
            seeds = list(request.seeds)
        else:
            ops.append(ConstantOp(FloatAttr(1.0, outputs[0])))
            seeds = [ops[-1].result]
        pull = func.CallOp(bwd_name, [*seeds, tape.tape], [r.type for r in request.gradients])
        values = list(call.results) if isinstance(request, ad.VjpOp) else []
        self._replace_request(request, [*ops, pull, ad.TapeFreeOp(tape.tape)], [*values, *pull.results])

    def answer_forward(self, request: ad.ForwardOp) -> None:
        """Replaces `ad.forward` by a fresh tape and a call of the callee's `_fwd` that fills it."""
        fwd_name, _, _ = self.split_functions(request.callee.root_reference.data, _source_loc(request),
                                              tuple(request.wrt_indices))
        tape = ad.TapeNewOp()
        call = func.CallOp(fwd_name, [*request.arguments, tape.tape], [v.type for v in request.values])
        self._replace_request(request, [tape, call], [*call.results, tape.tape])

    def answer_backward(self, request: ad.BackwardOp) -> None:
        """Replaces `ad.backward` by a call of the callee's `_bwd` on a reader of the tape."""
        loc = _source_loc(request)
        name = request.callee.root_reference.data
        _, bwd_name, wrt = self.split_functions(name, loc, tuple(request.wrt_indices))
        bwd = self.functions[bwd_name]
        inputs = [*request.seeds.types, ad.TapeType()]
        outputs = [r.type for r in request.gradients]
        if list(bwd.function_type.inputs.data) != inputs or list(bwd.function_type.outputs.data) != outputs:
            raise ZygTypeError(f"ad.backward: the seeds and gradients of '{name}' with respect to arguments "
                               f"{list(wrt)} have types {bwd.function_type}", loc)
        reader = ad.TapeReaderOp(request.tape)
        call = func.CallOp(bwd_name, [*request.seeds, reader.tape], outputs)
        self._replace_request(request, [reader, call, ad.TapeFreeOp(reader.tape)], list(call.results))

    @staticmethod
    def _replace_request(request: Operation, ops: list[Operation], results: list[SSAValue]) -> None:
        """Puts `ops` (at the request's location) in place of `request`, whose results become `results`."""
        block = request.parent_block()
        for op in ops:
            op.location = request.location
            block.insert_op_before(op, request)
        for old, new in zip(request.results, results, strict=True):
            old.replace_all_uses_with(new)
        block.erase_op(request)

    def _parameter_cotangents(self, sweep: ReverseSweep, primal: func.FuncOp, wrt: tuple[int, ...], cts,
                              block: Block, before: Operation | None) -> list[SSAValue]:
        sweep.insert_block, sweep.insert_before = block, before
        args = primal.body.block.args
        out = []
        for i in wrt:
            ct = sweep.dense(cts.get(args[i]))
            out.append(ct if ct is not None else sweep.zero_of(args[i]))
        return out

    # ----------------------------------------------------------------------------------------------
    # Split-mode pairs for calls
    # ----------------------------------------------------------------------------------------------

    def split_functions(self, name: str, loc: SourceLoc | None, wrt: tuple[int, ...]) -> tuple[str, str, tuple[int, ...]]:
        """The `(fwd, bwd, wrt)` of callee `name` differentiated with respect to its float parameters at
        positions `wrt`, building them on first use.

        `@<name>_fwd(args..., tape) -> results` and `@<name>_bwd(float_result_cts..., tape) -> param_cts`
        (a function returning a tuple has several results; only its float results carry cotangents),
        with one cotangent per parameter in `wrt`.
        """
        key = (name, wrt)
        if key in self._split:
            return self._split[key]
        primal = self.lookup(name, loc)
        prefix = _split_prefix(name, wrt, _float_param_indices(primal))
        fwd_name, bwd_name = f"{prefix}_fwd", f"{prefix}_bwd"
        self._split[key] = (fwd_name, bwd_name, wrt)  # before building: the callee may recurse
        hooks = rule_hooks(primal)
        if hooks is not None:
            hook_fwd, hook_bwd = (self.lookup(hook, loc) for hook in hooks)
            self._add_functions(*rule_pair(primal, hook_fwd, hook_bwd, (fwd_name, bwd_name), wrt))
            return self._split[key]

        forward_map: dict[SSAValue, SSAValue] = {}
        fwd_region = Region()
        primal.body.clone_into(fwd_region, value_mapper=forward_map)
        fwd_entry = fwd_region.block
        fwd_tape = fwd_entry.insert_arg(ad.TapeType(), len(fwd_entry.args))
        forward_ops = dict(zip(primal.body.walk(), fwd_region.walk()))
        inputs = list(primal.function_type.inputs.data)
        outputs = list(primal.function_type.outputs.data)
        fwd = func.FuncOp(fwd_name, ([*inputs, ad.TapeType()], outputs), fwd_region, visibility="private")
        fwd.location = primal.location

        float_results = float_indices(outputs)
        ct_types = [outputs[i] for i in float_results]
        bwd_entry = Block(arg_types=[*ct_types, ad.TapeType()])
        sweep = ReverseSweep(self, primal, wrt, forward_map, forward_ops, fwd_tape, bwd_entry.args[-1],
                             direct_block=None)
        sweep.forward_entry = fwd_entry
        sweep.prepare_forward()
        cts: dict[SSAValue, SSAValue] = {}
        body = primal.body.block
        sweep.insert_block, sweep.insert_before = bwd_entry, None  # a result returned twice adds cotangents
        for i, ct in zip(float_results, bwd_entry.args):
            sweep.accumulate(cts, body.last_op.operands[i], ct)
        sweep.pull_block(body, bwd_entry, cts)
        gradients = self._parameter_cotangents(sweep, primal, wrt, cts, bwd_entry, None)
        sweep.save_residuals(body)  # the dimensions of a zero gradient, popped just now
        ret = func.ReturnOp(*gradients)
        bwd_entry.add_op(ret)
        bwd = func.FuncOp(bwd_name, ([*ct_types, ad.TapeType()], [inputs[i] for i in wrt]),
                          Region(bwd_entry), visibility="private")
        bwd.location = primal.location
        self._add_functions(fwd, bwd)
        return self._split[key]

    def _add_functions(self, *ops: func.FuncOp) -> None:
        for op in ops:
            self.module.body.block.add_op(op)
            self.functions[op.sym_name.data] = op


@dataclass(frozen=True)
class ADDifferentiatePass(ModulePass):
    """Replaces the reverse requests (`ad.grad`, `ad.vjp`, `ad.forward`, `ad.backward`, `ad.jacobian`)
    by forward code and pullbacks, outermost first, each when it is ready (`ordering.ready_reverse`);
    `ad-autodiff` interleaves it with `ad-jvp`."""

    name = "ad-differentiate"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        driver = Differentiator(op)
        answers = {ad.GradOp: driver.answer, ad.VjpOp: driver.answer, ad.ForwardOp: driver.answer_forward,
                   ad.BackwardOp: driver.answer_backward, ad.JacobianOp: lambda r: expand_jacobian(driver, r)}
        while (request := ready_reverse(op)) is not None:
            answers[type(request)](request)
        if not any(isinstance(inner, REVERSE_REQUESTS) for inner in op.walk()):
            drop_checkpoint_marks(op)
