"""The persistent compile cache: native code kept on disk across processes, loaded only if the user's
own zyg wrote it.

A request (function, what is asked, argument types) compiled once is loaded in later processes
without the compiler: `key.py` names it (entry source, argument types, compiler and host), the
entry file records what else the compile read, checked on load (`zyg.frontend.dependencies`), and
`store.py` keeps the files (`writer.py` stores on a thread, so a first call does not wait for the
linker; `wait` joins it). `folder.py` refuses a folder or file that anyone but the user may have
written, and `seal.py` signs each entry (and through it, its library) with a secret of the user's, so a
planted, edited or damaged entry is a miss. Settings: `ZYG_CACHE_DIR` (default `$XDG_CACHE_HOME/zyg` or
`~/.cache/zyg`), `ZYG_CACHE=0` to turn it off. Without a system linker nothing is stored.
"""

from __future__ import annotations

import os

from zyg.background import wait
from zyg.disk_cache.folder import Untrusted, trusted_folder, warn_once
from zyg.disk_cache.key import request_key
from zyg.disk_cache.seal import user_secret
from zyg.disk_cache.store import clear, load
from zyg.disk_cache.writer import store_later


def cache_directory() -> str | None:
    """The cache folder: `$ZYG_CACHE_DIR`, else `$XDG_CACHE_HOME/zyg`, else `~/.cache/zyg`, created
    (mode 0700) if missing. None when `ZYG_CACHE=0`, when the folder cannot be created, belongs to another
    user or may be written by group or others, or when there is no secret to seal entries with; the
    last three are said once (a `RuntimeWarning`)."""
    if os.environ.get("ZYG_CACHE", "1") == "0":
        return None
    path = os.environ.get("ZYG_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "zyg")
    try:
        trusted_folder(path)
    except (OSError, Untrusted) as exc:
        warn_once(path, str(exc))
        return None
    return path if user_secret() is not None else None


def clear_cache() -> int:
    """Deletes every compiled function from the disk cache and returns how many files went.

    Functions already loaded in running processes keep working. Deleting the cache folder
    (`rm -rf ~/.cache/zyg`) does the same while no zyg process is compiling. A symbolic link in the
    folder is deleted, never followed; a folder zyg does not trust (see `cache_directory`) is left alone.

    Example:
        >>> import zyg
        >>> zyg.clear_cache() >= 0
        True
    """
    directory = cache_directory()
    if directory is None:
        return 0
    wait(directory)
    return clear(directory)


__all__ = ["cache_directory", "clear_cache", "load", "request_key", "store_later", "wait"]
