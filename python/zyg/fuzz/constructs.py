"""The constructs the generators can hold back: names in, a decision per name out.

Each gated construct can be held back while it trips a known zyg bug, so a fixed-seed run stays
green while the fix is under way: add its name to `HELD_BACK` (with the bug in a comment), and
delete it once the fix is merged. `--all-constructs` on the command line generates them all for one
run. The constructs below were held back for the bugs of issue 10, all fixed now.
"""

from __future__ import annotations

# name -> the construct it gates
GATED: dict[str, str] = {
    "hypot": "math.hypot / np.hypot (no derivative at the origin)",
    "raw_sqrt": "math.sqrt(abs(v)) (an infinite derivative at v = 0)",
    "tied_max": "np.max / np.min reductions, and arrays of equal elements (s * np.ones(n)) that tie",
    "nan_args": "NaN in the argument points (np.maximum / np.minimum / np.clip must propagate it)",
    "ravel": ".ravel() of computed arrays",
    "scalar_matmul": "a 1-D @ 1-D product used as a float",
    "containers": "tuples, lists and dicts of floats: literals, indexing, unpacking, updates, comprehensions",
    "structures": "structured arguments (tuples, lists, dicts of floats, ints and arrays, nested), and statements"
                  " over structures: copies, updates, unpacking, loops, run-time indices, lists grown by append",
    "struct_results": "structured results, checked leaf by leaf, through a float `loss` and through `zyg.pullback`",
    "classes": "dataclasses and NamedTuples in structures (`dataclasses.replace`, `_replace`, attributes)",
}

HELD_BACK: frozenset[str] = frozenset()

ALL: frozenset[str] = frozenset(GATED)


def enabled(include_held_back: bool) -> frozenset[str]:
    """The gated constructs a generator may use."""
    return ALL if include_held_back else ALL - HELD_BACK
