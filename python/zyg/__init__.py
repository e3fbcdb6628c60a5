"""zyg: a differentiable compiler for Python.

Reverse- and forward-mode AD as a source-to-source transformation of plain Python, compiled through
xDSL and MLIR to native code.
"""

from zyg.api import (
    GradFunction,
    JacobianFunction,
    JitFunction,
    WithGradient,
    compile_grad,
    derivative,
    gradient,
    hessian,
    hvp,
    jacobian,
    jit,
    jvp,
    pullback,
    pushforward,
    withgradient,
)
from zyg.artefact import ArtefactError
from zyg.check import GradCheck, check_grad
from zyg.check_rule import check_rule
from zyg.checkpoint import checkpoint, checkpointed
from zyg.device_arrays import on_device, to_device
from zyg.disk_cache import clear_cache
from zyg.errors import (
    GpuError,
    LoweringError,
    NoDerivativeError,
    NoGpuError,
    ShapeError,
    UnsupportedSyntaxError,
    ZygError,
    ZygIndexError,
    ZygLinAlgError,
    ZygRecursionError,
    ZygTypeError,
    ZygZeroDivisionError,
)
from zyg.export import ExportedFunction, export, load
from zyg.host import Array, host
from zyg.params import Grads, Params
from zyg.rules import custom_jvp, custom_vjp, rrule, stop_gradient
from zyg.tier_up import wait_optimised

__all__ = [
    "Array",
    "ArtefactError",
    "ExportedFunction",
    "GpuError",
    "GradCheck",
    "GradFunction",
    "Grads",
    "JacobianFunction",
    "JitFunction",
    "LoweringError",
    "NoDerivativeError",
    "NoGpuError",
    "Params",
    "ShapeError",
    "UnsupportedSyntaxError",
    "WithGradient",
    "ZygError",
    "ZygIndexError",
    "ZygLinAlgError",
    "ZygRecursionError",
    "ZygTypeError",
    "ZygZeroDivisionError",
    "check_grad",
    "check_rule",
    "checkpoint",
    "checkpointed",
    "clear_cache",
    "compile_grad",
    "custom_jvp",
    "custom_vjp",
    "derivative",
    "export",
    "gradient",
    "hessian",
    "hvp",
    "host",
    "jacobian",
    "jit",
    "jvp",
    "load",
    "on_device",
    "pullback",
    "pushforward",
    "rrule",
    "stop_gradient",
    "to_device",
    "wait_optimised",
    "withgradient",
]
