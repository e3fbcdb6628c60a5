# RUN: python %s | filecheck %s
# A closure is the values it captures: a call of a lambda or nested def is a func.call of its code,
# compiled like any function, with the captured values as arguments after its own; a function passed
# as a value is a direct call of that function. No op stands for the closure itself.

import math

import zyg


def scaled_sum(x, w):
    g = lambda t: t * w + x  # noqa: E731
    return g(2.0) + g(x)


# The lambda's code: its parameter t, then the captured w and x.
# CHECK-LABEL: func.func private @scaled_sum_lambda_f64_f64_f64(
# CHECK-SAME:      %[[T:[^:]+]]: f64, %[[W:[^:]+]]: f64, %[[X:[^:]+]]: f64) -> f64
# CHECK-NEXT:    %[[P:.*]] = arith.mulf %[[T]], %[[W]] : f64
# CHECK-NEXT:    %[[S:.*]] = arith.addf %[[P]], %[[X]] : f64
# CHECK-NEXT:    func.return %[[S]] : f64

# CHECK-LABEL: func.func private @scaled_sum_f64_f64(
# CHECK-SAME:      %[[X:[^:]+]]: f64, %[[W:[^:]+]]: f64) -> f64
# CHECK:         func.call @scaled_sum_lambda_f64_f64_f64(%{{.*}}, %[[W]], %[[X]]) : (f64, f64, f64) -> f64
# CHECK:         func.call @scaled_sum_lambda_f64_f64_f64(%[[X]], %[[W]], %[[X]]) : (f64, f64, f64) -> f64
print(zyg.jit(scaled_sum).ir("frontend", 1.0, 3.0))


def apply(g, x):
    return g(x)


# A function argument has no IR value: `apply` is compiled for math.sin and calls it directly.
# CHECK-LABEL: func.func private @apply_s0_f64(
# CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
# CHECK-NEXT:    %[[Y:.*]] = math.sin %[[X]] : f64
# CHECK-NEXT:    func.return %[[Y]] : f64
print(zyg.jit(lambda x: apply(math.sin, x)).ir("frontend", 1.0))


def square(t):
    return t * t


def chosen(x, i):
    return [math.sin, square][i](x)


# A function chosen at run time is an int selector: Python's bounds check, then an `scf.if` per
# candidate, each calling its own function.
# CHECK-LABEL: func.func private @chosen_f64_i64(
# CHECK-SAME:      %[[X:[^:]+]]: f64, %[[I:[^:]+]]: i64) -> f64
# CHECK:         zyg.check %{{.*}} {error = "IndexError", message = "list index out of range"}
# CHECK:         %[[HERE:.*]] = arith.cmpi eq, %[[K:.*]], %{{.*}} : i64
# CHECK-NEXT:    %[[Y:.*]] = scf.if %[[HERE]] -> (f64) {
# CHECK-NEXT:      %[[S:.*]] = math.sin %[[X]] : f64
# CHECK-NEXT:      scf.yield %[[S]] : f64
# CHECK-NEXT:    } else {
# CHECK-NEXT:      %[[Q:.*]] = func.call @square_f64(%[[X]]) : (f64) -> f64
# CHECK-NEXT:      scf.yield %[[Q]] : f64
# CHECK-NEXT:    }
# CHECK-NEXT:    func.return %[[Y]] : f64
print(zyg.jit(chosen).ir("frontend", 1.0, 1))
