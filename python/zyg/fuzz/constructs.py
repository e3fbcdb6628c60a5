"""The constructs the generators can hold back: names in, a decision per name out.

Each name gates one construct that currently trips a known zyg bug, so a fixed-seed run stays green
while the fix is under way. Delete a name from `HELD_BACK` once its fix is merged; the generators
then produce that construct again (`--all-constructs` on the command line does it for one run).
"""

from __future__ import annotations

# name -> the bug it trips while held back
KNOWN_BUGS: dict[str, str] = {
    "hypot": "math.hypot / np.hypot: NaN gradient at 0 even where the value does not reach the result",
    "raw_sqrt": "math.sqrt(abs(v)): NaN gradient at v = 0 even where the value does not reach the result",
    "tied_max": "np.max / np.min over tied elements (s * np.ones(n)): gradient counted once per tie",
    "nan_args": "NaN arguments: np.maximum / np.minimum / np.clip drop NaN",
    "ravel": "t = 0.5 * c.ravel(); np.sum(t * t) aborts the process while compiling",
    # found by this fuzzer (reproducer in the `fuzz` branch's report): `c[i] += b @ a` in a loop
    "scalar_matmul": "a 1-D @ 1-D product where a float is expected: LoweringError (SSA value index vs i64)",
}

HELD_BACK: frozenset[str] = frozenset(KNOWN_BUGS)

ALL: frozenset[str] = frozenset(KNOWN_BUGS)


def enabled(include_held_back: bool) -> frozenset[str]:
    """The gated constructs a generator may use."""
    return ALL if include_held_back else ALL - HELD_BACK
