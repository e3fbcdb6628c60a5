# RUN: python %s | filecheck %s
# A function with a custom rule: the rule is compiled beside it as the hooks `ad-differentiate` uses
# (`@<f>_rule_fwd`: the value, then what the pullback captures; `@<f>_rule_bwd`: the pullback), and the
# function itself calls `rule_fwd` (its value is the rule's). A call of `mul` inside the rule runs its body.
# `zyg.stop_gradient` marks each float leaf with `ad.stop_gradient`.

import numpy as np
import zyg


def mul(a, b):
    return a * b


@zyg.rrule(mul)
def mul_rrule(a, b):
    def mul_pullback(dy):
        return dy * b, dy * a
    return mul(a, b), mul_pullback


def uses_mul(x):
    return mul(x, 3.0)


# CHECK-LABEL: func.func private @mul_rrule_f64_f64(
# CHECK:         func.call @mul_f64_f64_1(
# CHECK-LABEL: func.func private @mul_f64_f64_rule_fwd(
# CHECK-SAME:      %[[A:[^:]+]]: f64, %[[B:[^:]+]]: f64) -> (f64, f64, f64)
# CHECK-NEXT:    %[[V:.*]], %[[RA:.*]], %[[RB:.*]] = func.call @mul_rrule_f64_f64(%[[A]], %[[B]])
# CHECK-NEXT:    func.return %[[V]], %[[RA]], %[[RB]] : f64, f64, f64
# CHECK-LABEL: func.func private @mul_f64_f64_rule_bwd(
# CHECK-SAME:      %[[RA:[^:]+]]: f64, %[[RB:[^:]+]]: f64, %[[CT:[^:]+]]: f64) -> (f64, f64)
# CHECK-NEXT:    %[[DA:.*]], %[[DB:.*]] = func.call @mul_rrule_mul_pullback_f64_f64_f64(%[[CT]], %[[RA]], %[[RB]])
# CHECK-NEXT:    func.return %[[DA]], %[[DB]] : f64, f64
# CHECK-LABEL: func.func private @mul_f64_f64(
# CHECK-SAME:      attributes {ad.rule_fwd = @mul_f64_f64_rule_fwd, ad.rule_bwd = @mul_f64_f64_rule_bwd}
# CHECK-NEXT:    %[[V:.*]], %{{.*}}, %{{.*}} = func.call @mul_f64_f64_rule_fwd(
# CHECK-NEXT:    func.return %[[V]] : f64
# CHECK-LABEL: func.func private @uses_mul_f64(
# CHECK:         func.call @mul_f64_f64(
print(zyg.jit(uses_mul).ir("frontend", 2.0))


def stopped(x, d):
    return np.sum(zyg.stop_gradient(x)) + zyg.stop_gradient(d)["w"]


# CHECK-LABEL: func.func private @stopped_a1f64_d2(
# CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>, %[[W:[^:]+]]: f64, %[[N:[^:]+]]: i64) -> f64
# CHECK-NEXT:    %{{.*}} = ad.stop_gradient %[[X]] : tensor<?xf64>
# CHECK:         %{{.*}} = ad.stop_gradient %[[W]] : f64
# CHECK-NOT:     ad.stop_gradient %[[N]]
print(zyg.jit(stopped).ir("frontend", np.ones(2), {"w": 1.0, "n": 2}))
