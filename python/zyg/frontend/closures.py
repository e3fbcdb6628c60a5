"""Closures: `lambda` and nested `def` inside compiled code (issue 12).

A closure is a compile-time tree like any container (`zyg.frontend.trees`, kind CLOSURE): its class
is a `NestedFunction` (the code), its items are the values it captures from the function that
defines it (its keys name them), then its default arguments (keys `=name`). So a closure costs
nothing at run time: calling it calls the nested function's compiled code with the captured values
as hidden arguments, and it flows through branches, loops, calls, returns and containers as any
structure does.

Python's closures read their variables late, when they run. Where the defining function may assign
a captured variable after creating the closure (later in the code, or in a loop around it), the
closure is *late*: the defining function's compile knows each variable's value at each point, so it
refreshes the closure's captured values from its variables wherever the closure is called or leaves
them (`current`: calls, returns, branch merges, loop carries). A late closure of this function that
comes back from another activation of it (recursion) is rejected, never approximated.

A closure that assigns a `nonlocal` variable returns its new value with its result, and the call
rebinds the variable; such a closure is called only in the function that defines it.
"""

from __future__ import annotations

import ast
import types
from collections import deque
from collections.abc import Iterator

from zyg.errors import UnsupportedSyntaxError, ZygTypeError
from zyg.frontend.source import FunctionSource
from zyg.frontend.trees import CLOSURE, TUPLE, Static, Struct

FUNCTION_NODES = (ast.Lambda, ast.FunctionDef)
DEFAULT_PREFIX = "="  # keys of a closure's default arguments: `=k` (no variable is named so)


def own_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk(node)` (breadth first) without the bodies of the functions and lambdas defined inside
    `node`, which are scopes of their own; their default values, evaluated where they are defined,
    are included."""
    todo = deque([node])
    while todo:
        n = todo.popleft()
        yield n
        if n is not node and isinstance(n, FUNCTION_NODES):
            todo.extend([*n.args.defaults, *(d for d in n.args.kw_defaults if d is not None)])
            continue
        todo.extend(ast.iter_child_nodes(n))


def statement_nodes(stmt: ast.stmt) -> Iterator[ast.AST]:
    """`own_nodes` of a statement: a `def` statement is the definition, not its body."""
    return own_nodes(ast.Module(body=[stmt], type_ignores=[]))


class NestedFunction:
    """A `lambda` or nested `def` of a compiled function.

    Attributes:
        definer: the compile key of the function that defines it (a Python function or a
            `NestedFunction`).
        outer: the Python function whose globals and closure cells its other free names read.
        root: the source of `outer`, which holds this function's node.
        source: its own source (its node, absolute positions).
        captured: the definer's variables it reads (its own name excluded), in Python's order.
        nonlocals: the captured variables it assigns.
        late: whether the definer may assign a captured variable after creating it.
    """

    def __init__(self, definer: object, outer: types.FunctionType, root: FunctionSource, node: ast.Lambda | ast.FunctionDef,
                 captured: tuple[str, ...], nonlocals: tuple[str, ...], late: bool):
        self.definer, self.outer, self.root = definer, outer, root
        self.source = FunctionSource(node, root.filename, root.col_shift)
        self.captured, self.nonlocals, self.late = captured, nonlocals, late
        name = node.name if isinstance(node, ast.FunctionDef) else "<lambda>"
        self.__name__ = name
        self.__qualname__ = f"{getattr(definer, '__qualname__', '?')}.<locals>.{name}"
        self._key = (definer, root.filename, node.lineno, node.col_offset)

    @property
    def node(self) -> ast.Lambda | ast.FunctionDef:
        return self.source.node

    @property
    def parameters(self) -> list[str]:
        args = self.node.args
        return [a.arg for a in (*args.posonlyargs, *args.args)]

    @property
    def recursive(self) -> bool:
        """Whether a `def` calls itself by its own name."""
        return isinstance(self.node, ast.FunctionDef) and any(
            isinstance(n, ast.Name) and n.id == self.node.name for n in ast.walk(self.node))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NestedFunction) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"<nested function {self.__qualname__}>"


# ------------------------------------------------------------------------------------------------
# What a nested function captures, from the code CPython compiles for its root
# ------------------------------------------------------------------------------------------------

_CODES: dict[int, tuple[ast.AST, list[types.CodeType]]] = {}


def _codes(root: FunctionSource) -> list[types.CodeType]:
    """Every code object CPython compiles for the functions inside `root` (cached per parsed root)."""
    known = _CODES.get(id(root.node))
    if known is not None and known[0] is root.node:
        return known[1]
    node = root.node
    module = ast.Expression(body=node) if isinstance(node, ast.Lambda) else ast.Module(body=[node], type_ignores=[])
    code = compile(module, root.filename, "eval" if isinstance(node, ast.Lambda) else "exec")
    found: list[types.CodeType] = []
    todo = [code]
    while todo:
        c = todo.pop()
        found.append(c)
        todo.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    _CODES[id(node)] = (node, found)
    return found


def captured_names(root: FunctionSource, node: ast.Lambda | ast.FunctionDef) -> tuple[str, ...]:
    """The variables of enclosing functions that `node` (inside `root`) reads or assigns: CPython's
    own answer (the code object's free variables)."""
    name = node.name if isinstance(node, ast.FunctionDef) else "<lambda>"
    candidates = [c for c in _codes(root) if c.co_name == name and c.co_firstlineno == node.lineno]
    if len(candidates) > 1 and isinstance(node, ast.Lambda):  # several lambdas on one line
        column = node.body.col_offset + root.col_shift
        candidates = [c for c in candidates if any(col == column for (_, _, col, _) in c.co_positions())] \
            or candidates
    if len(candidates) != 1:
        raise UnsupportedSyntaxError(f"cannot tell which function is defined at line {node.lineno}",
                                     root.loc(node))
    return candidates[0].co_freevars


def nonlocal_names(node: ast.Lambda | ast.FunctionDef) -> tuple[str, ...]:
    """The names `node` declares `nonlocal` (it assigns them in the enclosing function)."""
    names: dict[str, None] = {}
    for n in own_nodes(node):
        if isinstance(n, ast.Nonlocal):
            names.update(dict.fromkeys(n.names))
    return tuple(names)


def nonlocals_inside(node: ast.AST) -> set[str]:
    """The names any function defined inside `node` (at any depth) declares `nonlocal`."""
    return {name for n in ast.walk(node) if isinstance(n, ast.Nonlocal) for name in n.names}


def assigned_after(definer: ast.AST, node: ast.AST, names: tuple[str, ...]) -> bool:
    """Whether `definer`'s code may assign one of `names` after creating the function `node`: an
    assignment later in the code, or one inside a loop that also holds `node`."""
    wanted = set(names)
    by_calls = bool(wanted & nonlocals_inside(definer))  # a call of a closure may assign them
    position = (node.lineno, node.col_offset)
    loops = [n for n in own_nodes(definer) if isinstance(n, (ast.For, ast.While))
             and any(m is node for m in own_nodes(n))]
    for n in own_nodes(definer):
        if n is node or not (_assigns(n, wanted) or (by_calls and isinstance(n, ast.Call))):
            continue
        if (n.lineno, n.col_offset) > position or any(any(m is n for m in own_nodes(loop)) for loop in loops):
            return True
    return False


def _assigns(n: ast.AST, names: set[str]) -> bool:
    """Whether node `n` (re)binds one of `names`: an assignment, a `def`, or an update of a container
    it holds (`xs.append`, `d[k] = v`)."""
    if isinstance(n, ast.Name):
        return isinstance(n.ctx, ast.Store) and n.id in names
    if isinstance(n, ast.FunctionDef):
        return n.name in names
    if isinstance(n, (ast.Subscript, ast.Attribute)) and isinstance(n.ctx, ast.Store):
        return _root(n) in names
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
        return _root(n.func.value) in names
    return False


def _root(n: ast.AST) -> str | None:
    while isinstance(n, (ast.Subscript, ast.Attribute)):
        n = n.value
    return n.id if isinstance(n, ast.Name) else None


# ------------------------------------------------------------------------------------------------
# Codegen
# ------------------------------------------------------------------------------------------------

class ClosureCodegen:
    """The closure half of `FunctionCodegen` (which provides `visit`, `scope`, `assign`, `error`,
    `call_compiled`, ...)."""

    def visit_Lambda(self, node: ast.Lambda) -> Struct:
        return self.make_closure(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.decorator_list:
            self.error(node.decorator_list[0], "a decorator on a nested function", UnsupportedSyntaxError)
        self.assign(ast.Name(node.name, ast.Store(), lineno=node.lineno, col_offset=node.col_offset),
                    self.make_closure(node))

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        return  # the names are hidden parameters of this function, and results of its calls

    def make_closure(self, node: ast.Lambda | ast.FunctionDef) -> Struct:
        """The closure `node` defines here: the current values of what it captures, and its defaults."""
        args = node.args
        if args.vararg or args.kwarg or args.kwonlyargs:
            self.error(node, "`*args`, `**kwargs` or keyword-only parameters of a nested function",
                       UnsupportedSyntaxError)
        root = self.root_source
        own = node.name if isinstance(node, ast.FunctionDef) else None
        captured = tuple(name for name in captured_names(root, node) if name != own)
        late = assigned_after(self.source.node, node, captured)
        nested = NestedFunction(self.fn, self.globals_fn, root, node, captured, nonlocal_names(node), late)
        defaults = [self.visit(d) for d in args.defaults]
        defaulted = nested.parameters[len(nested.parameters) - len(defaults):]
        items = [self.captured_value(node, name, late) for name in captured]
        return Struct(CLOSURE, [*items, *defaults], [*captured, *(DEFAULT_PREFIX + p for p in defaulted)], nested)

    def captured_value(self, node: ast.AST, name: str, late: bool) -> object:
        """The value of captured variable `name` here; a variable bound only later is None until then
        (a late closure is refreshed before it is used)."""
        value = self.scope.get(name)
        if value is not None:
            return value
        if late:
            return Static(None)
        self.error(node, f"free variable '{name}' referenced before assignment in enclosing scope", ZygTypeError)

    def current(self, value: object, node: ast.AST | None = None) -> object:
        """`value` with each late closure this function defined seeing its variables as they are now."""
        if not isinstance(value, Struct):
            return value
        if value.kind == CLOSURE:
            nested = value.cls
            if not (nested.late and nested.definer == self.fn):
                return value
            count = len(nested.captured)
            items = [self._bound_now(node, name) for name in nested.captured]
            return Struct(CLOSURE, [*items, *value.items[count:]], value.keys, nested)
        items = [self.current(item, node) for item in value.items]
        if all(a is b for a, b in zip(items, value.items)):
            return value
        return Struct(value.kind, items, value.keys, value.cls)

    def _bound_now(self, node: ast.AST | None, name: str) -> object:
        value = self.scope.get(name)
        if value is None:
            self.error(node, f"free variable '{name}' referenced before assignment in enclosing scope",
                       ZygTypeError)
        return value

    def check_foreign_closures(self, node: ast.AST, value: object) -> None:
        """Rejects a late closure of this function that comes from another activation of it (through a
        recursive call): its variables are not the ones in scope here."""
        for nested in _closures(value):
            if nested.late and nested.definer == self.fn:
                self.error(node, f"the closure {nested.__name__} reads variables its function assigns after "
                           "creating it, and a recursive call passes it on; zyg cannot tell whose variables "
                           "it reads", UnsupportedSyntaxError)

    def check_not_escaping(self, node: ast.AST, value: object, how: str) -> None:
        """Rejects passing or returning a closure that assigns `nonlocal` variables."""
        for nested in _closures(value):
            if nested.nonlocals:
                self.error(node, f"the closure {nested.__name__} assigns nonlocal {', '.join(nested.nonlocals)}; "
                           f"zyg calls such a closure only in the function that defines it, not {how}",
                           UnsupportedSyntaxError)

    def call_closure(self, node: ast.Call, closure: Struct) -> object:
        """A call of a closure: its compiled code, with the arguments and the captured values."""
        closure = self.current(closure, node)
        nested: NestedFunction = closure.cls
        if nested.nonlocals and nested.definer != self.fn:
            self.check_not_escaping(node, closure, "in another function")
        args, kwargs = self.call_arguments(node)
        count = len(nested.captured)
        defaults = dict(zip((k[len(DEFAULT_PREFIX):] for k in closure.keys[count:]), closure.items[count:]))
        bound = self._bind_closure(node, nested, args, kwargs, defaults)
        result = self.call_compiled(node, nested, [*bound, *closure.items[:count]])
        if not nested.nonlocals:
            return result
        value, *assigned = result.items
        for name, new in zip(nested.nonlocals, assigned, strict=True):
            self.assign(ast.Name(name, ast.Store(), lineno=node.lineno, col_offset=node.col_offset), new)
        return value

    def _bind_closure(self, node: ast.Call, nested: NestedFunction, args: list, kwargs: dict,
                      defaults: dict) -> list:
        parameters = nested.parameters
        if len(args) > len(parameters):
            self.error(node, f"{nested.__name__}() takes {len(parameters)} positional arguments, got {len(args)}",
                       ZygTypeError)
        bound = dict(zip(parameters, args))
        for key, value in kwargs.items():
            if key not in parameters or key in bound:
                self.error(node, f"{nested.__name__}() got an unexpected or repeated argument '{key}'", ZygTypeError)
            bound[key] = value
        for p in parameters:
            if p not in bound:
                if p not in defaults:
                    self.error(node, f"{nested.__name__}() is missing the argument '{p}'", ZygTypeError)
                bound[p] = defaults[p]
        return [bound[p] for p in parameters]

    def nonlocal_result(self, value: object) -> object:
        """What a nested function that assigns `nonlocal` variables returns: its value and theirs."""
        nested = self.fn
        if not isinstance(nested, NestedFunction) or not nested.nonlocals:
            return value
        return Struct(TUPLE, [value, *(self._bound_now(None, name) for name in nested.nonlocals)])


def _closures(value: object) -> Iterator[NestedFunction]:
    """The nested functions of the closures inside `value`."""
    if isinstance(value, Struct):
        if value.kind == CLOSURE:
            yield value.cls
        for item in value.items:
            yield from _closures(item)


def is_closure(value: object) -> bool:
    return isinstance(value, Struct) and value.kind == CLOSURE


