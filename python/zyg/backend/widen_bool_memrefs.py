"""Stores booleans in memory as bytes: every `memref<...xi1>` becomes `memref<...xi8>`.

In: an upstream module after bufferization and `convert-linalg-to-loops` (only `memref.load` and
`memref.store` touch elements), or for the GPU after its kernels are outlined (`lower_gpu`: a kernel's
`gpu.func` is retyped like a `func.func`). Out: the same module with i1 memrefs retyped to i8, an `arith.extui`
before each store and an `arith.trunci` after each load; a constant bool array
(`memref.global`, e.g. from `np.array([True, False])`) holds bytes too.

Why: the MLIR 22 wheel's `finalize-memref-to-llvm` asserts on sub-byte element types, and the
ownership-based deallocation pipeline's helper stores its ownership flags in `memref<?xi1>`.
A byte per bool is also NumPy's layout, so bool arrays cross the boundary as they are.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from mlir import ir

from zyg.backend.bridge import create_operation

_FUNCTIONS = frozenset({"func.func", "gpu.func"})  # whose `function_type` names their arguments' types


def _widened(t: ir.Type) -> ir.Type | None:
    mt = t.maybe_downcast()
    if not isinstance(mt, ir.MemRefType):
        return None
    element = mt.element_type.maybe_downcast()
    if not (isinstance(element, ir.IntegerType) and element.width == 1):
        return None
    return ir.MemRefType.get(mt.shape, ir.IntegerType.get_signless(8), mt.layout, mt.memory_space)


def _retype(value: ir.Value) -> None:
    new = _widened(value.type)
    if new is not None:
        value.set_type(new)


def _create(name: str, result: ir.Type, operands: list[ir.Value]) -> ir.Value:
    """The result of op `name`, created at the insertion point (`bridge.create_operation`)."""
    return create_operation(name, operands, [result]).result


def widen_bool_memrefs(module: ir.Module, also: Callable[[ir.Operation], None] | None = None) -> None:
    """Rewrites `module` in place (inside its context); `also` is called on every operation of the
    same walk (the walk over a module through the bindings costs more than what is done per op)."""
    with ir.Location.unknown():
        _widen(module, also)


def _widen_global(op: ir.Operation) -> None:
    """A global i1 memref as i8, its initial value (if it has one) converted to bytes."""
    wide = _widened(ir.TypeAttr(op.attributes["type"]).value)
    if wide is None:
        return
    op.attributes["type"] = ir.TypeAttr.get(wide)
    if "initial_value" not in op.attributes or not isinstance(
            op.attributes["initial_value"].maybe_downcast(), ir.DenseIntElementsAttr):
        return
    bits = ir.DenseIntElementsAttr(op.attributes["initial_value"])
    i8 = ir.IntegerType.get_signless(8)
    shape = ir.RankedTensorType(bits.type).shape
    if bits.is_splat:
        value = ir.DenseElementsAttr.get_splat(ir.RankedTensorType.get(shape, i8), ir.IntegerAttr.get(i8, bits[0]))
    else:
        value = ir.DenseElementsAttr.get(np.array([bits[k] for k in range(len(bits))], dtype=np.int8).reshape(shape),
                                         type=i8)
    op.attributes["initial_value"] = value


def _widen(module: ir.Module, also: Callable[[ir.Operation], None] | None) -> None:
    i1 = ir.IntegerType.get_signless(1)
    i8 = ir.IntegerType.get_signless(8)
    loads, stores, functions = [], [], []

    def visit(op):
        name = op.name
        for region in op.regions:
            for block in region.blocks:
                for arg in block.arguments:
                    _retype(arg)
        for result in op.results:
            if name != "memref.load":
                _retype(result)
        if name == "memref.load":
            loads.append(op)
        elif name == "memref.store":
            stores.append(op)
        elif name in _FUNCTIONS:
            functions.append(op)
        elif name == "memref.global":
            _widen_global(op)
        if also is not None:
            also(op)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    for op in loads:
        if op.results[0].type != i1 or op.operands[0].type.maybe_downcast().element_type != i8:
            continue
        with ir.InsertionPoint(op), op.location:
            wide = _create("memref.load", i8, list(op.operands))
            narrow = _create("arith.trunci", i1, [wide])
        op.results[0].replace_all_uses_with(narrow)
        op.erase()
    for op in stores:
        value = op.operands[0]
        if value.type != i1:
            continue
        with ir.InsertionPoint(op), op.location:
            op.operands[0] = _create("arith.extui", i8, [value])
    for fn in functions:
        ftype = ir.FunctionType(ir.TypeAttr(fn.attributes["function_type"]).value)
        inputs = [_widened(t) or t for t in ftype.inputs]
        results = [_widened(t) or t for t in ftype.results]
        fn.attributes["function_type"] = ir.TypeAttr.get(ir.FunctionType.get(inputs, results))
