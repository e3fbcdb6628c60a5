"""SSA name environment for the frontend.

A `Scope` maps Python variable names to the SSA value they hold at the current point. Branches and
loop bodies work on a fork; the codegen merges forks back through `scf.if`/`scf.for`/`scf.while`
results. Names that only some paths define are remembered with the line that defined them, so a later
read gets a clear error instead of a wrong value.
"""

from __future__ import annotations

from xdsl.ir import SSAValue

from zyg.errors import SourceLoc


class Scope:
    """Variables in scope: `values[name]` is the SSA value of `name` here."""

    def __init__(self, values: dict[str, SSAValue] | None = None,
                 partial: dict[str, SourceLoc] | None = None):
        self.values: dict[str, SSAValue] = dict(values or {})
        self.partial: dict[str, SourceLoc] = dict(partial or {})

    def fork(self) -> Scope:
        """A copy for a branch or loop body; changes to it leave this scope untouched."""
        return Scope(self.values, self.partial)

    def get(self, name: str) -> SSAValue | None:
        return self.values.get(name)

    def set(self, name: str, value: SSAValue) -> None:
        self.values[name] = value
        self.partial.pop(name, None)

    def drop(self, name: str, defined_at: SourceLoc | None) -> None:
        """Forgets `name` because only some paths define it; `defined_at` explains a later read."""
        self.values.pop(name, None)
        if defined_at is not None:
            self.partial[name] = defined_at

    def __contains__(self, name: str) -> bool:
        return name in self.values
