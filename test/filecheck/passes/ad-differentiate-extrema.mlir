// RUN: zyg-opt %s -p ad-differentiate --disable-verify | filecheck %s
// (--disable-verify: xDSL 0.74's arith.cmpf verifier accepts only an i1 result, not the elementwise
// tensor<...xi1> comparison the rule emits and upstream MLIR accepts.)

// np.max(x): the elements equal to the maximum (or NaN, which max propagates) share the cotangent
// equally, so a tie counts it once: x_ct = where(hit, ct / sum(hit), 0).

func.func @f(%x: tensor<?x?xf64>) -> f64 {
  %m = zyg.reduce %x {kind = "max", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %m : f64
}

// CHECK-LABEL: func.func @max_ties(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>) -> tensor<?x?xf64>
// CHECK:         %[[M:.*]] = zyg.reduce %[[X]] {kind = "max", axes = array<i64: 0, 1>, keepdims = false}
// CHECK:         %[[CT:.*]] = arith.constant 1.000000e+00 : f64
// CHECK:         %[[MX:.*]] = zyg.expand %[[M]]
// CHECK:         %[[EQ:.*]] = arith.cmpf oeq, %[[X]], %[[MX]]
// CHECK:         %[[NAN:.*]] = arith.cmpf uno, %[[X]], %[[X]]
// CHECK:         %[[HIT:.*]] = arith.ori %[[EQ]], %[[NAN]]
// CHECK:         %[[ONES:.*]] = arith.select %[[HIT]], %{{.*}}, %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[COUNT:.*]] = zyg.reduce %[[ONES]] {kind = "sum", axes = array<i64: 0, 1>, keepdims = false}
// CHECK:         %[[SHARE:.*]] = arith.divf %[[CT]], %[[COUNT]] : f64
// CHECK:         %[[SPREAD:.*]] = zyg.expand %[[SHARE]]
// CHECK:         %[[DX:.*]] = arith.select %[[HIT]], %[[SPREAD]], %{{.*}} : tensor<?x?xf64>
// CHECK:         func.return %[[DX]]
func.func @max_ties(%x: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %dx = ad.grad @f(%x) : (tensor<?x?xf64>) -> tensor<?x?xf64>
  func.return %dx : tensor<?x?xf64>
}
