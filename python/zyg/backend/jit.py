"""Native code from upstream MLIR: lower to LLVM, JIT with `ExecutionEngine`, call through ctypes.

In: an upstream `mlir.ir.Module` whose public entry function `@zyg_entry` takes and returns only
`f64`/`i64` scalars. Out: a `NativeFunction`, a Python callable that runs the compiled code.

The call path is thin: the packed wrapper `_mlir_zyg_entry(void**)` is looked up once, and each call
writes the arguments into preallocated 8-byte slots and reads the results from a preallocated buffer.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess

from mlir import ir, passmanager
from mlir.execution_engine import ExecutionEngine

from zyg.backend.bridge import context, dump_ir
from zyg.backend.lower_llvm import LOWER_TO_LLVM, OPT_LEVEL
from zyg.errors import LoweringError

ENTRY = "zyg_entry"
_PACKED = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


def lower_to_llvm(module: ir.Module) -> None:
    """Runs the upstream pipeline in place; raises `LoweringError` naming the failure."""
    text = None
    with context():
        try:
            text = str(module)
            passmanager.PassManager.parse(LOWER_TO_LLVM).run(module.operation)
        except Exception as exc:
            raise LoweringError(f"the upstream lowering pipeline failed ({str(exc).strip().splitlines()[0]}); "
                                f"input IR written to {dump_ir(text or '')}") from None


class NativeFunction:
    """A JIT-compiled entry point taking and returning Python floats/ints.

    Args:
        module: the module in the LLVM dialect (kept alive with the engine).
        arg_kinds / result_kinds: 'f' (f64) or 'i' (i64) per argument / result.
    """

    def __init__(self, module: ir.Module, arg_kinds: str, result_kinds: str):
        self.module = module
        with context():
            try:
                self.engine = ExecutionEngine(module, opt_level=OPT_LEVEL)
            except Exception as exc:
                raise LoweringError(f"JIT compilation failed ({str(exc).strip().splitlines()[0]})") from None
        self._fn = _PACKED(self.engine.raw_lookup(ENTRY))
        self.arg_kinds, self.result_kinds = arg_kinds, result_kinds
        n_args, n_results = len(arg_kinds), len(result_kinds)
        self._floats = (ctypes.c_double * max(n_args, 1))()
        self._ints = ctypes.cast(self._floats, ctypes.POINTER(ctypes.c_int64))
        self._out_floats = (ctypes.c_double * max(n_results, 1))()
        self._out_ints = ctypes.cast(self._out_floats, ctypes.POINTER(ctypes.c_int64))
        base = ctypes.addressof(self._floats)
        pointers = [base + 8 * i for i in range(n_args)] + [ctypes.addressof(self._out_floats)]
        self._argv = (ctypes.c_void_p * len(pointers))(*pointers)
        self._writers = [self._floats.__setitem__ if k == "f" else self._ints.__setitem__ for k in arg_kinds]
        self._readers = [self._out_floats.__getitem__ if k == "f" else self._out_ints.__getitem__
                         for k in result_kinds]

    def __call__(self, *args):
        for i, (write, value) in enumerate(zip(self._writers, args)):
            write(i, value)
        self._fn(self._argv)
        return tuple(read(i) for i, read in enumerate(self._readers))


def llvm_ir(llvm_dialect_text: str, optimise: bool = True) -> str:
    """LLVM IR of a module in the LLVM dialect, optimised at -O3, via the wheel's command-line tools."""
    translate = _tool("mlir-translate", "mlir")
    result = subprocess.run([translate, "--mlir-to-llvmir"], input=llvm_dialect_text, capture_output=True,
                            text=True, check=True)
    if not optimise:
        return result.stdout
    opt = _tool("opt", "llvm")
    return subprocess.run([opt, f"-O{OPT_LEVEL}", "-S"], input=result.stdout, capture_output=True, text=True,
                          check=True).stdout


def _tool(name: str, package: str) -> str:
    module = __import__(package)
    candidates = [os.path.join(p, "bin", name) for p in getattr(module, "__path__", [])]
    for path in candidates:
        if os.path.exists(path):
            return path
    found = shutil.which(name)
    if found is None:
        raise LoweringError(f"the tool '{name}' from the {package} wheel was not found")
    return found
