"""Compiling one request from scratch: a Python function and argument types -> native code.

Composition only: frontend -> entry -> autodiff -> lowering -> bridge -> upstream pipeline -> shared
JIT (`ExecutionEngine`), whose code the disk cache links into a shared library (`zyg.disk_cache.writer`);
or quick code first, which `zyg.tier_up` replaces with optimised code.
`zyg.compiler` decides when to build and keeps the result; this module loads xDSL and MLIR, so it is
imported only to build.
"""

from __future__ import annotations

import io
import platform
import types
from dataclasses import dataclass

from zyg import tier_up
from zyg.argnums import differentiated_leaves, require_float_leaf, require_float_result
from zyg.backend import cuda, llvm_c, lower_gpu, shared_library
from zyg.backend.bridge import context, module_text, parse_upstream
from zyg.backend.engine import compile_module, llvm_ir
from zyg.backend.jit import Check
from zyg.backend.lower_llvm import lower_to_llvm, runtime_needs
from zyg.compiled import CompiledRequest, free_readers_of
from zyg.devices import CPU, GPU
from zyg.entry import add_entry
from zyg.entry_abi import EntryABI
from zyg.errors import HOST_ERROR, LoweringError, ZygTypeError
from zyg.frontend.dependencies import Dependencies, Guard
from zyg.frontend.program import build_program
from zyg.frontend.source import function_location
from zyg.frontend.trees import RUNSTR, TreeDef, functions_in
from zyg.host import HostCalls
from zyg.passes.lower_zyg_tensors import CHECKS_ATTRIBUTE, decode_check
from zyg.pipeline import AD_PASSES, LOWER_PASSES, run_passes
from zyg.stage_times import stage


@dataclass
class Build:
    """A fresh compile: the request, where its code lives and what it depends on.

    Attributes:
        compiled: the compiled request.
        engine: what holds the machine code (`engine.compile_module`); an `ExecutionEngine`'s, the
            disk cache links into a shared library.
        needs: the runtime libraries the code calls into (`jit.BLAS`).
        dependencies: what the compile read besides the entry function's source.
        module_bytecode: for code compiled quickly first (`zyg.tier_up`), its module in the LLVM
            dialect as MLIR bytecode, which the optimiser compiles again; None when the engine's code
            is optimised already.
    """

    compiled: CompiledRequest
    engine: object
    needs: tuple[str, ...]
    dependencies: Dependencies
    module_bytecode: bytes | None = None

    @property
    def cacheable(self) -> bool:
        """Whether the disk cache may keep it (see `Dependencies.cacheable`)."""
        return self.dependencies.cacheable


def build_request(fn: types.FunctionType, codes: tuple[TreeDef, ...], request: str, keep_ir: bool = False,
                  wrt: tuple[int, ...] | None = None, device: str = CPU) -> Build:
    """Compiles `request` ('primal', 'grad', 'vjp', 'pullback', 'jacobian', 'jvp') of `fn` for arguments of trees `codes`, differentiated
    with respect to the arguments at `wrt` (None: every float one), for `device` (`zyg.devices`); with
    `keep_ir`, keeps the IR of every stage.
    A GPU compile (`lower_gpu`) is not kept on disk and runs no quick code first; where this machine
    cannot run it (`cuda.missing`), it stops at the LLVM dialect and has no entries (`zyg.api` checks
    for a device before calling)."""
    low = _lowered(fn, codes, request, keep_ir, wrt, device)
    upstream, abis, stages = low.upstream, low.abis, low.stages
    if keep_ir:
        with context():
            stages["llvm"] = str(upstream)
        stages["llvmir"] = llvm_ir(stages["llvm"])
    needs = runtime_needs(upstream)
    bytecode = None
    if device == CPU and tier_up.applies([abi.name for abi in abis], low.host is not None) and not low.loop_allocas:
        out = io.BytesIO()
        upstream.operation.write_bytecode(out)
        bytecode = out.getvalue()
    if device == GPU and cuda.missing() is not None:
        natives, engine = {}, None
    else:
        natives, engine = compile_module(upstream, abis, low.checks, low.host, needs, quick=bytecode is not None)
    info, dependencies = low.info, low.dependencies
    free_records = tuple(data.record for data in info.free)
    compiled = CompiledRequest(natives, info.return_tree, stages, Guard(fn, dependencies.records, low.roots),
                               info.free_trees, free_records,
                               free_readers_of(fn, dependencies.records, free_records, low.roots),
                               low.host.strings if low.host is not None else low.strings)
    return Build(compiled, engine, needs, dependencies, bytecode)


@dataclass
class Portable:
    """A request compiled for a CPU baseline (`zyg.cpu_baselines`), to be exported.

    Attributes:
        library: the shared library, as bytes.
        abis, checks, needs: its entries' ABIs, run-time checks and runtime libraries.
        return_tree, free_trees: the structure of its results and of the free data it reads.
        free_values: the free data's values, read now (an exported function holds them fixed).
    """

    library: bytes
    abis: list[EntryABI]
    checks: list[Check]
    needs: tuple[str, ...]
    return_tree: TreeDef
    free_trees: tuple[TreeDef, ...]
    free_values: list


def build_portable(fn: types.FunctionType, codes: tuple[TreeDef, ...], request: str, wrt: tuple[int, ...] | None,
                   cpu: str, device: str = CPU, gpu: cuda.Target | None = None) -> Portable:
    """Compiles `request` of `fn` as `build_request` does, optimised for the CPU baseline `cpu` rather
    than this machine's CPU, into a shared library not loaded here; for `device` "gpu", its kernels'
    PTX for `gpu` (None: as `cuda.target` says), embedded in the library.

    Raises:
        ZygTypeError: if the function calls back into Python (`zyg.host`) or returns a str made at run
            time: both need this process.
        LoweringError: if LLVM fails, or there is no linker to make the library.
    """
    low = _lowered(fn, codes, request, False, wrt, device, gpu)
    if low.host is not None or RUNSTR in low.info.return_tree.kinds():
        raise ZygTypeError(f"'{fn.__qualname__}' calls back into Python (zyg.host) or returns a str made at run time, "
                           "which needs the process that compiled it; it cannot be exported", function_location(fn))
    api = llvm_c.api()
    if api is None:
        raise LoweringError(f"zyg cannot compile code for export on {platform.machine()}")
    try:
        code = api.object_code(low.upstream, cpu)
    except RuntimeError as exc:
        raise LoweringError(f"LLVM could not compile the code for {cpu}: {exc}") from None
    library = shared_library.library_bytes(code)
    if library is None:
        raise LoweringError("exporting links the code with the system's C compiler or linker (cc, gcc, clang or ld); "
                            "none was found, or it failed")
    info, dependencies = low.info, low.dependencies
    readers = free_readers_of(fn, dependencies.records, tuple(data.record for data in info.free), low.roots)
    if readers is None:
        raise ZygTypeError(f"the free data '{fn.__qualname__}' reads cannot be read again to export it",
                           function_location(fn))
    return Portable(library, low.abis, low.checks, runtime_needs(low.upstream), info.return_tree, info.free_trees,
                    [read() for read in readers])


@dataclass
class _Lowered:
    """A request lowered to an upstream module in the LLVM dialect, and what the compile learnt."""

    upstream: object
    abis: list[EntryABI]
    checks: list[Check]
    host: HostCalls | None
    info: object
    dependencies: Dependencies
    roots: tuple
    stages: dict[str, str]
    strings: list
    loop_allocas: bool


def _lowered(fn: types.FunctionType, codes: tuple[TreeDef, ...], request: str, keep_ir: bool,
             wrt: tuple[int, ...] | None, device: str = CPU, gpu: cuda.Target | None = None) -> _Lowered:
    stages: dict[str, str] = {}
    roots = functions_in(codes)  # functions passed as arguments: their globals are read at each call too
    dependencies = Dependencies(fn, roots)
    host_sites: list = []
    strings: list = []
    catch_classes: list = []
    with stage("frontend"):
        module, info = build_program(fn, list(codes), dependencies, host_sites, strings, catch_classes)
    host = HostCalls(host_sites, strings, catch_classes) if host_sites else None
    if host is not None or RUNSTR in info.return_tree.kinds():  # callbacks, a string table: of this process
        dependencies.cacheable = False
    if request == "grad":
        require_float_result(fn, info.return_tree)  # before differentiating anything
    elif request == "jacobian":
        require_float_leaf(fn, info.return_tree)
    with stage("entry"):
        abis = add_entry(module, info, request, differentiated_leaves(codes, wrt, info.free_trees))
    if keep_ir:
        stages["frontend"] = str(module)
    run_passes(module, AD_PASSES)
    if keep_ir:
        stages["ad"] = str(module)
    run_passes(module, LOWER_PASSES)
    checks = [Check(*decode_check(text)) for text in module.attributes.pop(CHECKS_ATTRIBUTE, ())]
    for check in checks:
        if check.error == HOST_ERROR:
            check.host = host
    if keep_ir:
        stages["lowered"] = str(module)
    with stage("print for upstream"):
        text = module_text(module, device)
    with stage("upstream parse"):
        upstream = parse_upstream(text)
    loop_allocas = False
    if device == GPU:
        dependencies.cacheable = False  # loading it from disk would need the CUDA runtime: untested
        ptx = lower_gpu.lower_to_llvm(upstream, abis, gpu or cuda.target(), text)
        if keep_ir:
            stages["ptx"] = ptx
    else:
        loop_allocas = lower_to_llvm(upstream, abis, text)
    return _Lowered(upstream, abis, checks, host, info, dependencies, roots, stages, strings, loop_allocas)
