"""The CUDA driver as `device="gpu"` needs it: is there one, is there a device, which PTX target.

In: nothing but the process's dynamic loader. Out: `require_device` (raises `NoGpuError` naming what is
missing), `target` (the `nvvm` chip and PTX features to compile for), `runtime_library` (the driver,
which compiled GPU code calls through zyg's own `mgpu*` functions, `cuda_wrappers`) and
`failure_message` (a failed driver call's error). Neither xDSL nor the MLIR bindings are loaded here.

The driver is probed through ctypes (`cuInit`, `cuDeviceGetCount`, `cuDeviceGet`,
`cuDeviceGetAttribute`) before GPU code is loaded: code that needs `libcuda.so.1` fails to load without
one, with a loader message that names neither the driver nor zyg.

Without a device, code is compiled for `DEFAULT_CAPABILITY`, so `ir("ptx")` works on any machine.
"""

from __future__ import annotations

import ctypes
import functools
from typing import NamedTuple

from zyg.errors import NoGpuError

DRIVER = "libcuda.so.1"

# The driver calls zyg's `mgpu*` functions make (`cuda_wrappers`), numbered as a failure reports them.
CALLS = ("cuInit", "cuDeviceGet", "cuDevicePrimaryCtxRetain", "cuCtxPushCurrent_v2", "cuCtxPopCurrent_v2",
         "cuModuleLoadDataEx", "cuModuleGetFunction", "cuLaunchKernel", "cuStreamSynchronize",
         "cuMemAllocManaged", "cuMemAlloc_v2", "cuMemFree_v2", "cuMemcpyAsync", "cuModuleUnload")

DEFAULT_CAPABILITY = (9, 0)  # what PTX is built for when no device says otherwise (Hopper)

# Compute capability -> the oldest PTX ISA version (x10) that LLVM's NVPTX back end accepts for that
# chip. The oldest, because the driver JIT-compiles the PTX and an older driver refuses a newer ISA.
# A device newer than every entry gets the newest chip here: PTX runs on later GPUs.
PTX_VERSIONS = {(6, 0): 50, (6, 1): 50, (7, 0): 60, (7, 5): 63, (8, 0): 70, (8, 6): 71, (8, 9): 78,
                (9, 0): 78}

_CUDA_SUCCESS, _CUDA_ERROR_NO_DEVICE = 0, 100
_ATTRIBUTE_MAJOR, _ATTRIBUTE_MINOR = 75, 76  # CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_{MAJOR,MINOR}


class Target(NamedTuple):
    """What `nvvm-attach-target` is given: the chip (`sm_90`) and the PTX features (`+ptx78`)."""

    chip: str
    features: str


class _Probe(NamedTuple):
    """What probing the driver found: the first device's compute capability, or why there is none."""

    capability: tuple[int, int] | None
    missing: str | None


def missing() -> str | None:
    """What this process lacks to run GPU code ("no CUDA driver (libcuda.so.1) found", "no CUDA
    device (...)"), or None when it lacks nothing."""
    return _probe().missing


def require_device() -> None:
    """Returns if this process can run GPU code; raises `NoGpuError` naming what is missing otherwise.

    Raises:
        NoGpuError: no CUDA driver (`libcuda.so.1`) can be loaded, or the driver finds no device.
    """
    lack = missing()
    if lack is not None:
        raise NoGpuError(f'device="gpu" cannot run here: {lack}')


def device_capability() -> tuple[int, int] | None:
    """The first CUDA device's compute capability, or None without a driver or device."""
    return _probe().capability


def target() -> Target:
    """The target of the first CUDA device, or of `DEFAULT_CAPABILITY` when there is none."""
    capability = device_capability()
    return target_for(capability if capability is not None else DEFAULT_CAPABILITY)


def target_for(capability: tuple[int, int]) -> Target:
    """The newest chip of `PTX_VERSIONS` no newer than `capability`, and its PTX version.

    Raises:
        NoGpuError: the device is older than every chip zyg compiles for.
    """
    known = [c for c in PTX_VERSIONS if c <= capability]
    if not known:
        oldest = min(PTX_VERSIONS)
        raise NoGpuError(f"the CUDA device has compute capability {capability[0]}.{capability[1]}; zyg compiles "
                         f"for {oldest[0]}.{oldest[1]} and later")
    chip = max(known)
    return Target(f"sm_{chip[0]}{chip[1]}", f"+ptx{PTX_VERSIONS[chip]}")


def runtime_library() -> str:
    """The library compiled GPU code needs loaded, its symbols global: the CUDA driver (the `mgpu*`
    functions it calls are its own, `cuda_wrappers`), once `require_device` has passed.

    Raises:
        NoGpuError: as `require_device`.
    """
    require_device()
    return DRIVER


def failure_message(values) -> str:
    """The message of a compiled call in which a driver call failed (status `GPU_FAILED`), from the
    values it reported: the `CUresult` and the call's number in `CALLS`."""
    status, call = values[0], values[1]
    name = CALLS[call] if 0 <= call < len(CALLS) else f"driver call {call}"
    return f"the CUDA driver failed in {name} (CUresult {status})"


@functools.cache
def _probe() -> _Probe:
    """Loads the driver and asks it for the first device's compute capability (once per process:
    the answer does not change while it runs)."""
    try:
        cuda = ctypes.CDLL(DRIVER)
    except OSError:
        return _Probe(None, f"no CUDA driver ({DRIVER}) found")
    status = cuda.cuInit(0)
    count = ctypes.c_int(0)
    if status == _CUDA_SUCCESS:
        status = cuda.cuDeviceGetCount(ctypes.byref(count))
    if status == _CUDA_ERROR_NO_DEVICE or (status == _CUDA_SUCCESS and count.value == 0):
        return _Probe(None, f"no CUDA device (the driver {DRIVER} found none)")
    if status != _CUDA_SUCCESS:
        return _Probe(None, f"no CUDA device (the driver {DRIVER} failed to start: CUresult {status})")
    device, major, minor = ctypes.c_int(0), ctypes.c_int(0), ctypes.c_int(0)
    if (cuda.cuDeviceGet(ctypes.byref(device), 0) != _CUDA_SUCCESS
            or cuda.cuDeviceGetAttribute(ctypes.byref(major), _ATTRIBUTE_MAJOR, device) != _CUDA_SUCCESS
            or cuda.cuDeviceGetAttribute(ctypes.byref(minor), _ATTRIBUTE_MINOR, device) != _CUDA_SUCCESS):
        return _Probe(None, f"no CUDA device (the driver {DRIVER} could not query device 0)")
    return _Probe((major.value, minor.value), None)
