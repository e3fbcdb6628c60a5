"""zyg's own `mgpu*` functions: the calls upstream's GPU lowering emits, on the CUDA driver API.

In: an upstream module in the LLVM dialect whose host code calls `mgpu*` (upstream `gpu-to-llvm`: load
a module of kernels, get a kernel, launch it, streams, managed or device memory). Out: the same
module defining them (`define_wrappers`), so its code needs only the CUDA driver (`libcuda.so.1`),
not MLIR's `libmlir_cuda_runtime.so`: an exported function (`zyg.export`) runs where no MLIR is
installed.

Why not MLIR's wrappers: they print a failed driver call to stderr and go on, so a launch that failed
leaves its outputs as they were, a silently wrong number. Here a failed call inside a compiled call
fails it (`_zyg_fail` with status `GPU_FAILED`, the `CUresult` and which call, see `CALLS`), and the
call raises `GpuError` naming both (`failure_message`). Loading the kernels happens in the library's constructor, when
no compiled call is running: a failure there is recorded and reported by the first launch.

Kernels run on the context's default stream: upstream's lowering creates a stream for each launch,
synchronises it and destroys it, which costs two driver calls per launch for nothing, as every launch
is waited for; here creating one gives the default stream (null) and destroying it does nothing.

Every call runs in the device's primary context (device 0, retained once), pushed for the call and
popped after, as MLIR's wrappers do, so a context the caller's own CUDA code made current stays so.
"""

from __future__ import annotations

from mlir import ir

from zyg.backend.bridge import top_level_operations
from zyg.backend.cuda import CALLS
from zyg.entry_abi import CHECK_VALUES, GPU_FAILED

_CALL = {name: index for index, name in enumerate(CALLS)}
_JIT_OPTIMIZATION_LEVEL = 7  # CUjit_option
_MEM_ATTACH_GLOBAL = 1

_POINTER_IS_MANAGED = 8  # CUpointer_attribute

WRAPPED = frozenset({"mgpuModuleLoadJIT", "mgpuModuleLoad", "mgpuModuleUnload", "mgpuModuleGetFunction",
                     "mgpuLaunchKernel", "mgpuStreamCreate", "mgpuStreamSynchronize", "mgpuStreamDestroy",
                     "mgpuMemAlloc", "mgpuMemFree", "mgpuMemcpy", "_zyg_gpu_reachable", "_zyg_gpu_free_quietly"})


def _checked(call: str, result: str) -> str:
    """Fails the compiled call if `result` (an i32 `CUresult`) is not success."""
    return f"""
    llvm.call @_zyg_gpu_check(%{result}, %which_{call}) : (i32, i64) -> ()"""


def _which(call: str) -> str:
    return f"""
    %which_{call} = llvm.mlir.constant({_CALL[call]} : i64) : i64"""


def _in_context(body: str, result_type: str | None = None, result: str | None = None) -> str:
    """`body` between pushing and popping the primary context."""
    returned = f"llvm.return %{result} : {result_type}" if result else "llvm.return"
    return f"""
    %context = llvm.call @_zyg_gpu_context() : () -> !llvm.ptr{_which("cuCtxPushCurrent_v2")}
    %pushed = llvm.call @cuCtxPushCurrent_v2(%context) : (!llvm.ptr) -> i32{_checked("cuCtxPushCurrent_v2", "pushed")}{body}{_which("cuCtxPopCurrent_v2")}
    %one = llvm.mlir.constant(1 : i64) : i64
    %popped_slot = llvm.alloca %one x !llvm.ptr : (i64) -> !llvm.ptr
    %popped = llvm.call @cuCtxPopCurrent_v2(%popped_slot) : (!llvm.ptr) -> i32{_checked("cuCtxPopCurrent_v2", "popped")}
    {returned}"""


def _quietly_in_context(body: str, missing: str) -> str:
    """`body` between pushing and popping the primary context, failing nothing (for what runs outside a
    compiled call, or records its failure for later): without a context, it branches to `missing` (a
    successor, `^done` or `^done(%no : i1)`). Ends inside a block of its own, which the caller closes."""
    return f"""
    %no_context_pointer = llvm.mlir.zero : !llvm.ptr
    %context = llvm.call @_zyg_gpu_primary_quietly() : () -> !llvm.ptr
    %no_context = llvm.icmp "eq" %context, %no_context_pointer : !llvm.ptr
    llvm.cond_br %no_context, {missing}, ^in_context
  ^in_context:
    %pushed = llvm.call @cuCtxPushCurrent_v2(%context) : (!llvm.ptr) -> i32{body}
    %one_context = llvm.mlir.constant(1 : i64) : i64
    %popped_slot = llvm.alloca %one_context x !llvm.ptr : (i64) -> !llvm.ptr
    %popped = llvm.call @cuCtxPopCurrent_v2(%popped_slot) : (!llvm.ptr) -> i32"""


def _fail_args() -> str:
    return ", ".join(["i64"] * (1 + CHECK_VALUES))


def wrappers_text() -> str:
    """The MLIR text (LLVM dialect) of the wrappers and what they use; `_zyg_fail` comes from the
    error runtime (`zyg.backend.runtime`)."""
    zeros = ", ".join(["%zero"] * (CHECK_VALUES - 2))
    return f"""
  llvm.func @_zyg_fail({_fail_args()})
  llvm.func @cuInit(i32) -> i32
  llvm.func @cuDeviceGet(!llvm.ptr, i32) -> i32
  llvm.func @cuDevicePrimaryCtxRetain(!llvm.ptr, i32) -> i32
  llvm.func @cuCtxPushCurrent_v2(!llvm.ptr) -> i32
  llvm.func @cuCtxPopCurrent_v2(!llvm.ptr) -> i32
  llvm.func @cuModuleLoadDataEx(!llvm.ptr, !llvm.ptr, i32, !llvm.ptr, !llvm.ptr) -> i32
  llvm.func @cuModuleUnload(!llvm.ptr) -> i32
  llvm.func @cuModuleGetFunction(!llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32
  llvm.func @cuLaunchKernel(!llvm.ptr, i32, i32, i32, i32, i32, i32, i32, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32
  llvm.func @cuStreamSynchronize(!llvm.ptr) -> i32
  llvm.func @cuMemAllocManaged(!llvm.ptr, i64, i32) -> i32
  llvm.func @cuMemAlloc_v2(!llvm.ptr, i64) -> i32
  llvm.func @cuMemFree_v2(i64) -> i32
  llvm.func @cuMemcpyAsync(i64, i64, i64, !llvm.ptr) -> i32
  llvm.func @cuPointerGetAttribute(!llvm.ptr, i32, i64) -> i32

  llvm.mlir.global internal @_zyg_gpu_primary() {{addr_space = 0 : i32, alignment = 8 : i64}} : !llvm.ptr {{
    %z = llvm.mlir.zero : !llvm.ptr
    llvm.return %z : !llvm.ptr
  }}
  llvm.mlir.global internal @_zyg_gpu_failure() {{addr_space = 0 : i32, alignment = 8 : i64}} : !llvm.array<2 x i64> {{
    %z = llvm.mlir.zero : !llvm.array<2 x i64>
    llvm.return %z : !llvm.array<2 x i64>
  }}

  llvm.func internal @_zyg_gpu_check(%status: i32, %which: i64) {{
    %ok = llvm.mlir.constant(0 : i32) : i32
    %good = llvm.icmp "eq" %status, %ok : i32
    llvm.cond_br %good, ^done, ^failed
  ^failed:
    %code = llvm.mlir.constant({GPU_FAILED} : i64) : i64
    %wide = llvm.sext %status : i32 to i64
    %zero = llvm.mlir.constant(0 : i64) : i64
    llvm.call @_zyg_fail(%code, %wide, %which, {zeros}) : ({_fail_args()}) -> ()
    llvm.unreachable
  ^done:
    llvm.return
  }}

  llvm.func internal @_zyg_gpu_context() -> !llvm.ptr {{
    %context = llvm.call @_zyg_gpu_primary_quietly() : () -> !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %missing = llvm.icmp "eq" %context, %null : !llvm.ptr
    llvm.cond_br %missing, ^failed, ^done
  ^failed:
    llvm.call @_zyg_gpu_report_failure() : () -> ()
    llvm.br ^done
  ^done:
    llvm.return %context : !llvm.ptr
  }}

  llvm.func internal @_zyg_gpu_note_failure(%status: i32, %which: i64) {{
    %record = llvm.mlir.addressof @_zyg_gpu_failure : !llvm.ptr
    %wide = llvm.sext %status : i32 to i64
    llvm.store %wide, %record : i64, !llvm.ptr
    %which_ptr = llvm.getelementptr %record[0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<2 x i64>
    llvm.store %which, %which_ptr : i64, !llvm.ptr
    llvm.return
  }}

  llvm.func internal @_zyg_gpu_report_failure() {{
    %record = llvm.mlir.addressof @_zyg_gpu_failure : !llvm.ptr
    %status_wide = llvm.load %record : !llvm.ptr -> i64
    %status = llvm.trunc %status_wide : i64 to i32
    %which_ptr = llvm.getelementptr %record[0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<2 x i64>
    %which = llvm.load %which_ptr : !llvm.ptr -> i64
    llvm.call @_zyg_gpu_check(%status, %which) : (i32, i64) -> ()
    llvm.return
  }}

  llvm.func @mgpuModuleLoadJIT(%data: !llvm.ptr, %level: i32) -> !llvm.ptr {{
    %one = llvm.mlir.constant(1 : i64) : i64
    %count = llvm.mlir.constant(1 : i32) : i32
    %module_slot = llvm.alloca %one x !llvm.ptr : (i64) -> !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    llvm.store %null, %module_slot : !llvm.ptr, !llvm.ptr
    %option_slot = llvm.alloca %one x i32 : (i64) -> !llvm.ptr
    %option = llvm.mlir.constant({_JIT_OPTIMIZATION_LEVEL} : i32) : i32
    llvm.store %option, %option_slot : i32, !llvm.ptr
    %value_slot = llvm.alloca %one x !llvm.ptr : (i64) -> !llvm.ptr
    %level_wide = llvm.zext %level : i32 to i64
    %level_value = llvm.inttoptr %level_wide : i64 to !llvm.ptr
    llvm.store %level_value, %value_slot : !llvm.ptr, !llvm.ptr
{_quietly_in_context('''
    %status = llvm.call @cuModuleLoadDataEx(%module_slot, %data, %count, %option_slot, %value_slot) : (!llvm.ptr, !llvm.ptr, i32, !llvm.ptr, !llvm.ptr) -> i32''',
                          "^done")}
    %ok = llvm.mlir.constant(0 : i32) : i32
    %loaded = llvm.icmp "eq" %status, %ok : i32
    llvm.cond_br %loaded, ^done, ^record
  ^record:
    %which = llvm.mlir.constant({_CALL["cuModuleLoadDataEx"]} : i64) : i64
    llvm.call @_zyg_gpu_note_failure(%status, %which) : (i32, i64) -> ()
    llvm.br ^done
  ^done:
    %module = llvm.load %module_slot : !llvm.ptr -> !llvm.ptr
    llvm.return %module : !llvm.ptr
  }}

  llvm.func internal @_zyg_gpu_primary_quietly() -> !llvm.ptr {{
    %slot = llvm.mlir.addressof @_zyg_gpu_primary : !llvm.ptr
    %known = llvm.load %slot : !llvm.ptr -> !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %missing = llvm.icmp "eq" %known, %null : !llvm.ptr
    llvm.cond_br %missing, ^retain, ^done
  ^retain:
    %flags = llvm.mlir.constant(0 : i32) : i32
    %started = llvm.call @cuInit(%flags) : (i32) -> i32
    %one = llvm.mlir.constant(1 : i64) : i64
    %device_slot = llvm.alloca %one x i32 : (i64) -> !llvm.ptr
    %got = llvm.call @cuDeviceGet(%device_slot, %flags) : (!llvm.ptr, i32) -> i32
    %device = llvm.load %device_slot : !llvm.ptr -> i32
    %retained = llvm.call @cuDevicePrimaryCtxRetain(%slot, %device) : (!llvm.ptr, i32) -> i32
    %ok = llvm.mlir.constant(0 : i32) : i32
    %good = llvm.icmp "eq" %retained, %ok : i32
    llvm.cond_br %good, ^done, ^record
  ^record:
    %which = llvm.mlir.constant({_CALL["cuDevicePrimaryCtxRetain"]} : i64) : i64
    llvm.call @_zyg_gpu_note_failure(%retained, %which) : (i32, i64) -> ()
    llvm.br ^done
  ^done:
    %context = llvm.load %slot : !llvm.ptr -> !llvm.ptr
    llvm.return %context : !llvm.ptr
  }}

  llvm.func @mgpuModuleLoad(%data: !llvm.ptr, %size: i64) -> !llvm.ptr {{
    %level = llvm.mlir.constant(4 : i32) : i32
    %module = llvm.call @mgpuModuleLoadJIT(%data, %level) : (!llvm.ptr, i32) -> !llvm.ptr
    llvm.return %module : !llvm.ptr
  }}

  llvm.func @mgpuModuleUnload(%module: !llvm.ptr) {{
    %null = llvm.mlir.zero : !llvm.ptr
    %missing = llvm.icmp "eq" %module, %null : !llvm.ptr
    llvm.cond_br %missing, ^done, ^unload
  ^unload:
    %status = llvm.call @cuModuleUnload(%module) : (!llvm.ptr) -> i32
    llvm.br ^done
  ^done:
    llvm.return
  }}

  llvm.func @mgpuModuleGetFunction(%module: !llvm.ptr, %name: !llvm.ptr) -> !llvm.ptr {{
    %null = llvm.mlir.zero : !llvm.ptr
    %missing = llvm.icmp "eq" %module, %null : !llvm.ptr
    llvm.cond_br %missing, ^not_loaded, ^get
  ^not_loaded:
    llvm.call @_zyg_gpu_report_failure() : () -> ()
    llvm.return %null : !llvm.ptr
  ^get:{_in_context(f'''
    %one_slot = llvm.mlir.constant(1 : i64) : i64
    %function_slot = llvm.alloca %one_slot x !llvm.ptr : (i64) -> !llvm.ptr{_which("cuModuleGetFunction")}
    %got = llvm.call @cuModuleGetFunction(%function_slot, %module, %name) : (!llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32{_checked("cuModuleGetFunction", "got")}
    %function = llvm.load %function_slot : !llvm.ptr -> !llvm.ptr''', "!llvm.ptr", "function")}
  }}

  llvm.func @mgpuLaunchKernel(%function: !llvm.ptr, %gx: i64, %gy: i64, %gz: i64, %bx: i64, %by: i64, %bz: i64, %smem: i32, %stream: !llvm.ptr, %params: !llvm.ptr, %extra: !llvm.ptr, %count: i64) {{{_in_context(f'''
    %gx32 = llvm.trunc %gx : i64 to i32
    %gy32 = llvm.trunc %gy : i64 to i32
    %gz32 = llvm.trunc %gz : i64 to i32
    %bx32 = llvm.trunc %bx : i64 to i32
    %by32 = llvm.trunc %by : i64 to i32
    %bz32 = llvm.trunc %bz : i64 to i32{_which("cuLaunchKernel")}
    %launched = llvm.call @cuLaunchKernel(%function, %gx32, %gy32, %gz32, %bx32, %by32, %bz32, %smem, %stream, %params, %extra) : (!llvm.ptr, i32, i32, i32, i32, i32, i32, i32, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32{_checked("cuLaunchKernel", "launched")}''')}
  }}

  llvm.func @mgpuStreamCreate() -> !llvm.ptr {{
    %default_stream = llvm.mlir.zero : !llvm.ptr
    llvm.return %default_stream : !llvm.ptr
  }}

  llvm.func @mgpuStreamSynchronize(%stream: !llvm.ptr) {{{_in_context(f'''{_which("cuStreamSynchronize")}
    %done = llvm.call @cuStreamSynchronize(%stream) : (!llvm.ptr) -> i32{_checked("cuStreamSynchronize", "done")}''')}
  }}

  llvm.func @mgpuStreamDestroy(%stream: !llvm.ptr) {{
    llvm.return
  }}

  llvm.func @mgpuMemAlloc(%size: i64, %stream: !llvm.ptr, %shared: i8) -> !llvm.ptr {{
    %nothing = llvm.mlir.constant(0 : i64) : i64
    %empty = llvm.icmp "eq" %size, %nothing : i64
    llvm.cond_br %empty, ^empty, ^allocate
  ^empty:
    %no_buffer = llvm.mlir.zero : !llvm.ptr
    llvm.return %no_buffer : !llvm.ptr
  ^allocate:{_in_context(f'''
    %one_slot = llvm.mlir.constant(1 : i64) : i64
    %pointer_slot = llvm.alloca %one_slot x i64 : (i64) -> !llvm.ptr
    %no = llvm.mlir.constant(0 : i8) : i8
    %is_shared = llvm.icmp "ne" %shared, %no : i8
    llvm.cond_br %is_shared, ^managed, ^device
  ^managed:
    %attach = llvm.mlir.constant({_MEM_ATTACH_GLOBAL} : i32) : i32{_which("cuMemAllocManaged")}
    %managed = llvm.call @cuMemAllocManaged(%pointer_slot, %size, %attach) : (!llvm.ptr, i64, i32) -> i32{_checked("cuMemAllocManaged", "managed")}
    llvm.br ^allocated
  ^device:{_which("cuMemAlloc_v2")}
    %device = llvm.call @cuMemAlloc_v2(%pointer_slot, %size) : (!llvm.ptr, i64) -> i32{_checked("cuMemAlloc_v2", "device")}
    llvm.br ^allocated
  ^allocated:
    %address = llvm.load %pointer_slot : !llvm.ptr -> i64
    %pointer = llvm.inttoptr %address : i64 to !llvm.ptr''', "!llvm.ptr", "pointer")}
  }}

  llvm.func @mgpuMemFree(%pointer: !llvm.ptr, %stream: !llvm.ptr) {{
    %no_buffer = llvm.mlir.zero : !llvm.ptr
    %empty = llvm.icmp "eq" %pointer, %no_buffer : !llvm.ptr
    llvm.cond_br %empty, ^empty, ^free
  ^empty:
    llvm.return
  ^free:{_in_context(f'''
    %address = llvm.ptrtoint %pointer : !llvm.ptr to i64{_which("cuMemFree_v2")}
    %freed = llvm.call @cuMemFree_v2(%address) : (i64) -> i32{_checked("cuMemFree_v2", "freed")}''')}
  }}

  llvm.func @_zyg_gpu_reachable(%pointer: !llvm.ptr) -> i1 {{
    %no = llvm.mlir.constant(false) : i1
    %one = llvm.mlir.constant(1 : i64) : i64
    %answer_slot = llvm.alloca %one x i32 : (i64) -> !llvm.ptr
    %zero = llvm.mlir.constant(0 : i32) : i32
    llvm.store %zero, %answer_slot : i32, !llvm.ptr{_quietly_in_context(f'''
    %attribute = llvm.mlir.constant({_POINTER_IS_MANAGED} : i32) : i32
    %address = llvm.ptrtoint %pointer : !llvm.ptr to i64
    %status = llvm.call @cuPointerGetAttribute(%answer_slot, %attribute, %address) : (!llvm.ptr, i32, i64) -> i32''',
                              "^done(%no : i1)")}
    %answered = llvm.icmp "eq" %status, %zero : i32
    %answer = llvm.load %answer_slot : !llvm.ptr -> i32
    %managed = llvm.icmp "ne" %answer, %zero : i32
    %reachable = llvm.and %answered, %managed : i1
    llvm.br ^done(%reachable : i1)
  ^done(%result: i1):
    llvm.return %result : i1
  }}

  llvm.func @_zyg_gpu_free_quietly(%pointer: !llvm.ptr) {{{_quietly_in_context('''
    %address = llvm.ptrtoint %pointer : !llvm.ptr to i64
    %freed = llvm.call @cuMemFree_v2(%address) : (i64) -> i32''', "^done")}
    llvm.br ^done
  ^done:
    llvm.return
  }}

  llvm.func @mgpuMemcpy(%target: !llvm.ptr, %source: !llvm.ptr, %size: i64, %stream: !llvm.ptr) {{{_in_context(f'''
    %to = llvm.ptrtoint %target : !llvm.ptr to i64
    %from = llvm.ptrtoint %source : !llvm.ptr to i64{_which("cuMemcpyAsync")}
    %copied = llvm.call @cuMemcpyAsync(%to, %from, %size, %stream) : (i64, i64, i64, !llvm.ptr) -> i32{_checked("cuMemcpyAsync", "copied")}''')}
  }}
"""


def define_wrappers(module: ir.Module) -> None:
    """Defines `WRAPPED` in `module` (in the LLVM dialect, inside its context): its declarations of them
    are replaced by `wrappers_text`'s definitions, which bring what they need that it lacks."""
    wrappers = ir.Module.parse(f"module {{{wrappers_text()}}}")
    present = {_symbol(op): op for op in top_level_operations(module) if "sym_name" in op.attributes}
    for op in top_level_operations(wrappers):
        name = _symbol(op)
        have = present.get(name)
        if have is not None and (name not in WRAPPED or _defines(have)):
            continue  # the module's own (the error runtime's `_zyg_fail`, a driver function it declares)
        if have is not None:
            have.erase()
        module.body.append(op)  # moves it


def _symbol(op: ir.Operation) -> str:
    return ir.StringAttr(op.attributes["sym_name"]).value


def _defines(op: ir.Operation) -> bool:
    return any(len(region.blocks) for region in op.regions)
