"""How deep compiled recursion may go: the lowest stack address a thread's compiled calls may reach.

In: the thread that calls a module with recursive functions. Out: `limit_function()`, the address of a
C function returning the calling thread's limit, which the loader puts in the module's state (see
`zyg.backend.runtime`) and the module's Python entries call before a call from a thread other than the
last one's (`zyg.backend.python_entry`). A recursive compiled function whose stack pointer is below the
limit fails with `RecursionError` naming it instead of overflowing the stack (a segfault).

The limit is the bottom of the thread's stack (`pthread_getattr_np`; for the main thread glibc derives
it from RLIMIT_STACK) plus a margin for what runs between two checks: a function's frame and the
non-recursive calls it makes, `_zyg_fail`, a host call into Python. It is computed once per thread.
Without glibc's call (not Linux) the limit is 0: no check fails.
"""

from __future__ import annotations

import ctypes
import threading

_MARGIN = 256 << 10  # bytes; a quarter of the stack where that is less
_ATTR_BYTES = 128  # at least sizeof(pthread_attr_t) (56 on x86-64, 64 on AArch64)
_local = threading.local()


_LIMIT_FUNCTION = ctypes.CFUNCTYPE(ctypes.c_int64)


def limit_function() -> int:
    """The address of the C function (a ctypes callback, which takes the GIL) returning the calling
    thread's limit; it lives as long as the process."""
    return ctypes.cast(_thread_limit_function, ctypes.c_void_p).value


def _thread_limit() -> int:
    limit = getattr(_local, "limit", None)
    if limit is None:
        limit = _local.limit = _stack_bottom_limit()
    return limit


def _stack_bottom_limit() -> int:
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "pthread_getattr_np"):
        return 0
    attr = ctypes.create_string_buffer(_ATTR_BYTES)
    libc.pthread_self.restype = ctypes.c_void_p
    if libc.pthread_getattr_np(ctypes.c_void_p(libc.pthread_self()), attr) != 0:
        return 0
    bottom, size = ctypes.c_void_p(), ctypes.c_size_t()
    failed = libc.pthread_attr_getstack(attr, ctypes.byref(bottom), ctypes.byref(size))
    libc.pthread_attr_destroy(attr)
    if failed or not bottom.value:
        return 0
    return bottom.value + min(_MARGIN, size.value // 4)


_thread_limit_function = _LIMIT_FUNCTION(_thread_limit)
