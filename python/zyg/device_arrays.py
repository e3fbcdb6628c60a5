"""Arrays kept on the GPU between calls: `to_device(value)` and `on_device(array)`.

In: a value a compiled function takes (an array, or tuples, lists, dicts, dataclasses and NamedTuples
of arrays and other leaves). Out: the same value with each NumPy array copied into CUDA managed memory,
as a plain `np.ndarray` over it; the other leaves as they were.

Why managed memory behind a plain `ndarray`: kernels reach it without a copy (each launch asks the
driver whether a buffer is managed memory and stages only those that are not: `lower_gpu._staged`),
while host code, the compiled CPU code and NumPy read and write it as any array (the driver migrates
its pages to wherever they are touched). The results of a `device="gpu"` compile are in managed memory
too (`backend.gpu_heap`), so `g(f(x))` copies nothing between the calls. A buffer is freed
(`cuMemFree`) when the last array viewing it is collected. Launches are synchronous, so the host never
touches a buffer while a kernel uses it.

The driver is called through ctypes in device 0's primary context, which compiled GPU code uses too
(`backend.cuda_wrappers`).
"""

from __future__ import annotations

import ctypes

import numpy as np

from zyg.backend import cuda
from zyg.errors import GpuError
from zyg.frontend.trees import build_python, flatten, unflatten
from zyg.typecodes import type_code_of

_MEM_ATTACH_GLOBAL = 1  # CUmemAttach_flags: any stream may use it
_POINTER_IS_MANAGED = 8  # CUpointer_attribute
_drivers: dict[str, tuple[ctypes.CDLL, ctypes.c_void_p]] = {}  # by library path: loaded once


def to_device(value: object) -> object:
    """`value` with each NumPy array in it copied into GPU (managed) memory, as a plain `np.ndarray`.

    A `device="gpu"` function reads such an array without copying it, and its own array results are
    already such arrays; NumPy and CPU code read and write it as any other array.

    Raises:
        NoGpuError: without a CUDA driver or device, saying which is missing.
        GpuError: if the driver cannot allocate the memory.
        ZygTypeError: for a part of `value` no compiled function takes, naming its path.
    """
    driver, context = _driver()
    tree, leaves = flatten(value, type_code_of, "the value", " given to zyg.to_device")
    moved = [_managed_copy(driver, context, leaf) if isinstance(leaf, np.ndarray) else leaf for leaf in leaves]
    return unflatten(tree, moved, build_python)


def on_device(array: object) -> bool:
    """Whether `array` is a NumPy array in GPU (managed) memory: made by `to_device`, or a result of a
    `device="gpu"` function. False where there is no CUDA driver or device."""
    if not isinstance(array, np.ndarray) or array.size == 0 or cuda.missing() is not None:
        return False
    driver, context = _driver()
    answer = ctypes.c_uint(0)
    with _current(driver, context):
        status = driver.cuPointerGetAttribute(ctypes.byref(answer), _POINTER_IS_MANAGED,
                                              ctypes.c_uint64(array.__array_interface__["data"][0]))
    return status == 0 and answer.value != 0


class _ManagedBuffer:
    """A block of managed memory seen as an array (`__array_interface__`); freed when collected."""

    def __init__(self, driver: ctypes.CDLL, context: ctypes.c_void_p, shape: tuple, dtype: np.dtype):
        self._driver, self._context = driver, context
        self.address = ctypes.c_uint64(0)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        with _current(driver, context):
            status = driver.cuMemAllocManaged(ctypes.byref(self.address), ctypes.c_size_t(nbytes),
                                              _MEM_ATTACH_GLOBAL)
        if status != 0:
            self.address = None
            raise GpuError(f"the CUDA driver could not allocate {nbytes} bytes of managed memory (CUresult {status})")
        self.__array_interface__ = {"shape": tuple(shape), "typestr": dtype.str, "data": (self.address.value, False),
                                    "version": 3}

    def __del__(self):
        if getattr(self, "address", None) is not None:
            with _current(self._driver, self._context):
                self._driver.cuMemFree_v2(self.address)  # nothing to do if it fails: no exception from __del__


def _managed_copy(driver: ctypes.CDLL, context: ctypes.c_void_p, array: np.ndarray) -> np.ndarray:
    """A C-ordered copy of `array` in managed memory (an empty array has no memory to place)."""
    if array.size == 0:
        return np.empty_like(array, order="C")
    copy = np.asarray(_ManagedBuffer(driver, context, array.shape, array.dtype))
    copy[...] = array
    return copy


class _current:
    """Makes `context` the calling thread's current CUDA context for a `with` block."""

    def __init__(self, driver: ctypes.CDLL, context: ctypes.c_void_p):
        self._driver, self._context = driver, context

    def __enter__(self):
        self._driver.cuCtxPushCurrent_v2(self._context)

    def __exit__(self, *exc):
        self._driver.cuCtxPopCurrent_v2(ctypes.byref(ctypes.c_void_p()))


def _driver() -> tuple[ctypes.CDLL, ctypes.c_void_p]:
    """The CUDA driver (the library compiled GPU code loads: `cuda.runtime_library`) and the primary
    context of device 0, retained once per library.

    Raises:
        NoGpuError: without a driver or device.
        GpuError: if the driver cannot start or make the context.
    """
    path = cuda.runtime_library()
    if path not in _drivers:
        driver = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        driver.cuCtxPushCurrent_v2.argtypes = [ctypes.c_void_p]
        device, context = ctypes.c_int(0), ctypes.c_void_p()
        for call, status in (("cuInit", lambda: driver.cuInit(0)),
                             ("cuDeviceGet", lambda: driver.cuDeviceGet(ctypes.byref(device), 0)),
                             ("cuDevicePrimaryCtxRetain",
                              lambda: driver.cuDevicePrimaryCtxRetain(ctypes.byref(context), device))):
            code = status()
            if code != 0:
                raise GpuError(f"the CUDA driver failed in {call} (CUresult {code})")
        _drivers[path] = (driver, context)
    return _drivers[path]
