"""Work after a compile that the caller does not wait for: storing in the disk cache
(`zyg.disk_cache.writer`) and compiling the optimised tier (`zyg.tier_up`).

In: a job (a function of no arguments) and what it is for: the cache folder and request key it
stores under, or None. Out: the job run on a thread of its own. `wait` joins the jobs: before this
process loads a key it may still be storing, before the cache folder is cleared, and when a user asks
for the optimised code (`zyg.wait_optimised`). The threads are not daemons, so the interpreter waits
for them at exit and a process that compiled leaves its cache entries behind.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

_pending: dict[threading.Thread, tuple[str | None, str | None]] = {}
_lock = threading.Lock()


def _forget_in_child() -> None:
    """A forked child has none of the parent's threads (their jobs are the parent's), and the lock may
    have been taken at the fork by one of them."""
    global _lock
    _pending.clear()
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)


def run_later(job: Callable[[], None], directory: str | None = None, key: str | None = None,
              name: str = "zyg-background") -> None:
    """Runs `job` on a new thread, as a job for cache folder `directory` and key `key` (None: neither)."""
    thread = threading.Thread(target=_run, args=(job,), name=name)
    with _lock:
        _pending[thread] = (directory, key)
    thread.start()


def wait(directory: str | None = None, key: str | None = None) -> None:
    """Returns once the jobs under way (for `directory`, for `key`, or all) are done."""
    with _lock:
        threads = [thread for thread, (folder, name) in _pending.items()
                   if directory in (None, folder) and key in (None, name)
                   and thread is not threading.current_thread()]  # a job does not wait for itself
    for thread in threads:
        thread.join()


def _run(job: Callable[[], None]) -> None:
    try:
        job()
    finally:
        with _lock:
            _pending.pop(threading.current_thread(), None)
