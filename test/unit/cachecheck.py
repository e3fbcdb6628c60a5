"""Helpers for the tests of the disk cache (the `cache_dir` fixture is in conftest.py)."""

import zyg
from zyg import compiler


def fresh_gradient(f, *args):
    """The gradient as a new process would compute it: nothing compiled in memory, only on disk."""
    compiler._CACHE.clear()
    return zyg.compile_grad(f)(*args)
