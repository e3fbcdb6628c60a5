"""A fuzzing campaign: a budget (programs, minutes), a seed and the kinds in; a `Report` out, with
every failing program reduced and saved as a runnable reproducer.

Program i of a campaign with seed S is generated from seed S + i, its kind taken in turn from the
kinds asked for, so any program of a campaign can be generated again from its seed alone.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from zyg.fuzz.array_programs import array_program
from zyg.fuzz.constructs import enabled
from zyg.fuzz.oracle import Outcome
from zyg.fuzz.program import Program, format_args
from zyg.fuzz.reduce import reduce_source
from zyg.fuzz.sandbox import Sandbox
from zyg.fuzz.scalar_programs import scalar_program

GENERATORS = {"scalar": scalar_program, "array": array_program}
STATUSES = ("ok", "rejected", "wrong", "crashed", "hang")


_TEMPORARY_FILE = re.compile(r"/tmp/\S+")


def failure_key(outcome: Outcome) -> str:
    """What makes two failures the same: status and reason, without temporary file names."""
    return f"{outcome.status}: {_TEMPORARY_FILE.sub('<tmp>', outcome.reason)}"


def is_bug(outcome: Outcome) -> bool:
    """Wrong numbers, crashes, hangs, and upstream MLIR refusing zyg's own IR."""
    return outcome.status in ("wrong", "crashed", "hang") or outcome.reason.startswith("LoweringError")


@dataclass
class Failure:
    program: Program
    outcome: Outcome
    args: tuple
    reduced: str = ""
    path: str = ""
    again: int = 0  # later programs that failed with the same key (not reduced again)


@dataclass
class Report:
    counts: Counter = field(default_factory=Counter)
    rejects: Counter = field(default_factory=Counter)
    failures: dict[str, Failure] = field(default_factory=dict)
    grads_checked: int = 0
    kinks: int = 0
    seconds: float = 0.0

    def add(self, program: Program, outcome: Outcome) -> Failure | None:
        self.counts[program.kind, outcome.status] += 1
        self.grads_checked += outcome.grads_checked
        self.kinks += outcome.kinks
        if outcome.status == "rejected":
            self.rejects[_TEMPORARY_FILE.sub("<tmp>", outcome.reason)] += 1
        if not is_bug(outcome):
            return None
        key = failure_key(outcome)
        if key in self.failures:
            self.failures[key].again += 1
            return None
        point = program.points[outcome.point] if outcome.point is not None else program.points[0]
        self.failures[key] = Failure(program, outcome, point)
        return self.failures[key]

    def total(self, status: str) -> int:
        return sum(n for (_, s), n in self.counts.items() if s == status)

    def text(self) -> str:
        programs = sum(self.counts.values())
        lines = [f"programs generated: {programs} in {self.seconds:.0f} s "
                 f"({self.grads_checked} gradients checked, {self.kinks} skipped at kinks)"]
        for status in STATUSES:
            by_kind = ", ".join(f"{k} {n}" for (k, s), n in sorted(self.counts.items()) if s == status)
            lines.append(f"  {status:9s}{self.total(status):5d}" + (f"   ({by_kind})" if by_kind else ""))
        if self.rejects:
            lines.append("rejected, by reason:")
            lines += [f"  {n:4d}  {reason[:160]}" for reason, n in self.rejects.most_common()]
        for key, failure in self.failures.items():
            lines.append("")
            lines.append(f"{key}  ({failure.program.kind} seed {failure.program.seed}, "
                         f"{failure.again} more like it)  {failure.path}")
            lines.append(f"  args: {format_args(failure.args)}")
            lines.append(f"  {failure.outcome.detail[:600]}")
            lines += ["  | " + line for line in (failure.reduced or failure.program.source).splitlines()]
        return "\n".join(lines)


def reproducer(failure: Failure) -> str:
    """A runnable file: the reduced program, then what zyg gave and a main that shows it again (the
    value and gradient of a float result, the value and `back` of a structured one)."""
    detail = "\n".join("# " + line for line in failure.outcome.detail.splitlines())
    return (f"# {failure_key(failure.outcome)}\n# found by zyg.fuzz: {failure.program.kind} seed "
            f"{failure.program.seed}\n{detail}\n{failure.reduced}\n\n"
            f"if __name__ == \"__main__\":\n    import numpy as np\n    import zyg\n\n"
            f"    ARGS = {format_args(failure.args)}\n    print(\"python:\", f(*ARGS))\n"
            f"    print(\"zyg:   \", zyg.withgradient(f, *ARGS) if isinstance(f(*ARGS), float) else zyg.pullback(f, *ARGS))\n")


def shrink(failure: Failure, sandbox: Sandbox, budget_s: float) -> str:
    """The failing program reduced to a small one that fails with the same key at the same point."""
    key = failure_key(failure.outcome)
    check_jit = failure.outcome.reason.startswith("jit")

    def still_fails(source: str) -> bool:
        return failure_key(sandbox.check(source, (failure.args,), check_jit)) == key

    timeout = sandbox.timeout
    sandbox.timeout = min(timeout, 20.0)  # a reduced hang still hangs; no need to wait a minute per try
    try:
        return reduce_source(failure.program.source, still_fails, budget_s)
    finally:
        sandbox.timeout = timeout


def run(kinds: list[str], programs: int | None = None, minutes: float | None = None, seed: int = 0,
        out_dir: str | None = None, include_held_back: bool = False, jit_every: int = 4,
        reduce_budget_s: float = 120.0, timeout: float = 60.0, cache_dir: str | None = None,
        progress=print) -> Report:
    """Runs programs until `programs` are checked or `minutes` are up, whichever comes first."""
    constructs = enabled(include_held_back)
    report = Report()
    start = time.monotonic()
    deadline = start + minutes * 60 if minutes is not None else None
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
    with Sandbox(timeout=timeout, cache_dir=cache_dir) as sandbox:
        index = 0
        while (programs is None or index < programs) and (deadline is None or time.monotonic() < deadline):
            kind = kinds[index % len(kinds)]
            program = GENERATORS[kind](seed + index, constructs)
            outcome = sandbox.check(program.source, program.points, index % jit_every == 0, program.seed)
            failure = report.add(program, outcome)
            index += 1
            if failure is not None and out_dir is not None:
                progress(f"  {failure_key(outcome)} ({kind} seed {program.seed}): reducing")
                failure.reduced = shrink(failure, sandbox, reduce_budget_s)
                again = sandbox.check(failure.reduced, (failure.args,), outcome.reason.startswith("jit"))
                if failure_key(again) == failure_key(outcome):
                    failure.outcome = again  # what the reproducer itself gives, not the original
                failure.path = os.path.join(out_dir, f"{outcome.status}-{kind}-{program.seed}.py")
                with open(failure.path, "w") as file:
                    file.write(reproducer(failure))
            if index % 25 == 0:
                summary = " ".join(f"{s} {report.total(s)}" for s in STATUSES)
                progress(f"[{index:5d} programs, {time.monotonic() - start:6.0f} s] {summary}")
    report.seconds = time.monotonic() - start
    return report
