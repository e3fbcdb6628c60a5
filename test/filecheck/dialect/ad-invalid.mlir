// RUN: zyg-opt %s --verify-diagnostics --split-input-file | filecheck %s

// CHECK: ad.grad: expected one gradient per float argument (1), got 2
func.func @f(%x: f64, %n: i64) -> f64 {
  func.return %x : f64
}
func.func @grad_too_many_results(%x: f64, %n: i64) -> f64 {
  %dx, %dn = ad.grad @f(%x, %n) : (f64, i64) -> (f64, f64)
  func.return %dx : f64
}

// -----

// CHECK: ad.grad: expected one gradient per float argument (1), got 0
func.func @f(%x: f64) -> f64 {
  func.return %x : f64
}
func.func @grad_no_result(%x: f64) {
  ad.grad @f(%x) : (f64) -> ()
  func.return
}

// -----

// CHECK: ad.vjp: the seed types (f32) differ from the float value types (f64)
func.func @f(%x: f64) -> f64 {
  func.return %x : f64
}
func.func @vjp_seed_type(%x: f64, %s: f32) -> f64 {
  %y, %dx = ad.vjp @f(%x) seed(%s) : (f64), (f32) -> (f64), f64
  func.return %dx : f64
}

// -----

// CHECK: ad.vjp: expected one gradient per float argument (1), got 2
func.func @f(%x: f64, %n: i64) -> f64 {
  func.return %x : f64
}
func.func @vjp_gradient_count(%x: f64, %n: i64, %s: f64) -> f64 {
  %y, %dx, %dn = ad.vjp @f(%x, %n) seed(%s) : (f64, i64), (f64) -> (f64), f64, f64
  func.return %dx : f64
}

// -----

// CHECK: ad.jacobian: expected one Jacobian per float argument (2), got 1
func.func @f(%x: f64, %y: tensor<?xf64>) -> f64 {
  func.return %x : f64
}
func.func @jacobian_count(%x: f64, %y: tensor<?xf64>) -> tensor<?x?xf64> {
  %j = ad.jacobian @f(%x, %y) : (f64, tensor<?xf64>) -> tensor<?x?xf64>
  func.return %j : tensor<?x?xf64>
}

// -----

// CHECK: ad.jacobian: a Jacobian is a tensor<?x?xf64> matrix, got tensor<?xf64>
func.func @f(%x: tensor<?xf64>) -> f64 {
  %c = arith.constant 0 : index
  %e = tensor.extract %x[%c] : tensor<?xf64>
  func.return %e : f64
}
func.func @jacobian_type(%x: tensor<?xf64>) -> tensor<?xf64> {
  %j = ad.jacobian @f(%x) : (tensor<?xf64>) -> tensor<?xf64>
  func.return %j : tensor<?xf64>
}

// -----

// CHECK: ad.jacobian: wrt names argument 1, which is not a float argument
func.func @f(%x: f64, %n: i64) -> f64 {
  func.return %x : f64
}
func.func @jacobian_wrt_int(%x: f64, %n: i64) -> tensor<?x?xf64> {
  %j = ad.jacobian @f(%x, %n) {wrt = array<i64: 1>} : (f64, i64) -> tensor<?x?xf64>
  func.return %j : tensor<?x?xf64>
}

// -----

// CHECK: ad.push: cannot push a value of type !ad.tape
func.func @push_tape(%t: !ad.tape, %u: !ad.tape) {
  ad.push %t, %u : !ad.tape
  func.return
}

// -----

// Tensors are saved element by element; a tensor of `index` has no slot type.
// CHECK: ad.push: cannot push a value of type tensor<?xindex>
func.func @push_index_tensor(%t: !ad.tape, %u: tensor<?xindex>) {
  ad.push %t, %u : tensor<?xindex>
  func.return
}

// -----

// CHECK: ad.pop: cannot pop a value of type !ad.tape
func.func @pop_tape(%t: !ad.tape) -> !ad.tape {
  %u = ad.pop %t : !ad.tape
  func.return %u : !ad.tape
}

// -----

// CHECK: operand 'tape' at position 0 does not verify:
// CHECK-NEXT: f64 should be of base attribute ad.tape
func.func @push_onto_non_tape(%t: f64, %x: f64) {
  "ad.push"(%t, %x) : (f64, f64) -> ()
  func.return
}

// -----

// CHECK: ad.zero: a zero cotangent must be a float or a float tensor, got i64
func.func @zero_int() -> i64 {
  %z = ad.zero : i64
  func.return %z : i64
}

// -----

// CHECK: ad.zero: a tensor zero needs `like` (and a scalar zero must not have it)
func.func @zero_tensor_without_like() -> tensor<?xf64> {
  %z = ad.zero : tensor<?xf64>
  func.return %z : tensor<?xf64>
}

// -----

// CHECK: ad.zero: a tensor zero needs `like` (and a scalar zero must not have it)
func.func @zero_scalar_with_like(%x: f64) -> f64 {
  %z = ad.zero like %x : f64
  func.return %z : f64
}

// -----

// The `like` operand and the result share one type variable, so a mismatch fails the operand
// constraint before verify_ runs.
// CHECK: result 'result' at position 0 does not verify:
// CHECK-NEXT: attribute tensor<?x?xf64> expected from variable 'T', but got tensor<?xf64>
func.func @zero_like_type(%x: tensor<?x?xf64>) -> tensor<?xf64> {
  %z = "ad.zero"(%x) : (tensor<?x?xf64>) -> tensor<?xf64>
  func.return %z : tensor<?xf64>
}

// -----

// CHECK: ad.add: cotangents must be floats or float tensors, got i64
func.func @add_int(%a: i64, %b: i64) -> i64 {
  %s = ad.add %a, %b : i64
  func.return %s : i64
}

// -----

// CHECK: ad.mul: cotangents must be floats or float tensors, got i64
func.func @mul_int(%a: i64, %b: i64) -> i64 {
  %s = ad.mul %a, %b : i64
  func.return %s : i64
}

// -----

// CHECK: ad.div: cotangents must be floats or float tensors, got tensor<?xi64>
func.func @div_int_tensor(%a: tensor<?xi64>, %b: tensor<?xi64>) -> tensor<?xi64> {
  %s = ad.div %a, %b : tensor<?xi64>
  func.return %s : tensor<?xi64>
}

// -----

// CHECK: ad.add: cotangents must be floats or float tensors, got tensor<?xi64>
func.func @add_int_tensor(%a: tensor<?xi64>, %b: tensor<?xi64>) -> tensor<?xi64> {
  %s = ad.add %a, %b : tensor<?xi64>
  func.return %s : tensor<?xi64>
}

// -----

// CHECK: ad.vjp: a seed must be a float or a float tensor, got i64
func.func @f(%x: f64) -> i64 {
  %n = arith.fptosi %x : f64 to i64
  func.return %n : i64
}
func.func @vjp_int_seed(%x: f64, %s: i64) -> f64 {
  %y, %dx = ad.vjp @f(%x) seed(%s) : (f64), (i64) -> (i64), f64
  func.return %dx : f64
}

// -----

// CHECK: ad.grad: wrt must be strictly increasing, got [1, 0]
func.func @f(%w: f64, %x: f64) -> f64 {
  func.return %w : f64
}
func.func @grad_wrt_order(%w: f64, %x: f64) -> (f64, f64) {
  %dx, %dw = ad.grad @f(%w, %x) {wrt = array<i64: 1, 0>} : (f64, f64) -> (f64, f64)
  func.return %dx, %dw : f64, f64
}

// -----

// CHECK: ad.grad: wrt names argument 1, which is not a float argument
func.func @f(%x: f64, %n: i64) -> f64 {
  func.return %x : f64
}
func.func @grad_wrt_int(%x: f64, %n: i64) -> f64 {
  %dn = ad.grad @f(%x, %n) {wrt = array<i64: 1>} : (f64, i64) -> f64
  func.return %dn : f64
}

// -----

// CHECK: ad.grad: wrt names argument 2, which is not a float argument
func.func @f(%w: f64, %x: f64) -> f64 {
  func.return %w : f64
}
func.func @grad_wrt_out_of_range(%w: f64, %x: f64) -> f64 {
  %d = ad.grad @f(%w, %x) {wrt = array<i64: 2>} : (f64, f64) -> f64
  func.return %d : f64
}

// -----

// CHECK: ad.vjp: expected one gradient per argument in wrt (1), got 2
func.func @f(%w: f64, %x: f64) -> f64 {
  func.return %w : f64
}
func.func @vjp_wrt_gradient_count(%w: f64, %x: f64, %s: f64) -> f64 {
  %y, %dw, %dx = ad.vjp @f(%w, %x) seed(%s) {wrt = array<i64: 0>} : (f64, f64), (f64) -> (f64), f64, f64
  func.return %dw : f64
}

// -----

// CHECK: ad.forward: wrt is required (ad.backward must name the same arguments)
func.func @f(%x: f64) -> f64 {
  func.return %x : f64
}
func.func @forward_without_wrt(%x: f64) -> f64 {
  %y, %t = ad.forward @f(%x) : (f64) -> (f64), !ad.tape
  func.return %y : f64
}

// -----

// CHECK: ad.forward: wrt names argument 1, which is not a float argument
func.func @f(%x: f64, %n: i64) -> f64 {
  func.return %x : f64
}
func.func @forward_wrt_int(%x: f64, %n: i64) -> f64 {
  %y, %t = ad.forward @f(%x, %n) {wrt = array<i64: 1>} : (f64, i64) -> (f64), !ad.tape
  func.return %y : f64
}

// -----

// CHECK: ad.backward: expected one gradient per argument in wrt (1), got 2
func.func @backward_gradient_count(%s: f64, %t: !ad.tape) -> f64 {
  %a, %b = ad.backward @f seed(%s) tape(%t) {wrt = array<i64: 0>} : (f64) -> (f64, f64)
  func.return %a : f64
}

// -----

// CHECK: ad.backward: a seed must be a float or a float tensor, got i64
func.func @backward_int_seed(%s: i64, %t: !ad.tape) -> f64 {
  %a = ad.backward @f seed(%s) tape(%t) {wrt = array<i64: 0>} : (i64) -> f64
  func.return %a : f64
}

// -----

// CHECK: ad.jvp: expected one tangent per float argument (f64), got (f64, f64)
func.func @f(%x: f64, %n: i64) -> f64 {
  func.return %x : f64
}
func.func @jvp_tangent_count(%x: f64, %n: i64, %dx: f64) -> f64 {
  %y, %dy = ad.jvp @f(%x, %n) tangent(%dx, %dx) : (f64, i64), (f64, f64) -> (f64), f64
  func.return %dy : f64
}

// -----

// CHECK: ad.jvp: expected one tangent per argument in wrt (tensor<?xf64>), got (f64)
func.func @f(%w: f64, %x: tensor<?xf64>) -> f64 {
  func.return %w : f64
}
func.func @jvp_wrt_tangent_type(%w: f64, %x: tensor<?xf64>, %dw: f64) -> f64 {
  %y, %dy = ad.jvp @f(%w, %x) tangent(%dw) {wrt = array<i64: 1>} : (f64, tensor<?xf64>), (f64) -> (f64), f64
  func.return %dy : f64
}

// -----

// CHECK: ad.jvp: the result tangent types () differ from the float value types (f64)
func.func @f(%x: f64) -> f64 {
  func.return %x : f64
}
func.func @jvp_result_tangents(%x: f64, %dx: f64) -> f64 {
  %y = ad.jvp @f(%x) tangent(%dx) : (f64), (f64) -> (f64),
  func.return %y : f64
}

// -----

// CHECK: ad.jvp: wrt names argument 1, which is not a float argument
func.func @f(%x: f64, %n: i64) -> f64 {
  func.return %x : f64
}
func.func @jvp_wrt_int(%x: f64, %n: i64) -> f64 {
  %y, %dy = ad.jvp @f(%x, %n) tangent() {wrt = array<i64: 1>} : (f64, i64), () -> (f64), f64
  func.return %dy : f64
}

// -----

// CHECK: ad.stop_gradient: expected a float or a float tensor, got i64
func.func @stop_gradient_int(%n: i64) -> i64 {
  %s = ad.stop_gradient %n : i64
  func.return %s : i64
}
