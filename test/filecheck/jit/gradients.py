# RUN: python %s | filecheck %s
# Compiled gradients, run: loops, while loops, break, branches, calls and recursion, checked against
# values worked out by hand (all exact in binary floating point).

import zyg


def power_loop(x, n):
    y = 1.0
    for i in range(n):
        y = y * x
    return y


# d/dx x**5 at 2 = 5 * 2**4; the int argument gets None.
# CHECK: power_loop 32.0 (80.0, None)
print("power_loop", zyg.jit(power_loop)(2.0, 5), zyg.gradient(power_loop, 2.0, 5))
# An empty loop: y = 1, gradient 0.
# CHECK: power_loop-zero (0.0, None)
print("power_loop-zero", zyg.gradient(power_loop, 2.0, 0))


def squaring(x):
    while x < 100.0:
        x = x * x
    return x


# 1.5 -> 2.25 -> 5.0625 -> 25.62890625 -> 656.8408...: three squarings, x**16, derivative
# 16 * x**15 at x = 1.5 (exact: 16 * 3**15 / 2**15).
# CHECK: squaring (7006.30224609375,)
print("squaring", zyg.gradient(squaring, 1.5))


def capped(x, n):
    for i in range(n):
        if x > 10.0:
            break
        x = x * 3.0
    return x


# 1.5 -> 4.5 -> 13.5, then break: x * 9, derivative 9 (n = 5 would allow more iterations).
# CHECK: capped 13.5 (9.0, None)
print("capped", zyg.jit(capped)(1.5, 5), zyg.gradient(capped, 1.5, 5))


def piecewise(x, y):
    if x > y:
        return x * y
    return x - y


# CHECK: piecewise-then (2.0, 3.0)
print("piecewise-then", zyg.gradient(piecewise, 3.0, 2.0))
# CHECK: piecewise-else (1.0, -1.0)
print("piecewise-else", zyg.gradient(piecewise, 2.0, 5.0))


def square(x):
    return x * x


def calls(x):
    return square(x) + square(3.0 * x)


# (x^2 + 9 x^2)' = 20 x
# CHECK: calls (40.0,)
print("calls", zyg.gradient(calls, 2.0))


def power_rec(x, n):
    return 1.0 if n == 0 else x * power_rec(x, n - 1)


# CHECK: power_rec (80.0, None)
print("power_rec", zyg.gradient(power_rec, 2.0, 5))


# A pullback with a seed: the value, then seed * f'(x).
# CHECK: pullback 32.0 (160.0, None)
y, back = zyg.pullback(power_loop, 2.0, 5)
print("pullback", y, back(2.0))


def float_mod(x, y):
    return x % y


# Python's %: the result takes the divisor's sign; d/dx = 1, d/dy = -floor(x / y) = 4.
# CHECK: float_mod -0.5 (1.0, 4.0)
print("float_mod", zyg.jit(float_mod)(7.5, -2.0), zyg.gradient(float_mod, 7.5, -2.0))
