"""What compiling one request yields: the native entry point and the Python-level facts about it.

Plain data (no xDSL), so that a disk-cache hit (`zyg.disk_cache`) rebuilds it without the compiler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from zyg.backend.jit import NativeFunction
from zyg.frontend.trees import TreeDef


@dataclass
class CompiledRequest:
    """A compiled request.

    Attributes:
        native: the callable entry point.
        return_tree: the structure of what the Python function returns and its leaves' type codes
            (`zyg.frontend.trees`); the native results are its leaves.
        stages: the IR text of every stage, when it was asked for.
        guard: whether the compile still stands (`zyg.frontend.dependencies.Guard`): False once a
            global, closure variable, callee or default argument it read means something else.
    """

    native: NativeFunction
    return_tree: TreeDef
    stages: dict[str, str] = field(default_factory=dict)
    guard: Callable[[], bool] | None = None

    def is_current(self) -> bool:
        """Whether what the compile read is still bound as it was (checked at each call)."""
        return self.guard is None or self.guard()
