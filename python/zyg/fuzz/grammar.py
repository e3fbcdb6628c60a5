"""The machinery the program generators share: an indented source writer, a typed scope, and a
weighted choice among builders.

A generator is a set of builder methods, each writing one kind of expression or statement; it
picks among them with `choose`, so a new construct is one more (weight, builder) row in a table.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Writer:
    """Source lines with the current indentation."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    @contextmanager
    def indented(self) -> Iterator[None]:
        self.depth += 1
        start = len(self.lines)
        try:
            yield
        finally:
            if len(self.lines) == start:  # an empty block is a syntax error
                self.line("pass")
            self.depth -= 1

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class Scope:
    """Names visible at the current point, each with a type tag, and apart from them the structured
    names and their parts (`p`, `p['w']`, `p.w[0]`), each with its `trees.Node`; a block's names die
    with it, so nothing is read after a branch that may not have assigned it."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = [{}]
        self.struct_frames: list[dict[str, Any]] = [{}]

    def add(self, name: str, tag: Any) -> None:
        self.frames[-1][name] = tag

    def add_struct(self, name: str, node: Any) -> None:
        self.struct_frames[-1][name] = node

    def structs(self) -> list[tuple[str, Any]]:
        merged: dict[str, Any] = {}
        for frame in self.struct_frames:
            merged.update(frame)
        return list(merged.items())

    def items(self) -> list[tuple[str, Any]]:
        merged: dict[str, Any] = {}
        for frame in self.frames:
            merged.update(frame)
        return list(merged.items())

    def names(self, accept: Callable[[Any], bool]) -> list[str]:
        return [name for name, tag in self.items() if accept(tag)]

    def tag(self, name: str) -> Any:
        return dict(self.items())[name]

    @contextmanager
    def block(self) -> Iterator[None]:
        self.frames.append({})
        self.struct_frames.append({})
        try:
            yield
        finally:
            self.frames.pop()
            self.struct_frames.pop()


def choose(rng: random.Random, table: list[tuple[float, Callable[[], Any]]]) -> Any:
    """Calls one builder of `table`, picked with probability proportional to its weight."""
    weights = [weight for weight, _ in table]
    _, builder = rng.choices(table, weights=weights)[0]
    return builder()
