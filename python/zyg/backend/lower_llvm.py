"""The upstream MLIR pipeline from `func`/`scf`/`arith`/`math`/`linalg`/`tensor` (+ `llvm`) to LLVM.

In: the module `bridge.to_upstream` parsed, and its entries' ABIs. Out: the same module in the LLVM
dialect, with the entries' faces for Python `@<entry>_python` (see `python_entry.py`).

Two pass strings, run by the official bindings' `PassManager`; `zyg` and `ad` are gone by then.
Elementwise `linalg.generic`s fuse into one loop nest, tensors bufferize in place where they can
(function arguments are read-only: a write makes a copy), buffers are freed by the ownership-based
deallocation pipeline, and what the entry returns is owned by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlir import ir, passmanager

from zyg.backend.bridge import context, dump_ir, top_level_operations
from zyg.backend.cuda_wrappers import WRAPPED
from zyg.backend.jit import BLAS, CUDA
from zyg.backend.python_entry import add_python_entries
from zyg.backend.small_buffers import STACK_BUFFER_BYTES, stack_small_buffers
from zyg.backend.widen_bool_memrefs import widen_bool_memrefs
from zyg.entry_abi import EntryABI
from zyg.errors import LoweringError
from zyg.stage_times import stage

# `buffer-alignment=0`: buffers are not realigned beyond malloc's 16 bytes. Realigning goes through
# ptrtoint/inttoptr, after which LLVM no longer knows that nothing else points into a fresh buffer,
# and stores every partial sum of a reduction into it (the GMM gradient's einsums: 3x slower).
# Upstream's `ForOpTensorCastFolder` gives an `scf.for` carry the static shape of its initial value
# and casts each yielded value to it unchecked: wrong numbers, or writes past the end of a buffer,
# when a loop changes the shape it carries (a list grown in the loop, `x = np.zeros(2 * len(x))`). It
# is named as GCC and clang spell it; a build that spells it otherwise fails
# test_a_loop_that_changes_the_shape_it_carries.
# `eliminate-empty-tensors`: an op whose result is inserted into a larger tensor (the parts of
# `np.concatenate`, a slice assignment) writes into that tensor's buffer instead of its own, which
# was then copied with the generic `memrefCopy` (RK4 workload, n = 10^4: 14.7 ms -> 3.9 ms).
# `promote-buffers-to-stack`: a buffer of at most 64 bytes with a static shape that does not leave its
# function and is not allocated in a loop (a 0-d reduction result, a 3-vector, a short 1-D buffer
# versioned by `stack_small_buffers`) lives on the stack, where LLVM keeps a static one in registers
# (bundle adjustment gradient 32.7 -> 25.9 ms, primal 6.0 -> 4.9 ms, before the versioning).
CANONICALIZE = ('canonicalize{disable-patterns={"{anonymous}::ForOpTensorCastFolder",'
                '"(anonymous namespace)::ForOpTensorCastFolder"}}')

# The first half runs in three steps: `eliminate-empty-tensors` alone in between, on a copy first (see
# `eliminate_empty_tensors`).
PREPARE = f"builtin.module(symbol-dce,{CANONICALIZE},cse,linalg-fuse-elementwise-ops)"
ELIMINATE_EMPTY_TENSORS = "builtin.module(eliminate-empty-tensors)"
BUFFERIZE = (
    "builtin.module("
    "one-shot-bufferize{bufferize-function-boundaries buffer-alignment=0 allow-return-allocs-from-loops function-boundary-type-conversion=fully-dynamic-layout-map}"
    ")"
)
# Between bufferization and the rest, `stack_small_buffers` versions 1-D buffers on their length.
LOWER_TO_LOOPS = (
    "builtin.module("
    f"func.func(promote-buffers-to-stack{{max-alloc-size-in-bytes={STACK_BUFFER_BYTES}}}),"
    "buffer-deallocation-pipeline,"
    "convert-bufferization-to-memref,"
    "convert-linalg-to-loops,"
    f"{CANONICALIZE},cse"
    ")"
)

# Between the two halves, `widen_bool_memrefs` stores booleans as bytes and the loops get `LOOP_HINT`.
LOWER_TO_LLVM = (
    "builtin.module("
    "convert-scf-to-cf,"
    "expand-strided-metadata,"
    "lower-affine,"
    "finalize-memref-to-llvm{use-generic-functions=true},"
    "convert-math-to-funcs{convert-ctlz=false},"
    "convert-math-to-llvm,"
    "convert-math-to-libm,"
    "convert-arith-to-llvm,"
    "convert-index-to-llvm,"
    "convert-cf-to-llvm,"
    "convert-func-to-llvm,"
    "reconcile-unrealized-casts"
    ")"
)

# Every loop is marked not to be unrolled (LLVM's `llvm.loop.unroll.disable`; `convert-scf-to-cf` moves
# the attribute of an `scf.for`/`scf.while` onto its back edge). Unrolling doubles the machine code of
# the array gradients and most of the time LLVM spends on it, for no measurable speed: gradients (ms,
# unrolled -> not) GMM d=20 K=10 5.14 -> 5.26, d=64 K=10 54.4 -> 55.4, LSTM l=2 6.80 -> 6.31, MLP 0.38 ->
# 0.32, sum of squares 1.34 -> 1.06, Newton 0.55 -> 0.58, the same bits; LLVM time (opt + llc) GMM d=20
# 1.38 -> 0.80 s, LSTM 1.58 -> 1.20 s, MLP 0.89 -> 0.70 s. The vectoriser still interleaves.
LOOP_HINT = "#llvm.loop_annotation<unroll = <disable = true>>"
LOOPS = frozenset({"scf.for", "scf.while"})

BLAS_FUNCTIONS = frozenset({"scipy_cblas_dgemm64_", "scipy_cblas_sgemm64_"})


def lower_to_llvm(module: ir.Module, abis: Sequence[EntryABI], source: str | None = None) -> bool:
    """Runs the upstream pipeline in place; returns whether the module keeps a stack buffer allocated
    in a loop. `promote-buffers-to-stack` makes a 0-d reduction's buffer one: LLVM's optimisation keeps
    it in a register, code compiled without it grows the stack at every iteration. Such a buffer that
    does not leave its iteration is moved to the function's entry (`_hoisted`); for the others
    `zyg.tier_up` runs no quick code. Raises `LoweringError` naming the failure, with the module's
    text written to a file: `source` (the text it was parsed from), else the module as the failure left it."""
    with context():
        try:
            with stage("upstream to loops"):
                bufferize(module)
                stack_small_buffers(module)
                run_pipeline(LOWER_TO_LOOPS, module)
            hint = ir.Attribute.parse(LOOP_HINT)

            loop_allocas = []

            def mark_loop(op) -> None:
                if op.name in LOOPS:
                    op.attributes["loop_annotation"] = hint
                elif op.name == "memref.alloca" and _in_loop(op):
                    loop_allocas.append(op)

            with stage("widen bools, mark loops"):
                widen_bool_memrefs(module, also=mark_loop)
            with stage("upstream to LLVM dialect"):
                kept_in_loops = [op for op in loop_allocas if not _hoisted(op)]
                run_pipeline(LOWER_TO_LLVM, module)
                add_python_entries(module, abis)
            return bool(kept_in_loops)
        except Exception as exc:
            raise LoweringError(f"the upstream lowering pipeline failed ({str(exc).strip().splitlines()[0]}); "
                                f"input IR written to {dump_ir(source if source is not None else str(module))}") from None


# What may take a buffer out of the loop iteration that allocated it (to a later iteration, a caller or
# callee), or a view of it that could.
_ESCAPES = frozenset({"scf.yield", "scf.condition", "func.call", "func.return", "memref.subview",
                      "memref.cast", "memref.reinterpret_cast", "memref.expand_shape", "memref.collapse_shape",
                      "memref.view", "memref.transpose", "llvm.call"})


def _hoisted(alloca: ir.Operation) -> bool:
    """Moves a static stack buffer allocated in a loop to its function's entry when no use takes it
    out of the iteration (then one buffer serves every iteration, as LLVM's optimisation makes of it
    anyway); returns whether it did."""
    if any(use.owner.operation.name in _ESCAPES for use in alloca.result.uses):
        return False
    function = alloca.parent
    while function is not None and function.name != "func.func":
        function = function.parent
    if function is None:
        return False
    entry = function.regions[0].blocks[0]
    alloca.move_before(entry.operations[0])
    return True


def _in_loop(op: ir.Operation) -> bool:
    parent = op.parent
    while parent is not None:
        if parent.name in LOOPS:
            return True
        parent = parent.parent
    return False


def bufferize(module: ir.Module) -> None:
    """The first half, shared with the GPU's pipeline (`lower_gpu`): fusion and canonicalisation, empty
    tensors eliminated where that is valid, one-shot bufferization."""
    run_pipeline(PREPARE, module)
    eliminate_empty_tensors(module)
    run_pipeline(BUFFERIZE, module)


def run_pipeline(pipeline: str, module: ir.Module) -> None:
    """Runs `pipeline` on `module`, verifying the result once rather than after every pass (which
    costs a third of the pipelines' time: GMM gradient 0.36 -> 0.24 s). The parse verified the input;
    what a pass breaks is still caught before LLVM sees it."""
    manager = passmanager.PassManager.parse(pipeline)
    manager.enable_verifier(False)
    manager.run(module.operation)
    module.operation.verify()


def eliminate_empty_tensors(module: ir.Module) -> None:
    """Runs `eliminate-empty-tensors` on `module`, and puts back a copy of the module from before where
    the result is not valid IR.
    Upstream's pass can replace a `tensor.empty` by a slice of a tensor defined after it (an operand
    that does not dominate its use: `np.diff(m, n=2, axis=0) * m[0]` inside a versioned group did);
    the module then keeps its own buffers, which bufferization copies, as before the pass."""
    before = module.operation.clone()
    manager = passmanager.PassManager.parse(ELIMINATE_EMPTY_TENSORS)
    manager.enable_verifier(False)
    manager.run(module.operation)
    try:
        module.operation.verify()
    except ir.MLIRError:
        for op in top_level_operations(module):
            op.erase()
        for op in top_level_operations(before):
            module.body.append(op)  # moves it
    before.erase()


def runtime_needs(module: ir.Module) -> tuple[str, ...]:
    """The runtime libraries (`jit.BLAS`, `jit.CUDA`) the lowered module calls into."""
    top_level = top_level_operations(module)
    symbols = {ir.StringAttr(op.attributes["sym_name"]).value for op in top_level if "sym_name" in op.attributes}
    needs = []
    if symbols & BLAS_FUNCTIONS:
        needs.append(BLAS)
    if symbols & WRAPPED:  # zyg's `mgpu*` functions, which call the CUDA driver
        needs.append(CUDA)
    return tuple(needs)
