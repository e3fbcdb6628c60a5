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
import math
import os
import types
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from xdsl.dialects import arith, func, llvm, scf, tensor
from xdsl.dialects import math as mathd
from xdsl.dialects.builtin import FileLineColLoc, FloatAttr, IntAttr, IntegerAttr, StringAttr
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from zyg.dialects import zyg
from zyg.errors import SourceLoc, UnsupportedSyntaxError, ZygError, ZygTypeError
from zyg.frontend.aliasing import AliasTracking
from zyg.frontend.arrays import ArrayCodegen, StaticTuple
from zyg.frontend.indexing import IndexingCodegen, array_float
from zyg.frontend.int_constants import TOO_LARGE, fold_int
from zyg.frontend.scope import Scope
from zyg.frontend.source import FunctionSource
from zyg.frontend.types import (
    F32,
    F64,
    I1,
    I64,
    is_array,
    is_float,
    is_number,
    promote,
    python_type_name,
    rank_of,
    result_types,
)

if TYPE_CHECKING:
    from zyg.frontend.program import Program

RET_FLAG, RET_VALUE = ".ret", ".retval"

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
    math.fabs: mathd.AbsFOp,
}
# math-module functions that round a float to a Python int (zero derivative).
_MATH_ROUNDING: dict[Callable, type[Operation]] = {
    math.floor: mathd.FloorOp, math.ceil: mathd.CeilOp, math.trunc: mathd.TruncOp,
}
_MATH_CONSTANTS = {"pi", "e", "tau", "inf", "nan"}


class Restart(Exception):
    """Internal: a type assumption proved wrong; the program is rebuilt with the corrected one."""


class FunctionCodegen(AliasTracking, ArrayCodegen, IndexingCodegen, ast.NodeVisitor):
    """Builds one `func.func` for one Python function at one argument-type signature."""

    def __init__(self, program: Program, fn: types.FunctionType, source: FunctionSource,
                 arg_types: list[Attribute], symbol: str):
        self.program = program
        self.fn = fn
        self.source = source
        self.arg_types = arg_types
        self.symbol = symbol
        self.node: ast.AST = source.node
        self.block = Block(arg_types=arg_types)
        self.scope = Scope()
        self.return_types: list[Attribute] = []
        self.loop_stack: list[ast.AST] = []
        self.loop_ids: dict[int, int] = {}
        self.loop_of_jump: dict[int, ast.AST] = {}
        self.flag_mode = False
        self.shapes: dict[SSAValue, list[SSAValue]] = {}
        # loop variable of a range() with a constant positive step -> (start >= 0 known, stop)
        self.range_facts: dict[SSAValue, tuple[bool, SSAValue]] = {}
        self.views: dict[SSAValue, SSAValue] = {}  # an array NumPy returns as a view -> the array it views
        self.view_names: dict[str, str] = {}  # a variable holding a view -> the variable it views
        self.parameters: dict[SSAValue, str] = {}
        self.storage: dict[SSAValue, frozenset] = {}  # array value -> the buffers it may be (aliasing.py)
        self.aliased_args: frozenset[int] = frozenset()  # arguments the result may be (or view)
        self.bound_at: dict[str, int] = {}
        self.row_sources: dict[int, SSAValue] = {}  # `for row in x` loop -> x
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
        constant = _constant_of(v)
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
        """Python truthiness of a scalar, as an `i1`."""
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
        fn_node = self.source.node
        params = [a.arg for a in fn_node.args.args]
        for name, arg in zip(params, self.block.args, strict=True):
            arg.name_hint = name
            self.scope.set(name, arg)
            self.parameters[arg] = name
            self.bound_at[name] = self.loc(fn_node).line
        if isinstance(fn_node, ast.Lambda):
            result = self.visit(fn_node.body)
            self.return_types.append(_result_type(result))
        else:
            result = self._build_statement_body(fn_node)
        return_type = self._settle_return_type()
        if isinstance(result, StaticTuple):
            results = list(result.items)
        else:
            results = [self.convert(result, return_type) if result.type != return_type else result]
        self.aliased_args = frozenset(
            index for index, arg in enumerate(self.block.args)
            if any(arg in self.storage_of(r) for r in results if is_array(r.type)))
        self.emit(func.ReturnOp(*results))
        op = func.FuncOp(self.symbol, (self.arg_types, result_types(return_type)), Region(self.block),
                         visibility="private")
        loc = self.loc(fn_node)
        op.location = FileLineColLoc(StringAttr(loc.filename), IntAttr(loc.line), IntAttr(loc.col + 1))
        return op

    def _build_statement_body(self, fn_node: ast.FunctionDef) -> SSAValue:
        body = fn_node.body
        if not _always_returns(body):
            self.error(fn_node, f"function '{fn_node.name}' can reach its end without returning a value; "
                       "zyg compiles functions that return a number on every path")
        last = body[-1]
        simple = isinstance(last, ast.Return) and not any(
            isinstance(n, ast.Return) for stmt in body[:-1] for n in ast.walk(stmt))
        if simple:
            self.compile_body(body[:-1])
            return self.visit_return_value(last)
        self.flag_mode = True
        self.scope.set(RET_FLAG, self.const(False))
        self.scope.set(RET_VALUE, self.zero_of(self.assumed_return_type()))
        self.compile_body(body)
        return self.scope.get(RET_VALUE)

    def assumed_return_type(self) -> Attribute:
        return self.program.assumed_return_type(self.fn, self.arg_types)

    def _settle_return_type(self) -> Attribute | tuple:
        actual = self.return_types[0]
        for t in self.return_types[1:]:
            common = actual if actual == t else None if isinstance(t, tuple) else promote(actual, t)
            if common is None:
                self.error(self.source.node, "the function returns values of different types: "
                           f"{python_type_name(actual)} and {python_type_name(t)}", ZygTypeError)
            actual = common
        return self.program.settle_return_type(self.fn, self.arg_types, actual)

    def visit_return_value(self, node: ast.Return) -> SSAValue:
        if node.value is None:
            self.error(node, "`return` without a value; zyg compiles functions that return a number")
        self.node = node
        value = self.visit(node.value)
        if isinstance(value, StaticTuple):
            if self.flag_mode or any(isinstance(item, StaticTuple) or not (is_number(item.type) or is_array(item.type))
                                     for item in value.items):
                self.error(node, "a function may return a flat tuple of numbers and arrays once, as its last "
                           "statement; return the tuple once at the end", UnsupportedSyntaxError)
        elif not (is_number(value.type) or is_array(value.type)):
            self.error(node, f"cannot return a {python_type_name(value.type)}", ZygTypeError)
        self.return_types.append(_result_type(value))
        return value

    # ----------------------------------------------------------------------------------------------
    # Statements
    # ----------------------------------------------------------------------------------------------

    def compile_body(self, stmts: list[ast.stmt]) -> None:
        """Compiles a statement list; statements after a possible early exit run under a guard."""
        for index, stmt in enumerate(stmts):
            self.visit(stmt)
            if isinstance(stmt, (ast.Return, ast.Break, ast.Continue)):
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
        if isinstance(node.targets[0], ast.Tuple) and len(node.targets) == 1:
            value = self.visit(node.value)
            if not isinstance(value, StaticTuple) or len(value.items) != len(node.targets[0].elts):
                self.error(node, "tuple unpacking needs a tuple of the same length", ZygTypeError)
            for target, item in zip(node.targets[0].elts, value.items, strict=True):
                self.assign(target, item)
            return
        value = self.visit(node.value)
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                self.assign_item(target, value)
            else:
                self.assign(target, value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.assign(node.target, self.visit(node.value))

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Subscript):
            current = self.visit(ast.Subscript(node.target.value, node.target.slice, ast.Load(),
                                               lineno=node.lineno, col_offset=node.col_offset))
            self.assign_item(node.target, self.binary(node.op, current, self.visit(node.value)))
            return
        current = self.visit_Name(ast.Name(node.target.id, ast.Load(), lineno=node.lineno,
                                           col_offset=node.col_offset))
        updated = self.binary(node.op, current, self.visit(node.value))
        if is_array(current.type):
            self.check_mutation(node, node.target.id, current)
            if updated.type != current.type:
                self.error(node, f"in-place {type(node.op).__name__} would change the array's type from "
                           f"{python_type_name(current.type)} to {python_type_name(updated.type)}", ZygTypeError)
            self.share_storage(updated, current)  # the same buffer, updated
        self.assign(node.target, updated)

    def assign(self, target: ast.Name, value: SSAValue) -> None:
        if not (is_number(value.type) or is_array(value.type) or isinstance(value, StaticTuple)):
            self.error(target, f"cannot assign a {python_type_name(value.type)}", ZygTypeError)
        if isinstance(value, SSAValue):
            value.name_hint = target.id if target.id.isidentifier() else None
        self.bound_at[target.id] = self.loc(target).line
        self._track_view_name(target.id, value)
        self.scope.set(target.id, value)

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

    def assign_item(self, target: ast.Subscript, value: SSAValue) -> None:
        """`name[index] = value`: rebinds `name` to the updated array (NumPy's in-place update)."""
        if not isinstance(target.value, ast.Name):
            self.error(target, "item assignment to anything but a named array", UnsupportedSyntaxError)
        name = target.value.id
        array = self.visit(target.value)
        if not is_array(array.type):
            self.error(target, f"item assignment to a {python_type_name(array.type)}", ZygTypeError)
        self.check_mutation(target, name, array)
        self.scope.set(name, self.share_storage(self.array_setitem(target, array, value), array))

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
            if other != name and value is array and not other.startswith("."):
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
        if promote(value.type, expected) == expected:
            value = self.convert(value, expected)
        else:
            value = self.zero_of(expected)  # the restart after this build fixes the type
        self.scope.set(RET_VALUE, value)
        self.scope.set(RET_FLAG, self.const(True))

    def visit_Break(self, node: ast.Break) -> None:
        self.scope.set(self._flag(".brk", node), self.const(True))

    def visit_Continue(self, node: ast.Continue) -> None:
        self.scope.set(self._flag(".cont", node), self.const(True))

    def visit_If(self, node: ast.If) -> None:
        cond = self.truth(self.visit(node.test))
        self.emit_if(cond, node.body, node.orelse)

    def emit_if(self, cond: SSAValue, then_stmts: list[ast.stmt], else_stmts: list[ast.stmt]) -> None:
        """Emits `scf.if` whose results are the variables either branch rebinds."""
        node = self.node
        branches: list[tuple[Block, Scope]] = []
        for stmts in (then_stmts, else_stmts):
            block, scope = Block(), self.scope.fork()
            with self.at(block, scope):
                self.compile_body(stmts)
            branches.append((block, scope))
        (then_block, then_scope), (else_block, else_scope) = branches
        merged: list[str] = []
        for name in dict.fromkeys([*then_scope.values, *else_scope.values]):
            before = self.scope.get(name)
            in_then, in_else = then_scope.get(name), else_scope.get(name)
            if in_then is None or in_else is None:
                if before is None:
                    self.scope.drop(name, self.loc(node))
                continue
            if in_then is before and in_else is before:
                continue
            merged.append(name)
        result_types = [self._join_type(name, then_scope.get(name).type, else_scope.get(name).type, node)
                        for name in merged]
        for block, scope in branches:
            with self.at(block, scope):
                self.emit(scf.YieldOp(*[self.convert(scope.get(n), t) for n, t in zip(merged, result_types)]))
        if_op = self.emit(scf.IfOp(cond, result_types, [then_block], [else_block]))
        for name, result in zip(merged, if_op.results, strict=True):
            self.scope.set(name, self.share_storage(result, then_scope.get(name), else_scope.get(name)))

    def _join_type(self, name: str, a: Attribute, b: Attribute, node: ast.AST) -> Attribute:
        if a == b and not isinstance(a, str):
            return a
        joined = promote(a, b)
        if joined is None or (a != b and I1 in (a, b)):
            self.error(node, f"variable '{name}' is a {python_type_name(a)} on one path and a "
                       f"{python_type_name(b)} on another", ZygTypeError)
        return joined

    def visit_For(self, node: ast.For) -> None:
        if not (isinstance(node.iter, ast.Call) and self.static_value(node.iter.func, quiet=True) is range):
            return self.row_loop(node)
        start, stop, step = self._range_bounds(node.iter)
        trip_count = self._trip_count(start, stop, step)
        uses_flags = self._loop_exits(node)
        self.node = node
        if uses_flags:
            self._emit_while_loop(node, trip_count=trip_count, start=start, step=step, stop=stop)
        else:
            self._emit_for_loop(node, trip_count, start, step, stop)

    def visit_While(self, node: ast.While) -> None:
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
        if _constant_of(bounds[2]) == 0:
            self.error(it.args[2], "range() step must not be zero", ZygError)
        return bounds[0], bounds[1], bounds[2]

    def _trip_count(self, start: SSAValue, stop: SSAValue, step: SSAValue) -> SSAValue:
        """len(range(start, stop, step)) as i64; a zero run-time step gives an empty loop."""
        zero, one = self.const(0), self.const(1)
        step_value = _constant_of(step)
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
        """Variables defined before the loop that its body may rebind."""
        assigned = _assigned_names(node.body, self)
        carried = [name for name in assigned if name in self.scope]
        for name in carried:
            if self.program.is_widened(self.source, node, name):
                self.scope.set(name, self.convert(self.scope.get(name), F64))
        return carried

    def _check_carried(self, node: ast.AST, carried: list[str], initial: list[Attribute]) -> None:
        """Raises if a loop body changed a carried variable's type; widens int to float by restarting."""
        for name, t0 in zip(carried, initial, strict=True):
            t1 = self.scope.get(name).type
            if t1 == t0:
                continue
            if is_array(t0) or is_array(t1):
                self.error(node, f"variable '{name}' changes type inside the loop, from "
                           f"{python_type_name(t0)} to {python_type_name(t1)}; give it one type", ZygTypeError)
            if promote(t0, t1) == F64 and t0 != I1 and t1 != I1 and not name.startswith("."):
                self.program.widen(self.source, node, name)
                raise Restart()
            self.error(node, f"variable '{name}' changes type inside the loop, from "
                       f"{python_type_name(t0)} to {python_type_name(t1)}; give it one type", ZygTypeError)

    def _emit_for_loop(self, node: ast.For, trip_count: SSAValue, start: SSAValue, step: SSAValue,
                       stop: SSAValue) -> None:
        self.loop_stack.append(node)
        carried = self._loop_carried(node)
        inits = [self.scope.get(n) for n in carried]
        types_ = [v.type for v in inits]

        def build(assumed: dict[str, frozenset]) -> tuple[Block, list[SSAValue]]:
            body, scope = Block(arg_types=[I64, *types_]), self.scope.fork()
            with self.at(body, scope):
                for name, arg in zip(carried, body.args[1:]):
                    scope.set(name, arg)
                    self._assume_storage(arg, name, assumed)
                self._bind_induction(node, body.args[0], start, step, stop)
                self._start_iteration(node)
                self.compile_body(node.body)
                self._check_carried(node, carried, types_)
                yielded = [scope.get(n) for n in carried]
                self.emit(scf.YieldOp(*yielded))
            return body, yielded

        body, assumed = self.settle_carried_storage(carried, inits, build)
        self.loop_stack.pop()
        self._forget_body_locals(node, carried)
        loop = self.emit(scf.ForOp(self.const(0), trip_count, self.const(1), inits, body))
        for name, result in zip(carried, loop.results, strict=True):
            self._assume_storage(result, name, assumed)
            self.scope.set(name, result)

    def _assume_storage(self, value: SSAValue, name: str, assumed: dict[str, frozenset]) -> None:
        if name in assumed:
            self.storage[value] = assumed[name]

    def _bind_induction(self, node: ast.For, k: SSAValue, start: SSAValue, step: SSAValue,
                        stop: SSAValue) -> None:
        """Binds the loop variable to start + k * step, noting what is known of its range."""
        k.name_hint = "k"
        rows = self.row_sources.get(id(node))
        if rows is not None:
            self.scope.set(node.target.id, self.array_row(rows, k))
            return
        index = k
        if _constant_of(step) != 1:
            index = self.value(arith.MuliOp(index, step))
        if _constant_of(start) != 0:
            index = self.value(arith.AddiOp(index, start))
        step_value, start_value = _constant_of(step), _constant_of(start)
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
            self.scope.set(self._loop_flag(".cont", loop), self.const(False))

    def _emit_while_loop(self, node: ast.AST, trip_count: SSAValue | None = None,
                         start: SSAValue | None = None, step: SSAValue | None = None,
                         stop: SSAValue | None = None) -> None:
        """A `while` loop, or a `for` loop that can exit early (then with a hidden counter)."""
        is_for = isinstance(node, ast.For)
        counter = f".k{self.loop_ids[id(node)]}"
        if is_for:
            self.scope.set(counter, self.const(0))
        break_flag = self._loop_flag(".brk", node)
        if self._has_jump(node, ast.Break):
            self.scope.set(break_flag, self.const(False))
        self.loop_stack.append(node)
        carried = self._loop_carried(node)
        if is_for:
            carried = [counter, *[n for n in carried if n != counter]]
        inits = [self.scope.get(n) for n in carried]
        types_ = [v.type for v in inits]
        stop_flags = [n for n in carried if n == break_flag or n == RET_FLAG]

        def build(assumed: dict[str, frozenset]) -> tuple[tuple[Block, Block], list[SSAValue]]:
            before, before_scope = Block(arg_types=types_), self.scope.fork()
            with self.at(before, before_scope):
                for name, arg in zip(carried, before.args):
                    before_scope.set(name, arg)
                    self._assume_storage(arg, name, assumed)
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
                for name, arg in zip(carried, after.args):
                    after_scope.set(name, arg)
                    self._assume_storage(arg, name, assumed)
                if is_for:
                    self._bind_induction(node, after_scope.get(counter), start, step, stop)
                self._start_iteration(node)
                if not is_for:
                    self.emit(_progress_barrier())
                self.compile_body(node.body)
                self.node = node
                if is_for:
                    after_scope.set(counter, self.value(arith.AddiOp(after.args[0], self.const(1))))
                self._check_carried(node, carried, types_)
                yielded = [after_scope.get(n) for n in carried]
                self.emit(scf.YieldOp(*yielded))
            return (before, after), yielded

        (before, after), assumed = self.settle_carried_storage(carried, inits, build)
        self.loop_stack.pop()
        self._forget_body_locals(node, carried)
        loop = self.emit(scf.WhileOp(inits, types_, [before], [after]))
        for name, result in zip(carried, loop.results, strict=True):
            self._assume_storage(result, name, assumed)
            self.scope.set(name, result)
        self.scope.drop(counter, None)
        self.scope.drop(break_flag, None)

    def _loop_condition(self, node: ast.AST, trip_count: SSAValue | None) -> SSAValue:
        if isinstance(node, ast.For):
            counter = self.scope.get(f".k{self.loop_ids[id(node)]}")
            return self.value(arith.CmpiOp(counter, trip_count, "slt"))
        return self.truth(self.visit(node.test))

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
        return self._has_jump(loop, ast.Break) or any(isinstance(n, ast.Return) for n in ast.walk(loop))

    def _exit_flags(self, stmt: ast.stmt) -> list[str]:
        """The flags `stmt` may set that end the current statement list early."""
        flags: list[str] = []
        current = self.loop_stack[-1] if self.loop_stack else None
        for n in ast.walk(stmt):
            if isinstance(n, ast.Return) and self.flag_mode and RET_FLAG not in flags:
                flags.append(RET_FLAG)
            elif isinstance(n, (ast.Break, ast.Continue)) and self.loop_of_jump[id(n)] is current:
                flag = self._flag(".brk" if isinstance(n, ast.Break) else ".cont", n)
                if flag not in flags:
                    flags.append(flag)
        return [f for f in flags if f in self.scope]

    # ----------------------------------------------------------------------------------------------
    # Expressions
    # ----------------------------------------------------------------------------------------------

    def visit_Constant(self, node: ast.Constant) -> SSAValue:
        if node.value is None or isinstance(node.value, (str, bytes, complex)):
            self.error(node, f"unsupported constant {node.value!r}", UnsupportedSyntaxError)
        return self.const(node.value)

    def visit_Name(self, node: ast.Name) -> SSAValue:
        value = self.scope.get(node.id)
        if value is not None:
            return value
        if node.id in self.scope.partial:
            self.error(node, f"variable '{node.id}' may be undefined here: it is only assigned on some "
                       f"paths or inside a loop ({self.scope.partial[node.id]})")
        return self.static_to_value(node, self.static_value(node))

    def visit_Attribute(self, node: ast.Attribute) -> SSAValue:
        if self.is_local(node.value):
            return self.array_attribute(node, self.visit(node.value))
        return self.static_to_value(node, self.static_value(node))

    def is_local(self, node: ast.AST) -> bool:
        """Whether `node` computes a value (not a module or function known at compile time)."""
        if isinstance(node, ast.Name):
            return node.id in self.scope or node.id in self.scope.partial
        if isinstance(node, ast.Attribute):
            return self.is_local(node.value)
        return True

    def array_attribute(self, node: ast.Attribute, x: SSAValue) -> SSAValue:
        if not is_array(x.type):
            self.error(node, f"attribute '{node.attr}' of a {python_type_name(x.type)}", UnsupportedSyntaxError)
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

    def visit_Tuple(self, node: ast.Tuple) -> StaticTuple:
        return StaticTuple(tuple(self.visit(elt) for elt in node.elts))

    def visit_List(self, node: ast.List) -> StaticTuple:
        """A list literal, which the fence allows only as a call argument (`np.array([a, b])`)."""
        return StaticTuple(tuple(self.visit(elt) for elt in node.elts))

    def visit_Subscript(self, node: ast.Subscript) -> SSAValue:
        base = self.visit(node.value)
        if isinstance(base, StaticTuple):
            index = self.static_argument(node.slice)
            if not isinstance(index, int) or not -len(base.items) <= index < len(base.items):
                self.error(node, f"tuple index {index!r} out of range or not known at compile time", ZygTypeError)
            return base.items[index]
        if not is_array(base.type):
            self.error(node, f"indexing a {python_type_name(base.type)}", ZygTypeError)
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

    def static_to_value(self, node: ast.AST, obj: object) -> SSAValue:
        if isinstance(obj, (bool, int, float)):
            return self.const(obj)
        self.error(node, f"'{ast.unparse(node)}' is a {type(obj).__name__}, not a number zyg can use "
                   "as a value", ZygTypeError)

    def static_value(self, node: ast.AST, quiet: bool = False) -> object:
        """The Python object a global, closure variable, builtin or `module.attr` names."""
        if isinstance(node, ast.Attribute):
            base = self.static_value(node.value, quiet)
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
            found, obj = self.program.dependencies.name(self.fn, node.id)
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
        if isinstance(lhs, StaticTuple) or isinstance(rhs, StaticTuple):
            self.error(None, "arithmetic on tuples is not supported", UnsupportedSyntaxError)
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
        table = _FLOAT_BINOPS if common == F64 else _INT_BINOPS
        op_class = table.get(type(op))
        if op_class is None:
            self.error(None, f"unsupported operator {type(op).__name__} on {python_type_name(common)}s",
                       UnsupportedSyntaxError)
        if op_class in (zyg.FloorDivOp, zyg.ModOp) and common == I64:
            divisor = _constant_of(rhs)
            if divisor == 0:
                self.error(None, "integer division or modulo by zero", ZygError)
            if divisor is None:
                nonzero = self.value(arith.CmpiOp(self.convert(rhs, I64), self.const(0), "ne"))
                self.check(nonzero, "ZeroDivisionError", "integer division or modulo by zero")
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
            k = _constant_of(exponent)
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

    def _short_circuit(self, is_and: bool, lhs: SSAValue, rhs_node: ast.expr) -> SSAValue:
        cond = self.truth(lhs)
        rhs_block, lhs_block = Block(), Block()
        with self.at(rhs_block, self.scope.fork()):
            rhs = self.visit(rhs_node)
        common = promote(lhs.type, rhs.type)
        if common is None:
            self.error(rhs_node, "operands of and/or have incompatible types", ZygTypeError)
        with self.at(rhs_block, self.scope.fork()):
            self.emit(scf.YieldOp(self.convert(rhs, common)))
        with self.at(lhs_block, self.scope.fork()):
            self.emit(scf.YieldOp(self.convert(lhs, common)))
        blocks = [rhs_block, lhs_block] if is_and else [lhs_block, rhs_block]
        return self.share_storage(self.emit(scf.IfOp(cond, [common], [blocks[0]], [blocks[1]])).results[0], lhs, rhs)

    def visit_IfExp(self, node: ast.IfExp) -> SSAValue:
        cond = self.truth(self.visit(node.test))
        blocks, values = [], []
        for branch in (node.body, node.orelse):
            block = Block()
            with self.at(block, self.scope.fork()):
                values.append(self.visit(branch))
            blocks.append(block)
        common = self._join_type("<conditional expression>", values[0].type, values[1].type, node)
        for block, v in zip(blocks, values):
            with self.at(block, self.scope.fork()):
                self.emit(scf.YieldOp(self.convert(v, common)))
        return self.share_storage(self.emit(scf.IfOp(cond, [common], [blocks[0]], [blocks[1]])).results[0], *values)

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
        callee = self.static_value(node.func)
        handler = _numpy_handler(callee)  # before user functions: many NumPy functions are Python
        if handler is not None:
            prefix = getattr(handler, "static_prefix", 0)
            args = self.handler_arguments(handler, node.args[prefix:], prefix)
            return handler(self, node, args, {kw.arg: kw.value for kw in node.keywords})
        if isinstance(callee, types.FunctionType):
            return self.call_user_function(node, callee)
        if not _is_supported_callee(callee):  # before the arguments, which may not be numbers
            self.error(node, f"call to unsupported function '{_callee_name(callee)}'", UnsupportedSyntaxError)
        if node.keywords:
            self.error(node, f"keyword arguments to {_callee_name(callee)}", UnsupportedSyntaxError)
        args = [self.visit(a) for a in node.args]
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

    def call_method(self, node: ast.Call) -> SSAValue:
        """`x.sum(axis=0)` and other array methods: the NumPy function with `x` first."""
        from zyg.frontend.numpy_functions import ARRAY_METHODS

        receiver = self.visit(node.func.value)
        name = node.func.attr
        if not is_array(receiver.type):
            self.error(node, f"method '{name}' of a {python_type_name(receiver.type)}", UnsupportedSyntaxError)
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
        if not is_number(v.type):
            self.error(node, f"expected a number, got a {python_type_name(v.type)}", ZygTypeError)
        return self.convert(v, F64) if v.type == F32 else v

    def call_user_function(self, node: ast.Call, callee: types.FunctionType) -> SSAValue:
        code = callee.__code__
        params = list(code.co_varnames[: code.co_argcount])
        if len(node.args) > len(params):
            self.error(node, f"{callee.__name__}() takes {len(params)} arguments, got {len(node.args)}",
                       ZygTypeError)
        bound: dict[str, SSAValue] = {p: self.visit(a) for p, a in zip(params, node.args)}
        for kw in node.keywords:
            if kw.arg not in params or kw.arg in bound:
                self.error(node, f"{callee.__name__}() got an unexpected or repeated argument '{kw.arg}'",
                           ZygTypeError)
            bound[kw.arg] = self.visit(kw.value)
        defaults = callee.__defaults__ or ()
        for index, p in enumerate(params):
            if p in bound:
                continue
            default_index = index - (len(params) - len(defaults))
            if default_index < 0:
                self.error(node, f"{callee.__name__}() is missing the argument '{p}'", ZygTypeError)
            bound[p] = self.static_to_value(node, defaults[default_index])
        args = [bound[p] for p in params]
        self.node = node
        info = self.program.compile_function(callee, [a.type for a in args], self.loc(node))
        call = self.emit(func.CallOp(info.symbol, args, result_types(info.return_type)))
        # NumPy would hand back the very argument (or a view of it) where the callee returns one.
        may_return = [a for index, a in enumerate(args) if info.aliased_args is None or index in info.aliased_args]
        for result in call.results:
            self.share_storage(result, result, *may_return)
        if isinstance(info.return_type, tuple):
            return StaticTuple(tuple(call.results))
        return call.results[0]


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
    if isinstance(x, StaticTuple):
        return cg.const(len(x.items))
    if not is_array(x.type) or rank_of(x.type) == 0:
        cg.error(node, f"len() of a {python_type_name(x.type)}", ZygTypeError)
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


def _progress_barrier() -> llvm.InlineAsmOp:
    """An empty `asm volatile("")`, emitted once per iteration of a `while` loop: an op with side
    effects, so neither xDSL's nor MLIR's DCE erases a loop whose results are unused (they treat a
    loop of pure ops as removable even if it may never end, and Python runs it). No instruction;
    `for` loops over `range` always end and get none."""
    return llvm.InlineAsmOp("", "", [], has_side_effects=True)


def _constant_of(v: SSAValue) -> int | float | None:
    """The value of an `arith.constant`, or None."""
    op = v.owner
    if isinstance(op, arith.ConstantOp) and isinstance(op.value, (IntegerAttr, FloatAttr)):
        return op.value.value.data
    return None


def _always_returns(stmts: list[ast.stmt]) -> bool:
    """Whether every path through `stmts` ends in a `return` (conservative)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    return isinstance(last, ast.Return)


def _assigned_names(stmts: list[ast.stmt], cg: FunctionCodegen) -> list[str]:
    """Every variable (and control flag) the statements may rebind, in first-seen order."""
    names: dict[str, None] = {}
    for stmt in stmts:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                names[n.id] = None
            elif isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name):
                names[n.value.id] = None  # `y[i] = v` rebinds y to the updated array
            elif isinstance(n, ast.Return):
                names[RET_FLAG] = None
                names[RET_VALUE] = None
            elif isinstance(n, ast.Break):
                names[cg._flag(".brk", n)] = None
            elif isinstance(n, ast.Continue):
                names[cg._flag(".cont", n)] = None
            elif isinstance(n, (ast.For, ast.While)):
                names[f".k{cg.loop_ids[id(n)]}"] = None
    return list(names)


def _result_type(value) -> Attribute | tuple:
    """The return type a returned value gives its function (a tuple of types for a tuple)."""
    return tuple(item.type for item in value.items) if isinstance(value, StaticTuple) else value.type
