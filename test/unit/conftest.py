"""Makes the plain helper modules next to the tests (e.g. `gradcheck`) importable, and gives the
session a disk cache of its own: the tests exercise the cache and never read or fill the user's."""

import os
import shutil
import sys
import tempfile

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

_CACHE_DIR = tempfile.mkdtemp(prefix="zyg-test-cache-")
os.environ["ZYG_CACHE_DIR"] = _CACHE_DIR  # before any compile; subprocesses inherit it
os.environ.pop("ZYG_CACHE", None)


def pytest_unconfigure(config):
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)
