"""A GPU on the CPU, for tests: kernels compiled for the host and launched as loops over blocks and threads.

In: a module `lower_gpu` has outlined (its kernels in `gpu.module`s, launched by `gpu.launch_func`, their
operands staged). Out (`kernels_on_host`, a stand-in for `lower_gpu.kernels_to_ptx`): the same module
with each kernel a host function taking its block and thread ids as trailing arguments, and each launch
a loop nest over the grid and the block calling it, one thread after another. The rest of the GPU
pipeline runs as it does for a GPU (the staging, `gpu-to-llvm`, zyg's `mgpu*` wrappers), against a
stand-in driver whose managed memory is host memory.

What this checks: the kernels' index arithmetic and bounds, the reductions split into partial results,
the staging copies and the host code around the launches, with the numbers they compute. What it
does not: the NVPTX back end, the driver, or kernels whose threads talk to each other (a barrier, shared
memory), which running the threads one after another cannot emulate; such a kernel is refused.
"""

from __future__ import annotations

from mlir import ir
from zyg.backend.bridge import top_level_operations

# The kernel-side ids, in the order of the trailing arguments an emulated kernel takes.
_IDS = ("gpu.thread_id", "gpu.block_id", "gpu.block_dim", "gpu.grid_dim")
_DIMENSIONS = ("x", "y", "z")


def kernels_on_host(module: ir.Module, target=None) -> str:
    """Turns every kernel of `module` into host code and every launch into loops (see the module's
    docstring); returns "" (there is no PTX). Raises `ValueError` for a kernel it cannot emulate."""
    body = module.body
    names = {ir.StringAttr(op.attributes["sym_name"]).value for op in top_level_operations(module)
             if "sym_name" in op.attributes}
    kernels: dict[str, tuple[str, list[ir.Type]]] = {}
    with ir.Location.unknown():
        for gpu_module in [op for op in top_level_operations(module) if op.name == "gpu.module"]:
            module_name = ir.StringAttr(gpu_module.attributes["sym_name"]).value
            for op in list(gpu_module.regions[0].blocks[0].operations):
                op = op.operation
                if op.name == "gpu.func":
                    kernel = ir.StringAttr(op.attributes["sym_name"]).value
                    host_name = f"_emulated_{module_name}_{kernel}"
                    kernels[f"@{module_name}::@{kernel}"] = (host_name, _host_function(op, host_name, body))
                elif "sym_name" in op.attributes and op.name != "gpu.module_end":
                    name = ir.StringAttr(op.attributes["sym_name"]).value
                    if name not in names:  # a declaration the kernels call (libm's): the host has it too
                        names.add(name)
                        op.move_before(_first(body))
            gpu_module.erase()
        for launch in [op for op in _walk(module) if op.name == "gpu.launch_func"]:
            host_name, arguments = kernels[str(launch.attributes["kernel"])]
            _replace_launch(launch, host_name, arguments, body)
    return ""


def _walk(module: ir.Module) -> list[ir.Operation]:
    ops: list[ir.Operation] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        ops.append(op)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return ops


def _first(block: ir.Block) -> ir.Operation:
    return next(iter(block.operations)).operation


def _host_function(kernel: ir.Operation, name: str, body: ir.Block) -> list[ir.Type]:
    """Moves `kernel`'s body into a new private `func.func @name` in `body`, taking the kernel's
    arguments and then the 12 ids of `_IDS`; returns the kernel's argument types."""
    region = kernel.regions[0]
    entry = region.blocks[0]
    arguments = [argument.type for argument in entry.arguments]
    index = ir.IndexType.get()
    signature = ir.FunctionType.get(arguments + [index] * 12, [])
    with ir.InsertionPoint(body):
        function = ir.Operation.create("func.func", regions=1, attributes={
            "sym_name": ir.StringAttr.get(name), "function_type": ir.TypeAttr.get(signature),
            "sym_visibility": ir.StringAttr.get("private")})
    for block in list(region.blocks):
        block.append_to(function.regions[0])
    ids = [entry.add_argument(index, ir.Location.unknown()) for _ in range(12)]
    for op in [op for op in _walk_region(function) if op.name.startswith("gpu.")]:
        if op.name in _IDS:
            dimension = str(op.attributes["dimension"])[-2]  # `#gpu<dim x>`
            op.result.replace_all_uses_with(ids[3 * _IDS.index(op.name) + _DIMENSIONS.index(dimension)])
            op.erase()
        elif op.name == "gpu.return":
            with ir.InsertionPoint(op):
                ir.Operation.create("func.return", operands=list(op.operands))
            op.erase()
        else:
            raise ValueError(f"the CPU cannot emulate '{op.name}' in kernel {name}")
    return arguments


def _walk_region(function: ir.Operation) -> list[ir.Operation]:
    ops: list[ir.Operation] = []

    def visit(op: ir.Operation) -> ir.WalkResult:
        if op != function:
            ops.append(op)
        return ir.WalkResult.ADVANCE

    function.walk(visit)
    return ops


def _replace_launch(launch: ir.Operation, host_name: str, arguments: list[ir.Type], body: ir.Block) -> None:
    """Replaces `launch` by a call of a launcher looping over its grid and blocks, calling `host_name`."""
    if len(launch.results):
        raise ValueError("the CPU emulates synchronous launches only")
    operands = list(launch.operands)
    kernel_operands = operands[len(operands) - len(arguments):]
    sizes = operands[:6]  # grid x, y, z, then block x, y, z (no async dependencies: checked above)
    launcher = f"{host_name}_launch"
    if not any(ir.StringAttr(op.attributes["sym_name"]).value == launcher for op in body.operations
               if "sym_name" in op.attributes):
        _add_launcher(launcher, host_name, arguments, body)
    with ir.InsertionPoint(launch):
        ir.Operation.create("func.call", operands=sizes + kernel_operands,
                            attributes={"callee": ir.FlatSymbolRefAttr.get(launcher)})
    launch.erase()


def _add_launcher(launcher: str, host_name: str, arguments: list[ir.Type], body: ir.Block) -> None:
    """Adds `func.func @launcher(grid x, y, z, block x, y, z, arguments...)`: a loop nest over blocks and
    threads calling `host_name` with the arguments and each thread's ids."""
    parameters = ", ".join(f"%a{i}: {t}" for i, t in enumerate(arguments))
    passed = ", ".join(f"%a{i}" for i in range(len(arguments)))
    types = ", ".join(str(t) for t in arguments)
    ids = "%tx, %ty, %tz, %bx, %by, %bz, %nx, %ny, %nz, %gx, %gy, %gz"
    separator = ", " if arguments else ""
    signature = f"({types}{separator}{', '.join(['index'] * 12)}) -> ()"
    text = f"""
  func.func private @{host_name}{signature.replace(") -> ()", ")")}
  func.func private @{launcher}(%gx: index, %gy: index, %gz: index, %nx: index, %ny: index, %nz: index{separator}{parameters}) {{
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    scf.for %bz = %c0 to %gz step %c1 {{
      scf.for %by = %c0 to %gy step %c1 {{
        scf.for %bx = %c0 to %gx step %c1 {{
          scf.for %tz = %c0 to %nz step %c1 {{
            scf.for %ty = %c0 to %ny step %c1 {{
              scf.for %tx = %c0 to %nx step %c1 {{
                func.call @{host_name}({passed}{separator}{ids}) : {signature}
              }}
            }}
          }}
        }}
      }}
    }}
    return
  }}"""
    parsed = ir.Module.parse(f"module {{{text}}}")
    for op in list(parsed.body.operations)[1:]:  # the callee's declaration was there to parse the call
        body.append(op.operation)
