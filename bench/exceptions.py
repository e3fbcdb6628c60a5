"""The costs of exceptions, interrupts and failures (issue 14): `python -m bench.exceptions`.

Prints, each beside its baseline measured in the same run:
(a) the gradient time of a 10**6-iteration scalar loop whose body is a `try` block, against the same
    loop without it;
(b) the same loop with a `raise` it never takes, against the loop without it (and the primal's time:
    the test reads the running sum, which the plain loop's gradient never computes);
(c) the cost of the Ctrl-C poll on the scalar loops of the benchmark suite (the loop above, Horner's
    rule, the sum of squares by scalar indexing, the Newton `while` loop): gradient times with the
    poll, against the same code built without it (in a second process, which turns it off);
(d) the resident memory before and after 10**5 calls of a gradient over 64x64 arrays that fail with
    an IndexError (each would otherwise leave its buffers behind).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import zyg

from bench.timing import median_seconds
from bench.workloads import evalpoly, newton, sum_of_squares

_NO_POLL = "ZYG_BENCH_NO_POLL"  # set in the child process that measures the loops without the poll


def loop(x, n):
    s = 0.0
    for i in range(n):
        s += math.sin(x * i) * 0.5 + x * 0.001
    return s


def loop_with_try(x, n):
    s = 0.0
    for i in range(n):
        try:
            s += math.sin(x * i) * 0.5 + x * 0.001
        except ZeroDivisionError:
            s = s - 1.0
    return s


def loop_with_raise(x, n):
    s = 0.0
    for i in range(n):
        s += math.sin(x * i) * 0.5 + x * 0.001
        if s > 1e300:
            raise OverflowError("the sum overflows")
    return s


def failing(x, i):
    y = x @ x
    return np.sum(np.tanh(y) * 2.0 + x[i])


def _ms(fn, *args) -> float:
    return median_seconds(fn, *args, repeat=11) * 1e3


def try_and_raise_costs(n: int = 1_000_000) -> None:
    base = _ms(zyg.compile_grad(loop), 0.3, n)
    primal = _ms(zyg.jit(loop), 0.3, n)
    with_try = _ms(zyg.compile_grad(loop_with_try), 0.3, n)
    with_raise = _ms(zyg.compile_grad(loop_with_raise), 0.3, n)
    print(f"(a) gradient of a {n}-iteration loop: {base:.2f} ms plain, {with_try:.2f} ms with a try block in "
          f"its body: {with_try / base:.2f}x")
    print(f"(b) gradient of a {n}-iteration loop: {base:.2f} ms plain, {with_raise:.2f} ms with an untaken raise "
          f"in its body: {with_raise / base:.2f}x (its test reads the sum, which the plain gradient never "
          f"computes: the primal alone takes {primal:.2f} ms)")


def _turn_off_the_poll() -> None:
    """Builds loops without the Ctrl-C poll (this process only): the runtime's poll does nothing."""
    from zyg.backend import bridge

    start = bridge.INTERRUPT_RUNTIME.index("func.func private @_zyg_poll_interrupt() {")
    end = bridge.INTERRUPT_RUNTIME.index("\n  }\n", start)
    bridge.INTERRUPT_RUNTIME = (bridge.INTERRUPT_RUNTIME[:start] + "func.func private @_zyg_poll_interrupt() {\n"
                                "    return" + bridge.INTERRUPT_RUNTIME[end:])


def scalar_loop_times() -> dict[str, float]:
    """Gradient times (ms) of the suite's scalar loops (its own workloads and inputs), in this process."""
    cases = {
        "scalar loop, 10^6 steps": (loop, (0.3, 1_000_000)),
        "Horner, 10^4 coefficients": (evalpoly.primal, evalpoly.inputs(10_000)),
        "sum of squares by indexing, 10^6": (sum_of_squares.primal, sum_of_squares.inputs(1_000_000)),
        "Newton while loop, 10^4 numbers": (newton.primal, newton.inputs(10_000)),
    }
    return {name: _ms(zyg.compile_grad(f), *args) for name, (f, args) in cases.items()}


def poll_costs() -> None:
    with_poll = scalar_loop_times()
    with tempfile.TemporaryDirectory() as cache:  # an empty cache: the loops compile without the poll
        env = {**os.environ, _NO_POLL: "1", "ZYG_CACHE_DIR": cache}
        out = subprocess.run([sys.executable, "-m", "bench.exceptions", "--scalar-loops"], capture_output=True,
                             text=True, check=True, env=env,
                             cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    without = {name: float(ms) for name, ms in (line.rsplit("\t", 1) for line in out.stdout.splitlines())}
    for name, ms in with_poll.items():
        print(f"(c) {name:34} gradient {ms:8.2f} ms with the Ctrl-C poll, {without[name]:8.2f} ms without: "
              f"{ms / without[name]:.2f}x")


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def failing_calls_memory(calls: int = 100_000) -> None:
    x = np.random.default_rng(1).random((64, 64))
    grad = zyg.compile_grad(failing)
    grad(x, 0)
    before = _rss_mb()
    for _ in range(calls):
        try:
            grad(x, 100)
        except IndexError:
            pass
    print(f"(d) resident memory before {before:.1f} MiB, after {calls} failing gradient calls over 64x64 arrays "
          f"{_rss_mb():.1f} MiB")


if __name__ == "__main__":
    if "--scalar-loops" in sys.argv:
        if os.environ.get(_NO_POLL):
            _turn_off_the_poll()
        for name, ms in scalar_loop_times().items():
            print(f"{name}\t{ms}")
    else:
        try_and_raise_costs()
        poll_costs()
        failing_calls_memory()
