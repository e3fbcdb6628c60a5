"""Host calls: Python functions that compiled code calls back at run time, for effects or values that
carry no gradient (`print`, `time.perf_counter`, and any function wrapped by `zyg.host`).

In: the host call sites a compile found (`HostSite`: the function, the structure of its arguments,
the type code of its result). Out: `HostCalls`, the module's callbacks (`_zyg_host(site, slots)`, and
`_zyg_host_arrays(site, slots, tape)` for calls with arrays, which come as copies on a tape) that
rebuild each call's Python arguments, call the function in program order, exactly once per execution
of the call, and write the result back; an exception it raises is kept and raised again by the call
that ran the compiled code. No xDSL here: the JIT registers the callbacks.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from zyg.frontend.trees import RUNSTR, TreeDef, build_python, unflatten
from zyg.typecodes import split_array_code, to_python

HOST_SLOTS = 16  # 8-byte slots of the buffer a host call's arguments and result travel in
HOST_ERROR = "HostError"  # the run-time check that re-raises a host call's exception
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.POINTER(ctypes.c_int64))
# With arrays: they come on a tape (`zyg.backend.runtime`: a header {ptr data, i64 size, i64 capacity};
# each array pushed as its elements in 8-byte slots, f64 or i64, then its dimensions).
_ARRAYS_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.POINTER(ctypes.c_int64), ctypes.c_void_p)
_TAPE_HEADER = ctypes.c_int64 * 3
_DTYPES = {"f64": np.float64, "f32": np.float32, "i64": np.int64, "i1": np.bool_}


class HostFunction:
    """A Python function compiled code calls back (see `zyg.host`); called from Python, it is `fn`."""

    def __init__(self, fn: Callable, returns: type | None = None):
        if returns not in (None, float, int, bool):
            raise TypeError(f"zyg.host: returns must be float, int, bool or None, got {returns!r}")
        self.fn, self.returns = fn, returns

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


def host(fn: Callable | None = None, *, returns: type | None = None):
    """Marks `fn` as a host function: compiled code calls it back in Python at run time, in program
    order, once per call executed, with its arguments as Python numbers and copies of arrays (and
    structures of them); its
    result (`returns`: float, int, bool or None) is a constant to the autodiff, like
    `jax.pure_callback`. Usable as `zyg.host(f, returns=float)` or as a decorator.

    Example:
        >>> import zyg
        >>> seen = []
        >>> log = zyg.host(seen.append)
        >>> def f(x):
        ...     log(x)
        ...     return x * x
        >>> zyg.gradient(f, 3.0), seen
        ((6.0,), [3.0])
    """
    if fn is None:
        return lambda f: HostFunction(f, returns)
    return HostFunction(fn, returns)


@dataclass(frozen=True)
class HostSite:
    """One host call in the compiled code: `fn(*args)` with `args` of structure `arguments` (a tuple
    tree whose leaves are numbers), returning a value of type code `result` (None for none, `str`
    for a str, which the compiled code holds as its number in the string table)."""

    fn: Callable
    arguments: TreeDef
    result: str | None


class HostCalls:
    """The Python side of a module's host calls: the callback the compiled code calls."""

    def __init__(self, sites: list[HostSite], strings: list[str]):
        self.sites = sites
        self.strings = list(strings)  # str by number: the compile's constants first, then those read
        self.pending: BaseException | None = None
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
            value = entry.fn(*args)
            if entry.result == "str":
                slots[0] = self.number(str(value))
            elif entry.result in ("f64", "f32"):
                floats[0] = float(value)
            elif entry.result is not None:
                slots[0] = int(np.int64(value))
            return 0
        except BaseException as exc:  # raised again by the call of the compiled code, as it is
            self.pending = exc
            return 1

    def _call_with_arrays(self, site: int, slots, tape: int) -> int:
        return self._call(site, slots, tape)

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

    def take_pending(self) -> BaseException:
        """The exception a host call raised (once)."""
        exc, self.pending = self.pending, None
        return exc if exc is not None else RuntimeError("a host call failed")
