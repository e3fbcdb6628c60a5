"""The README's demonstration: `python -m zyg.demo` (or `make demo`)."""

import math

import zyg


def f(x):
    return 5 * x + 3


def power(x, n):
    return 1.0 if n == 0 else x * power(x, n - 1)


def main() -> None:
    print("f(10), f'(10)                      =", (f(10), zyg.derivative(f)(10)))
    print("gradient(x*y + sin(x), 2.0, 3.0)   =", zyg.gradient(lambda x, y: x * y + math.sin(x), 2.0, 3.0))
    print("gradient(power, 2.0, 5)            =", zyg.gradient(power, 2.0, 5))
    g = zyg.compile_grad(f)
    print("compile_grad(f)(10.0)              =", g(10.0))
    y, back = zyg.pullback(f, 10.0)
    print("pullback(f, 10.0); back(2.0)       =", y, back(2.0))
    print("withgradient(f, 10.0)              =", zyg.withgradient(f, 10.0))
    print("jit(f)(10.0)                       =", zyg.jit(f)(10.0))
    print("\nThe optimised LLVM IR of f' (as Julia's @code_llvm f'(10)):\n")
    print(g.ir("llvmir", function_only=True))


if __name__ == "__main__":
    main()
