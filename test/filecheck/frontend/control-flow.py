# RUN: python %s | filecheck %s
# Structured control flow: if/else -> scf.if yielding the variables both branches assign;
# `for ... in range` -> scf.for over the trip count with the loop variables as iter_args;
# `while` -> scf.while, whose body starts with an empty volatile asm so that no DCE erases a loop
# whose results are unused (it may not end, and then Python does not return); `break` -> a flag
# carried by an scf.while and tested in its condition.

import zyg


def branch(x, y):
    if x > y:
        z = x * y
    else:
        z = x - y
    return z


# CHECK-LABEL: func.func private @branch_f64_f64(
# CHECK-SAME:      %[[X:[^:]+]]: f64, %[[Y:[^:]+]]: f64) -> f64
# CHECK-NEXT:    %[[C:.*]] = arith.cmpf ogt, %[[X]], %[[Y]] : f64
# CHECK-NEXT:    %[[Z:.*]] = scf.if %[[C]] -> (f64) {
# CHECK-NEXT:      %[[T:.*]] = arith.mulf %[[X]], %[[Y]] : f64
# CHECK-NEXT:      scf.yield %[[T]] : f64
# CHECK-NEXT:    } else {
# CHECK-NEXT:      %[[E:.*]] = arith.subf %[[X]], %[[Y]] : f64
# CHECK-NEXT:      scf.yield %[[E]] : f64
# CHECK-NEXT:    }
# CHECK-NEXT:    func.return %[[Z]] : f64
print(zyg.jit(branch).ir("frontend", 1.0, 2.0))


def for_range(x, n):
    for i in range(n):
        x = x * 2.0 + i
    return x


# The trip count of range(n) is max(n - 0, 0); the induction variable counts from 0 by 1 and `i` is
# an int, converted where it meets a float.
# CHECK-LABEL: func.func private @for_range_f64_i64(
# CHECK-SAME:      %[[X:[^:]+]]: f64, %[[N:[^:]+]]: i64) -> f64
# CHECK:         %[[SPAN:.*]] = arith.subi %[[N]], %{{.*}} : i64
# CHECK-NEXT:    %[[TRIPS:.*]] = arith.maxsi %[[SPAN]], %{{.*}} : i64
# CHECK:         %[[R:.*]] = scf.for %[[K:[^ ,)]+]] = %{{.*}} to %[[TRIPS]] step %{{.*}} iter_args(%[[ACC:[^ ,)]+]] = %[[X]]) -> (f64) : i64 {
# CHECK:           %[[M:.*]] = arith.mulf %[[ACC]], %{{.*}} : f64
# CHECK-NEXT:      %[[I:.*]] = arith.sitofp %[[K]] : i64 to f64
# CHECK-NEXT:      %[[NEXT:.*]] = arith.addf %[[M]], %[[I]] : f64
# CHECK-NEXT:      scf.yield %[[NEXT]] : f64
# CHECK-NEXT:    }
# CHECK-NEXT:    func.return %[[R]] : f64
print(zyg.jit(for_range).ir("frontend", 1.0, 3))


def for_range_step(x, n):
    for i in range(1, n, 2):
        x = x + i
    return x


# range(start, stop, step): the loop runs over 0..trip count and rebuilds i = k * step + start.
# CHECK-LABEL: func.func private @for_range_step_f64_i64(
# CHECK:         %[[START:.*]] = arith.constant 1 : i64
# CHECK-NEXT:    %[[STEP:.*]] = arith.constant 2 : i64
# CHECK:         arith.floordivsi
# CHECK:         scf.for %[[K:[^ ,)]+]] = {{.*}} : i64 {
# CHECK-NEXT:      %[[KS:.*]] = arith.muli %[[K]], %[[STEP]] : i64
# CHECK-NEXT:      %[[I:.*]] = arith.addi %[[KS]], %[[START]] : i64
# CHECK-NEXT:      zyg.check_interrupt
# CHECK-NEXT:      arith.sitofp %[[I]] : i64 to f64
print(zyg.jit(for_range_step).ir("frontend", 1.0, 3))


def while_loop(x):
    while x < 100.0:
        x = x * x
    return x


# CHECK-LABEL: func.func private @while_loop_f64(
# CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
# CHECK-NEXT:    %[[R:.*]] = scf.while (%[[V:[^ ,)]+]] = %[[X]]) : (f64) -> f64 {
# CHECK-NEXT:      %[[LIMIT:.*]] = arith.constant 1.000000e+02 : f64
# CHECK-NEXT:      %[[C:.*]] = arith.cmpf olt, %[[V]], %[[LIMIT]] : f64
# CHECK-NEXT:      scf.condition(%[[C]]) %[[V]] : f64
# CHECK-NEXT:    } do {
# CHECK-NEXT:    ^{{.*}}(%[[W:[^ ,)]+]]: f64):
# CHECK-NEXT:      zyg.check_interrupt
# CHECK-NEXT:      %[[SQ:.*]] = arith.mulf %[[W]], %[[W]] : f64
# CHECK-NEXT:      scf.yield %[[SQ]] : f64
# CHECK-NEXT:    }
# CHECK-NEXT:    func.return %[[R]] : f64
print(zyg.jit(while_loop).ir("frontend", 1.0))


def for_break(x, n):
    for i in range(n):
        if x > 10.0:
            break
        x = x * 3.0
    return x


# A `for` with `break` becomes an scf.while over (counter, broken flag, loop variables): the
# condition is `not broken and counter < trips`, the `break` sets the flag, and the rest of the body
# runs under `not broken`.
# CHECK-LABEL: func.func private @for_break_f64_i64(
# CHECK-SAME:      %[[X:[^:]+]]: f64, %{{[^:]+}}: i64) -> f64
# CHECK:         %[[TRIPS:.*]] = arith.maxsi
# CHECK:         %[[NOTYET:.*]] = arith.constant false
# CHECK-NEXT:    %{{.*}}, %{{.*}}, %[[R:.*]] = scf.while (%[[K:[^ ,)]+]] = %{{.*}}, %[[BROKEN:[^ ,)]+]] = %[[NOTYET]], %[[V:[^ ,)]+]] = %[[X]]) : (i64, i1, f64) -> (i64, i1, f64) {
# CHECK-NEXT:      %[[GO:.*]] = scf.if %[[BROKEN]] -> (i1) {
# CHECK:           } else {
# CHECK-NEXT:        %[[MORE:.*]] = arith.cmpi slt, %[[K]], %[[TRIPS]] : i64
# CHECK-NEXT:        scf.yield %[[MORE]] : i1
# CHECK-NEXT:      }
# CHECK-NEXT:      scf.condition(%[[GO]]) %[[K]], %[[BROKEN]], %[[V]] : i64, i1, f64
# CHECK-NEXT:    } do {
# CHECK-NEXT:    ^{{.*}}(%[[KA:[^ ,)]+]]: i64, %[[BA:[^ ,)]+]]: i1, %[[W:[^ ,)]+]]: f64):
# CHECK:           %[[BREAKS:.*]] = arith.cmpf ogt, %[[W]], %{{.*}} : f64
# CHECK-NEXT:      %[[NOWBROKEN:.*]] = scf.if %[[BREAKS]] -> (i1) {
# CHECK-NEXT:        %[[TRUE:.*]] = arith.constant true
# CHECK-NEXT:        scf.yield %[[TRUE]] : i1
# CHECK-NEXT:      } else {
# CHECK-NEXT:        scf.yield %[[BA]] : i1
# CHECK-NEXT:      }
# CHECK:           %[[LIVE:.*]] = arith.xori %[[NOWBROKEN]], %{{.*}} : i1
# CHECK-NEXT:      %[[NEXT:.*]] = scf.if %[[LIVE]] -> (f64) {
# CHECK:             arith.mulf %[[W]], %{{.*}} : f64
# CHECK:           } else {
# CHECK-NEXT:        scf.yield %[[W]] : f64
# CHECK-NEXT:      }
# CHECK:           %[[KN:.*]] = arith.addi %[[KA]], %{{.*}} : i64
# CHECK-NEXT:      scf.yield %[[KN]], %[[NOWBROKEN]], %[[NEXT]] : i64, i1, f64
# CHECK-NEXT:    }
# CHECK-NEXT:    func.return %[[R]] : f64
print(zyg.jit(for_break).ir("frontend", 1.0, 3))


def while_break(x):
    while x < 100.0:
        if x < 0.0:
            break
        x = x * x
    return x


# CHECK-LABEL: func.func private @while_break_f64(
# CHECK:         scf.while (%[[BROKEN:[^ ,)]+]] = %{{.*}}, %[[V:[^ ,)]+]] = %{{.*}}) : (i1, f64) -> (i1, f64) {
# CHECK-NEXT:      %[[GO:.*]] = scf.if %[[BROKEN]] -> (i1) {
# CHECK:           scf.condition(%[[GO]]) %[[BROKEN]], %[[V]] : i1, f64
print(zyg.jit(while_break).ir("frontend", 1.0))
