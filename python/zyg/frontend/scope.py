"""SSA name environment for the frontend.

A `Scope` maps Python variable names to the value they hold at the current point: an SSA value, or a
structured value (`zyg.frontend.trees.Struct`, `Static`) whose leaves are SSA values. Branches and
loop bodies work on a fork; the codegen merges forks back through `scf.if`/`scf.for`/`scf.while`
results. Names that only some paths define are remembered with the line that defined them, so a later
read gets a clear error instead of a wrong value (or, for a name made unreadable on purpose, the
sentence that says why); each name's last binding line is kept for messages
about two paths. A scope is dead after a `raise`: that path never goes on, so branch merges take the
other path's values.
"""

from __future__ import annotations

from zyg.errors import SourceLoc

# Control flags the codegen keeps as variables (names no Python variable has): a `return` taken and its
# value, and per loop (numbered) a `break` or `continue` taken.
RET_FLAG, RET_VALUE = ".ret", ".retval"
BREAK_FLAG, CONTINUE_FLAG = ".brk", ".cont"


def is_exit_flag(name: str) -> bool:
    """Whether variable `name` is a return, break or continue flag."""
    return name == RET_FLAG or name.startswith((BREAK_FLAG, CONTINUE_FLAG))


class Scope:
    """Variables in scope: `values[name]` is the value of `name` here, `lines[name]` where it was bound."""

    def __init__(self, values: dict[str, object] | None = None,
                 partial: dict[str, SourceLoc | str] | None = None, lines: dict[str, int] | None = None):
        self.values: dict[str, object] = dict(values or {})
        self.partial: dict[str, SourceLoc | str] = dict(partial or {})
        self.lines: dict[str, int] = dict(lines or {})
        self.dead = False  # the path has raised: nothing after this point runs

    def fork(self) -> Scope:
        """A copy for a branch or loop body; changes to it leave this scope untouched."""
        scope = Scope(self.values, self.partial, self.lines)
        scope.dead = self.dead
        return scope

    def get(self, name: str) -> object | None:
        return self.values.get(name)

    def set(self, name: str, value: object, line: int | None = None) -> None:
        self.values[name] = value
        self.partial.pop(name, None)
        if line is not None:
            self.lines[name] = line

    def drop(self, name: str, defined_at: SourceLoc | str | None) -> None:
        """Forgets `name` because only some paths define it; `defined_at` (or a sentence) explains a
        later read."""
        self.values.pop(name, None)
        if defined_at is not None:
            self.partial[name] = defined_at

    def __contains__(self, name: str) -> bool:
        return name in self.values
