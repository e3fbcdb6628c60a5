"""Frontend step 1: find a Python function's source and parse it with absolute positions.

In: a Python function object (a `def` or a `lambda`). Out: a `FunctionSource` holding its AST node
with absolute line numbers, the absolute file name, and the column shift lost to dedenting, so every
later error and every op location points at the user's real `file:line:col`.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import os
import textwrap
from dataclasses import dataclass

from zyg.errors import SourceLoc, UnsupportedSyntaxError


@dataclass(frozen=True)
class FunctionSource:
    """A parsed function: `node` is an `ast.FunctionDef` or `ast.Lambda` with absolute line numbers."""

    node: ast.FunctionDef | ast.Lambda
    filename: str
    col_shift: int

    @property
    def name(self) -> str:
        return self.node.name if isinstance(self.node, ast.FunctionDef) else "<lambda>"

    def loc(self, node: ast.AST) -> SourceLoc:
        """The absolute location of `node`."""
        return SourceLoc(self.filename, getattr(node, "lineno", self.node.lineno),
                         getattr(node, "col_offset", 0) + self.col_shift)


def function_location(fn) -> SourceLoc:
    """Where `fn` is defined, for errors raised before its source could be read."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    return SourceLoc(os.path.abspath(code.co_filename), code.co_firstlineno, 0)


def get_source(fn, call_loc: SourceLoc | None = None) -> FunctionSource:
    """Parses `fn`'s source.

    Raises:
        UnsupportedSyntaxError: at `call_loc` when the source is not available (a builtin, a function
            made by `exec`, an interactive session) or the lambda cannot be found on its line.
    """
    name = getattr(fn, "__qualname__", repr(fn))
    try:
        lines, first_line = inspect.getsourcelines(fn)
        filename = os.path.abspath(inspect.getsourcefile(fn) or fn.__code__.co_filename)
    except (OSError, TypeError):
        raise UnsupportedSyntaxError(
            f"the source of function '{name}' is not available, so zyg cannot compile it "
            "(define it in a .py file)",
            call_loc,
        ) from None
    if fn.__name__ == "<lambda>":
        return _lambda_source(fn, filename, call_loc)
    text = "".join(lines)
    col_shift = len(lines[0]) - len(lines[0].lstrip())
    tree = ast.parse(textwrap.dedent(text))
    ast.increment_lineno(tree, first_line - 1)
    node = _find_function_node(tree, fn)
    if node is None:
        raise UnsupportedSyntaxError(
            f"cannot locate the definition of '{name}' in its source", call_loc or function_location(fn)
        )
    return FunctionSource(node, filename, col_shift)


def _lambda_source(fn, filename: str, call_loc: SourceLoc | None) -> FunctionSource:
    """A lambda's lines may not parse on their own, so parse its whole file and find it there."""
    text = "".join(linecache.getlines(filename))
    try:
        tree = ast.parse(text)
    except SyntaxError:
        tree = None
    node = _find_function_node(tree, fn) if tree is not None else None
    if node is None:
        raise UnsupportedSyntaxError("cannot locate the source of this lambda", call_loc or function_location(fn))
    return FunctionSource(node, filename, 0)


def _find_function_node(tree: ast.Module, fn) -> ast.FunctionDef | ast.Lambda | None:
    code = fn.__code__
    params = list(code.co_varnames[: code.co_argcount])
    if fn.__name__ != "<lambda>":
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == fn.__name__:
                return node
        return None
    lambdas = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Lambda)
        and node.lineno == code.co_firstlineno
        and [a.arg for a in node.args.args] == params
    ]
    if len(lambdas) <= 1:
        return lambdas[0] if lambdas else None
    # Several lambdas with the same parameters on one line: match the body's column.
    body_cols = {col for (_, _, col, _) in code.co_positions() if col is not None}
    for node in lambdas:
        if node.body.col_offset in body_cols:  # columns are absolute: the whole file was parsed
            return node
    return lambdas[0]
