"""Running native code: the compiled entry points as Python callables.

In: the address of a compiled `<entry>_python` (in `ExecutionEngine`'s memory, see `engine.py`, or in a
shared library from the disk cache, see `load_library`), the entry's `EntryABI` and the module's run-time
checks. Out: a `NativeFunction`, a Python callable that runs the compiled code. Neither xDSL nor the
MLIR bindings are loaded here: a disk-cache hit needs neither.

The call path is the generated code's (`python_entry.py`): a builtin that reads the arguments, runs the
entry without the GIL and builds the results, returned arrays owning their `malloc`ed buffers. Python
runs only for what it does not take as it is (a NumPy scalar, an array subclass, another dtype: converted
here, or refused with the error that says why) and for a failed check (its exception raised here).
"""

from __future__ import annotations

import ctypes
import string
from collections.abc import Iterable, Sequence

import numpy as np

from zyg.backend import cuda, interrupts, python_api, stack
from zyg.backend.blas import openblas_library
from zyg.backend.heap import keep_freed_buffers
from zyg.entry_abi import (
    GPU_FAILED,
    INT64_MAX,
    INT64_MIN,
    INTERRUPTED,
    RUNTIME_STATE,
    STATE_API,
    STATE_FREE,
    STATE_LIMIT_FUNCTION,
    STATE_WORDS,
    EntryABI,
    Slot,
    python_entry,
)
from zyg.errors import RUNTIME_ERRORS, GpuError, SourceLoc, ZygTypeError

# What a module may need loaded before it: OpenBLAS for matrix products (strided copies, `memrefCopy`,
# are the runtime's own, see `runtime.STRIDED_COPY`), the CUDA driver for GPU kernels
# (`cuda.runtime_library`). `lower_llvm.runtime_needs` says which a module uses.
BLAS = "blas"
CUDA = "cuda"
_ENGINE_WRAPPER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)  # `ExecutionEngine`'s wrappers take void**
STATE_FUNCTION = ctypes.CFUNCTYPE(ctypes.c_void_p)  # `@_zyg_runtime_state`: () -> the module's state


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


class NativeFunction:
    """A compiled entry point taking and returning Python numbers and NumPy arrays.

    Args:
        address: the address of `<entry>_python` (see `zyg.backend.python_entry`).
        owner: what keeps the code loaded (the library or the engine).
        abi: how each argument and result crosses the boundary.
        checks: the module's run-time checks; failure code `k` is `checks[k - 1]`.

    Attributes:
        call: the builtin itself, for callers that take its fast path themselves: given the arguments
            as `abi` says, it returns the tuple of results; anything else it returns goes to `settle`.
    """

    def __init__(self, address: int, owner: object, abi: EntryABI, checks: Sequence[Check] = ()):
        keep_freed_buffers()
        self.address, self.owner, self.abi, self.checks = address, owner, abi, list(checks)
        self._owners = [owner]  # every code this entry has run, kept loaded: a call may be running each
        self.call, self._method = python_api.builtin(address, python_entry(abi.name), self._owners)

    def retarget(self, other: NativeFunction) -> None:
        """Runs `other`'s code (the same entry and checks, compiled again: `zyg.tier_up`) from the next call
        on, through `call` too, so every fast path holding it follows; calls under way finish in the old."""
        self._owners.append(other.owner)
        self.address, self.owner = other.address, other.owner
        python_api.retarget(self._method, other.address)

    def __call__(self, *args):
        outcome = self.call(*args)
        return outcome if type(outcome) is tuple else self.settle(args, outcome)

    def settle(self, args: tuple, outcome: object) -> tuple:
        """The results of a call of `call` with `args` that returned `outcome`, not a tuple: for
        `NotImplemented`, those of a call with the arguments converted (or the error saying why they
        cannot be); for a failure record `[status, values...]`, the check's exception raised."""
        if outcome is NotImplemented:
            outcome = self.call(*self._converted(args))
            if type(outcome) is tuple:
                return outcome
            if outcome is NotImplemented:
                raise ZygTypeError(f"zyg could not pass {tuple(map(_describe, args))} to a compiled "
                                   f"function taking {self.abi.args} (please report this)")
        status = outcome[0]
        if status == INTERRUPTED:
            interrupts.raise_interrupt()
        if status == GPU_FAILED:
            raise GpuError(cuda.failure_message(outcome[1:]))
        self.checks[status - 1].raise_with(outcome[1:])

    def _converted(self, args: tuple) -> tuple:
        """`args` as the compiled code takes them: exact Python numbers and exact arrays of the dtype."""
        if len(args) != len(self.abi.args):
            raise TypeError(f"{python_entry(self.abi.name)} takes {len(self.abi.args)} arguments, got {len(args)}")
        return tuple(_CONVERSIONS[slot.kind](value, slot) for value, slot in zip(args, self.abi.args))


def _to_int(value, slot: Slot) -> int:
    number = int(value)  # bools, NumPy integers; api.py has range-checked the user's ints
    if not INT64_MIN <= number <= INT64_MAX:
        raise OverflowError(f"{number} does not fit in int64, zyg's int")
    return number


def _to_array(value, slot: Slot) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.dtype != slot.dtype or value.ndim != slot.rank:
        raise ZygTypeError(f"expected a {slot.dtype} array of rank {slot.rank}, got {_describe(value)}")
    if any(stride % value.itemsize for stride in value.strides):
        raise ZygTypeError("an array whose strides are not a multiple of its item size cannot be passed")
    # A view of the exact type with NumPy's own dtype object, which the compiled code compares by identity.
    return value.view(dtype=np.dtype(slot.dtype.type), type=np.ndarray)


_CONVERSIONS = {"f": lambda value, slot: float(value), "i": _to_int, "b": lambda value, slot: bool(value),
                "array": _to_array}


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of rank {value.ndim}"
    return f"a {type(value).__name__}"


def runtime_libraries(needs: Iterable[str]) -> list[str]:
    """The paths of the shared libraries a module needs (see `BLAS`, `CUDA`).

    Raises:
        NoGpuError: the module needs CUDA and this machine has no driver or no device (checked before
            the wrappers, which need the driver, are loaded).
    """
    needs = tuple(needs)
    libraries = [openblas_library()] if BLAS in needs else []
    if CUDA in needs:
        libraries.append(cuda.runtime_library())
    return libraries


def connect_runtime(state: int, owner: object, checks: Sequence[Check], needs: Iterable[str] = ()) -> None:
    """Fills in a loaded module's runtime state (`zyg.backend.runtime`) at address `state` (what
    `@_zyg_runtime_state` returns): the interrupt flag and handler (`interrupts.connect`), the process's
    Python API table (`python_api.table`) and, when a check of the module is a stack check (it has
    recursive functions), the function giving a thread's stack limit (`stack.limit_function`). `needs`
    (`lower_llvm.runtime_needs`) says whether it is a GPU module, whose results may be device buffers."""
    words = (ctypes.c_uint64 * STATE_WORDS).from_address(state)
    interrupts.connect(words, owner)
    words[STATE_API] = python_api.table(words[STATE_FREE], owner, device=CUDA in needs)
    if any(check.error == "RecursionError" for check in checks):
        words[STATE_LIMIT_FUNCTION] = stack.limit_function()


def engine_pointer(wrapper: int) -> int:
    """What the function of no arguments returning a pointer whose engine wrapper is at `wrapper` returns."""
    result = ctypes.c_void_p()
    _ENGINE_WRAPPER(wrapper)((ctypes.c_void_p * 1)(ctypes.addressof(result)))
    return result.value


def load_library(path: str, needs: Iterable[str], abis: Sequence[EntryABI],
                 checks: Sequence[Check]) -> dict[str, NativeFunction]:
    """Loads a library from `shared_library.link_shared_library` and returns its entry points by name.

    Raises:
        OSError: if the library or one it needs cannot be loaded.
    """
    for dependency in runtime_libraries(needs):
        ctypes.CDLL(dependency, mode=ctypes.RTLD_GLOBAL)  # the library's undefined symbols resolve here
    library = ctypes.CDLL(path)
    connect_runtime(STATE_FUNCTION(_address(library, RUNTIME_STATE))(), library, checks, needs)
    return {abi.name: NativeFunction(_address(library, python_entry(abi.name)), library, abi, checks)
            for abi in abis}


def _address(library: ctypes.CDLL, symbol: str) -> int:
    return ctypes.cast(getattr(library, symbol), ctypes.c_void_p).value
