// RUN: zyg-opt %s --split-input-file -p ad-differentiate | filecheck %s

// A function with a custom reverse rule (`ad.rule_fwd` / `ad.rule_bwd`, as the frontend builds them for
// `zyg.rrule`): a call of it is differentiated through its rule, never its body. `@mul_fwd` calls the
// rule's first half and pushes the residuals it returns after the value; `@mul_bwd` pops them (last
// pushed, first popped) and calls the pullback, which returns one cotangent per float argument.

func.func private @mul_rule_fwd(%a: f64, %b: f64) -> (f64, f64, f64) {
  %p = arith.mulf %a, %b : f64
  func.return %p, %a, %b : f64, f64, f64
}
func.func private @mul_rule_bwd(%a: f64, %b: f64, %ct: f64) -> (f64, f64) {
  %da = arith.mulf %ct, %b : f64
  %db = arith.mulf %ct, %a : f64
  func.return %da, %db : f64, f64
}
func.func private @mul(%a: f64, %b: f64) -> f64 attributes {ad.rule_fwd = @mul_rule_fwd, ad.rule_bwd = @mul_rule_bwd} {
  %p, %ra, %rb = func.call @mul_rule_fwd(%a, %b) : (f64, f64) -> (f64, f64, f64)
  func.return %p : f64
}
func.func @sin_squared(%x: f64) -> f64 {
  %s = math.sin %x : f64
  %y = func.call @mul(%s, %s) : (f64, f64) -> f64
  func.return %y : f64
}

// CHECK-LABEL: func.func @grad_through_rule(
// CHECK-SAME:      %[[X:[^:]+]]: f64) -> f64
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         %[[S:.*]] = math.sin %[[X]] : f64
// CHECK-NEXT:    %{{.*}} = func.call @mul_fwd(%[[S]], %[[S]], %[[T]]) : (f64, f64, !ad.tape) -> f64
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK-NEXT:    %[[DA:.*]], %[[DB:.*]] = func.call @mul_bwd(%[[ONE]], %[[T]]) : (f64, !ad.tape) -> (f64, f64)
// CHECK-NEXT:    %[[DS:.*]] = ad.add %[[DA]], %[[DB]] : f64
func.func @grad_through_rule(%x: f64) -> f64 {
  %dx = ad.grad @sin_squared(%x) : (f64) -> f64
  func.return %dx : f64
}

// CHECK-LABEL: func.func private @mul_fwd(
// CHECK-SAME:      %[[A:[^:]+]]: f64, %[[B:[^:]+]]: f64, %[[T:[^:]+]]: !ad.tape) -> f64
// CHECK-NEXT:    %[[P:.*]], %[[RA:.*]], %[[RB:.*]] = func.call @mul_rule_fwd(%[[A]], %[[B]])
// CHECK-NEXT:    ad.push %[[T]], %[[RA]] : f64
// CHECK-NEXT:    ad.push %[[T]], %[[RB]] : f64
// CHECK-NEXT:    func.return %[[P]] : f64

// CHECK-LABEL: func.func private @mul_bwd(
// CHECK-SAME:      %[[CT:[^:]+]]: f64, %[[T:[^:]+]]: !ad.tape) -> (f64, f64)
// CHECK-NEXT:    %[[RB:.*]] = ad.pop %[[T]] : f64
// CHECK-NEXT:    %[[RA:.*]] = ad.pop %[[T]] : f64
// CHECK-NEXT:    %[[DA:.*]], %[[DB:.*]] = func.call @mul_rule_bwd(%[[RA]], %[[RB]], %[[CT]])
// CHECK-NEXT:    func.return %[[DA]], %[[DB]] : f64, f64

// -----

// A request of a function with a rule calls its pair on a fresh tape; `wrt` picks the pullback's results.

func.func private @mul_rule_fwd(%a: f64, %b: f64) -> (f64, f64, f64) {
  %p = arith.mulf %a, %b : f64
  func.return %p, %a, %b : f64, f64, f64
}
func.func private @mul_rule_bwd(%a: f64, %b: f64, %ct: f64) -> (f64, f64) {
  %da = arith.mulf %ct, %b : f64
  %db = arith.mulf %ct, %a : f64
  func.return %da, %db : f64, f64
}
func.func private @mul(%a: f64, %b: f64) -> f64 attributes {ad.rule_fwd = @mul_rule_fwd, ad.rule_bwd = @mul_rule_bwd} {
  %p, %ra, %rb = func.call @mul_rule_fwd(%a, %b) : (f64, f64) -> (f64, f64, f64)
  func.return %p : f64
}

// CHECK-LABEL: func.func @grad_of_rule(
// CHECK-SAME:      %[[A:[^:]+]]: f64, %[[B:[^:]+]]: f64) -> f64
// CHECK-NEXT:    %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK-NEXT:    %{{.*}} = func.call @mul_wrt1_fwd(%[[A]], %[[B]], %[[T]]) : (f64, f64, !ad.tape) -> f64
// CHECK-NEXT:    %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK-NEXT:    %[[DB:.*]] = func.call @mul_wrt1_bwd(%[[ONE]], %[[T]]) : (f64, !ad.tape) -> f64
// CHECK-NEXT:    ad.tape_free %[[T]] : !ad.tape
// CHECK-NEXT:    func.return %[[DB]] : f64
func.func @grad_of_rule(%a: f64, %b: f64) -> f64 {
  %db = ad.grad @mul(%a, %b) {wrt = array<i64: 1>} : (f64, f64) -> f64
  func.return %db : f64
}

// CHECK-LABEL: func.func private @mul_wrt1_bwd(
// CHECK:         %{{.*}}, %[[DB:.*]] = func.call @mul_rule_bwd(
// CHECK-NEXT:    func.return %[[DB]] : f64

// -----

// `ad.stop_gradient` varies with nothing: `x * stop_gradient(x)` pulls back through its first factor only.

func.func @stopped(%x: f64) -> f64 {
  %s = ad.stop_gradient %x : f64
  %y = arith.mulf %x, %s : f64
  func.return %y : f64
}

// CHECK-LABEL: func.func @grad_stopped(
// CHECK:         %[[S:.*]] = ad.stop_gradient %{{.*}} : f64
// CHECK:         %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK-NEXT:    %[[DX:.*]] = arith.mulf %[[ONE]], %[[S]] : f64
// CHECK-NEXT:    ad.tape_free
// CHECK-NEXT:    func.return %[[DX]] : f64
func.func @grad_stopped(%x: f64) -> f64 {
  %dx = ad.grad @stopped(%x) : (f64) -> f64
  func.return %dx : f64
}
