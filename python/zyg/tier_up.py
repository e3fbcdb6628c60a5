"""Two tiers of native code: quick code for the first calls, optimised code from soon after.

LLVM's optimisation and instruction selection are most of a fresh compile at -O2 (0.92 s of the GMM
gradient's 1.7 s). So a compile this applies to runs its first calls on code compiled at -O0
(`backend.quick_jit`: 0.055 s, running 4x slower), while a process of its own (`backend.optimiser`, on
another core: the MLIR bindings hold the GIL while LLVM works) compiles the same module at -O2. Once
that is linked into a shared library and loaded, each entry's builtin is retargeted
(`jit.NativeFunction.retarget`): the next call, fast paths included, runs the optimised code. The library
is what the disk cache keeps, so a later process loads optimised code.

In: a fresh `zyg.build.Build` whose code is quick, with its module as MLIR bytecode, and the cache folder
and key to store it under (or None). Out: the same entries running optimised code, later. The job runs on
a `zyg.background` thread, which the interpreter waits for at exit; optimisers run one per core but the
caller's, at least one. If the optimiser fails, the quick code, which computes the same, stays (said
once, a `RuntimeWarning`).

Applies to modules with one entry and no host calls (a pullback's tape must stay with the code that
made it; host calls are answered by this process's engine). `ZYG_QUICK_FIRST=0` turns it off: every
compile is optimised before its first call, as the test suite has it (`wait_optimised` makes a process
wait for the optimised code instead).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Sequence

from zyg import background
from zyg.backend.jit import load_library, runtime_libraries
from zyg.backend.shared_library import TEMPORARY_PREFIX, link_shared_library, linker
from zyg.disk_cache.store import store

_warned = False


def _optimisers() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) - 1))


_slots = _optimisers()  # optimiser processes running at once: one per core but the caller's
# Held while a job loads its library and retargets (dlopen takes the loader's lock): a fork waits for
# it, so that a forked child never inherits a lock held by a thread it does not have.
_loading = threading.Lock()


def _after_fork_in_child() -> None:
    global _slots, _loading
    _slots, _loading = _optimisers(), threading.Lock()


os.register_at_fork(before=lambda: _loading.acquire(), after_in_parent=lambda: _loading.release(),
                    after_in_child=_after_fork_in_child)


def applies(entries: Sequence[str], host_calls: bool) -> bool:
    """Whether a module of `entries` (with `host_calls` or not) runs quick code first."""
    return (os.environ.get("ZYG_QUICK_FIRST", "1") != "0" and len(entries) == 1 and not host_calls
            and linker() is not None)


def optimise_later(build, directory: str | None, key: str | None) -> None:
    """Compiles `build`'s module optimised in the background, points its entries at that code and, with
    a cache `directory` and `key`, stores it there."""
    background.run_later(lambda: _optimise(build, directory, key), directory, key, "zyg-tier-up")


def wait_optimised() -> None:
    """Returns once every function compiled so far in this process runs its optimised code (or its
    optimiser failed) and the disk cache holds what it is to hold.

    zyg runs the first calls of a fresh compile on quickly compiled code while the optimised code is
    compiled in the background (see the README's "First calls"); a benchmark of the steady state waits
    for it here.

    Example:
        >>> import zyg
        >>> g = zyg.compile_grad(lambda x: x * x)
        >>> g(3.0)
        (6.0,)
        >>> zyg.wait_optimised()
        >>> g(3.0)
        (6.0,)
    """
    background.wait()


def _optimise(build, directory: str | None, key: str | None) -> None:
    # Linked and loaded from a folder of this process's own, and stored in the cache's artefact: the
    # code this process runs never maps a cache file, which anyone may replace or rewrite in place later.
    folder = tempfile.mkdtemp(prefix=TEMPORARY_PREFIX)
    try:
        with _slots:
            library = link_shared_library(lambda path: _write_object(build, path), folder)
        if library is None:
            return
        entries = build.compiled.entries
        with _loading:
            natives = load_library(library, build.needs, [native.abi for native in entries.values()],
                                   build.compiled.native.checks)
            for name, native in natives.items():
                entries[name].retarget(native)
        if directory is not None and key is not None:
            store(directory, key, build, library)
    except OSError as exc:  # the folder went away, or the library would not load: the quick code stays
        _warn(f"{type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the loaded library stays mapped


def _write_object(build, path: str) -> None:
    """Runs the optimiser on `build`'s module, writing its object code to `path`.

    Raises:
        RuntimeError: when the optimiser fails (said once).
    """
    module = path + ".mlirbc"
    try:
        with open(module, "wb") as f:
            f.write(build.module_bytecode)
        # The child imports zyg as this process does.
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        done = subprocess.run([sys.executable, "-m", "zyg.backend.optimiser", module, path,
                               *runtime_libraries(build.needs)], capture_output=True, text=True, env=env)
    finally:
        os.unlink(module)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        _warn(reason)
        raise RuntimeError(reason)


def _warn(reason: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(f"zyg: compiling optimised code failed, so the quick code stays ({reason})",
                      RuntimeWarning, stacklevel=2)
