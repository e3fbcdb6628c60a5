"""The C heap's policy for the buffers compiled code allocates and frees on every call.

In: nothing. Out: `keep_freed_buffers()`, called once before the first compiled call, which tells
glibc's `malloc` (through `mallopt`) to serve buffers up to 32 MiB from the heap and to keep up to
64 MiB of freed heap for the next call; elsewhere (not glibc) it does nothing.

Why: a gradient allocates its temporaries, frees them, and returns. glibc returns the freed top of
the heap to the kernel as soon as it exceeds twice the largest buffer freed so far, so each call
page-faults its temporaries in again, one fault per 4 KiB (the GMM gradient at d=10, K=25, n=1000:
5,500 faults and about 6 ms of a 14 ms call). These are the values glibc's own adaptive policy
reaches once it has seen a 32 MiB buffer freed; memory beyond them is still returned.
"""

from __future__ import annotations

import ctypes
import functools

MMAP_THRESHOLD_BYTES = 32 << 20  # glibc's largest adaptive threshold (DEFAULT_MMAP_THRESHOLD_MAX)
TRIM_THRESHOLD_BYTES = 2 * MMAP_THRESHOLD_BYTES  # glibc keeps twice the threshold when it adapts
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # <malloc.h>


@functools.cache
def keep_freed_buffers() -> bool:
    """Sets glibc's thresholds once per process; returns whether they were set."""
    libc = ctypes.CDLL(None)  # the process's own symbols, libc's among them (`find_library` runs ldconfig)
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None or not hasattr(libc, "gnu_get_libc_version"):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
