"""A full reduction for the GPU: partial results in a parallel loop, then a short host loop.

In: an upstream module after bufferization, on `device="gpu"` (`lower_gpu`). Out: the same module with
each `linalg.generic` that reduces every dimension of its domain into a 0-d buffer (`np.sum(x * x)`,
`np.max(m)`: no parallel dimension, so no kernel) replaced by an `scf.parallel` of `PARTIALS`
iterations, each combining the elements `p, p + PARTIALS, p + 2 PARTIALS, ...` of the flattened domain
into its own partial result (neighbouring iterations, neighbouring elements: reads the GPU coalesces),
which `lower_gpu` makes a kernel; then a host loop combines the partial results into the output, in
order. The rounding differs from the CPU's one sequential loop, as any parallel sum does.

Only what it can rewrite exactly: a body with no nested region, whose yielded value combines the
output's value once with another by `+`, `*`, `max` or `min` (`COMBINERS`), and whose inputs are
indexed by plain dimensions (`(d0, d1) -> (d1, d0)`, not `d0 + d1`). Any other reduction stays a host
loop, as before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from mlir import ir

PARTIALS = 4096  # threads of the partial reduction: enough to fill a GPU, few for the host to combine
# The combining op -> its identity (the start of each partial result).
COMBINERS = {"arith.addf": 0.0, "arith.mulf": 1.0, "arith.maximumf": -math.inf, "arith.minimumf": math.inf,
             "arith.maxnumf": -math.inf, "arith.minnumf": math.inf}


def split_reductions(module: ir.Module) -> int:
    """Rewrites every full reduction of `module` it can (see the module's docstring), in place;
    returns how many it rewrote."""
    generics: list[ir.Operation] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        if op.name == "linalg.generic":
            generics.append(op)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    rewritten = 0
    with ir.Location.unknown():
        for generic in generics:
            plan = _plan(generic)
            if plan is not None:
                _rewrite(generic, *plan)
                rewritten += 1
    return rewritten


def _create(name: str, operands: Sequence[ir.Value] = (), results: Sequence[ir.Type] = (),
            attributes: dict[str, ir.Attribute] | None = None, regions: int = 0) -> ir.Operation:
    return ir.Operation.create(name, results=list(results), operands=list(operands), attributes=attributes,
                               regions=regions)


def _index(value: int) -> ir.Value:
    index = ir.IndexType.get()
    return _create("arith.constant", results=[index], attributes={"value": ir.IntegerAttr.get(index, value)}).result


def _plan(generic: ir.Operation) -> tuple | None:
    """What `_rewrite` needs for a full reduction it can rewrite, else None: the inputs, each input's
    map as dimension positions, the output, the body's operations (but the combiner and the yield), the
    combiner, the value it combines and, per dimension, an (input, axis) that spans it."""
    if any("parallel" in str(iterator) for iterator in ir.ArrayAttr(generic.attributes["iterator_types"])):
        return None
    count_in, count_out = ir.DenseI32ArrayAttr(generic.attributes["operandSegmentSizes"])
    maps = [ir.AffineMapAttr(m).value for m in ir.ArrayAttr(generic.attributes["indexing_maps"])]
    if count_out != 1 or maps[-1].results or not isinstance(generic.operands[count_in].type, ir.MemRefType):
        return None
    inputs = list(generic.operands)[:count_in]
    positions = []
    for indexing in maps[:count_in]:
        if not all(isinstance(e, ir.AffineDimExpr) for e in indexing.results):
            return None
        positions.append([e.position for e in indexing.results])
    spans = []
    for dimension in range(maps[-1].n_dims):
        span = next(((k, axis) for k, where in enumerate(positions) for axis, d in enumerate(where)
                     if d == dimension and isinstance(inputs[k].type, ir.MemRefType)), None)
        if span is None:
            return None
        spans.append(span)
    block = generic.regions[0].blocks[0]
    body = [op.operation for op in block.operations]
    *body, terminator = body
    output = block.arguments[count_in]
    (yielded,) = terminator.operands
    combiner = next((op for op in body if op.name in COMBINERS and yielded in op.results), None)
    if combiner is None or any(op.regions for op in body) or output not in list(combiner.operands):
        return None
    operands = list(combiner.operands)
    other = operands[1] if operands[0] == output else operands[0]
    if other == output or any(output in list(op.operands) for op in body if op != combiner):
        return None
    body.remove(combiner)
    return inputs, positions, generic.operands[count_in], body, combiner, other, spans


def _rewrite(generic: ir.Operation, inputs: list, positions: list, output: ir.Value, body: list,
             combiner: ir.Operation, other: ir.Value, spans: list) -> None:
    """Replaces `generic` by the partial reduction and the host loop (see the module's docstring)."""
    element = ir.MemRefType(output.type).element_type
    index = ir.IndexType.get()
    block = generic.regions[0].blocks[0]
    with ir.InsertionPoint(generic):
        zero, one, partials = _index(0), _index(1), _index(PARTIALS)
        sizes = [_create("memref.dim", [inputs[k], _index(axis)], [index]).result for k, axis in spans]
        total = one
        for size in sizes:
            total = _create("arith.muli", [total, size], [index]).result
        buffer = ir.MemRefType.get([PARTIALS], element)
        partial = _create("memref.alloc", results=[buffer],
                          attributes={"operandSegmentSizes": ir.DenseI32ArrayAttr.get([0, 0])}).result
        identity = _create("arith.constant", results=[element],
                           attributes={"value": ir.FloatAttr.get(element, COMBINERS[combiner.name])}).result
        loop = _create("scf.parallel", [zero, partials, one], attributes={
            "operandSegmentSizes": ir.DenseI32ArrayAttr.get([1, 1, 1, 0])}, regions=1)
        lane = loop.regions[0].blocks.append(index).arguments[0]
    with ir.InsertionPoint(loop.regions[0].blocks[0]):
        strided = _create("scf.for", [lane, total, partials, identity], [element], regions=1)
        step = strided.regions[0].blocks.append(index, element)
        flat, running = step.arguments
        with ir.InsertionPoint(step):
            value = _clone_body(inputs, positions, block, body, other, _delinearized(flat, sizes))
            _create("scf.yield", [_create(combiner.name, [running, value], [element]).result])
        _create("memref.store", [strided.result, partial, lane])
        _create("scf.reduce")
    with ir.InsertionPoint(generic):
        start = _create("memref.load", [output], [element]).result
        host = _create("scf.for", [zero, partials, one, start], [element], regions=1)
        step = host.regions[0].blocks.append(index, element)
        with ir.InsertionPoint(step):
            value = _create("memref.load", [partial, step.arguments[0]], [element]).result
            _create("scf.yield", [_create(combiner.name, [step.arguments[1], value], [element]).result])
        _create("memref.store", [host.result, output])
    generic.erase()


def _delinearized(flat: ir.Value, sizes: list[ir.Value]) -> list[ir.Value]:
    """The index along each dimension of position `flat` of the row-major domain of `sizes`."""
    index = ir.IndexType.get()
    indices = []
    for size in reversed(sizes[1:]):
        indices.append(_create("arith.remui", [flat, size], [index]).result)
        flat = _create("arith.divui", [flat, size], [index]).result
    indices.append(flat)
    return indices[::-1]


def _clone_body(inputs: list, positions: list, block: ir.Block, body: list, other: ir.Value,
                indices: list[ir.Value]) -> ir.Value:
    """Clones `body` at the insertion point with its arguments read at `indices`; returns the clone of
    `other`."""
    mapping: dict[ir.Value, ir.Value] = {}
    for argument, value, where in zip(block.arguments, inputs, positions, strict=False):
        if isinstance(value.type, ir.MemRefType):
            element = ir.MemRefType(value.type).element_type
            mapping[argument] = _create("memref.load", [value, *(indices[d] for d in where)], [element]).result
        else:
            mapping[argument] = value
    for op in body:
        if op.name == "linalg.index":
            mapping[op.results[0]] = indices[ir.IntegerAttr(op.attributes["dim"]).value]
            continue
        clone = op.clone()
        for k, operand in enumerate(clone.operands):
            if operand in mapping:
                clone.operands[k] = mapping[operand]
        for result, cloned in zip(op.results, clone.results, strict=True):
            mapping[result] = cloned
    return mapping.get(other, other)
