"""How values cross into and out of a compiled module: plain data, shared by the compiler and the loader.

Each entry of a module (built by `zyg.entry`) takes `f64`/`i64` scalars and memref descriptors and
returns an error status and the integers of its message, then the results; `@<entry>_python` (added by
`zyg.backend.python_entry`) is its form Python calls, a METH_FASTCALL C function of Python objects. An
`EntryABI` names one entry and says how each argument and result crosses. No xDSL here: the disk cache
stores and rebuilds it.

Every module has `@zyg_entry` (the request: value, gradient or vjp). A pullback's module has three:
`@zyg_entry` runs the forward sweep and returns the values and a tape (an opaque pointer, slot 'i'),
`@zyg_entry_backward` takes the seeds and that tape and returns the gradients, leaving the tape whole,
and `@zyg_entry_release` frees the tape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ENTRY = "zyg_entry"
BACKWARD_ENTRY = "zyg_entry_backward"
RELEASE_ENTRY = "zyg_entry_release"
ENTRIES = (ENTRY, BACKWARD_ENTRY, RELEASE_ENTRY)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # the ints an 'i' slot takes: zyg's int is int64
CHECK_VALUES = 16  # the integers a failed check's message may refer to (two shapes of rank 8)
ERROR_SLOTS = 1 + CHECK_VALUES  # status, then those integers
INTERRUPTED = -1  # the status of a call stopped by Ctrl-C (other failures number their check from 1)
GPU_FAILED = -2  # the status of a call in which a CUDA driver call failed (values: its CUresult, which call)
# Frames (see `zyg.backend.runtime`): an entry call and each `try` keep one in their stack frame, of
# FRAME_WORDS 8-byte words (its jump buffer of JMPBUF_WORDS, the enclosing frame's, the serial of the
# first block allocated under it, a tape and its size, a caught error). Closing one keeps (a `try` that succeeded), frees (a failure; a caught one keeps its
# error) or detaches for Python (an entry that succeeded) the blocks allocated since it opened.
JMPBUF_WORDS = 64
FRAME_WORDS = JMPBUF_WORDS + 4 + ERROR_SLOTS
RELEASE_KEEP, RELEASE_FREE, RELEASE_DETACH, RELEASE_CATCH = 0, 1, 2, 3
# A host call returns 0, or when the Python function raised, 1 with bit 1 + k set where the exception is
# an instance of class k of the module's catch table (the classes its `except` clauses name).
HOST_CLASS_BIT = 1  # the bit of catch class 0
RUNTIME_STATE = "_zyg_runtime_state"  # () -> ptr: the module's state the loader fills in (`zyg.backend.runtime`)
# The words of that state, `@_zyg_runtime`: the process's interrupt flag, the calling thread's stack
# limit, the module's SIGINT handler, the process's `PYTHON_API` table, the function giving the calling
# thread's stack limit (null without recursion), the thread holding the module's lock, how often it
# re-entered it (from a host call), the thread the limit is for, the capsule destructor freeing a result
# buffer, then the lock itself (a pthread mutex, zero-initialised).
(STATE_FLAG, STATE_STACK_LIMIT, STATE_HANDLER, STATE_API, STATE_LIMIT_FUNCTION, STATE_OWNER, STATE_DEPTH,
 STATE_THREAD, STATE_FREE, STATE_MUTEX) = range(10)
MUTEX_WORDS = 8  # at least sizeof(pthread_mutex_t): 40 bytes on x86-64, 48 on AArch64
STATE_WORDS = STATE_MUTEX + MUTEX_WORDS
# The process's table of CPython and NumPy addresses the Python entries read (`zyg.backend.python_api`
# fills it, `zyg.backend.python_entry` reads it), one 8-byte word each in this order: objects compared
# by identity, functions, then byte offsets of object fields (they differ between CPython builds).
PYTHON_API = (
    "float", "int", "bool", "True", "NotImplemented", "ndarray",
    "float64", "float32", "int64", "bool_",  # NumPy's dtype singletons
    "PyFloat_FromDouble", "PyLong_FromLongLong", "PyLong_AsLongLongAndOverflow", "PyBool_FromLong",
    "PyTuple_New", "PyTuple_SetItem", "PyList_New", "PyList_SetItem", "Py_IncRef", "Py_DecRef",
    "PyEval_SaveThread", "PyEval_RestoreThread", "PyCapsule_New", "PyCapsule_GetPointer",
    "PyArray_NewFromDescr", "PyArray_SetBaseObject",
    "free_capsule",  # the destructor of a result buffer's capsule: the first module's, kept loaded for good
    "free_device_capsule",  # that of a GPU compile's result (`gpu_heap`): the first GPU module's, likewise
    "type_offset", "float_value_offset", "array_fields_offset",  # ob_type, ob_fval, PyArrayObject_fields
)


def host_error_status(mask: int) -> int:
    """The status of a host call whose exception is an instance of the catch classes in `mask`."""
    return 1 | (mask << HOST_CLASS_BIT)


@dataclass(frozen=True)
class Slot:
    """How one argument or result crosses the boundary: 'f' (a float, f64), 'i' (an int, i64), 'b' (a
    bool, an i64 of 0 or 1) or 'array' (a NumPy array, a memref descriptor)."""

    kind: str
    rank: int = 0
    dtype: np.dtype | None = None


def body_of(entry: str) -> str:
    """The symbol of the function holding the request itself, which `entry` calls (`zyg.entry`)."""
    return entry.replace("entry", "body")


def python_entry(entry: str) -> str:
    """The symbol of the form of `entry` Python calls (`zyg.backend.python_entry`)."""
    return f"{entry}_python"


def address_of(symbol: str) -> str:
    """The symbol of the function returning `symbol`'s address: the loader's way to it, the same from
    `ExecutionEngine` (which looks up functions through wrappers of its own) and a shared library."""
    return f"{symbol}_address"


@dataclass(frozen=True)
class EntryABI:
    args: tuple[Slot, ...]
    results: tuple[Slot, ...]
    name: str = ENTRY
