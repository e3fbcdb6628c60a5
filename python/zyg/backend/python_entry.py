"""The face of a compiled module that Python calls: `@<entry>_python` for each entry, in the LLVM dialect.

In: a module lowered to the LLVM dialect (`lower_llvm`) holding the entries of `entry_abi.ENTRIES`, and
their `EntryABI`s. Out: the same module with, for each entry, a METH_FASTCALL C function

    PyObject *<entry>_python(PyObject *self, PyObject *const *args, Py_ssize_t nargs)

which `zyg.backend.jit` makes a Python builtin of, and `@<entry>_python_address()`, which gives the loader
its address. It reads each argument from the Python object itself (an exact float, int in int64 or bool; an
exact `np.ndarray` with the slot's dtype singleton and rank whose strides are whole items, passed zero-copy),
releases the GIL, runs the entry under the module's lock, takes the GIL back and returns
- a tuple of the results: floats, ints, bools, and arrays over the buffers the compiled code allocated,
  each buffer owned by a capsule that frees it (results sharing a buffer share its capsule);
- `NotImplemented` for arguments it does not take as they are (a subclass, another dtype or rank, odd
  strides, an int beyond int64, another count): `NativeFunction` converts them, or raises the error that
  says why;
- the list `[status, value, ...]` when a run-time check failed: `NativeFunction` raises its error.

Why generated code: through ctypes, each call and each argument and result cost about a microsecond
(descriptor slots, an owner object, `__array_interface__`), several times JAX's dispatch.

The lock is a pthread mutex in the module's state (`entry_abi.STATE_*`), which holds the module's
buffers, error record and host-call slots: calls of one module take turns, waiting without the GIL; a
host call that calls the module again from the thread holding it re-enters. The first call from a thread
other than the last one's sets the stack limit for it (through the function the loader put in the state,
when the module has recursive functions). Every CPython and NumPy address comes from the process's table
(`entry_abi.PYTHON_API`) that the loader also puts in the state, so the code holds no address of this
process and links into the disk cache's shared libraries.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mlir import ir

from zyg.backend.bridge import top_level_operations
from zyg.backend.runtime import STATE
from zyg.entry_abi import (
    ERROR_SLOTS,
    PYTHON_API,
    STATE_API,
    STATE_DEPTH,
    STATE_LIMIT_FUNCTION,
    STATE_MUTEX,
    STATE_OWNER,
    STATE_STACK_LIMIT,
    STATE_THREAD,
    EntryABI,
    Slot,
    address_of,
    python_entry,
)

PTR = "!llvm.ptr"
NPY_ARRAY_WRITEABLE = 0x0400  # numpy/ndarraytypes.h
# PyArrayObject_fields after the object header (numpy/ndarraytypes.h): data, nd, dimensions, strides,
# base, descr.
_ARRAY_FIELDS = "!llvm.struct<(ptr, i32, ptr, ptr, ptr, ptr)>"
_DATA, _ND, _DIMENSIONS, _STRIDES, _DESCR = 0, 1, 2, 3, 5
_ELEMENTS = {"float64": "f64", "float32": "f32", "int64": "i64", "bool": "i8"}  # how a buffer's items load
_OWNER = "!llvm.struct<(ptr, ptr)>"  # {key, value}: {buffer, its capsule} or {buffer, the one exported}

# The entry for `%key` among the first `count` {key, value} pairs at `pairs`, or null.
_LOOKUP_FUNCTION = f"""
  llvm.func internal @_zyg_python_lookup(%pairs: !llvm.ptr, %count_ptr: !llvm.ptr, %key: !llvm.ptr) -> !llvm.ptr {{
    %zero = llvm.mlir.constant(0 : i64) : i64
    %one = llvm.mlir.constant(1 : i64) : i64
    %count = llvm.load %count_ptr : !llvm.ptr -> i64
    llvm.br ^search(%zero : i64)
  ^search(%i: i64):
    %more = llvm.icmp "slt" %i, %count : i64
    llvm.cond_br %more, ^compare, ^missing
  ^compare:
    %pair = llvm.getelementptr %pairs[%i] : (!llvm.ptr, i64) -> !llvm.ptr, {_OWNER}
    %held = llvm.load %pair : !llvm.ptr -> !llvm.ptr
    %same = llvm.icmp "eq" %held, %key : !llvm.ptr
    %next = llvm.add %i, %one : i64
    llvm.cond_br %same, ^found, ^search(%next : i64)
  ^found:
    llvm.return %pair : !llvm.ptr
  ^missing:
    %null = llvm.mlir.zero : !llvm.ptr
    llvm.return %null : !llvm.ptr
  }}
"""

# Appends {key, value} to the pairs at `pairs` (`count` of them so far) and returns `value`.
_RECORD_FUNCTION = f"""
  llvm.func internal @_zyg_python_record(%pairs: !llvm.ptr, %count_ptr: !llvm.ptr, %key: !llvm.ptr,
                                         %value: !llvm.ptr) -> !llvm.ptr {{
    %one = llvm.mlir.constant(1 : i64) : i64
    %count = llvm.load %count_ptr : !llvm.ptr -> i64
    %slot = llvm.getelementptr %pairs[%count] : (!llvm.ptr, i64) -> !llvm.ptr, {_OWNER}
    llvm.store %key, %slot : !llvm.ptr, !llvm.ptr
    %slot_value = llvm.getelementptr %slot[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_OWNER}
    llvm.store %value, %slot_value : !llvm.ptr, !llvm.ptr
    %counted = llvm.add %count, %one : i64
    llvm.store %counted, %count_ptr : i64, !llvm.ptr
    llvm.return %value : !llvm.ptr
  }}
"""

def _owner_function(destructor: str) -> str:
    """The capsule of a result buffer: the one made for the call so far (`owners`, {buffer, capsule}
    pairs), or a new one (recorded there) whose destructor is the `PYTHON_API` word `destructor`, or
    null for a null buffer. The capsule is a new reference."""
    return f"""
  llvm.func internal @_zyg_python_owner(%owners: !llvm.ptr, %count_ptr: !llvm.ptr, %buffer: !llvm.ptr,
                                        %api: !llvm.ptr) -> !llvm.ptr {{
    %null = llvm.mlir.zero : !llvm.ptr
    %entry = llvm.call @_zyg_python_lookup(%owners, %count_ptr, %buffer) : (!llvm.ptr, !llvm.ptr, !llvm.ptr) -> !llvm.ptr
    %known = llvm.icmp "ne" %entry, %null : !llvm.ptr
    llvm.cond_br %known, ^shared, ^new
  ^shared:
    %capsule_ptr = llvm.getelementptr %entry[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_OWNER}
    %capsule = llvm.load %capsule_ptr : !llvm.ptr -> !llvm.ptr
    %incref_ptr = llvm.getelementptr %api[{PYTHON_API.index("Py_IncRef")}] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %incref = llvm.load %incref_ptr : !llvm.ptr -> !llvm.ptr
    llvm.call %incref(%capsule) : !llvm.ptr, (!llvm.ptr) -> ()
    llvm.return %capsule : !llvm.ptr
  ^new:
    %none = llvm.icmp "eq" %buffer, %null : !llvm.ptr
    llvm.cond_br %none, ^nothing, ^make
  ^nothing:
    llvm.return %null : !llvm.ptr
  ^make:
    %new_ptr = llvm.getelementptr %api[{PYTHON_API.index("PyCapsule_New")}] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %new = llvm.load %new_ptr : !llvm.ptr -> !llvm.ptr
    %free_ptr = llvm.getelementptr %api[{PYTHON_API.index(destructor)}] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %free = llvm.load %free_ptr : !llvm.ptr -> !llvm.ptr
    %made = llvm.call %new(%buffer, %null, %free) : !llvm.ptr, (!llvm.ptr, !llvm.ptr, !llvm.ptr) -> !llvm.ptr
    %recorded = llvm.call @_zyg_python_record(%owners, %count_ptr, %buffer, %made) : (!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> !llvm.ptr
    llvm.return %recorded : !llvm.ptr
  }}
"""

# The buffer Python gets for a result buffer `%buffer` (`@_zyg_export_buffer`: a copy of a pool block),
# once per buffer however many results view it: `pairs` holds {buffer, exported} pairs.
_EXPORT_FUNCTION = f"""
  llvm.func @_zyg_export_buffer(!llvm.ptr) -> !llvm.ptr
  llvm.func internal @_zyg_python_export(%pairs: !llvm.ptr, %count_ptr: !llvm.ptr, %buffer: !llvm.ptr) -> !llvm.ptr {{
    %null = llvm.mlir.zero : !llvm.ptr
    %pair = llvm.call @_zyg_python_lookup(%pairs, %count_ptr, %buffer) : (!llvm.ptr, !llvm.ptr, !llvm.ptr) -> !llvm.ptr
    %known = llvm.icmp "ne" %pair, %null : !llvm.ptr
    llvm.cond_br %known, ^shared, ^new
  ^shared:
    %exported_ptr = llvm.getelementptr %pair[0, 1] : (!llvm.ptr) -> !llvm.ptr, {_OWNER}
    %exported = llvm.load %exported_ptr : !llvm.ptr -> !llvm.ptr
    llvm.return %exported : !llvm.ptr
  ^new:
    %made = llvm.call @_zyg_export_buffer(%buffer) : (!llvm.ptr) -> !llvm.ptr
    %recorded = llvm.call @_zyg_python_record(%pairs, %count_ptr, %buffer, %made) : (!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> !llvm.ptr
    llvm.return %recorded : !llvm.ptr
  }}
"""

_DECLARATIONS = f"""
  llvm.mlir.global external @_zyg_runtime() {{addr_space = 0 : i32}} : {STATE}
  llvm.func @pthread_self() -> i64
  llvm.func @pthread_mutex_lock(!llvm.ptr) -> i32
  llvm.func @pthread_mutex_unlock(!llvm.ptr) -> i32
"""


def add_python_entries(module: ir.Module, abis: Sequence[EntryABI], device_buffers: bool = False) -> None:
    """Appends `@<entry>_python` and `@<entry>_python_address` to `module` for each of `abis`, in place.
    With `device_buffers` (a GPU compile, whose result buffers may be managed memory: `gpu_heap`), the
    capsules of its result buffers free them with the destructor of GPU modules."""
    top_level = top_level_operations(module)
    functions = {_symbol(op): op for op in top_level if op.name == "llvm.func"}
    parts = [_DECLARATIONS]
    if any(slot.kind == "array" for abi in abis for slot in abi.results):
        destructor = "free_device_capsule" if device_buffers else "free_capsule"
        parts.extend((_LOOKUP_FUNCTION, _RECORD_FUNCTION, _owner_function(destructor), _EXPORT_FUNCTION))
    for abi in abis:
        entry = functions[abi.name]
        arg_types = [str(arg.type) for arg in entry.regions[0].blocks[0].arguments]
        result_type = _result_type(entry)
        parts.append(f"  llvm.func @{abi.name}({', '.join(arg_types)}) -> {result_type}")
        parts.append(_python_function(abi, arg_types, result_type))
        parts.append(f"""
  llvm.func @{address_of(python_entry(abi.name))}() -> !llvm.ptr {{
    %address = llvm.mlir.addressof @{python_entry(abi.name)} : !llvm.ptr
    llvm.return %address : !llvm.ptr
  }}""")
    present = set(functions) | {_symbol(op) for op in top_level if "sym_name" in op.attributes}
    with module.context, ir.Location.unknown():
        parsed = ir.Module.parse("module {\n" + "\n".join(parts) + "\n}")
        for op in top_level_operations(parsed):
            if _symbol(op) not in present:
                module.body.append(op)  # moves it; `parsed` keeps what the module has already


def _python_function(abi: EntryABI, arg_types: list[str], result_type: str) -> str:
    """The text of `@<entry>_python` for the entry of `abi` (its LLVM argument and result types)."""
    f = _Function()
    array_results = [slot for slot in abi.results if slot.kind == "array"]
    f.emit(f"%state = llvm.mlir.addressof @_zyg_runtime : {PTR}")
    api_ptr = f.field(STATE_API)
    f.emit(f"%api = llvm.load {api_ptr} : {PTR} -> {PTR}")
    f.emit("%one = llvm.mlir.constant(1 : i64) : i64")
    f.emit(f"%null = llvm.mlir.zero : {PTR}")
    f.emit(f"%overflow = llvm.alloca %one x i32 : (i64) -> {PTR}")
    if array_results:
        shape_words = f.constant(max(2 * max(slot.rank for slot in array_results), 1))
        f.emit(f"%shape = llvm.alloca {shape_words} x i64 : (i64) -> {PTR}")
        owner_count = f.constant(len(array_results))
        f.emit(f"%owners = llvm.alloca {owner_count} x {_OWNER} : (i64) -> {PTR}")
        f.emit(f"%owner_count = llvm.alloca %one x i64 : (i64) -> {PTR}")
        f.emit(f"%exports = llvm.alloca {owner_count} x {_OWNER} : (i64) -> {PTR}")
        f.emit(f"%export_count = llvm.alloca %one x i64 : (i64) -> {PTR}")
    f.check(f.value(f'llvm.icmp "eq" %nargs, {f.constant(len(abi.args))} : i64'))
    type_offset = f.api("type_offset", "i64")
    values = []
    for index, slot in enumerate(abi.args):
        item = f.value(f"llvm.getelementptr %args[{index}] : ({PTR}) -> {PTR}, {PTR}")
        obj = f.value(f"llvm.load {item} : {PTR} -> {PTR}")
        type_ptr = f.value(f"llvm.getelementptr {obj}[{type_offset}] : ({PTR}, i64) -> {PTR}, i8")
        obj_type = f.value(f"llvm.load {type_ptr} : {PTR} -> {PTR}")
        values += _read_argument(f, slot, obj, obj_type, arg_types[len(values)])
    if len(values) != len(arg_types):
        raise ValueError(f"@{abi.name} takes {len(arg_types)} words, its ABI {len(values)}")
    _call_locked(f, abi, values, arg_types, result_type)
    status = f.value(f"llvm.extractvalue %result[0] : {result_type}")
    failed = f.value(f'llvm.icmp "ne" {status}, {f.constant(0)} : i64')
    f.emit(f"llvm.cond_br {failed}, ^failed, ^succeeded")
    f.block("succeeded")
    _build_results(f, abi.results, _fields(result_type)[ERROR_SLOTS:], result_type)
    f.block("failed")
    _build_failure(f, result_type)
    f.block("error")  # a CPython or NumPy call failed (out of memory): its exception propagates
    f.call("Py_DecRef", [("%tuple", PTR)])
    f.emit(f"llvm.return %null : {PTR}")
    f.block("reject")
    not_implemented = f.api("NotImplemented")
    f.call("Py_IncRef", [(not_implemented, PTR)])
    f.emit(f"llvm.return {not_implemented} : {PTR}")
    return (f"  llvm.func @{python_entry(abi.name)}(%self: {PTR}, %args: {PTR}, %nargs: i64) -> {PTR} {{\n"
            + "\n".join(f.lines) + "\n  }")


def _read_argument(f: _Function, slot: Slot, obj: str, obj_type: str, llvm_type: str) -> list[str]:
    """The entry's words for argument `obj` of `slot` (a branch to `^reject` where it does not fit)."""
    if slot.kind == "f":
        f.check(f.value(f'llvm.icmp "eq" {obj_type}, {f.api("float")} : {PTR}'))
        value_ptr = f.value(f"llvm.getelementptr {obj}[{f.api('float_value_offset', 'i64')}] : ({PTR}, i64) -> {PTR}, i8")
        value = f.value(f"llvm.load {value_ptr} : {PTR} -> f64")
        return [value if llvm_type == "f64" else f.value(f"llvm.fptrunc {value} : f64 to {llvm_type}")]
    if slot.kind == "b":
        f.check(f.value(f'llvm.icmp "eq" {obj_type}, {f.api("bool")} : {PTR}'))
        is_true = f.value(f'llvm.icmp "eq" {obj}, {f.api("True")} : {PTR}')
        return [f.value(f"llvm.zext {is_true} : i1 to i64")]
    if slot.kind == "i":
        f.check(f.value(f'llvm.icmp "eq" {obj_type}, {f.api("int")} : {PTR}'))
        value = f.call("PyLong_AsLongLongAndOverflow", [(obj, PTR), ("%overflow", PTR)], "i64")
        overflow = f.value(f"llvm.load %overflow : {PTR} -> i32")
        f.check(f.value(f'llvm.icmp "eq" {overflow}, {f.constant(0, "i32")} : i32'))
        return [value if llvm_type == "i64" else f.value(f"llvm.inttoptr {value} : i64 to {PTR}")]
    f.check(f.value(f'llvm.icmp "eq" {obj_type}, {f.api("ndarray")} : {PTR}'))
    fields = f.value(f"llvm.getelementptr {obj}[{f.api('array_fields_offset', 'i64')}] : ({PTR}, i64) -> {PTR}, i8")
    descr = f.load_field(fields, _DESCR, PTR)
    f.check(f.value(f'llvm.icmp "eq" {descr}, {f.api(_descr_name(slot.dtype))} : {PTR}'))
    rank = f.load_field(fields, _ND, "i32")
    f.check(f.value(f'llvm.icmp "eq" {rank}, {f.constant(slot.rank, "i32")} : i32'))
    data = f.load_field(fields, _DATA, PTR)
    dimensions = f.load_field(fields, _DIMENSIONS, PTR)
    strides = f.load_field(fields, _STRIDES, PTR)
    shape, steps = [], []
    itemsize = slot.dtype.itemsize
    for axis in range(slot.rank):
        shape.append(f.load_at(dimensions, axis))
        stride = f.load_at(strides, axis)
        if itemsize > 1:  # memref strides count items: a stride of part of an item cannot pass
            remainder = f.value(f"llvm.srem {stride}, {f.constant(itemsize)} : i64")
            f.check(f.value(f'llvm.icmp "eq" {remainder}, {f.constant(0)} : i64'))
            stride = f.value(f"llvm.sdiv {stride}, {f.constant(itemsize)} : i64")
        steps.append(stride)
    return [data, data, f.constant(0), *shape, *steps]


def _call_locked(f: _Function, abi: EntryABI, values: list[str], arg_types: list[str], result_type: str) -> None:
    """Releases the GIL, takes the module's lock (or re-enters it), sets the stack limit when the thread
    changed, calls the entry (`%result`, its array results in buffers Python may own: `_export_results`),
    lets the lock go and takes the GIL back."""
    thread_state = f.call("PyEval_SaveThread", [], PTR)
    f.emit("%me = llvm.call @pthread_self() : () -> i64")
    owner_ptr, depth_ptr, mutex = f.field(STATE_OWNER), f.field(STATE_DEPTH), f.field(STATE_MUTEX)
    owner = f.value(f"llvm.load {owner_ptr} atomic monotonic {{alignment = 8 : i64}} : {PTR} -> i64")
    mine = f.value(f'llvm.icmp "eq" {owner}, %me : i64')
    f.emit(f"llvm.cond_br {mine}, ^reenter, ^acquire")
    f.block("reenter")  # from a host call of this module's code, in this thread
    depth = f.value(f"llvm.load {depth_ptr} : {PTR} -> i64")
    f.emit(f"llvm.store {f.value(f'llvm.add {depth}, %one : i64')}, {depth_ptr} : i64, {PTR}")
    f.emit("llvm.br ^run")
    f.block("acquire")
    f.emit(f"llvm.call @pthread_mutex_lock({mutex}) : ({PTR}) -> i32")
    f.emit(f"llvm.store %me, {owner_ptr} atomic monotonic {{alignment = 8 : i64}} : i64, {PTR}")
    limit_function = f.value(f"llvm.load {f.field(STATE_LIMIT_FUNCTION)} : {PTR} -> {PTR}")
    thread_ptr = f.field(STATE_THREAD)
    thread = f.value(f"llvm.load {thread_ptr} : {PTR} -> i64")
    has_limit = f.value(f'llvm.icmp "ne" {limit_function}, %null : {PTR}')
    moved = f.value(f'llvm.icmp "ne" {thread}, %me : i64')
    renew = f.value(f"llvm.and {has_limit}, {moved} : i1")
    f.emit(f"llvm.cond_br {renew}, ^limit, ^run")
    f.block("limit")  # a ctypes callback (`zyg.backend.stack`), which takes the GIL itself
    limit = f.value(f"llvm.call {limit_function}() : {PTR}, () -> i64")
    f.emit(f"llvm.store {limit}, {f.field(STATE_STACK_LIMIT)} : i64, {PTR}")
    f.emit(f"llvm.store %me, {thread_ptr} : i64, {PTR}")
    f.emit("llvm.br ^run")
    f.block("run")
    f.emit(f"%called = llvm.call @{abi.name}({', '.join(values)}) : ({', '.join(arg_types)}) -> {result_type}")
    _export_results(f, abi, result_type)
    depth = f.value(f"llvm.load {depth_ptr} : {PTR} -> i64")
    nested = f.value(f'llvm.icmp "ne" {depth}, {f.constant(0)} : i64')
    f.emit(f"llvm.cond_br {nested}, ^leave, ^release")
    f.block("leave")
    f.emit(f"llvm.store {f.value(f'llvm.sub {depth}, %one : i64')}, {depth_ptr} : i64, {PTR}")
    f.emit("llvm.br ^released")
    f.block("release")
    f.emit(f"llvm.store {f.constant(0)}, {owner_ptr} atomic monotonic {{alignment = 8 : i64}} : i64, {PTR}")
    f.emit(f"llvm.call @pthread_mutex_unlock({mutex}) : ({PTR}) -> i32")
    f.emit("llvm.br ^released")
    f.block("released")
    f.call("PyEval_RestoreThread", [(thread_state, PTR)])


def _export_results(f: _Function, abi: EntryABI, result_type: str) -> None:
    """`%result`: `%called` where the call succeeded with each array result's buffer one that Python may
    own (a pool buffer is copied out, `zyg.backend.small_blocks`), while the module's lock is held."""
    fields = [ERROR_SLOTS + index for index, slot in enumerate(abi.results) if slot.kind == "array"]
    if not fields:
        f.emit(f"llvm.br ^exported(%called : {result_type})")
        f.block(f"exported(%result: {result_type})")
        return
    f.emit(f"llvm.store {f.constant(0)}, %export_count : i64, {PTR}")
    status = f.value(f"llvm.extractvalue %called[0] : {result_type}")
    succeeded = f.value(f'llvm.icmp "eq" {status}, {f.constant(0)} : i64')
    f.emit(f"llvm.cond_br {succeeded}, ^export, ^exported(%called : {result_type})")
    f.block("export")
    result = "%called"
    for field in fields:
        buffer = f.value(f"llvm.extractvalue {result}[{field}, 0] : {result_type}")
        aligned = f.value(f"llvm.extractvalue {result}[{field}, 1] : {result_type}")
        exported = f.value(f"llvm.call @_zyg_python_export(%exports, %export_count, {buffer}) : "
                           f"({PTR}, {PTR}, {PTR}) -> {PTR}")
        gap = f.value(f"llvm.sub {f.value(f'llvm.ptrtoint {aligned} : {PTR} to i64')}, "
                      f"{f.value(f'llvm.ptrtoint {buffer} : {PTR} to i64')} : i64")
        moved = f.value(f"llvm.getelementptr {exported}[{gap}] : ({PTR}, i64) -> {PTR}, i8")
        result = f.value(f"llvm.insertvalue {exported}, {result}[{field}, 0] : {result_type}")
        result = f.value(f"llvm.insertvalue {moved}, {result}[{field}, 1] : {result_type}")
    f.emit(f"llvm.br ^exported({result} : {result_type})")
    f.block(f"exported(%result: {result_type})")


def _build_results(f: _Function, slots: Sequence[Slot], types: list[str], result_type: str) -> None:
    """`return (results...)`: Python objects of the entry's results (fields `ERROR_SLOTS` on)."""
    f.emit(f"%tuple = {_call_text(f, 'PyTuple_New', [(f.constant(len(slots)), 'i64')], PTR)}")
    f.check(f.value(f'llvm.icmp "ne" %tuple, %null : {PTR}'), "error")
    if any(slot.kind == "array" for slot in slots):
        f.emit(f"llvm.store {f.constant(0)}, %owner_count : i64, {PTR}")
    for index, (slot, llvm_type) in enumerate(zip(slots, types, strict=True)):
        field = ERROR_SLOTS + index
        if slot.kind == "array":
            item = _array_result(f, slot, field, result_type)
        else:
            value = f.value(f"llvm.extractvalue %result[{field}] : {result_type}")
            if slot.kind == "f":
                item = f.call("PyFloat_FromDouble", [(value, "f64")], PTR)
            elif slot.kind == "b":
                item = f.call("PyBool_FromLong", [(value, "i64")], PTR)
            else:
                if llvm_type in (PTR, "ptr"):  # a tape (a struct's fields print without the dialect)
                    value = f.value(f"llvm.ptrtoint {value} : {PTR} to i64")
                item = f.call("PyLong_FromLongLong", [(value, "i64")], PTR)
            f.check(f.value(f'llvm.icmp "ne" {item}, %null : {PTR}'), "error")
        f.call("PyTuple_SetItem", [("%tuple", PTR), (f.constant(index), "i64"), (item, PTR)], "i32")
    f.emit(f"llvm.return %tuple : {PTR}")


def _array_result(f: _Function, slot: Slot, field: int, result_type: str) -> str:
    """An `np.ndarray` over the buffer of memref result `field`, its base the buffer's capsule."""
    def part(*indices: int) -> str:
        return f.value(f"llvm.extractvalue %result[{', '.join(map(str, (field, *indices)))}] : {result_type}")

    buffer, aligned, offset = part(0), part(1), part(2)
    itemsize = slot.dtype.itemsize
    for axis in range(slot.rank):  # NumPy copies the shape and the strides (in bytes)
        f.emit(f"llvm.store {part(3, axis)}, {f.at('%shape', axis)} : i64, {PTR}")
        stride = f.value(f"llvm.mul {part(4, axis)}, {f.constant(itemsize)} : i64")
        f.emit(f"llvm.store {stride}, {f.at('%shape', slot.rank + axis)} : i64, {PTR}")
    data = f.value(f"llvm.getelementptr {aligned}[{offset}] : ({PTR}, i64) -> {PTR}, {_ELEMENTS[slot.dtype.name]}")
    capsule = f.value(f"llvm.call @_zyg_python_owner(%owners, %owner_count, {buffer}, %api) : "
                      f"({PTR}, {PTR}, {PTR}, {PTR}) -> {PTR}")
    no_capsule = f.value(f'llvm.icmp "eq" {capsule}, %null : {PTR}')
    has_buffer = f.value(f'llvm.icmp "ne" {buffer}, %null : {PTR}')
    f.check(f.value(f"llvm.and {no_capsule}, {has_buffer} : i1"), "error", negate=True)
    descr = f.api(_descr_name(slot.dtype))
    f.call("Py_IncRef", [(descr, PTR)])  # PyArray_NewFromDescr takes a reference to it
    strides = f.at("%shape", slot.rank)
    array = f.call("PyArray_NewFromDescr", [(f.api("ndarray"), PTR), (descr, PTR), (f.constant(slot.rank, "i32"), "i32"),
                                            ("%shape", PTR), (strides, PTR), (data, PTR),
                                            (f.constant(NPY_ARRAY_WRITEABLE, "i32"), "i32"), ("%null", PTR)], PTR)
    f.check(f.value(f'llvm.icmp "ne" {array}, %null : {PTR}'), "error")
    with_base = f.label()
    f.emit(f"llvm.cond_br {no_capsule}, ^{with_base}_done, ^{with_base}")
    f.block(with_base)
    f.call("PyArray_SetBaseObject", [(array, PTR), (capsule, PTR)], "i32")  # takes the capsule's reference
    f.emit(f"llvm.br ^{with_base}_done")
    f.block(f"{with_base}_done")
    return array


def _build_failure(f: _Function, result_type: str) -> None:
    """`return [status, values...]`: the failed check's record, for `NativeFunction` to raise."""
    record = f.call("PyList_New", [(f.constant(ERROR_SLOTS), "i64")], PTR)
    f.check(f.value(f'llvm.icmp "ne" {record}, %null : {PTR}'), "error_bare")
    for index in range(ERROR_SLOTS):
        value = f.value(f"llvm.extractvalue %result[{index}] : {result_type}")
        number = f.call("PyLong_FromLongLong", [(value, "i64")], PTR)
        f.call("PyList_SetItem", [(record, PTR), (f.constant(index), "i64"), (number, PTR)], "i32")
    f.emit(f"llvm.return {record} : {PTR}")
    f.block("error_bare")
    f.emit(f"llvm.return %null : {PTR}")


class _Function:
    """The body of a function being written: its lines and fresh value and block names."""

    def __init__(self):
        self.lines: list[str] = []
        self.count = 0

    def emit(self, line: str) -> None:
        self.lines.append(f"    {line}")

    def value(self, expression: str) -> str:
        name = f"%v{self.count}"
        self.count += 1
        self.emit(f"{name} = {expression}")
        return name

    def label(self) -> str:
        self.count += 1
        return f"b{self.count}"

    def block(self, label: str) -> None:
        self.lines.append(f"  ^{label}:")

    def check(self, condition: str, failure: str = "reject", negate: bool = False) -> None:
        """Goes on in a new block where `condition` holds (fails where `negate`), else to `^failure`."""
        label = self.label()
        targets = f"^{failure}, ^{label}" if negate else f"^{label}, ^{failure}"
        self.emit(f"llvm.cond_br {condition}, {targets}")
        self.block(label)

    def constant(self, value: int, type_: str = "i64") -> str:
        return self.value(f"llvm.mlir.constant({value} : {type_}) : {type_}")

    def field(self, index: int) -> str:
        """The address of word `index` of the module's state."""
        return self.value(f"llvm.getelementptr %state[0, {index}] : ({PTR}) -> {PTR}, {STATE}")

    def api(self, name: str, type_: str = PTR) -> str:
        """Entry `name` of the process's `PYTHON_API` table."""
        pointer = self.value(f"llvm.getelementptr %api[{PYTHON_API.index(name)}] : ({PTR}) -> {PTR}, {PTR}")
        return self.value(f"llvm.load {pointer} : {PTR} -> {type_}")

    def call(self, name: str, args: list[tuple[str, str]], result: str | None = None) -> str | None:
        """Calls the `PYTHON_API` function `name` on `(value, type)` pairs."""
        text = _call_text(self, name, args, result)
        if result is None:
            self.emit(text)
            return None
        return self.value(text)

    def at(self, base: str, index: int) -> str:
        return self.value(f"llvm.getelementptr {base}[{index}] : ({PTR}) -> {PTR}, i64")

    def load_at(self, base: str, index: int) -> str:
        return self.value(f"llvm.load {self.at(base, index)} : {PTR} -> i64")

    def load_field(self, fields: str, index: int, type_: str) -> str:
        pointer = self.value(f"llvm.getelementptr {fields}[0, {index}] : ({PTR}) -> {PTR}, {_ARRAY_FIELDS}")
        return self.value(f"llvm.load {pointer} : {PTR} -> {type_}")


def _call_text(f: _Function, name: str, args: list[tuple[str, str]], result: str | None) -> str:
    function = f.api(name)
    values, types = ", ".join(v for v, _ in args), ", ".join(t for _, t in args)
    return f"llvm.call {function}({values}) : {PTR}, ({types}) -> {result or '()'}"


def _descr_name(dtype: np.dtype) -> str:
    """The `PYTHON_API` entry of the dtype singleton of `dtype`."""
    return "bool_" if dtype.name == "bool" else dtype.name


def _symbol(op) -> str:
    return ir.StringAttr(op.attributes["sym_name"]).value


def _result_type(function) -> str:
    """The result type of LLVM function `function`, from its type `!llvm.func<RESULT (ARGUMENTS)>` (read
    from the text: the op views that would give it import the dialect's Python module)."""
    text = str(ir.TypeAttr(function.attributes["function_type"]).value)
    prefix = "!llvm.func<"
    if not text.startswith(prefix):
        raise ValueError(f"@{_symbol(function)} has the type {text}, not an LLVM function's")
    depth = 0
    for position in range(len(prefix), len(text)):
        character = text[position]
        if depth == 0 and text.startswith(" (", position):
            result = text[len(prefix):position]
            # Inside the function type LLVM's own types print without their dialect prefix.
            return f"!llvm.{result}" if result.startswith(("struct<", "ptr", "array<", "vec<")) else result
        depth += (character in "<([{") - (character in ">)]}")
    raise ValueError(f"@{_symbol(function)} has the type {text}, whose result was not found")


def _fields(struct_type: str) -> list[str]:
    """The field types of `!llvm.struct<(...)>` text, split at its top-level commas."""
    inner = struct_type[struct_type.index("(") + 1: struct_type.rindex(")")]
    fields, depth, start = [], 0, 0
    for i, char in enumerate(inner):
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
        elif char == "," and depth == 0:
            fields.append(inner[start:i].strip())
            start = i + 1
    fields.append(inner[start:].strip())
    return fields
