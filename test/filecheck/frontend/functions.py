# RUN: python %s | filecheck %s
# Functions in compiled code. A closure is the values it captures: a call of a lambda or nested def
# is a func.call of its code, compiled like any function, with the captured values as arguments after
# its own; a function passed as a value is a direct call of that function; no op stands for the
# closure itself. A function chosen at run time is a switch; a host call is a call into the runtime.

import math

import numpy as np

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


def printed(x):
    print("x is", x)
    return x * 2.0


# A host call writes its numbers into the module's slots, calls the runtime's `_zyg_host` with its
# site number, and checks the status (an exception in Python is raised again by the caller).
# CHECK:       func.func private @_zyg_host(i64, !llvm.ptr) -> i64
# CHECK-LABEL: func.func private @printed_f64(
# CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
# CHECK:         %[[SLOTS:.*]] = llvm.mlir.addressof @_zyg_host_slots : !llvm.ptr
# CHECK-NEXT:    llvm.store %[[X]], %[[SLOTS]] : f64, !llvm.ptr
# CHECK:         %[[STATUS:.*]] = func.call @_zyg_host(%{{.*}}, %[[SLOTS]]) : (i64, !llvm.ptr) -> i64
# CHECK:         zyg.check %{{.*}} {error = "HostError", message = ""}
print(zyg.jit(printed).ir("frontend", 1.0))

scaled = zyg.host(lambda a: (a * 2.0, float(a.size)), returns=(zyg.Array(1), float))


def rescaled(x):
    doubled, size = scaled(x)
    return doubled * size


# With arrays in or out, the call takes a tape: the argument is pushed on it, Python replaces it with
# the result's arrays, which the compiled code pops, and the result's numbers come back in the slots.
# CHECK:       func.func private @_zyg_host_arrays(i64, !llvm.ptr, !ad.tape) -> i64
# CHECK-LABEL: func.func private @rescaled_a1f64(
# CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>) -> tensor<?xf64>
# CHECK:         %[[TAPE:.*]] = ad.tape_new
# CHECK-NEXT:    ad.push %[[TAPE]], %[[X]] : tensor<?xf64>
# CHECK:         %[[STATUS:.*]] = func.call @_zyg_host_arrays(%{{.*}}, %{{.*}}, %[[TAPE]]) : (i64, !llvm.ptr, !ad.tape) -> i64
# CHECK:         zyg.check %{{.*}} {error = "HostError", message = ""}
# CHECK-NEXT:    %[[D:.*]] = ad.pop %[[TAPE]] : tensor<?xf64>
# CHECK-NEXT:    ad.tape_free %[[TAPE]]
# CHECK-NEXT:    %[[S:.*]] = llvm.load %{{.*}} : !llvm.ptr -> f64
print(zyg.jit(rescaled).ir("frontend", np.ones(2)))

TRIG = {"sin": math.sin, "cos": math.cos}


def by_name(x):
    name = "sin" if x > 0.0 else "cos"
    return TRIG[name](x)


# A str that differs between paths is its number in the module's string table: the branches yield
# the numbers, and the dict lookup compares the number with each key's.
# CHECK-LABEL: func.func private @by_name_f64(
# CHECK:         %[[NAME:.*]] = scf.if %{{.*}} -> (i64) {
# CHECK-NEXT:      %[[SIN:.*]] = arith.constant 0 : i64
# CHECK-NEXT:      scf.yield %[[SIN]] : i64
# CHECK-NEXT:    } else {
# CHECK-NEXT:      %[[COS:.*]] = arith.constant 1 : i64
# CHECK-NEXT:      scf.yield %[[COS]] : i64
# CHECK-NEXT:    }
# CHECK:         arith.cmpi eq, %[[NAME]], %{{.*}} : i64
print(zyg.jit(by_name).ir("frontend", 1.0))



def ping(x, n):
    return x if n == 0 else pong(x * 2.0, n - 1)


def pong(x, n):
    return x if n == 0 else ping(x + 1.0, n - 1)


def rally(x, n):
    return ping(x, n)


# Each function on a cycle of calls checks at its entry that the native stack has room (deep
# recursion raises RecursionError naming it); a function outside the cycle does not.
# CHECK-LABEL: func.func private @pong_f64_i64(
# CHECK-NEXT:    zyg.check_stack {function = "pong"}
# CHECK-LABEL: func.func private @ping_f64_i64(
# CHECK-NEXT:    zyg.check_stack {function = "ping"}
# CHECK-LABEL: func.func private @rally_f64_i64(
# CHECK-NOT:     zyg.check_stack
# CHECK:         func.return
print(zyg.jit(rally).ir("frontend", 1.0, 4))
