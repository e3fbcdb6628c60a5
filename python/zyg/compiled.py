"""What compiling one request yields: the native entry point and the Python-level facts about it.

Plain data (no xDSL), so that a disk-cache hit (`zyg.disk_cache`) rebuilds it without the compiler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from zyg.backend.jit import NativeFunction
from zyg.entry_abi import ENTRY
from zyg.frontend.dependencies import data_readers
from zyg.frontend.trees import TreeDef, flatten
from zyg.typecodes import type_code_of


@dataclass
class CompiledRequest:
    """A compiled request.

    Attributes:
        entries: the callable entry points by name (`zyg.entry_abi`): `native` is the main one.
        return_tree: the structure of what the Python function returns and its leaves' type codes
            (`zyg.frontend.trees`); the native results are its leaves.
        stages: the IR text of every stage, when it was asked for.
        guard: whether the compile still stands (`zyg.frontend.dependencies.Guard`): False once a
            global, closure variable, callee or default argument it read means something else.
        free_trees: the structure of each free datum (a global or closure variable holding arrays)
            the native code takes after the arguments, read at each call by `free_readers` (made by
            `free_readers_of` from the compile's records).
        strings: the string table of its host calls (`zyg.host.HostCalls`), which names the str it
            read at run time and returns; None without host calls.
    """

    entries: dict[str, NativeFunction]
    return_tree: TreeDef
    stages: dict[str, str] = field(default_factory=dict)
    guard: Callable[[], bool] | None = None
    free_trees: tuple[TreeDef, ...] = ()
    free_records: tuple[int, ...] = ()  # their `Dependencies` records
    free_readers: list[Callable[[], object]] | None = None
    strings: list[str] | None = None

    @property
    def native(self) -> NativeFunction:
        """The entry of the request (a pullback's forward half)."""
        return self.entries[ENTRY]

    def is_current(self) -> bool:
        """Whether what the compile read is still bound as it was, and its free data still has the
        structure it was compiled for."""
        return self.guard_holds() and self.free_leaves() is not None

    def guard_holds(self) -> bool:
        """Whether every name, attribute and callee the compile read is bound as it was (checked at
        each call; the free data is checked as it is read)."""
        return self.guard is None or self.guard()

    def free_leaves(self) -> list | None:
        """The leaves of the free data as it is bound now, in the order the native code takes them;
        None when one no longer has the structure or leaf types it was compiled for."""
        if not self.free_trees:
            return []
        if self.free_readers is None:
            return None
        leaves: list = []
        for read, expected in zip(self.free_readers, self.free_trees, strict=True):
            try:
                tree, parts = flatten(read(), type_code_of)
            except Exception:  # unbound, or no longer something zyg takes: compile again, which says why
                return None
            if tree != expected:
                return None
            leaves += parts
        return leaves


def free_readers_of(fn, records: list, indices: tuple[int, ...], roots: tuple = ()) -> list | None:
    """The readers of the free data at record `indices` of a compile of `fn` (specialised on the
    functions `roots`, see `zyg.frontend.dependencies`) that read `records`."""
    return data_readers(fn, records, indices, roots) if indices else []
