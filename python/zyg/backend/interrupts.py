"""Ctrl-C during compiled code: the process's interrupt flag and the SIGINT handler that sets it.

In: each module's `@_zyg_runtime` state as the module is loaded (see `zyg.backend.runtime`). Out: the
state pointing at the one flag of the process, a SIGINT handler installed that sets it, and
`raise_interrupt()`, which turns a call that stopped on the flag (status `INTERRUPTED`) into Python's
`KeyboardInterrupt`.

Why a handler in native code: ctypes releases the GIL for the call, and Python's own C handler only
notes the signal for the interpreter, which runs the Python-level handler once the call returns; an
endless compiled loop never returns. The module's `@_zyg_sigint` sets the flag, which every compiled
loop polls, then calls the handler it replaced, so Python still sees the signal. It is installed
(with `sigaction`, Linux only) from the first module loaded in the main thread, whose code is then
kept for good, and again whenever a module is loaded after something replaced it
(`signal.signal(SIGINT, ...)`, LLVM writing an object file). Where SIGINT is ignored or left to the
system's default (which ends the process), nothing is installed.
"""

from __future__ import annotations

import ctypes
import signal
import sys
import threading
from typing import NoReturn

# {i64 flag, ptr handler replaced}: read by the compiled code through each module's state; never freed.
FLAG = (ctypes.c_int64 * 2)()
_SA_SIGINFO = 4


class _SigAction(ctypes.Structure):
    """glibc's `struct sigaction` (x86-64 and AArch64)."""

    _fields_ = [("handler", ctypes.c_void_p), ("mask", ctypes.c_ulong * 16), ("flags", ctypes.c_int),
                ("restorer", ctypes.c_void_p)]


_libc = ctypes.CDLL(None)
_handler: int | None = None  # the installed `@_zyg_sigint`
_handler_owner: object = None  # what keeps its code loaded, for good


def connect(state: ctypes.Array, owner: object) -> None:
    """Points a module's runtime `state` (its three words) at the process's flag and makes sure a
    handler is installed, the module's own if none was (`owner` then keeps its code for good)."""
    global _handler, _handler_owner
    state[0] = ctypes.addressof(FLAG)
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return  # `signal.signal` below works in the main thread only
    python_handler = signal.getsignal(signal.SIGINT)
    if not callable(python_handler) or (_handler is not None and _sigint_action().handler == _handler):
        return  # SIGINT ignored or left to the default, or ours in place
    # Ours chains to Python's C handler, never to another's: LLVM installs one when it writes a file,
    # which restores and re-raises the handler it replaced (ours): chained to, it would loop.
    signal.signal(signal.SIGINT, python_handler)
    if _handler is None:
        _handler, _handler_owner = state[2], owner
    python = _sigint_action()
    FLAG[1] = python.handler  # before the handler that calls it is in place
    ours = _SigAction(_handler, python.mask, python.flags | _SA_SIGINFO, None)
    _libc.sigaction(signal.SIGINT, ctypes.byref(ours), None)


def _sigint_action() -> _SigAction:
    current = _SigAction()
    _libc.sigaction(signal.SIGINT, None, ctypes.byref(current))
    return current


def raise_interrupt() -> NoReturn:
    """After a call stopped on the flag: runs Python's SIGINT handler now (its `KeyboardInterrupt`, as
    Python raises after any Ctrl-C), and raises `KeyboardInterrupt` if the handler did not raise."""
    ctypes.pythonapi.PyErr_CheckSignals()
    raise KeyboardInterrupt
