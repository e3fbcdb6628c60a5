"""Frontend step 2: reject Python that zyg does not compile, before any IR is built.

In: a `FunctionSource`. Out: nothing, or an `UnsupportedSyntaxError` at the first unsupported
construct, naming it. Keeping every "not supported" decision here means codegen can assume the subset.
"""

from __future__ import annotations

import ast

from zyg.errors import UnsupportedSyntaxError
from zyg.frontend.source import FunctionSource

# Node kinds rejected outright, with the name a user knows them by.
_REJECTED: dict[type[ast.AST], str] = {
    ast.With: "a `with` block",
    ast.AsyncWith: "an `async with` block",
    ast.AsyncFor: "an `async for` loop",
    ast.AsyncFunctionDef: "an `async def`",
    ast.Await: "`await`",
    ast.Yield: "a generator (`yield`)",
    ast.YieldFrom: "a generator (`yield from`)",
    ast.ClassDef: "a class definition",
    ast.Global: "a `global` declaration",
    ast.Delete: "a `del` statement",
    ast.Import: "an `import` statement",
    ast.ImportFrom: "an `import` statement",
    ast.SetComp: "a set comprehension",
    ast.Set: "a set",
    ast.NamedExpr: "an assignment expression (`:=`)",
    ast.Match: "a `match` statement",
}
if hasattr(ast, "TryStar"):
    _REJECTED[ast.TryStar] = "an exception group handler (`except*`)"


class LanguageFence(ast.NodeVisitor):
    """Walks a function body and raises at the first construct outside zyg's Python subset."""

    def __init__(self, source: FunctionSource, nested: bool):
        self.source = source
        self.depth = 1 if nested else 0  # how many function bodies enclose the code being checked

    def error(self, node: ast.AST, what: str) -> None:
        raise UnsupportedSyntaxError(f"unsupported Python construct: {what}", self.source.loc(node))

    def check(self) -> None:
        fn = self.source.node
        body = fn.body if isinstance(fn, ast.FunctionDef) else [fn.body]
        for default in [*fn.args.defaults, *(d for d in fn.args.kw_defaults if d is not None)]:
            self.visit(default)
        for stmt in body:
            self.visit(stmt)

    def generic_visit(self, node: ast.AST) -> None:
        what = _REJECTED.get(type(node))
        if what is not None:
            self.error(node, what)
        super().generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        # A str is a static value (a dict key, a field name); bytes and complex numbers are not values.
        if not isinstance(node.value, (bool, int, float, str)) and node.value is not None:
            self.error(node, f"a {type(node.value).__name__} constant")

    def visit_Subscript(self, node: ast.Subscript) -> None:
        # `...` is a constant only an index may hold.
        self.visit(node.value)
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        for item in items:
            if not (isinstance(item, ast.Constant) and item.value is Ellipsis):
                self.visit(item)

    def visit_Expr(self, node: ast.Expr) -> None:
        # A docstring or other bare string is a comment, not a value.
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return
        self.visit(node.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target)
        self.visit(node.value)

    def _check_target(self, target: ast.AST) -> None:
        """A name, an item or attribute of anything (`m["W"][0] = ...`, `layer.w = ...`), or a tuple or
        list of targets, one of them starred."""
        if isinstance(target, (ast.Tuple, ast.List)):
            if sum(isinstance(elt, ast.Starred) for elt in target.elts) > 1:
                self.error(target, "more than one starred target in an assignment")
            for elt in target.elts:
                self._check_target(elt.value if isinstance(elt, ast.Starred) else elt)
        elif not isinstance(target, (ast.Name, ast.Subscript, ast.Attribute)):
            self.error(target, "assignment to anything but a variable, an item or an attribute")
        else:
            self._check_place(target)

    def _check_place(self, place: ast.AST) -> None:
        """A variable, or an item or attribute of one (what an item or attribute assignment updates)."""
        if isinstance(place, ast.Subscript):
            self.visit(place.slice)
            self._check_place(place.value)
        elif isinstance(place, ast.Attribute):
            self._check_place(place.value)
        elif not isinstance(place, ast.Name):
            self.error(place, "item or attribute assignment to anything but a variable or a part of one")

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, (ast.Tuple, ast.List)):
            self.error(node.target, "an augmented assignment to a tuple of targets")
        self._check_target(node.target)
        self.visit(node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_target(node.target)
        if node.value is None:
            self.error(node, "a variable annotation without a value")
        self.visit(node.value)

    def visit_For(self, node: ast.For) -> None:
        if node.orelse:
            self.error(node, "a `for ... else` loop")
        self._check_target(node.target)
        for stmt in node.body:
            self.visit(stmt)
        self.visit(node.iter)

    def visit_While(self, node: ast.While) -> None:
        if node.orelse:
            self.error(node, "a `while ... else` loop")
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        if node.is_async:
            self.error(node.iter, "an `async` comprehension")
        self._check_target(node.target)
        self.visit(node.iter)
        for test in node.ifs:
            self.visit(test)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.decorator_list:
            self.error(node.decorator_list[0], "a decorator on a nested function")
        self._visit_function(node, node.body)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_function(node, [node.body])

    def _visit_function(self, node: ast.FunctionDef | ast.Lambda, body: list[ast.AST]) -> None:
        args = node.args
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            self.visit(default)
        self.depth += 1
        for stmt in body:
            self.visit(stmt)
        self.depth -= 1

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        if self.depth == 0:  # the compiled function's own: a closure cell of a function defined in Python
            self.error(node, "a `nonlocal` declaration in a function called from Python")

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, (ast.LShift, ast.RShift)):
            self.error(node, f"the `{type(node.op).__name__}` operator")
        self.generic_visit(node)


def check_supported(source: FunctionSource, nested: bool = False) -> None:
    """Raises `UnsupportedSyntaxError` at the first unsupported construct in `source` (a function
    defined inside compiled code when `nested`)."""
    LanguageFence(source, nested).check()
