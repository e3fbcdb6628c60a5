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
    ast.Try: "a `try` statement",
    ast.Raise: "a `raise` statement",
    ast.Assert: "an `assert` statement",
    ast.Yield: "a generator (`yield`)",
    ast.YieldFrom: "a generator (`yield from`)",
    ast.FunctionDef: "a nested function definition",
    ast.Lambda: "a lambda inside a compiled function",
    ast.ClassDef: "a class definition",
    ast.Global: "a `global` declaration",
    ast.Nonlocal: "a `nonlocal` declaration",
    ast.Delete: "a `del` statement",
    ast.Import: "an `import` statement",
    ast.ImportFrom: "an `import` statement",
    ast.ListComp: "a list comprehension",
    ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.List: "a list",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Starred: "a starred expression",
    ast.JoinedStr: "an f-string",
    ast.NamedExpr: "an assignment expression (`:=`)",
    ast.Match: "a `match` statement",
}
if hasattr(ast, "TryStar"):
    _REJECTED[ast.TryStar] = "a `try` statement"


class LanguageFence(ast.NodeVisitor):
    """Walks a function body and raises at the first construct outside zyg's Python subset."""

    def __init__(self, source: FunctionSource):
        self.source = source

    def error(self, node: ast.AST, what: str) -> None:
        raise UnsupportedSyntaxError(f"unsupported Python construct: {what}", self.source.loc(node))

    def check(self) -> None:
        fn = self.source.node
        args = fn.args
        if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
            self.error(fn, "`*args`, `**kwargs`, keyword-only or positional-only parameters")
        body = fn.body if isinstance(fn, ast.FunctionDef) else [fn.body]
        for stmt in body:
            self.visit(stmt)

    def generic_visit(self, node: ast.AST) -> None:
        what = _REJECTED.get(type(node))
        if what is not None:
            self.error(node, what)
        super().generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, (bool, int, float)) and node.value is not None:
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
            if isinstance(target, ast.Tuple):
                if len(node.targets) != 1:
                    self.error(target, "chained assignment with tuple unpacking")
                for elt in target.elts:
                    self._check_target(elt, allow_item=False)
                continue
            self._check_target(target)
        self.visit(node.value)

    def _check_target(self, target: ast.AST, allow_item: bool = True) -> None:
        if isinstance(target, ast.Subscript) and allow_item:
            self.visit(target.slice)
            if not isinstance(target.value, ast.Name):
                self.error(target, "item assignment to anything but a named array")
            return
        if not isinstance(target, ast.Name):
            self.error(target, "assignment to anything but a plain variable or an array item")

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
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
        if not isinstance(node.target, ast.Name):
            self.error(node.target, "a `for` loop target that is not a plain variable")
        for stmt in node.body:
            self.visit(stmt)
        self.visit(node.iter)

    def visit_While(self, node: ast.While) -> None:
        if node.orelse:
            self.error(node, "a `while ... else` loop")
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for op in node.ops:
            if isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)):
                self.error(node, f"the `{_compare_name(op)}` operator")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, (ast.LShift, ast.RShift)):
            self.error(node, f"the `{type(node.op).__name__}` operator")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        for kw in node.keywords:
            if kw.arg is None:
                self.error(node, "`**kwargs` in a call")
        # A str argument is left to codegen, which resolves the callee first: `open("data.txt")` is
        # then reported as a call to `open`, not as a str constant.
        self.visit(node.func)
        for arg in [*node.args, *(kw.value for kw in node.keywords)]:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                self._visit_argument(arg)

    def _visit_argument(self, arg: ast.expr) -> None:
        """A list literal is allowed as a call argument, nested too (`np.array([[a, b], [c, d]])`)."""
        if isinstance(arg, (ast.List, ast.Tuple)):
            for elt in arg.elts:
                self._visit_argument(elt)
            return
        self.visit(arg)


def _compare_name(op: ast.cmpop) -> str:
    return {ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}[type(op)]


def check_supported(source: FunctionSource) -> None:
    """Raises `UnsupportedSyntaxError` at the first unsupported construct in `source`."""
    LanguageFence(source).check()
