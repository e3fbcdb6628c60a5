"""How a function binds its arguments, from its code object or its syntax tree.

In: a Python code object or an `ast.arguments`. Out: `Signature` (the parameters by kind) and
`parameter_names` (the order in which a compiled function takes its parameters' trees).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import types


@dataclasses.dataclass(frozen=True)
class Signature:
    """How a function binds its arguments: positional parameters (the first `posonly` of them
    positional-only), `*varargs`, keyword-only parameters and `**varkw`."""

    name: str
    positional: tuple[str, ...]
    posonly: int
    varargs: str | None
    keyword_only: tuple[str, ...]
    varkw: str | None

    @classmethod
    def of_code(cls, code: types.CodeType, name: str) -> Signature:
        extra = code.co_argcount + code.co_kwonlyargcount
        varargs = code.co_varnames[extra] if code.co_flags & inspect.CO_VARARGS else None
        varkw = code.co_varnames[extra + (varargs is not None)] if code.co_flags & inspect.CO_VARKEYWORDS else None
        return cls(name, tuple(code.co_varnames[: code.co_argcount]), code.co_posonlyargcount, varargs,
                   tuple(code.co_varnames[code.co_argcount: extra]), varkw)

    @classmethod
    def of_node(cls, args: ast.arguments, name: str) -> Signature:
        return cls(name, tuple(a.arg for a in (*args.posonlyargs, *args.args)), len(args.posonlyargs),
                   args.vararg.arg if args.vararg else None, tuple(a.arg for a in args.kwonlyargs),
                   args.kwarg.arg if args.kwarg else None)


def parameter_names(args: ast.arguments) -> list[str]:
    """A function's parameters in the order of its signature's trees: positional ones, `*args`,
    keyword-only ones, `**kwargs`."""
    names = [a.arg for a in [*args.posonlyargs, *args.args]]
    if args.vararg is not None:
        names.append(args.vararg.arg)
    names += [a.arg for a in args.kwonlyargs]
    if args.kwarg is not None:
        names.append(args.kwarg.arg)
    return names
