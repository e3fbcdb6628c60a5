"""Frontend driver: one Python entry function and everything it calls -> one xDSL module.

In: a Python function and the IR types of its arguments. Out: a `Program` whose `module` holds one
private `func.func` per (function, argument-type signature) reachable from the entry, each compiled
once, and the entry's `FunctionInfo`.

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

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute

from zyg.errors import SourceLoc, ZygError, ZygTypeError
from zyg.frontend.codegen import FunctionCodegen, Restart
from zyg.frontend.dependencies import Dependencies
from zyg.frontend.fence import check_supported
from zyg.frontend.source import FunctionSource, get_source
from zyg.frontend.types import F64, I64, type_code

_MAX_ROUNDS = 16


@dataclass(frozen=True)
class FunctionInfo:
    """A compiled specialisation: its symbol and IR signature."""

    symbol: str
    arg_types: tuple[Attribute, ...]
    return_type: Attribute | tuple[Attribute, ...]  # a tuple for a function that returns a tuple
    # the arguments its results may be (or view), for the alias checks; None while it is being compiled
    aliased_args: frozenset[int] | None = None


@dataclass
class _Assumptions:
    """What earlier rounds learnt; survives a restart."""

    return_types: dict[tuple, Attribute] = field(default_factory=dict)
    widened: set[tuple] = field(default_factory=set)


class Program:
    """The module under construction and the specialisations compiled into it."""

    def __init__(self, assumptions: _Assumptions, dependencies: Dependencies):
        self.module = ModuleOp([])
        self.assumptions = assumptions
        self.dependencies = dependencies
        self.functions: dict[tuple, FunctionInfo] = {}
        self.in_progress: dict[tuple, str] = {}
        self.assumption_used: set[tuple] = set()
        self.symbols: set[str] = set()

    def compile_function(self, fn: types.FunctionType, arg_types: list[Attribute],
                         call_loc: SourceLoc | None = None) -> FunctionInfo:
        """Compiles `fn` at `arg_types` (once) and returns its symbol and signature."""
        key = (fn, tuple(arg_types))
        if key in self.functions:
            return self.functions[key]
        if key in self.in_progress:  # recursion: its return type is not known yet
            return FunctionInfo(self.in_progress[key], tuple(arg_types), self.assumed_return_type(fn, arg_types))
        source = _parsed_source(fn, call_loc)
        self.dependencies.source(fn)
        symbol = self._symbol_for(fn, arg_types)
        self.in_progress[key] = symbol
        codegen = FunctionCodegen(self, fn, source, list(arg_types), symbol)
        op = codegen.build()
        del self.in_progress[key]
        self.module.body.block.add_op(op)
        outputs = op.function_type.outputs.data
        info = FunctionInfo(symbol, tuple(arg_types), outputs[0] if len(outputs) == 1 else tuple(outputs),
                            codegen.aliased_args)
        self.functions[key] = info
        return info

    def assumed_return_type(self, fn: types.FunctionType, arg_types: list[Attribute]) -> Attribute:
        key = (fn, tuple(arg_types))
        self.assumption_used.add(key)
        guess = F64 if F64 in arg_types else I64
        return self.assumptions.return_types.get(key, guess)

    def settle_return_type(self, fn: types.FunctionType, arg_types: list[Attribute],
                           actual: Attribute) -> Attribute:
        """Records `fn`'s inferred return type; restarts if code was built on a different guess."""
        key = (fn, tuple(arg_types))
        used = key in self.assumption_used
        previous = self.assumed_return_type(fn, arg_types) if used else None
        self.assumptions.return_types[key] = actual
        if used and previous != actual:
            raise Restart()
        return actual

    def widen(self, source: FunctionSource, loop: ast.AST, name: str) -> None:
        self.assumptions.widened.add((source.filename, loop.lineno, loop.col_offset, name))

    def is_widened(self, source: FunctionSource, loop: ast.AST, name: str) -> bool:
        return (source.filename, loop.lineno, loop.col_offset, name) in self.assumptions.widened

    def _symbol_for(self, fn: types.FunctionType, arg_types: list[Attribute]) -> str:
        base = fn.__qualname__.replace("<locals>.", "").replace("<lambda>", "lambda")
        base = re.sub(r"[^A-Za-z0-9_]", "_", base)
        symbol = "_".join([base, *(type_code(t) for t in arg_types)])
        unique, n = symbol, 1
        while unique in self.symbols:
            unique, n = f"{symbol}_{n}", n + 1
        self.symbols.add(unique)
        return unique


def _parsed_source(fn: types.FunctionType, call_loc: SourceLoc | None) -> FunctionSource:
    source = get_source(fn, call_loc)
    check_supported(source)
    return source


def build_program(fn: types.FunctionType, arg_types: list[Attribute],
                  dependencies: Dependencies | None = None) -> tuple[ModuleOp, FunctionInfo]:
    """Compiles `fn` and its callees at `arg_types` into a fresh module, recording what it reads from
    the rest of the program into `dependencies` when given.

    Raises:
        ZygError: for any unsupported construct or type problem, at the user's file:line.
    """
    assumptions = _Assumptions()
    dependencies = dependencies if dependencies is not None else Dependencies(fn)
    for _ in range(_MAX_ROUNDS):
        program = Program(assumptions, dependencies)
        try:
            info = program.compile_function(fn, arg_types)
        except Restart:
            continue
        return program.module, info
    raise ZygTypeError(f"could not settle the types of '{fn.__qualname__}' and its callees")


__all__ = ["FunctionInfo", "Program", "build_program", "ZygError"]
