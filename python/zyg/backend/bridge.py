"""The only crossing from xDSL to upstream MLIR: print once, parse with the official bindings.

In: a fully lowered xDSL module (no `zyg`/`ad` ops left). Out: an `mlir.ir.Module` in the shared
context, with the runtime functions it calls (tape, errors, BLAS products) defined. Locations travel as `loc(...)`, so
upstream diagnostics still point at the user's source.
"""

from __future__ import annotations

import io
import sys
import tempfile
from dataclasses import dataclass, field

from mlir import ir
from xdsl.dialects import func, llvm
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute
from xdsl.printer import Printer

from zyg.backend.blas import GEMM_SYMBOLS, gemm_runtime
from zyg.backend.generic_text import GenericText, Unprintable, bytes_literal
from zyg.backend.gpu_heap import GPU_HEAP
from zyg.backend.gpu_matmul import gpu_gemm_runtime
from zyg.backend.runtime import (
    ALLOCATOR,
    ERROR_RUNTIME,
    ERROR_SYMBOLS,
    GENERIC_ALLOCATOR,
    HEAP,
    HOST_RUNTIME,
    INTERRUPT_RUNTIME,
    LIBC,
    RUNTIME_SYMBOLS,
    STRIDED_COPY,
    TAPE_RUNTIME,
)
from zyg.backend.sorting import SORT_SYMBOLS, sort_runtime
from zyg.devices import CPU, GPU
from zyg.errors import LoweringError
from zyg.frontend.host_calls import HOST_ARRAYS_FUNCTION, HOST_FUNCTION
from zyg.passes.lower_zyg_errors import FRAME_FUNCTIONS

_CONTEXT: ir.Context | None = None


def context() -> ir.Context:
    """The MLIR context every zyg module lives in (created once per process, without threads)."""
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = ir.Context()
        # A multithreaded context keeps a thread pool, and a child forked after a compile inherits the
        # pool but not its threads: its next parse waits on them for ever. zyg's modules are small, so
        # one thread costs little, and a forked child (multiprocessing's 'fork') compiles like any process.
        _CONTEXT.enable_multithreading(False)
    return _CONTEXT


def top_level_operations(module: ir.Module | ir.Operation) -> list[ir.Operation]:
    """The operations directly in the body of `module` (or of a module operation), as plain operations:
    iterating `module.body`
    makes each an op view, whose class imports its dialect's Python module (`mlir.dialects.llvm` alone
    costs 15 ms), which nothing here uses."""
    found: list[ir.Operation] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        if op.name == "builtin.module":
            return ir.WalkResult.ADVANCE
        found.append(op)
        return ir.WalkResult.SKIP

    getattr(module, "operation", module).walk(visit, ir.WalkOrder.PRE_ORDER)
    return found


def operations_named(root: ir.Module | ir.Operation, name: str) -> list[ir.Operation]:
    """The operations named `name` (`"linalg.generic"`) inside `root`, in walk order, as plain
    operations (see `top_level_operations`)."""
    found: list[ir.Operation] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        if op.name == name:
            found.append(op)
        return ir.WalkResult.ADVANCE

    getattr(root, "operation", root).walk(visit)
    return found


def create_operation(name: str, operands=(), results=(), attributes: dict | None = None,
                     regions: int = 0) -> ir.Operation:
    """Creates operation `name` at the insertion point, generically: the bindings' generated op classes
    (`mlir.dialects.arith`) cost 15 ms of a process's first compile to import."""
    return ir.Operation.create(name, results=list(results), operands=list(operands), attributes=attributes,
                               regions=regions)


@dataclass(eq=False, repr=False)
class _Printer(Printer):
    """xDSL's printer, quicker on what a module repeats (GMM gradient: 0.20 s -> 0.07 s, the same text):
    text without a new line is written at once, a string literal too (xDSL prints it a character at a
    time, and every location names the user's file), and an attribute or type (`tensor<?x?xf64>`
    thousands of times) is printed once and its text reused."""

    _texts: dict[Attribute, str] = field(default_factory=dict, init=False)

    def print_string(self, text: str, *, indent: int | None = None) -> None:
        if "\n" in text:  # indentation follows each new line
            super().print_string(text, indent=indent)
            return
        self._current_column += len(text)
        self.stream.write(text)

    def print_bytes_literal(self, bytestring: bytes):
        self.print_string(bytes_literal(bytestring))

    def print_attribute(self, attribute: Attribute) -> None:
        if self.printing_location:  # part of a location: printed without its own `loc(...)`
            super().print_attribute(attribute)
            return
        text = self._texts.get(attribute)
        if text is None:
            out = io.StringIO()
            alone = _Printer(stream=out, print_generic_format=True, print_debuginfo=self.print_debuginfo)
            Printer.print_attribute(alone, attribute)  # its parts through its own table
            if alone._dialect_resources:  # a resource must be listed by the printer of the module
                super().print_attribute(attribute)
                return
            text = self._texts[attribute] = out.getvalue()
        self.print_string(text)


def module_text(module: ModuleOp, device: str = CPU) -> str:
    """Generic MLIR text of `module`, with the runtime functions it declares defined: its matrix
    products through BLAS, or for `device="gpu"` as loop nests that become kernels (`gpu_matmul`)."""
    uses_tape = uses_errors = uses_host = False
    gemms: set[str] = set()
    sorts: set[str] = set()
    printed = []
    for op in module.body.block.ops:
        if isinstance(op, llvm.FuncOp) and op.sym_name.data in FRAME_FUNCTIONS:
            continue  # declared for the verifier: the error runtime defines them
        uses_host |= isinstance(op, func.FuncOp) and op.sym_name.data in (HOST_FUNCTION, HOST_ARRAYS_FUNCTION)
        if isinstance(op, func.FuncOp) and op.sym_name.data in RUNTIME_SYMBOLS | GEMM_SYMBOLS | SORT_SYMBOLS:
            name = op.sym_name.data
            if name in ERROR_SYMBOLS:
                uses_errors = True
            elif name in GEMM_SYMBOLS:
                gemms.add(name)
            elif name in SORT_SYMBOLS:
                sorts.add(name)
            else:
                uses_tape = True
            continue
        printed.append(op)
    out = io.StringIO()
    out.write("module {\n")
    try:
        writer = GenericText(out)
        for op in printed:
            writer.operation(op)
            out.write("\n")
        aliases = writer.location_aliases()
    except Unprintable:  # xDSL's printer lists the dialect resources the module's attributes name
        out = io.StringIO()
        out.write("module {\n")
        printer = _Printer(stream=out, print_generic_format=True, print_debuginfo=True)
        for op in printed:
            printer.print_op(op)
            out.write("\n")
        aliases = ""
    out.write(LIBC)
    out.write(GPU_HEAP if device == GPU else HEAP)
    # A GPU compile's buffers, small ones too, are the GPU heap's, which kernels reach (no pool).
    out.write(ALLOCATOR if sys.platform.startswith("linux") and device != GPU else GENERIC_ALLOCATOR)
    out.write(STRIDED_COPY)
    if uses_tape:
        out.write(TAPE_RUNTIME)
    out.write(gpu_gemm_runtime(gemms) if device == GPU else gemm_runtime(gemms))
    out.write(sort_runtime(sorts))
    if uses_errors or device == GPU:  # zyg's driver wrappers fail a call through `@_zyg_fail`
        out.write(ERROR_RUNTIME)
        out.write(INTERRUPT_RUNTIME)
    if uses_host:
        out.write(HOST_RUNTIME)
    out.write("}\n")
    out.write(aliases)
    return out.getvalue()


def to_upstream(module: ModuleOp) -> ir.Module:
    """Parses `module` into upstream MLIR.

    Raises:
        LoweringError: if upstream MLIR rejects it; the text is kept in a temporary file.
    """
    return parse_upstream(module_text(module))


def parse_upstream(text: str) -> ir.Module:
    """Parses `module_text`'s text into upstream MLIR (see `to_upstream`)."""
    with context(), ir.Location.unknown():
        try:
            return ir.Module.parse(text)
        except Exception as exc:  # the bindings raise MLIRError; anything else is also our bug
            raise LoweringError(f"upstream MLIR could not parse zyg's IR ({_first_line(exc)}); "
                                f"IR written to {dump_ir(text)}") from None


def dump_ir(text: str) -> str:
    """Writes IR text to a temporary file for a bug report and returns its path."""
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", prefix="zyg-", delete=False) as f:
        f.write(text)
        return f.name


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
