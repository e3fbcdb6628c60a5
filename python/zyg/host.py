"""Host calls: Python functions that compiled code calls back at run time, for effects or values that
carry no gradient (`print`, `time.perf_counter`, and any function wrapped by `zyg.host`).

In: the host call sites a compile found (`HostSite`: the function, the structure of its arguments,
the structure of its result). Out: `HostCalls`, the module's callbacks (`_zyg_host(site, slots)`, and
`_zyg_host_arrays(site, slots, tape)` for calls with arrays in or out, which travel as copies on a
tape) that rebuild each call's Python arguments, call the function in program order, exactly once per
execution of the call, and write the result back: its numbers in the slots, its arrays on the tape.
An exception it raises is kept and raised again by the call that ran the compiled code. No xDSL here:
the JIT registers the callbacks.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from zyg.entry_abi import host_error_status
from zyg.errors import ZygTypeError
from zyg.frontend.trees import (
    LEAF,
    RUNSTR,
    STATIC,
    TreeDef,
    build_python,
    flatten,
    node_of,
    path_step,
    unflatten,
)
from zyg.typecodes import python_name, split_array_code, to_python

HOST_SLOTS = 16  # 8-byte slots of the buffer a host call's arguments and result travel in
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.POINTER(ctypes.c_int64))
# With arrays: they come on a tape (`zyg.backend.runtime`: a header {ptr data, i64 size, i64 capacity};
# each array pushed as its elements in 8-byte slots, f64 or i64, then its dimensions).
_ARRAYS_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.POINTER(ctypes.c_int64), ctypes.c_void_p)
_TAPE_HEADER = ctypes.c_int64 * 3
_KEPT_EXCEPTIONS = 64  # the last host exceptions kept for a `raise` in an `except` block
_DTYPES = {"f64": np.float64, "f32": np.float32, "i64": np.int64, "i1": np.bool_}
_SCALAR_CODES = {float: "f64", int: "i64", bool: "i1", str: "str"}
_ELEMENT_CODES = {float: "f64", np.float64: "f64", np.float32: "f32", int: "i64", np.int64: "i64", bool: "i1",
                  np.bool_: "i1"}
_LIBC = ctypes.CDLL(None)  # the allocator the compiled code's tapes use: Python grows one to write results
_LIBC.realloc.restype = ctypes.c_void_p
_LIBC.realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]


@dataclass(frozen=True)
class Array:
    """What a host function returns an array as (in `zyg.host(f, returns=...)`): its rank and dtype;
    its shape is the one the function returns, at each call."""

    ndim: int
    dtype: type = np.float64

    def __post_init__(self):
        if not isinstance(self.ndim, int) or self.ndim < 0:
            raise TypeError(f"zyg.Array: ndim must be an int >= 0, got {self.ndim!r}")
        if self.dtype not in _ELEMENT_CODES:
            raise TypeError(f"zyg.Array: dtype must be float64, float32, int64 or bool, got {self.dtype!r}")

    @property
    def code(self) -> str:
        return f"a{self.ndim}{_ELEMENT_CODES[self.dtype]}"


def _result_code(spec: object) -> str | None:
    if isinstance(spec, Array):
        return spec.code
    return _SCALAR_CODES.get(spec) if isinstance(spec, type) else None


def result_tree(returns: object) -> TreeDef:
    """The structure a host function's result has, from `returns`: float, int, bool, str, None, a
    `zyg.Array`, or tuples, lists, dicts, dataclasses and NamedTuples of them (leaf codes such as
    `f64`, `a1f64`, and `str` for a str the compiled code holds as its number in the string table)."""
    try:
        return flatten(returns, _result_code, "returns")[0]
    except ZygTypeError:
        raise TypeError(f"zyg.host: returns={returns!r} is not a result type; returns takes float, int, bool, str, None, zyg.Array(ndim, dtype) "
                        "and tuples, lists and dicts of them") from None


class HostFunction:
    """A Python function compiled code calls back (see `zyg.host`); called from Python, it is `fn`."""

    def __init__(self, fn: Callable, returns: object = None):
        self.fn, self.returns, self.result = fn, returns, result_tree(returns)

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


def host(fn: Callable | None = None, *, returns: object = None):
    """Marks `fn` as a host function: compiled code calls it back in Python at run time, in program
    order, once per call executed, with its arguments as Python numbers and copies of arrays (and
    structures of them). Its result, of the structure `returns` declares (float, int, bool, str,
    None, `zyg.Array(ndim, dtype)` for an array of any shape, and tuples, lists and dicts of them), is
    a constant to the autodiff, like `jax.pure_callback`. Usable as `zyg.host(f, returns=float)` or
    as a decorator.

    Example:
        >>> import numpy as np, zyg
        >>> seen = []
        >>> log = zyg.host(seen.append)
        >>> def f(x):
        ...     log(x)
        ...     return x * x
        >>> zyg.gradient(f, 3.0), seen
        ((6.0,), [3.0])
        >>> noise = zyg.host(lambda n: np.linspace(0.0, 1.0, n), returns=zyg.Array(1))
        >>> zyg.gradient(lambda x: np.sum(x * noise(3)), np.ones(3))
        (array([0. , 0.5, 1. ]),)
    """
    if fn is None:
        return lambda f: HostFunction(f, returns)
    return HostFunction(fn, returns)


@dataclass(frozen=True)
class HostSite:
    """One host call in the compiled code: `fn(*args)` with `args` of structure `arguments` (a tuple
    tree whose leaves are numbers and arrays), returning a value of structure `result` (`result_tree`)."""

    fn: Callable
    arguments: TreeDef
    result: TreeDef


class HostCalls:
    """The Python side of a module's host calls: the callback the compiled code calls."""

    def __init__(self, sites: list[HostSite], strings: list[str], catch_classes: list[type] = ()):
        self.sites = sites
        self.strings = list(strings)  # str by number: the compile's constants first, then those read
        self.catch_classes = list(catch_classes)
        # The last exceptions the calls raised, by serial number: compiled code may catch one, raise
        # another and catch it, then raise the first again (`raise` in an `except` block).
        self.raised: dict[int, BaseException] = {}
        self.serial = 0
        self.callback = _CALLBACK(self._call)
        self.pointer = ctypes.cast(self.callback, ctypes.c_void_p)  # what the JIT registers
        self.arrays_callback = _ARRAYS_CALLBACK(self._call_with_arrays)
        self.arrays_pointer = ctypes.cast(self.arrays_callback, ctypes.c_void_p)

    def _call(self, site: int, slots, tape: int | None = None) -> int:
        try:
            entry = self.sites[site]
            codes = list(entry.arguments.leaf_codes())
            arrays = iter(self._arrays(tape, [c for c in codes if split_array_code(c)]) if tape else ())
            floats = ctypes.cast(slots, ctypes.POINTER(ctypes.c_double))
            leaves, position = [], 0
            for code in codes:
                if split_array_code(code):
                    leaves.append(next(arrays))
                    continue
                leaves.append(to_python(floats[position] if code in ("f64", "f32") else slots[position], code))
                position += 1
            args = unflatten(entry.arguments, leaves, self._build)
            self._write_result(entry, entry.fn(*args), slots, floats, tape)
            return 0
        except BaseException as exc:  # raised again by the call of the compiled code, as it is
            self.serial += 1
            self.raised[self.serial] = exc
            self.raised.pop(self.serial - _KEPT_EXCEPTIONS, None)
            slots[0] = self.serial
            return host_error_status(sum(1 << k for k, cls in enumerate(self.catch_classes) if isinstance(exc, cls)))

    def _call_with_arrays(self, site: int, slots, tape: int) -> int:
        return self._call(site, slots, tape)

    def _write_result(self, entry: HostSite, value: object, slots, floats, tape: int | None) -> None:
        """Writes `value`, checked against the declared structure: numbers in the slots, in order,
        arrays on `tape` (emptied first: the arguments are read), each as its elements then dimensions."""
        leaves: list = []
        self._result_leaves(entry, entry.result, value, "result", leaves)
        position = 0
        for leaf, code in zip(leaves, entry.result.leaf_codes()):
            if isinstance(leaf, np.ndarray):
                continue
            if code == "str":
                slots[position] = self.number(leaf)
            elif code in ("f64", "f32"):
                floats[position] = leaf
            else:
                slots[position] = int(leaf)
            position += 1
        arrays = [leaf for leaf in leaves if isinstance(leaf, np.ndarray)]
        if arrays:
            _push_arrays(tape, arrays)

    def _result_leaves(self, entry: HostSite, tree: TreeDef, value: object, path: str, leaves: list) -> None:
        name = getattr(entry.fn, "__name__", repr(entry.fn))
        if tree.kind == LEAF:
            leaves.append(_convert_result(value, tree.code, f"zyg.host function {name!r}: {path}"))
            return
        if tree.kind == STATIC:
            if value is not tree.code:
                raise TypeError(f"zyg.host function {name!r}: {path} is {value!r}, declared {tree.code!r}")
            return
        node = node_of(value) if not isinstance(value, np.ndarray) else None
        if node is None or node[:3] != (tree.kind, tree.cls, tree.keys) or len(node[3]) != len(tree.children):
            raise TypeError(f"zyg.host function {name!r}: {path} is {type(value).__name__}, not the declared "
                            f"structure of returns")
        for index, (child, item) in enumerate(zip(tree.children, node[3], strict=True)):
            self._result_leaves(entry, child, item, path + path_step(tree.kind, tree.keys, index), leaves)

    @staticmethod
    def _arrays(tape: int, codes: list[str]) -> list[np.ndarray]:
        """Copies of the arrays of type codes `codes` pushed on `tape`, in push order (read from the top)."""
        data, size, _ = _TAPE_HEADER.from_address(tape)
        slots = np.ctypeslib.as_array((ctypes.c_int64 * size).from_address(data)) if size else np.zeros(0, np.int64)
        arrays, top = [], size
        for code in reversed(codes):
            rank, element = split_array_code(code)
            shape = tuple(int(d) for d in slots[top - rank: top])
            count = int(np.prod(shape, dtype=np.int64))
            block = slots[top - rank - count: top - rank]
            values = block.view(np.float64) if element in ("f64", "f32") else block
            arrays.append(values.astype(_DTYPES[element]).reshape(shape))
            top -= rank + count
        return arrays[::-1]

    def number(self, text: str) -> int:
        """The number of `text` in the string table (equal strings, equal numbers)."""
        if text not in self.strings:
            self.strings.append(text)
        return self.strings.index(text)

    def _build(self, kind: str, cls, keys: tuple, items: list) -> object:
        return self.strings[items[0]] if kind == RUNSTR else build_python(kind, cls, keys, items)

    def take_raised(self, serial: int) -> BaseException:
        """The exception a host call raised, by the serial number the call reported; the others are
        dropped (the compiled call that raises it is over)."""
        exc = self.raised.get(serial)
        self.raised.clear()
        if exc is None:
            return RuntimeError(f"zyg: an exception a host call raised was raised again after {_KEPT_EXCEPTIONS} "
                                "others, and is no longer kept")
        return exc


def _convert_result(value: object, code: str, where: str) -> object:
    """A host function's result leaf as the declared type code wants it, or a TypeError."""
    array = split_array_code(code)
    if array is not None:
        result = np.asarray(value)
        if result.ndim != array[0] or not (np.issubdtype(result.dtype, np.number) or result.dtype == np.bool_):
            raise TypeError(f"{where} is {_describe(value)}, declared {python_name(code)}")
        return np.ascontiguousarray(result, dtype=np.float64 if array[1] in ("f64", "f32") else np.int64)
    if code == "str":
        if not isinstance(value, str):
            raise TypeError(f"{where} is {_describe(value)}, declared str")
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if not isinstance(value, (int, float, bool, np.number, np.bool_)) or (code != "f64" and code != "f32"
                                                                          and isinstance(value, (float, np.floating))):
        raise TypeError(f"{where} is {_describe(value)}, declared {python_name(code)}")
    return float(value) if code in ("f64", "f32") else int(value)


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of rank {value.ndim}"
    return f"{type(value).__name__} {value!r}"


def _push_arrays(tape: int, arrays: list[np.ndarray]) -> None:
    """Pushes `arrays` (float64 or int64, C-contiguous) on the emptied `tape`, each as its elements
    then its dimensions, growing its slots with the C allocator the compiled code frees them with."""
    header = _TAPE_HEADER.from_address(tape)
    blocks = [np.concatenate([a.reshape(-1).view(np.int64), np.array(a.shape, np.int64)]) for a in arrays]
    data = np.concatenate(blocks)
    if data.size > header[2]:
        grown = _LIBC.realloc(header[0], data.size * 8)
        if not grown:
            raise MemoryError("zyg.host: no memory for the arrays a host function returned")
        header[0], header[2] = grown, data.size
    ctypes.memmove(header[0], data.ctypes.data, data.nbytes)
    header[1] = data.size
