"""What closures cost: `python -m bench.functions`.

The gradient of a loop of 10^5 steps that calls a closure capturing two floats, beside the same loop
calling a module-level function that takes them as arguments, measured in the same run. A closure is
its captured values passed as hidden arguments to a compiled function, so the aim is a ratio of 1.00
within noise.
"""

from __future__ import annotations

import math

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


def main() -> None:
    args = (0.3, 1.1, 0.2)
    function = median_ms(zyg.compile_grad(loop_calling_a_function), args)
    closure = median_ms(zyg.compile_grad(loop_calling_a_closure), args)
    same = zyg.gradient(loop_calling_a_function, *args) == zyg.gradient(loop_calling_a_closure, *args)
    print(f"{'zyg gradient, a loop calling a function':44} {function:7.3f} ms")
    print(f"{'zyg gradient, a loop calling a closure':44} {closure:7.3f} ms  (closure / function: "
          f"{closure / function:.2f}; the same gradient: {same})")


if __name__ == "__main__":
    main()
