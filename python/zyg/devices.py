"""The devices a compile may target: `device="cpu"` (the default) or `device="gpu"`.

In: what the user passed as `device`. Out: the checked name, part of a compile's identity (its memory
and disk cache keys). What a GPU compile builds is `zyg.backend.lower_gpu`'s; whether it can run,
`zyg.backend.cuda`'s.
"""

from __future__ import annotations

CPU = "cpu"
GPU = "gpu"
DEVICES = (CPU, GPU)


def checked(device: object) -> str:
    """`device` if zyg compiles for it.

    Raises:
        ValueError: for any other value, naming the devices there are.
    """
    if not isinstance(device, str) or device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; choose one of {', '.join(map(repr, DEVICES))}")
    return device
