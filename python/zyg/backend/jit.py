"""Native code from upstream MLIR: lower to LLVM, JIT with `ExecutionEngine`, call through ctypes.

In: an upstream `mlir.ir.Module` with the public entry `@zyg_entry` (see `zyg.entry`) and its
`EntryABI`. Out: a `NativeFunction`, a Python callable that runs the compiled code.

The call path is thin: the packed wrapper `_mlir_zyg_entry(void**)` is looked up once; each call
writes the arguments into preallocated 8-byte slots (a NumPy array is passed zero-copy as a memref
descriptor: data pointer, offset 0, shape, strides in elements) and reads the results from a
preallocated buffer. A returned array owns its `malloc`ed buffer and frees it when collected.
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import subprocess
from collections.abc import Sequence

import numpy as np
from mlir import ir, passmanager
from mlir.execution_engine import ExecutionEngine

from zyg.backend.bridge import context, dump_ir
from zyg.backend.lower_llvm import LOWER_TO_LLVM, LOWER_TO_LOOPS, OPT_LEVEL, runtime_libraries
from zyg.backend.widen_bool_memrefs import widen_bool_memrefs
from zyg.entry import ERROR_SLOTS, EntryABI, Slot
from zyg.errors import RUNTIME_ERRORS, LoweringError, SourceLoc, ZygTypeError

ENTRY = "zyg_entry"
BLAS_FUNCTIONS = frozenset({"scipy_cblas_dgemm64_", "scipy_cblas_sgemm64_"})
_PACKED = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_free = ctypes.CDLL(None).free
_free.argtypes = [ctypes.c_void_p]


def lower_to_llvm(module: ir.Module) -> None:
    """Runs the upstream pipeline in place; raises `LoweringError` naming the failure."""
    text = None
    with context():
        try:
            text = str(module)
            passmanager.PassManager.parse(LOWER_TO_LOOPS).run(module.operation)
            widen_bool_memrefs(module)
            passmanager.PassManager.parse(LOWER_TO_LLVM).run(module.operation)
        except Exception as exc:
            raise LoweringError(f"the upstream lowering pipeline failed ({str(exc).strip().splitlines()[0]}); "
                                f"input IR written to {dump_ir(text or '')}") from None


class _Allocation:
    """A buffer the compiled code `malloc`ed, freed when the last array viewing it is collected.
    Several results may view one buffer (two slices of one cotangent), so they share this owner."""

    def __init__(self, pointer: int):
        self.pointer = pointer

    def __del__(self):
        _free(self.pointer)


class _OwnedBuffer:
    """Keeps an `_Allocation` alive for as long as a NumPy array views it."""

    def __init__(self, allocation: _Allocation, data: int, shape: tuple, strides: tuple, dtype: np.dtype):
        self._allocation = allocation
        self.__array_interface__ = {"data": (data, False), "shape": shape, "strides": strides,
                                    "typestr": dtype.str, "version": 3}


class Check:
    """A run-time check of the module: the error to raise, where, and its message template."""

    def __init__(self, error: str, loc: SourceLoc | None, message: str):
        self.error, self.loc, self.message = error, loc, message

    def raise_with(self, values: Sequence[int]):
        raise RUNTIME_ERRORS[self.error](self.message.format(*values), self.loc)


def _declares(module: ir.Module, names: frozenset[str]) -> bool:
    """Whether `module` has a top-level symbol among `names`."""
    for op in module.body.operations:
        if "sym_name" in op.attributes and ir.StringAttr(op.attributes["sym_name"]).value in names:
            return True
    return False


class NativeFunction:
    """A JIT-compiled entry point taking and returning Python numbers and NumPy arrays.

    Args:
        module: the module in the LLVM dialect (kept alive with the engine).
        abi: how each argument and result crosses the boundary.
        checks: the module's run-time checks; failure code `k` is `checks[k - 1]`.
    """

    def __init__(self, module: ir.Module, abi: EntryABI, checks: Sequence[Check] = ()):
        self.module = module
        with context():
            try:
                libraries = runtime_libraries(uses_blas=_declares(module, BLAS_FUNCTIONS))
                self.engine = ExecutionEngine(module, opt_level=OPT_LEVEL, shared_libs=libraries)
            except Exception as exc:
                raise LoweringError(f"JIT compilation failed ({str(exc).strip().splitlines()[0]})") from None
        self._fn = _PACKED(self.engine.raw_lookup(ENTRY))
        self.abi, self.checks = abi, list(checks)
        self._arg_offsets = _offsets(abi.args)
        self._result_offsets = _offsets(abi.results, start=ERROR_SLOTS)
        n_in = sum(s.width for s in abi.args)
        n_out = ERROR_SLOTS + sum(s.width for s in abi.results)
        self._in = (ctypes.c_int64 * max(n_in, 1))()
        self._in_f = ctypes.cast(self._in, ctypes.POINTER(ctypes.c_double))
        self._out = (ctypes.c_int64 * n_out)()
        self._out_f = ctypes.cast(self._out, ctypes.POINTER(ctypes.c_double))
        base = ctypes.addressof(self._in)
        pointers = [base + 8 * i for i in range(n_in)] + [ctypes.addressof(self._out)]
        self._argv = (ctypes.c_void_p * len(pointers))(*pointers)

    def __call__(self, *args):
        slots, floats = self._in, self._in_f
        for slot, offset, value in zip(self.abi.args, self._arg_offsets, args):
            if slot.kind == "f":
                floats[offset] = value
            elif slot.kind == "i":
                slots[offset] = value
            else:
                _write_array(slots, offset, slot, value)
        self._fn(self._argv)
        status = self._out[0]
        if status:
            self._free_placeholders()
            self.checks[status - 1].raise_with(self._out[1:ERROR_SLOTS])
        allocations: dict[int, _Allocation] = {}
        return tuple(self._read(slot, offset, allocations)
                     for slot, offset in zip(self.abi.results, self._result_offsets))

    def _free_placeholders(self) -> None:
        """After a failed check the array results are empty placeholders, possibly one buffer twice."""
        allocated = {self._out[offset] for slot, offset in zip(self.abi.results, self._result_offsets)
                     if slot.kind == "array"}
        for pointer in allocated:
            _free(pointer)

    def _read(self, slot: Slot, offset: int, allocations: dict[int, _Allocation]):
        if slot.kind == "f":
            return self._out_f[offset]
        if slot.kind == "i":
            return self._out[offset]
        out, rank = self._out, slot.rank
        allocated, aligned, elem_offset = out[offset], out[offset + 1], out[offset + 2]
        shape = tuple(out[offset + 3: offset + 3 + rank])
        itemsize = slot.dtype.itemsize
        strides = tuple(s * itemsize for s in out[offset + 3 + rank: offset + 3 + 2 * rank])
        allocation = allocations.get(allocated)
        if allocation is None:
            allocation = allocations[allocated] = _Allocation(allocated)
        owner = _OwnedBuffer(allocation, aligned + elem_offset * itemsize, shape, strides, slot.dtype)
        return np.asarray(owner)


def _offsets(slots: Sequence[Slot], start: int = 0) -> list[int]:
    offsets, position = [], start
    for slot in slots:
        offsets.append(position)
        position += slot.width
    return offsets


def _write_array(slots, offset: int, slot: Slot, value: np.ndarray) -> None:
    """Writes `value`'s memref descriptor (zero-copy) into `slots` at `offset`."""
    if not isinstance(value, np.ndarray) or value.dtype != slot.dtype or value.ndim != slot.rank:
        raise ZygTypeError(f"expected a {slot.dtype} array of rank {slot.rank}, got {_describe(value)}")
    itemsize = value.itemsize
    data = value.ctypes.data
    slots[offset] = data
    slots[offset + 1] = data
    slots[offset + 2] = 0
    rank = slot.rank
    for axis in range(rank):
        slots[offset + 3 + axis] = value.shape[axis]
        stride, remainder = divmod(value.strides[axis], itemsize)
        if remainder:
            raise ZygTypeError("an array whose strides are not a multiple of its item size cannot be passed")
        slots[offset + 3 + rank + axis] = stride


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of rank {value.ndim}"
    return f"a {type(value).__name__}"


def llvm_ir(llvm_dialect_text: str, optimise: bool = True) -> str:
    """LLVM IR of a module in the LLVM dialect, optimised as the JIT does (`OPT_LEVEL`, for the host
    CPU), via the wheel's command-line tools."""
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
