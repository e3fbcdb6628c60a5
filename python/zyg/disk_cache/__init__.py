"""The persistent compile cache: native code kept on disk across processes.

A request (function, what is asked, argument types) compiled once is loaded in later processes
without the compiler: `key.py` names it (entry source, argument types, compiler and host), the
entry file records what else the compile read, checked on load (`zyg.frontend.dependencies`), and
`store.py` keeps the files. Settings: `ZYG_CACHE_DIR` (default `$XDG_CACHE_HOME/zyg` or
`~/.cache/zyg`), `ZYG_CACHE=0` to turn it off. Without a system linker nothing is stored.
"""

from __future__ import annotations

from zyg.disk_cache.key import request_key
from zyg.disk_cache.store import cache_directory, clear, load, store


def clear_cache() -> int:
    """Deletes every compiled function from the disk cache and returns how many files went.

    Functions already loaded in running processes keep working. Deleting the cache folder
    (`rm -rf ~/.cache/zyg`) does the same while no zyg process is compiling.

    Example:
        >>> import zyg
        >>> zyg.clear_cache() >= 0
        True
    """
    directory = cache_directory()
    return 0 if directory is None else clear(directory)


__all__ = ["cache_directory", "clear_cache", "load", "request_key", "store"]
