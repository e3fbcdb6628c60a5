// RUN: zyg-opt %s --split-input-file -p ad-differentiate | filecheck %s

// `wrt` names the arguments to differentiate; the others are constants to activity analysis. Only
// `w` is asked for: the cotangent of `x` (`ct * w` from the product, `2 ct x` from the square) is
// neither computed nor accumulated, and the square's pullback disappears.

func.func @f(%w: f64, %x: f64) -> f64 {
  %0 = arith.mulf %w, %x : f64
  %1 = math.sin %0 : f64
  %2 = arith.mulf %x, %x : f64
  %3 = arith.addf %1, %2 : f64
  func.return %3 : f64
}

// CHECK-LABEL: func.func @grad_wrt_first(
// CHECK-SAME:      %[[W:[^:]+]]: f64, %[[X:[^:]+]]: f64) -> f64
// CHECK:         %[[P:.*]] = arith.mulf %[[W]], %[[X]] : f64
// CHECK:         %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK-NOT:     ad.add
// CHECK-NOT:     arith.mulf %{{.*}}, %[[W]]
// CHECK:         %[[COS:.*]] = math.cos %[[P]] : f64
// CHECK:         %[[CT:[^ ,)]+]] = arith.mulf %[[ONE]], %[[COS]] : f64
// CHECK-NEXT:    %[[DW:.*]] = ad.mul %[[CT]], %[[X]] : f64
// CHECK-NEXT:    ad.tape_free
// CHECK-NEXT:    func.return %[[DW]] : f64
func.func @grad_wrt_first(%w: f64, %x: f64) -> f64 {
  %dw = ad.grad @f(%w, %x) {wrt = array<i64: 0>} : (f64, f64) -> f64
  func.return %dw : f64
}

// -----

// The same for a vjp, with respect to the second argument of three: one gradient, of `x`.

func.func @f(%w: f64, %x: f64, %b: f64) -> f64 {
  %0 = arith.mulf %w, %x : f64
  %1 = arith.addf %0, %b : f64
  func.return %1 : f64
}

// CHECK-LABEL: func.func @vjp_wrt_second(
// CHECK-SAME:      %[[W:[^:]+]]: f64, %[[X:[^:]+]]: f64, %[[B:[^:]+]]: f64, %[[S:[^:]+]]: f64) -> (f64, f64)
// CHECK:         %[[Y:.*]] = arith.addf
// CHECK-NOT:     ad.add
// CHECK:         %[[DX:.*]] = ad.mul %[[S]], %[[W]] : f64
// CHECK-NEXT:    ad.tape_free
// CHECK-NEXT:    func.return %[[Y]], %[[DX]] : f64, f64
func.func @vjp_wrt_second(%w: f64, %x: f64, %b: f64, %s: f64) -> (f64, f64) {
  %y, %dx = ad.vjp @f(%w, %x, %b) seed(%s) {wrt = array<i64: 1>} : (f64, f64, f64), (f64) -> (f64), f64
  func.return %y, %dx : f64, f64
}

// -----

// A call whose varying operands are some of the callee's float parameters gets a split pair
// specialised to them: `@h_wrt0_bwd` returns the cotangent of `w` alone. `h(x, x)` does not vary with
// `w` and stays a plain call.

func.func @h(%w: f64, %x: f64) -> f64 {
  %0 = arith.mulf %w, %x : f64
  %1 = math.exp %0 : f64
  func.return %1 : f64
}
func.func @g(%w: f64, %x: f64) -> f64 {
  %0 = func.call @h(%w, %x) : (f64, f64) -> f64
  %1 = func.call @h(%x, %x) : (f64, f64) -> f64
  %2 = arith.addf %0, %1 : f64
  func.return %2 : f64
}

// CHECK-LABEL: func.func @call_wrt_first(
// CHECK:         func.call @h_wrt0_fwd(
// CHECK:         func.call @h(
// CHECK:         %[[DW:.*]] = func.call @h_wrt0_bwd(%{{.*}}, %{{.*}}) : (f64, !ad.tape) -> f64
// CHECK:         func.return %[[DW]] : f64
// CHECK-LABEL: func.func private @h_wrt0_bwd(
// CHECK-SAME:      %[[CT:[^:]+]]: f64, %{{[^:]+}}: !ad.tape) -> f64
// CHECK:         %[[X:.*]] = ad.pop
// CHECK:         %[[E:.*]] = ad.pop
// CHECK:         %[[T:.*]] = ad.mul %[[CT]], %[[X]] : f64
// CHECK-NEXT:    %[[DW:.*]] = ad.mul %[[T]], %[[E]] : f64
// CHECK-NEXT:    func.return %[[DW]] : f64
// CHECK-NOT:   @h_bwd
func.func @call_wrt_first(%w: f64, %x: f64) -> f64 {
  %dw = ad.grad @g(%w, %x) {wrt = array<i64: 0>} : (f64, f64) -> f64
  func.return %dw : f64
}

// -----

// Without `wrt` too: a constant float operand of a call gets no cotangent in the callee.

func.func @h(%w: f64, %x: f64) -> f64 {
  %0 = arith.mulf %w, %x : f64
  %1 = math.exp %0 : f64
  func.return %1 : f64
}
func.func @g(%x: f64) -> f64 {
  %c = arith.constant 2.0 : f64
  %0 = func.call @h(%x, %c) : (f64, f64) -> f64
  func.return %0 : f64
}

// CHECK-LABEL: func.func @call_constant_operand(
// CHECK:         func.call @h_wrt0_fwd(
// CHECK:         func.call @h_wrt0_bwd(%{{.*}}, %{{.*}}) : (f64, !ad.tape) -> f64
// CHECK-LABEL: func.func private @h_wrt0_bwd(
// CHECK-SAME:      -> f64
func.func @call_constant_operand(%x: f64) -> f64 {
  %dx = ad.grad @g(%x) : (f64) -> f64
  func.return %dx : f64
}

// -----

// Recursion: the recursive call varies in `w` only, so the specialised pair calls itself.

func.func @p(%w: f64, %x: f64, %n: i64) -> f64 {
  %zero = arith.constant 0 : i64
  %c = arith.cmpi eq, %n, %zero : i64
  %r = scf.if %c -> (f64) {
    scf.yield %x : f64
  } else {
    %one = arith.constant 1 : i64
    %m = arith.subi %n, %one : i64
    %s = func.call @p(%w, %x, %m) : (f64, f64, i64) -> f64
    %t = arith.mulf %w, %s : f64
    %u = arith.mulf %t, %x : f64
    scf.yield %u : f64
  }
  func.return %r : f64
}

// CHECK-LABEL: func.func @recursion_wrt_first(
// CHECK:         func.call @p_wrt0_fwd(
// CHECK:         func.call @p_wrt0_bwd(
// CHECK-LABEL: func.func private @p_wrt0_fwd(
// CHECK:         func.call @p_wrt0_fwd(
// CHECK-LABEL: func.func private @p_wrt0_bwd(
// CHECK-SAME:      -> f64
// CHECK:         func.call @p_wrt0_bwd(
// CHECK-NOT:   @p_bwd
func.func @recursion_wrt_first(%w: f64, %x: f64, %n: i64) -> f64 {
  %dw = ad.grad @p(%w, %x, %n) {wrt = array<i64: 0>} : (f64, f64, i64) -> f64
  func.return %dw : f64
}
