"""Native code as a file, for the disk cache: the JIT's object code -> a shared library.

In: an `ExecutionEngine` that compiled a module (position independent; see `engine.py`). Out: the
path of a `.so` exporting the module's `<entry>_python` functions, linked by the system linker (`cc`, else `ld`). Without
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
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the disk cache imports this module on a hit, without the MLIR bindings
    from mlir.execution_engine import ExecutionEngine

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


def link_shared_library(engine: ExecutionEngine, directory: str) -> str | None:
    """Links the engine's code into a new shared library in `directory`; None if that fails (no linker,
    or a folder that cannot be written)."""
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
        engine.dump_to_object_file(obj)
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
