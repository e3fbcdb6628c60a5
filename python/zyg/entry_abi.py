"""How values cross into and out of a compiled module: plain data, shared by the compiler and the loader.

`@zyg_entry` (built by `zyg.entry`) takes `f64`/`i64` scalars and memref descriptors and returns an
error status and eight payload integers, then the results; `@zyg_entry_packed` (added by
`zyg.backend.packed_entry`) is its C-callable form. An `EntryABI` lists the 8-byte slots of each
argument and result. No xDSL here: the disk cache stores and rebuilds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ENTRY = "zyg_entry"
PACKED_ENTRY = f"{ENTRY}_packed"
ERROR_SLOTS = 9  # status, then eight integers the message refers to


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


@dataclass(frozen=True)
class EntryABI:
    args: tuple[Slot, ...]
    results: tuple[Slot, ...]
