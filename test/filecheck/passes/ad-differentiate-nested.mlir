// RUN: zyg-opt %s -p ad-differentiate | filecheck %s
// RUN: zyg-opt %s -p ad-autodiff | filecheck %s --check-prefix=ALL

// A gradient of code that holds a gradient request: the outer request is answered first, and its
// pullback meets the inner `ad.grad` as an op with a rule of its own (reverse over reverse as
// forward over reverse): the tangent of @g's gradient with respect to all its floats
// (@g_grad_all) along d = (the cotangent of the inner gradient at its wrt position, 0 elsewhere).
// The inner request's copy in the forward code is answered in turn; `ad-autodiff` then answers the
// `ad.jvp` (forward mode over @g_grad_all's answered gradient), leaving no request.

// CHECK-LABEL: func.func @outer(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %[[W:[^:]+]]: f64) -> (f64, f64)
// CHECK:         %[[ZERO:.*]] = ad.zero : f64
// CHECK-NEXT:    %{{.*}}, %{{.*}}, %[[DX:.*]], %[[DW:.*]] = ad.jvp @g_grad_all(%[[X]], %[[W]]) tangent(%{{.*}}, %[[ZERO]]) : (f64, f64), (f64, f64) -> (f64, f64), f64, f64
// CHECK:         func.return %[[DX]], %[[DW]] : f64, f64
// CHECK-LABEL: func.func private @g_grad_all(
// CHECK-NOT:     ad.grad
// CHECK:         func.return

// ALL-NOT: ad.grad
// ALL-NOT: ad.jvp

func.func private @g(%x: f64, %w: f64) -> f64 {
  %a = arith.mulf %x, %x : f64
  %b = arith.mulf %a, %w : f64
  func.return %b : f64
}

func.func private @f(%x: f64, %w: f64) -> f64 {
  %d = ad.grad @g(%x, %w) {wrt = array<i64: 0>} : (f64, f64) -> f64
  func.return %d : f64
}

func.func @outer(%x: f64, %w: f64) -> (f64, f64) {
  %dx, %dw = ad.grad @f(%x, %w) : (f64, f64) -> (f64, f64)
  func.return %dx, %dw : f64, f64
}
