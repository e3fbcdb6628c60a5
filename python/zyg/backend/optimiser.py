"""The optimising tier as a program of its own: an upstream module -> its optimised object code.

    python -m zyg.backend.optimiser MODULE OBJECT [LIBRARY ...]

In: MODULE, a module in the LLVM dialect as `engine.compile_module` takes it (with its Python entries),
written as MLIR bytecode; the shared libraries its code calls into (`jit.runtime_libraries`), which
resolve its symbols while it compiles. Out: OBJECT, its machine code at `opt_levels.OPT_LEVEL` for this
host, position independent, as the JIT of `engine.py` would compile it (`shared_library.py` links it);
exit status 0, else 1 with the reason on stderr.

Why a process: the MLIR bindings hold the GIL while LLVM compiles, so a thread would stop the caller's
Python for as long (0.5 s and more on the larger gradients); a process runs beside it on another core.
"""

from __future__ import annotations

import sys

from zyg.backend.opt_levels import OPT_LEVEL
from zyg.entry_abi import RUNTIME_STATE


def compile_object(module_path: str, object_path: str, libraries: list[str]) -> None:
    """Writes the object code of the module in `module_path` to `object_path`."""
    from mlir import ir
    from mlir.execution_engine import ExecutionEngine

    with open(module_path, "rb") as f:
        bytecode = f.read()
    with ir.Context():
        module = ir.Module.parse(bytecode)
        engine = ExecutionEngine(module, opt_level=OPT_LEVEL, shared_libs=libraries, enable_pic=True)
        engine.raw_lookup(RUNTIME_STATE)  # compiles the whole module, which the object file then holds
        engine.dump_to_object_file(object_path)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m zyg.backend.optimiser MODULE OBJECT [LIBRARY ...]", file=sys.stderr)
        return 2
    try:
        compile_object(argv[0], argv[1], argv[2:])
    except Exception as exc:  # whatever LLVM or the bindings raise: the caller keeps its first tier
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
