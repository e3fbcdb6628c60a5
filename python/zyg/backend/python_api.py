"""The CPython and NumPy addresses a compiled module's Python entries use: one table per process.

In: this process's CPython and NumPy, and the capsule destructor of the first module loaded. Out:
`table(free_capsule, owner)`, the address of a table of `entry_abi.PYTHON_API`'s words, which the loader
puts in each module's state (`jit.connect_runtime`) and `zyg.backend.python_entry`'s code reads; and
`builtin(address, name, keep)`, which makes a Python builtin of such an entry (`retarget` points it at
another compile of the entry).

Why a table filled here: the compiled code is cached as a shared library (`zyg.disk_cache`) and loaded
by other processes, so it holds none of this one's addresses. The objects in it are compared by identity
(the exact types, `True`, NumPy's dtype singletons); the offsets of object fields are this build's.
The capsule destructor of a result buffer must outlive every array: it is the first loaded module's,
whose code is kept for good (as `interrupts` keeps its SIGINT handler's); that of a GPU compile's result,
which may be managed memory (`gpu_heap`), is the first loaded GPU module's, kept likewise.
"""

from __future__ import annotations

import ctypes

import numpy as np

from zyg.entry_abi import PYTHON_API

_METH_FASTCALL = 0x0080  # Include/methodobject.h
_POINTER = ctypes.sizeof(ctypes.c_void_p)
_DTYPES = {"float64": np.dtype(np.float64), "float32": np.dtype(np.float32), "int64": np.dtype(np.int64),
           "bool_": np.dtype(np.bool_)}
_NUMPY_FUNCTIONS = {"PyArray_NewFromDescr": 94, "PyArray_SetBaseObject": 282}  # numpy/__multiarray_api.h
_table: ctypes.Array | None = None
_free_owner: object = None  # what keeps the capsule destructor's code loaded, for good
_device_free_owner: object = None  # what keeps the device buffers' capsule destructor's code loaded


class _MethodDef(ctypes.Structure):
    """CPython's `PyMethodDef`."""

    _fields_ = [("name", ctypes.c_char_p), ("function", ctypes.c_void_p), ("flags", ctypes.c_int),
                ("doc", ctypes.c_char_p)]


# Prototypes of their own, so as not to change `ctypes.pythonapi`'s for others.
_new_builtin = ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.c_void_p, ctypes.py_object, ctypes.c_void_p)(
    ("PyCFunction_NewEx", ctypes.pythonapi))
_capsule_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", ctypes.pythonapi))


def table(free_capsule: int, owner: object, device: bool = False) -> int:
    """The address of the process's table, filled on the first call with the capsule destructor at
    `free_capsule` in the code `owner` keeps loaded; the first call for a GPU module (`device`) fills in
    the destructor of device buffers the same way."""
    global _table, _free_owner, _device_free_owner
    if _table is None:
        _free_owner = owner
        words = _words(free_capsule)
        _table = (ctypes.c_void_p * len(PYTHON_API))(*(words[name] for name in PYTHON_API))
    device_word, host_word = PYTHON_API.index("free_device_capsule"), PYTHON_API.index("free_capsule")
    if device and not _table[device_word]:
        _device_free_owner = owner
        _table[device_word] = free_capsule
    elif not device and _table[host_word] == _table[device_word]:
        # The first module was a GPU module, whose destructor asks the driver about every buffer: the
        # first CPU module's serves CPU results from now on (capsules made before keep theirs, kept too).
        _free_owner = owner
        _table[host_word] = free_capsule
    return ctypes.addressof(_table)


def builtin(address: int, name: str, keep: list) -> tuple[object, _MethodDef]:
    """A Python builtin of the METH_FASTCALL C function at `address`, which keeps `keep` (what keeps the
    code loaded) alive as long as it lives, and its method definition (see `retarget`)."""
    method = _MethodDef(name.encode(), address, _METH_FASTCALL, None)
    # The builtin's `self` holds the method definition, which it points at, and the code's owners.
    return _new_builtin(ctypes.addressof(method), (method, keep), None), method


def retarget(method: _MethodDef, address: int) -> None:
    """Makes the builtins of `method` call the function at `address` (of the same signature) from now on.
    CPython reads the function from the definition at each call, with the GIL held, as this writes it."""
    method.function = address


def _words(free_capsule: int) -> dict[str, int]:
    api = ctypes.pythonapi
    words = {name: _function(getattr(api, name)) for name in PYTHON_API if name.startswith("Py")
             and name not in _NUMPY_FUNCTIONS}
    numpy_api = _numpy_api()
    words.update({name: numpy_api[index] for name, index in _NUMPY_FUNCTIONS.items()})
    words.update({"float": id(float), "int": id(int), "bool": id(bool), "True": id(True),
                  "NotImplemented": id(NotImplemented), "ndarray": id(np.ndarray)})
    words.update({name: id(dtype) for name, dtype in _DTYPES.items()})
    words["free_capsule"] = free_capsule
    words["free_device_capsule"] = 0  # until a GPU module is loaded (`table`)
    # ob_type is the last word of the object header; a float's value and an array's fields follow it.
    words["type_offset"] = object.__basicsize__ - _POINTER
    words["float_value_offset"] = object.__basicsize__
    words["array_fields_offset"] = object.__basicsize__
    return words


def _function(function) -> int:
    return ctypes.cast(function, ctypes.c_void_p).value


def _numpy_api() -> ctypes.Array:
    """NumPy's C API table, as `import_array()` finds it."""
    try:
        from numpy._core import _multiarray_umath as multiarray
    except ImportError:  # NumPy 1
        from numpy.core import _multiarray_umath as multiarray
    address = _capsule_pointer(multiarray._ARRAY_API, None)
    return (ctypes.c_void_p * (max(_NUMPY_FUNCTIONS.values()) + 1)).from_address(address)
