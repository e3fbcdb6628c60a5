"""Host calls in compiled code: `print(...)`, `input()`, `logging.info(...)` and its siblings,
`time.perf_counter()` and functions wrapped by `zyg.host`.

A host call is code, not a value: the frontend writes its run-time numbers (and the numbers of str
read at run time) into a module-wide buffer of 8-byte slots and copies its arrays onto a tape, calls
the runtime's `_zyg_host(site, slots)` or `_zyg_host_arrays(site, slots, tape)` (the module's
`zyg.host.HostCalls` callbacks, registered with the JIT), checks its status (an exception in the
callback is raised again by the call that ran the compiled code) and reads the result back: its
numbers from the slots, its arrays (written on the tape by Python) popped from the tape. The call writes memory and has no float result that varies, so the autodiff keeps it in
the forward sweep only: it runs in program order, once per execution, and the gradient treats its
result as a constant.
"""

from __future__ import annotations

import ast
import functools
import logging
import time

from xdsl.dialects import arith, func, llvm
from xdsl.ir import SSAValue

from zyg.dialects import ad
from zyg.errors import HOST_ERROR, UnsupportedSyntaxError, ZygTypeError
from zyg.frontend.trees import (
    FSTRING,
    LIST,
    RUNSTR,
    TUPLE,
    FormatTemplate,
    Static,
    Struct,
    TreeDef,
    build_struct,
    leaf,
    static,
    unflatten,
)
from zyg.frontend.types import F32, F64, I1, I64, element_type, is_array, type_of_code
from zyg.host import HOST_SLOTS, HostFunction, HostSite, host
from zyg.typecodes import split_array_code

PTR = llvm.LLVMPointerType()
HOST_FUNCTION = "_zyg_host"  # (i64 site, ptr slots) -> i64 status; defined by the JIT's registration
HOST_ARRAYS_FUNCTION = "_zyg_host_arrays"  # (i64 site, ptr slots, tape arrays) -> i64 status: with arrays
HOST_SLOTS_GLOBAL = "_zyg_host_slots"  # the buffer, defined by `zyg.backend.runtime.HOST_RUNTIME`
_CLOCKS = (time.perf_counter, time.time, time.monotonic, time.process_time)
_LOGGING = (logging.debug, logging.info, logging.warning, logging.error, logging.critical)
_NO_RESULT = static(None)


def is_host_callee(callee: object) -> bool:
    return callee in (print, input, host) or callee in _CLOCKS or callee in _LOGGING or isinstance(callee, HostFunction)


def _raise_key_error(key: str) -> None:
    raise KeyError(key)


def is_runtime_str(value: object) -> bool:
    return isinstance(value, Struct) and value.kind == RUNSTR


class HostCallCodegen:
    """The host-call half of `FunctionCodegen` (which provides `visit`, `flat`, `check`, `program`...)."""

    def call_host(self, node: ast.Call, callee: object) -> object:
        """A call of `print`, a clock or a `zyg.host` function: a callback into Python at run time."""
        if callee is host:
            self.error(node, "zyg.host(f) inside compiled code; wrap the function once, outside, and call the "
                       "result here", UnsupportedSyntaxError)
        args, kwargs = self.call_arguments(node)
        if callee is print:
            options = {}
            for key, value in kwargs.items():
                if key not in ("sep", "end") or not (isinstance(value, Static) and isinstance(value.value, (str, type(None)))):
                    self.error(node, f"print() in compiled code takes `sep` and `end` strs, got `{key}`",
                               UnsupportedSyntaxError)
                options[key] = value.value
            return self.host_call(node, functools.partial(print, **options) if options else print, args, _NO_RESULT)
        if kwargs:
            self.error(node, "keyword arguments to a host call", UnsupportedSyntaxError)
        if callee is input:
            return self.host_call(node, input, args, leaf("str"))
        if callee in _LOGGING:  # `logging.info("loss %s", x)`: the message is formatted in Python
            return self.host_call(node, callee, args, _NO_RESULT)
        if callee in _CLOCKS:
            return self.host_call(node, callee, args, leaf("f64"))
        return self.host_call(node, callee.fn, args, callee.result)

    def _check_host_status(self, status: SSAValue, slots: SSAValue) -> None:
        """Fails when the host call raised, reporting its status (with the classes its exception is an
        instance of, `zyg.entry_abi.host_error_status`) and the serial number of its exception (slot 0)."""
        serial = self.value(llvm.LoadOp(self._slot(slots, 0), I64))
        self.check(self.value(arith.CmpiOp(status, self.const(0), "eq")), HOST_ERROR, "", [status, serial])

    def host_call(self, node: ast.Call, fn, args: list, result: TreeDef) -> object:
        """Emits `fn(*args)` as a host call whose result has structure `result` (`zyg.host.result_tree`)."""
        tree, leaves = self.flat(Struct(TUPLE, args))
        arrays = [v for v in leaves if is_array(v.type)]
        numbers = [v for v in leaves if not is_array(v.type)]
        result_codes = list(result.leaf_codes())
        result_arrays = [code for code in result_codes if split_array_code(code)]
        if max(len(numbers), len(result_codes) - len(result_arrays)) > HOST_SLOTS:
            self.error(node, f"a host call with more than {HOST_SLOTS} numbers in or out", ZygTypeError)
        site = self.program.add_host_site(HostSite(fn, tree, result), bool(arrays or result_arrays))
        slots = self.value(llvm.AddressOfOp(HOST_SLOTS_GLOBAL, PTR))
        for position, number in enumerate(numbers):
            if number.type == I1:
                number = self.value(arith.ExtUIOp(number, I64))
            elif number.type == F32:
                number = self.value(arith.ExtFOp(number, F64))
            self.emit(llvm.StoreOp(number, self._slot(slots, position)))
        popped: list[SSAValue] = []
        if arrays or result_arrays:  # copied onto a tape of their own (elements, then dimensions)
            tape = self.value(ad.TapeNewOp(host_call=True))
            for array in arrays:  # a bool array travels as int64 (Python makes it bool again)
                self.emit(ad.PushOp(tape, self.convert_element(array, I64) if element_type(array.type) == I1 else array))
            status = self.value(func.CallOp(HOST_ARRAYS_FUNCTION, [self.const(site), slots, tape], [I64]))
            self._check_host_status(status, slots)
            for code in reversed(result_arrays):  # Python pushed them in order
                popped.append(self.value(ad.PopOp(tape, type_of_code(code))))
            self.emit(ad.TapeFreeOp(tape))
        else:
            status = self.value(func.CallOp(HOST_FUNCTION, [self.const(site), slots], [I64]))
            self._check_host_status(status, slots)
        popped.reverse()
        values, position = [], 0
        for code in result_codes:
            if split_array_code(code):
                values.append(popped.pop(0))
                continue
            value = self.value(llvm.LoadOp(self._slot(slots, position), F64 if code in ("f64", "f32") else I64))
            position += 1
            if code == "str":
                value = Struct(RUNSTR, [value])
            elif code == "i1":
                value = self.value(arith.TruncIOp(value, I1))
            elif code == "f32":
                value = self.value(arith.TruncFOp(value, F32))
            values.append(value)
        return unflatten(result, values, build_struct, Static)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> Struct:
        """An f-string: its static text and format specs, and the values it formats, rendered in Python
        where it is printed, logged, passed to a host function or returned."""
        parts: list = []
        values: list = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(part.value)
                continue
            spec = part.format_spec
            if spec is not None and not all(isinstance(p, ast.Constant) for p in spec.values):
                self.error(spec, "an f-string format spec computed at run time", UnsupportedSyntaxError)
            text = "".join(p.value for p in spec.values) if spec is not None else ""
            parts.append((None if part.conversion == -1 else chr(part.conversion), text))
            values.append(self.visit(part.value))
        return Struct(FSTRING, values, cls=FormatTemplate(tuple(parts)))

    # ----------------------------------------------------------------------------------------------
    # str read at run time: numbers in the module's string table
    # ----------------------------------------------------------------------------------------------

    def runtime_str_equal(self, lhs: object, rhs: object) -> SSAValue:
        """`a == b` where one is a str read at run time: their numbers in the string table compare."""
        numbers = []
        for side in (lhs, rhs):
            if is_runtime_str(side):
                numbers.append(side.items[0])
            elif isinstance(side, Static) and isinstance(side.value, str):
                numbers.append(self.const(self.program.string_number(side.value)))
            else:
                return self.const(False)  # a str is never a number, None or a container
        return self.value(arith.CmpiOp(numbers[0], numbers[1], "eq"))

    def runtime_strs(self, value: object, target: TreeDef) -> object:
        """`value` with each str known at compile time where `target` (its structure, `join_strs`) has
        one read at run time made that: its number in the string table."""
        if target.kind == RUNSTR and isinstance(value, Static) and isinstance(value.value, str):
            return Struct(RUNSTR, [self.const(self.program.string_number(value.value))])
        if not isinstance(value, Struct) or value.kind != target.kind or len(value.items) != len(target.children):
            return value
        items = [self.runtime_strs(item, t) for item, t in zip(value.items, target.children)]
        if all(a is b for a, b in zip(items, value.items)):
            return value
        return Struct(value.kind, items, value.keys, value.cls)

    def runtime_str_item(self, node: ast.AST, base: Struct, key: Struct) -> object:
        """`d[s]` for a dict with str keys and a str `s` read at run time: the position of the key
        whose number is `s`'s (Python's KeyError, raised in Python, where none is), then the item there,
        chosen at run time."""
        strs = [k for k in base.keys if isinstance(k, str)]
        if not strs:
            self.error(node, "a dict without str keys indexed by a str", ZygTypeError)
        position = self.const(-1)
        for index, k in enumerate(base.keys):
            if isinstance(k, str):
                here = self.value(arith.CmpiOp(key.items[0], self.const(self.program.string_number(k)), "eq"))
                position = self.value(arith.SelectOp(here, self.const(index), position))
        missing = self.value(arith.CmpiOp(position, self.const(0), "slt"))
        self.emit_branches(missing, lambda: self.host_call(node, _raise_key_error, [key], _NO_RESULT), lambda: None)
        return self.chosen_item(node, Struct(LIST, base.items), self.value(arith.MaxSIOp(position, self.const(0))))

    def _slot(self, slots: SSAValue, position: int) -> SSAValue:
        if position == 0:
            return slots
        return self.value(llvm.GEPOp(slots, [position], I64))

