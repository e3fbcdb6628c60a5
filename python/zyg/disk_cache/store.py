"""The cache's files: an entry (JSON) per request key and the shared libraries the entries name.

In: a trusted cache folder (`folder.py`), the user's secret (`seal.py`), a key (`key.py`) and a fresh
`Build` to store, or a key and the function to load it for. Out: on load, a `CompiledRequest` whose code
comes from the cached library, or None for a miss.

Layout of the cache folder: `<key>.json` says how to call the code (ABI, run-time checks, result
types), which runtime libraries it needs and what the compile depended on, sealed with the user's
secret; `<sha256>.so` is the library, named by its content, which the seal therefore covers too. Every
file is written under a temporary name and renamed into place, so readers see whole files only, and
processes compiling the same request at once both succeed (the last entry written wins). A file that
cannot be read, parsed or verified, is not the user's alone, or is a symbolic link, is a miss, and the
next compile replaces it.
"""

from __future__ import annotations

import hashlib
import json
import os
import types

import numpy as np

from zyg.backend.jit import Check, load_library
from zyg.backend.shared_library import TEMPORARY_PREFIX
from zyg.compiled import CompiledRequest, free_readers_of
from zyg.disk_cache.folder import FILE_MODE, Untrusted, read_trusted, warn_once, write_atomically
from zyg.disk_cache.seal import seal, unseal, user_secret
from zyg.entry_abi import EntryABI, Slot
from zyg.errors import SourceLoc
from zyg.frontend.dependencies import Guard, still_valid
from zyg.frontend.trees import NotDescribable, tree_from_description


def load(directory: str, key: str, fn: types.FunctionType) -> CompiledRequest | None:
    """The cached compile of `key` if its entry is sealed with the user's secret, its library is the one
    sealed and its dependencies still hold, else None."""
    secret = user_secret()
    try:
        entry = None if secret is None else unseal(secret, key, json.loads(read_trusted(directory, f"{key}.json")))
        if entry is None or not still_valid(fn, entry["dependencies"]):
            return None
        # Hashed as read, no link followed; no one else may write the folder (`folder.trusted_folder`),
        # so the file loaded next by name is the one hashed.
        if f"{hashlib.sha256(read_trusted(directory, entry['library'])).hexdigest()}.so" != entry["library"]:
            return None
        abis = [EntryABI(_slots(abi["args"]), _slots(abi["results"]), abi["name"]) for abi in entry["entries"]]
        checks = [Check(error, SourceLoc(*loc) if loc else None, message) for error, loc, message in entry["checks"]]
        natives = load_library(os.path.join(directory, entry["library"]), entry["needs"], abis, checks)
        free_records = tuple(entry["free_records"])
        return CompiledRequest(natives, tree_from_description(entry["return_tree"]),
                               guard=Guard(fn, entry["dependencies"]),
                               free_trees=tuple(tree_from_description(t) for t in entry["free_trees"]),
                               free_records=free_records,
                               free_readers=free_readers_of(fn, entry["dependencies"], free_records))
    except Untrusted as exc:
        warn_once(directory, str(exc))
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, LookupError):
        return None


def store(directory: str, key: str, build, library: str) -> None:
    """Moves `library` (`build`'s code, linked) into the cache and writes its sealed entry; a failure
    only skips caching."""
    compiled = build.compiled
    secret = user_secret()
    try:
        trees = {"return_tree": compiled.return_tree.describe(), "free_trees": [t.describe() for t in compiled.free_trees]}
    except NotDescribable:
        trees = None
    if secret is None or trees is None:  # nothing to seal it with, or a function returned: kept in memory only
        os.unlink(library)
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
        with os.fdopen(os.open(library, os.O_RDONLY | os.O_NOFOLLOW), "rb") as f:
            # The linker chose the mode from the umask; the cache trusts only files the user alone may write.
            os.fchmod(f.fileno(), FILE_MODE)
            entry["library"] = f"{hashlib.sha256(f.read()).hexdigest()}.so"
        # Named by content: a concurrent store of the same library replaces it with the same bytes.
        os.replace(library, os.path.join(directory, entry["library"]))
        write_atomically(directory, f"{key}.json", json.dumps(seal(secret, key, entry)).encode())
    except OSError:
        if os.path.exists(library):
            os.unlink(library)


def clear(directory: str) -> int:
    """Deletes the cache's entries and libraries (not the files being written now); returns how many.
    A symbolic link is deleted itself (`unlink` never follows one): what it points at is left alone."""
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


def _slot_data(slot: Slot) -> list:
    return [slot.kind, slot.rank, None if slot.dtype is None else slot.dtype.str]


def _slots(data: list) -> tuple[Slot, ...]:
    return tuple(Slot(kind, rank, None if dtype is None else np.dtype(dtype)) for kind, rank, dtype in data)
