// RUN: zyg-opt %s -p ad-differentiate,ad-jvp | filecheck %s

// Forward over reverse: the jvp of a gradient is a Hessian-vector product. `ad-differentiate` answers
// the gradient first; `ad-jvp` then runs over its code. Each residual the loop pushes has its tangent
// pushed after it, and the reverse loop pops the tangent first; the split-mode pair of the callee
// gets a `_jvp` each, which take the tape.

func.func @g(%a: f64) -> f64 {
  %0 = math.sin %a : f64
  func.return %0 : f64
}

func.func @f(%x: f64, %n: index) -> f64 {
  %lb = arith.constant 0 : index
  %one = arith.constant 1 : index
  %r = scf.for %i = %lb to %n step %one iter_args(%acc = %x) -> (f64) {
    %t = math.exp %acc : f64
    %u = func.call @g(%t) : (f64) -> f64
    scf.yield %u : f64
  }
  func.return %r : f64
}

func.func @gradient(%x: f64, %n: index) -> f64 {
  %dx = ad.grad @f(%x, %n) : (f64, index) -> f64
  func.return %dx : f64
}

func.func @hvp(%x: f64, %n: index, %v: f64) -> (f64, f64) {
  %g, %hv = ad.jvp @gradient(%x, %n) tangent(%v) : (f64, index), (f64) -> (f64), f64
  func.return %g, %hv : f64, f64
}

// CHECK-LABEL: func.func @hvp(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %[[N:[^:]+]]: index, %[[V:[^:]+]]: f64) -> (f64, f64)
// CHECK:         %[[TAPE:.*]] = ad.tape_new : !ad.tape
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[X]], %[[DACC:.*]] = %[[V]]) -> (f64, f64) {
// CHECK:           %[[T:.*]] = math.exp %[[ACC]] : f64
// CHECK:           %[[DT:.*]] = ad.mul %[[DACC]], %[[T]] : f64
// CHECK:           func.call @g_fwd_jvp(%[[T]], %[[TAPE]], %[[DT]]) : (f64, !ad.tape, f64) -> (f64, f64)
// CHECK:           ad.push %[[TAPE]], %[[T]] : f64
// CHECK-NEXT:      ad.push %[[TAPE]], %[[DT]] : f64
// CHECK:         %[[G:.*]], %[[HV:.*]] = scf.for
// CHECK:           %[[DP:.*]] = ad.pop %[[TAPE]] : f64
// CHECK-NEXT:      %[[P:.*]] = ad.pop %[[TAPE]] : f64
// CHECK-NEXT:      zyg.check_interrupt
// CHECK-NEXT:      %[[CT:.*]], %[[DCT:.*]] = func.call @g_bwd_jvp(%{{.*}}, %[[TAPE]], %{{.*}}) : (f64, !ad.tape, f64) -> (f64, f64)
// CHECK:         ad.tape_free %[[TAPE]] : !ad.tape
// CHECK:         func.return %[[G]], %[[HV]] : f64, f64
// CHECK-LABEL: func.func private @g_fwd_jvp(
// CHECK-SAME:      %{{[^:]+}}: f64, %{{[^:]+}}: !ad.tape, %{{[^:]+}}: f64) -> (f64, f64)
// CHECK-LABEL: func.func private @g_bwd_jvp(
// CHECK:         ad.pop
// CHECK-NEXT:    ad.pop
