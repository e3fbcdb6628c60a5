# RUN: python %s | filecheck %s
# A call to another Python function -> func.call of that function compiled for the argument types
# (one specialisation per signature, named <function>_<types>); recursion calls the function itself.

import zyg


def square(x):
    return x * x


def caller(x, n):
    return square(x) + square(2.0 * x) + square(n)


# Each callee signature is compiled once, before its first caller.
# CHECK-LABEL: func.func private @square_f64(
# CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
# CHECK-NEXT:    %[[S:.*]] = arith.mulf %[[X]], %[[X]] : f64
# CHECK-NEXT:    func.return %[[S]] : f64

# CHECK-LABEL: func.func private @square_i64(
# CHECK-SAME:      %[[N:[^:]+]]: i64) -> i64
# CHECK-NEXT:    %[[S:.*]] = arith.muli %[[N]], %[[N]] : i64

# CHECK-LABEL: func.func private @caller_f64_i64(
# CHECK-SAME:      %[[X:[^:]+]]: f64, %[[N:[^:]+]]: i64) -> f64
# CHECK-NEXT:    %[[A:.*]] = func.call @square_f64(%[[X]]) : (f64) -> f64
# CHECK:         %[[TX:.*]] = arith.mulf %{{.*}}, %[[X]] : f64
# CHECK-NEXT:    %[[B:.*]] = func.call @square_f64(%[[TX]]) : (f64) -> f64
# CHECK:         func.call @square_i64(%[[N]]) : (i64) -> i64

# CHECK-LABEL: func.func private @zyg_body(
# CHECK-NEXT:    func.call @caller_f64_i64(
print(zyg.jit(caller).ir("frontend", 1.0, 2))


def power(x, n):
    if n <= 0:
        return 1.0
    return x * power(x, n - 1)


# An early `return` inside `if` becomes a `returned` flag and value yielded by the scf.if; the rest
# of the body runs under `not returned`.
# CHECK-LABEL: func.func private @power_f64_i64(
# CHECK-SAME:      %[[X:[^:]+]]: f64, %[[N:[^:]+]]: i64) -> f64
# CHECK:         %[[STOP:.*]] = arith.cmpi sle, %[[N]], %{{.*}} : i64
# CHECK-NEXT:    %[[RETURNED:.*]], %[[EARLY:.*]] = scf.if %[[STOP]] -> (i1, f64) {
# CHECK:         %[[GO:.*]] = arith.xori %[[RETURNED]], %{{.*}} : i1
# CHECK-NEXT:    %{{.*}}, %[[R:.*]] = scf.if %[[GO]] -> (i1, f64) {
# CHECK:           %[[M:.*]] = arith.subi %[[N]], %{{.*}} : i64
# CHECK-NEXT:      %[[REC:.*]] = func.call @power_f64_i64(%[[X]], %[[M]]) : (f64, i64) -> f64
# CHECK-NEXT:      arith.mulf %[[X]], %[[REC]] : f64
# CHECK:         } else {
# CHECK-NEXT:      scf.yield %[[RETURNED]], %[[EARLY]] : i1, f64
# CHECK-NEXT:    }
# CHECK-NEXT:    func.return %[[R]] : f64
print(zyg.jit(power).ir("frontend", 1.0, 3))
