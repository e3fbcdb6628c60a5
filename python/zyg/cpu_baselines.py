"""The CPUs exported code is compiled for: named baselines, not the exporting machine's own CPU.

In: a baseline's name (LLVM's CPU names for the x86-64 psABI levels; `generic` ARMv8-A on AArch64).
Out: the default for this processor architecture (`default_cpu`), whether a name is one zyg exports for
(`check`), and which of the features a baseline needs this machine lacks (`missing_features`, from
`/proc/cpuinfo`), so that loading code for a newer CPU is a clear error, not an illegal instruction.

Why x86-64-v3 by default: AVX2 and FMA (every x86-64 server and desktop CPU sold since about 2015)
double the width of the vector loops zyg compiles; `cpu="x86-64-v2"` runs on CPUs back to about 2009.
"""

from __future__ import annotations

import platform

# The /proc/cpuinfo flags each x86-64 level adds to the one before (`pni` is SSE3, `abm` LZCNT).
_X86_64_LEVELS = {
    "x86-64": ("lm", "cmov", "cx8", "fpu", "fxsr", "mmx", "sse", "sse2"),
    "x86-64-v2": ("cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3"),
    "x86-64-v3": ("avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"),
    "x86-64-v4": ("avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"),
}
_BASELINES = {"x86_64": tuple(_X86_64_LEVELS), "aarch64": ("generic",)}
_DEFAULTS = {"x86_64": "x86-64-v3", "aarch64": "generic"}
_ALIASES = {"AMD64": "x86_64", "arm64": "aarch64"}


def architecture() -> str:
    """This machine's processor architecture, as zyg names it (`x86_64`, `aarch64`, ...)."""
    name = platform.machine()
    return _ALIASES.get(name, name)


def default_cpu() -> str:
    """The baseline exported code is compiled for unless another is asked for.

    Raises:
        ValueError: on an architecture zyg does not export for.
    """
    arch = architecture()
    if arch not in _DEFAULTS:
        raise ValueError(f"zyg does not export code for {arch} processors")
    return _DEFAULTS[arch]


def check(cpu: str) -> str:
    """`cpu` if it is a baseline zyg exports for on this architecture.

    Raises:
        ValueError: naming the baselines there are.
    """
    choices = _BASELINES.get(architecture(), ())
    if cpu not in choices:
        raise ValueError(f"unknown CPU baseline {cpu!r} for {architecture()}; choose one of {', '.join(choices)}"
                         if choices else f"zyg does not export code for {architecture()} processors")
    return cpu


def features(cpu: str) -> list[str]:
    """The `/proc/cpuinfo` flags a machine needs to run code compiled for `cpu` (none known: [])."""
    if cpu not in _X86_64_LEVELS:
        return []
    levels = list(_X86_64_LEVELS)
    return [flag for level in levels[: levels.index(cpu) + 1] for flag in _X86_64_LEVELS[level]]


def missing_features(needed: list[str]) -> list[str]:
    """The flags of `needed` this machine's CPU lacks; [] when it has them all, or when it cannot tell
    (no `/proc/cpuinfo`)."""
    if not needed:
        return []
    try:
        with open("/proc/cpuinfo") as info:
            line = next((line for line in info if line.startswith("flags")), None)
    except OSError:
        return []
    if line is None:
        return []
    have = set(line.split(":", 1)[1].split())
    return [flag for flag in needed if flag not in have]
