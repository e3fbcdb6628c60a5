"""Errors users see, and the source locations they point at.

Every error zyg raises for a user's program is a `ZygError`. Its message starts with the absolute
`file:line:col` of the offending Python construct, followed by the source line and a caret, so that a
terminal or an editor can jump to it. Messages never contain compiler frames.
"""

from __future__ import annotations

import linecache
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SourceLoc:
    """An absolute position in a user's source file (1-based line, 0-based column)."""

    filename: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.col + 1}"

    def excerpt(self) -> str:
        """The source line with a caret under the column, or '' when the file cannot be read."""
        text = linecache.getline(self.filename, self.line).rstrip("\n")
        if not text:
            return ""
        return f"    {text}\n    {' ' * self.col}^"


class ZygError(Exception):
    """Base class of every error zyg raises for a user's program.

    Args:
        message: what went wrong, naming the construct.
        loc: where in the user's source, when known.
    """

    def __init__(self, message: str, loc: SourceLoc | None = None):
        self.message = message
        self.loc = loc
        super().__init__(self._format())

    def _format(self) -> str:
        if self.loc is None:
            return f"error: {self.message}"
        text = f"{self.loc}: error: {self.message}"
        excerpt = self.loc.excerpt()
        return f"{text}\n{excerpt}" if excerpt else text


class UnsupportedSyntaxError(ZygError):
    """The function uses a Python construct zyg does not compile (a `with` block, a generator, ...).

    Fix: rewrite that part with the supported subset (see the README), or move it out of the
    differentiated function.
    """


class ZygTypeError(ZygError):
    """A value has a type zyg cannot handle here, e.g. a variable changes type across loop iterations,
    or an argument is neither a float, an int nor a bool.

    Fix: keep each variable to one type (an int that becomes a float is promoted automatically).
    """


class NoDerivativeError(ZygError):
    """An operation on a differentiated value has no pullback rule.

    Fix: make the value constant with respect to the inputs, or add a rule in `zyg.passes.autodiff.rules`.
    """


class LoweringError(ZygError):
    """Upstream MLIR failed to parse, verify, lower or JIT-compile the generated IR.

    This is a bug in zyg; the message names the stage and the file the IR was written to.
    """


class GpuError(ZygError, RuntimeError):
    """A CUDA driver call failed while a function compiled with `device="gpu"` ran (the message names
    the call and its `CUresult`), or GPU code cannot run here (`NoGpuError`)."""


class NoGpuError(GpuError):
    """A function compiled with `device="gpu"` was called where it cannot run: no CUDA driver
    (`libcuda.so.1`) can be loaded, or the driver finds no CUDA device. Raised before any GPU code is
    loaded. `ir("ptx")` still works: building PTX needs neither.

    Fix: run on a machine with an NVIDIA GPU and its driver, or compile with `device="cpu"`.
    """


class ShapeError(ZygError, ValueError):
    """At run time, array shapes do not fit an operation: `(3, 4) @ (5, 6)`, a broadcast of
    incompatible shapes, a reshape to a different size. Raised instead of computing garbage.

    Fix: check the shapes of the arguments; the message names the operation and the shapes.
    """


class ZygIndexError(ZygError, IndexError):
    """At run time, an index is out of range for the array's axis.

    Fix: the message gives the index and the axis size.
    """


class ZygKeyError(ZygError, KeyError):
    """A dict has no such key (found while compiling: a dict's keys are part of its structure).

    Fix: the message names the key and the dict's keys.
    """

    __str__ = Exception.__str__  # KeyError's would quote the whole message


class ZygAttributeError(ZygError, AttributeError):
    """A dataclass or NamedTuple has no such field (found while compiling: fields are structure).

    Fix: the message names the attribute and the fields there are.
    """


class ZygZeroDivisionError(ZygError, ZeroDivisionError):
    """At run time, an integer division or modulo by zero."""


class ZygOverflowError(ZygError, OverflowError):
    """At run time, an integer result Python would give does not fit in int64, zyg's int
    (`-2**63 // -1`)."""


class ZygLinAlgError(ZygError, np.linalg.LinAlgError):
    """A linear-algebra function got a matrix it cannot handle: a singular matrix for `solve` or
    `inv` (at run time), a non-square matrix, or an array of the wrong rank (at compile time).

    Fix: the message names the function; NumPy raises `numpy.linalg.LinAlgError` in the same cases.
    """


class ZygRecursionError(ZygError, RecursionError):
    """At run time, a recursive function went so deep that the native stack is (nearly) full.

    Fix: recurse less deeply (a loop instead), or give the thread a larger stack (`ulimit -s`,
    `threading.stack_size`); the message names the function.
    """


RUNTIME_ERRORS: dict[str, type[ZygError]] = {
    "ValueError": ShapeError,
    "IndexError": ZygIndexError,
    "ZeroDivisionError": ZygZeroDivisionError,
    "OverflowError": ZygOverflowError,
    "LinAlgError": ZygLinAlgError,
    "RecursionError": ZygRecursionError,
}
HOST_ERROR = "HostError"  # the check of a host call (and of a `raise`): Python raises what the host raised
CHECK_KINDS = (*RUNTIME_ERRORS, HOST_ERROR)  # what a failed run-time check (`zyg.check`) may raise


USER_TRACEBACK = "__zyg_traceback__"  # where a raised exception keeps its traceback at the user's line


def raise_at(exception: type[BaseException] | BaseException, function: str, filename: str, line: int, *args) -> None:
    """Raises `exception(*args)` (or the instance `exception`) with a traceback whose last frame is
    line `line` of `filename` in `function`, where the user wrote the `raise`."""
    error = exception(*args) if isinstance(exception, type) else exception
    code = compile("\n" * (line - 1) + "raise __zyg_exception__", filename, "exec").replace(co_name=function)
    try:
        exec(code, {"__zyg_exception__": error})
    except BaseException as raised:
        setattr(raised, USER_TRACEBACK, raised.__traceback__.tb_next)  # the frame at the user's line
        raise raised.with_traceback(raised.__traceback__.tb_next) from None
