"""Storing in the background: linking a fresh compile's code into a shared library (a run of the
system linker, 15-50 ms) and writing its entry happen on a thread of their own, so the first call of
a compiled function does not wait for them.

In: a cache folder, a key and a fresh `zyg.build.Build` (its engine holds the machine code). Out: its
entry in the folder once the thread is done. `wait` joins the threads: before this process loads a key
it is still storing, and before the folder is cleared. They are not daemons, so the interpreter waits
for them at exit and a process that compiled leaves its entries behind.
"""

from __future__ import annotations

import os
import threading

from zyg.backend.shared_library import link_shared_library
from zyg.disk_cache.store import store

_pending: dict[tuple[str, str], threading.Thread] = {}
_lock = threading.Lock()


def _forget_in_child() -> None:
    """A forked child has none of the parent's threads (their stores are the parent's), and the lock
    may have been taken at the fork by one of them."""
    global _lock
    _pending.clear()
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)


def store_later(directory: str, key: str, build) -> None:
    """Links `build`'s code into a library in `directory` and stores it under `key`, on a new thread."""
    thread = threading.Thread(target=_link_and_store, args=(directory, key, build), name="zyg-disk-cache")
    with _lock:
        _pending[(directory, key)] = thread
    thread.start()


def wait(directory: str | None = None, key: str | None = None) -> None:
    """Returns once the stores under way (into `directory`, of `key`, or all) are done."""
    with _lock:
        threads = [thread for (folder, name), thread in _pending.items()
                   if directory in (None, folder) and key in (None, name)
                   and thread is not threading.current_thread()]  # a store does not wait for itself
    for thread in threads:
        thread.join()


def _link_and_store(directory: str, key: str, build) -> None:
    try:
        library = link_shared_library(build.engine, directory)
        if library is not None:  # no linker, or a folder it cannot write: the compile stays in memory
            store(directory, key, build, library)
    except OSError:  # the folder went away meanwhile (cleared by hand): nothing is stored
        pass
    finally:
        with _lock:
            if _pending.get((directory, key)) is threading.current_thread():
                del _pending[(directory, key)]
