"""A generated program: its source, the argument points to check it at, and how to import it.

Programs go in as source text; `load` writes the text to a real .py file (zyg reads a function's
source with `inspect.getsource`) and imports it. Every program defines `f` (and, at module level,
the dataclasses and NamedTuples its values use); one whose `f` returns a structure also defines
`loss`, a float function of the same arguments that calls `f`.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import tempfile
import types
from dataclasses import dataclass, field

from zyg.fuzz.trees import format_value

_module_ids = itertools.count()
_module_dir: str | None = None


@dataclass(frozen=True)
class Program:
    """One random program.

    `kind` is "scalar" (`f(x, y, k, ...)`) or "array" (`f(a, b, s, ...)`), where "..." are
    structured arguments; `points` are tuples of argument specs (see `trees.spec`); `constructs`
    names the gated constructs (see `constructs.py`) the source uses.
    """

    kind: str
    seed: int
    source: str
    points: tuple[tuple, ...]
    constructs: frozenset[str] = field(default_factory=frozenset)


def load(source: str) -> types.ModuleType:
    """Imports `source` as a fresh module (one per call, so zyg never mixes two versions)."""
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
    return module


def format_args(args: tuple) -> str:
    """Argument specs as Python source that rebuilds them exactly (in the program's module)."""
    return format_value(tuple(args))
