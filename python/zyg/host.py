"""Host calls: Python functions that compiled code calls back at run time, for effects or values that
carry no gradient (`print`, `time.perf_counter`, and any function wrapped by `zyg.host`).

In: the host call sites a compile found (`HostSite`: the function, the structure of its arguments,
the type code of its result). Out: `HostCalls`, the module's callback (`_zyg_host(site, slots)`) that
rebuilds each call's Python arguments from 8-byte slots, calls the function in program order, exactly
once per execution of the call, and writes the result back; an exception it raises is kept and
raised again by the call that ran the compiled code. No xDSL here: the JIT registers the callback.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from zyg.frontend.trees import RUNSTR, TreeDef, build_python, unflatten
from zyg.typecodes import to_python

HOST_SLOTS = 16  # 8-byte slots of the buffer a host call's arguments and result travel in
HOST_ERROR = "HostError"  # the run-time check that re-raises a host call's exception
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64, ctypes.POINTER(ctypes.c_int64))


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
    order, once per call executed, with its arguments as Python numbers (and structures of them); its
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

    def _call(self, site: int, slots) -> int:
        try:
            entry = self.sites[site]
            codes = list(entry.arguments.leaf_codes())
            floats = ctypes.cast(slots, ctypes.POINTER(ctypes.c_double))
            leaves = [to_python(floats[i] if code in ("f64", "f32") else slots[i], code) for i, code in enumerate(codes)]
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
