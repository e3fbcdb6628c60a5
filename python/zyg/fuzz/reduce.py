"""Shrinks a failing program: source and a predicate ("does it still fail the same way?") in, the
smallest source found out.

Greedy delta debugging over the syntax tree: delete a statement (big ones first), replace an `if`
or a loop by its body, replace an expression by one of its sub-expressions or by a constant, drop
a helper call for one of its arguments. Every candidate that parses and keeps the predicate true is
taken, and the search starts again from it, until no candidate helps or the budget is spent.
"""

from __future__ import annotations

import ast
import copy
import time
import warnings
from collections.abc import Callable, Iterator

_CONSTANTS = (1.0, 0.5, 0)


def _bodies(tree: ast.AST) -> Iterator[list]:
    for node in ast.walk(tree):
        for name in ("body", "orelse"):
            body = getattr(node, name, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                yield body


def _statement_edits(tree: ast.Module) -> Iterator[Callable[[ast.Module], None]]:
    """Edits by position: (body number, index) is stable across deep copies of the same tree."""
    bodies = list(_bodies(tree))
    sites = [(b, i, body[i]) for b, body in enumerate(bodies) for i in range(len(body))]
    sites.sort(key=lambda site: -len(ast.unparse(site[2])))  # big statements first: they cut most

    def delete(b: int, i: int) -> Callable[[ast.Module], None]:
        def edit(t: ast.Module) -> None:
            body = list(_bodies(t))[b]
            del body[i]
            if not body:
                body.append(ast.Pass())
        return edit

    def inline(b: int, i: int, field: str) -> Callable[[ast.Module], None]:
        def edit(t: ast.Module) -> None:
            body = list(_bodies(t))[b]
            body[i:i + 1] = getattr(body[i], field) or [ast.Pass()]
        return edit

    for b, i, statement in sites:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(statement, ast.FunctionDef) and statement.name == "f":
            continue
        yield delete(b, i)
        if isinstance(statement, (ast.If, ast.For, ast.While)):
            yield inline(b, i, "body")
            if statement.orelse:
                yield inline(b, i, "orelse")


def _expressions(tree: ast.AST) -> list[ast.expr]:
    """The expressions an edit may replace: not names, constants, callees or assignment targets."""
    callees = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return [node for node in ast.walk(tree) if isinstance(node, ast.expr) and id(node) not in callees
            and not isinstance(node, (ast.Name, ast.Constant, ast.Attribute))
            and not isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del))]


def _children(node: ast.expr) -> list[ast.expr]:
    callee = node.func if isinstance(node, ast.Call) else None
    return [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr) and child is not callee]


def _expression_edits(tree: ast.Module) -> Iterator[Callable[[ast.Module], None]]:
    for index, node in enumerate(_expressions(tree)):
        children = _children(node)
        replacements = [*range(len(children))] + [ast.Constant(c) for c in _CONSTANTS]
        for replacement in replacements:
            yield _replace_expression(index, replacement)


def _replace_expression(index: int, replacement) -> Callable[[ast.Module], None]:
    def edit(t: ast.Module) -> None:
        target = _expressions(t)[index]
        new = _children(target)[replacement] if isinstance(replacement, int) else replacement
        _substitute(t, target, new)
    return edit


def _substitute(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list) and any(item is old for item in value):
                setattr(parent, field, [new if item is old else item for item in value])
                return


def _candidates(source: str) -> Iterator[str]:
    tree = ast.parse(source)
    for edits in (_statement_edits, _expression_edits):
        for edit in edits(tree):
            candidate = copy.deepcopy(tree)
            try:
                edit(candidate)
                text = ast.unparse(ast.fix_missing_locations(candidate)) + "\n"
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    compile(text, "<candidate>", "exec")
            except (IndexError, SyntaxError, ValueError, TypeError):
                continue
            if text != source:
                yield text


def reduce_source(source: str, still_fails: Callable[[str], bool], budget_s: float = 120.0,
                  max_tries: int = 400) -> str:
    """The smallest variant of `source` found for which `still_fails` holds."""
    best = ast.unparse(ast.parse(source)) + "\n"
    if best != source and still_fails(best):
        source = best
    deadline, tries = time.monotonic() + budget_s, 0
    improved = True
    while improved:
        improved = False
        for candidate in _candidates(source):
            if time.monotonic() > deadline or tries >= max_tries:
                return source
            if len(candidate) >= len(source):
                continue
            tries += 1
            if still_fails(candidate):
                source, improved = candidate, True
                break
    return source
