"""The cache's files: an entry (JSON) per request key and the shared libraries the entries name.

In: a key (`key.py`) and a fresh `Build` to store, or a key and the function to load it for. Out:
on load, a `CompiledRequest` whose code comes from the cached library, or None for a miss.

Layout of the cache folder: `<key>.json` says how to call the code (ABI, run-time checks, result
types), which runtime libraries it needs and what the compile depended on; `<sha256>.so` is the
library, named by its content. Every file is written under a temporary name and renamed into place,
so readers see whole files only, and processes compiling the same request at once both succeed (the
last entry written wins). A file that cannot be read, parsed or verified is a miss, and the next
compile replaces it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import types

import numpy as np

from zyg.backend.jit import Check, load_library
from zyg.backend.shared_library import TEMPORARY_PREFIX
from zyg.compiled import CompiledRequest, free_readers_of
from zyg.entry_abi import EntryABI, Slot
from zyg.errors import SourceLoc
from zyg.frontend.dependencies import Guard, still_valid
from zyg.frontend.trees import NotDescribable, tree_from_description


def cache_directory() -> str | None:
    """The cache folder: `$ZYG_CACHE_DIR`, else `$XDG_CACHE_HOME/zyg`, else `~/.cache/zyg`; None when
    `ZYG_CACHE=0` or the folder cannot be created."""
    if os.environ.get("ZYG_CACHE", "1") == "0":
        return None
    path = os.environ.get("ZYG_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "zyg")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return None
    return path


def load(directory: str, key: str, fn: types.FunctionType) -> CompiledRequest | None:
    """The cached compile of `key` if its entry is whole and its dependencies still hold, else None."""
    try:
        with open(os.path.join(directory, f"{key}.json"), encoding="utf-8") as f:
            entry = json.load(f)
        if not still_valid(fn, entry["dependencies"]):
            return None
        library = os.path.join(directory, entry["library"])
        if f"{_digest(library)}.so" != entry["library"]:
            return None
        abis = [EntryABI(_slots(abi["args"]), _slots(abi["results"]), abi["name"]) for abi in entry["entries"]]
        checks = [Check(error, SourceLoc(*loc) if loc else None, message) for error, loc, message in entry["checks"]]
        natives = load_library(library, entry["needs"], abis, checks)
        free_records = tuple(entry["free_records"])
        return CompiledRequest(natives, tree_from_description(entry["return_tree"]),
                               guard=Guard(fn, entry["dependencies"]),
                               free_trees=tuple(tree_from_description(t) for t in entry["free_trees"]),
                               free_records=free_records,
                               free_readers=free_readers_of(fn, entry["dependencies"], free_records))
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, LookupError):
        return None


def store(directory: str, key: str, build) -> None:
    """Moves `build`'s library into the cache and writes its entry; a failure only skips caching."""
    compiled = build.compiled
    try:
        trees = {"return_tree": compiled.return_tree.describe(), "free_trees": [t.describe() for t in compiled.free_trees]}
    except NotDescribable:  # a function returned: kept in memory only
        os.unlink(build.library)
        return
    entry = {
        "entries": [{"name": native.abi.name, "args": [_slot_data(s) for s in native.abi.args],
                     "results": [_slot_data(s) for s in native.abi.results]} for native in compiled.entries.values()],
        "checks": [[c.error, [c.loc.filename, c.loc.line, c.loc.col] if c.loc else None, c.message]
                   for c in compiled.native.checks],
        "needs": list(build.needs),
        **trees,
        "free_records": list(compiled.free_records),
        "dependencies": build.dependencies.records,
    }
    try:
        entry["library"] = f"{_digest(build.library)}.so"
        # Named by content: a concurrent store of the same library replaces it with the same bytes.
        os.replace(build.library, os.path.join(directory, entry["library"]))
        _write_atomically(os.path.join(directory, f"{key}.json"), json.dumps(entry).encode())
    except OSError:
        if os.path.exists(build.library):
            os.unlink(build.library)


def clear(directory: str) -> int:
    """Deletes the cache's entries and libraries (not the files being written now); returns how many."""
    removed = 0
    for name in os.listdir(directory):
        if name.startswith(TEMPORARY_PREFIX) or not name.endswith((".json", ".so")):
            continue
        try:
            os.unlink(os.path.join(directory, name))
            removed += 1
        except FileNotFoundError:  # another process cleared it first
            pass
    return removed


def _write_atomically(path: str, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=os.path.dirname(path))
    try:
        with os.fdopen(descriptor, "wb") as f:
            f.write(data)
        os.replace(temporary, path)
    except OSError:
        os.unlink(temporary)
        raise


def _digest(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _slot_data(slot: Slot) -> list:
    return [slot.kind, slot.rank, None if slot.dtype is None else slot.dtype.str]


def _slots(data: list) -> tuple[Slot, ...]:
    return tuple(Slot(kind, rank, None if dtype is None else np.dtype(dtype)) for kind, rank, dtype in data)
