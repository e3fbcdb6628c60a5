"""Compiled functions as files: `export` writes one, `load` runs it where no compiler is installed.

`export(compiled, path, example_args)` compiles what `compiled` (a `zyg.jit`, `zyg.compile_grad` or
`zyg.jacobian` function) computes for arguments like `example_args`, optimised for a CPU baseline
(`zyg.cpu_baselines`, x86-64-v3 by default) rather than this machine's CPU, and writes it as one
artefact (`zyg.artefact`, the disk cache's format): the shared library, its ABI and run-time checks,
the argument structures it takes, how its results are arranged, and the values it holds fixed.

`load(path)` needs NumPy, zyg's own package and the system's C runtime, not xDSL or the MLIR bindings
(code that multiplies matrices calls the OpenBLAS of the `scipy-openblas64` wheel, else the copy of it
NumPy's wheel carries). The function it
returns takes arguments of the exported structures and types (arrays of any shape of the exported
ranks and dtypes) and returns what the compiled function returned for them.

Held fixed in the file: the values of the globals and closure variables the function read (a compiled
function reads them at each call; an exported one holds those of the export) and of the default
arguments the example did not pass.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence

import numpy as np

from zyg import api, cpu_baselines, devices, jacobians
from zyg import argnums as wrt_arguments
from zyg.artefact import (
    LIBRARY,
    ArtefactError,
    array_bytes,
    array_from,
    describe,
    load_code,
    pack,
    section,
    structure,
    unpack,
)
from zyg.backend import cuda
from zyg.compiler import compile_portable
from zyg.errors import ZygTypeError
from zyg.frontend.source import function_location
from zyg.frontend.trees import LEAF, NotDescribable, TreeDef, flatten, tree_from_description, type_name
from zyg.typecodes import type_code_of

_REQUESTS = {api.JitFunction: "primal", api.GradFunction: "grad", api.JacobianFunction: "jacobian"}
_FIXED = "fixed-{}"  # the section of the k-th value held fixed


@api._user_facing
def export(compiled: api.JitFunction | api.GradFunction | api.JacobianFunction, path: str | os.PathLike,
           example_args: Sequence, cpu: str | None = None, gpu: str | None = None) -> None:
    """Writes `compiled`, for arguments of the structures and types of `example_args`, to `path`.

    Args:
        compiled: what `zyg.jit`, `zyg.compile_grad` or `zyg.jacobian` returned.
        path: the file to write (replaced whole if it exists).
        example_args: the arguments of a call, as a sequence (their values are not kept).
        cpu: the CPU baseline to compile for (`x86-64`, `x86-64-v2`, `x86-64-v3`, `x86-64-v4` on
            x86-64; `generic` on AArch64); None for the default, x86-64-v3.
        gpu: for a function compiled with `device="gpu"`, the oldest CUDA compute capability its
            kernels run on ("8.0"); None for this machine's GPU, else 9.0.

    Raises:
        ZygTypeError: for something else than those compiled functions, or a function that calls
            back into Python (`zyg.host`), which needs the process that compiled it.
        ValueError: for an unknown CPU baseline.
        LoweringError: without a system linker (`cc`, `gcc`, `clang` or `ld`).
    """
    request = _REQUESTS.get(type(compiled))
    if request is None:
        raise ZygTypeError(f"zyg.export takes what zyg.jit, zyg.compile_grad or zyg.jacobian returned, got "
                           f"{type(compiled).__name__}")
    cpu = cpu_baselines.check(cpu_baselines.default_cpu() if cpu is None else cpu)
    target = _gpu_target(gpu) if compiled.device == devices.GPU else None
    f, args = compiled.f, tuple(example_args)
    values = args if api._takes_exactly(f, args) else api._parameter_values(f, args)
    signature, leaves = api._signature(f, values)
    portable = compile_portable(f, signature, request, compiled._wrt(signature), cpu, compiled.device, target)
    passed_leaves = sum(tree.leaf_count for tree in signature[: len(args)])
    fixed = list(leaves[passed_leaves:])  # of the defaults filled in
    for value, tree in zip(portable.free_values, portable.free_trees, strict=True):
        found, parts = flatten(value, type_code_of)
        if found != tree:
            raise ZygTypeError(f"the globals '{f.__qualname__}' reads changed while it was compiled",
                               function_location(f))
        fixed += parts
    try:
        trees = {**describe(portable.abis, portable.checks, portable.needs, portable.return_tree, portable.free_trees),
                 "signature": [tree.describe() for tree in signature]}
        for description in (trees["return_tree"], *trees["free_trees"], *trees["signature"]):
            tree_from_description(description)  # each class found again by its name
    except (NotDescribable, LookupError) as exc:
        raise ZygTypeError(f"'{f.__qualname__}' takes or returns a structure whose class cannot be found again by "
                           f"name in another process ({exc}); define it at module level to export",
                           function_location(f)) from None
    code = f.__code__
    header = {
        **trees,
        "cpu": cpu,
        "cpu_features": cpu_baselines.features(cpu),
        "device": compiled.device,
        "gpu_chip": None if target is None else target.chip,
        "function": f.__qualname__,
        "request": request,
        "argnums": list(compiled.argnums) if isinstance(compiled.argnums, tuple) else compiled.argnums,
        "passed": len(args),
        "positional": code.co_argcount,
        "varargs": bool(code.co_flags & api._VARARGS),
        "exact": api._takes_exactly(f, args),
        "fixed": [type(value) is not np.ndarray for value in fixed],  # a scalar, given back as a Python one
    }
    sections = {LIBRARY: portable.library, **{_FIXED.format(k): array_bytes(v) for k, v in enumerate(fixed)}}
    _write_whole(os.fspath(path), pack(header, sections))


def load(path: str | os.PathLike) -> ExportedFunction:
    """The function exported to `path` by `export`, ready to call. Loading runs the file's machine code:
    load only files you trust, as with `pickle` (the disk cache, unlike this, loads only what the
    user's own zyg signed).

    Raises:
        ArtefactError: if the file is not an exported function of this zyg, or was compiled for another
            system, processor or a CPU with features this one lacks.
        OSError: if the file, or a library the code needs, cannot be read or loaded.
    """
    with open(path, "rb") as f:
        header, body = unpack(f.read())
    if "request" not in header:
        raise ArtefactError(f"{os.fspath(path)} is a disk cache entry, not an exported function")
    missing = cpu_baselines.missing_features(header["cpu_features"])
    if missing:
        raise ArtefactError(f"{os.fspath(path)} was compiled for {header['cpu']} CPUs; this CPU lacks "
                            f"{', '.join(missing)} (export it again with an older cpu=...)")
    if header["device"] == devices.GPU:
        _require_gpu(header["gpu_chip"], os.fspath(path))
    natives, return_tree, _ = load_code(header, section(header, body, LIBRARY))
    fixed = [array_from(section(header, body, _FIXED.format(k))) for k in range(len(header["fixed"]))]
    fixed = [value.item() if scalar else value for value, scalar in zip(fixed, header["fixed"], strict=True)]
    return ExportedFunction(header, natives, return_tree, fixed)


class ExportedFunction:
    """A function `load` read: call it with arguments of the structures and types it was exported for."""

    def __init__(self, header: dict, natives: dict, return_tree: TreeDef, fixed: list):
        self.__name__ = self.__qualname__ = header["function"]
        self.request = header["request"]
        self.signature = tuple(structure(t) for t in header["signature"])
        self.cpu = header["cpu"]
        self._native = natives[api.ENTRY]
        self._fixed = fixed
        self._passed = header["passed"]
        self._ints = api._int_positions(self.signature[: self._passed])
        self._finish = self._finisher(header, return_tree)

    def __repr__(self) -> str:
        types = ", ".join(type_name(tree) for tree in self.signature[: self._passed])
        return f"<zyg exported {self.request} of {self.__name__}({types}) for {self.cpu}>"

    @api._user_facing
    def __call__(self, *args):
        if len(args) != self._passed:
            raise ZygTypeError(f"'{self.__name__}' was exported for {self._passed} argument"
                               f"{'' if self._passed == 1 else 's'}, got {len(args)}")
        leaves: list = []
        for index, (value, expected) in enumerate(zip(args, self.signature, strict=False)):
            tree, parts = flatten(value, type_code_of, f"argument {index}", f" of '{self.__name__}'")
            if tree != expected:
                raise ZygTypeError(f"argument {index} of '{self.__name__}' is {type_name(tree)}; it was exported "
                                   f"for {type_name(expected)}")
            leaves += parts
        for position, index in self._ints:
            if not api.INT64_MIN <= leaves[position] <= api.INT64_MAX:
                raise OverflowError(f"argument {index} of '{self.__name__}' holds {int(leaves[position])}, which "
                                    "does not fit in int64")
        return self._finish(self._native(*leaves, *self._fixed))

    def _finisher(self, header: dict, return_tree: TreeDef) -> Callable[[tuple], object]:
        """How the native results become what the compiled function returned."""
        if self.request == "primal":
            if return_tree.kind == LEAF:
                return lambda results: results[0]
            return lambda results: api._python_result(return_tree, results)
        argnums = tuple(header["argnums"]) if isinstance(header["argnums"], list) else header["argnums"]
        arrange = (wrt_arguments.arranger if self.request == "grad" else jacobians.arranger)(argnums, self.signature)
        if argnums is not None or header["exact"]:
            return arrange
        positional, varargs, passed = header["positional"], header["varargs"], self._passed
        return lambda results: api.per_argument(positional, varargs, passed, arrange(results))


def _gpu_target(capability: str | None) -> cuda.Target:
    """The PTX target of compute capability "major.minor" (None: this machine's GPU, else the default).

    Raises:
        ValueError: for a capability that is not "major.minor".
    """
    if capability is None:
        return cuda.target()
    try:
        major, minor = (int(part) for part in capability.split("."))
    except ValueError:
        raise ValueError(f"gpu={capability!r}: give a CUDA compute capability as 'major.minor', e.g. '8.0'") from None
    return cuda.target_for((major, minor))


def _require_gpu(chip: str, path: str) -> None:
    """Raises unless this machine has a CUDA device that runs PTX for `chip` ("sm_80").

    Raises:
        NoGpuError: without a driver or a device (`cuda.require_device`).
        ArtefactError: when the device is older than `chip`.
    """
    cuda.require_device()
    have = cuda.device_capability()
    need = (int(chip[3:-1]), int(chip[-1]))
    if have < need:
        raise ArtefactError(f"{path} was compiled for CUDA devices of compute capability {need[0]}.{need[1]} and "
                            f"later; this one is {have[0]}.{have[1]} (export it again with gpu='{have[0]}.{have[1]}')")


def _write_whole(path: str, data: bytes) -> None:
    """Writes `data` to `path` under a temporary name first, so no reader sees part of it."""
    folder = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=".zyg-export-", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as f:
            f.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
