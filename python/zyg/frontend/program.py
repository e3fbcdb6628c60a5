"""Frontend driver: one Python entry function and everything it calls -> one xDSL module.

In: a Python function and the trees of its arguments (`zyg.frontend.trees`: structure and leaf type
codes). Out: a `Program` whose `module` holds one private `func.func` per (function, argument trees)
reachable from the entry, each compiled once, taking and returning the flattened leaves, and the
entry's `FunctionInfo`.

Return types and loop-variable types are inferred by assumption and correction: a recursive call
before its function's return type is known uses a guess; an int loop variable that becomes a float
is widened. When an assumption proves wrong the whole program is rebuilt with the corrected one, which
converges in a few rounds because corrections only ever move up the promotion order.
"""

from __future__ import annotations

import ast
import re
import types
from dataclasses import dataclass, field

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute

from zyg.dialects import ad
from zyg.dialects.zyg_arrays import StackCheckOp
from zyg.errors import SourceLoc, ZygError, ZygTypeError
from zyg.frontend.closures import NestedFunction
from zyg.frontend.codegen import FunctionCodegen, Restart
from zyg.frontend.custom_rules import compile_jvp_rule, compile_with_rule
from zyg.frontend.dependencies import Dependencies, FreeData
from zyg.frontend.fence import check_supported
from zyg.frontend.host_calls import HOST_ARRAYS_FUNCTION, HOST_FUNCTION, PTR
from zyg.frontend.source import FunctionSource, get_source
from zyg.frontend.trees import LEAF, TreeDef, leaf
from zyg.frontend.types import I64, leaf_types
from zyg.host import HostSite
from zyg.rules import Rule

_MAX_ROUNDS = 16


@dataclass(frozen=True)
class FunctionInfo:
    """A compiled specialisation: its symbol, the trees of its arguments and of its result."""

    symbol: str
    arg_trees: tuple[TreeDef, ...]
    return_tree: TreeDef
    # the leaves of the arguments its result may be (or view), for the alias checks; None while it is
    # being compiled (recursion)
    aliased_args: frozenset[int] | None = None
    # the free data it reads (globals and closure variables holding arrays), taken after the arguments
    free: tuple[FreeData, ...] = ()

    @property
    def arg_types(self) -> list[Attribute]:
        """The IR types of the function's arguments: every argument's leaves, in order, then the
        leaves of the free data it reads."""
        return leaf_types(*self.arg_trees, *(data.tree for data in self.free))

    @property
    def free_trees(self) -> tuple[TreeDef, ...]:
        return tuple(data.tree for data in self.free)

    @property
    def arg_leaf_count(self) -> int:
        """How many of `arg_types` are the arguments' own leaves."""
        return sum(tree.leaf_count for tree in self.arg_trees)

    @property
    def result_types(self) -> list[Attribute]:
        return leaf_types(self.return_tree)


@dataclass
class _Assumptions:
    """What earlier rounds learnt; survives a restart."""

    return_types: dict[tuple, TreeDef] = field(default_factory=dict)
    widened: set[tuple] = field(default_factory=set)
    carried_strs: dict[tuple, TreeDef] = field(default_factory=dict)
    free: dict[tuple, tuple[FreeData, ...]] = field(default_factory=dict)  # a function -> its free data
    unrolled: set[tuple] = field(default_factory=set)  # loops whose carried structures change
    tried_returns: dict[tuple, list[TreeDef]] = field(default_factory=dict)  # return guesses that failed
    growable: dict[tuple, str] = field(default_factory=dict)  # (loop, name) -> item code of a grown list
    dispatched: dict[tuple, list[TreeDef]] = field(default_factory=dict)  # (loop, name) -> candidate functions


class Program:
    """The module under construction and the specialisations compiled into it."""

    def __init__(self, assumptions: _Assumptions, dependencies: Dependencies):
        self.module = ModuleOp([])
        self.assumptions = assumptions
        self.dependencies = dependencies
        self.functions: dict[tuple, FunctionInfo] = {}
        self.in_progress: dict[tuple, str] = {}  # the functions being compiled, callers first
        self.recursive: set[str] = set()  # the functions on a cycle of calls, each checks the stack depth
        self.assumption_used: set[tuple] = set()
        self.symbols: set[str] = set()
        self.host_sites: list[HostSite] = []  # the host calls, in the order of their site numbers
        self.host_entries: set[str] = set()  # the runtime's host-call entries declared
        self.strings: list[str] = []  # str constants compared with str read at run time, by number
        self.catch_classes: list[type] = []  # the classes `except` clauses name: a host error's status has a bit each

    def compile_function(self, fn: types.FunctionType, arg_trees: list[TreeDef],
                         call_loc: SourceLoc | None = None, caller: object = None) -> FunctionInfo:
        """Compiles `fn` at `arg_trees` (once) and returns its symbol and signature. A function with a
        reverse rule (`zyg.rules`) is its rule (`zyg.frontend.custom_rules`), except where `caller`, the
        compile key of the calling function, is part of that rule: there it is its own body."""
        rule = None if isinstance(fn, NestedFunction) else self.dependencies.rule(fn)
        uses_rule = rule is not None and rule.forward is not None and not _inside(rule, caller)
        key = (rule if uses_rule else fn, tuple(arg_trees))
        if key in self.functions:
            return self.functions[key]
        if key in self.in_progress:  # recursion: its return type and free data are not known yet
            keys = list(self.in_progress)
            self.recursive.update(self.in_progress[k] for k in keys[keys.index(key):])
            return FunctionInfo(self.in_progress[key], tuple(arg_trees), self.assumed_return_type(fn, arg_trees),
                                free=self.assumptions.free.get(key, ()))
        if uses_rule:
            return self._compile_rule(fn, rule, key, arg_trees)
        if isinstance(fn, NestedFunction):  # defined in compiled code: its definer's source was recorded
            source = fn.source
            check_supported(source, nested=True)
        else:
            source = _parsed_source(fn, call_loc)
            self.dependencies.source(fn)
        symbol = self._symbol_for(fn, arg_trees)
        self.in_progress[key] = symbol
        codegen = FunctionCodegen(self, fn, source, list(arg_trees), symbol)
        op = codegen.build()
        del self.in_progress[key]
        if symbol in self.recursive:  # deep recursion raises RecursionError, not a segfault
            check = StackCheckOp(getattr(source.node, "name", "<lambda>"))
            check.location = op.location
            op.body.block.insert_op_before(check, op.body.block.first_op)
        self.module.body.block.add_op(op)
        free = tuple(codegen.free_data.values())
        if key in self.assumption_used and self.assumptions.free.get(key, ()) != free:
            self.assumptions.free[key] = free  # a recursive call passed other free data
            raise Restart()
        self.assumptions.free[key] = free
        info = FunctionInfo(symbol, tuple(arg_trees), codegen.return_tree, codegen.aliased_args, free)
        self.functions[key] = info
        if rule is not None and rule.jvp is not None:
            compile_jvp_rule(self, rule, info, op)
        return info

    def _compile_rule(self, fn: types.FunctionType, rule: Rule, key: tuple, arg_trees: list[TreeDef]) -> FunctionInfo:
        """Compiles `fn` at `arg_trees` as its reverse rule (`compile_with_rule`), once."""
        symbol = self._symbol_for(fn, arg_trees)
        self.in_progress[key] = symbol
        info, primal = compile_with_rule(self, fn, rule, arg_trees, symbol)
        del self.in_progress[key]
        self.settle_return_type(fn, arg_trees, info.return_tree)
        self.assumptions.free[key] = info.free
        self.functions[key] = info
        if rule.jvp is not None:
            compile_jvp_rule(self, rule, info, primal)
        return info

    def add_host_site(self, site: HostSite, with_arrays: bool) -> int:
        """Numbers a host call (`zyg.frontend.host_calls`); the first of each kind declares the runtime's
        entry for it."""
        name, inputs = (HOST_ARRAYS_FUNCTION, [I64, PTR, ad.TapeType()]) if with_arrays else (HOST_FUNCTION, [I64, PTR])
        if name not in self.host_entries:
            self.host_entries.add(name)
            self.module.body.block.add_op(func.FuncOp.external(name, inputs, [I64]))
        self.host_sites.append(site)
        return len(self.host_sites) - 1

    def string_number(self, text: str) -> int:
        """The number of str constant `text` in the string table of the module's host calls."""
        if text not in self.strings:
            self.strings.append(text)
        return self.strings.index(text)

    def free_data(self, fn: types.FunctionType, name: str, key: tuple, tree: TreeDef) -> FreeData:
        """Records that `fn` reads free data `name` (of structure `tree`)."""
        record = self.dependencies.data(fn, name)
        return FreeData(key, name, tree, record)

    def assumed_return_type(self, fn: types.FunctionType, arg_trees: list[TreeDef]) -> TreeDef:
        """What a call of `fn` at `arg_trees` returns, or a guess while it is being compiled."""
        key = (fn, tuple(arg_trees))
        self.assumption_used.add(key)
        codes = [code for tree in arg_trees for code in tree.leaf_codes()]
        guess = leaf("f64" if "f64" in codes else "i64")
        return self.assumptions.return_types.get(key, guess)

    def settle_return_type(self, fn: types.FunctionType, arg_trees: list[TreeDef],
                           actual: TreeDef) -> TreeDef:
        """Records `fn`'s inferred return type; restarts if code was built on a different guess."""
        key = (fn, tuple(arg_trees))
        used = key in self.assumption_used
        previous = self.assumed_return_type(fn, arg_trees) if used else None
        self.assumptions.return_types[key] = actual
        if used and previous != actual:
            raise Restart()
        return actual

    def retry_return_guess(self, fn: types.FunctionType, arg_trees: list[TreeDef], returned: list[TreeDef]) -> None:
        """After the returns of `fn` disagreed: if a recursive call used a guess of its return type,
        restarts with the next return tree not tried yet as the guess (else the error stands)."""
        key = (fn, tuple(arg_trees))
        if key not in self.assumption_used:
            return
        tried = self.assumptions.tried_returns.setdefault(key, [self.assumed_return_type(fn, arg_trees)])
        for tree in returned:
            if tree not in tried:
                tried.append(tree)
                self.assumptions.return_types[key] = tree
                raise Restart()

    def widen(self, source: FunctionSource, loop: ast.AST, name: str, leaf_index: int) -> None:
        """Remembers that leaf `leaf_index` of `name`, an int before `loop`, becomes a float in it."""
        self.assumptions.widened.add((source.filename, loop.lineno, loop.col_offset, name, leaf_index))

    def is_widened(self, source: FunctionSource, loop: ast.AST, name: str, leaf_index: int) -> bool:
        return (source.filename, loop.lineno, loop.col_offset, name, leaf_index) in self.assumptions.widened

    def unroll(self, source: FunctionSource, loop: ast.AST) -> None:
        """Remembers that `loop`, over a constant range, changes a carried structure (grows a list):
        it is compiled once per iteration."""
        self.assumptions.unrolled.add((source.filename, loop.lineno, loop.col_offset))

    def grow(self, source: FunctionSource, loop: ast.AST, name: str, code: str) -> None:
        """Remembers that `loop` appends items of type code `code` to list `name` a run-time number of
        times: the list is a growable one from before the loop."""
        self.assumptions.growable[(source.filename, loop.lineno, loop.col_offset, name)] = code

    def growable(self, source: FunctionSource, loop: ast.AST, name: str) -> str | None:
        return self.assumptions.growable.get((source.filename, loop.lineno, loop.col_offset, name))

    def carry_strs(self, source: FunctionSource, loop: ast.AST, name: str, tree: TreeDef) -> None:
        """Remembers that `loop` assigns variable `name` str other than the one it holds before: from
        before the loop it has structure `tree`, its str known at run time (`join_strs`)."""
        self.assumptions.carried_strs[(source.filename, loop.lineno, loop.col_offset, name)] = tree

    def carried_strs(self, source: FunctionSource, loop: ast.AST, name: str) -> TreeDef | None:
        return self.assumptions.carried_strs.get((source.filename, loop.lineno, loop.col_offset, name))

    def dispatch_in_loop(self, source: FunctionSource, loop: ast.AST, name: str, candidates: list[TreeDef]) -> None:
        """Remembers that `loop` assigns function variable `name` other functions: it is a function
        chosen at run time among `candidates` (trees) from before the loop."""
        key = (source.filename, loop.lineno, loop.col_offset, name)
        known = self.assumptions.dispatched.setdefault(key, [])
        known += [tree for tree in candidates if tree not in known]

    def dispatched(self, source: FunctionSource, loop: ast.AST, name: str) -> list[TreeDef] | None:
        return self.assumptions.dispatched.get((source.filename, loop.lineno, loop.col_offset, name))

    def is_unrolled(self, source: FunctionSource, loop: ast.AST) -> bool:
        return (source.filename, loop.lineno, loop.col_offset) in self.assumptions.unrolled

    def _symbol_for(self, fn: types.FunctionType, arg_trees: list[TreeDef]) -> str:
        base = fn.__qualname__.replace("<locals>.", "").replace("<lambda>", "lambda")
        base = re.sub(r"[^A-Za-z0-9_]", "_", base)
        symbol = "_".join([base, *(t.code if t.kind == LEAF else f"{t.kind[0]}{t.leaf_count}" for t in arg_trees)])
        unique, n = symbol, 1
        while unique in self.symbols:
            unique, n = f"{symbol}_{n}", n + 1
        self.symbols.add(unique)
        return unique


def _inside(rule: Rule, caller: object) -> bool:
    """Whether `caller` (a compile key) is one of `rule`'s functions or defined inside one."""
    root = caller.outer if isinstance(caller, NestedFunction) else caller
    return any(root is g for g in rule.functions)


def _parsed_source(fn: types.FunctionType, call_loc: SourceLoc | None) -> FunctionSource:
    source = get_source(fn, call_loc)
    check_supported(source)
    return source


def build_program(fn: types.FunctionType, arg_trees: list[TreeDef], dependencies: Dependencies | None = None,
                  host_sites: list[HostSite] | None = None, strings: list[str] | None = None,
                  catch_classes: list[type] | None = None) -> tuple[ModuleOp, FunctionInfo]:
    """Compiles `fn` and its callees at `arg_trees` into a fresh module, recording what it reads from
    the rest of the program into `dependencies` when given, its host calls into `host_sites`, the
    str constants they compare with into `strings` and the classes its `except` clauses name into
    `catch_classes`.

    Raises:
        ZygError: for any unsupported construct or type problem, at the user's file:line.
    """
    assumptions = _Assumptions()
    dependencies = dependencies if dependencies is not None else Dependencies(fn)
    for _ in range(_MAX_ROUNDS):
        program = Program(assumptions, dependencies)
        try:
            info = program.compile_function(fn, arg_trees)
        except Restart:
            continue
        if host_sites is not None:
            host_sites[:] = program.host_sites
        if strings is not None:
            strings[:] = program.strings
        if catch_classes is not None:
            catch_classes[:] = program.catch_classes
        return program.module, info
    raise ZygTypeError(f"could not settle the types of '{fn.__qualname__}' and its callees")


__all__ = ["FunctionInfo", "Program", "build_program", "ZygError"]
