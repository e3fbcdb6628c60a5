"""Helpers for the tests of the disk cache (the `cache_dir` fixture is in conftest.py)."""

import zyg
from zyg import compiler, disk_cache


def fresh_gradient(f, *args):
    """The gradient as a new process would compute it: nothing compiled in memory, only on disk; and
    like a process that ends, it returns once what it stores in the disk cache is written."""
    compiler._CACHE.clear()
    gradient = zyg.compile_grad(f)(*args)
    disk_cache.wait()
    return gradient
