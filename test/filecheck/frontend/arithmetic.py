# RUN: python %s | filecheck %s
# Python arithmetic -> arith/math, and the zyg ops where Python's meaning differs from arith's
# (//, %, **, math.hypot); an int meeting a float is converted with sitofp.

import math

import zyg


def float_ops(x, y):
    return -(x * y + 2.0 - x / y)


# CHECK-LABEL: func.func private @float_ops_f64_f64(
# CHECK-SAME:      %[[X:[^:]+]]: f64, %[[Y:[^:]+]]: f64) -> f64
# CHECK-NEXT:    %[[M:.*]] = arith.mulf %[[X]], %[[Y]] : f64
# CHECK-NEXT:    %[[TWO:.*]] = arith.constant 2.000000e+00 : f64
# CHECK-NEXT:    %[[A:.*]] = arith.addf %[[M]], %[[TWO]] : f64
# CHECK-NEXT:    %[[D:.*]] = arith.divf %[[X]], %[[Y]] : f64
# CHECK-NEXT:    %[[S:.*]] = arith.subf %[[A]], %[[D]] : f64
# CHECK-NEXT:    %[[N:.*]] = arith.negf %[[S]] : f64
# CHECK-NEXT:    func.return %[[N]] : f64
print(zyg.jit(float_ops).ir("frontend", 1.0, 2.0))


def python_ops(x, y, n):
    q = n // 3 + n % 2
    return x ** 2 + x ** y + math.hypot(x, y) + q


# CHECK-LABEL: func.func private @python_ops_f64_f64_i64(
# CHECK-SAME:      %[[X:[^:]+]]: f64, %[[Y:[^:]+]]: f64, %[[N:[^:]+]]: i64) -> f64
# CHECK:         %[[FD:.*]] = zyg.floordiv %[[N]], %{{.*}} : i64
# CHECK:         %[[MOD:.*]] = zyg.mod %[[N]], %{{.*}} : i64
# CHECK:         %[[Q:.*]] = arith.addi %[[FD]], %[[MOD]] : i64
# CHECK:         zyg.pow %[[X]], %{{.*}} : f64, i64
# CHECK:         zyg.pow %[[X]], %[[Y]] : f64, f64
# CHECK:         zyg.hypot %[[X]], %[[Y]] : f64
# CHECK:         %[[QF:.*]] = arith.sitofp %[[Q]] : i64 to f64
# CHECK-NEXT:    %[[R:.*]] = arith.addf %{{.*}}, %[[QF]] : f64
# CHECK-NEXT:    func.return %[[R]] : f64
print(zyg.jit(python_ops).ir("frontend", 1.0, 2.0, 3))


def int_constants(n):
    return n + (2**62 * 2 - 1) // 1000 + -2**63 // 2**62


# An int constant expression is folded with Python's semantics (2**63 alone would not fit in i64).
# CHECK-LABEL: func.func private @int_constants_i64(
# CHECK-SAME:      %[[N:[^:]+]]: i64) -> i64
# CHECK-NEXT:    %[[C:.*]] = arith.constant 9223372036854775 : i64
# CHECK-NEXT:    %[[A:.*]] = arith.addi %[[N]], %[[C]] : i64
# CHECK-NEXT:    %[[D:.*]] = arith.constant -2 : i64
# CHECK-NEXT:    arith.addi %[[A]], %[[D]] : i64
# CHECK-NOT:     zyg.pow
print(zyg.jit(int_constants).ir("frontend", 1))


def math_calls(x):
    return math.sin(x) * math.exp(x) + abs(x)


# CHECK-LABEL: func.func private @math_calls_f64(
# CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
# CHECK-NEXT:    %[[SIN:.*]] = math.sin %[[X]] : f64
# CHECK-NEXT:    %[[EXP:.*]] = math.exp %[[X]] : f64
# CHECK-NEXT:    %[[P:.*]] = arith.mulf %[[SIN]], %[[EXP]] : f64
# CHECK-NEXT:    %[[ABS:.*]] = math.absf %[[X]] : f64
# CHECK-NEXT:    arith.addf %[[P]], %[[ABS]] : f64
print(zyg.jit(math_calls).ir("frontend", 1.0))


# The request calls the compiled function; the entry point the JIT calls runs it under setjmp.
# CHECK-LABEL: func.func private @zyg_body(
# CHECK-NEXT:    func.call @math_calls_f64(
# CHECK-LABEL: func.func @zyg_entry(
# CHECK:         func.call @zyg_body(


def exact_identities(x, y):
    return (y - y / 1.0) + x * 1.0 - 0.0


# `x * 1.0`, `x / 1.0` and `x - 0.0` are x bit for bit: no op is built, so the autodiff sees
# `y - y` (which varies with nothing) instead of a difference of two infinite cotangents.
# CHECK-LABEL: func.func private @exact_identities_f64_f64(
# CHECK-SAME:      %[[X:[^:]+]]: f64, %[[Y:[^:]+]]: f64) -> f64
# CHECK-NOT:     arith.divf
# CHECK:         %[[D:.*]] = arith.subf %[[Y]], %[[Y]] : f64
# CHECK-NOT:     arith.mulf
# CHECK:         %[[S:.*]] = arith.addf %[[D]], %[[X]] : f64
# CHECK-NOT:     arith.subf
# CHECK:         func.return %[[S]] : f64
print(zyg.jit(exact_identities).ir("frontend", 1.0, 2.0))
