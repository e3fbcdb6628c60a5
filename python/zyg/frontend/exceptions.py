"""`raise` and `assert` in compiled code.

A `raise E(args)` is a host call (`zyg.frontend.host_calls`) that builds the exception in Python from
its arguments (numbers, arrays, str, f-strings of them) and raises it with a traceback at the user's
`file:line`; the compiled code stops there (the host call's status check fails), and the caller gets
that exception. The path that raised is dead (`Scope.dead`): nothing after it is compiled, and a
branch merge takes the other path's values. `assert test, message` is `if not test: raise
AssertionError(message)`, with the message computed only where the test fails; under `python -O`
asserts compile to nothing, as in CPython.
"""

from __future__ import annotations

import ast
import functools

from zyg.errors import UnsupportedSyntaxError, ZygTypeError
from zyg.frontend.trees import Static, static

_NO_RESULT = static(None)
USER_TRACEBACK = "__zyg_traceback__"  # where a raised exception keeps its traceback at the user's line


def raise_at(exception: type[BaseException] | BaseException, function: str, filename: str, line: int, *args) -> None:
    """Raises `exception(*args)` (or the instance `exception`) with a traceback whose last frame is
    line `line` of `filename` in `function`, where the user wrote the `raise`."""
    error = exception(*args) if isinstance(exception, type) else exception
    code = compile("\n" * (line - 1) + "raise __zyg_exception__", filename, "exec").replace(co_name=function)
    try:
        exec(code, {"__zyg_exception__": error})
    except BaseException as raised:
        setattr(raised, USER_TRACEBACK, raised.__traceback__.tb_next)  # the frame at the user's line
        raise raised.with_traceback(raised.__traceback__.tb_next) from None


class ExceptionCodegen:
    """The `raise`/`assert` half of `FunctionCodegen` (which provides `visit`, `host_call`, ...)."""

    def visit_Raise(self, node: ast.Raise) -> None:
        if node.exc is None:
            self.error(node, "`raise` without an exception (a re-raise) outside an `except` block",
                       UnsupportedSyntaxError)
        if node.cause is not None and not (isinstance(node.cause, ast.Constant) and node.cause.value is None):
            self.error(node.cause, "`raise ... from` an exception; zyg takes `from None`", UnsupportedSyntaxError)
        exception, args = self._exception(node.exc)
        self.raise_exception(node, exception, args)

    def raise_exception(self, node: ast.AST, exception: object, args: list) -> None:
        """Raises `exception(*args)` here, at run time; the path ends."""
        loc = self.loc(node)
        function = getattr(self.fn, "__name__", "<compiled>")
        self.host_call(node, functools.partial(raise_at, exception, function, loc.filename, loc.line), args, _NO_RESULT)
        self.scope.dead = True

    def visit_Assert(self, node: ast.Assert) -> None:
        if not __debug__:  # `python -O`: CPython compiles asserts to nothing
            return
        holds = self.truth(self.visit(node.test))

        def fail() -> None:
            args = [] if node.msg is None else [self.visit(node.msg)]
            self.raise_exception(node, AssertionError, args)

        self.emit_branches(self.logical_not(holds), fail, lambda: None)

    def _exception(self, node: ast.expr) -> tuple[object, list]:
        """The exception class (or instance) a `raise` names, and the arguments it constructs it with."""
        target, args = node, []
        if isinstance(node, ast.Call):
            target = node.func
            args, kwargs = self.call_arguments(node)
            if kwargs:
                self.error(node, "keyword arguments to an exception raised in compiled code", UnsupportedSyntaxError)
        value = self.static_value(target, quiet=True)
        if isinstance(value, Static):
            value = value.value
        is_class = isinstance(value, type) and issubclass(value, BaseException)
        if not is_class and not (isinstance(value, BaseException) and not isinstance(node, ast.Call)):
            self.error(node, "`raise` of something that is not an exception class (zyg raises built-in "
                       "exception classes and their subclasses, known where the function is compiled)", ZygTypeError)
        return value, args
