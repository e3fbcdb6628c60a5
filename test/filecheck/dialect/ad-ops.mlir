// RUN: zyg-opt %s | zyg-opt | filecheck %s

func.func @f(%x: f64, %n: i64) -> f64 {
  func.return %x : f64
}

// CHECK-LABEL: func.func @requests
func.func @requests(%x: f64, %n: i64, %s: f64) -> f64 {
  // CHECK: %{{.*}} = ad.grad @f(%{{.*}}, %{{.*}}) : (f64, i64) -> f64
  %dx = ad.grad @f(%x, %n) : (f64, i64) -> f64
  // CHECK: %{{.*}}, %{{.*}} = ad.vjp @f(%{{.*}}, %{{.*}}) seed(%{{.*}}) : (f64, i64), (f64) -> (f64), f64
  %y, %vx = ad.vjp @f(%x, %n) seed(%s) : (f64, i64), (f64) -> (f64), f64
  func.return %dx : f64
}

func.func @g(%w: f64, %x: tensor<?xf64>) -> f64 {
  func.return %w : f64
}

// CHECK-LABEL: func.func @requests_wrt
func.func @requests_wrt(%w: f64, %x: tensor<?xf64>, %s: f64) -> tensor<?xf64> {
  // CHECK: %{{.*}} = ad.grad @g(%{{.*}}, %{{.*}}) {wrt = array<i64: 1>} : (f64, tensor<?xf64>) -> tensor<?xf64>
  %dx = ad.grad @g(%w, %x) {wrt = array<i64: 1>} : (f64, tensor<?xf64>) -> tensor<?xf64>
  // CHECK: ad.vjp @g(%{{.*}}, %{{.*}}) seed(%{{.*}}) {wrt = array<i64: 0>} : (f64, tensor<?xf64>), (f64) -> (f64), f64
  %y, %vw = ad.vjp @g(%w, %x) seed(%s) {wrt = array<i64: 0>} : (f64, tensor<?xf64>), (f64) -> (f64), f64
  func.return %dx : tensor<?xf64>
}

func.func @h(%x: tensor<?xf64>) -> (f64, i64, tensor<?xf64>) {
  %c = arith.constant 1 : i64
  %s = arith.constant 1.0 : f64
  func.return %s, %c, %x : f64, i64, tensor<?xf64>
}

// A function of several results: one seed per float result (the i64 gets none).
// CHECK-LABEL: func.func @requests_several_results
func.func @requests_several_results(%x: tensor<?xf64>, %s: f64, %t: tensor<?xf64>) -> tensor<?xf64> {
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} = ad.vjp @h(%{{.*}}) seed(%{{.*}}, %{{.*}}) : (tensor<?xf64>), (f64, tensor<?xf64>) -> (f64, i64, tensor<?xf64>), tensor<?xf64>
  %a, %b, %c, %dx = ad.vjp @h(%x) seed(%s, %t) : (tensor<?xf64>), (f64, tensor<?xf64>) -> (f64, i64, tensor<?xf64>), tensor<?xf64>
  func.return %dx : tensor<?xf64>
}

// A vjp in two halves: the forward returns a tape, the backward reads it, a reader leaves it whole.
// CHECK-LABEL: func.func @split_requests
func.func @split_requests(%x: f64, %n: i64, %s: f64) -> f64 {
  // CHECK: %{{.*}}, %[[T:.*]] = ad.forward @f(%{{.*}}, %{{.*}}) {wrt = array<i64: 0>} : (f64, i64) -> (f64), !ad.tape
  %y, %t = ad.forward @f(%x, %n) {wrt = array<i64: 0>} : (f64, i64) -> (f64), !ad.tape
  // CHECK: %{{.*}} = ad.backward @f seed(%{{.*}}) tape(%[[T]]) {wrt = array<i64: 0>} : (f64) -> f64
  %dx = ad.backward @f seed(%s) tape(%t) {wrt = array<i64: 0>} : (f64) -> f64
  // CHECK: %[[R:.*]] = ad.tape_reader %[[T]] : !ad.tape
  %r = ad.tape_reader %t : !ad.tape
  // CHECK: ad.tape_free %[[R]] : !ad.tape
  ad.tape_free %r : !ad.tape
  ad.tape_free %t : !ad.tape
  func.return %dx : f64
}

// A Jacobian per differentiated argument, an f64 matrix whatever the argument's type.
// CHECK-LABEL: func.func @jacobians
func.func @jacobians(%w: f64, %x: tensor<?xf64>) -> tensor<?x?xf64> {
  // CHECK: %{{.*}}, %{{.*}} = ad.jacobian @g(%{{.*}}, %{{.*}}) : (f64, tensor<?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>)
  %jw, %jx = ad.jacobian @g(%w, %x) : (f64, tensor<?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>)
  // CHECK: %{{.*}} = ad.jacobian @h(%{{.*}}) {wrt = array<i64: 0>} : (tensor<?xf64>) -> tensor<?x?xf64>
  %jh = ad.jacobian @h(%x) {wrt = array<i64: 0>} : (tensor<?xf64>) -> tensor<?x?xf64>
  func.return %jx : tensor<?x?xf64>
}

// CHECK-LABEL: func.func @cotangents
func.func @cotangents(%a: f64, %b: f32) -> f64 {
  // CHECK: %[[Z:.*]] = ad.zero : f64
  %z = ad.zero : f64
  // CHECK: ad.add %{{.*}}, %[[Z]] : f64
  %s = ad.add %a, %z : f64
  // CHECK: ad.add %{{.*}}, %{{.*}} : f32
  %t = ad.add %b, %b : f32
  // CHECK: ad.mul %{{.*}}, %{{.*}} : f64
  %m = ad.mul %s, %a : f64
  // CHECK: ad.div %{{.*}}, %{{.*}} : f32
  %d = ad.div %t, %b : f32
  func.return %m : f64
}

// CHECK-LABEL: func.func @strong_zero_tensors
func.func @strong_zero_tensors(%ct: tensor<?xf64>, %x: tensor<?xf64>) -> tensor<?xf64> {
  // CHECK: ad.mul %{{.*}}, %{{.*}} : tensor<?xf64>
  %m = ad.mul %ct, %x : tensor<?xf64>
  // CHECK: ad.div %{{.*}}, %{{.*}} : tensor<?xf64>
  %d = ad.div %m, %x : tensor<?xf64>
  func.return %d : tensor<?xf64>
}

// CHECK-LABEL: func.func @tape
func.func @tape(%x: f64, %i: i64, %c: i1, %k: index) -> f64 {
  // CHECK: %[[T:.*]] = ad.tape_new : !ad.tape
  %t = ad.tape_new : !ad.tape
  // CHECK: ad.push %[[T]], %{{.*}} : f64
  ad.push %t, %x : f64
  // CHECK: ad.push %[[T]], %{{.*}} : i64
  ad.push %t, %i : i64
  // CHECK: ad.push %[[T]], %{{.*}} : i1
  ad.push %t, %c : i1
  // CHECK: ad.push %[[T]], %{{.*}} : index
  ad.push %t, %k : index
  // CHECK: ad.pop %[[T]] : index
  %k2 = ad.pop %t : index
  // CHECK: ad.pop %[[T]] : i1
  %c2 = ad.pop %t : i1
  // CHECK: ad.pop %[[T]] : i64
  %i2 = ad.pop %t : i64
  // CHECK: ad.pop %[[T]] : f64
  %x2 = ad.pop %t : f64
  // CHECK: ad.tape_free %[[T]] : !ad.tape
  ad.tape_free %t : !ad.tape
  func.return %x2 : f64
}

// The tape type in function signatures, as the split-mode @<f>_fwd / @<f>_bwd pairs use it.
// CHECK-LABEL: func.func private @g_bwd(f64, !ad.tape) -> f64
func.func private @g_bwd(f64, !ad.tape) -> f64

// Forward mode: one tangent per float argument (or per argument in wrt), one per float result.
// CHECK-LABEL: func.func @requests_jvp
func.func @requests_jvp(%x: f64, %n: i64, %dx: f64, %w: tensor<?xf64>, %dw: tensor<?xf64>) -> f64 {
  // CHECK: %{{.*}}, %{{.*}} = ad.jvp @f(%{{.*}}, %{{.*}}) tangent(%{{.*}}) : (f64, i64), (f64) -> (f64), f64
  %y, %dy = ad.jvp @f(%x, %n) tangent(%dx) : (f64, i64), (f64) -> (f64), f64
  // CHECK: ad.jvp @h(%{{.*}}) tangent(%{{.*}}) : (tensor<?xf64>), (tensor<?xf64>) -> (f64, i64, tensor<?xf64>), f64, tensor<?xf64>
  %a, %b, %c, %da, %dc = ad.jvp @h(%w) tangent(%dw) : (tensor<?xf64>), (tensor<?xf64>) -> (f64, i64, tensor<?xf64>), f64, tensor<?xf64>
  // CHECK: ad.jvp @g(%{{.*}}, %{{.*}}) tangent(%{{.*}}) {wrt = array<i64: 0>} : (f64, tensor<?xf64>), (f64) -> (f64), f64
  %v, %dv = ad.jvp @g(%x, %w) tangent(%dx) {wrt = array<i64: 0>} : (f64, tensor<?xf64>), (f64) -> (f64), f64
  func.return %dy : f64
}

// CHECK-LABEL: func.func @stop_gradient
func.func @stop_gradient(%x: f64, %v: tensor<?xf64>) -> f64 {
  // CHECK: %{{.*}} = ad.stop_gradient %{{.*}} : f64
  %s = ad.stop_gradient %x : f64
  // CHECK: %{{.*}} = ad.stop_gradient %{{.*}} : tensor<?xf64>
  %w = ad.stop_gradient %v : tensor<?xf64>
  func.return %s : f64
}

// The custom rule hooks are attributes of the function they differentiate.
// CHECK-LABEL: func.func private @with_rules(f64) -> f64 attributes {ad.rule_fwd = @rule_fwd, ad.rule_bwd = @rule_bwd, ad.jvp_rule = @rule_jvp}
func.func private @with_rules(f64) -> f64 attributes {ad.rule_fwd = @rule_fwd, ad.rule_bwd = @rule_bwd, ad.jvp_rule = @rule_jvp}
