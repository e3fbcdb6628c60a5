"""`raise`, `assert` and `try` in compiled code.

A `raise E(args)` is a host call (`zyg.frontend.host_calls`) that builds the exception in Python from
its arguments (numbers, arrays, str, f-strings of them) and raises it with a traceback at the user's
`file:line`; the compiled code stops there (the host call's status check fails), and the caller gets
that exception. The path that raised is dead (`Scope.dead`): nothing after it is compiled, and a
branch merge takes the other path's values. `assert test, message` is `if not test: raise
AssertionError(message)`, with the message computed only where the test fails; under `python -O`
asserts compile to nothing, as in CPython.

`try`/`except`/`else`/`finally` are structured control flow (`zyg.dialects.zyg_errors`): a frame is
opened (`zyg.try_enter`), the protected statements run in the `then` branch of an `scf.if` on its
`failed` flag, and the `else` branch closes the frame after a failure. The handlers (or the `finally`
block, then a re-raise) run in a second `scf.if`, after that one, so what they read of the values
from before the `try` is read after the body in the IR too: bufferization never lets the body write
into a buffer a handler reads. A handler tests the error's class (`zyg.error_matches`: the kinds of
zyg's own checks the class covers, and for an exception raised by a host call or a `raise`, the
class's bit in the mask the host computed); no handler matching re-raises it.

After a failure a variable keeps the value it had before the `try` when the body cannot have changed
it before failing: it is assigned only by the last statement that can fail (which fails before it
assigns) or by statements after it. Any other variable the body changes is unknown after a caught
failure, and reading it there is a compile-time error, never a guess.
"""

from __future__ import annotations

import ast
import functools

from xdsl.dialects import arith
from xdsl.ir import SSAValue

from zyg.dialects.zyg_errors import MAX_CATCH_CLASSES, ErrorMatchesOp, ReraiseOp, TryEnterOp, TryExitOp
from zyg.errors import RUNTIME_ERRORS, UnsupportedSyntaxError, ZygTypeError, raise_at
from zyg.frontend.closures import statement_nodes
from zyg.frontend.scope import is_exit_flag
from zyg.frontend.trees import Static, static
from zyg.frontend.types import is_array

_NO_RESULT = static(None)
class ExceptionCodegen:
    """The `raise`/`assert`/`try` part of `FunctionCodegen` (which provides `visit`, `host_call`,
    `emit_branches`, ...)."""

    def visit_Raise(self, node: ast.Raise) -> None:
        caught = self._caught_frame(node.exc)
        if caught is not None:  # `raise` in a handler, or `raise e` of the exception it caught
            self.emit(ReraiseOp(caught))
            self.scope.dead = True
            return
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

    # ----------------------------------------------------------------------------------------------
    # try / except / else / finally
    # ----------------------------------------------------------------------------------------------

    def visit_Try(self, node: ast.Try) -> None:
        if not node.finalbody:
            self._try_except(node)
            return
        if node.handlers:  # the handlers and the `else` block are protected too
            inner = ast.copy_location(ast.Try(body=node.body, handlers=node.handlers, orelse=node.orelse,
                                              finalbody=[]), node)
            failed, frame, unknown, _ = self._protected([inner], lambda: self._try_except(inner))
        else:
            failed, frame, unknown, _ = self._protected(node.body, lambda: self.compile_body(node.body))
        # After a failure the `finally` block runs, then the error goes on: what it computes from a
        # variable whose value is not known is dropped, unless it returns, breaks or calls anything
        # (a host call's output, a return value): only then are those variables unreadable in it.
        effects = [n for stmt in node.finalbody for n in statement_nodes(stmt)
                   if isinstance(n, (ast.Call, ast.Return, ast.Break, ast.Continue))]
        hidden = {name: self.scope.get(name) for name in unknown} if effects else {}
        self._forget(list(hidden), node)
        saved = {name: self.scope.get(name) for name in self._exit_flag_names()}
        for name in saved:  # it runs whatever return/break/continue the protected part did
            self.scope.set(name, self.const(False))
        self.compile_body(node.finalbody)
        if self.scope.dead:
            return
        jumped = self.const(False)  # its own return/break/continue drops the error, as in Python
        for name, before in saved.items():
            own = self.scope.get(name)
            jumped = self.value(arith.OrIOp(jumped, own))
            self.scope.set(name, self.value(arith.OrIOp(before, own)))
        if not any(isinstance(n, (ast.Return, ast.Break, ast.Continue)) for n in effects):
            for name, value in hidden.items():  # only a success goes on past the `finally` block
                if name not in self.scope and value is not None:
                    self.scope.set(name, value)

        def reraise() -> None:
            self.emit(ReraiseOp(frame))
            self.scope.dead = True

        self.emit_branches(self.value(arith.AndIOp(failed, self.logical_not(jumped))), reraise, lambda: None)

    def _try_except(self, node: ast.Try) -> None:
        """`try`/`except`/`else` (no `finally`)."""
        failed, frame, unknown, defined = self._protected(node.body, lambda: self.compile_body(node.body))

        def handle() -> None:
            self._forget(unknown, node)
            self._dispatch(node.handlers, frame, defined)

        def otherwise() -> None:
            flags = [self.scope.get(n) for n in self._exit_flag_names()]
            if not flags:
                self.compile_body(node.orelse)
                return
            stop = flags[0]
            for flag in flags[1:]:
                stop = self.value(arith.OrIOp(stop, flag))
            self.emit_if(self.logical_not(stop), node.orelse, [])  # not after a return or break in the body

        self.emit_branches(failed, handle, otherwise)

    def _protected(self, body: list[ast.stmt], compile_body) -> tuple[SSAValue, SSAValue, list[str], dict]:
        """Emits the frame and the `scf.if` running `compile_body` under it. Returns the `failed` flag,
        the frame, the variables whose value is unknown after a caught failure (those the body may
        have changed before failing, and those it defines), and those it defines, with their values."""
        enter = self.emit(TryEnterOp())
        failed, frame = enter.failed, enter.frame
        before = dict(self.scope.values)
        touched: list[str] = []
        defined: dict[str, object] = {}

        def run() -> None:
            compile_body()
            for name, value in self.scope.values.items():
                if name.startswith(".") or value is before.get(name):
                    continue
                if name in before:
                    touched.append(name)
                else:
                    defined[name] = value
            if not self.scope.dead:
                self.emit(TryExitOp(frame, failed=False))

        def caught() -> None:
            self.emit(TryExitOp(frame, failed=True))
            for name, value in defined.items():  # a placeholder: unreadable after the failure (`_forget`)
                self.scope.set(name, self.zero_tree(self.flat(value)[0]))

        self.emit_branches(self.logical_not(failed), run, caught)
        return failed, frame, [*(n for n in touched if not self._kept_after_failure(n, body)), *defined], defined

    def _kept_after_failure(self, name: str, body: list[ast.stmt]) -> bool:
        """Whether variable `name`, which `body` changes, still has its value from before the `try`
        when `body` fails: only the last statement that can fail assigns it, failing first, or only
        statements after that one do (which do not run)."""
        last = max((i for i, stmt in enumerate(body) if self._may_fail(stmt)), default=-1)
        assigning = [i for i, stmt in enumerate(body) if name in self.assigned_names([stmt])]
        if not assigning:
            return False  # changed through another name (an alias, a closure): not known
        return all(i > last or (i == last and _assigns_last(body[i])) for i in assigning)

    def _may_fail(self, stmt: ast.stmt) -> bool:
        """Whether `stmt` can raise at run time (conservative): a call, an index, an attribute, a
        `raise`/`assert`, a division, or arithmetic on an array (its shapes may not broadcast)."""
        for n in statement_nodes(stmt):
            if isinstance(n, (ast.Call, ast.Subscript, ast.Attribute, ast.Raise, ast.Assert, ast.Starred,
                              ast.Try, ast.With, ast.Match)):
                return True
            if isinstance(n, (ast.BinOp, ast.AugAssign)):
                if not isinstance(n.op, (ast.Add, ast.Sub, ast.Mult)):
                    return True
                names = [m.id for m in ast.walk(n) if isinstance(m, ast.Name)]
                if any(not (isinstance(v, SSAValue) and not is_array(v.type)) for v in map(self.scope.get, names)):
                    return True
        return False

    def _forget(self, names: list[str], node: ast.Try) -> None:
        """Makes `names` unreadable on this path (after a caught failure their value is not known)."""
        for name in names:
            self.scope.drop(name, f"variable '{name}' may have been changed by the `try` body at line "
                                  f"{node.lineno} before it raised; zyg does not know its value after the "
                                  f"exception was caught (assign it in the handler, or before the `try`)")

    def _dispatch(self, handlers: list[ast.ExceptHandler], frame: SSAValue, defined: dict) -> None:
        """The first handler whose class the error matches runs; with none, the error is raised again."""
        if not handlers:
            self.emit(ReraiseOp(frame))
            self.scope.dead = True
            return
        handler, rest = handlers[0], handlers[1:]
        classes = [BaseException] if handler.type is None else self._handled_classes(handler.type)
        matches = self.const(False)
        for cls in classes:
            kinds = [kind for kind, error in RUNTIME_ERRORS.items() if issubclass(error, cls)]
            op = ErrorMatchesOp(frame, kinds, self._catch_index(handler, cls))
            matches = self.value(arith.OrIOp(matches, self.value(op)))
        self.emit_branches(matches, lambda: self._handle(handler, frame, defined),
                           lambda: self._dispatch(rest, frame, defined))

    def _handle(self, handler: ast.ExceptHandler, frame: SSAValue, defined: dict) -> None:
        """Compiles `handler`; when it ends in a `return`, `break` or `continue`, what the body defined
        is never read on its path (the variables are not carried by a loop), so it gets placeholders
        there, and a read after the `try` is not an error."""
        self.handling.append(frame)
        if handler.name:
            self.caught[handler.name] = frame
            self.scope.drop(handler.name, f"the exception caught as '{handler.name}' can only be raised again "
                                          f"in compiled code (`raise` or `raise {handler.name}`)")
        self.compile_body(handler.body)
        self.handling.pop()
        if any(self.known(self.scope.get(name)) is True for name in self._exit_flag_names()):
            for name, value in defined.items():
                if name not in self.scope:
                    self.scope.set(name, self.zero_tree(self.flat(value)[0]))
        if handler.name:  # Python deletes it at the end of the handler
            self.caught.pop(handler.name, None)
            self.scope.drop(handler.name, f"'{handler.name}' is deleted at the end of its `except` block, "
                                          f"as in Python")

    def _caught_frame(self, exc: ast.expr | None) -> SSAValue | None:
        """The frame of the exception a `raise` raises again, if it does."""
        if exc is None:
            return self.handling[-1] if self.handling else None
        if isinstance(exc, ast.Name) and exc.id in self.caught and exc.id not in self.scope:
            return self.caught[exc.id]
        return None

    def _handled_classes(self, node: ast.expr) -> list[type]:
        items = node.elts if isinstance(node, ast.Tuple) else [node]
        classes = []
        for item in items:
            value = self.static_value(item, quiet=True)
            value = value.value if isinstance(value, Static) else value
            if not (isinstance(value, type) and issubclass(value, BaseException)):
                self.error(item, "an `except` clause names something that is not an exception class known "
                           "where the function is compiled", ZygTypeError)
            classes.append(value)
        return classes

    def _catch_index(self, node: ast.AST, cls: type) -> int:
        """The number of `cls` in the module's table of caught classes (its bit in a host error's mask)."""
        table = self.program.catch_classes
        if cls not in table:
            if len(table) == MAX_CATCH_CLASSES:
                self.error(node, f"more than {MAX_CATCH_CLASSES} exception classes caught in one compiled "
                           "function and its callees", UnsupportedSyntaxError)
            table.append(cls)
        return table.index(cls)

    def _exit_flag_names(self) -> list[str]:
        """The return/break/continue flags in scope here."""
        return [n for n in self.scope.values if is_exit_flag(n)]


def _assigns_last(stmt: ast.stmt) -> bool:
    """Whether `stmt` assigns only after everything in it that can fail: a simple statement with one
    target (not `a[i] = b[j] = v`, whose first store happens before the second index is checked)."""
    if isinstance(stmt, ast.Assign):
        target = stmt.targets[0]
        names_only = all(isinstance(t, ast.Name) for t in getattr(target, "elts", []))
        return len(stmt.targets) == 1 and (not isinstance(target, (ast.Tuple, ast.List)) or names_only)
    return isinstance(stmt, (ast.AugAssign, ast.AnnAssign, ast.Expr))
