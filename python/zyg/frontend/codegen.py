"""Frontend step 3: Python AST -> `func`/`arith`/`math`/`scf`/`zyg` IR, one function specialisation.

In: a checked `FunctionSource`, the IR types of the arguments, the `Program` that owns the module.
Out: one `func.func` appended to the program's module; every op carries the absolute
`FileLineColLoc` of the Python node it came from.

Control flow is structured: `if` becomes `scf.if`, `for ... in range` becomes `scf.for` over the trip
count, `while` becomes `scf.while`. `break`, `continue` and a `return` that is not the last statement
become boolean flag variables (`.brk<N>`, `.cont<N>`, `.ret`) that guard the statements after them and
end the loop, so every function has exactly one `func.return`.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import dataclasses
import math
import operator
import os
import types
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
from xdsl.dialects import arith, func, scf, tensor
from xdsl.dialects import math as mathd
from xdsl.dialects.builtin import FileLineColLoc, FloatAttr, IntAttr, IntegerAttr, StringAttr
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from zyg.dialects import zyg
from zyg.dialects.zyg_arrays import InterruptCheckOp
from zyg.errors import SourceLoc, UnsupportedSyntaxError, ZygError, ZygTypeError
from zyg.frontend.aliasing import AliasTracking
from zyg.frontend.arrays import ArrayCodegen, constant_of
from zyg.frontend.checkpoints import CheckpointCodegen, mark_checkpointed
from zyg.frontend.closures import (
    FUNCTION_BUILTINS,
    FUNCTION_NODES,
    ClosureCodegen,
    NestedFunction,
    candidate_trees,
    is_closure,
    is_dispatch,
    is_function_tree,
    is_partial,
    nonlocal_names,
    nonlocals_inside,
    own_nodes,
    partial_parts,
    statement_nodes,
)
from zyg.frontend.dependencies import FreeData, free_data_key, is_free_data, lookup_name
from zyg.frontend.exceptions import ExceptionCodegen
from zyg.frontend.functions import is_function
from zyg.frontend.growable import GrowableLists, growable_element, lone_appends
from zyg.frontend.host_calls import HostCallCodegen, is_host_callee
from zyg.frontend.indexing import IndexingCodegen, array_float
from zyg.frontend.int_constants import TOO_LARGE, fold_int
from zyg.frontend.requests import RequestCodegen, request_functions
from zyg.frontend.scope import BREAK_FLAG, CONTINUE_FLAG, RET_FLAG, RET_VALUE, Scope
from zyg.frontend.signature import Signature, parameter_names
from zyg.frontend.source import FunctionSource
from zyg.frontend.stop_gradient import stop_gradient_call
from zyg.frontend.structs import (
    CONTAINER_BUILTINS,
    UPDATING_METHOD_NAMES,
    StructCodegen,
    describe,
    is_struct,
    root_name,
)
from zyg.frontend.trees import (
    CLOSURE,
    CONTAINERS,
    DATACLASS,
    DICT,
    FSTRING,
    GROWLIST,
    LEAF,
    LIST,
    NAMEDTUPLE,
    RUNSTR,
    SEQUENCES,
    TUPLE,
    Static,
    Struct,
    TreeDef,
    flatten,
    is_function_value,
    join_strs,
    same_structure,
    static,
    structure_difference,
    with_leaf_codes,
)
from zyg.frontend.types import (
    F32,
    F64,
    I1,
    I64,
    is_array,
    is_float,
    is_number,
    leaf_types,
    promote,
    python_type_name,
    rank_of,
    type_code,
    type_of_code,
)
from zyg.rules import stop_gradient
from zyg.typecodes import type_code_of

if TYPE_CHECKING:
    from zyg.frontend.program import Program


_FLOAT_BINOPS: dict[type[ast.operator], type[Operation]] = {
    ast.Add: arith.AddfOp,
    ast.Sub: arith.SubfOp,
    ast.Mult: arith.MulfOp,
    ast.Div: arith.DivfOp,
    ast.FloorDiv: zyg.FloorDivOp,
    ast.Mod: zyg.ModOp,
}
_INT_BINOPS: dict[type[ast.operator], type[Operation]] = {
    ast.Add: arith.AddiOp,
    ast.Sub: arith.SubiOp,
    ast.Mult: arith.MuliOp,
    ast.FloorDiv: zyg.FloorDivOp,
    ast.Mod: zyg.ModOp,
    ast.BitAnd: arith.AndIOp,
    ast.BitOr: arith.OrIOp,
    ast.BitXor: arith.XOrIOp,
}
_FLOAT_PREDICATES = {ast.Eq: "oeq", ast.NotEq: "une", ast.Lt: "olt", ast.LtE: "ole", ast.Gt: "ogt",
                     ast.GtE: "oge"}
_INT_PREDICATES = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "slt", ast.LtE: "sle", ast.Gt: "sgt",
                   ast.GtE: "sge"}

# math-module functions of floats that map onto one `math` op (float in, float out).
_MATH_UNARY: dict[Callable, type[Operation]] = {
    math.sin: mathd.SinOp, math.cos: mathd.CosOp, math.tan: mathd.TanOp,
    math.asin: mathd.AsinOp, math.acos: mathd.AcosOp, math.atan: mathd.AtanOp,
    math.sinh: mathd.SinhOp, math.cosh: mathd.CoshOp, math.tanh: mathd.TanhOp,
    math.exp: mathd.ExpOp, math.expm1: mathd.ExpM1Op, math.log1p: mathd.Log1pOp,
    math.log2: mathd.Log2Op, math.log10: mathd.Log10Op, math.sqrt: mathd.SqrtOp,
    math.fabs: mathd.AbsFOp, math.asinh: mathd.AsinhOp, math.acosh: mathd.AcoshOp, math.atanh: mathd.AtanhOp,
    math.erf: mathd.ErfOp, math.erfc: zyg.ErfcOp, math.gamma: zyg.GammaOp, math.lgamma: zyg.LgammaOp,
    **({math.cbrt: mathd.CbrtOp, math.exp2: mathd.Exp2Op} if hasattr(math, "cbrt") else {}),  # Python 3.11+
}
# math-module functions that round a float to a Python int (zero derivative).
_MATH_ROUNDING: dict[Callable, type[Operation]] = {
    math.floor: mathd.FloorOp, math.ceil: mathd.CeilOp, math.trunc: mathd.TruncOp,
}
_MATH_CONSTANTS = {"pi", "e", "tau", "inf", "nan"}


class Restart(Exception):
    """Internal: a type assumption proved wrong; the program is rebuilt with the corrected one."""


# A loop over a constant range that changes a carried structure (appends to a list) is compiled once
# per iteration, up to this many; beyond it the structure must not change.
MAX_UNROLLED_TRIPS = 256


class FunctionCodegen(AliasTracking, GrowableLists, ClosureCodegen, HostCallCodegen, ExceptionCodegen, RequestCodegen,
                      StructCodegen, ArrayCodegen, IndexingCodegen, CheckpointCodegen, ast.NodeVisitor):
    """Builds one `func.func` for one Python function at one signature: the trees of its arguments
    (`zyg.frontend.trees`). The function takes and returns the flattened leaves."""

    def __init__(self, program: Program, fn: types.FunctionType, source: FunctionSource,
                 arg_trees: list[TreeDef], symbol: str):
        self.program = program
        self.fn = fn  # what the compile is keyed by: a Python function or a `NestedFunction`
        nested = isinstance(fn, NestedFunction)
        self.globals_fn = fn.outer if nested else fn  # whose globals and closure cells free names read
        self.root_source = fn.root if nested else source  # the source holding the nested functions
        self.source = source
        self.arg_trees = arg_trees
        self.symbol = symbol
        self.node: ast.AST = source.node
        self.block = Block(arg_types=leaf_types(*arg_trees))
        self.entry_block = self.block  # `self.block` is where ops go now; this one takes the arguments
        self.scope = Scope()
        self.return_trees: list[TreeDef] = []
        self.return_tree: TreeDef | None = None  # the settled result structure, once built
        self.parameter_structs: dict[Struct, str] = {}  # a container inside an argument -> the argument
        self.loop_stack: list[ast.AST] = []
        self.loop_carries: dict[int, list[str]] = {}  # a loop compiled as one -> the variables it carries
        self.reserved_appends: set[int] = set()  # `hs.append` calls whose loop, being built, reserved their rows
        self.loop_ids: dict[int, int] = {}
        self.checkpointed_loops: set[int] = set()
        self.loop_of_jump: dict[int, ast.AST] = {}
        self.flag_mode = False
        self.shapes: dict[SSAValue, list[SSAValue]] = {}
        # loop variable of a range() with a constant positive step -> (start >= 0 known, stop)
        self.range_facts: dict[SSAValue, tuple[bool, SSAValue]] = {}
        self.views: dict[SSAValue, SSAValue] = {}  # an array NumPy returns as a view -> the array it views
        self.view_names: dict[str, str] = {}  # a variable holding a view -> the variable it views
        self.parameters: dict[SSAValue, str] = {}
        self.storage: dict[SSAValue, frozenset] = {}
        self.free_data: dict[tuple, FreeData] = {}  # the free data this function reads, in argument order
        self.free_values: dict[tuple, object] = {}  # array value -> the buffers it may be (aliasing.py)
        self.aliased_args: frozenset[int] = frozenset()  # arguments the result may be (or view)
        self.bound_at: dict[str, int] = {}
        self.row_sources: dict[int, SSAValue] = {}
        self.nonlocal_writes = nonlocals_inside(source.node) - set(nonlocal_names(source.node))  # by its closures
        self.handling: list[SSAValue] = []  # the frames of the `except` blocks being compiled, innermost last
        self.caught: dict[str, SSAValue] = {}  # `except E as name`: name -> the frame of its exception
        self.constant_ranges: dict[int, int] = {}  # `for` over a constant range -> its trip count  # `for row in x` loop -> x
        self._index_loops()

    # ----------------------------------------------------------------------------------------------
    # Cross-cutting: locations, errors, op emission
    # ----------------------------------------------------------------------------------------------

    def visit(self, node: ast.AST):
        saved = self.node
        if hasattr(node, "lineno"):
            self.node = node
        try:
            return super().visit(node)
        except (ZygError, Restart):
            raise
        except Exception as exc:  # a bug in zyg: report it at the user's line, not as a crash
            if os.environ.get("ZYG_DEBUG_FRONTEND") == "1":
                raise
            raise ZygError(f"internal error while compiling this construct: {exc!r}", self.loc(node)) from None
        finally:
            self.node = saved

    def generic_visit(self, node: ast.AST):
        self.error(node, f"unsupported Python construct: {type(node).__name__}", UnsupportedSyntaxError)

    def loc(self, node: ast.AST | None = None) -> SourceLoc:
        return self.source.loc(node or self.node)

    def error(self, node: ast.AST | None, message: str, kind: type[ZygError] = ZygError):
        raise kind(message, self.loc(node))

    def emit(self, op: Operation) -> Operation:
        loc = self.loc()
        op.location = FileLineColLoc(StringAttr(loc.filename), IntAttr(loc.line), IntAttr(loc.col + 1))
        self.block.add_op(op)
        return op

    def value(self, op: Operation) -> SSAValue:
        return self.emit(op).results[0]

    @contextlib.contextmanager
    def at(self, block: Block, scope: Scope) -> Iterator[None]:
        """Emits into `block` with `scope` until the context ends."""
        saved = self.block, self.scope
        self.block, self.scope = block, scope
        try:
            yield
        finally:
            self.block, self.scope = saved

    # ----------------------------------------------------------------------------------------------
    # Constants and conversions
    # ----------------------------------------------------------------------------------------------

    def const(self, value: bool | int | float, t: Attribute | None = None) -> SSAValue:
        if t is None:
            t = I1 if isinstance(value, bool) else I64 if isinstance(value, int) else F64
        if t == F64:
            return self.value(arith.ConstantOp(FloatAttr(float(value), F64)))
        if t == I1:
            return self.value(arith.ConstantOp(IntegerAttr(-1 if value else 0, I1)))
        if not -(2**63) <= value < 2**63:
            self.error(None, f"the integer {value} does not fit in int64 (zyg's int, from -2**63 to "
                       "2**63 - 1); write a float (2.0**64) if a float is meant", ZygTypeError)
        return self.value(arith.ConstantOp(IntegerAttr(int(value), I64)))

    def int_constant(self, node: ast.expr, value: int | object) -> SSAValue:
        """The int constant expression `node`, folded as Python computes it (see `int_constants`);
        a value beyond int64 is a compile-time error, where computing it in i64 would wrap."""
        if value is TOO_LARGE or not -(2**63) <= value < 2**63:
            shown = "" if value is TOO_LARGE else f" = {value}"
            self.error(node, f"the integer constant {ast.unparse(node)}{shown} does not fit in int64 (zyg's "
                       "int, from -2**63 to 2**63 - 1); write a float (2.0**64) if a float is meant",
                       ZygTypeError)
        return self.const(value)

    def convert(self, v: SSAValue, t: Attribute) -> SSAValue:
        """Numeric promotion of `v` to `t` (bool -> int -> float)."""
        if v.type == t:
            return v
        constant = constant_of(v)
        if constant is not None and is_number(t) and promote(v.type, t) == t:
            number = int(bool(constant)) if v.type == I1 else constant  # i1 true is stored as -1
            return self.const(float(number) if t == F64 else int(number), t)
        if v.type == I1 and t == I64:
            return self.value(arith.ExtUIOp(v, I64))
        if v.type == I1 and t == F64:
            return self.value(arith.UIToFPOp(v, F64))
        if v.type == I64 and t == F64:
            return self.value(arith.SIToFPOp(v, F64))
        if v.type == F32 and t == F64:
            return self.value(arith.ExtFOp(v, F64))
        self.error(None, f"cannot convert a {python_type_name(v.type)} to a {python_type_name(t)}",
                   ZygTypeError)

    def truth(self, v: SSAValue) -> SSAValue:
        """Python truthiness of a value, as an `i1` (a constant for a container, a str, None or a
        function; a str read at run time is true unless empty)."""
        if is_struct(v, RUNSTR):
            return self.logical_not(self.runtime_str_equal(v, Static("")))
        if is_struct(v, FSTRING):
            self.error(None, "the truth of an f-string in compiled code; zyg renders f-strings only where they are "
                       "printed, logged, passed to a host function or returned", UnsupportedSyntaxError)
        if is_function_value(v):
            return self.const(True)
        if isinstance(v, Struct):
            return self.const(bool(v.items))
        if isinstance(v, Static):
            return self.const(bool(v.value))
        if is_array(v.type):
            self.error(None, f"the truth value of {describe(v)} is ambiguous (NumPy raises here); use "
                       "`.any()` or `.all()`", ZygTypeError)
        if v.type == I1:
            return v
        if v.type == F32:
            v = self.convert(v, F64)
        if v.type == F64:
            return self.value(arith.CmpfOp(v, self.const(0.0), "une"))
        return self.value(arith.CmpiOp(v, self.const(0), "ne"))

    def logical_not(self, v: SSAValue) -> SSAValue:
        return self.value(arith.XOrIOp(self.truth(v), self.const(True)))

    def zero_of(self, t: Attribute) -> SSAValue:
        return self.const(False if t == I1 else 0 if t == I64 else 0.0, t)

    # ----------------------------------------------------------------------------------------------
    # Function body
    # ----------------------------------------------------------------------------------------------

    def build(self) -> func.FuncOp:
        try:
            return self._build()
        except ZygError:
            # A recursive call built on a guess of the return type (an int, where the base case returns
            # an array or a tuple) can fail anywhere after it: guess again from the returns seen.
            self.program.retry_return_guess(self.fn, self.arg_trees, self.return_trees)
            raise

    def _build(self) -> func.FuncOp:
        fn_node = self.source.node
        leaves = iter(self.entry_block.args)
        nested = self.fn if isinstance(self.fn, NestedFunction) else None
        names = parameter_names(fn_node.args) + (list(nested.captured) if nested else [])
        for name, tree in zip(names, self.arg_trees, strict=True):
            args = [next(leaves) for _ in range(tree.leaf_count)]
            for arg in args:
                arg.name_hint = name
            value = self.rebuild(tree, args)
            self.check_foreign_closures(fn_node, value)
            self.mark_parameter(value, name)
            self.scope.set(name, value)
            self.bound_at[name] = self.loc(fn_node).line
        if nested is not None and nested.recursive:  # its own name: the closure of its captured values
            self.scope.set(nested.own_name, Struct(CLOSURE, [self.scope.get(n) for n in nested.captured],
                                                nested.captured, nested))
        if isinstance(fn_node, ast.Lambda):
            result = self.visit(fn_node.body)
            self.return_trees.append(self.flat(result)[0])
        else:
            result = self._build_statement_body(fn_node)
        self.return_tree = self._settle_return_type()
        _, results = self.flat(self.convert_tree(self.settled_growables(result), self.return_tree))
        self.aliased_args = frozenset(
            index for index, arg in enumerate(self.entry_block.args)
            if any(arg in self.storage_of(r) for r in results if is_array(r.type)))
        self.emit(func.ReturnOp(*results))
        op = func.FuncOp(self.symbol, ([a.type for a in self.entry_block.args], leaf_types(self.return_tree)),
                         Region(self.block), visibility="private")
        loc = self.loc(fn_node)
        op.location = FileLineColLoc(StringAttr(loc.filename), IntAttr(loc.line), IntAttr(loc.col + 1))
        return op

    def _build_statement_body(self, fn_node: ast.FunctionDef) -> SSAValue:
        body = fn_node.body
        if not _always_returns(body):
            if any(isinstance(n, ast.Return) and n.value is not None for n in own_nodes(fn_node)):
                self.error(fn_node, f"function '{fn_node.name}' can reach its end without returning a value; "
                           "zyg compiles functions that return a value on every path")
            end = body[-1]  # a procedure: it returns None at its end, as Python does
            body = [*body, ast.Return(None, lineno=end.end_lineno or end.lineno, col_offset=end.col_offset)]
        last = body[-1]
        simple = isinstance(last, ast.Return) and not any(
            isinstance(n, ast.Return) for stmt in body[:-1] for n in statement_nodes(stmt))
        if simple:
            self.compile_body(body[:-1])
            return self.visit_return_value(last)
        self.flag_mode = True
        self.scope.set(RET_FLAG, self.const(False))
        self.scope.set(RET_VALUE, self.zero_tree(self.assumed_return_type()))
        self.compile_body(body)
        return self.scope.get(RET_VALUE)

    def assumed_return_type(self) -> TreeDef:
        return self.program.assumed_return_type(self.fn, self.arg_trees)

    def _settle_return_type(self) -> TreeDef:
        if not self.return_trees:  # every path raises
            return self.program.settle_return_type(self.fn, self.arg_trees, static(None))
        actual = self.return_trees[0]
        for t in self.return_trees[1:]:
            if actual.kind == LEAF and t.kind == LEAF:
                a, b = type_of_code(actual.code), type_of_code(t.code)
                if a != b and promote(a, b) is None:
                    self.error(self.source.node, "the function returns values of different types: "
                               f"{python_type_name(a)} and {python_type_name(b)}", ZygTypeError)
            actual = self.join_trees("the return value", actual, t, self.source.node)
        return self.program.settle_return_type(self.fn, self.arg_trees, actual)

    def visit_return_value(self, node: ast.Return) -> object:
        """The value a `return` gives (None for a bare `return`), any structure."""
        self.node = node
        value = Static(None) if node.value is None else self.visit(node.value)
        self.check_not_escaping(node, value, "returned")
        value = self.nonlocal_result(value)
        self.return_trees.append(self.flat(value)[0])
        return value

    # ----------------------------------------------------------------------------------------------
    # Statements
    # ----------------------------------------------------------------------------------------------

    def compile_body(self, stmts: list[ast.stmt]) -> None:
        """Compiles a statement list; statements after a possible early exit run under a guard."""
        for index, stmt in enumerate(stmts):
            self.visit(stmt)
            if isinstance(stmt, (ast.Return, ast.Break, ast.Continue)) or self.scope.dead:
                return  # the rest is unreachable
            rest = stmts[index + 1:]
            flags = self._exit_flags(stmt)
            if rest and flags:
                self.node = rest[0]
                stop = self.scope.get(flags[0])
                for flag in flags[1:]:
                    stop = self.value(arith.OrIOp(stop, self.scope.get(flag)))
                self.emit_if(self.logical_not(stop), rest, [])
                return

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant):
            return  # a docstring or a bare constant does nothing
        self.visit(node.value)

    def visit_Pass(self, node: ast.Pass) -> None:
        return

    def visit_Assign(self, node: ast.Assign) -> None:
        value = self.visit(node.value)
        for target in node.targets:
            self.bind_target(node, target, value)

    def bind_target(self, node: ast.AST, target: ast.expr, value: object) -> None:
        """`target = value` for a name, an item or attribute (`xs[i]`, `obj.f`, nested), or an unpacking
        (`a, (b, *rest) = value`) of a tuple, list, NamedTuple or dict (its keys) known at compile time."""
        if isinstance(target, ast.Name):
            self.assign(target, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self.unpack(node, target, value)
        else:
            self.updated(node, target, value)

    def unpack(self, node: ast.AST, target: ast.Tuple | ast.List, value: object) -> None:
        if not isinstance(value, Struct) or value.kind not in (*SEQUENCES, DICT):
            self.error(node, f"cannot unpack {describe(value)}; zyg unpacks tuples, lists, NamedTuples and "
                       "dicts", ZygTypeError)
        items = self.sequence_items(node, value)
        starred = [i for i, elt in enumerate(target.elts) if isinstance(elt, ast.Starred)]
        before = starred[0] if starred else len(target.elts)
        after = len(target.elts) - before - 1 if starred else 0
        if (len(items) != len(target.elts)) if not starred else len(items) < before + after:
            self.error(node, f"cannot unpack {len(items)} values into {len(target.elts)} targets", ZygTypeError)
        for elt, item in zip(target.elts[:before], items):
            self.bind_target(node, elt, item)
        if starred:
            middle = Struct(LIST, items[before:len(items) - after])
            self.bind_target(node, target.elts[before].value, middle)
            for elt, item in zip(target.elts[before + 1:], items[len(items) - after:]):
                self.bind_target(node, elt, item)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.bind_target(node, node.target, self.visit(node.value))

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, (ast.Subscript, ast.Attribute)):
            load = copy.copy(node.target)
            load.ctx = ast.Load()
            self.updated(node, node.target, self.binary(node.op, self.visit(load), self.visit(node.value)))
            return
        current = self.visit_Name(ast.Name(node.target.id, ast.Load(), lineno=node.lineno,
                                           col_offset=node.col_offset))
        if is_struct(current, LIST) and isinstance(node.op, ast.Add):  # `xs += ys` extends xs in place
            self.check_update(node, node.target, current)
            items = current.items + tuple(self.sequence_items(node.value, self.visit(node.value)))
            self.assign(node.target, Struct(LIST, items))
            return
        if is_struct(current, GROWLIST) and isinstance(node.op, ast.Add):
            self.check_update(node, node.target, current)
            for item in self.sequence_items(node.value, self.visit(node.value)):
                current = self.growable_append(node, current, item)
            self.assign(node.target, current)
            return
        updated = self.binary(node.op, current, self.visit(node.value))
        if isinstance(current, SSAValue) and is_array(current.type):
            self.check_mutation(node, node.target.id, current)
            if updated.type != current.type:
                self.error(node, f"in-place {type(node.op).__name__} would change the array's type from "
                           f"{python_type_name(current.type)} to {python_type_name(updated.type)}", ZygTypeError)
            self.share_storage(updated, current)  # the same buffer, updated
        self.assign(node.target, updated)

    def assign(self, target: ast.Name, value: object) -> None:
        if isinstance(value, SSAValue):
            value.name_hint = target.id if target.id.isidentifier() else None
        line = self.loc(target).line
        self.bound_at[target.id] = line
        self._track_view_name(target.id, value)
        self.scope.set(target.id, value, line)

    def _track_view_name(self, name: str, value) -> None:
        """Remembers which variable a view bound to `name` looks into, by name, so the relation survives
        loops and branches (which give arrays new SSA values); rebinding a variable ends it."""
        for view, source in list(self.view_names.items()):
            if name in (view, source):
                del self.view_names[view]
        root = self.views.get(value) if isinstance(value, SSAValue) else None
        if root is None:
            return
        for other, held in self.scope.values.items():
            if held is root and not other.startswith("."):
                self.view_names[name] = other
                return

    def mark_view(self, result: SSAValue, source: SSAValue) -> SSAValue:
        """Records that NumPy returns `result` as a view of `source` (a basic slice, a transpose, a
        reshape...), so that updating either in place, which NumPy would make visible through the
        other, is rejected at compile time."""
        if result is not source:
            self.views[result] = self.views.get(source, source)
            self.share_storage(result, source)
        return result

    def check_mutation(self, node: ast.AST, name: str, array: SSAValue) -> None:
        """Rejects an in-place update that NumPy would make visible through another name."""
        parameter = self.parameters.get(array)
        if parameter is not None:
            self.error(node, f"this updates the argument '{parameter}' in place (line {self.bound_at.get(parameter)}); "
                       "zyg does not mutate its caller's arrays: copy it first, e.g. "
                       f"`{name} = {name}.copy()`", UnsupportedSyntaxError)
        if array in self.views:
            self.error(node, "this updates a view of another array (NumPy's basic slices, rows, transposes, "
                       "reshape, ravel, squeeze, expand_dims and broadcast_to return views), so NumPy would "
                       "change that array too: copy it first, "
                       f"e.g. `{name} = {name}.copy()`", UnsupportedSyntaxError)
        source = self.view_names.get(name)
        if source is not None:
            self.error(node, f"this updates a view of '{source}' (bound at line {self.bound_at.get(source)}), "
                       f"so NumPy would change '{source}' too: copy it first, e.g. `{name} = {name}.copy()`",
                       UnsupportedSyntaxError)
        for view, viewed in self.view_names.items():
            if viewed == name and view != name and view in self.scope.values:
                self.error(node, f"this updates an array that '{view}' views (bound at line "
                           f"{self.bound_at.get(view)}); NumPy would change '{view}' too: copy it first",
                           UnsupportedSyntaxError)
        for other, value in self.scope.values.items():
            if other != name and self.views.get(value) is array and not other.startswith("."):
                self.error(node, f"this updates an array that '{other}' views (bound at line "
                           f"{self.bound_at.get(other)}); NumPy would change '{other}' too: copy it first",
                           UnsupportedSyntaxError)
            if other != name and _holds(value, array) and not other.startswith("."):
                self.error(node, f"this updates the array that '{other}' also names (bound at line "
                           f"{self.bound_at.get(other)}); NumPy would change '{other}' too: copy it first, "
                           f"e.g. `{name} = {other}.copy()`", UnsupportedSyntaxError)
        # What a branch, a loop or a call may have made one buffer (the checks above see SSA identity).
        parameter = self.shared_parameter(array)
        if parameter is not None:
            self.error(node, f"'{name}' may be the argument '{parameter}' (or a view of it) here, through an "
                       "earlier branch, loop iteration or call; zyg does not mutate its caller's arrays: copy it "
                       f"first, e.g. `{name} = {name}.copy()`", UnsupportedSyntaxError)
        for other in self.names_sharing(name, array):
            self.error(node, f"'{name}' and '{other}' (bound at line {self.bound_at.get(other)}) may be the same "
                       "array here, through an earlier branch, loop iteration or call, so NumPy would change "
                       f"'{other}' too: copy it first, e.g. `{name} = {name}.copy()`", UnsupportedSyntaxError)

    def visit_Return(self, node: ast.Return) -> None:
        value = self.visit_return_value(node)
        expected = self.assumed_return_type()
        if self._converts_to(self.flat(value)[0], expected):
            value = self.convert_tree(value, expected)
        else:
            value = self.zero_tree(expected)  # the restart after this build fixes the type
        self.scope.set(RET_VALUE, value)
        self.scope.set(RET_FLAG, self.const(True))

    def _converts_to(self, tree: TreeDef, target: TreeDef) -> bool:
        """Whether a value of `tree` becomes one of `target` by numeric promotion of its leaves (and str
        known at compile time becoming str known at run time)."""
        tree, joined = join_strs(tree, target)
        if not same_structure(tree, target) or not same_structure(joined, target):
            return False
        for a, b in zip(tree.leaf_codes(), target.leaf_codes()):
            ta, tb = type_of_code(a), type_of_code(b)
            if ta != tb and promote(ta, tb) != tb:
                return False
        return True

    def visit_Break(self, node: ast.Break) -> None:
        self.scope.set(self._flag(BREAK_FLAG, node), self.const(True))

    def visit_Continue(self, node: ast.Continue) -> None:
        self.scope.set(self._flag(CONTINUE_FLAG, node), self.const(True))

    def visit_If(self, node: ast.If) -> None:
        cond = self.truth(self.visit(node.test))
        self.emit_if(cond, node.body, node.orelse)

    def emit_if(self, cond: SSAValue, then_stmts: list[ast.stmt], else_stmts: list[ast.stmt]) -> None:
        """Emits `scf.if` whose results are the variables either branch rebinds (every leaf of a
        structured one); a condition known at compile time compiles only the branch Python takes."""
        self.emit_branches(cond, lambda: self.compile_body(then_stmts), lambda: self.compile_body(else_stmts))

    def emit_branches(self, cond: SSAValue, then_body: Callable[[], None], else_body: Callable[[], None]) -> None:
        """`emit_if` with the branches given as callables that compile into the current block and scope."""
        known = self.known(cond)
        if known is not None:
            (then_body if known else else_body)()
            return
        node = self.node
        branches: list[tuple[Block, Scope]] = []
        for body in (then_body, else_body):
            block, scope = Block(), self.scope.fork()
            with self.at(block, scope):
                body()
            branches.append((block, scope))
        (then_block, then_scope), (else_block, else_scope) = branches
        if then_scope.dead and else_scope.dead:  # both raise: nothing after the `if` runs
            for block in (then_block, else_block):
                block.add_op(scf.YieldOp())
            self.emit(scf.IfOp(cond, [], [then_block], [else_block]))
            self.scope.dead = True
            return
        if then_scope.dead or else_scope.dead:
            self._take_live_values(*((then_block, then_scope, else_scope) if then_scope.dead
                                     else (else_block, else_scope, then_scope)))
        merged: list[str] = []
        for name in dict.fromkeys([*then_scope.values, *else_scope.values]):
            before = self.scope.get(name)
            in_then, in_else = then_scope.get(name), else_scope.get(name)
            if in_then is None or in_else is None:
                forgotten = then_scope.partial.get(name) if in_then is None else else_scope.partial.get(name)
                if before is None or isinstance(forgotten, str):  # `forgotten`: made unreadable on that path
                    self.scope.drop(name, forgotten if isinstance(forgotten, str) else self.loc(node))
                continue
            if in_then is before and in_else is before:
                continue
            merged.append(name)
        for name in merged:
            self._grow_in_a_branch(name, self.flat(then_scope.get(name))[0], self.flat(else_scope.get(name))[0])
            if self.differing_functions(then_scope.get(name), else_scope.get(name)):
                pair = self.dispatch_pair(node, then_scope.get(name), then_block, else_scope.get(name), else_block)
                then_scope.set(name, pair[0])
                else_scope.set(name, pair[1])
        trees = [self.join_trees(f"variable '{name}'", self.flat(then_scope.get(name))[0],
                                 self.flat(else_scope.get(name))[0], node,
                                 (then_scope.lines.get(name), else_scope.lines.get(name))) for name in merged]
        branch_leaves: list[list[SSAValue]] = []
        for block, scope in branches:
            with self.at(block, scope):
                yielded = [leaf for n, t in zip(merged, trees) for leaf in self.flat(self.convert_tree(scope.get(n), t))[1]]
                self.emit(scf.YieldOp(*yielded))
            branch_leaves.append(yielded)
        if_op = self.emit(scf.IfOp(cond, leaf_types(*trees), [then_block], [else_block]))
        for result, then_leaf, else_leaf in zip(if_op.results, *branch_leaves, strict=True):
            self.share_storage(result, then_leaf, else_leaf)
        results = iter(if_op.results)
        for name, tree in zip(merged, trees, strict=True):
            value = self.rebuild(tree, [next(results) for _ in range(tree.leaf_count)])
            for before in (then_scope.get(name), else_scope.get(name)):
                self.carry_parameter_marks(before, value)
            self.scope.set(name, value)

    def _take_live_values(self, dead_block: Block, dead: Scope, live: Scope) -> None:
        """Gives the branch that raised the other branch's variables: what that branch left as before
        stays so, and what it changed becomes a placeholder of its structure here (never read: the
        raise does not return)."""
        outer = self.scope
        with self.at(dead_block, dead):
            for name in dict.fromkeys([*dead.values, *live.values]):
                before, value = outer.get(name), live.get(name)
                if value is None:
                    dead.values.pop(name, None)
                elif value is before:
                    dead.values[name] = before
                else:
                    dead.values[name] = self.zero_tree(self.flat(value)[0])

    def assigned_names(self, stmts: list[ast.stmt]) -> list[str]:
        """Every variable (and control flag) `stmts` may rebind (`_assigned_names`)."""
        return _assigned_names(stmts, self)

    def _join_type(self, subject: str, a: Attribute, b: Attribute, node: ast.AST) -> Attribute:
        if a == b and not isinstance(a, str):
            return a
        joined = promote(a, b)
        if joined is None or (a != b and I1 in (a, b)):
            self.error(node, f"{subject} is a {python_type_name(a)} on one path and a "
                       f"{python_type_name(b)} on another", ZygTypeError)
        return joined

    def visit_For(self, node: ast.For) -> None:
        it = self.loop_part(node)
        if not (isinstance(it, ast.Call) and self.static_value(it.func, quiet=True) is range):
            iterable = self.visit(it)
            if is_struct(iterable, GROWLIST):
                return self.row_loop(node, self.growable_rows(iterable))
            if isinstance(iterable, Struct):
                return self.unrolled_loop(node, self.sequence_items(it, iterable))
            return self.row_loop(node, iterable)
        start, stop, step = self._range_bounds(it)
        bounds = [self.known(v) for v in (start, stop, step)]
        if all(isinstance(b, int) for b in bounds):
            self.constant_ranges[id(node)] = len(range(*bounds))
            if self._indexes_container(node) or self.program.is_unrolled(self.source, node):
                return self.unrolled_loop(node, [self.const(i) for i in range(*bounds)])
        if not isinstance(node.target, ast.Name):
            self.error(node.target, "a `for` loop over range() takes one plain variable", UnsupportedSyntaxError)
        trip_count = self._trip_count(start, stop, step)
        uses_flags = self._loop_exits(node)
        self.node = node
        if uses_flags:
            self._emit_while_loop(node, trip_count=trip_count, start=start, step=step, stop=stop)
        else:
            self._emit_for_loop(node, trip_count, start, step, stop)

    def _indexes_container(self, node: ast.For) -> bool:
        """Whether the body indexes a container with the loop variable (`xs[i]`, `params[i + 1]`): then
        the loop over a constant range is unrolled, each `xs[i]` a different, known item."""
        if not isinstance(node.target, ast.Name):
            return False
        variable = node.target.id
        for n in ast.walk(ast.Module(body=node.body, type_ignores=[])):
            if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) \
                    and isinstance(self.scope.get(n.value.id), Struct) \
                    and any(isinstance(m, ast.Name) and m.id == variable for m in ast.walk(n.slice)):
                return True
        return False

    def unrolled_loop(self, node: ast.For, items: list) -> None:
        """A `for` loop over the items of a container known at compile time (or a constant range that
        indexes one): the body once per item, each iteration after a `break` or `return` guarded."""
        self.loop_stack.append(node)
        break_flag = self._loop_flag(BREAK_FLAG, node)
        if self._has_jump(node, ast.Break):
            self.scope.set(break_flag, self.const(False))

        returns = any(isinstance(n, ast.Return) for stmt in node.body for n in statement_nodes(stmt))

        def iteration(index: int) -> None:
            if index == len(items):
                return
            self.node = node
            self._start_iteration(node)
            self.bind_target(node, node.target, items[index])
            self.compile_body(node.body)
            stops = [self.scope.get(f) for f in (break_flag, RET_FLAG) if f in self.scope and
                     (f == break_flag or (self.flag_mode and returns))]
            if not stops or index + 1 == len(items):
                iteration(index + 1)
                return
            stop = stops[0]
            for flag in stops[1:]:
                stop = self.value(arith.OrIOp(stop, flag))
            self.emit_branches(self.logical_not(stop), lambda: iteration(index + 1), lambda: None)

        iteration(0)
        self.loop_stack.pop()
        self.scope.drop(break_flag, None)
        self.scope.drop(self._loop_flag(CONTINUE_FLAG, node), None)

    def visit_While(self, node: ast.While) -> None:
        self.loop_part(node)  # notes a checkpointed loop
        self._emit_while_loop(node)

    # ----------------------------------------------------------------------------------------------
    # Loops
    # ----------------------------------------------------------------------------------------------

    def _range_bounds(self, it: ast.expr) -> tuple[SSAValue, SSAValue, SSAValue]:
        if not (isinstance(it, ast.Call) and self.static_value(it.func, quiet=True) is range):
            self.error(it, "unsupported Python construct: a `for` loop over anything but range(...)",
                       UnsupportedSyntaxError)
        if it.keywords or not 1 <= len(it.args) <= 3:
            self.error(it, "range() takes one to three positional arguments", UnsupportedSyntaxError)
        bounds = [self.visit(a) for a in it.args]
        for a, v in zip(it.args, bounds):
            if v.type not in (I64, I1):
                self.error(a, f"range() needs int bounds, got a {python_type_name(v.type)}", ZygTypeError)
        bounds = [self.convert(v, I64) for v in bounds]
        if len(bounds) == 1:
            return self.const(0), bounds[0], self.const(1)
        if len(bounds) == 2:
            return bounds[0], bounds[1], self.const(1)
        if constant_of(bounds[2]) == 0:
            self.error(it.args[2], "range() step must not be zero", ZygError)
        return bounds[0], bounds[1], bounds[2]

    def _trip_count(self, start: SSAValue, stop: SSAValue, step: SSAValue) -> SSAValue:
        """len(range(start, stop, step)) as i64; a zero run-time step gives an empty loop."""
        zero, one = self.const(0), self.const(1)
        step_value = constant_of(step)
        if step_value == 1:
            return self.value(arith.MaxSIOp(self.value(arith.SubiOp(stop, start)), zero))
        forward = self.value(arith.SubiOp(stop, start))
        backward = self.value(arith.SubiOp(start, stop))
        magnitude = self.value(arith.MaxSIOp(step, self.value(arith.SubiOp(zero, step))))
        magnitude = self.value(arith.MaxSIOp(magnitude, one))
        positive = self.value(arith.CmpiOp(step, zero, "sgt"))
        distance = self.value(arith.SelectOp(positive, forward, backward))
        rounded_up = self.value(arith.AddiOp(distance, self.value(arith.SubiOp(magnitude, one))))
        count = self.value(arith.MaxSIOp(self.value(arith.FloorDivSIOp(rounded_up, magnitude)), zero))
        if step_value is None:
            nonzero = self.value(arith.CmpiOp(step, zero, "ne"))
            count = self.value(arith.SelectOp(nonzero, count, zero))
        return count

    def _loop_carried(self, node: ast.AST) -> list[str]:
        """Variables defined before the loop that its body may rebind (int leaves a previous round found
        to become floats in the loop are widened here)."""
        assigned = _assigned_names(node.body, self)
        carried = [name for name in assigned if name in self.scope]
        self.loop_carries[id(node)] = carried
        for name in carried:
            strs = self.program.carried_strs(self.source, node, name)
            if strs is not None:
                self.scope.set(name, self.runtime_strs(self.scope.get(name), strs))
            code = self.program.growable(self.source, node, name)
            if code is not None and is_struct(self.scope.get(name), LIST):
                self.scope.set(name, self.growable_from(self.scope.get(name), code))
            tree, leaves = self.flat(self.scope.get(name))
            widened = [self.convert(v, F64) if self.program.is_widened(self.source, node, name, i) else v
                       for i, v in enumerate(leaves)]
            if any(a is not b for a, b in zip(widened, leaves)):
                self.scope.set(name, self.rebuild(with_leaf_codes(tree, [type_code(v.type) for v in widened]), widened))
        return carried

    def _reserve_appended_rows(self, node: ast.For, carried: list[str], trip_count: SSAValue) -> set[int]:
        """Makes room, before `for` loop `node`, for the rows its body appends to each growable list
        it carries in statements of its own; returns those appends (which then need no growth branch)."""
        reserved: set[int] = set()
        for name in carried:
            value = self.scope.get(name)
            appends = lone_appends(node.body, name)
            if not is_struct(value, GROWLIST) or not appends:
                continue
            added = self.value(arith.MuliOp(trip_count, self.const(len(appends))))
            rows = self.value(arith.AddiOp(self.growable_length(value), added))
            self.scope.set(name, self.reserve_rows(value, rows))
            reserved.update(id(call) for call in appends)
        return reserved

    def carry(self, carried: list[str], loop: ast.AST | None = None) -> tuple[list[TreeDef], list[SSAValue]]:
        """The trees of the carried variables and all their leaves, in order: what a loop carries (a
        function variable that `loop` assigns other functions is one chosen at run time)."""
        trees, leaves = [], []
        for name in carried:
            if loop is not None:
                self.scope.set(name, self.conform_carried_function(loop, name, self.scope.get(name)))
            tree, parts = self.flat(self.scope.get(name))
            trees.append(tree)
            leaves += parts
        return trees, leaves

    def uncarry(self, carried: list[str], trees: list[TreeDef], values: Sequence[SSAValue]) -> None:
        """Binds the carried variables to their values rebuilt from `values` (block arguments, results)."""
        position = iter(values)
        for name, tree in zip(carried, trees, strict=True):
            value = self.rebuild(tree, [next(position) for _ in range(tree.leaf_count)])
            self.carry_parameter_marks(self.scope.get(name), value)
            self.scope.set(name, value)

    def _check_carried(self, node: ast.AST, carried: list[str], initial: list[TreeDef]) -> None:
        """Raises if a loop body changed a carried variable's structure or type; widens an int leaf to
        float by restarting."""
        for name, tree0 in zip(carried, initial, strict=True):
            self.scope.set(name, self.conform_carried_function(node, name, self.scope.get(name)))
            tree1 = self.flat(self.scope.get(name))[0]
            if not same_structure(tree0, tree1):
                joined, other = join_strs(tree0, tree1)
                if same_structure(joined, other) and not same_structure(joined, tree0):
                    self.program.carry_strs(self.source, node, name, joined)  # a str that changes in the loop
                    raise Restart()
                if same_structure(joined, other):  # the loop's str are known at run time already
                    self.scope.set(name, self.runtime_strs(self.scope.get(name), tree0))
                    tree1 = self.flat(self.scope.get(name))[0]
            trips = self.constant_ranges.get(id(node))
            if not same_structure(tree0, tree1) and trips is not None and trips <= MAX_UNROLLED_TRIPS:
                self.program.unroll(self.source, node)  # a list grown a known number of times
                raise Restart()
            if not same_structure(tree0, tree1) and is_function_tree(tree0) and is_function_tree(tree1) \
                    and not name.startswith("."):  # functions chosen at run time, from before the loop
                self.program.dispatch_in_loop(self.source, node, name, [*candidate_trees(tree0),
                                                                        *candidate_trees(tree1)])
                raise Restart()
            code = None if same_structure(tree0, tree1) else growable_element(tree0, tree1)
            if code is not None and not name.startswith("."):
                self.program.grow(self.source, node, name, code)  # grown a run-time number of times
                raise Restart()
            if not same_structure(tree0, tree1):
                self.error(node, f"variable '{name}' changes structure inside the loop: "
                           f"{structure_difference(tree0, tree1, 'before the loop', 'after an iteration')}"
                           "; give it one structure", ZygTypeError)
            for index, (c0, c1) in enumerate(zip(tree0.leaf_codes(), tree1.leaf_codes())):
                t0, t1 = type_of_code(c0), type_of_code(c1)
                if t1 == t0:
                    continue
                what = f"variable '{name}'" if tree0.kind == LEAF else f"a part of variable '{name}'"
                if is_array(t0) or is_array(t1):
                    self.error(node, f"{what} changes type inside the loop, from "
                               f"{python_type_name(t0)} to {python_type_name(t1)}; give it one type", ZygTypeError)
                if t0 == F64 and t1 == I64 and not name.startswith("."):
                    self._promote_leaf(name, index)  # a float that takes an int stays a float
                    continue
                if promote(t0, t1) == F64 and t0 != I1 and t1 != I1 and not name.startswith("."):
                    self.program.widen(self.source, node, name, index)
                    raise Restart()
                self.error(node, f"{what} changes type inside the loop, from "
                           f"{python_type_name(t0)} to {python_type_name(t1)}; give it one type", ZygTypeError)

    def _grow_in_a_branch(self, name: str, then_tree: TreeDef, else_tree: TreeDef) -> None:
        """Where the branches of an `if` in a loop leave list `name` with different numbers of items
        (one appends, the other does not), restarts with the list a growable one from before the
        innermost loop that carries it: the loop then appends a run-time number of times."""
        code = growable_element(then_tree, else_tree) or growable_element(else_tree, then_tree)
        if code is None or name.startswith("."):
            return
        for loop in reversed(self.loop_stack):
            if name not in self.loop_carries.get(id(loop), ()):
                continue  # a loop compiled once per item carries nothing
            if self.program.growable(self.source, loop, name) is None:
                self.program.grow(self.source, loop, name, code)
                raise Restart()
            return

    def _promote_leaf(self, name: str, index: int) -> None:
        """Converts leaf `index` of variable `name` to a float where the loop yields it."""
        tree, leaves = self.flat(self.scope.get(name))
        leaves[index] = self.convert(leaves[index], F64)
        self.scope.set(name, self.rebuild(with_leaf_codes(tree, [type_code(v.type) for v in leaves]), leaves))

    def _emit_for_loop(self, node: ast.For, trip_count: SSAValue, start: SSAValue, step: SSAValue,
                       stop: SSAValue) -> None:
        self.loop_stack.append(node)
        carried = self._loop_carried(node)
        reserved = self._reserve_appended_rows(node, carried, trip_count)
        self.reserved_appends |= reserved
        trees, inits = self.carry(carried, node)
        types_ = [v.type for v in inits]

        def build(assumed: dict[int, frozenset]) -> tuple[Block, list[SSAValue]]:
            body, scope = Block(arg_types=[I64, *types_]), self.scope.fork()
            with self.at(body, scope):
                self.assume_storage(body.args[1:], assumed)
                self.uncarry(carried, trees, body.args[1:])
                self._bind_induction(node, body.args[0], start, step, stop)
                self._start_iteration(node)
                self.emit(InterruptCheckOp())
                self.compile_body(node.body)
                self._check_carried(node, carried, trees)
                yielded = self.carry(carried)[1]
                self.emit(scf.YieldOp(*yielded))
            return body, yielded

        body, assumed = self.settle_carried_storage(inits, build)
        self.reserved_appends -= reserved
        self.loop_stack.pop()
        self._forget_body_locals(node, carried)
        loop = self.emit(scf.ForOp(self.const(0), trip_count, self.const(1), inits, body))
        self.mark_checkpointed(node, loop)
        self.assume_storage(loop.results, assumed)
        self.uncarry(carried, trees, loop.results)

    def _bind_induction(self, node: ast.For, k: SSAValue, start: SSAValue, step: SSAValue,
                        stop: SSAValue) -> None:
        """Binds the loop variable to start + k * step, noting what is known of its range."""
        k.name_hint = "k"
        rows = self.row_sources.get(id(node))
        if rows is not None:
            self.scope.set(node.target.id, self.array_row(rows, k))
            return
        index = k
        if constant_of(step) != 1:
            index = self.value(arith.MuliOp(index, step))
        if constant_of(start) != 0:
            index = self.value(arith.AddiOp(index, start))
        step_value, start_value = constant_of(step), constant_of(start)
        if step_value is not None and step_value > 0:
            self.range_facts[index] = (start_value is not None and start_value >= 0, stop)
        self.scope.set(node.target.id, index)

    def index_facts(self, i: SSAValue, size: SSAValue) -> tuple[bool, bool]:
        """What is known of int `i` as an index into an axis of `size` (an `index` value):
        `(i >= 0, i < size)`. A `range(len(x))` loop variable indexing `x` needs no checks."""
        nonnegative, stop = self.range_facts.get(i, (False, None))
        below = stop is not None and isinstance(stop.owner, arith.IndexCastOp) and stop.owner.input is size
        return nonnegative, below

    def _start_iteration(self, loop: ast.AST) -> None:
        """Clears this iteration's `continue` flag."""
        if self._has_jump(loop, ast.Continue):
            self.scope.set(self._loop_flag(CONTINUE_FLAG, loop), self.const(False))

    def _emit_while_loop(self, node: ast.AST, trip_count: SSAValue | None = None,
                         start: SSAValue | None = None, step: SSAValue | None = None,
                         stop: SSAValue | None = None) -> None:
        """A `while` loop, or a `for` loop that can exit early (then with a hidden counter)."""
        is_for = isinstance(node, ast.For)
        counter = f".k{self.loop_ids[id(node)]}"
        if is_for:
            self.scope.set(counter, self.const(0))
        break_flag = self._loop_flag(BREAK_FLAG, node)
        if self._has_jump(node, ast.Break):
            self.scope.set(break_flag, self.const(False))
        self.loop_stack.append(node)
        carried = self._loop_carried(node)
        if is_for:
            carried = [counter, *[n for n in carried if n != counter]]
        trees, inits = self.carry(carried, node)
        types_ = [v.type for v in inits]
        stop_flags = [n for n in carried if n == break_flag or n == RET_FLAG]

        def build(assumed: dict[int, frozenset]) -> tuple[tuple[Block, Block], list[SSAValue]]:
            before, before_scope = Block(arg_types=types_), self.scope.fork()
            with self.at(before, before_scope):
                self.assume_storage(before.args, assumed)
                self.uncarry(carried, trees, before.args)
                self.node = node
                if stop_flags:
                    halt = before_scope.get(stop_flags[0])
                    for flag in stop_flags[1:]:
                        halt = self.value(arith.OrIOp(halt, before_scope.get(flag)))
                    cond = self._guarded_condition(node, halt, trip_count)
                else:
                    cond = self._loop_condition(node, trip_count)
                self.emit(scf.ConditionOp(cond, *before.args))

            after, after_scope = Block(arg_types=types_), self.scope.fork()
            with self.at(after, after_scope):
                self.assume_storage(after.args, assumed)
                self.uncarry(carried, trees, after.args)
                if is_for:
                    self._bind_induction(node, after_scope.get(counter), start, step, stop)
                self._start_iteration(node)
                self.emit(InterruptCheckOp())
                self.compile_body(node.body)
                self.node = node
                if is_for:
                    after_scope.set(counter, self.value(arith.AddiOp(after.args[0], self.const(1))))
                self._check_carried(node, carried, trees)
                yielded = self.carry(carried)[1]
                self.emit(scf.YieldOp(*yielded))
            return (before, after), yielded

        (before, after), assumed = self.settle_carried_storage(inits, build)
        self.loop_stack.pop()
        self._forget_body_locals(node, carried)
        loop = self.emit(scf.WhileOp(inits, types_, [before], [after]))
        self.mark_checkpointed(node, loop)
        self.assume_storage(loop.results, assumed)
        self.uncarry(carried, trees, loop.results)
        self.scope.drop(counter, None)
        self.scope.drop(break_flag, None)

    def _loop_condition(self, node: ast.AST, trip_count: SSAValue | None) -> SSAValue:
        if isinstance(node, ast.For):
            counter = self.scope.get(f".k{self.loop_ids[id(node)]}")
            return self.value(arith.CmpiOp(counter, trip_count, "slt"))
        return self.truth(self.visit(self.loop_part(node)))

    def _guarded_condition(self, node: ast.AST, stop: SSAValue, trip_count: SSAValue | None) -> SSAValue:
        """`not stop and <condition>`, evaluating the condition only when no flag says stop."""
        then_block, else_block = Block(), Block()
        with self.at(then_block, self.scope.fork()):
            self.emit(scf.YieldOp(self.const(False)))
        with self.at(else_block, self.scope.fork()):
            self.emit(scf.YieldOp(self._loop_condition(node, trip_count)))
        return self.emit(scf.IfOp(stop, [I1], [then_block], [else_block])).results[0]

    def _forget_body_locals(self, node: ast.AST, carried: list[str]) -> None:
        for name in _assigned_names(node.body, self):
            if name not in carried and not name.startswith("."):
                self.scope.drop(name, self.loc(node))
        if isinstance(node, ast.For) and node.target.id not in carried:
            self.scope.drop(node.target.id, self.loc(node))

    # ----------------------------------------------------------------------------------------------
    # Early exits: which flags a statement may set
    # ----------------------------------------------------------------------------------------------

    def _index_loops(self) -> None:
        """Numbers every loop and maps each `break`/`continue` to the loop it leaves."""

        def walk(node: ast.AST, loop: ast.AST | None) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, FUNCTION_NODES):  # a nested function's loops are its own
                    continue
                if isinstance(child, (ast.For, ast.While)):
                    self.loop_ids[id(child)] = len(self.loop_ids)
                    walk(child, child)
                elif isinstance(child, (ast.Break, ast.Continue)):
                    if loop is None:
                        self.error(child, f"'{type(child).__name__.lower()}' outside a loop")
                    self.loop_of_jump[id(child)] = loop
                else:
                    walk(child, loop)

        walk(self.source.node, None)

    def _flag(self, prefix: str, jump: ast.AST) -> str:
        return self._loop_flag(prefix, self.loop_of_jump[id(jump)])

    def _loop_flag(self, prefix: str, loop: ast.AST) -> str:
        return f"{prefix}{self.loop_ids[id(loop)]}"

    def _has_jump(self, loop: ast.AST, kind: type[ast.AST]) -> bool:
        return any(isinstance(n, kind) and self.loop_of_jump.get(id(n)) is loop for n in ast.walk(loop))

    def _loop_exits(self, loop: ast.AST) -> bool:
        """Whether the loop can end early: a `break` of its own or a `return`."""
        return self._has_jump(loop, ast.Break) or any(isinstance(n, ast.Return) for n in own_nodes(loop))

    def _exit_flags(self, stmt: ast.stmt) -> list[str]:
        """The flags `stmt` may set that end the current statement list early."""
        flags: list[str] = []
        current = self.loop_stack[-1] if self.loop_stack else None
        for n in statement_nodes(stmt):
            if isinstance(n, ast.Return) and self.flag_mode and RET_FLAG not in flags:
                flags.append(RET_FLAG)
            elif isinstance(n, (ast.Break, ast.Continue)) and self.loop_of_jump[id(n)] is current:
                flag = self._flag(BREAK_FLAG if isinstance(n, ast.Break) else CONTINUE_FLAG, n)
                if flag not in flags:
                    flags.append(flag)
        return [f for f in flags if f in self.scope]

    # ----------------------------------------------------------------------------------------------
    # Expressions
    # ----------------------------------------------------------------------------------------------

    def visit_Constant(self, node: ast.Constant) -> object:
        if node.value is None or isinstance(node.value, str):
            return Static(node.value)
        if isinstance(node.value, (bytes, complex)) or node.value is Ellipsis:
            self.error(node, f"unsupported constant {node.value!r}", UnsupportedSyntaxError)
        return self.const(node.value)

    def visit_Name(self, node: ast.Name) -> SSAValue:
        value = self.scope.get(node.id)
        if value is not None:
            return value
        if node.id in self.scope.partial:
            reason = self.scope.partial[node.id]
            if isinstance(reason, str):
                self.error(node, reason)
            self.error(node, f"variable '{node.id}' may be undefined here: it is only assigned on some "
                       f"paths or inside a loop ({reason})")
        found, obj = lookup_name(self.globals_fn, node.id)
        if found and is_free_data(obj):
            return self.free_value(node, node.id, obj)
        return self.static_to_value(node, self.static_value(node))

    def free_value(self, node: ast.AST, name: str, obj: object) -> object:
        """The value of free data `name` (a global or closure variable holding arrays): hidden arguments
        of this function, read by the caller at each call, never compiled in."""
        key = free_data_key(self.globals_fn, name)
        known = self.free_data.get(key)
        if known is None:
            tree, _ = flatten(obj, type_code_of, f"'{name}'")
            known = self.program.free_data(self.globals_fn, name, key, tree)
            if known.record < 0:
                self.error(node, f"'{name}' holds arrays zyg passes at each call, but it is reached in a way "
                           "zyg cannot replay; pass it as an argument", UnsupportedSyntaxError)
        return self.take_free_data(known)

    def take_free_data(self, data: FreeData) -> object:
        """The value of free data `data`, adding its leaves to this function's arguments the first time."""
        if data.key in self.free_values:
            return self.free_values[data.key]
        self.free_data[data.key] = data
        leaves = []
        for t in leaf_types(data.tree):
            leaves.append(self.entry_block.insert_arg(t, len(self.entry_block.args)))
            leaves[-1].name_hint = data.name
        value = self.rebuild(data.tree, leaves)
        self.mark_parameter(value, data.name)
        self.bound_at.setdefault(data.name, self.loc(self.source.node).line)
        self.free_values[data.key] = value
        return value

    def visit_Attribute(self, node: ast.Attribute) -> object:
        if self.is_local(node.value):
            base = self.visit(node.value)
            if isinstance(base, Struct):
                return self.struct_attribute(node, base)
            return self.array_attribute(node, base)
        return self.static_to_value(node, self.static_value(node))

    def is_local(self, node: ast.AST) -> bool:
        """Whether `node` computes a value (not a module or function known at compile time)."""
        if isinstance(node, ast.Name):
            if node.id in self.scope or node.id in self.scope.partial:
                return True
            found, obj = lookup_name(self.globals_fn, node.id)
            return found and is_free_data(obj)
        if isinstance(node, ast.Attribute):
            return self.is_local(node.value)
        return True

    def array_attribute(self, node: ast.Attribute, x: SSAValue) -> SSAValue:
        if not isinstance(x, SSAValue) or not is_array(x.type):
            self.error(node, f"attribute '{node.attr}' of {describe(x)}", UnsupportedSyntaxError)
        if node.attr == "shape":
            return self.shape_tuple(x)
        if node.attr == "ndim":
            return self.const(rank_of(x.type))
        if node.attr == "size":
            size = self.const(1)
            for d in self.dims(x):
                size = self.value(arith.MuliOp(size, self.to_int(d)))
            return size
        if node.attr == "T":
            return self.transpose(x)
        self.error(node, f"array attribute '.{node.attr}' is not supported", UnsupportedSyntaxError)

    def visit_Subscript(self, node: ast.Subscript) -> object:
        base = self.visit(node.value)
        if isinstance(base, Struct):
            return self.struct_item(node, base, node.slice)
        if not isinstance(base, SSAValue) or not is_array(base.type):
            self.error(node, f"indexing {describe(base)}", ZygTypeError)
        return self.array_getitem(node, base)

    def static_argument(self, node: ast.AST) -> object:
        """A value that must be known at compile time (an axis, a dtype): a literal or a global."""
        try:
            return ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError):
            pass
        if not self.is_local(node) and isinstance(node, (ast.Name, ast.Attribute)):
            return self.static_value(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self.static_argument(node.operand)
            if isinstance(inner, (int, float)):
                return -inner
        self.error(node, f"`{ast.unparse(node)}` must be known at compile time here", ZygTypeError)

    def static_to_value(self, node: ast.AST, obj: object) -> object:
        """A global or closure variable's value: a number is a constant, a str, None, a function or a
        container of those a compile-time value (the compile is redone when the global is rebound)."""
        if isinstance(obj, (bool, int, float, str)) or obj is None or is_function(obj):
            return self.python_value(node, obj)
        if isinstance(obj, (tuple, list, dict)) or dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return self.python_value(node, obj)
        self.error(node, f"'{ast.unparse(node)}' is a {type(obj).__name__}, not a value zyg can use here",
                   ZygTypeError)

    def static_value(self, node: ast.AST, quiet: bool = False) -> object:
        """The Python object a global, closure variable, builtin or `module.attr` names."""
        if isinstance(node, ast.Attribute):
            base = self.static_value(node.value, quiet)
            if isinstance(base, np.ufunc) and node.attr == "at":
                return base.at  # `np.add.at`: a method of the ufunc, fixed with it
            if not isinstance(base, types.ModuleType):
                if quiet:
                    return None
                self.error(node, f"attribute access on a {type(base).__name__}", UnsupportedSyntaxError)
            if base is math and node.attr not in _MATH_CONSTANTS and not callable(getattr(math, node.attr, None)):
                self.error(node, f"math.{node.attr} does not exist")
            if not hasattr(base, node.attr):
                self.error(node, f"module '{base.__name__}' has no attribute '{node.attr}'")
            return self.program.dependencies.attribute(base, node.attr)
        if isinstance(node, ast.Name):
            if node.id in self.scope:
                if quiet:
                    return None
                self.error(node, f"'{node.id}' is a local number, not a function")
            found, obj = self.program.dependencies.name(self.globals_fn, node.id)
            if not found:
                if quiet:
                    return None
                self.error(node, f"name '{node.id}' is not defined")
            return obj
        if quiet:
            return None
        self.error(node, f"unsupported callee expression `{ast.unparse(node)}`", UnsupportedSyntaxError)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> SSAValue:
        folded = fold_int(node)
        if folded is not None:
            return self.int_constant(node, folded)
        operand = self.visit(node.operand)
        if is_array(operand.type):
            if isinstance(node.op, ast.USub):
                return self.negate(operand)
            if isinstance(node.op, ast.UAdd):
                return operand
            self.error(node, "unsupported unary operator on an array", UnsupportedSyntaxError)
        if isinstance(node.op, ast.Not):
            return self.logical_not(operand)
        if isinstance(node.op, ast.UAdd):
            return self.convert(operand, I64) if operand.type == I1 else operand
        if isinstance(node.op, ast.USub):
            if is_float(operand.type):
                return self.value(arith.NegfOp(operand))
            return self.value(arith.SubiOp(self.const(0), self.convert(operand, I64)))
        if isinstance(node.op, ast.Invert) and operand.type != F64:
            return self.value(arith.XOrIOp(self.convert(operand, I64), self.const(-1)))
        self.error(node, f"unsupported unary operator on a {python_type_name(operand.type)}",
                   UnsupportedSyntaxError)

    def visit_BinOp(self, node: ast.BinOp) -> SSAValue:
        folded = fold_int(node)
        if folded is not None:
            return self.int_constant(node, folded)
        lhs = self.visit(node.left)
        rhs = self.visit(node.right)
        return self.binary(node.op, lhs, rhs, node.right)

    def binary(self, op: ast.operator, lhs: SSAValue, rhs: SSAValue, rhs_node: ast.AST | None = None) -> SSAValue:
        if not isinstance(lhs, SSAValue) or not isinstance(rhs, SSAValue):
            return self.struct_binary(op, lhs, rhs)
        if is_array(lhs.type) or is_array(rhs.type) or isinstance(op, ast.MatMult):
            return self.array_binary(op, lhs, rhs)
        if isinstance(op, ast.Pow):
            return self.power(lhs, rhs, rhs_node)
        common = promote(lhs.type, rhs.type)
        if common is None:
            self.error(None, f"unsupported operand types {python_type_name(lhs.type)} and "
                       f"{python_type_name(rhs.type)}", ZygTypeError)
        if isinstance(op, ast.Div) or common == F32:
            # A float32 element in scalar arithmetic computes in float64 (documented in the README).
            common = F64
        if isinstance(op, (ast.BitAnd, ast.BitOr, ast.BitXor)):
            if F64 in (lhs.type, rhs.type):
                self.error(None, "bitwise operators need ints or bools", ZygTypeError)
            if lhs.type == I1 and rhs.type == I1:
                return self.value(_INT_BINOPS[type(op)](lhs, rhs))
        elif common == I1:
            common = I64
        if common == F64:
            same = _float_identity(op, lhs, rhs)
            if same is not None:  # `x * 1.0`, `x / 1.0`, `x - 0.0` are x exactly, so AD sees `y - y / 1.0` as `y - y`
                return self.convert(same, F64)
        table = _FLOAT_BINOPS if common == F64 else _INT_BINOPS
        op_class = table.get(type(op))
        if op_class is None:
            self.error(None, f"unsupported operator {type(op).__name__} on {python_type_name(common)}s",
                       UnsupportedSyntaxError)
        if op_class in (zyg.FloorDivOp, zyg.ModOp) and common == I64:
            divisor = constant_of(rhs)
            if divisor == 0:
                self.error(None, "integer division or modulo by zero", ZygError)
            if divisor is None:
                nonzero = self.value(arith.CmpiOp(self.convert(rhs, I64), self.const(0), "ne"))
                self.check(nonzero, "ZeroDivisionError", "integer division or modulo by zero")
            if op_class is zyg.FloorDivOp and divisor in (None, -1):  # Python's 2**63 is no int64
                at_minimum = self.value(arith.CmpiOp(self.convert(lhs, I64), self.const(-(2**63)), "eq"))
                by_minus_one = self.value(arith.CmpiOp(self.convert(rhs, I64), self.const(-1), "eq"))
                fits = self.value(arith.XOrIOp(self.value(arith.AndIOp(at_minimum, by_minus_one)), self.const(True)))
                self.check(fits, "OverflowError", "integer division result too large for int64 (zyg's int)")
        return self.value(op_class(self.convert(lhs, common), self.convert(rhs, common)))

    def power(self, base: SSAValue, exponent: SSAValue, exponent_node: ast.AST | None) -> SSAValue:
        """`base ** exponent`: an int exponent stays an int (fast repeated multiplication)."""
        if exponent.type == I1:
            exponent = self.convert(exponent, I64)
        if base.type == I1:
            base = self.convert(base, I64)
        if base.type == F32:
            base = self.convert(base, F64)
        if exponent.type == F32:
            exponent = self.convert(exponent, F64)
        if base.type == I64 and exponent.type == I64:
            k = constant_of(exponent)
            if k is not None and k >= 0:
                return self.value(zyg.PowOp(base, exponent))
            base = self.convert(base, F64)  # a negative or unknown int exponent gives a float
        if base.type == I64:
            base = self.convert(base, F64)
        return self.value(zyg.PowOp(base, exponent))

    def visit_BoolOp(self, node: ast.BoolOp) -> SSAValue:
        """`a and b` / `a or b` with Python's short-circuit and value semantics."""
        result = self.visit(node.values[0])
        for operand in node.values[1:]:
            result = self._short_circuit(isinstance(node.op, ast.And), result, operand)
        return result

    def _short_circuit(self, is_and: bool, lhs: object, rhs_node: ast.expr) -> object:
        cond = self.truth(lhs)
        known = self.known(cond)
        if known is not None:  # a container, a str, None or a constant: Python's choice, now
            return self.visit(rhs_node) if known == is_and else lhs
        return self.select_value("the operands of and/or", cond, lambda: self.visit(rhs_node) if is_and else lhs,
                                 lambda: lhs if is_and else self.visit(rhs_node), rhs_node)

    def select_value(self, what: str, cond: SSAValue, then_value: Callable[[], object],
                     else_value: Callable[[], object], node: ast.AST) -> object:
        """`then_value() if cond else else_value()` as an `scf.if` whose results are the leaves (each
        callable is compiled inside its branch)."""
        blocks, values = [], []
        for make in (then_value, else_value):
            block = Block()
            with self.at(block, self.scope.fork()):
                values.append(make())
            blocks.append(block)
        if self.differing_functions(*values):
            values = list(self.dispatch_pair(node, values[0], blocks[0], values[1], blocks[1]))
        tree = self.join_trees(what, self.flat(values[0])[0], self.flat(values[1])[0], node)
        yielded = []
        for block, v in zip(blocks, values):
            with self.at(block, self.scope.fork()):
                yielded.append(self.flat(self.convert_tree(v, tree))[1])
                self.emit(scf.YieldOp(*yielded[-1]))
        results = self.emit(scf.IfOp(cond, leaf_types(tree), [blocks[0]], [blocks[1]])).results
        for result, *branch_leaves in zip(results, *yielded, strict=True):
            self.share_storage(result, *branch_leaves)
        return self.rebuild(tree, results)

    def visit_IfExp(self, node: ast.IfExp) -> object:
        cond = self.truth(self.visit(node.test))
        known = self.known(cond)
        if known is not None:
            return self.visit(node.body if known else node.orelse)
        return self.select_value("the conditional expression", cond, lambda: self.visit(node.body),
                                 lambda: self.visit(node.orelse), node)

    def visit_Compare(self, node: ast.Compare) -> SSAValue:
        lhs = self.visit(node.left)
        result = None
        for op, right in zip(node.ops, node.comparators):
            rhs = self.visit(right)
            test = self.compare(op, lhs, rhs)
            result = test if result is None else self.value(arith.AndIOp(result, test))
            lhs = rhs
        return result

    def compare(self, op: ast.cmpop, lhs: SSAValue, rhs: SSAValue) -> SSAValue:
        if isinstance(op, (ast.In, ast.NotIn, ast.Is, ast.IsNot)) or not isinstance(lhs, SSAValue) \
                or not isinstance(rhs, SSAValue):
            return self.struct_compare(op, lhs, rhs)
        folded = _fold_comparison(op, lhs, rhs)
        if folded is not None:
            return self.const(folded)
        if is_array(lhs.type) or is_array(rhs.type):
            return self.array_compare(op, lhs, rhs)
        common = promote(lhs.type, rhs.type)
        if common in (F64, F32):
            return self.value(arith.CmpfOp(self.convert(lhs, F64), self.convert(rhs, F64),
                                           _FLOAT_PREDICATES[type(op)]))
        common = I64 if common == I1 and not isinstance(op, (ast.Eq, ast.NotEq)) else common
        return self.value(arith.CmpiOp(self.convert(lhs, common), self.convert(rhs, common),
                                       _INT_PREDICATES[type(op)]))

    # ----------------------------------------------------------------------------------------------
    # Calls
    # ----------------------------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> SSAValue:
        if isinstance(node.func, ast.Attribute) and self.is_local(node.func.value):
            return self.call_method(node)
        return self.call_value(node, self.callee(node.func))

    def call_value(self, node: ast.Call, callee: object) -> object:
        """A call of the function `callee` (known at compile time, a closure or a partial) with `node`'s
        arguments."""
        if isinstance(callee, Struct):  # a closure, a partial or a function chosen at run time
            args, kwargs = self.call_arguments(node)
            return self.apply_function(node, callee, args, kwargs)
        if is_host_callee(callee):
            return self.call_host(node, callee)
        if callee is stop_gradient:
            return stop_gradient_call(self, node)
        checkpointed = self.call_checkpoint_api(node, callee)
        if checkpointed is not None:
            return checkpointed
        function_builtin = _lookup(FUNCTION_BUILTINS, callee)
        if function_builtin is not None:
            return function_builtin(self, node)
        handler = _numpy_handler(callee)  # before user functions: many NumPy functions are Python
        if handler is not None:
            prefix = getattr(handler, "static_prefix", 0)
            args = self.handler_arguments(handler, node.args[prefix:], prefix)
            return handler(self, node, args, {kw.arg: kw.value for kw in node.keywords})
        container_builtin = _lookup(CONTAINER_BUILTINS, callee)
        if container_builtin is not None:
            return container_builtin(self, node)
        if isinstance(callee, type) and (dataclasses.is_dataclass(callee) or _is_namedtuple_class(callee)):
            return self.construct(node, callee)
        if _lookup(request_functions(), callee) is not None:
            return self.call_request(node, callee, *self.call_arguments(node))
        if isinstance(callee, types.FunctionType):
            return self.call_user_function(node, callee)
        if not _is_supported_callee(callee):  # before the arguments, which may not be numbers
            self.error(node, f"call to unsupported function '{_callee_name(callee)}'", UnsupportedSyntaxError)
        if node.keywords:
            self.error(node, f"keyword arguments to {_callee_name(callee)}", UnsupportedSyntaxError)
        return self.apply_builtin(node, callee, self.elements(node.args))

    def apply_function(self, node: ast.Call, callee: object, args: list, kwargs: dict) -> object:
        """A call of the function value `callee` (a function, a closure or a partial) with the argument
        values `args` and `kwargs` (for `map`, `functools.reduce`, `functools.partial`...)."""
        if is_closure(callee):
            return self.call_closure_with(node, callee, args, kwargs)
        if is_dispatch(callee):
            return self.call_dispatch(node, callee, args, kwargs)
        if is_partial(callee):
            function, bound, keywords = partial_parts(callee)
            return self.apply_function(node, function, [*bound, *args], {**keywords, **kwargs})
        if isinstance(callee, Static):
            callee = callee.value
        if _lookup(request_functions(), callee) is not None:
            return self.call_request(node, callee, args, kwargs)
        handler = _numpy_handler(callee)
        if handler is not None and not kwargs:
            return handler(self, node, args, {})
        if isinstance(callee, types.FunctionType) and handler is None:
            return self.call_compiled(node, callee, self.bind_arguments(node, callee, args, kwargs))
        if kwargs or not _is_supported_callee(callee):
            self.error(node, f"call to unsupported function '{_callee_name(callee)}' with these arguments",
                       UnsupportedSyntaxError)
        return self.apply_builtin(node, callee, args)

    def apply_builtin(self, node: ast.Call, callee: object, args: list) -> object:
        """A call of a builtin or `math` function with the argument values `args`."""
        handler = _BUILTIN_HANDLERS.get(callee)
        if handler is not None:
            return handler(self, node, args)
        if callee in _MATH_UNARY:
            self._expect_arity(node, args, 1)
            return self.value(_MATH_UNARY[callee](self.convert(self._number(node, args[0]), F64)))
        if callee in _MATH_ROUNDING:
            self._expect_arity(node, args, 1)
            arg = self._number(node, args[0])
            if arg.type != F64:
                return self.convert(arg, I64)
            return self.value(arith.FPToSIOp(self.value(_MATH_ROUNDING[callee](arg)), I64))
        self.error(node, f"call to unsupported function '{_callee_name(callee)}'", UnsupportedSyntaxError)

    def callee(self, node: ast.expr) -> object:
        """The function a call expression names: a global, a builtin or `module.attr`, or a value
        holding a function (a local, an argument, a container's item, a helper's result)."""
        if isinstance(node, (ast.Name, ast.Attribute)) and not self.is_local(node):
            return self.static_value(node)
        value = self.visit(node)
        if not is_function_value(value):
            self.error(node, f"'{ast.unparse(node)}' is {describe(value)}, not a function", ZygTypeError)
        return value.value if isinstance(value, Static) else value

    def call_method(self, node: ast.Call) -> SSAValue:
        """`x.sum(axis=0)` and other array methods: the NumPy function with `x` first."""
        from zyg.frontend.numpy_functions import ARRAY_METHODS

        receiver = self.visit(node.func.value)
        name = node.func.attr
        if isinstance(receiver, Struct):
            if receiver.kind in (DATACLASS, NAMEDTUPLE) and name in receiver.keys:  # a field holding a function
                return self.call_value(node, self.callee(node.func))
            if self.update_method(node, node.func.value, name):
                return Static(None)
            return self.struct_method(node, receiver, name)
        if not isinstance(receiver, SSAValue) or not is_array(receiver.type):
            self.error(node, f"method '{name}' of {describe(receiver)}", UnsupportedSyntaxError)
        if name == "copy":  # a new value (for the alias checks); bufferization copies only if needed
            return self.with_dims(self.value(tensor.CastOp(receiver, receiver.type)), self.dims(receiver))
        handler = ARRAY_METHODS.get(name)
        if handler is None:
            self.error(node, f"array method '.{name}()' is not supported", UnsupportedSyntaxError)
        as_function = ast.Call(node.func, [node.func.value, *node.args], node.keywords,
                               lineno=node.lineno, col_offset=node.col_offset)
        args = [receiver, *self.handler_arguments(handler, node.args, first=1)]
        return handler(self, as_function, args, {kw.arg: kw.value for kw in node.keywords})

    def handler_arguments(self, handler, nodes: list[ast.expr], first: int = 0) -> list:
        """The argument values of a NumPy call; the positions a handler lists in `static_positions`
        (a dtype such as `np.float32`) are passed as the Python objects they name."""
        static = getattr(handler, "static_positions", ())
        return [self.static_argument(a) if i in static else self.visit(a) for i, a in enumerate(nodes, first)]

    def _expect_arity(self, node: ast.Call, args: list[SSAValue], *counts: int) -> None:
        if len(args) not in counts:
            expected = " or ".join(map(str, counts))
            self.error(node, f"{ast.unparse(node.func)}() takes {expected} argument(s), got {len(args)}",
                       ZygTypeError)

    def _number(self, node: ast.AST, v: SSAValue) -> SSAValue:
        """A scalar argument of a builtin or `math` function (a float32 one is computed in float64)."""
        if not isinstance(v, SSAValue) or not is_number(v.type):
            self.error(node, f"expected a number, got {describe(v)}", ZygTypeError)
        return self.convert(v, F64) if v.type == F32 else v

    def call_user_function(self, node: ast.Call, callee: types.FunctionType) -> object:
        """A call of a Python function: compiled once per signature (the trees of its arguments), called
        with the leaves, its result rebuilt from the call's results."""
        args, kwargs = self.call_arguments(node)
        return self.call_compiled(node, callee, self.bind_arguments(node, callee, args, kwargs))

    def call_compiled(self, node: ast.Call, callee: object, bound: list, checkpoint: bool = False) -> object:
        """A call of `callee` (a Python function or a `NestedFunction`) compiled for the values `bound`
        to its parameters (a nested function's captured values last); `checkpoint` marks the call
        `ad.checkpoint` (`zyg.checkpoint`)."""
        trees, leaves = [], []
        for value in bound:
            self.check_not_escaping(node, value, "passed to another function")
            tree, parts = self.flat(self.settled_growables(value))
            trees.append(tree)
            leaves += parts
        self.node = node
        info = self.program.compile_function(callee, trees, self.loc(node), caller=self.fn)
        for data in info.free:  # the callee's free data, passed on from this function's own
            leaves += self.flat(self.take_free_data(data))[1]
        call = self.emit(func.CallOp(info.symbol, leaves, info.result_types))
        if checkpoint:
            mark_checkpointed(call)
        # NumPy would hand back the very argument (or a view of it) where the callee returns one.
        may_return = [a for index, a in enumerate(leaves) if info.aliased_args is None or index in info.aliased_args]
        for result in call.results:
            self.share_storage(result, result, *may_return)
        value = self.rebuild(info.return_tree, call.results)
        self.check_foreign_closures(node, value)
        return value

    def bind_arguments(self, node: ast.Call, callee: types.FunctionType, args: list, kwargs: dict) -> list:
        """The value of each parameter of Python function `callee` (in `parameter_names` order) for a
        call with `args` and `kwargs` (`bind_signature`); its defaults are Python values."""
        kwdefaults = callee.__kwdefaults__ or {}
        positional_defaults = dict(zip(reversed(callee.__code__.co_varnames[: callee.__code__.co_argcount]),
                                       reversed(callee.__defaults__ or ())))

        def default(p: str) -> object:
            if p in positional_defaults:
                return self.python_value(node, positional_defaults[p])
            return self.python_value(node, kwdefaults[p]) if p in kwdefaults else None

        return self.bind_signature(node, Signature.of_code(callee.__code__, callee.__name__), args, kwargs, default)

    def bind_signature(self, node: ast.Call, signature: Signature, args: list, kwargs: dict,
                       default: Callable[[str], object]) -> list:
        """The value of each parameter of `signature` (in `parameter_names` order) for a call with
        `args` and `kwargs`, as Python binds them: `default(p)` (None: it has none), keyword-only
        parameters, `*args` (a tuple) and `**kwargs` (a dict)."""
        name, positional, keyword_only = signature.name, signature.positional, signature.keyword_only
        if len(args) > len(positional) and signature.varargs is None:
            self.error(node, f"{name}() takes {len(positional)} positional arguments, got {len(args)}", ZygTypeError)
        bound: dict[str, object] = dict(zip(positional, args))
        rest: dict[str, object] = {}
        for key, value in kwargs.items():
            if key in bound or key in positional[: signature.posonly]:
                if signature.varkw is None or key in bound:
                    self.error(node, f"{name}() got multiple values for the argument '{key}'", ZygTypeError)
            if key in positional[signature.posonly:] or key in keyword_only:
                bound[key] = value
            elif signature.varkw is not None:
                rest[key] = value
            else:
                self.error(node, f"{name}() got an unexpected keyword argument '{key}'", ZygTypeError)
        for p in (*positional, *keyword_only):
            if p not in bound:
                bound[p] = default(p)
                if bound[p] is None:
                    kind = "keyword-only argument" if p in keyword_only else "argument"
                    self.error(node, f"{name}() is missing the {kind} '{p}'", ZygTypeError)
        values = [bound[p] for p in positional]
        if signature.varargs is not None:
            values.append(Struct(TUPLE, args[len(positional):]))
        values += [bound[p] for p in keyword_only]
        if signature.varkw is not None:
            values.append(Struct(DICT, rest.values(), rest.keys()))
        return values


# --------------------------------------------------------------------------------------------------
# Builtins
# --------------------------------------------------------------------------------------------------

def _builtin_abs(cg: FunctionCodegen, node: ast.Call, args: list[SSAValue]) -> SSAValue:
    cg._expect_arity(node, args, 1)
    x = cg._number(node, args[0])
    if x.type == F64:
        return cg.value(mathd.AbsFOp(x))
    return cg.value(mathd.AbsIOp(cg.convert(x, I64)))


def _builtin_min_max(is_max: bool):
    def handler(cg: FunctionCodegen, node: ast.Call, args: list[SSAValue]) -> SSAValue:
        if len(args) == 1 and isinstance(args[0], Struct):  # max(xs) of a container
            args = cg.sequence_items(node, args[0])
            if not args:
                cg.error(node, f"{'max' if is_max else 'min'}() of an empty sequence", ZygTypeError)
            if len(args) == 1:
                return cg._number(node, args[0])
        if len(args) < 2:
            cg.error(node, f"{'max' if is_max else 'min'}() of scalars needs at least two arguments",
                     ZygTypeError)
        result = cg._number(node, args[0])
        for arg in args[1:]:
            common = promote(result.type, cg._number(node, arg).type)
            a, b = cg.convert(result, common), cg.convert(arg, common)
            # Python keeps the first of equal values: max(a, b) is b only when b > a.
            take_b = cg.compare(ast.Gt() if is_max else ast.Lt(), b, a)
            result = cg.value(arith.SelectOp(take_b, b, a))
        return result

    return handler


def _builtin_len(cg: FunctionCodegen, node: ast.Call, args: list[SSAValue]) -> SSAValue:
    cg._expect_arity(node, args, 1)
    x = args[0]
    if is_struct(x, GROWLIST):
        return cg.growable_length(x)
    if is_struct(x, *CONTAINERS):
        return cg.const(len(x.items))
    if isinstance(x, Static) and isinstance(x.value, str):
        return cg.const(len(x.value))
    if is_struct(x, RUNSTR, FSTRING):
        cg.error(node, "len() of a str made at run time (an f-string or input())", UnsupportedSyntaxError)
    if not isinstance(x, SSAValue) or not is_array(x.type) or rank_of(x.type) == 0:
        cg.error(node, f"len() of {describe(x)}", ZygTypeError)
    return cg.to_int(cg.dims(x)[0])


def _builtin_float(cg: FunctionCodegen, node: ast.Call, args: list[SSAValue]) -> SSAValue:
    cg._expect_arity(node, args, 1)
    if isinstance(args[0], SSAValue) and is_array(args[0].type):
        return array_float(cg, node, args[0])
    return cg.convert(cg._number(node, args[0]), F64)


def _builtin_int(cg: FunctionCodegen, node: ast.Call, args: list[SSAValue]) -> SSAValue:
    cg._expect_arity(node, args, 1)
    x = cg._number(node, args[0])
    if x.type == F64:
        return cg.value(arith.FPToSIOp(x, I64))
    return cg.convert(x, I64)


def _builtin_bool(cg: FunctionCodegen, node: ast.Call, args: list[SSAValue]) -> SSAValue:
    cg._expect_arity(node, args, 1)
    return cg.truth(cg._number(node, args[0]))


def _builtin_round(cg: FunctionCodegen, node: ast.Call, args: list[SSAValue]) -> SSAValue:
    """round(x) -> int (half to even); round(x, n) -> float rounded to n decimals."""
    cg._expect_arity(node, args, 1, 2)
    x = cg._number(node, args[0])
    if x.type != F64:
        return cg.convert(x, I64)
    if len(args) == 1:
        return cg.value(arith.FPToSIOp(cg.value(mathd.RoundEvenOp(x)), I64))
    scale = cg.value(zyg.PowOp(cg.const(10.0), cg.convert(args[1], I64)))
    scaled = cg.value(mathd.RoundEvenOp(cg.value(arith.MulfOp(x, scale))))
    return cg.value(arith.DivfOp(scaled, scale))


def _math_binary(op_class: type[Operation]):
    def handler(cg: FunctionCodegen, node: ast.Call, args: list[SSAValue]) -> SSAValue:
        cg._expect_arity(node, args, 2)
        a, b = (cg.convert(cg._number(node, v), F64) for v in args)
        return cg.value(op_class(a, b))

    return handler


def _math_pow(cg: FunctionCodegen, node: ast.Call, args: list[SSAValue]) -> SSAValue:
    cg._expect_arity(node, args, 2)
    base, exponent = (cg._number(node, v) for v in args)
    exponent = cg.convert(exponent, I64) if exponent.type == I1 else exponent
    return cg.value(zyg.PowOp(cg.convert(base, F64), exponent))


def _math_log(cg: FunctionCodegen, node: ast.Call, args: list[SSAValue]) -> SSAValue:
    cg._expect_arity(node, args, 1, 2)
    x = cg.value(mathd.LogOp(cg.convert(cg._number(node, args[0]), F64)))
    if len(args) == 1:
        return x
    base = cg.value(mathd.LogOp(cg.convert(cg._number(node, args[1]), F64)))
    return cg.value(arith.DivfOp(x, base))


_BUILTIN_HANDLERS: dict[object, Callable[[FunctionCodegen, ast.Call, list[SSAValue]], SSAValue]] = {
    abs: _builtin_abs,
    max: _builtin_min_max(True),
    min: _builtin_min_max(False),
    float: _builtin_float,
    int: _builtin_int,
    bool: _builtin_bool,
    round: _builtin_round,
    len: _builtin_len,
    math.atan2: _math_binary(mathd.Atan2Op),
    math.hypot: _math_binary(zyg.HypotOp),
    math.pow: _math_pow,
    math.log: _math_log,
}


# --------------------------------------------------------------------------------------------------
# Small AST and IR queries
# --------------------------------------------------------------------------------------------------

def _lookup(table: dict, obj: object):
    """`table.get(obj)`, None for an unhashable `obj`."""
    try:
        return table.get(obj)
    except TypeError:
        return None


def _is_namedtuple_class(obj: type) -> bool:
    return issubclass(obj, tuple) and hasattr(obj, "_fields")


def _fold_comparison(op: ast.cmpop, lhs: SSAValue, rhs: SSAValue) -> bool | None:
    """The result of comparing two scalar constants (Python's semantics), or None."""
    a, b = constant_of(lhs), constant_of(rhs)
    if a is None or b is None or is_array(lhs.type) or is_array(rhs.type):
        return None
    a, b = (bool(v) if v_.type == I1 else v for v, v_ in ((a, lhs), (b, rhs)))
    return _COMPARISONS[type(op)](a, b)


_COMPARISONS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
                ast.Gt: operator.gt, ast.GtE: operator.ge}


def _numpy_handler(obj: object):
    from zyg.frontend.numpy_functions import NUMPY_HANDLERS

    try:
        return NUMPY_HANDLERS.get(obj)
    except TypeError:  # unhashable
        return None


def _is_supported_callee(obj: object) -> bool:
    """Whether `obj` is a builtin or math function that codegen compiles."""
    try:
        return obj in _BUILTIN_HANDLERS or obj in _MATH_UNARY or obj in _MATH_ROUNDING
    except TypeError:  # unhashable
        return False


def _callee_name(obj: object) -> str:
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)
    return f"{module}.{name}" if module not in (None, "builtins") else name


def _holds(value: object, array: SSAValue) -> bool:
    """Whether `value` is `array` or a container with `array` inside."""
    if value is array:
        return True
    return isinstance(value, Struct) and any(_holds(item, array) for item in value.items)


def _float_identity(op: ast.operator, lhs: SSAValue, rhs: SSAValue) -> SSAValue | None:
    """The operand a float `op` returns bit for bit (nan, inf and -0.0 included), if any."""
    left, right = constant_of(lhs), constant_of(rhs)
    if isinstance(op, ast.Mult):
        return rhs if left == 1 else lhs if right == 1 else None
    if isinstance(op, ast.Div) and right == 1:
        return lhs
    if isinstance(op, ast.Sub) and right == 0 and not (isinstance(right, float) and math.copysign(1.0, right) < 0):
        return lhs
    return None


def _always_returns(stmts: list[ast.stmt]) -> bool:
    """Whether every path through `stmts` ends in a `return` or a `raise` (conservative)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    if isinstance(last, ast.Try):
        return _always_returns(last.finalbody) or (
            (_always_returns(last.body) or _always_returns(last.orelse))
            and all(_always_returns(handler.body) for handler in last.handlers))
    return isinstance(last, (ast.Return, ast.Raise))


def _assigned_names(stmts: list[ast.stmt], cg: FunctionCodegen) -> list[str]:
    """Every variable (and control flag) the statements may rebind, in first-seen order."""
    names: dict[str, None] = {}
    for stmt in stmts:
        for n in statement_nodes(stmt):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                names[n.id] = None
            elif isinstance(n, ast.FunctionDef):
                names[n.name] = None
            elif isinstance(n, ast.Call) and cg.nonlocal_writes:  # a closure may assign them
                names.update(dict.fromkeys(sorted(cg.nonlocal_writes)))
            elif isinstance(n, (ast.Subscript, ast.Attribute)) and isinstance(n.ctx, ast.Store) and root_name(n):
                names[root_name(n)] = None  # `y[i] = v`, `m["w"][0] = v`, `obj.f = v` rebind the variable
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and root_name(n.func.value) \
                    and n.func.attr in UPDATING_METHOD_NAMES | {"copyto", "at"}:
                # `xs.append(v)`, `d.update(...)` rebind the receiver; `np.copyto(dst, v)` and
                # `np.add.at(dst, indices, v)` their destination
                target = n.args[0] if n.func.attr in ("copyto", "at") and n.args else n.func.value
                if root_name(target):
                    names[root_name(target)] = None
            elif isinstance(n, ast.Return):
                names[RET_FLAG] = None
                names[RET_VALUE] = None
            elif isinstance(n, ast.Break):
                names[cg._flag(BREAK_FLAG, n)] = None
            elif isinstance(n, ast.Continue):
                names[cg._flag(CONTINUE_FLAG, n)] = None
            elif isinstance(n, (ast.For, ast.While)):
                names[f".k{cg.loop_ids[id(n)]}"] = None
    return list(names)
