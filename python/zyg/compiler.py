"""Compilation of one request: Python function + argument types -> native entry point.

Composition only: frontend -> entry -> autodiff -> lowering -> bridge -> upstream pipeline -> JIT.
Results are cached in memory per (function, request, argument types).
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field

from xdsl.ir import Attribute

from zyg.backend.bridge import context, to_upstream
from zyg.backend.jit import Check, NativeFunction, llvm_ir, lower_to_llvm
from zyg.entry import add_entry
from zyg.frontend.program import FunctionInfo, build_program
from zyg.passes.lower_zyg_tensors import CHECKS_ATTRIBUTE, decode_check
from zyg.pipeline import AD_PASSES, LOWER_PASSES, run_passes


@dataclass
class CompiledRequest:
    """A compiled entry point and, when asked for, the IR text of every stage."""

    native: NativeFunction
    info: FunctionInfo
    stages: dict[str, str] = field(default_factory=dict)


_CACHE: dict[tuple, CompiledRequest] = {}


def compile_request(fn: types.FunctionType, arg_types: tuple[Attribute, ...], request: str,
                    keep_ir: bool = False) -> CompiledRequest:
    """Compiles (or fetches from the cache) `request` ('primal', 'grad', 'vjp') of `fn` at `arg_types`."""
    key = (fn, request, arg_types)
    cached = _CACHE.get(key)
    if cached is not None and (cached.stages or not keep_ir):
        return cached
    stages: dict[str, str] = {}
    module, info = build_program(fn, list(arg_types))
    abi = add_entry(module, info, request)
    if keep_ir:
        stages["frontend"] = str(module)
    run_passes(module, AD_PASSES)
    if keep_ir:
        stages["ad"] = str(module)
    run_passes(module, LOWER_PASSES)
    checks = [Check(*decode_check(text)) for text in module.attributes.pop(CHECKS_ATTRIBUTE, ())]
    if keep_ir:
        stages["lowered"] = str(module)
    upstream = to_upstream(module)
    lower_to_llvm(upstream)
    if keep_ir:
        with context():
            stages["llvm"] = str(upstream)
        stages["llvmir"] = llvm_ir(stages["llvm"])
    compiled = CompiledRequest(NativeFunction(upstream, abi, checks), info, stages)
    _CACHE[key] = compiled
    return compiled


def cache_size() -> int:
    """How many requests have been compiled in this process (for tests of the cache)."""
    return len(_CACHE)
