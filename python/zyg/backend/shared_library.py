"""Native code as a file, for the disk cache and export: object code -> a shared library.

In: a function writing a module's object code to a path (an `ExecutionEngine`'s `dump_to_object_file`,
or the optimising tier's, `zyg.tier_up`; position independent, see `engine.py`), or object code as
bytes (`library_bytes`, for `zyg.export`). Out: the path (or the bytes) of a `.so` exporting the module's `<entry>_python` functions, linked by the system linker (`cc`, else `ld`). Without
one (or off Linux), `linker()` is None and nothing is cached. The library's undefined symbols (libc,
libm, OpenBLAS) resolve when it is loaded; see `jit.load_library`.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable

# Files being written carry this prefix; the disk cache's `clear` leaves them alone.
TEMPORARY_PREFIX = ".zyg-"


@functools.cache
def linker() -> tuple[str, ...] | None:
    """The command that links a shared library from an object file, or None when there is none."""
    if not sys.platform.startswith("linux"):
        return None
    for name in ("cc", "gcc", "clang"):
        path = shutil.which(name)
        if path is not None:
            return (path, "-shared", "-Wl,-Bsymbolic")
    path = shutil.which("ld")
    return None if path is None else (path, "-shared", "-Bsymbolic")


def link_shared_library(write_object: Callable[[str], None], directory: str) -> str | None:
    """Links the object code `write_object(path)` writes into a new shared library in `directory`; None
    if that fails (no linker, a folder that cannot be written, or `write_object` raises `RuntimeError`)."""
    command = linker()
    if command is None:
        return None
    try:
        descriptor, library = tempfile.mkstemp(suffix=".so", prefix=TEMPORARY_PREFIX, dir=directory)
    except OSError:
        return None
    os.close(descriptor)
    obj = library[:-3] + ".o"
    try:
        write_object(obj)
        # -Bsymbolic: the library's own functions bind to themselves, not to a namesake loaded earlier.
        linked = subprocess.run([*command, "-o", library, obj, "-lm"], capture_output=True).returncode == 0
    except (OSError, RuntimeError):
        linked = False
    finally:
        if os.path.exists(obj):
            os.unlink(obj)
    if not linked:
        os.unlink(library)
        return None
    return library


def library_bytes(code: bytes) -> bytes | None:
    """The shared library linked from object `code`, as bytes (linked in a folder of its own, then
    removed); None without a linker or when it fails."""
    folder = tempfile.mkdtemp(prefix=TEMPORARY_PREFIX)
    try:
        library = link_shared_library(lambda path: _write(path, code), folder)
        if library is None:
            return None
        with open(library, "rb") as f:
            return f.read()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
