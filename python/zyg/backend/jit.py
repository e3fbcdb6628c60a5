"""Running native code: call a compiled entry point through ctypes, with NumPy marshalling.

In: the address of a compiled `<entry>_packed` (in `ExecutionEngine`'s memory, see `engine.py`, or
in a shared library from the disk cache, see `load_library`), the entry's `EntryABI` and the module's
run-time checks. Out: a `NativeFunction`, a Python callable that runs the compiled code. Neither
xDSL nor the MLIR bindings are loaded here: a disk-cache hit needs neither.

The call path is thin: the packed entry `<entry>_packed(in, out)` is looked up once; each call
writes the arguments into preallocated 8-byte slots (a NumPy array is passed zero-copy as a memref
descriptor: data pointer, offset 0, shape, strides in elements) and reads the results from a
preallocated buffer. A returned array owns its `malloc`ed buffer and frees it when collected.
"""

from __future__ import annotations

import ctypes
import functools
import os
import string
from collections.abc import Iterable, Sequence
from threading import RLock, get_ident

import numpy as np

from zyg.backend import interrupts
from zyg.backend.blas import openblas_library
from zyg.backend.heap import keep_freed_buffers
from zyg.backend.stack import StackLimit
from zyg.entry_abi import ERROR_SLOTS, INTERRUPTED, RUNTIME_STATE, EntryABI, Slot, packed
from zyg.errors import RUNTIME_ERRORS, SourceLoc, ZygTypeError

# What a module may need loaded before it: OpenBLAS for matrix products, the MLIR wheel's C runner
# utilities for `memrefCopy` (strided copies). `lower_llvm.runtime_needs` says which a module uses.
BLAS, RUNNER_UTILS = "blas", "runner_utils"
_PACKED = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
_ENGINE_PACKED = ctypes.CFUNCTYPE(None, ctypes.c_void_p)  # `ExecutionEngine`'s wrappers take void**
_free = ctypes.CDLL(None).free
_free.argtypes = [ctypes.c_void_p]


class _Allocation:
    """A buffer the compiled code `malloc`ed, freed when the last array viewing it is collected.
    Several results may view one buffer (two slices of one cotangent), so they share this owner."""

    __slots__ = ("pointer",)

    def __init__(self, pointer: int):
        self.pointer = pointer

    def __del__(self):
        _free(self.pointer)


class Check:
    """A run-time check of the module: the error to raise, where, and its message template; a host
    call's check (`zyg.host.HOST_ERROR`) raises what the call raised, kept by `host`."""

    def __init__(self, error: str, loc: SourceLoc | None, message: str, host=None):
        self.error, self.loc, self.message, self.host = error, loc, message, host

    def raise_with(self, values: Sequence[int]):
        if self.host is not None:  # its values: the host call's status, the serial number of its exception
            raise self.host.take_raised(values[1])
        raise RUNTIME_ERRORS[self.error](_FIELDS.format(self.message, *values), self.loc)


class _Fields(string.Formatter):
    """Fills a message's `{k}` fields with the values the failed check reported, `?` past them."""

    def get_value(self, key, args, kwargs):
        return args[key] if isinstance(key, int) and key < len(args) else "?"


_FIELDS = _Fields()


_MODULE_LOCKS: dict[int, RLock] = {}  # by the id of what keeps a module's code loaded


class NativeFunction:
    """A compiled entry point taking and returning Python numbers and NumPy arrays.

    Args:
        entry: the address of `<entry>_packed`, or with `engine_wrapper` of the engine's wrapper of it
            (which takes a pointer to each of its two arguments).
        owner: what keeps the code loaded (the library or the engine).
        abi: how each argument and result crosses the boundary.
        checks: the module's run-time checks; failure code `k` is `checks[k - 1]`.
        stack: the module's stack limit, when it has recursive functions (see `connect_runtime`).
    """

    def __init__(self, entry: int, owner: object, abi: EntryABI, checks: Sequence[Check] = (),
                 engine_wrapper: bool = False, stack: StackLimit | None = None):
        keep_freed_buffers()
        self.owner = owner
        self._lock = _MODULE_LOCKS.setdefault(id(owner), RLock())
        self.abi, self.checks, self._stack = abi, list(checks), stack
        self._arg_offsets = _offsets(abi.args)
        self._result_offsets = _offsets(abi.results, start=ERROR_SLOTS)
        n_in = sum(s.width for s in abi.args)
        n_out = ERROR_SLOTS + sum(s.width for s in abi.results)
        self._in = (ctypes.c_int64 * max(n_in, 1))()
        self._in_f = ctypes.cast(self._in, ctypes.POINTER(ctypes.c_double))
        self._out = (ctypes.c_int64 * n_out)()
        self._out_f = ctypes.cast(self._out, ctypes.POINTER(ctypes.c_double))
        if engine_wrapper:
            self._pointers = (ctypes.c_void_p * 2)(ctypes.addressof(self._in), ctypes.addressof(self._out))
            base = ctypes.addressof(self._pointers)
            self._argv = (ctypes.c_void_p * 2)(base, base + ctypes.sizeof(ctypes.c_void_p))
            self._run = functools.partial(_ENGINE_PACKED(entry), self._argv)
        else:
            self._run = functools.partial(_PACKED(entry), self._in, self._out)

    def __call__(self, *args):
        # One call of the module's code at a time: its argument and result buffers, its error record
        # and jump buffer, its host-call slots and stack limit are the module's, not the thread's.
        # The GIL is released while the code runs, so calls of other modules run in parallel.
        with self._lock:
            return self._call(args)

    def _call(self, args: tuple):
        slots, floats = self._in, self._in_f
        for slot, offset, value in zip(self.abi.args, self._arg_offsets, args):
            if slot.kind == "f":
                floats[offset] = value
            elif slot.kind == "i":
                # ctypes takes Python ints only (np.bool_ has no __index__); api.py range-checks them.
                slots[offset] = value if type(value) is int else int(value)
            else:
                _write_array(slots, offset, slot, value)
        stack = self._stack
        if stack is not None and stack.thread != get_ident():
            stack.enter()
        self._run()
        status = self._out[0]
        if status:  # the placeholder results are freed already
            if status == INTERRUPTED:
                interrupts.raise_interrupt()
            self.checks[status - 1].raise_with(self._out[1:ERROR_SLOTS])
        allocations: dict[int, _Allocation] = {}
        return tuple(self._read(slot, offset, allocations)
                     for slot, offset in zip(self.abi.results, self._result_offsets))

    def _read(self, slot: Slot, offset: int, allocations: dict[int, _Allocation]):
        if slot.kind == "f":
            return self._out_f[offset]
        if slot.kind == "i":
            return self._out[offset]
        out, rank, itemsize = self._out, slot.rank, slot.dtype.itemsize
        allocated, aligned, elem_offset = out[offset], out[offset + 1], out[offset + 2]
        if rank == 1:  # the common case, without slicing the ctypes buffer
            shape, strides = (out[offset + 3],), (out[offset + 4] * itemsize,)
        else:
            shape = tuple(out[offset + 3: offset + 3 + rank])
            strides = tuple(s * itemsize for s in out[offset + 3 + rank: offset + 3 + 2 * rank])
        allocation = allocations.get(allocated)
        if allocation is None:
            allocation = allocations[allocated] = _Allocation(allocated)
        # The bytes the array views, as a ctypes buffer that keeps the allocation alive: the array's base.
        # (Memrefs the compiled code returns have no negative strides.)
        extent = itemsize + sum((d - 1) * s for d, s in zip(shape, strides)) if all(shape) else 0
        view = (ctypes.c_char * extent).from_address(aligned + elem_offset * itemsize)
        view.allocation = allocation
        return np.ndarray(shape, slot.dtype, view, 0, strides)


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
    try:  # the quick way to an array's address (`value.ctypes` builds an object of its own)
        data = ctypes.addressof(ctypes.c_char.from_buffer(value))
    except (TypeError, ValueError, BufferError):  # read-only, empty or not C-contiguous
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


def runtime_libraries(needs: Iterable[str]) -> list[str]:
    """The paths of the shared libraries a module needs (see `BLAS`, `RUNNER_UTILS`)."""
    import mlir  # the package only, for its path: the bindings stay unloaded

    libraries = []
    if RUNNER_UTILS in needs:
        for path in mlir.__path__:
            candidate = os.path.join(path, "lib", "libmlir_c_runner_utils.so")
            if os.path.exists(candidate):
                libraries.append(candidate)
                break
    if BLAS in needs:
        libraries.append(openblas_library())
    return libraries


def connect_runtime(state_wrapper: int, owner: object, checks: Sequence[Check]) -> StackLimit | None:
    """Fills in a loaded module's runtime state (`zyg.backend.runtime`), given the address of the engine's
    wrapper of `@_zyg_runtime_state`: the interrupt flag and handler (`interrupts.connect`) and, when a
    check of the module is a stack check (it has recursive functions), the `StackLimit` to pass its
    entries."""
    state = ctypes.c_void_p()
    _ENGINE_PACKED(state_wrapper)((ctypes.c_void_p * 1)(ctypes.addressof(state)))
    words = (ctypes.c_uint64 * 3).from_address(state.value)
    interrupts.connect(words, owner)
    return StackLimit(words) if any(check.error == "RecursionError" for check in checks) else None


def load_library(path: str, needs: Iterable[str], abis: Sequence[EntryABI],
                 checks: Sequence[Check]) -> dict[str, NativeFunction]:
    """Loads a library from `shared_library.link_shared_library` and returns its entry points by name.

    Raises:
        OSError: if the library or one it needs cannot be loaded.
    """
    for dependency in runtime_libraries(needs):
        ctypes.CDLL(dependency, mode=ctypes.RTLD_GLOBAL)  # the library's undefined symbols resolve here
    library = ctypes.CDLL(path)
    stack = connect_runtime(_address(library, f"_mlir_{RUNTIME_STATE}"), library, checks)
    return {abi.name: NativeFunction(_address(library, packed(abi.name)), library, abi, checks, stack=stack)
            for abi in abis}


def _address(library: ctypes.CDLL, symbol: str) -> int:
    return ctypes.cast(getattr(library, symbol), ctypes.c_void_p).value
