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
import functools
import types
from collections import deque
from collections.abc import Iterator

from xdsl.dialects import arith
from xdsl.ir import Block, SSAValue

from zyg.errors import UnsupportedSyntaxError, ZygTypeError
from zyg.frontend.arrays import constant_of
from zyg.frontend.functions import is_function
from zyg.frontend.signature import Signature
from zyg.frontend.source import FunctionSource
from zyg.frontend.structs import describe
from zyg.frontend.trees import (
    CLOSURE,
    DISPATCH,
    LIST,
    PARTIAL,
    STATIC,
    TUPLE,
    Static,
    Struct,
    TreeDef,
    is_function_value,
)
from zyg.frontend.types import I64, is_array

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
        own_name: the name it calls itself by (`own_name`), or None.
        nonlocals: the captured variables it assigns.
        late: whether the definer may assign a captured variable after creating it.
    """

    def __init__(self, definer: object, outer: types.FunctionType, root: FunctionSource, node: ast.Lambda | ast.FunctionDef,
                 captured: tuple[str, ...], nonlocals: tuple[str, ...], late: bool, own_name: str | None):
        self.definer, self.outer, self.root, self.own_name = definer, outer, root, own_name
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
    def recursive(self) -> bool:
        """Whether it calls itself by its own name."""
        return self.own_name is not None and any(
            isinstance(n, ast.Name) and n.id == self.own_name for n in ast.walk(self.node))

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
_CODES_KEPT = 64  # parsed roots whose code objects are kept (a compile parses its sources afresh)


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
    if len(_CODES) >= _CODES_KEPT:
        _CODES.pop(next(iter(_CODES)))
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


def own_name(definer: ast.AST, node: ast.Lambda | ast.FunctionDef) -> str | None:
    """The name the function `node` calls itself by, where that is exact: a `def`'s name, or the name
    a lambda is assigned to (`fib = lambda n: ... fib(n - 1)`), if `definer` binds it nowhere else
    (else a call by that name may run another function, and the name is an ordinary captured variable)."""
    if isinstance(node, ast.FunctionDef):
        name, binding = node.name, node
    else:
        binding = next((n for n in own_nodes(definer) if isinstance(n, ast.Assign) and n.value is node
                        and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)), None)
        if binding is None:
            return None
        name = binding.targets[0].id
    others = [n for n in own_nodes(definer) if n is not binding and _assigns(n, {name})
              and not (isinstance(binding, ast.Assign) and n is binding.targets[0])]
    parameters = {a.arg for a in ast.walk(definer.args) if isinstance(a, ast.arg)} if hasattr(definer, "args") else set()
    return None if others or name in parameters or name in nonlocals_inside(definer) else name


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
        root = self.root_source
        own = own_name(self.source.node, node)
        if own is None and isinstance(node, ast.FunctionDef) and node.name in captured_names(root, node):
            self.error(node, f"the function {node.name} calls itself by a name its function binds again elsewhere; "
                       "zyg cannot tell which function a call by that name runs", UnsupportedSyntaxError)
        captured = tuple(name for name in captured_names(root, node) if name != own)
        late = assigned_after(self.source.node, node, captured)
        nested = NestedFunction(self.fn, self.globals_fn, root, node, captured, nonlocal_names(node), late, own)
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        defaulted = positional[len(positional) - len(args.defaults):]
        defaults = [self.visit(d) for d in args.defaults]
        for parameter, d in zip(args.kwonlyargs, args.kw_defaults):
            if d is not None:
                defaulted.append(parameter.arg)
                defaults.append(self.visit(d))
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
        self._unbound(node, name)

    def _unbound(self, node: ast.AST | None, name: str) -> None:
        self.error(node, f"a closure reads the variable '{name}', which is not bound where the closure is used here "
                   "(zyg reads a closure's variables where it is called or passed on, as Python's cells do; a "
                   f"comprehension's variable ends with it): bind the value when the closure is made "
                   f"(`lambda ..., {name}={name}: ...`) or assign '{name}' before", ZygTypeError)

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
            self._unbound(node, name)
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

    def call_closure_with(self, node: ast.Call, closure: Struct, args: list, kwargs: dict) -> object:
        """A call of a closure with the argument values `args` and `kwargs`: its compiled code, with
        them and the captured values."""
        closure = self.current(closure, node)
        nested: NestedFunction = closure.cls
        if nested.nonlocals and nested.definer != self.fn:
            self.check_not_escaping(node, closure, "in another function")
        count = len(nested.captured)
        defaults = dict(zip((k[len(DEFAULT_PREFIX):] for k in closure.keys[count:]), closure.items[count:]))
        bound = self.bind_signature(node, Signature.of_node(nested.node.args, nested.__name__), args, kwargs,
                                    defaults.get)
        result = self.call_compiled(node, nested, [*bound, *closure.items[:count]])
        if not nested.nonlocals:
            return result
        value, *assigned = result.items
        for name, new in zip(nested.nonlocals, assigned, strict=True):
            self.assign(ast.Name(name, ast.Store(), lineno=node.lineno, col_offset=node.col_offset), new)
        return value

    # ----------------------------------------------------------------------------------------------
    # Functions chosen at run time
    # ----------------------------------------------------------------------------------------------

    def dispatch(self, node: ast.AST, selector: SSAValue, candidates: list) -> Struct:
        """The function `candidates[selector]`, `selector` an int known only at run time."""
        for candidate in candidates:
            self.check_not_escaping(node, candidate, "chosen at run time")
        return Struct(DISPATCH, [self.convert(selector, I64), *candidates])

    def dispatch_pair(self, node: ast.AST, a: object, block_a: Block, b: object, block_b: Block) -> tuple[Struct, Struct]:
        """Two different functions `a` and `b` that two branches (`block_a`, `block_b`) give one variable,
        as one function chosen at run time: each branch selects its own; the other's candidates get
        placeholder captured values there, never called."""
        first, second = _candidates(a), _candidates(b)
        placeholders = [self.flat(c)[0] for c in (*first, *second)]
        with self.at(block_a, self.scope.fork()):
            selector = a.items[0] if is_dispatch(a) else self.const(0)
            a = self.dispatch(node, selector, [*first, *(self.zero_tree(t) for t in placeholders[len(first):])])
        with self.at(block_b, self.scope.fork()):
            selector = b.items[0] if is_dispatch(b) else self.const(0)
            selector = self.value(arith.AddiOp(self.convert(selector, I64), self.const(len(first))))
            b = self.dispatch(node, selector, [*(self.zero_tree(t) for t in placeholders[:len(first)]), *second])
        return a, b

    def differing_functions(self, a: object, b: object) -> bool:
        """Whether `a` and `b` are functions of different structure (which a merge makes a dispatch)."""
        return is_function_value(a) and is_function_value(b) and self.flat(a)[0] != self.flat(b)[0]

    def conform_carried_function(self, loop: ast.AST, name: str, value: object) -> object:
        """`value` of function variable `name` as the function chosen at run time that `loop` carries,
        when it does (see `Program.dispatch_in_loop`); one with a candidate not known yet is left as
        it is (the loop's check then adds the candidate and compiles again)."""
        candidates = self.program.dispatched(self.source, loop, name)
        if candidates is None or not is_function_value(value):
            return value
        own = _candidates(value)
        trees = [self.flat(c)[0] for c in own]
        if any(t not in candidates for t in trees) or (is_dispatch(value) and trees == candidates):
            return value
        if len(set(trees)) != len(trees):
            self.error(loop, f"variable '{name}' holds one function with two sets of captured values",
                       UnsupportedSyntaxError)
        chosen = [own[trees.index(t)] if t in trees else self.zero_tree(t) for t in candidates]
        if not is_dispatch(value):
            return self.dispatch(loop, self.const(candidates.index(trees[0])), chosen)
        selector = self.const(candidates.index(trees[-1]))  # each old selector's candidate, at its new place
        for old in range(len(trees) - 2, -1, -1):
            here = self.value(arith.CmpiOp(value.items[0], self.const(old), "eq"))
            selector = self.value(arith.SelectOp(here, self.const(candidates.index(trees[old])), selector))
        return self.dispatch(loop, selector, chosen)

    def call_dispatch(self, node: ast.Call, chosen: Struct, args: list, kwargs: dict) -> object:
        """A call of a function chosen at run time: a chain of `scf.if`s, each calling one candidate
        (the pullback runs the adjoint of the one that ran)."""
        selector, *candidates = chosen.items

        def call(position: int) -> object:
            candidate = candidates[position]
            if position == len(candidates) - 1:
                return self.apply_function(node, candidate, args, kwargs)
            is_here = self.value(arith.CmpiOp(selector, self.const(position), "eq"))
            return self.select_value("the result of a function chosen at run time", is_here,
                                     lambda: self.apply_function(node, candidate, args, kwargs),
                                     lambda: call(position + 1), node)

        return call(0)

    def nonlocal_result(self, value: object) -> object:
        """What a nested function that assigns `nonlocal` variables returns: its value and theirs."""
        nested = self.fn
        if not isinstance(nested, NestedFunction) or not nested.nonlocals:
            return value
        return Struct(TUPLE, [value, *(self._bound_now(None, name) for name in nested.nonlocals)])


def _candidates(value: Struct | Static) -> list:
    return list(value.items[1:]) if is_dispatch(value) else [value]


def is_function_tree(tree: TreeDef) -> bool:
    """Whether `tree` is the tree of a function value (see `is_function_value`)."""
    return (tree.kind == STATIC and is_function(tree.code)) or tree.kind in (CLOSURE, PARTIAL, DISPATCH)


def candidate_trees(tree: TreeDef) -> list[TreeDef]:
    """The trees of the functions a function value's tree may call: its candidates for a dispatch."""
    return list(tree.children[1:]) if tree.kind == DISPATCH else [tree]


def _closures(value: object) -> Iterator[NestedFunction]:
    """The nested functions of the closures inside `value`."""
    if isinstance(value, Struct):
        if value.kind == CLOSURE:
            yield value.cls
        for item in value.items:
            yield from _closures(item)


def is_closure(value: object) -> bool:
    return isinstance(value, Struct) and value.kind == CLOSURE


def is_partial(value: object) -> bool:
    return isinstance(value, Struct) and value.kind == PARTIAL


def is_dispatch(value: object) -> bool:
    return isinstance(value, Struct) and value.kind == DISPATCH



def partial_parts(value: Struct) -> tuple[object, list, dict]:
    """The function, positional arguments and keyword arguments of a `functools.partial`."""
    function, *rest = value.items
    names = value.keys[1:]
    positional = [v for k, v in zip(names, rest) if not k.startswith(DEFAULT_PREFIX)]
    keywords = {k[len(DEFAULT_PREFIX):]: v for k, v in zip(names, rest) if k.startswith(DEFAULT_PREFIX)}
    return function, positional, keywords


# ------------------------------------------------------------------------------------------------
# Builtins that take functions
# ------------------------------------------------------------------------------------------------

def _function_argument(cg, node: ast.Call, value: object, what: str) -> object:
    if is_function_value(value):
        return value
    cg.error(node, f"{what} takes a function, got {describe(value)}", ZygTypeError)


def _map(cg, node: ast.Call) -> Struct:
    """`map(f, xs, ...)` over containers known at compile time: the list of the results (what
    consumes it, `list`, `sum`, `for`..., sees the same values)."""
    if len(node.args) < 2 or node.keywords:
        cg.error(node, "map() takes a function and one or more containers", ZygTypeError)
    function = _function_argument(cg, node, cg.visit(node.args[0]), "map()")
    columns = [cg.static_iteration(a) for a in node.args[1:]]
    length = min(len(c) for c in columns)
    return Struct(LIST, [cg.apply_function(node, function, [c[i] for c in columns], {}) for i in range(length)])


def _filter(cg, node: ast.Call) -> Struct:
    """`filter(f, xs)`: the items whose `f(x)` is true; a list of run-time length where that is known
    only at run time (`kept_items`)."""
    if len(node.args) != 2 or node.keywords:
        cg.error(node, "filter() takes a function and a container", ZygTypeError)
    function = cg.visit(node.args[0])
    candidates = []
    for item in cg.static_iteration(node.args[1]):
        keep = item if isinstance(function, Static) and function.value is None else \
            cg.apply_function(node, _function_argument(cg, node, function, "filter()"), [item], {})
        known = _known_truth(cg, keep)
        if known is False:
            continue
        candidates.append((True if known else cg.truth(keep), item))
    return cg.kept_items(node, candidates)


def _known_truth(cg, value: object) -> bool | None:
    """The truth of `value` where it is known at compile time (a constant number too), else None."""
    if isinstance(value, SSAValue) and not is_array(value.type):
        constant = constant_of(value)
        if constant is not None:
            return bool(constant)
    return cg.known(cg.truth(value))


def _reduce(cg, node: ast.Call) -> object:
    """`functools.reduce(f, xs[, initial])`: the left fold, over a container known at compile time."""
    if not 2 <= len(node.args) <= 3 or node.keywords:
        cg.error(node, "functools.reduce() takes a function, a container and an initial value", ZygTypeError)
    function = _function_argument(cg, node, cg.visit(node.args[0]), "functools.reduce()")
    items = cg.static_iteration(node.args[1])
    if len(node.args) == 3:
        total = cg.visit(node.args[2])
    elif items:
        total, items = items[0], items[1:]
    else:
        cg.error(node, "functools.reduce() of an empty container with no initial value", ZygTypeError)
    for item in items:
        total = cg.apply_function(node, function, [total, item], {})
    return total


def _partial(cg, node: ast.Call) -> Struct:
    """`functools.partial(f, *args, **kwargs)`: a value that calls `f` with them first."""
    if not node.args:
        cg.error(node, "functools.partial() takes a function", ZygTypeError)
    args, kwargs = cg.call_arguments(node)
    function = _function_argument(cg, node, args[0], "functools.partial()")
    bound = args[1:]
    keys = ["function", *map(str, range(len(bound))), *(DEFAULT_PREFIX + k for k in kwargs)]
    return Struct(PARTIAL, [function, *bound, *kwargs.values()], keys)


def _min_max(is_max: bool):
    def build(cg, node: ast.Call) -> object:
        """`max(xs, key=f)` (or of several arguments): the first item whose key is largest, chosen at
        run time among items of one structure; without `key`, the builtin."""
        name = "max" if is_max else "min"
        if not node.keywords:
            return cg.apply_builtin(node, max if is_max else min, cg.elements(node.args))
        args, kwargs = cg.call_arguments(node)
        if set(kwargs) != {"key"} or not args:
            cg.error(node, f"{name}() takes items and a `key` function", ZygTypeError)
        key = _function_argument(cg, node, kwargs["key"], f"{name}()")
        items = cg.sequence_items(node.args[0], args[0]) if len(args) == 1 else args
        if not items:
            cg.error(node, f"{name}() of an empty sequence", ZygTypeError)
        best, best_key = items[0], cg.apply_function(node, key, [items[0]], {})
        for item in items[1:]:
            item_key = cg.apply_function(node, key, [item], {})
            # Python keeps the first of equal keys: the item wins only when its key is strictly better.
            better = cg.compare(ast.Gt() if is_max else ast.Lt(), item_key, best_key)
            best = cg.select_value(f"the item {name}() picks", better, lambda item=item: item,
                                   lambda best=best: best, node)
            best_key = cg.select_value(f"the key {name}() compares", better, lambda k=item_key: k,
                                       lambda k=best_key: k, node)
        return best

    return build


def _sorted(cg, node: ast.Call) -> Struct:
    """`sorted(xs, key=f, reverse=r)` of a container known at compile time, items of one structure: a
    network of adjacent compare-exchanges (n - 1 passes), each swapping only on a strict order, so
    equal keys keep their order as Python's stable sort does. Each key is computed once."""
    args, kwargs = cg.call_arguments(node)
    if len(args) != 1 or set(kwargs) - {"key", "reverse"}:
        cg.error(node, "sorted() takes a container, a `key` and `reverse`", ZygTypeError)
    items = cg.sequence_items(node.args[0], args[0])
    key = kwargs.get("key", Static(None))
    reverse = cg.known(cg.truth(kwargs.get("reverse", Static(False))))
    if not isinstance(reverse, bool):
        cg.error(node, "sorted() with `reverse` known only at run time", ZygTypeError)
    keys = items if isinstance(key, Static) and key.value is None else \
        [cg.apply_function(node, _function_argument(cg, node, key, "sorted()"), [item], {}) for item in items]
    pairs = list(zip(keys, items))
    for done in range(len(pairs) - 1):
        for i in range(len(pairs) - 1 - done):
            (key_a, a), (key_b, b) = pairs[i], pairs[i + 1]
            swap = cg.compare(ast.Lt() if reverse else ast.Gt(), key_a, key_b)
            pairs[i] = cg.select_value("an item sorted() moves", swap, lambda p=(key_b, b): Struct(TUPLE, p),
                                       lambda p=(key_a, a): Struct(TUPLE, p), node).items
            pairs[i + 1] = cg.select_value("an item sorted() moves", swap, lambda p=(key_a, a): Struct(TUPLE, p),
                                           lambda p=(key_b, b): Struct(TUPLE, p), node).items
    return Struct(LIST, [item for _, item in pairs])


FUNCTION_BUILTINS = {map: _map, filter: _filter, functools.reduce: _reduce, functools.partial: _partial,
                     max: _min_max(True), min: _min_max(False), sorted: _sorted}


