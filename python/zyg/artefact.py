"""Compiled code as one file: the format the disk cache stores and `zyg.export` writes.

An artefact is `MAGIC`, the length of its header (8 bytes, little-endian), the header (JSON) and its
sections (raw bytes, one after the other). The header says how to call the code: its entries' ABIs,
run-time checks and result structure (`describe`), the runtime libraries it needs, the machine and CPU
baseline it was compiled for, and where each section lies with the SHA-256 of its bytes. The sections
are the shared library (`LIBRARY`) and, in an exported function, the values it holds fixed (NumPy's
`.npy` format). The disk cache seals the header with the user's secret (`zyg.disk_cache.seal`);
`zyg.export` writes it as it is.

Reading one needs NumPy and the standard library only: no xDSL, no MLIR. `load_code` turns a header
and its library into entry points (`jit.load_library`, from a private copy of the library: a process
never maps a file someone may later rewrite in place).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import platform
import shutil
import struct
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from zyg.backend.jit import Check, NativeFunction, load_library
from zyg.backend.shared_library import TEMPORARY_PREFIX
from zyg.entry_abi import EntryABI, Slot
from zyg.errors import SourceLoc
from zyg.frontend.trees import TreeDef, tree_from_description

MAGIC = b"zyg-artefact\n"
FORMAT = 1  # the header's "format": an artefact of another format is refused (a cache miss)
LIBRARY = "library"
_LENGTH = struct.Struct("<Q")
_LOADED = itertools.count()


class ArtefactError(ValueError):
    """Bytes that are not a whole artefact of this format (damaged, truncated, or not one at all)."""


def pack(header: Mapping, sections: Mapping[str, bytes], wrap: Callable[[dict], dict] | None = None) -> bytes:
    """The artefact of `header` (JSON data) and `sections`, whose places and hashes the header gains;
    `wrap`, given the whole header, returns the one written (the disk cache's seals it)."""
    places, offset = {}, 0
    for name, data in sections.items():
        places[name] = [offset, len(data), hashlib.sha256(data).hexdigest()]
        offset += len(data)
    whole = {**header, "format": FORMAT, "sections": places}
    text = json.dumps(whole if wrap is None else {**wrap(whole), "format": FORMAT}).encode()
    return b"".join([MAGIC, _LENGTH.pack(len(text)), text, *sections.values()])


def unpack(data: bytes) -> tuple[dict, bytes]:
    """`(header, body)` of an artefact: its header as written and the bytes of its sections (see
    `section`). Raises `ArtefactError` if `data` is not one."""
    start = len(MAGIC) + _LENGTH.size
    if not data.startswith(MAGIC) or len(data) < start:
        raise ArtefactError("not a zyg artefact")
    (length,) = _LENGTH.unpack_from(data, len(MAGIC))
    try:
        header = json.loads(data[start:start + length])
    except ValueError:
        raise ArtefactError("the artefact's header is damaged") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ArtefactError(f"an artefact of another format than {FORMAT} (written by another version of zyg)")
    return header, data[start + length:]


def section(header: Mapping, body: bytes, name: str) -> bytes:
    """The bytes of section `name`, checked against the hash in the header (which a sealed header
    covers). Raises `ArtefactError` if it is missing or damaged."""
    try:
        offset, size, digest = header["sections"][name]
    except (KeyError, TypeError, ValueError):
        raise ArtefactError(f"the artefact has no section {name!r}") from None
    data = body[offset:offset + size]
    if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
        raise ArtefactError(f"the artefact's section {name!r} is damaged")
    return data


def machine() -> dict:
    """What code compiled here runs with: the operating system, the processor architecture, and the
    Python and NumPy whose objects it reads and builds (their C structures' layout)."""
    return {"system": sys.platform, "machine": platform.machine(), "python": "{}.{}".format(*sys.version_info),
            "numpy": np.__version__.split(".")[0]}


def describe(abis: Sequence[EntryABI], checks: Sequence[Check], needs: Sequence[str], return_tree: TreeDef,
             free_trees: Sequence[TreeDef]) -> dict:
    """The header fields of compiled code: its entries' ABIs, its run-time checks, the runtime libraries
    it calls (`needs`), and the structure of its results and of the free data it takes.

    Raises:
        NotDescribable: if a structure names a class that cannot be found again by name.
    """
    return {
        **machine(),
        "entries": [{"name": abi.name, "args": [_slot_data(s) for s in abi.args],
                     "results": [_slot_data(s) for s in abi.results]} for abi in abis],
        "checks": [[c.error, [c.loc.filename, c.loc.line, c.loc.col] if c.loc else None, c.message] for c in checks],
        "needs": list(needs),
        "return_tree": return_tree.describe(),
        "free_trees": [t.describe() for t in free_trees],
    }


def load_code(header: Mapping, library: bytes) -> tuple[dict[str, NativeFunction], TreeDef, tuple[TreeDef, ...]]:
    """The entry points of `library` as `header` describes them, with the result and free-data trees.

    Raises:
        ArtefactError: if the code was compiled for another system or processor.
        OSError: if the library (or one it needs) cannot be loaded.
        KeyError, TypeError, ValueError: if the header is not one `describe` wrote.
    """
    here = machine()
    if {key: header.get(key) for key in here} != here:
        raise ArtefactError(f"compiled for {_platform_words(header)}, and this is {_platform_words(here)}")
    abis = [EntryABI(_slots(abi["args"]), _slots(abi["results"]), abi["name"]) for abi in header["entries"]]
    checks = [Check(error, SourceLoc(*loc) if loc else None, message) for error, loc, message in header["checks"]]
    trees = [structure(header["return_tree"]), *(structure(t) for t in header["free_trees"])]
    natives = _load_private_copy(library, header["needs"], abis, checks)
    return natives, trees[0], tuple(trees[1:])


def structure(description: list) -> TreeDef:
    """`tree_from_description`, a class it names and this process lacks an `ArtefactError` saying so.

    Raises:
        ArtefactError: if a dataclass or NamedTuple it names is not in a module this process has imported.
    """
    try:
        return tree_from_description(description)
    except LookupError as exc:
        raise ArtefactError(f"the class {exc.args[0]} of the compiled function's arguments or results is not found "
                            "here: import the module that defines it first") from None


def _platform_words(fields: Mapping) -> str:
    return (f"{fields.get('machine')} ({fields.get('system')}) with Python {fields.get('python')} and "
            f"NumPy {fields.get('numpy')}.x")


def array_bytes(value) -> bytes:
    """A value held fixed in an exported function (a NumPy array or a Python scalar) as `.npy` bytes."""
    out = io.BytesIO()
    np.save(out, np.asarray(value), allow_pickle=False)
    return out.getvalue()


def array_from(data: bytes) -> np.ndarray:
    """`array_bytes`' value back, as an array (a 0-d one for a scalar)."""
    return np.load(io.BytesIO(data), allow_pickle=False)


def _load_private_copy(library: bytes, needs, abis, checks) -> dict[str, NativeFunction]:
    # A file of a folder of the process's own, removed once loaded (the mapping stays). Its name is
    # new to this process: the loader would hand back a library it has loaded by that name before.
    folder = tempfile.mkdtemp(prefix=TEMPORARY_PREFIX)
    try:
        path = os.path.join(folder, f"code-{os.getpid()}-{next(_LOADED)}.so")
        with open(path, "wb") as f:
            f.write(library)
        return load_library(path, needs, abis, checks)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _slot_data(slot: Slot) -> list:
    return [slot.kind, slot.rank, None if slot.dtype is None else slot.dtype.str]


def _slots(data: list) -> tuple[Slot, ...]:
    return tuple(Slot(kind, rank, None if dtype is None else np.dtype(dtype)) for kind, rank, dtype in data)
