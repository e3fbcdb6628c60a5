"""Compilation of one request: Python function + argument type codes -> native entry point.

Looks in memory (per process and function object), then in the disk cache (`zyg.disk_cache`), and
only then builds (`zyg.build`, imported on first use: a process served from the disk cache never
loads xDSL or the MLIR bindings).
"""

from __future__ import annotations

import gc
import types
from collections.abc import Iterator
from contextlib import contextmanager

from zyg import disk_cache, tier_up
from zyg.compiled import CompiledRequest
from zyg.devices import CPU
from zyg.frontend.trees import TreeDef
from zyg.stage_times import stage

_CACHE: dict[tuple, CompiledRequest] = {}


def compile_request(fn: types.FunctionType, codes: tuple[TreeDef, ...], request: str,
                    keep_ir: bool = False, wrt: tuple[int, ...] | None = None, device: str = CPU) -> CompiledRequest:
    """Compiles (or fetches) `request` ('primal', 'grad', 'vjp', 'pullback', 'jacobian', 'jvp') of `fn` for arguments of structures
    and types `codes` (see `zyg.frontend.trees`); with `keep_ir`, compiles afresh if needed to keep the
    IR of every stage.
    A 'grad', 'vjp', 'pullback', 'jacobian' or 'jvp' differentiates with respect to the arguments at positions `wrt` (increasing,
    floats only), or every float argument when `wrt` is None. `device` (`zyg.devices`) is what it is
    compiled for."""
    memory_key = (fn, request, codes, wrt, device)
    cached = _CACHE.get(memory_key)
    if cached is not None and (cached.stages or not keep_ir) and cached.is_current():
        return cached
    directory = disk_cache.cache_directory()
    key = None if directory is None else disk_cache.request_key(fn, request, codes, wrt, device)
    if key is not None:
        disk_cache.wait(directory, key)  # this process may be storing it still
    compiled = None if key is None or keep_ir else disk_cache.load(directory, key, fn)
    if compiled is None:
        compiled = _build(fn, codes, request, wrt, keep_ir, directory, key, device)
    _CACHE[memory_key] = compiled
    return compiled


def compile_portable(fn: types.FunctionType, codes: tuple[TreeDef, ...], request: str, wrt: tuple[int, ...] | None,
                     cpu: str, device: str = CPU, gpu=None):
    """`request` of `fn` compiled afresh for the CPU baseline `cpu` (and a GPU's kernels for the
    `cuda.Target` `gpu`), for export (`zyg.build.Portable`)."""
    with _collector_paused():
        _import_compiler()
        from zyg.build import build_portable

        return build_portable(fn, codes, request, wrt, cpu, device, gpu)


def _import_compiler() -> None:
    with stage("import the compiler (xDSL, MLIR)"):
        from zyg import lazy_formats

        lazy_formats.install()  # before the dialects are imported
        import zyg.build  # noqa: F401


def _build(fn: types.FunctionType, codes: tuple[TreeDef, ...], request: str, wrt: tuple[int, ...] | None,
           keep_ir: bool, directory: str | None, key: str | None, device: str) -> CompiledRequest:
    with _collector_paused():
        _import_compiler()
        from zyg.build import build_request

        build = build_request(fn, codes, request, keep_ir, wrt, device)
    cached = key is not None and build.cacheable
    if build.module_bytecode is not None:  # quick code: optimised (and stored) in the background
        tier_up.optimise_later(build, directory if cached else None, key if cached else None)
    elif cached:
        disk_cache.store_later(directory, key, build)
    return build.compiled


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the compiler is imported and runs (nested compiles leave it to
    the outermost). Both allocate objects by the hundred thousand (xDSL's op and attribute classes, then
    the IR), over which the collector would otherwise pass again and again; the IR's cycles are
    collected afterwards, as usual. Cold GMM gradient (d=20 K=10, optimised at once), three processes
    each: 1.76-2.02 s with the collector on, 1.77-1.80 s paused, 1.70-1.72 s with it off throughout."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def cache_size() -> int:
    """How many requests this process holds compiled in memory (for tests of the cache)."""
    return len(_CACHE)
