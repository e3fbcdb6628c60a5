"""The cache's files: one artefact per request key, its code and how to call it.

In: a trusted cache folder (`folder.py`), the user's secret (`seal.py`), a key (`key.py`) and a fresh
`Build` to store, or a key and the function to load it for. Out: on load, a `CompiledRequest` whose code
comes from the cached library, or None for a miss.

Layout of the cache folder: `<key>.zyg` per request, an artefact (`zyg.artefact`, the format
`zyg.export` writes): its header says how to call the code (ABI, run-time checks, result types),
which runtime libraries it needs and what the compile depended on, and holds the SHA-256 of the
shared library that follows it; the header is sealed with the user's secret, which so covers the code
too. Every file is written under a temporary name and renamed into place, so readers see whole files
only, and processes compiling the same request at once both succeed (the last one written wins). A
file that cannot be read, parsed or verified, is not the user's alone, or is a symbolic link, is a
miss, and the next compile replaces it.
"""

from __future__ import annotations

import os
import types

from zyg.artefact import LIBRARY, ArtefactError, describe, load_code, pack, section, unpack
from zyg.backend.shared_library import TEMPORARY_PREFIX
from zyg.compiled import CompiledRequest, free_readers_of
from zyg.disk_cache.folder import Untrusted, read_trusted, warn_once, write_atomically
from zyg.disk_cache.seal import seal, unseal, user_secret
from zyg.frontend.dependencies import Guard, still_valid
from zyg.frontend.trees import NotDescribable

SUFFIX = ".zyg"
_EARLIER = (".json", ".so")  # the two files per request zyg wrote before artefacts: `clear` removes them too


def load(directory: str, key: str, fn: types.FunctionType) -> CompiledRequest | None:
    """The cached compile of `key` if its artefact is sealed with the user's secret, its library is the
    one sealed and its dependencies still hold, else None."""
    secret = user_secret()
    try:
        if secret is None:
            return None
        header, body = unpack(read_trusted(directory, f"{key}{SUFFIX}"))
        entry = unseal(secret, key, header)
        if entry is None or not still_valid(fn, entry["dependencies"]):
            return None
        natives, return_tree, free_trees = load_code(entry, section(entry, body, LIBRARY))
        free_records = tuple(entry["free_records"])
        return CompiledRequest(natives, return_tree, guard=Guard(fn, entry["dependencies"]), free_trees=free_trees,
                               free_records=free_records,
                               free_readers=free_readers_of(fn, entry["dependencies"], free_records))
    except Untrusted as exc:
        warn_once(directory, str(exc))
        return None
    except (OSError, ArtefactError, ValueError, KeyError, TypeError, IndexError, AttributeError, LookupError):
        return None


def store(directory: str, key: str, build, library: str) -> None:
    """Writes `build`'s artefact, with the shared library at `library` (its code, linked; left where
    it is), sealed, under `key`; a failure only skips caching."""
    secret = user_secret()
    if secret is None:
        return
    try:
        compiled = build.compiled
        header = {**describe([native.abi for native in compiled.entries.values()], compiled.native.checks, build.needs,
                             compiled.return_tree, compiled.free_trees),
                  "free_records": list(compiled.free_records), "dependencies": build.dependencies.records}
    except NotDescribable:  # a function returned: kept in memory only
        return
    try:
        with open(library, "rb") as f:
            code = f.read()
        write_atomically(directory, f"{key}{SUFFIX}",
                         pack(header, {LIBRARY: code}, wrap=lambda whole: seal(secret, key, whole)))
    except OSError:
        pass


def clear(directory: str) -> int:
    """Deletes the cache's artefacts (not the files being written now); returns how many. A symbolic
    link is deleted itself (`unlink` never follows one): what it points at is left alone."""
    removed = 0
    for name in os.listdir(directory):
        if name.startswith(TEMPORARY_PREFIX) or not name.endswith((SUFFIX, *_EARLIER)):
            continue
        try:
            os.unlink(os.path.join(directory, name))
            removed += 1
        except FileNotFoundError:  # another process cleared it first
            pass
    return removed
