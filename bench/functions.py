"""What functions as values cost: `python -m bench.functions`.

1. The gradient of a loop of 10^5 steps that calls a closure capturing two floats, beside the same loop
   calling a module-level function that takes them as arguments. A closure is its captured values
   passed as hidden arguments to a compiled function: the aim is a ratio of 1.00 within noise.
2. A loop of 10^6 steps calling a function chosen at run time from a list (`FUNCTIONS[k % 3](x)`) and
   from a dict by a str chosen at run time (`TABLE[NAMES[k % 3]](x)`), beside the same loop with an
   `if`/`elif` chain written by hand: the cost per call of the dispatch.
3. The cost of one `print` from compiled code (a host call into Python), against a Python `print`,
   both writing to an in-memory stream.
Each pair is measured in the same run.
"""

from __future__ import annotations

import io
import math
import sys

import zyg

from bench.timing import median_ms

STEPS = 100_000


def step(v, w, c):
    return math.sin(v * w) + c


def loop_calling_a_function(x, w, c):
    v = x
    for _ in range(STEPS):
        v = step(v, w, c) * 0.5
    return v


def loop_calling_a_closure(x, w, c):
    g = lambda v: math.sin(v * w) + c  # noqa: E731
    v = x
    for _ in range(STEPS):
        v = g(v) * 0.5
    return v


def square(v):
    return v * v


FUNCTIONS = [math.sin, math.cos, square]
DISPATCH_STEPS = 1_000_000


def loop_dispatching(x):
    total = 0.0
    for k in range(DISPATCH_STEPS):
        total = total + FUNCTIONS[k % 3](x + total * 1e-9)
    return total


TABLE = {"sin": math.sin, "cos": math.cos, "square": square}
NAMES = ("sin", "cos", "square")


def loop_dispatching_by_name(x):
    total = 0.0
    for k in range(DISPATCH_STEPS):
        total = total + TABLE[NAMES[k % 3]](x + total * 1e-9)  # a str known at run time, then a dict lookup
    return total


def loop_branching(x):
    total = 0.0
    for k in range(DISPATCH_STEPS):
        v = x + total * 1e-9
        if k % 3 == 0:
            total = total + math.sin(v)
        elif k % 3 == 1:
            total = total + math.cos(v)
        else:
            total = total + square(v)
    return total


def printing(x, n):
    for k in range(n):
        print(k, x)
    return x


def _print_cost_us() -> tuple[float, float]:
    """Microseconds per `print(k, x)`: from compiled code, and from Python."""
    calls = 20_000
    compiled = zyg.jit(printing)
    saved = sys.stdout
    sys.stdout = io.StringIO()
    try:
        compiled_us = median_ms(compiled, (1.5, calls)) * 1e3 / calls
        python_us = median_ms(printing, (1.5, calls)) * 1e3 / calls
    finally:
        sys.stdout = saved
    return compiled_us, python_us


def main() -> None:
    args = (0.3, 1.1, 0.2)
    function = median_ms(zyg.compile_grad(loop_calling_a_function), args)
    closure = median_ms(zyg.compile_grad(loop_calling_a_closure), args)
    same = zyg.gradient(loop_calling_a_function, *args) == zyg.gradient(loop_calling_a_closure, *args)
    print(f"{'zyg gradient, a loop calling a function':44} {function:7.3f} ms")
    print(f"{'zyg gradient, a loop calling a closure':44} {closure:7.3f} ms  (closure / function: "
          f"{closure / function:.2f}; the same gradient: {same})")
    branching = median_ms(zyg.jit(loop_branching), (0.3,))
    dispatching = median_ms(zyg.jit(loop_dispatching), (0.3,))
    print(f"{'zyg, 10^6 calls through an if/elif chain':44} {branching:7.3f} ms")
    print(f"{'zyg, 10^6 calls of FUNCTIONS[k % 3]':44} {dispatching:7.3f} ms  (dispatch / if-elif: "
          f"{dispatching / branching:.2f}; {(dispatching - branching) * 1e6 / DISPATCH_STEPS:.2f} ns more a call)")
    by_name = median_ms(zyg.jit(loop_dispatching_by_name), (0.3,))
    print(f"{'zyg, 10^6 calls of TABLE[NAMES[k % 3]]':44} {by_name:7.3f} ms  (dispatch / if-elif: "
          f"{by_name / branching:.2f}; {(by_name - branching) * 1e6 / DISPATCH_STEPS:.2f} ns more a call)")
    compiled_us, python_us = _print_cost_us()
    print(f"{'one print(k, x) from compiled code':44} {compiled_us:7.3f} us  (Python's own print: {python_us:.3f} us)")


if __name__ == "__main__":
    main()
