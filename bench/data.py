"""Where the ADBench data files are, and readers for their formats (../shared/data/README.md).

The directory is `$ZYG_BENCH_DATA` if set, else the first `shared/data/adbench` found next to or
above the repository (the project keeps it at `../shared/data/adbench`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def adbench_dir() -> Path | None:
    """The ADBench data directory, or None when it is not on this machine."""
    configured = os.environ.get("ZYG_BENCH_DATA")
    if configured:
        return Path(configured)
    here = Path(__file__).resolve().parent
    for parent in here.parents:
        candidate = parent / "shared" / "data" / "adbench"
        if candidate.is_dir():
            return candidate
    return None


def data_file(relative: str) -> Path:
    """The path of an ADBench file; FileNotFoundError names what is missing and how to point at it."""
    root = adbench_dir()
    if root is None or not (root / relative).exists():
        raise FileNotFoundError(f"ADBench file {relative} not found; set ZYG_BENCH_DATA to the adbench directory")
    return root / relative


def read_gmm(relative: str) -> tuple:
    """`alphas (K,), means (K, d), icf (K, d + d(d-1)/2), x (n, d), gamma, m` of a GMM file."""
    tokens = data_file(relative).read_text().split()
    d, k, n = (int(t) for t in tokens[:3])
    values = np.array(tokens[3:], dtype=np.float64)
    icf_width = d + d * (d - 1) // 2
    sizes = [k, k * d, k * icf_width, n * d]
    parts, start = [], 0
    for size in sizes:
        parts.append(values[start:start + size])
        start += size
    alphas, means, icf, x = parts
    gamma, m = values[start], values[start + 1]
    return alphas, means.reshape(k, d), icf.reshape(k, icf_width), x.reshape(n, d), float(gamma), float(m)


def read_lstm(relative: str) -> tuple:
    """`main_params (2l, 4b), extra_params (3, b), state (2l, b), sequence (c, b)` of an LSTM file."""
    lines = data_file(relative).read_text().splitlines()
    layers, chars, _ = (int(t) for t in lines[0].split())
    rows = [np.array(line.split(), dtype=np.float64) for line in lines[1:] if line.strip()]
    main, rows = np.stack(rows[:2 * layers]), rows[2 * layers:]
    extra, rows = np.stack(rows[:3]), rows[3:]
    state, rows = np.stack(rows[:2 * layers]), rows[2 * layers:]
    return main, extra, state, np.stack(rows[:chars])
