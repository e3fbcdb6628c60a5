# RUN: python %s | filecheck %s
# `try`/`except`: a frame opens (`zyg.try_enter`), the body runs in the `then` branch of an `scf.if`
# on `failed` and closes the frame; the `else` branch closes it after a failure and yields the values
# from before the `try`. The handlers come in a second `scf.if`, after the first: the first handler
# whose class the error matches runs, and no match raises it again. In a gradient's forward code the
# frame gets the tape, to cut back what a failed body pushed.

import numpy as np

import zyg


def safe_get(x, i):
    s = 0.0
    try:
        s = x[i] * 3.0
    except IndexError:
        s = -1.0
    return s


# CHECK-LABEL: func.func private @safe_get_a1f64_i64(
# CHECK:         %[[FAILED:.*]], %[[FRAME:.*]] = zyg.try_enter
# CHECK:         %[[GO:.*]] = arith.xori %[[FAILED]], %{{.*}} : i1
# CHECK:         %[[S:.*]] = scf.if %[[GO]] -> (f64) {
# CHECK:           zyg.check
# CHECK:           zyg.try_exit %[[FRAME]] {failed = false}
# CHECK:           scf.yield
# CHECK:         } else {
# CHECK-NEXT:      zyg.try_exit %[[FRAME]] {failed = true}
# CHECK-NEXT:      scf.yield %{{.*}} : f64
# CHECK-NEXT:    }
# CHECK:         scf.if %[[FAILED]] -> (f64) {
# CHECK:           %[[M:.*]] = zyg.error_matches %[[FRAME]] {kinds = ["IndexError"], catch_index = 0 : i64}
# CHECK:           scf.if %{{.*}} -> (f64) {
# CHECK:           } else {
# CHECK-NEXT:        zyg.reraise %[[FRAME]]
print(zyg.jit(safe_get).ir("frontend", np.ones(3), 1))

# The gradient inlines the forward code into its body, whose tape the frame gets.
# CHECK-LABEL: func.func private @zyg_body(
# CHECK:         %[[TAPE:.*]] = ad.tape_new : !ad.tape
# CHECK:         zyg.try_enter tape %[[TAPE]] : !ad.tape
print(zyg.compile_grad(safe_get).ir("ad", np.ones(3), 1))
