"""The upstream pipeline for `device="gpu"`: `linalg` ops become CUDA kernels, the rest stays host code.

In: the module `bridge.parse_upstream` parsed (its matrix products defined by `gpu_matmul`), its
entries' ABIs and the `cuda.Target` to build PTX for. Out: the same module in the LLVM dialect, its
kernels in `gpu.binary` ops holding PTX, launched through the `mgpu*` functions zyg defines on the
CUDA driver (`cuda_wrappers`; see
`cuda.runtime_library`); and the PTX text of every kernel.

What runs where. The first half is the CPU's (`lower_llvm`: fusion of elementwise `linalg.generic`s,
bufferization, ownership-based deallocation). Then every `linalg` op left becomes an `scf.parallel`
over its parallel dimensions, with its reduction dimensions as sequential loops inside, tiled by
`TILE_SIZES` (the tile is the thread block; a 2-D loop runs along its longer side in the threads' x,
`orient_parallel_loops`), mapped to blocks and threads and outlined into a `gpu.module` kernel. So an elementwise chain is one kernel with one thread per element; a broadcast,
the same; a partial reduction (`np.sum(m, axis=0)`) one thread per output element, looping over
the reduced axis; a full reduction (a 0-d result, no parallel dimension) a kernel of partial results
and a short host loop combining them (`split_reductions`; one it cannot split stays a host loop); a
matrix product is `gpu_matmul`'s kernel of a thread per 4 x 4 tile of the result.
Scalar code, control flow, tapes, error checks and the runtime stay host code. A block's shape is
known to the kernel (`known_block_size`), so the PTX carries it as `.maxntid`.

Memory. Kernels reach managed memory (`cuMemAllocManaged`), which host code reaches too. The buffers a
GPU compile allocates are managed memory (`gpu_heap`; it has no small-block pool and no stack
buffers), and so are the arrays `zyg.to_device` makes; an argument NumPy made is not. So a buffer the
code allocates goes to a kernel as it is (`_allocated_here`); for any other, the driver is asked at
each launch whether it is managed memory (`_staged`): if it is, the kernel gets it as it is; if not,
it is staged around the launch in a buffer of the GPU heap (`memref.alloc`: managed memory, recorded
like any block, so freed if the call fails): the host copies the operand into it, the kernel runs on
it, the host copies it back if the kernel writes it, and frees it. Launches are synchronous, so the
host never touches managed memory while a kernel runs. So a chain of kernels passes its buffers
without copies (the driver migrates pages to where they are touched), a result returned to Python
stays in managed memory for the next call, and only NumPy's arrays are copied, once per launch that
takes them; those are arguments, which compiled code never writes, so no staged copy is written back
in practice. (Not `gpu.alloc`/`gpu.dealloc` for the staging buffers: with them in the branches,
upstream's `gpu-to-llvm` merged two identical blocks across a memref it had not converted yet, and the
GMM gradient's module failed to verify.)

Tested without a GPU: the host half has run against a stand-in CUDA driver (`test_gpu.py`: modules
loaded, launches, every managed buffer freed, a failed launch raising), and the kernels, compiled for
the host instead of NVPTX, have computed the same gradients as the CPU (`gpu_emulation.py`, launches as
loops over blocks and threads); the NVPTX back end's code has not run, and the managed memory's
semantics are the driver's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mlir import ir

from zyg.backend.bridge import context, create_operation, dump_ir, operations_named, top_level_operations
from zyg.backend.cuda import Target
from zyg.backend.cuda_wrappers import define_wrappers
from zyg.backend.lower_llvm import CANONICALIZE, LOWER_TO_LLVM, bufferize, run_pipeline
from zyg.backend.orient_parallel_loops import orient_parallel_loops
from zyg.backend.python_entry import add_python_entries
from zyg.backend.split_reductions import split_reductions
from zyg.backend.widen_bool_memrefs import widen_bool_memrefs
from zyg.entry_abi import EntryABI
from zyg.errors import LoweringError
from zyg.stage_times import stage

# Threads per block along the first, second and third parallel dimension (a dimension the loop does
# not have counts 1): 128 threads for 1-D loops, 256 for 2-D. `gpu-map-parallel-loops` maps the first
# dimension to x, the second to y, the third to z (further ones loop inside the kernel), and CUDA
# allows 65535 blocks in y and z: a second dimension up to 131070, a third up to 65535. A 2-D loop runs
# along its longer side in x (`orient_parallel_loops`), so the second dimension is the shorter one.
TILE_SIZES = (128, 2, 1)
# `no-min-max-bounds`: the tile loop runs the whole tile, guarded by an `if`; without it its bound is
# dynamic and `gpu-map-parallel-loops` maps nothing. `canonicalize` before outlining folds the block
# sizes to constants, which the outlined kernel then records as `known_block_size`.
TO_PARALLEL_LOOPS = (
    "builtin.module("
    "buffer-deallocation-pipeline,"
    "convert-bufferization-to-memref,"
    "func.func(convert-linalg-to-parallel-loops)"
    ")"
)
MAP_TO_GPU = (
    "builtin.module("
    "func.func("
    f"scf-parallel-loop-tiling{{parallel-loop-tile-sizes={','.join(map(str, TILE_SIZES))} no-min-max-bounds=true}},"
    "gpu-map-parallel-loops,"
    "convert-parallel-loops-to-gpu,"
    "canonicalize),"
    "gpu-kernel-outlining,"
    f"{CANONICALIZE},cse"
    ")"
)
# The kernels to PTX ("isa": text the driver compiles when it loads the module, so building it needs
# no CUDA toolkit and no driver); libdevice's math comes with the wheel and is linked in.
TO_PTX = (
    "builtin.module("
    "nvvm-attach-target{{chip={chip} features={features} O=3}},"
    "gpu.module(convert-scf-to-cf,expand-strided-metadata,lower-affine,convert-gpu-to-nvvm,"
    "canonicalize,cse,reconcile-unrealized-casts),"
    "gpu-module-to-binary{{format=isa}}"
    ")"
)
# The host, as on the CPU, with the launches, allocations and waits as calls of the `mgpu*` wrappers.
LOWER_HOST_TO_LLVM = LOWER_TO_LLVM.replace("reconcile-unrealized-casts", "gpu-to-llvm,reconcile-unrealized-casts")

REACHABLE = "_zyg_gpu_reachable"  # is a buffer managed memory? (`cuda_wrappers`, declared by `gpu_heap`)
_LIBDEVICE_PREFIX = "__nv_"  # what device code may call: libdevice, linked into the PTX
_C_INTERFACE_PREFIX = "_mlir_ciface_"  # the NVVM lowering calls a declared function through its C interface
# A PTX declaration of a function defined elsewhere: `.extern .func (.param .b64 func_retval0) name`.
_EXTERN_FUNCTION = re.compile(r"^\.extern \.func\s+(?:\([^)]*\)\s*)?([\w$]+)", re.M)
# Ops whose result views the buffer of their first operand.
_VIEWS = frozenset({"memref.cast", "memref.subview", "memref.reinterpret_cast", "memref.expand_shape",
                    "memref.collapse_shape", "memref.transpose", "memref.view"})
# What a kernel does to a memref argument without writing through it.
_READS = frozenset({"memref.load", "memref.dim", "memref.extract_strided_metadata"})


def lower_to_llvm(module: ir.Module, abis: Sequence[EntryABI], target: Target, source: str | None = None) -> str:
    """Runs the GPU pipeline on `module` in place; returns the PTX of its kernels (empty when it has none).

    Raises:
        LoweringError: naming the failure, with the module's text written to a file: `source` (the text
            it was parsed from), else the module as the failure left it; or naming a function a kernel
            calls that has no GPU version.
    """
    with context():
        try:
            with stage("upstream to GPU kernels"):
                bufferize(module)
                _parallel_dimensions_first(module)
                split_reductions(module)
                run_pipeline(TO_PARALLEL_LOOPS, module)
                orient_parallel_loops(module)
                run_pipeline(MAP_TO_GPU, module)
                _stage_kernel_operands(module)
                widen_bool_memrefs(module)
            with stage("kernels to PTX"):
                ptx = kernels_to_ptx(module, target)
            with stage("upstream to LLVM dialect"):
                run_pipeline(LOWER_HOST_TO_LLVM, module)
                define_wrappers(module)
                add_python_entries(module, abis, device_buffers=True)
            return ptx
        except LoweringError:
            raise
        except Exception as exc:
            raise LoweringError(f"the upstream GPU pipeline failed ({str(exc).strip().splitlines()[0]}); "
                                f"input IR written to {dump_ir(source if source is not None else str(module))}") from None


def kernels_to_ptx(module: ir.Module, target: Target) -> str:
    """Compiles the `gpu.module`s of `module` to PTX for `target`, in place (each becomes a
    `gpu.binary`); returns their PTX.

    Raises:
        LoweringError: naming a function a kernel calls that has no GPU version.
    """
    run_pipeline(TO_PTX.format(chip=target.chip, features=target.features), module)
    _check_device_calls(module)
    return kernel_ptx(module)


def kernel_ptx(module: ir.Module) -> str:
    """The PTX of every `gpu.binary` in `module`, each under a line `// gpu.binary @<name>`."""
    from mlir.dialects.gpu import ObjectAttr  # the GPU path alone pays for the dialect's module

    texts = []
    for op in top_level_operations(module):
        if op.name == "gpu.binary":
            name = ir.StringAttr(op.attributes["sym_name"]).value
            for item in ir.ArrayAttr(op.attributes["objects"]):
                texts.append(f"// gpu.binary @{name}\n{ObjectAttr(item).object.decode()}")
    return "\n".join(texts)


def _check_device_calls(module: ir.Module) -> None:
    """Raises `LoweringError` if the PTX declares a function it does not define, other than libdevice's
    (a libm function, a helper of zyg's runtime): the driver would refuse to load it."""
    for name in _EXTERN_FUNCTION.findall(kernel_ptx(module)):
        if not name.startswith(_LIBDEVICE_PREFIX):
            name = name.removeprefix(_C_INTERFACE_PREFIX)
            raise LoweringError(f"a GPU kernel calls '{name}', which has no GPU version; compile this function "
                                "with device='cpu'")


def _parallel_dimensions_first(module: ir.Module) -> None:
    """Reorders the loops of every `linalg.generic` so that its parallel dimensions come first.
    `convert-linalg-to-parallel-loops` keeps the order of the dimensions: a reduction dimension before
    a parallel one (`np.sum(m, axis=0)`: rows reduced, columns kept) would be a host loop launching a
    kernel per row; after the interchange it is one kernel of a thread per column, each summing down
    its column in order. A generic's loops may be interchanged: each element of the result still
    sums its terms in the same order."""
    for generic in operations_named(module, "linalg.generic"):
        iterators = list(ir.ArrayAttr(generic.attributes["iterator_types"]))
        parallel = ["parallel" in str(iterator) for iterator in iterators]
        order = [d for d in range(len(iterators)) if parallel[d]] + [d for d in range(len(iterators)) if not parallel[d]]
        if order == sorted(order):
            continue
        position = [order.index(d) for d in range(len(order))]  # old dimension -> new
        permutation = ir.AffineMap.get_permutation(position)
        maps = [ir.AffineMapAttr(attribute).value for attribute in ir.ArrayAttr(generic.attributes["indexing_maps"])]
        generic.attributes["indexing_maps"] = ir.ArrayAttr.get([
            ir.AffineMapAttr.get(ir.AffineMap.get(len(order), m.n_symbols, [e.compose(permutation) for e in m.results]))
            for m in maps])
        generic.attributes["iterator_types"] = ir.ArrayAttr.get([iterators[d] for d in order])
        _renumber_indices(generic, position)


def _renumber_indices(generic: ir.Operation, position: list[int]) -> None:
    """Points each `linalg.index d` in `generic` at dimension `position[d]`."""
    i64 = ir.IntegerType.get_signless(64)

    def renumber(op: ir.Operation) -> ir.WalkResult:
        if op.name == "linalg.index":
            old = ir.IntegerAttr(op.attributes["dim"]).value
            op.attributes["dim"] = ir.IntegerAttr.get(i64, position[old])
        return ir.WalkResult.ADVANCE

    generic.walk(renumber)


def _stage_kernel_operands(module: ir.Module) -> None:
    """Stages every memref operand of every `gpu.launch_func` that may not be managed memory (see the
    module's docstring): asked for at run time, and if need be copied into the GPU heap before the
    launch, copied back (if the kernel writes it) and freed after. A memref passed twice to one kernel
    is staged once; one the code allocates (`_allocated_here`) is not staged."""
    kernels = _kernels(module)
    launches = operations_named(module, "gpu.launch_func")
    with ir.Location.unknown():
        if launches and not any(ir.StringAttr(op.attributes["sym_name"]).value == REACHABLE
                                for op in top_level_operations(module) if "sym_name" in op.attributes):
            module.body.append(ir.Operation.parse(f"llvm.func @{REACHABLE}(!llvm.ptr) -> i1"))
        for launch in launches:
            kernel = kernels[str(launch.attributes["kernel"])]
            written = _written_arguments(kernel)
            first = len(launch.operands) - len(written)  # the kernel's operands come last
            buffers: list[tuple[ir.Value, list[int]]] = []  # each memref once, with its positions
            for index in range(first, len(launch.operands)):
                operand = launch.operands[index]
                if not isinstance(operand.type, ir.MemRefType):
                    continue
                same = next((positions for value, positions in buffers if value == operand), None)
                if same is None:
                    buffers.append((operand, [index]))
                else:
                    same.append(index)
            after: list[ir.Operation] = []
            for operand, positions in buffers:
                if _allocated_here(operand):
                    continue  # the GPU heap's, so managed memory (or empty): no need to ask the driver
                with ir.InsertionPoint(launch):
                    staged = _staged(operand, any(written[index - first] for index in positions), after)
                for index in positions:
                    launch.operands[index] = staged
            for op in reversed(after):
                op.move_after(launch)


def _allocated_here(value: ir.Value) -> bool:
    """Whether memref `value` is a buffer the compiled code allocates (`memref.alloc`: in a GPU compile,
    managed memory, or an empty block of the C heap that no thread reads), or a view of one."""
    while True:
        owner = value.owner
        if isinstance(owner, ir.Block):  # an argument: NumPy's memory, or a loop's or a branch's value
            return False
        op = owner.operation
        if op.name == "memref.alloc":
            return True
        if op.name not in _VIEWS:
            return False
        value = op.operands[0]


def _kernels(module: ir.Module) -> dict[str, ir.Operation]:
    """Every kernel (`gpu.func`) of `module` by the symbol a launch names it with (`@module::@func`)."""
    kernels: dict[str, ir.Operation] = {}
    for gpu_module in top_level_operations(module):
        if gpu_module.name != "gpu.module":
            continue
        module_name = ir.StringAttr(gpu_module.attributes["sym_name"]).value

        def visit(op: ir.Operation, module_name: str = module_name) -> ir.WalkResult:
            if op.name == "gpu.func":
                kernels[f"@{module_name}::@{ir.StringAttr(op.attributes['sym_name']).value}"] = op
            return ir.WalkResult.ADVANCE

        gpu_module.walk(visit)
    return kernels


def _written_arguments(kernel: ir.Operation) -> list[bool]:
    """For each argument of `kernel`, whether the kernel may write through it: a memref used by
    anything but a read (`_READS`) counts as written."""
    arguments = list(kernel.regions[0].blocks[0].arguments)
    written = [False] * len(arguments)

    def visit(op: ir.Operation) -> ir.WalkResult:
        if op.name in _READS:
            return ir.WalkResult.ADVANCE
        for operand in op.operands:
            for index, argument in enumerate(arguments):
                if operand == argument:
                    written[index] = True
        return ir.WalkResult.ADVANCE

    kernel.walk(visit)
    return written


def _call(callee: str, operands: Sequence[ir.Value], results: Sequence[ir.Type]) -> ir.Operation:
    """An `llvm.call` of `callee` at the insertion point."""
    return create_operation("llvm.call", operands, results, {
        "callee": ir.FlatSymbolRefAttr.get(callee),
        "CConv": ir.Attribute.parse("#llvm.cconv<ccc>"),
        "TailCallKind": ir.Attribute.parse("#llvm.tailcallkind<none>"),
        "fastmathFlags": ir.Attribute.parse("#llvm.fastmath<none>"),
        "op_bundle_sizes": ir.DenseI32ArrayAttr.get([]),
        "operandSegmentSizes": ir.DenseI32ArrayAttr.get([len(operands), 0]),
    })


def _if(condition: ir.Value, results: Sequence[ir.Type]) -> tuple[ir.Operation, ir.Block, ir.Block]:
    """An `scf.if` on `condition` at the insertion point, and its then and else blocks (empty)."""
    choice = create_operation("scf.if", [condition], results, regions=2)
    return choice, choice.regions[0].blocks.append(), choice.regions[1].blocks.append()


def _staged(operand: ir.Value, written: bool, after: list[ir.Operation]) -> ir.Value:
    """Memref `operand` where a kernel reaches it, made before the insertion point: `operand` itself
    if it is managed memory (asked of the driver at run time: the GPU heap's buffers, `zyg.to_device`'s
    arrays), else a copy of it in the GPU heap, of its type. The op that copies a copy back (if
    `written`) and frees it is appended to `after`, to be moved after the launch."""
    memref = ir.MemRefType(operand.type)
    index, i1 = ir.IndexType.get(), ir.IntegerType.get_signless(1)
    pointer = create_operation("memref.extract_aligned_pointer_as_index", [operand], [index]).result
    address = create_operation("arith.index_cast", [pointer], [ir.IntegerType.get_signless(64)]).result
    as_pointer = create_operation("llvm.inttoptr", [address], [ir.Type.parse("!llvm.ptr")]).result
    reachable = _call(REACHABLE, [as_pointer], [i1]).result
    choice, reached, copied = _if(reachable, [memref])
    with ir.InsertionPoint(reached):
        create_operation("scf.yield", [operand])
    with ir.InsertionPoint(copied):
        sizes = []
        for axis, size in enumerate(memref.shape):
            if size == ir.ShapedType.get_dynamic_size():
                position = create_operation("arith.constant", results=[index],
                                   attributes={"value": ir.IntegerAttr.get(index, axis)}).result
                sizes.append(create_operation("memref.dim", [operand, position], [index]).result)
        plain = ir.MemRefType.get(memref.shape, memref.element_type)
        buffer = create_operation("memref.alloc", sizes, [plain], {  # the GPU heap's: managed memory
            "operandSegmentSizes": ir.DenseI32ArrayAttr.get([len(sizes), 0]),
        }).result
        create_operation("memref.copy", [operand, buffer])
        create_operation("scf.yield", [buffer if plain == memref else create_operation("memref.cast", [buffer], [memref]).result])
    staged = choice.result
    release, kept, freed = _if(reachable, [])
    with ir.InsertionPoint(kept):
        create_operation("scf.yield")
    with ir.InsertionPoint(freed):
        if written:
            create_operation("memref.copy", [staged, operand])
        create_operation("memref.dealloc", [staged])
        create_operation("scf.yield")
    after.append(release)
    return staged
