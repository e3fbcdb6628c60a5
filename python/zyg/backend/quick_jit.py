"""The quick tier's JIT: an upstream module in the LLVM dialect -> machine code compiled at -O0, in memory.

In: a module as `engine.compile_module` takes it and the runtime libraries its code calls into (loaded
here, their symbols global). Out: a `QuickCode` whose `address(name)` gives the address of any function
of the module (`@<entry>_python`, `@_zyg_runtime_state`); it keeps the code loaded while it lives.

Why not `ExecutionEngine(opt_level=0)`: the bindings' engine runs the -O0 IR pipeline but generates
machine code at LLVM's default level (its target machine is made before the level is applied): greedy
register allocation and scheduling, 250 ms of the LSTM gradient's module, against 50 ms at -O0 with
the fast instruction selector and register allocator. So this drives LLVM's own C API
(`zyg.backend.llvm_c`): `mlirTranslateModuleToLLVMIR`, a host target machine at `LLVMCodeGenLevelNone`,
and an ORC `LLJIT` built on it that resolves symbols in this process. Its code is position
independent as the engine's is. `available()` says whether this host's target is known
here (x86-64, AArch64); elsewhere the quick tier is the engine's.
"""

from __future__ import annotations

import ctypes
import platform
import sys

from mlir import ir

from zyg.backend import llvm_c
from zyg.backend.jit import runtime_libraries
from zyg.backend.llvm_c import VOID_P


def available() -> bool:
    """Whether this host's target can compile quick code here."""
    return llvm_c.api() is not None


class QuickCode:
    """Machine code of one module at -O0, in an ORC `LLJIT` of its own (disposed of with this object)."""

    def __init__(self, module: ir.Module, needs):
        self._jit = VOID_P()
        api = llvm_c.api()
        if api is None:
            raise RuntimeError(f"no quick JIT for {platform.machine()}")
        for library in runtime_libraries(needs):
            ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)  # its symbols then resolve in this process
        self._api = api
        llvm_context, llvm_module = api.translate_module(module)
        machine = api.target_machine(None, llvm_c.CODEGEN_NONE, llvm_c.CODE_MODEL_JIT_DEFAULT)
        builder = api.jit_builder()
        api.set_machine_builder(builder, api.machine_builder(machine))  # both owned by the JIT from here
        api.check(api.create_jit(ctypes.byref(self._jit), builder))
        api.set_data_layout(llvm_module, api.data_layout(self._jit))
        api.set_target(llvm_module, api.triple(self._jit))
        generator = VOID_P()
        api.check(api.process_symbols(ctypes.byref(generator), api.global_prefix(self._jit), None, None))
        dylib = api.main_dylib(self._jit)
        api.add_generator(dylib, generator)
        safe_context = api.safe_context(llvm_context)
        safe_module = api.safe_module(llvm_module, safe_context)
        api.dispose_safe_context(safe_context)  # the module holds it
        api.check(api.add_module(self._jit, dylib, safe_module))

    def address(self, name: str) -> int:
        """The address of function `name` (compiling the module on the first lookup).

        Raises:
            RuntimeError: if LLVM fails (an undefined symbol, say).
        """
        found = ctypes.c_uint64()
        self._api.check(self._api.lookup(self._jit, ctypes.byref(found), name.encode()))
        return found.value

    def __del__(self, _finalizing=sys.is_finalizing):  # bound now: at exit the module's globals go first
        # Not at interpreter exit: arrays freed later may still call code of the first module loaded
        # (their capsules' destructor, `python_api.table`), and the process's memory goes anyway.
        if self._jit and not _finalizing():
            self._api.dispose_jit(self._jit)
            self._jit = VOID_P()
