"""How values cross into and out of a compiled module: plain data, shared by the compiler and the loader.

Each entry of a module (built by `zyg.entry`) takes `f64`/`i64` scalars and memref descriptors and
returns an error status and eight payload integers, then the results; `@<entry>_packed` (added by
`zyg.backend.packed_entry`) is its C-callable form. An `EntryABI` names one entry and lists the 8-byte
slots of each argument and result. No xDSL here: the disk cache stores and rebuilds it.

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
CHECK_VALUES = 16  # the integers a failed check's message may refer to (two shapes of rank 8)
ERROR_SLOTS = 1 + CHECK_VALUES  # status, then those integers
INTERRUPTED = -1  # the status of a call stopped by Ctrl-C (other failures number their check from 1)
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


def host_error_status(mask: int) -> int:
    """The status of a host call whose exception is an instance of the catch classes in `mask`."""
    return 1 | (mask << HOST_CLASS_BIT)


@dataclass(frozen=True)
class Slot:
    """How one argument or result crosses the boundary: 'f' (f64), 'i' (i64) or 'array'."""

    kind: str
    rank: int = 0
    dtype: np.dtype | None = None

    @property
    def width(self) -> int:
        """Number of 8-byte words: 1 for a scalar, 3 + 2 * rank for a memref descriptor."""
        return 3 + 2 * self.rank if self.kind == "array" else 1


def body_of(entry: str) -> str:
    """The symbol of the function holding the request itself, which `entry` calls (`zyg.entry`)."""
    return entry.replace("entry", "body")


def packed(entry: str) -> str:
    """The symbol of the C-callable form of `entry`."""
    return f"{entry}_packed"


@dataclass(frozen=True)
class EntryABI:
    args: tuple[Slot, ...]
    results: tuple[Slot, ...]
    name: str = ENTRY
