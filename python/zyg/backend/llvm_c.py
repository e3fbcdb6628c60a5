"""LLVM's C API, reached through ctypes in the `libLLVM.so` the MLIR bindings link.

In: an upstream module in the LLVM dialect. Out: the pieces zyg builds machine code from without the
bindings' `ExecutionEngine`: the module translated to LLVM IR (`translate`), target machines for the
host or for a named CPU (`target_machine`), LLVM's optimisation pipeline run on a module
(`optimise`), and object code in memory (`object_code`). `zyg.backend.quick_jit` JITs the quick tier
with them, `zyg.backend.portable` compiles exported code for a CPU baseline.

Why not the bindings' engine: its target machine is always the host's at LLVM's default level (see
`quick_jit`), and it writes objects only for the host CPU. `api()` is None where this host's target is
not one zyg knows here (x86-64, AArch64).
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform

import mlir
from mlir import ir

from zyg.backend.bridge import context

VOID_P = ctypes.c_void_p
# llvm-c/TargetMachine.h
CODEGEN_NONE, CODEGEN_DEFAULT = 0, 2
RELOC_PIC = 2
CODE_MODEL_JIT_DEFAULT, CODE_MODEL_DEFAULT = 1, 0
_OBJECT_FILE = 1  # LLVMCodeGenFileType
_TARGETS = {"x86_64": "X86", "AMD64": "X86", "aarch64": "AArch64", "arm64": "AArch64"}


class Api:
    """The C functions used, with their signatures."""

    def __init__(self, llvm: ctypes.CDLL, capi: ctypes.CDLL, target: str):
        def bind(library, name, result, *args):
            function = getattr(library, name)
            function.restype, function.argtypes = result, list(args)
            return function

        for part in ("TargetInfo", "Target", "TargetMC", "AsmPrinter"):
            getattr(llvm, f"LLVMInitialize{target}{part}")()
        p, c_int = VOID_P, ctypes.c_int
        self.register_translations = bind(capi, "mlirRegisterAllLLVMTranslations", None, p)
        self.translate = bind(capi, "mlirTranslateModuleToLLVMIR", p, p, p)
        self.context_create = bind(llvm, "LLVMContextCreate", p)
        self.context_dispose = bind(llvm, "LLVMContextDispose", None, p)
        self.dispose_module = bind(llvm, "LLVMDisposeModule", None, p)
        self.default_triple = bind(llvm, "LLVMGetDefaultTargetTriple", p)
        self.target_from_triple = bind(llvm, "LLVMGetTargetFromTriple", c_int, p, ctypes.POINTER(p), ctypes.POINTER(p))
        self.host_cpu = bind(llvm, "LLVMGetHostCPUName", p)
        self.host_features = bind(llvm, "LLVMGetHostCPUFeatures", p)
        self.dispose_message = bind(llvm, "LLVMDisposeMessage", None, p)
        self.create_target_machine = bind(llvm, "LLVMCreateTargetMachine", p, p, p, p, p, c_int, c_int, c_int)
        self.dispose_target_machine = bind(llvm, "LLVMDisposeTargetMachine", None, p)
        self.machine_triple = bind(llvm, "LLVMGetTargetMachineTriple", p, p)
        self.machine_data_layout = bind(llvm, "LLVMCreateTargetDataLayout", p, p)
        self.set_module_data_layout = bind(llvm, "LLVMSetModuleDataLayout", None, p, p)
        self.dispose_target_data = bind(llvm, "LLVMDisposeTargetData", None, p)
        self.set_data_layout = bind(llvm, "LLVMSetDataLayout", None, p, p)
        self.set_target = bind(llvm, "LLVMSetTarget", None, p, p)
        self.pass_options = bind(llvm, "LLVMCreatePassBuilderOptions", p)
        self.dispose_pass_options = bind(llvm, "LLVMDisposePassBuilderOptions", None, p)
        self.run_passes = bind(llvm, "LLVMRunPasses", p, p, ctypes.c_char_p, p, p)
        self.emit_to_buffer = bind(llvm, "LLVMTargetMachineEmitToMemoryBuffer", c_int, p, p, c_int,
                                   ctypes.POINTER(p), ctypes.POINTER(p))
        self.buffer_start = bind(llvm, "LLVMGetBufferStart", p, p)
        self.buffer_size = bind(llvm, "LLVMGetBufferSize", ctypes.c_size_t, p)
        self.dispose_buffer = bind(llvm, "LLVMDisposeMemoryBuffer", None, p)
        # ORC, for the quick tier
        self.machine_builder = bind(llvm, "LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine", p, p)
        self.jit_builder = bind(llvm, "LLVMOrcCreateLLJITBuilder", p)
        self.set_machine_builder = bind(llvm, "LLVMOrcLLJITBuilderSetJITTargetMachineBuilder", None, p, p)
        self.create_jit = bind(llvm, "LLVMOrcCreateLLJIT", p, ctypes.POINTER(p), p)
        self.dispose_jit = bind(llvm, "LLVMOrcDisposeLLJIT", p, p)
        self.data_layout = bind(llvm, "LLVMOrcLLJITGetDataLayoutStr", p, p)
        self.triple = bind(llvm, "LLVMOrcLLJITGetTripleString", p, p)
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

    def translate_module(self, module: ir.Module) -> tuple[int, int]:
        """`(LLVM context, LLVM module)` of `module` (an upstream module in the LLVM dialect); the caller
        owns both (the quick tier hands them to ORC).

        Raises:
            RuntimeError: if the module cannot be translated.
        """
        with context() as ctx:
            context_pointer = self.capsule_pointer(ctx._CAPIPtr, b"mlir.ir.Context._CAPIPtr")
            if context_pointer not in self.translations_in:
                self.register_translations(context_pointer)
                self.translations_in.add(context_pointer)
            llvm_context = self.context_create()
            llvm_module = self.translate(self.capsule_pointer(module.operation._CAPIPtr, b"mlir.ir.Operation._CAPIPtr"),
                                         llvm_context)
        if not llvm_module:
            self.context_dispose(llvm_context)
            raise RuntimeError("the module could not be translated to LLVM IR")
        return llvm_context, llvm_module

    def target_machine(self, cpu: str | None, level: int, code_model: int) -> int:
        """A target machine for this host's triple: for its own CPU and features when `cpu` is None,
        else for the named CPU (`x86-64-v3`, ...) and only the features that name implies. Position
        independent code. The caller disposes of it (or hands it to ORC).

        Raises:
            RuntimeError: if LLVM does not know the triple.
        """
        triple = self.default_triple()
        target, error = VOID_P(), VOID_P()
        try:
            if self.target_from_triple(triple, ctypes.byref(target), ctypes.byref(error)) != 0:
                raise RuntimeError(self.string(error.value).decode(errors="replace"))
            if cpu is None:
                cpu_name, features = self.host_cpu(), self.host_features()
                try:
                    return self.create_target_machine(target, triple, cpu_name, features, level, RELOC_PIC,
                                                      code_model)
                finally:
                    self.dispose_message(cpu_name)
                    self.dispose_message(features)
            return self.create_target_machine(target, triple, cpu.encode(), b"", level, RELOC_PIC, code_model)
        finally:
            self.dispose_message(triple)

    def object_code(self, module: ir.Module, cpu: str | None) -> bytes:
        """`module`'s object code, optimised by LLVM's -O2 pipeline for `cpu` (None: this host's CPU).

        Raises:
            RuntimeError: if translation, optimisation or code generation fails.
        """
        llvm_context, llvm_module = self.translate_module(module)
        machine = self.target_machine(cpu, CODEGEN_DEFAULT, CODE_MODEL_DEFAULT)
        try:
            layout = self.machine_data_layout(machine)
            self.set_module_data_layout(llvm_module, layout)
            self.dispose_target_data(layout)
            triple = self.machine_triple(machine)
            self.set_target(llvm_module, triple)
            self.dispose_message(triple)
            options = self.pass_options()
            try:
                self.check(self.run_passes(llvm_module, b"default<O2>", machine, options))
            finally:
                self.dispose_pass_options(options)
            buffer, error = VOID_P(), VOID_P()
            if self.emit_to_buffer(machine, llvm_module, _OBJECT_FILE, ctypes.byref(error), ctypes.byref(buffer)):
                raise RuntimeError(self.string(error.value).decode(errors="replace"))
            try:
                return ctypes.string_at(self.buffer_start(buffer), self.buffer_size(buffer))
            finally:
                self.dispose_buffer(buffer)
        finally:
            self.dispose_target_machine(machine)
            self.dispose_module(llvm_module)
            self.context_dispose(llvm_context)


@functools.cache
def api() -> Api | None:
    """The bound C API, or None where this host's target is not one zyg knows here."""
    target = _TARGETS.get(platform.machine())
    if target is None:
        return None
    # The bindings link libLLVM.so (their RUNPATH finds it): loaded already, found by its soname.
    llvm = ctypes.CDLL("libLLVM.so")
    capi = ctypes.CDLL(os.path.join(mlir.__path__[0], "_mlir_libs", "libMLIRPythonCAPI.so"))
    return Api(llvm, capi, target)
