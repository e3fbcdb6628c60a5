"""Storing in the background: linking a fresh compile's code into a shared library (a run of the
system linker, 15-50 ms) and writing its entry happen on a thread of their own (`zyg.background`), so
the first call of a compiled function does not wait for them.

In: a cache folder, a key and a fresh `zyg.build.Build` whose engine holds its final code (a first-tier
build is stored by `zyg.tier_up` once optimised). Out: its entry in the folder once the thread is done.
"""

from __future__ import annotations

import os

from zyg import background
from zyg.backend.shared_library import link_shared_library
from zyg.disk_cache.store import store


def store_later(directory: str, key: str, build) -> None:
    """Links `build`'s code into a library in `directory` and stores it under `key`, on a new thread."""
    background.run_later(lambda: _link_and_store(directory, key, build), directory, key, "zyg-disk-cache")


def _link_and_store(directory: str, key: str, build) -> None:
    try:
        library = link_shared_library(build.engine.dump_to_object_file, directory)
        if library is not None:  # no linker, or a folder it cannot write: the compile stays in memory
            try:
                store(directory, key, build, library)
            finally:
                os.unlink(library)
    except OSError:  # the folder went away meanwhile (cleared by hand): nothing is stored
        pass
