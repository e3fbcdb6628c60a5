"""Native code from upstream MLIR: an upstream module in the LLVM dialect -> machine code in memory.

In: a module after `lower_llvm.lower_to_llvm` (with `@<entry>_python` for each entry), their
`EntryABI`s and the run-time checks. Out: a `NativeFunction` per entry running the code compiled for
this host, at -O2 by `ExecutionEngine`, which can write it as an object file for the disk cache
(`shared_library.py`), or at -O0 for the quick tier (`quick_jit.py`, `zyg.tier_up`). The code is position independent so that the object links into a shared library.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence

from mlir import ir
from mlir.execution_engine import ExecutionEngine

from zyg.backend import quick_jit
from zyg.backend.bridge import context
from zyg.backend.jit import (
    BLAS,
    CUDA,
    STATE_FUNCTION,
    Check,
    NativeFunction,
    connect_runtime,
    engine_pointer,
    runtime_libraries,
)
from zyg.backend.opt_levels import OPT_LEVEL, QUICK_OPT_LEVEL
from zyg.entry_abi import RUNTIME_STATE, EntryABI, address_of, python_entry
from zyg.errors import LoweringError
from zyg.frontend.host_calls import HOST_ARRAYS_FUNCTION, HOST_FUNCTION
from zyg.host import HostCalls
from zyg.stage_times import stage


def compile_module(module: ir.Module, abis: Sequence[EntryABI], checks: Sequence[Check],
                   host: HostCalls | None = None, needs: Iterable[str] = (BLAS,),
                   quick: bool = False) -> tuple[dict[str, NativeFunction], object]:
    """JIT-compiles `module` (its host calls answered by `host`, its calls into runtime libraries by
    those of `needs`, see `lower_llvm.runtime_needs`: loading OpenBLAS costs tens of milliseconds),
    optimised, or `quick`ly (-O0, `quick_jit`; without host calls); returns its entry points by name and
    what holds the code: an `ExecutionEngine`, which can write it as an object file, or a `QuickCode`.

    Raises:
        LoweringError: if LLVM fails.
    """
    with context():
        try:
            with stage("LLVM: find runtime libraries"):
                libraries = runtime_libraries(needs)
            if quick and host is None and quick_jit.available():
                with stage("LLVM: translate"):
                    code = quick_jit.QuickCode(module, needs)
                with stage("LLVM: machine code"):
                    entries = {abi.name: code.address(python_entry(abi.name)) for abi in abis}
                    state = STATE_FUNCTION(code.address(RUNTIME_STATE))()
            else:
                level = QUICK_OPT_LEVEL if quick else OPT_LEVEL
                with stage("LLVM: translate and optimise"):
                    code = ExecutionEngine(module, opt_level=level, shared_libs=libraries, enable_pic=True)
                if host is not None:  # before the first lookup, which links the code
                    code.raw_register_runtime(HOST_FUNCTION, host.pointer)
                    code.raw_register_runtime(HOST_ARRAYS_FUNCTION, host.arrays_pointer)
                if CUDA in needs:  # GPU kernels are loaded by global constructors, which only this runs
                    code.initialize()
                # `raw_lookup(name)` finds the engine's void** wrapper `_mlir_<name>` (compiling the module
                # on the first lookup), here of the functions returning the addresses wanted.
                with stage("LLVM: machine code"):
                    entries = {abi.name: engine_pointer(code.raw_lookup(address_of(python_entry(abi.name))))
                               for abi in abis}
                state = engine_pointer(code.raw_lookup(RUNTIME_STATE))
        except Exception as exc:
            raise LoweringError(f"JIT compilation failed ({str(exc).strip().splitlines()[0]})") from None
    owner = (code, module, host)
    connect_runtime(state, owner, checks, needs)
    natives = {abi.name: NativeFunction(entries[abi.name], owner, abi, checks) for abi in abis}
    return natives, code




def function_ir(llvm_ir_text: str, name: str) -> str:
    """The definition of function `name` alone in a module's LLVM IR, as Julia's `@code_llvm` prints
    one: its `define` line (without attribute-group references, whose groups are not shown) and body."""
    start = llvm_ir_text.index(f"@{name}(")
    start = llvm_ir_text.rindex("\n", 0, start) + 1
    end = llvm_ir_text.index("\n}\n", start) + 2
    header, body = llvm_ir_text[start:end].split("\n", 1)
    header = re.sub(r" #\d+", "", header.replace(" local_unnamed_addr", ""))
    return f"{header}\n{body}"


def llvm_ir(llvm_dialect_text: str, optimise: bool = True) -> str:
    """LLVM IR of a module in the LLVM dialect, optimised as the JIT does (`OPT_LEVEL`, for the host
    CPU), via the wheels' command-line tools."""
    translate = _tool("mlir-translate", "mlir")
    result = subprocess.run([translate, "--mlir-to-llvmir"], input=llvm_dialect_text, capture_output=True,
                            text=True, check=True)
    if not optimise:
        return result.stdout
    opt = _tool("opt", "llvm")
    # The translated module names no target, and opt without one vectorises for no machine at all; the
    # ExecutionEngine compiles for the host, so this asks for it too.
    host = [f"-mtriple={_host_triple()}", "-mcpu=native"]
    return subprocess.run([opt, f"-O{OPT_LEVEL}", *host, "-S"], input=result.stdout, capture_output=True,
                          text=True, check=True).stdout


@functools.cache
def _host_triple() -> str:
    return subprocess.run([_tool("llvm-config", "llvm"), "--host-target"], capture_output=True, text=True,
                          check=True).stdout.strip()


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
