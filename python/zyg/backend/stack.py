"""How deep compiled recursion may go: the lowest stack address a thread's compiled calls may reach.

In: a module's `@_zyg_runtime` state (see `zyg.backend.runtime`) and the thread that calls it. Out:
`StackLimit`, which writes the calling thread's limit into the state before a call from a thread other
than the last one's. A recursive compiled function whose stack pointer is below the limit fails with
`RecursionError` naming it instead of overflowing the stack (a segfault).

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


class StackLimit:
    """The stack-limit word of one module's runtime state, and the thread it was last set for."""

    __slots__ = ("state", "thread")

    def __init__(self, state: ctypes.Array):
        self.state, self.thread = state, None

    def enter(self) -> None:
        """Sets the limit for the calling thread."""
        self.thread = threading.get_ident()
        self.state[1] = _thread_limit()


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
