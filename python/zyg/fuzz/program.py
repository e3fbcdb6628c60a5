"""A generated program: its source, the argument points to check it at, and how to import it.

Programs go in as source text; `load` writes the text to a real .py file (zyg reads a function's
source with `inspect.getsource`) and returns the module's function `f`.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import tempfile
from dataclasses import dataclass, field

import numpy as np

_module_ids = itertools.count()
_module_dir: str | None = None


@dataclass(frozen=True)
class Program:
    """One random program.

    `kind` is "scalar" (`f(x, y, k)`) or "array" (`f(a, b, s)`); `points` are argument tuples;
    `constructs` names the gated constructs (see `constructs.py`) the source uses.
    """

    kind: str
    seed: int
    source: str
    points: tuple[tuple, ...]
    constructs: frozenset[str] = field(default_factory=frozenset)


def load(source: str):
    """Imports `source` as a fresh module (one per call, so zyg never mixes two versions) and returns `f`."""
    global _module_dir
    if _module_dir is None:
        _module_dir = tempfile.mkdtemp(prefix="zyg-fuzz-")
    name = f"zyg_fuzz_program_{os.getpid()}_{next(_module_ids)}"
    path = os.path.join(_module_dir, name + ".py")
    with open(path, "w") as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.f


def format_args(args: tuple) -> str:
    """`args` as Python source that rebuilds them exactly (floats by repr, arrays by their lists)."""
    parts = [f"np.array({a.tolist()!r})" if isinstance(a, np.ndarray) else repr(a) for a in args]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
