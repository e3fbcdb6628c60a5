"""Makes the plain helper modules next to the tests (e.g. `gradcheck`) importable, and gives the
session a disk cache (and a secret to seal its entries with) of its own: the tests exercise the cache
and never read or fill the user's. Compiles are optimised before their first call (`ZYG_QUICK_FIRST=0`)."""

import os
import shutil
import sys
import tempfile

import pytest

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

_SESSION_DIR = tempfile.mkdtemp(prefix="zyg-test-")
# Before any compile; subprocesses inherit them.
os.environ["ZYG_CACHE_DIR"] = os.path.join(_SESSION_DIR, "cache")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_SESSION_DIR, "config")  # where the secret lives
os.environ.pop("ZYG_CACHE", None)
# Optimised code before the first call (`zyg.tier_up`): the tests check the code the steady state runs,
# and a background optimiser per compile would double the suite's work; test_tier_up.py turns it on.
# `ZYG_QUICK_FIRST=1 pytest` runs the whole suite on the quick code first (and optimises in the background).
os.environ.setdefault("ZYG_QUICK_FIRST", "0")


def pytest_unconfigure(config):
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """An empty cache of the test's own, and a count of the compiles that were not served from it."""
    import zyg.build

    directory = tmp_path / "cache"
    monkeypatch.setenv("ZYG_CACHE_DIR", str(directory))
    builds = []
    build_request = zyg.build.build_request

    def counting(*args, **kwargs):
        builds.append(args[0].__qualname__)
        return build_request(*args, **kwargs)

    monkeypatch.setattr(zyg.build, "build_request", counting)
    return _TestCache(directory, builds)


class _TestCache:
    """The `cache_dir` fixture's value: `path`, the folder once the stores under way are done (the
    disk cache stores on a thread, see `zyg.disk_cache.writer`), `directory`, the folder as it is now,
    and `builds`, the compiles so far."""

    def __init__(self, directory, builds: list):
        self.directory, self.builds = directory, builds

    @property
    def path(self):
        from zyg import disk_cache

        disk_cache.wait()
        return self.directory
