"""Reports of one suite run: `results.md` (every cell), `chart.png` (log-scale gradient times) and the
summary table in the README between `<!-- bench:begin -->` and `<!-- bench:end -->`.

In: the run dictionary `bench.__main__` writes to `latest.json`. Out: the files, and lines to print.
"""

from __future__ import annotations

import re
from pathlib import Path

from bench.systems import PRIMAL_ONLY, SYSTEMS

README = Path(__file__).resolve().parent.parent / "README.md"
# The AD systems a user would pick instead of zyg; the hand-written NumPy gradient is the reference.
PEERS = ("jax", "torch", "autograd")
# The systems with a gradient: one column each in the summary and one bar each in the chart.
GRADIENT_SYSTEMS = tuple(s for s in SYSTEMS if s not in PRIMAL_ONLY)


def _ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"


def _cells(run: dict) -> dict[tuple[str, str], dict]:
    return {(r["case"], r["system"]): r for r in run["results"]}


def _measured(result: dict | None) -> bool:
    return result is not None and "gradient_s" in result


def _primal_measured(result: dict | None) -> bool:
    return result is not None and "primal_s" in result


def fastest_peer(run: dict, case: str) -> tuple[str, float] | None:
    """The AD peer with the smallest gradient time on `case`."""
    cells = _cells(run)
    times = [(s, cells[(case, s)]["gradient_s"]) for s in PEERS if _measured(cells.get((case, s)))]
    return min(times, key=lambda item: item[1]) if times else None


def detail_table(run: dict) -> list[str]:
    """Every cell: first gradient, primal, gradient, their ratio, peak memory and the check."""
    lines = ["| workload | system | first gradient (s) | primal (ms) | gradient (ms) | gradient/primal | "
             "peak memory (MiB) | check (max rel. error) | note |", "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    cells = _cells(run)
    for case in run["cases"]:
        for system in SYSTEMS:
            r = cells.get((case["name"], system))
            if r is None:
                continue
            if _primal_measured(r) and not _measured(r):
                lines.append(f"| {case['label']} | {system} | {r['first_primal_s']:.3f} (primal) | "
                             f"{_ms(r['primal_s'])} | n/a |  |  |  | {r.get('note', '')} |")
                continue
            if not _measured(r):
                lines.append(f"| {case['label']} | {system} | {r.get('skipped') or r.get('failed')} ||||||")
                continue
            peak = "n/a" if r["peak_mib"] is None else f"{r['peak_mib']:.1f}"
            lines.append(f"| {case['label']} | {system} | {r['first_s']:.3f} | {_ms(r['primal_s'])} | "
                         f"{_ms(r['gradient_s'])} | {r['gradient_s'] / r['primal_s']:.2f} | {peak} | "
                         f"{r['error']:.1e} | {r.get('note', '')} |")
    return lines


def summary_table(run: dict) -> list[str]:
    """Per case: each system's gradient time, zyg against the fastest peer, and zyg's primal against
    numba's compiled primal where the workload has one."""
    lines = ["| workload | " + " | ".join(f"{s} (ms)" for s in GRADIENT_SYSTEMS) +
             " | zyg / fastest peer | zyg / manual | zyg gradient/primal |"
             " numba primal (ms) | zyg primal / numba primal |",
             "|---|" + "---:|" * (len(GRADIENT_SYSTEMS) + 5)]
    cells = _cells(run)
    for case in run["cases"]:
        row = [case["label"]]
        for system in GRADIENT_SYSTEMS:
            r = cells.get((case["name"], system))
            row.append(_ms(r["gradient_s"]) + ("*" if r.get("scaled") else "") if _measured(r)
                       else ("" if r is None else "skipped" if "skipped" in r else "failed"))
        zyg, manual = cells.get((case["name"], "zyg")), cells.get((case["name"], "manual"))
        best = fastest_peer(run, case["name"])
        row.append(f"{zyg['gradient_s'] / best[1]:.3g} ({best[0]})" if _measured(zyg) and best else "")
        row.append(f"{zyg['gradient_s'] / manual['gradient_s']:.3g}" if _measured(zyg) and _measured(manual) else "")
        row.append(f"{zyg['gradient_s'] / zyg['primal_s']:.2f}" if _measured(zyg) else "")
        row += _numba_columns(zyg, cells.get((case["name"], "numba")))
        lines.append("| " + " | ".join(row) + " |")
    return lines + ["", "\\* measured at a smaller size and scaled by the ratio of the work (see the note in "
                        "bench/results/results.md)."]


def first_gradient_table(run: dict) -> list[str]:
    """Per case: the time from a fresh process to the first gradient, import included, of zyg (with an
    empty disk compile cache, and again from the cache) and of each AD peer, and zyg cold over JAX
    cold (the issue's target: at most 1)."""
    lines = ["| workload | zyg cold (s) | zyg cached (s) | " + " | ".join(f"{s} (s)" for s in PEERS) +
             " | zyg cold / jax cold |", "|---|" + "---:|" * (len(PEERS) + 3)]
    cells = _cells(run)
    for case in run["cases"]:
        zyg, jax = cells.get((case["name"], "zyg")), cells.get((case["name"], "jax"))
        row = [case["label"], _cold(zyg),
               f"{zyg['first_cached_s']:.3f}" if _measured(zyg) and "first_cached_s" in zyg else ""]
        row += [_cold(cells.get((case["name"], system))) for system in PEERS]
        row.append(f"{_cold_s(zyg) / _cold_s(jax):.2f}" if _measured(zyg) and _measured(jax) else "")
        lines.append("| " + " | ".join(row) + " |")
    return lines + ["", "Cold: `import` of the system, its preparation (zyg `compile_grad`, JAX `jit(grad)`) and the "
                        "first call, in a fresh process whose NumPy is imported; a scaled (\\*) peer's first call "
                        "is at its smaller size."]


def _cold_s(result: dict) -> float:
    return result["import_s"] + result["first_s"]


def _cold(result: dict | None) -> str:
    if result is None:
        return ""
    if not _measured(result):
        return "skipped" if "skipped" in result else "failed"
    return f"{_cold_s(result):.3f}"


def _numba_columns(zyg: dict | None, numba: dict | None) -> list[str]:
    """numba's primal time (or why it has none) and zyg's primal over it."""
    if not _primal_measured(numba):
        return ["" if numba is None else "skipped" if "skipped" in numba else "failed", ""]
    ratio = f"{zyg['primal_s'] / numba['primal_s']:.2f}" if _primal_measured(zyg) else ""
    return [_ms(numba["primal_s"]), ratio]


def _chart(run: dict, path: Path) -> str:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "chart skipped: matplotlib is not installed (pip install -e '.[bench]')"
    cells, cases = _cells(run), run["cases"]
    width = 0.8 / len(GRADIENT_SYSTEMS)
    figure, axes = plt.subplots(figsize=(max(8, 1.3 * len(cases)), 5))
    for index, system in enumerate(GRADIENT_SYSTEMS):
        xs, ys = [], []
        for position, case in enumerate(cases):
            r = cells.get((case["name"], system))
            if _measured(r):
                xs.append(position + (index - (len(GRADIENT_SYSTEMS) - 1) / 2) * width)
                ys.append(r["gradient_s"] * 1e3)
        axes.bar(xs, ys, width, label=system)
    axes.set_yscale("log")
    axes.set_ylabel("gradient time (ms, log scale)")
    axes.set_xticks(range(len(cases)), [c["label"] for c in cases], rotation=30, ha="right", fontsize=8)
    axes.set_title(f"Steady-state gradient time ({run['date']})")
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return f"chart written to {path}"


def _update_readme(block: str) -> str:
    text = README.read_text()
    pattern = re.compile(r"(<!-- bench:begin -->\n).*?(<!-- bench:end -->)", re.S)
    if not pattern.search(text):
        return "README not updated: it has no bench markers"
    README.write_text(pattern.sub(lambda m: m.group(1) + block + m.group(2), text))
    return "README table updated"


def write_reports(run: dict, directory: Path) -> list[str]:
    """Writes results.md and chart.png under `directory`, updates the README; returns lines to print."""
    heading = f"Measured {run['date']} on {run['machine']}{' (quick run)' if run['quick'] else ''}."
    summary = summary_table(run)
    first = ["Time to the first gradient in a fresh process (s), import included:", ""] + first_gradient_table(run)
    (directory / "results.md").write_text("\n".join(
        ["# Benchmark results", "", heading, "", "## Gradient time per system", ""] + summary +
        ["", "## Time to the first gradient", ""] + first +
        ["", "## Every measurement", ""] + detail_table(run)) + "\n")
    messages = [f"tables written to {directory / 'results.md'}", _chart(run, directory / "chart.png")]
    if not run["quick"]:
        messages.append(_update_readme("\n".join([heading, ""] + summary + [""] + first) + "\n"))
    return ["", *summary, "", *first, "", *messages]
