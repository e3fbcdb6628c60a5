"""The quick tier's JIT: an upstream module in the LLVM dialect -> machine code compiled at -O0, in memory.

In: a module as `engine.compile_module` takes it and the runtime libraries its code calls into (loaded
here, their symbols global). Out: a `QuickCode` whose `address(name)` gives the address of any function
of the module (`@<entry>_python`, `@_zyg_runtime_state`); it keeps the code loaded while it lives.

Why not `ExecutionEngine(opt_level=0)`: the bindings' engine runs the -O0 IR pipeline but generates
machine code at LLVM's default level (its target machine is made before the level is applied): greedy
register allocation and scheduling, 250 ms of the LSTM gradient's module, against 50 ms at -O0 with
the fast instruction selector and register allocator. So this drives LLVM's own C API (the `libLLVM.so`
the MLIR bindings link) through ctypes: `mlirTranslateModuleToLLVMIR`, a host target machine at
`LLVMCodeGenLevelNone`, and an ORC `LLJIT` built on it that resolves symbols in this process. Its code
is position independent as the engine's is. `available()` says whether this host's target is known
here (x86-64, AArch64); elsewhere the quick tier is the engine's.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform
import sys

import mlir
from mlir import ir

from zyg.backend.bridge import context
from zyg.backend.jit import runtime_libraries

_VOID_P = ctypes.c_void_p
_CODEGEN_NONE, _RELOC_PIC, _CODE_MODEL_JIT_DEFAULT = 0, 2, 1  # llvm-c/TargetMachine.h
_TARGETS = {"x86_64": "X86", "AMD64": "X86", "aarch64": "AArch64", "arm64": "AArch64"}


class _Api:
    """The C functions used, with their signatures."""

    def __init__(self, llvm: ctypes.CDLL, capi: ctypes.CDLL, target: str):
        def bind(library, name, result, *args):
            function = getattr(library, name)
            function.restype, function.argtypes = result, list(args)
            return function

        for part in ("TargetInfo", "Target", "TargetMC", "AsmPrinter"):
            getattr(llvm, f"LLVMInitialize{target}{part}")()
        p = _VOID_P
        self.register_translations = bind(capi, "mlirRegisterAllLLVMTranslations", None, p)
        self.translate = bind(capi, "mlirTranslateModuleToLLVMIR", p, p, p)
        self.context_create = bind(llvm, "LLVMContextCreate", p)
        self.default_triple = bind(llvm, "LLVMGetDefaultTargetTriple", p)
        self.target_from_triple = bind(llvm, "LLVMGetTargetFromTriple", ctypes.c_int, p, ctypes.POINTER(p),
                                       ctypes.POINTER(p))
        self.host_cpu = bind(llvm, "LLVMGetHostCPUName", p)
        self.host_features = bind(llvm, "LLVMGetHostCPUFeatures", p)
        self.dispose_message = bind(llvm, "LLVMDisposeMessage", None, p)
        self.target_machine = bind(llvm, "LLVMCreateTargetMachine", p, p, p, p, p, ctypes.c_int, ctypes.c_int,
                                   ctypes.c_int)
        self.machine_builder = bind(llvm, "LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine", p, p)
        self.jit_builder = bind(llvm, "LLVMOrcCreateLLJITBuilder", p)
        self.set_machine_builder = bind(llvm, "LLVMOrcLLJITBuilderSetJITTargetMachineBuilder", None, p, p)
        self.create_jit = bind(llvm, "LLVMOrcCreateLLJIT", p, ctypes.POINTER(p), p)
        self.dispose_jit = bind(llvm, "LLVMOrcDisposeLLJIT", p, p)
        self.data_layout = bind(llvm, "LLVMOrcLLJITGetDataLayoutStr", p, p)
        self.triple = bind(llvm, "LLVMOrcLLJITGetTripleString", p, p)
        self.set_data_layout = bind(llvm, "LLVMSetDataLayout", None, p, p)
        self.set_target = bind(llvm, "LLVMSetTarget", None, p, p)
        self.global_prefix = bind(llvm, "LLVMOrcLLJITGetGlobalPrefix", ctypes.c_char, p)
        self.process_symbols = bind(llvm, "LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess", p,
                                    ctypes.POINTER(p), ctypes.c_char, p, p)
        self.main_dylib = bind(llvm, "LLVMOrcLLJITGetMainJITDylib", p, p)
        self.add_generator = bind(llvm, "LLVMOrcJITDylibAddGenerator", None, p, p)
        self.safe_context = bind(llvm, "LLVMOrcCreateNewThreadSafeContextFromLLVMContext", p, p)
        self.safe_module = bind(llvm, "LLVMOrcCreateNewThreadSafeModule", p, p, p)
        self.dispose_safe_context = bind(llvm, "LLVMOrcDisposeThreadSafeContext", None, p)
        self.add_module = bind(llvm, "LLVMOrcLLJITAddLLVMIRModule", p, p, p, p)
        self.lookup = bind(llvm, "LLVMOrcLLJITLookup", p, p, ctypes.POINTER(ctypes.c_uint64), ctypes.c_char_p)
        self.error_message = bind(llvm, "LLVMGetErrorMessage", p, p)
        self.dispose_error_message = bind(llvm, "LLVMDisposeErrorMessage", None, p)
        self.capsule_pointer = ctypes.pythonapi.PyCapsule_GetPointer
        self.capsule_pointer.restype, self.capsule_pointer.argtypes = p, [ctypes.py_object, ctypes.c_char_p]
        self.translations_in: set[int] = set()  # the MLIR contexts the translations are registered in

    def check(self, error: int | None) -> None:
        """Raises `RuntimeError` with LLVM's message for a non-null `LLVMErrorRef`."""
        if error:
            message = self.error_message(error)
            text = ctypes.string_at(message).decode(errors="replace")
            self.dispose_error_message(message)
            raise RuntimeError(text)

    def string(self, pointer: int) -> bytes:
        """A string LLVM allocated, copied and disposed of."""
        text = ctypes.string_at(pointer)
        self.dispose_message(pointer)
        return text


@functools.cache
def _api() -> _Api | None:
    target = _TARGETS.get(platform.machine())
    if target is None:
        return None
    # The bindings link libLLVM.so (their RUNPATH finds it): loaded already, found by its soname.
    llvm = ctypes.CDLL("libLLVM.so")
    capi = ctypes.CDLL(os.path.join(mlir.__path__[0], "_mlir_libs", "libMLIRPythonCAPI.so"))
    return _Api(llvm, capi, target)


def available() -> bool:
    """Whether this host's target can compile quick code here."""
    return _api() is not None


class QuickCode:
    """Machine code of one module at -O0, in an ORC `LLJIT` of its own (disposed of with this object)."""

    def __init__(self, module: ir.Module, needs):
        self._jit = _VOID_P()
        api = _api()
        if api is None:
            raise RuntimeError(f"no quick JIT for {platform.machine()}")
        for library in runtime_libraries(needs):
            ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)  # its symbols then resolve in this process
        self._api = api
        with context() as ctx:
            context_pointer = api.capsule_pointer(ctx._CAPIPtr, b"mlir.ir.Context._CAPIPtr")
            if context_pointer not in api.translations_in:
                api.register_translations(context_pointer)
                api.translations_in.add(context_pointer)
            llvm_context = api.context_create()
            llvm_module = api.translate(api.capsule_pointer(module.operation._CAPIPtr,
                                                            b"mlir.ir.Operation._CAPIPtr"), llvm_context)
        if not llvm_module:
            raise RuntimeError("the module could not be translated to LLVM IR")
        machine = self._host_machine()
        builder = api.jit_builder()
        api.set_machine_builder(builder, api.machine_builder(machine))  # both owned by the JIT from here
        api.check(api.create_jit(ctypes.byref(self._jit), builder))
        api.set_data_layout(llvm_module, api.data_layout(self._jit))
        api.set_target(llvm_module, api.triple(self._jit))
        generator = _VOID_P()
        api.check(api.process_symbols(ctypes.byref(generator), api.global_prefix(self._jit), None, None))
        dylib = api.main_dylib(self._jit)
        api.add_generator(dylib, generator)
        safe_context = api.safe_context(llvm_context)
        safe_module = api.safe_module(llvm_module, safe_context)
        api.dispose_safe_context(safe_context)  # the module holds it
        api.check(api.add_module(self._jit, dylib, safe_module))

    def _host_machine(self) -> int:
        api = self._api
        triple = api.default_triple()
        target, error = _VOID_P(), _VOID_P()
        if api.target_from_triple(triple, ctypes.byref(target), ctypes.byref(error)) != 0:
            raise RuntimeError(api.string(error.value).decode(errors="replace"))
        cpu, features = api.host_cpu(), api.host_features()
        machine = api.target_machine(target, triple, cpu, features, _CODEGEN_NONE, _RELOC_PIC,
                                     _CODE_MODEL_JIT_DEFAULT)
        for text in (triple, cpu, features):
            api.dispose_message(text)
        return machine

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
            self._jit = _VOID_P()
