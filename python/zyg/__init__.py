"""zyg: a differentiable compiler for Python.

Reverse-mode AD as a source-to-source transformation of plain Python, compiled through xDSL and
MLIR to native code.
"""

from zyg.api import (
    GradFunction,
    JitFunction,
    WithGradient,
    compile_grad,
    derivative,
    gradient,
    jit,
    pullback,
    withgradient,
)
from zyg.checkpoint import checkpoint, checkpointed
from zyg.disk_cache import clear_cache
from zyg.errors import (
    LoweringError,
    NoDerivativeError,
    ShapeError,
    UnsupportedSyntaxError,
    ZygError,
    ZygIndexError,
    ZygLinAlgError,
    ZygTypeError,
    ZygZeroDivisionError,
)
from zyg.host import Array, host
from zyg.params import Grads, Params

__all__ = [
    "Array",
    "GradFunction",
    "Grads",
    "JitFunction",
    "LoweringError",
    "NoDerivativeError",
    "Params",
    "ShapeError",
    "UnsupportedSyntaxError",
    "WithGradient",
    "ZygError",
    "ZygIndexError",
    "ZygLinAlgError",
    "ZygTypeError",
    "ZygZeroDivisionError",
    "checkpoint",
    "checkpointed",
    "clear_cache",
    "compile_grad",
    "derivative",
    "gradient",
    "host",
    "jit",
    "pullback",
    "withgradient",
]
