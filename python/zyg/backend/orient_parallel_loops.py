"""Two-dimensional parallel loops run along their longer side on the GPU: `orient_parallel_loops(module)`.

In: an upstream module on buffers whose `linalg` ops have become `scf.parallel` loops, before they are
tiled and mapped to blocks and threads (`lower_gpu`). Out: the same module with each two-dimensional
loop nest that is not nested in another one (and not marked `ORIENTED`, as `gpu_matmul`'s are) versioned
at run time: `scf.if (columns > rows)` runs a copy with its dimensions swapped, else the loop as it was.

Why: `gpu-map-parallel-loops` gives a loop's first dimension to the threads' x and its second to y.
x is where neighbouring threads sit, so with the columns there they read neighbouring elements of a
row-major array in one transaction (with the rows there, each reads its own row); and the grid allows
2^31 - 1 blocks in x but 65535 in y, so a second dimension of more than 65535 x `TILE_SIZES[1]`
would fail to launch. Putting the longer side in x gives both where it matters: a wide array is read
along its rows, a tall one keeps all its threads busy, and neither overflows the grid. Swapping two
parallel dimensions changes no result: each iteration is independent.
"""

from __future__ import annotations

from mlir import ir

from zyg.backend.bridge import create_operation
from zyg.backend.gpu_matmul import ORIENTED


def orient_parallel_loops(module: ir.Module) -> int:
    """Versions every outermost two-dimensional `scf.parallel` of `module` as the module's docstring
    says; returns how many it versioned."""
    loops: list[ir.Operation] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        if op.name == "scf.parallel":
            plain = len(op.operands) == 6  # bounds and steps of two dimensions, no reduction
            if plain and len(op.regions[0].blocks[0].arguments) == 2 and ORIENTED not in op.attributes:
                loops.append(op)
            return ir.WalkResult.SKIP  # a nested loop runs inside a thread
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit, ir.WalkOrder.PRE_ORDER)
    with ir.Location.unknown():
        for loop in loops:
            _version(loop)
    return len(loops)


def _version(loop: ir.Operation) -> None:
    """Wraps `loop` in `scf.if (extent 1 > extent 0)` whose then-branch is a copy with its two
    dimensions swapped."""
    index, i1 = ir.IndexType.get(), ir.IntegerType.get_signless(1)
    lower, upper, step = (list(loop.operands[2 * k: 2 * k + 2]) for k in range(3))  # 2 of each, then inits
    with ir.InsertionPoint(loop):
        extents = [create_operation("arith.subi", [upper[k], lower[k]], [index]).result for k in range(2)]
        wider = create_operation("arith.cmpi", extents[::-1], [i1],
                        {"predicate": ir.IntegerAttr.get(ir.IntegerType.get_signless(64), 8)}).result  # ugt
        choice = create_operation("scf.if", [wider], [], regions=2)
    swapped_block, kept_block = choice.regions[0].blocks.append(), choice.regions[1].blocks.append()
    with ir.InsertionPoint(swapped_block):
        swapped = loop.clone()
        create_operation("scf.yield")
    with ir.InsertionPoint(kept_block):
        end = create_operation("scf.yield")
    loop.move_before(end)
    for first, second in ((0, 1), (2, 3), (4, 5)):  # bounds, then steps: swap the two dimensions
        a, b = swapped.operands[first], swapped.operands[second]
        swapped.operands[first], swapped.operands[second] = b, a
    _swap_uses(swapped.regions[0].blocks[0].arguments, swapped_block)


def _swap_uses(arguments, block: ir.Block) -> None:
    """Exchanges the uses of the loop's two induction variables."""
    with ir.InsertionPoint.at_block_begin(block):
        placeholder = create_operation("arith.constant", [], [ir.IndexType.get()],
                              {"value": ir.IntegerAttr.get(ir.IndexType.get(), 0)})
    first, second = arguments[0], arguments[1]
    first.replace_all_uses_with(placeholder.result)
    second.replace_all_uses_with(first)
    placeholder.result.replace_all_uses_with(second)
    placeholder.erase()
