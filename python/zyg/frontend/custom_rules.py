"""Frontend: a function with a custom rule (`zyg.rules`) -> the rule compiled as hooks for the autodiff.

In: the `Program`, a Python function `f` with a `Rule` and the trees of its arguments. Out: the functions
below, added to the module, and the `FunctionInfo` of `@<f_sig>`, which every call of `f` outside its
rule calls (`Program.compile_function`):

- `@<f_sig>_rule_fwd(args..., free...) -> (value leaves..., residuals...)`: the rule's first half. The
  residuals are the leaves of what its pullback captures (a `custom_vjp`: of the residuals `fwd`
  returns), then the dimensions (i64) of every float-array argument, which the pullback needs to
  make zero cotangents and to check the shapes of the ones the rule returns.
- `@<f_sig>_rule_bwd(residuals..., output cotangents...) -> argument cotangents`: the pullback, one
  cotangent per float leaf of the arguments (zero for free data, whose gradient a rule does not give).
  The output cotangents are the float leaves of the value, as `ad-differentiate` passes them.
- `@<f_sig>(args..., free...) -> value leaves`: calls `rule_fwd` and drops the residuals (the primal
  value is the rule's); `ad.rule_fwd` and `ad.rule_bwd` name the two hooks (`zyg.dialects.ad`).

A `custom_jvp` rule is compiled as `@<f_sig>_rule_jvp(args..., free..., tangents...) -> (value
leaves..., tangents...)`, one tangent per float input of `@<f_sig>` (those of free data unused) and
per float leaf of the value, and named by `ad.jvp_rule` on `@<f_sig>` for forward mode.

The rule is checked here, at its definition's line: the pullback must return a tuple with one
cotangent per argument of `f`, each None or structured like its argument with float leaves where
it has floats (an array's rank and dtype); the shapes of array cotangents are checked at run time.
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING

from xdsl.dialects import arith, func
from xdsl.dialects.builtin import FileLineColLoc, IntAttr, StringAttr, SymbolRefAttr
from xdsl.ir import Block, Region, SSAValue

from zyg.dialects import ad
from zyg.errors import ZygTypeError
from zyg.frontend.codegen import FunctionCodegen
from zyg.frontend.source import get_source
from zyg.frontend.structs import describe
from zyg.frontend.trees import (
    CONTAINERS,
    DICT,
    LEAF,
    LIST,
    SEQUENCES,
    TUPLE,
    Static,
    Struct,
    TreeDef,
    is_function_value,
    leaf,
    static,
)
from zyg.frontend.types import (
    F64,
    element_type,
    is_array,
    is_number,
    leaf_types,
    python_type_name,
    rank_of,
    type_code,
)
from zyg.rules import Rule
from zyg.typecodes import is_float_code

if TYPE_CHECKING:
    from zyg.frontend.program import FunctionInfo, Program


class RuleFunction:
    """The compile key of a function zyg builds from a rule (`part`: fwd, bwd or jvp); never called."""

    def __init__(self, rule: Rule, part: str):
        self.rule, self.part = rule, part
        self.__name__ = self.__qualname__ = f"{rule.primal.__qualname__}_rule_{part}"


def compile_with_rule(program: Program, fn: types.FunctionType, rule: Rule, arg_trees: list[TreeDef],
                      symbol: str) -> tuple[FunctionInfo, func.FuncOp]:
    """Compiles `fn`'s reverse rule at `arg_trees` as `@<symbol>_rule_fwd` and `@<symbol>_rule_bwd`, and
    `@<symbol>` calling the first; returns the latter and its `FunctionInfo`. Where `fn`'s value or its
    arguments have no float, there is nothing to differentiate: only `rule_fwd` is compiled.

    Raises:
        ZygTypeError: at the rule's line, for a rule that does not return `(value, pullback)`, or a
            pullback whose cotangents do not match the arguments.
    """
    from zyg.frontend.program import FunctionInfo

    forward = _Forward(program, rule, arg_trees, f"{symbol}_rule_fwd")
    inputs = forward.input_types
    block = Block(arg_types=inputs)
    call = func.CallOp(forward.op.sym_name.data, list(block.args), forward.op.function_type.outputs.data)
    block.add_ops([call, func.ReturnOp(*call.results[: forward.value_tree.leaf_count])])
    entry = func.FuncOp(symbol, (inputs, leaf_types(forward.value_tree)), Region(block), visibility="private")
    for op in (*block.ops, entry):
        op.location = forward.op.location
    functions = [forward.op, entry]
    if _differentiable(forward.value_tree) and any(_differentiable(t) for t in arg_trees):
        backward = _Backward(program, rule, forward, f"{symbol}_rule_bwd")
        entry.attributes[ad.RULE_FWD] = SymbolRefAttr(forward.op.sym_name.data)
        entry.attributes[ad.RULE_BWD] = SymbolRefAttr(backward.op.sym_name.data)
        functions.insert(1, backward.op)
    for op in functions:
        program.module.body.block.add_op(op)
    info = FunctionInfo(symbol, tuple(arg_trees), forward.value_tree, forward.aliased_args, forward.free)
    return info, entry


def compile_jvp_rule(program: Program, rule: Rule, info: FunctionInfo, primal: func.FuncOp) -> None:
    """Compiles `rule.jvp` for the specialisation `info` of its function as `@<symbol>_rule_jvp` and names
    it in `primal`'s `ad.jvp_rule`."""
    op = _Jvp(program, rule, info).op
    program.module.body.block.add_op(op)
    primal.attributes[ad.JVP_RULE] = SymbolRefAttr(op.sym_name.data)


# --------------------------------------------------------------------------------------------------
# The functions built from a rule
# --------------------------------------------------------------------------------------------------

class _RuleCodegen:
    """One function built from a rule: a `FunctionCodegen` at the line of `source_fn`, with no Python
    body of its own (its ops call the rule's functions)."""

    part = ""

    def __init__(self, program: Program, rule: Rule, source_fn, arg_trees: list[TreeDef], symbol: str):
        self.rule = rule
        source = source_fn.source if hasattr(source_fn, "source") else get_source(source_fn)
        self.cg = FunctionCodegen(program, RuleFunction(rule, self.part), source, list(arg_trees), symbol)
        self.node = source.node
        self.symbol = symbol
        leaves = iter(self.cg.entry_block.args)
        self.arguments = [self.cg.rebuild(tree, [next(leaves) for _ in range(tree.leaf_count)]) for tree in arg_trees]

    def error(self, message: str) -> None:
        self.cg.error(self.node, f"the rule {self.rule.name} for '{self.rule.primal.__qualname__}': {message}",
                      ZygTypeError)

    def finish(self, results: list[SSAValue]) -> func.FuncOp:
        cg = self.cg
        cg.node = self.node
        cg.emit(func.ReturnOp(*results))
        op = func.FuncOp(self.symbol, ([a.type for a in cg.entry_block.args], [r.type for r in results]),
                         Region(cg.block), visibility="private")
        loc = cg.loc(self.node)
        op.location = FileLineColLoc(StringAttr(loc.filename), IntAttr(loc.line), IntAttr(loc.col + 1))
        return op

    def pair(self, result: object, what: str) -> tuple[object, object]:
        """The two items of `result`, which the rule's `what` returns as a pair."""
        if not (isinstance(result, Struct) and result.kind in SEQUENCES and len(result.items) == 2):
            self.error(f"{what} must return a pair, got {describe(result)}")
        return result.items[0], result.items[1]

    def no_free_data(self, what: str) -> None:
        if self.cg.free_data:
            names = ", ".join(f"'{d.name}'" for d in self.cg.free_data.values())
            self.error(f"{what} reads {names}, data zyg passes at each call; read it in the rule's first half "
                       "(a local variable the pullback captures) or pass it as an argument")


class _Forward(_RuleCodegen):
    """`@<f_sig>_rule_fwd`: the rule's value and residuals."""

    part = "fwd"

    def __init__(self, program: Program, rule: Rule, arg_trees: list[TreeDef], symbol: str):
        super().__init__(program, rule, rule.forward, arg_trees, symbol)
        cg = self.cg
        cg.node = self.node
        result = cg.call_compiled(self.node, rule.forward, self.arguments)
        value, saved = self.pair(result, "it")
        if rule.backward is None and not is_function_value(saved):
            self.error(f"its pullback must be a function, got {describe(saved)}")
        self.value_tree, value_leaves = cg.flat(cg.settled_growables(value))
        self.saved_tree, saved_leaves = cg.flat(cg.settled_growables(saved))
        self.pullback = saved
        self.free = tuple(cg.free_data.values())
        inputs = list(cg.entry_block.args)
        self.array_inputs = [i for i, a in enumerate(inputs) if is_array(a.type) and is_float_code(type_code(a.type))]
        dims = [cg.to_int(d) for i in self.array_inputs for d in cg.dims(inputs[i])]
        self.aliased_args = frozenset(index for index, arg in enumerate(inputs)
                                      if any(arg in cg.storage_of(r) for r in value_leaves if is_array(r.type)))
        self.residual_trees = [self.saved_tree, TreeDef(TUPLE, children=tuple(leaf("i64") for _ in dims))]
        self.input_types = [a.type for a in inputs]
        self.arg_trees = arg_trees
        self.op = self.finish([*value_leaves, *saved_leaves, *dims])


class _Backward(_RuleCodegen):
    """`@<f_sig>_rule_bwd`: the pullback, applied to the residuals and the output cotangents."""

    part = "bwd"

    def __init__(self, program: Program, rule: Rule, forward: _Forward, symbol: str):
        pullback = rule.backward if rule.backward is not None else _defined_function(forward.pullback, rule.forward)
        trees = [*forward.residual_trees, cotangent_tree(forward.value_tree)]
        super().__init__(program, rule, pullback, trees, symbol)
        cg = self.cg
        cg.node = self.node
        saved, dims, cotangent = self.arguments
        if rule.backward is None:
            cotangents = cg.apply_function(self.node, saved, [cotangent], {})
        else:
            cotangents = cg.apply_function(self.node, Static(rule.backward), [saved, cotangent], {})
        self.no_free_data("its pullback")
        count = len(forward.arg_trees)
        if not (isinstance(cotangents, Struct) and cotangents.kind in SEQUENCES):
            self.error(f"the pullback must return a tuple of {count} cotangent(s), one per argument, got "
                       f"{describe(cotangents)}")
        if len(cotangents.items) != count:
            self.error(f"the pullback returns {len(cotangents.items)} cotangent(s), but "
                       f"'{rule.primal.__qualname__}' takes {count} argument(s)")
        dims_of = _dims_by_input(forward.array_inputs, forward.input_types, list(dims.items))
        leaves = _LeafCursor(forward.input_types)
        results: list[SSAValue] = []
        for index, (ct, tree) in enumerate(zip(cotangents.items, forward.arg_trees)):
            results += self.argument_cotangent(ct, tree, f"argument {index}", leaves, dims_of)
        while leaves.remaining():  # free data: no gradient from a rule
            position, t = leaves.next()
            if is_float_code(type_code(t)):
                results.append(self.zero(t, dims_of.get(position)))
        self.op = self.finish(results)

    def argument_cotangent(self, ct: object, tree: TreeDef, path: str, leaves: _LeafCursor,
                           dims_of: dict[int, list[SSAValue]]) -> list[SSAValue]:
        """The cotangents of the float leaves of an argument of structure `tree` from the pullback's `ct`."""
        if isinstance(ct, Static) and ct.value is None:
            return [self.zero(t, dims_of.get(p)) for p, t in leaves.take(tree.leaf_count) if is_float_code(type_code(t))]
        if tree.kind == LEAF:
            position, t = leaves.next()
            return self.leaf_cotangent(ct, t, path, dims_of.get(position))
        if tree.kind not in CONTAINERS:  # a str, a function...: nothing to differentiate
            self.error(f"the cotangent of {path} ({tree}) must be None, got {describe(ct)}")
        if not isinstance(ct, Struct) or not _same_container(ct, tree):
            self.error(f"the cotangent of {path} must be None or {_a(str(tree))} like the argument, got "
                       f"{describe(ct)}")
        items = ct.items
        if tree.kind == DICT:
            if set(ct.keys) != set(tree.keys):
                self.error(f"the cotangent of {path} has keys {sorted(map(str, ct.keys))}, the argument "
                           f"{sorted(map(str, tree.keys))}")
            items = [ct.items[ct.keys.index(k)] for k in tree.keys]
        results = []
        for key, item, child in zip(tree.keys or range(len(items)), items, tree.children):
            results += self.argument_cotangent(item, child, f"{path}[{key!r}]", leaves, dims_of)
        return results

    def leaf_cotangent(self, ct: object, t, path: str, dims: list[SSAValue] | None) -> list[SSAValue]:
        """The cotangent of one leaf of type `t`: converted to it, its shape checked at run time."""
        cg = self.cg
        if not is_float_code(type_code(t)):  # an int or a bool: no gradient, whatever the rule says
            if not (isinstance(ct, SSAValue) and is_number(ct.type)):
                self.error(f"the cotangent of {path} (an int or bool) must be None, got {describe(ct)}")
            return []
        if not isinstance(ct, SSAValue) or is_array(ct.type) != is_array(t) or (
                is_array(t) and rank_of(ct.type) != rank_of(t)):
            self.error(f"the cotangent of {path} must be None or {_a(python_type_name(t))}, got {describe(ct)}")
        if not is_array(t):
            return [cg.convert_element(ct, t)]
        ct = cg.convert_element(ct, element_type(t))
        got = [cg.to_int(d) for d in cg.dims(ct)]
        ok = cg.const(True)
        for a, b in zip(got, dims):
            ok = cg.value(arith.AndIOp(ok, cg.value(arith.CmpiOp(a, b, "eq"))))
        rank = len(dims)
        shape = ", ".join(f"{{{k}}}" for k in range(rank)) + ("," if rank == 1 else "")
        expected = ", ".join(f"{{{k + rank}}}" for k in range(rank)) + ("," if rank == 1 else "")
        cg.check(ok, "ValueError", f"the rule {self.rule.name} for '{self.rule.primal.__qualname__}': the "
                 f"cotangent of {path} has shape ({shape}), the argument ({expected})", [*got, *dims])
        return [ct]

    def zero(self, t, dims: list[SSAValue] | None) -> SSAValue:
        cg = self.cg
        if not is_array(t):
            return cg.convert_element(cg.const(0.0), t)
        return cg.splat(cg.const(0.0, F64), element_type(t), [cg.to_index(d) for d in dims])


class _Jvp(_RuleCodegen):
    """`@<f_sig>_rule_jvp`: the jvp rule on the arguments and their tangents."""

    part = "jvp"

    def __init__(self, program: Program, rule: Rule, info: FunctionInfo):
        inputs = [*info.arg_trees, *info.free_trees]  # the function's free data, which the rule does not see
        tangents = TreeDef(TUPLE, children=tuple(cotangent_tree(t) for t in inputs))
        super().__init__(program, rule, rule.jvp, [*inputs, tangents], f"{info.symbol}_rule_jvp")
        cg = self.cg
        cg.node = self.node
        count = len(info.arg_trees)
        primals, tangent_args = self.arguments[:count], self.arguments[-1].items[:count]
        result = cg.call_compiled(self.node, rule.jvp, [Struct(TUPLE, primals), Struct(TUPLE, tangent_args)])
        self.no_free_data("it")
        value, tangent = self.pair(result, "it")
        value_tree, value_leaves = cg.flat(cg.settled_growables(value))
        if value_tree != info.return_tree:
            self.error(f"it returns a value of structure {value_tree}, the function {info.return_tree}")
        tangent_tree, tangent_leaves = cg.flat(tangent)
        if tangent_tree != cotangent_tree(value_tree):
            self.error(f"its tangent has structure {tangent_tree}, the value's tangents {cotangent_tree(value_tree)}")
        self.op = self.finish([*value_leaves, *tangent_leaves])


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------

def cotangent_tree(tree: TreeDef) -> TreeDef:
    """The structure of a cotangent (or tangent) of a value of structure `tree`: its float leaves, None
    in place of the rest (ints, bools, str, functions)."""
    if tree.kind == LEAF:
        return tree if is_float_code(tree.code) else static(None)
    if tree.kind in CONTAINERS:
        return TreeDef(tree.kind, tree.cls, tree.keys, tuple(cotangent_tree(c) for c in tree.children))
    return static(None)


def _differentiable(tree: TreeDef) -> bool:
    """Whether a value of structure `tree` has a float leaf. Where the value or every argument has none,
    the rule is never differentiated (a call without a float result or operand is never active), so its
    pullback is not compiled: it may not even make sense there (`dy` would be None)."""
    return any(is_float_code(code) for code in tree.leaf_codes())


class _LeafCursor:
    """Walks the input leaves of `rule_fwd` (the arguments', then the free data's) in order."""

    def __init__(self, types_: list):
        self.types, self.position = types_, 0

    def next(self) -> tuple[int, object]:
        self.position += 1
        return self.position - 1, self.types[self.position - 1]

    def take(self, count: int) -> list[tuple[int, object]]:
        return [self.next() for _ in range(count)]

    def remaining(self) -> bool:
        return self.position < len(self.types)


def _dims_by_input(array_inputs: list[int], input_types: list, dims: list[SSAValue]) -> dict[int, list[SSAValue]]:
    """The dimensions of each float-array input, from the flat list `rule_fwd` saved."""
    found, offset = {}, 0
    for position in array_inputs:
        rank = rank_of(input_types[position])
        found[position] = dims[offset: offset + rank]
        offset += rank
    return found


def _defined_function(pullback: object, forward) -> object:
    """What gives the bwd function its line: the pullback closure's nested function, else the rule."""
    return pullback.cls if isinstance(pullback, Struct) and hasattr(pullback.cls, "source") else forward


def _same_container(ct: Struct, tree: TreeDef) -> bool:
    if tree.kind in (TUPLE, LIST):
        return ct.kind in (TUPLE, LIST) and len(ct.items) == len(tree.children)
    return ct.kind == tree.kind and ct.cls is tree.cls and (tree.kind == DICT or ct.keys == tree.keys)


def _a(name: str) -> str:
    return f"a{'n' if name[0] in 'aeiou' else ''} {name}"
