"""The C-callable face of a compiled module: `<entry>_packed(in, out)` for each entry, added in the
LLVM dialect.

In: an upstream module lowered to the LLVM dialect, holding `@zyg_entry` and maybe the other entries
of `entry_abi.ENTRIES` (their memref arguments expanded into 8-byte fields). Out: the same module with
`@<entry>_packed(ptr in, ptr out)` for each, which reads argument `i` from `in[i]` (8-byte slots),
calls `@<entry>` and stores its result struct (8-byte fields too) at `out`.

Why our own wrapper: `ExecutionEngine` makes one (`_mlir_zyg_entry`) only inside the JIT, and a
shared library built from the module (see `shared_library.py`) must carry its entries itself.
"""

from __future__ import annotations

from mlir import ir

from zyg.entry_abi import ENTRIES, packed


def add_packed_entries(module: ir.Module) -> None:
    """Appends `@<entry>_packed` to `module` (in the LLVM dialect) for each entry it has, in place."""
    for op in list(module.body.operations):
        if op.operation.name == "llvm.func" and _symbol(op) in ENTRIES:
            _add_packed_entry(module, op)


def _add_packed_entry(module: ir.Module, entry) -> None:
    name = _symbol(entry)
    arg_types = [str(arg.type) for arg in entry.regions[0].blocks[0].arguments]
    result_type = _result_type(entry)
    lines = [f"llvm.func @{name}({', '.join(arg_types)}) -> {result_type}",
             f"llvm.func @{packed(name)}(%in: !llvm.ptr, %out: !llvm.ptr) {{"]
    for i, t in enumerate(arg_types):
        lines.append(f"  %p{i} = llvm.getelementptr %in[{i}] : (!llvm.ptr) -> !llvm.ptr, i64")
        lines.append(f"  %a{i} = llvm.load %p{i} : !llvm.ptr -> {t}")
    args = ", ".join(f"%a{i}" for i in range(len(arg_types)))
    lines.append(f"  %r = llvm.call @{name}({args}) : ({', '.join(arg_types)}) -> {result_type}")
    lines.append(f"  llvm.store %r, %out : {result_type}, !llvm.ptr")
    lines.append("  llvm.return")
    lines.append("}")
    with module.context, ir.Location.unknown():
        parsed = ir.Module.parse("\n".join(lines))
        module.body.append(parsed.body.operations[1])  # moves it; `parsed` keeps the declaration


def _symbol(op) -> str:
    return ir.StringAttr(op.attributes["sym_name"]).value


def _result_type(function) -> str:
    """The type `llvm.return` returns in `function` (every return has the same one)."""
    for block in function.regions[0].blocks:
        last = block.operations[len(block.operations) - 1]
        if last.operation.name == "llvm.return":
            return str(last.operands[0].type)
    raise ValueError(f"@{_symbol(function)} has no llvm.return")
