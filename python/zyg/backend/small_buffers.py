"""Buffers whose length is known only at run time but is small there get a stack slot.

In: an upstream module just bufferized (`memref.alloc`s, no deallocations yet). Out: the same module
where each 1-D `memref.alloc(%n)` outside loops that its function does not return is

    scf.if %n <= capacity { a static buffer of `STACK_BUFFER_BYTES`, viewed as its first %n items }
    else { the allocation as it was }

after which upstream's `promote-buffers-to-stack` makes the static buffer a stack slot wherever it does
not leave its function, and the ownership-based deallocation frees only what the else branch took.

Why: code on small vectors whose length is not a compile-time constant (`cam[0:3]` of a row of a
matrix, `x - cam[3:6]`) allocated and freed a buffer per array operation; a stack slot costs a compare
and a branch (bundle adjustment gradient 25.9 -> 18.3-19.5 ms). Loops are left alone: a stack slot in a
loop body would grow the stack on every iteration.
"""

from __future__ import annotations

from mlir import ir

STACK_BUFFER_BYTES = 64  # also `promote-buffers-to-stack`'s limit in `lower_llvm`
_LOOPS = frozenset({"scf.for", "scf.while", "scf.parallel", "scf.forall"})
_VIEWS = frozenset({"memref.cast", "memref.subview", "memref.reinterpret_cast", "memref.expand_shape",
                    "memref.collapse_shape"})
_ULE = 7  # arith.cmpi's predicate
_DYNAMIC = -9223372036854775808  # ShapedType::kDynamic


def stack_small_buffers(module: ir.Module) -> None:
    """Rewrites `module` in place (inside its context), as the module docstring says."""
    allocs, flows = [], _Flows()

    def visit(op):
        if op.name == "memref.alloc" and _candidate(op):
            allocs.append(op)
        flows.note(op)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    returned = flows.returned()
    allocs = [op for op in allocs if op.results[0] not in returned]
    if not allocs:
        return
    with ir.Location.unknown():
        index = ir.IndexType.get()
        for op in allocs:
            _version(op, index)


class _Flows:
    """Which buffers a function returns: the values `func.return` takes, and back from each through
    views and casts (to their source) and `scf.if` results (to what each branch yields). A buffer
    returned cannot be a stack slot (`promote-buffers-to-stack` would leave the static buffer on the
    heap), so it is left as it is. Built from the walk's `ir.Operation`s alone: asking a value for
    its users makes op views, whose classes import the bindings' dialect modules (50 ms)."""

    def __init__(self):
        self.sources: dict[ir.Value, list[ir.Value]] = {}
        self.results: list[ir.Value] = []

    def note(self, op: ir.Operation) -> None:
        name = op.name
        if name == "func.return":
            self.results.extend(op.operands)
        elif name in _VIEWS:
            self.sources.setdefault(op.results[0], []).append(op.operands[0])
        elif name == "scf.yield" and op.parent.name == "scf.if":
            branch = op.parent
            for k, value in enumerate(op.operands):
                self.sources.setdefault(branch.results[k], []).append(value)

    def returned(self) -> set[ir.Value]:
        seen, pending = set(), list(self.results)
        while pending:
            value = pending.pop()
            if value not in seen:
                seen.add(value)
                pending.extend(self.sources.get(value, ()))
        return seen


def _width(element: ir.Type) -> int | None:
    """The bits of an f64, f32 or integer element (not i1); None for another type."""
    element = element.maybe_downcast()
    if isinstance(element, ir.F64Type):
        return 64
    if isinstance(element, ir.F32Type):
        return 32
    if isinstance(element, ir.IntegerType) and element.width >= 8:
        return element.width
    return None


def _candidate(op: ir.Operation) -> bool:
    memref = op.results[0].type.maybe_downcast()
    if (not isinstance(memref, ir.MemRefType) or memref.rank != 1 or memref.shape[0] != _DYNAMIC
            or not _identity(memref.layout) or _width(memref.element_type) is None):
        return False
    parent = op.parent
    while parent is not None and parent.name != "func.func":
        if parent.name in _LOOPS:
            return False
        parent = parent.parent
    return parent is not None


def _identity(layout: ir.Attribute) -> bool:
    layout = layout.maybe_downcast()
    return isinstance(layout, ir.AffineMapAttr) and layout.value == ir.AffineMap.get_identity(1)


def _create(name: str, results: list[ir.Type], operands: list[ir.Value], attributes: dict[str, str] | None = None,
            regions: int = 0) -> ir.Operation:
    """Op `name` at the insertion point, generic: importing the bindings' generated op classes costs
    tens of milliseconds of a process's first compile."""
    parsed = {key: ir.Attribute.parse(text) for key, text in (attributes or {}).items()}
    return ir.Operation.create(name, results=results, operands=operands, attributes=parsed, regions=regions)


def _version(alloc: ir.Operation, index: ir.Type) -> None:
    """`alloc` of a length at most the capacity as a view of a static buffer, else as it was."""
    memref = alloc.results[0].type.maybe_downcast()
    element = memref.element_type
    capacity = STACK_BUFFER_BYTES * 8 // _width(element)
    length = alloc.operands[0]
    with ir.InsertionPoint(alloc):
        bound = _create("arith.constant", [index], [], {"value": f"{capacity} : index"}).results[0]
        fits = _create("arith.cmpi", [ir.IntegerType.get_signless(1)], [length, bound],
                       {"predicate": f"{_ULE} : i64"}).results[0]
        branch = _create("scf.if", [memref], [fits], regions=2)
    static = ir.MemRefType.get([capacity], element)
    view = ir.MemRefType.get([_DYNAMIC], element, ir.Attribute.parse("strided<[1]>"))
    small = branch.regions[0].blocks.append()
    with ir.InsertionPoint(small):
        buffer = _create("memref.alloc", [static], [], {"operandSegmentSizes": "array<i32: 0, 0>"}).results[0]
        part = _create("memref.subview", [view], [buffer, length], {
            "operandSegmentSizes": "array<i32: 1, 0, 1, 0>", "static_offsets": "array<i64: 0>",
            "static_sizes": f"array<i64: {_DYNAMIC}>", "static_strides": "array<i64: 1>"}).results[0]
        _create("scf.yield", [], [_create("memref.cast", [memref], [part]).results[0]])
    alloc.results[0].replace_all_uses_with(branch.results[0])
    large = branch.regions[1].blocks.append()
    with ir.InsertionPoint(large):
        done = _create("scf.yield", [], [alloc.results[0]])
    alloc.move_before(done)
