// RUN: zyg-opt %s --split-input-file -p ad-jvp | filecheck %s

// Straight-line code: the request is replaced by the primal code with each op's tangent right after
// it, at the op's location. Only the tangent of `x` is given: `y` is a constant (wrt).

func.func @f(%x: f64, %y: f64) -> f64 {
  %0 = arith.mulf %x, %y : f64
  %1 = math.sin %0 : f64
  func.return %1 : f64
}

// CHECK-LABEL: func.func @straight_line(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %[[Y:[^:]+]]: f64, %[[DX:[^:]+]]: f64) -> (f64, f64)
// CHECK:         %[[P:.*]] = arith.mulf %[[X]], %[[Y]] : f64
// CHECK:         %[[DP:.*]] = ad.mul %[[DX]], %[[Y]] : f64
// CHECK:         %[[S:.*]] = math.sin %[[P]] : f64
// CHECK:         %[[COS:.*]] = math.cos %[[P]] : f64
// CHECK:         %[[DS:.*]] = ad.mul %[[DP]], %[[COS]] : f64
// CHECK:         func.return %[[S]], %[[DS]] : f64, f64
func.func @straight_line(%x: f64, %y: f64, %dx: f64) -> (f64, f64) {
  %v, %dv = ad.jvp @f(%x, %y) tangent(%dx) {wrt = array<i64: 0>} : (f64, f64), (f64) -> (f64), f64
  func.return %v, %dv : f64, f64
}

// -----

// scf.if: the tangent of a varied result is an extra result; a branch where it is zero yields a
// materialised zero.

func.func @f(%x: f64) -> f64 {
  %zero = arith.constant 0.0 : f64
  %c = arith.cmpf ogt, %x, %zero : f64
  %r = scf.if %c -> (f64) {
    %e = math.exp %x : f64
    scf.yield %e : f64
  } else {
    scf.yield %zero : f64
  }
  func.return %r : f64
}

// CHECK-LABEL: func.func @branch(
// CHECK:         %{{.*}}, %[[DR:.*]] = scf.if %{{.*}} -> (f64, f64) {
// CHECK:           %[[E:.*]] = math.exp
// CHECK:           %[[DE:.*]] = ad.mul %{{.*}}, %[[E]] : f64
// CHECK:           scf.yield %[[E]], %[[DE]] : f64, f64
// CHECK:         } else {
// CHECK:           %[[Z:.*]] = ad.zero : f64
// CHECK:           scf.yield %{{.*}}, %[[Z]] : f64, f64
// CHECK:         func.return %{{.*}}, %[[DR]] : f64, f64
func.func @branch(%x: f64, %dx: f64) -> (f64, f64) {
  %v, %dv = ad.jvp @f(%x) tangent(%dx) : (f64), (f64) -> (f64), f64
  func.return %v, %dv : f64, f64
}

// -----

// scf.for: the tangent of a varied loop value is an extra iteration argument; the integer counter
// carries none.

func.func @f(%x: f64, %n: index) -> f64 {
  %lb = arith.constant 0 : index
  %one = arith.constant 1 : index
  %r = scf.for %i = %lb to %n step %one iter_args(%acc = %x) -> (f64) {
    %t = arith.mulf %acc, %x : f64
    scf.yield %t : f64
  }
  func.return %r : f64
}

// CHECK-LABEL: func.func @for_loop(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %[[N:[^:]+]]: index, %[[DX:[^:]+]]: f64)
// CHECK:         %{{.*}}, %[[DR:.*]] = scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[X]], %[[DACC:.*]] = %[[DX]]) -> (f64, f64) {
// CHECK:           %[[T:.*]] = arith.mulf %[[ACC]], %[[X]] : f64
// CHECK:           %[[A:.*]] = ad.mul %[[DACC]], %[[X]] : f64
// CHECK:           %[[B:.*]] = ad.mul %[[DX]], %[[ACC]] : f64
// CHECK:           %[[DT:.*]] = arith.addf %[[A]], %[[B]] : f64
// CHECK:           scf.yield %[[T]], %[[DT]] : f64, f64
// CHECK:         func.return %{{.*}}, %[[DR]] : f64, f64
func.func @for_loop(%x: f64, %n: index, %dx: f64) -> (f64, f64) {
  %v, %dv = ad.jvp @f(%x, %n) tangent(%dx) : (f64, index), (f64) -> (f64), f64
  func.return %v, %dv : f64, f64
}

// -----

// scf.while: tangents enter with the loop values, pass the condition and come back in the yield.

func.func @f(%x: f64) -> f64 {
  %limit = arith.constant 100.0 : f64
  %r = scf.while (%a = %x) : (f64) -> (f64) {
    %c = arith.cmpf olt, %a, %limit : f64
    scf.condition(%c) %a : f64
  } do {
  ^bb0(%b: f64):
    %t = arith.mulf %b, %b : f64
    scf.yield %t : f64
  }
  func.return %r : f64
}

// CHECK-LABEL: func.func @while_loop(
// CHECK:         %{{.*}}, %[[DR:.*]] = scf.while (%[[A:.*]] = %{{.*}}, %[[DA:.*]] = %{{.*}}) : (f64, f64) -> (f64, f64) {
// CHECK:           scf.condition(%{{.*}}) %[[A]], %[[DA]] : f64, f64
// CHECK:         } do {
// CHECK:           scf.yield %{{.*}}, %{{.*}} : f64, f64
// CHECK:         func.return %{{.*}}, %[[DR]] : f64, f64
func.func @while_loop(%x: f64, %dx: f64) -> (f64, f64) {
  %v, %dv = ad.jvp @f(%x) tangent(%dx) : (f64), (f64) -> (f64), f64
  func.return %v, %dv : f64, f64
}

// -----

// Calls: a call passing a tangent calls `@<g>_jvp`, built once; a recursive callee calls its own
// `_jvp`. Only the varied parameters carry tangents (`_wrt0`); a call passing none calls the primal.

func.func @power(%x: f64, %n: i64) -> f64 {
  %zero = arith.constant 0 : i64
  %done = arith.cmpi eq, %n, %zero : i64
  %r = scf.if %done -> (f64) {
    %one = arith.constant 1.0 : f64
    scf.yield %one : f64
  } else {
    %k = arith.constant 1 : i64
    %m = arith.subi %n, %k : i64
    %p = func.call @power(%x, %m) : (f64, i64) -> f64
    %t = arith.mulf %x, %p : f64
    scf.yield %t : f64
  }
  func.return %r : f64
}

func.func @scale(%a: f64, %b: f64) -> f64 {
  %0 = arith.mulf %a, %b : f64
  func.return %0 : f64
}

func.func @f(%x: f64, %n: i64) -> f64 {
  %p = func.call @power(%x, %n) : (f64, i64) -> f64
  %two = arith.constant 2.0 : f64
  %s = func.call @scale(%p, %two) : (f64, f64) -> f64
  %c = func.call @scale(%two, %two) : (f64, f64) -> f64
  %r = arith.addf %s, %c : f64
  func.return %r : f64
}

// CHECK-LABEL: func.func @calls(
// CHECK:         func.call @power_jvp(%{{.*}}, %{{.*}}, %{{.*}}) : (f64, i64, f64) -> (f64, f64)
// CHECK:         func.call @scale_wrt0_jvp(%{{.*}}, %{{.*}}, %{{.*}}) : (f64, f64, f64) -> (f64, f64)
// CHECK:         func.call @scale(%{{.*}}, %{{.*}}) : (f64, f64) -> f64
// CHECK-LABEL: func.func private @power_jvp(
// CHECK:         func.call @power_jvp(
// CHECK-LABEL: func.func private @scale_wrt0_jvp(
func.func @calls(%x: f64, %n: i64, %dx: f64) -> (f64, f64) {
  %v, %dv = ad.jvp @f(%x, %n) tangent(%dx) : (f64, i64), (f64) -> (f64), f64
  func.return %v, %dv : f64, f64
}

// -----

// Tapes: a pushed float's tangent is pushed right after it and popped right before it, so a
// gradient's tape also carries the tangents of its residuals (forward over reverse). Integers
// (trip counts) carry none.

func.func @f(%x: f64, %n: i64) -> f64 {
  %t = ad.tape_new : !ad.tape
  %s = math.sin %x : f64
  ad.push %t, %s : f64
  ad.push %t, %n : i64
  %m = ad.pop %t : i64
  %r = ad.pop %t : f64
  ad.tape_free %t : !ad.tape
  %y = arith.mulf %r, %r : f64
  func.return %y : f64
}

// CHECK-LABEL: func.func @tape(
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         %[[S:.*]] = math.sin
// CHECK:         %[[DS:.*]] = ad.mul
// CHECK:         ad.push %[[T]], %[[S]] : f64
// CHECK-NEXT:    ad.push %[[T]], %[[DS]] : f64
// CHECK-NEXT:    ad.push %[[T]], %{{.*}} : i64
// CHECK-NEXT:    ad.pop %[[T]] : i64
// CHECK-NEXT:    %[[DR:.*]] = ad.pop %[[T]] : f64
// CHECK-NEXT:    %[[R:.*]] = ad.pop %[[T]] : f64
// CHECK:         ad.tape_free %[[T]] : !ad.tape
// CHECK:         arith.mulf %[[R]], %[[R]] : f64
// CHECK:         ad.mul %[[DR]], %[[R]] : f64
func.func @tape(%x: f64, %n: i64, %dx: f64) -> (f64, f64) {
  %v, %dv = ad.jvp @f(%x, %n) tangent(%dx) : (f64, i64), (f64) -> (f64), f64
  func.return %v, %dv : f64, f64
}

// -----

// Arrays: linear ops apply to the tangent (`sum(dx)`); a product takes both terms.

func.func @f(%x: tensor<?xf64>, %w: tensor<?xf64>) -> f64 {
  %p = arith.mulf %x, %w : tensor<?xf64>
  %s = zyg.reduce %p {kind = "sum", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f64
  func.return %s : f64
}

// CHECK-LABEL: func.func @arrays(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>, %[[W:[^:]+]]: tensor<?xf64>, %[[DX:[^:]+]]: tensor<?xf64>, %[[DW:[^:]+]]: tensor<?xf64>)
// CHECK:         %[[A:.*]] = ad.mul %[[DX]], %[[W]] : tensor<?xf64>
// CHECK:         %[[B:.*]] = ad.mul %[[DW]], %[[X]] : tensor<?xf64>
// CHECK:         %[[DP:.*]] = arith.addf %[[A]], %[[B]] : tensor<?xf64>
// CHECK:         %[[DS:.*]] = zyg.reduce %[[DP]] {kind = "sum"
// CHECK:         func.return %{{.*}}, %[[DS]] : f64, f64
func.func @arrays(%x: tensor<?xf64>, %w: tensor<?xf64>, %dx: tensor<?xf64>, %dw: tensor<?xf64>) -> (f64, f64) {
  %v, %dv = ad.jvp @f(%x, %w) tangent(%dx, %dw) : (tensor<?xf64>, tensor<?xf64>), (tensor<?xf64>, tensor<?xf64>) -> (f64), f64
  func.return %v, %dv : f64, f64
}

// -----

// Writes through integer arrays are linear: the tangent is written the same way into the old array's
// tangent, with the same indices and axes (a "set" keeps the same last write).

func.func @f(%y: tensor<?x?xf64>, %v: tensor<?x?xf64>, %idx: tensor<?xi64>) -> tensor<?x?xf64> {
  %z = zyg.scatter %v into %y [%idx] {axes = array<i64: 1>, position = 1 : i64, kind = "set"} : tensor<?x?xf64>, tensor<?xi64> into tensor<?x?xf64>
  func.return %z : tensor<?x?xf64>
}

// CHECK-LABEL: func.func @scatter(
// CHECK-SAME:      %[[Y:[^:]+]]: tensor<?x?xf64>, %[[V:[^:]+]]: tensor<?x?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>, %[[DY:[^:]+]]: tensor<?x?xf64>, %[[DV:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[Z:.*]] = zyg.scatter %[[V]] into %[[Y]][%[[IDX]]] {axes = array<i64: 1>, position = 1 : i64, kind = "set"}
// CHECK:         %[[DZ:.*]] = zyg.scatter %[[DV]] into %[[DY]][%[[IDX]]] {axes = array<i64: 1>, position = 1 : i64, kind = "set"}
// CHECK:         func.return %[[Z]], %[[DZ]] : tensor<?x?xf64>, tensor<?x?xf64>
func.func @scatter(%y: tensor<?x?xf64>, %v: tensor<?x?xf64>, %idx: tensor<?xi64>, %dy: tensor<?x?xf64>, %dv: tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %z, %dz = ad.jvp @f(%y, %v, %idx) tangent(%dy, %dv) {wrt = array<i64: 0, 1>} : (tensor<?x?xf64>, tensor<?x?xf64>, tensor<?xi64>), (tensor<?x?xf64>, tensor<?x?xf64>) -> (tensor<?x?xf64>), tensor<?x?xf64>
  func.return %z, %dz : tensor<?x?xf64>, tensor<?x?xf64>
}

// -----

// zyg.unscatter (a "set" scatter's adjoint, met in forward over reverse) is linear too.

func.func @f(%ct: tensor<?xf64>, %idx: tensor<?xi64>) -> tensor<?xf64> {
  %v, %y = zyg.unscatter %ct [%idx] : tensor<?xf64>, tensor<?xi64> -> tensor<?xf64>, tensor<?xf64>
  func.return %v : tensor<?xf64>
}

// CHECK-LABEL: func.func @unscatter(
// CHECK-SAME:      %[[CT:[^:]+]]: tensor<?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>, %[[DCT:[^:]+]]: tensor<?xf64>)
// CHECK:         %[[V:.*]], %{{.*}} = zyg.unscatter %[[CT]][%[[IDX]]]
// CHECK:         %[[DV:.*]], %{{.*}} = zyg.unscatter %[[DCT]][%[[IDX]]]
// CHECK:         func.return %[[V]], %[[DV]] : tensor<?xf64>, tensor<?xf64>
func.func @unscatter(%ct: tensor<?xf64>, %idx: tensor<?xi64>, %dct: tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  %v, %dv = ad.jvp @f(%ct, %idx) tangent(%dct) {wrt = array<i64: 0>} : (tensor<?xf64>, tensor<?xi64>), (tensor<?xf64>) -> (tensor<?xf64>), tensor<?xf64>
  func.return %v, %dv : tensor<?xf64>, tensor<?xf64>
}
