// RUN: zyg-opt %s --verify-diagnostics --split-input-file | filecheck %s

// Python's `int ** float` is a float: the frontend converts the base, so an i64 base with an f64
// exponent is invalid.
// CHECK: zyg.pow: an i64 base needs an i64 exponent, got f64
func.func @pow_int_base_float_exponent(%i: i64, %x: f64) -> i64 {
  %p = zyg.pow %i, %x : i64, f64
  func.return %p : i64
}

// -----

// CHECK: operand 'rhs' at position 1 does not verify:
// CHECK-NEXT: attribute i64 expected from variable 'T', but got f64
func.func @floordiv_mixed_types(%i: i64, %x: f64) -> i64 {
  %q = "zyg.floordiv"(%i, %x) : (i64, f64) -> i64
  func.return %q : i64
}

// -----

// CHECK: zyg.mod: expected f64, f32 or i64 (or a tensor of them), got i32
func.func @mod_i32(%a: i32, %b: i32) -> i32 {
  %r = zyg.mod %a, %b : i32
  func.return %r : i32
}

// -----

// CHECK: zyg.floordiv: expected f64, f32 or i64 (or a tensor of them), got tensor<?xi32>
func.func @floordiv_i32_tensor(%a: tensor<?xi32>, %b: tensor<?xi32>) -> tensor<?xi32> {
  %q = zyg.floordiv %a, %b : tensor<?xi32>
  func.return %q : tensor<?xi32>
}

// -----

// CHECK: zyg.pow: a tensor exponent must have the base's shape
func.func @pow_tensor_exponent_shape(%x: tensor<?xf64>, %e: tensor<?x?xf64>) -> tensor<?xf64> {
  %p = zyg.pow %x, %e : tensor<?xf64>, tensor<?x?xf64>
  func.return %p : tensor<?xf64>
}

// -----

// CHECK: zyg.hypot: expected floats (or a tensor of them), got i64
func.func @hypot_int(%a: i64, %b: i64) -> i64 {
  %h = zyg.hypot %a, %b : i64
  func.return %h : i64
}

// -----

// CHECK: zyg.hypot: expected floats (or a tensor of them), got tensor<?xi64>
func.func @hypot_int_tensor(%a: tensor<?xi64>, %b: tensor<?xi64>) -> tensor<?xi64> {
  %h = zyg.hypot %a, %b : tensor<?xi64>
  func.return %h : tensor<?xi64>
}

// -----

// CHECK: zyg.splat: 1 dimension operands for a result of rank 2
func.func @splat_dims(%x: f64, %n: index) -> tensor<?x?xf64> {
  %a = zyg.splat %x [%n] : f64 -> tensor<?x?xf64>
  func.return %a : tensor<?x?xf64>
}

// -----

// CHECK: zyg.splat: a f32 value cannot fill a tensor of f64
func.func @splat_element_type(%x: f32, %n: index) -> tensor<?xf64> {
  %a = zyg.splat %x [%n] : f32 -> tensor<?xf64>
  func.return %a : tensor<?xf64>
}

// -----

// CHECK: zyg.broadcast_to: 1 dimension operands for a result of rank 2
func.func @broadcast_to_dims(%x: tensor<?xf64>, %n: index) -> tensor<?x?xf64> {
  %b = zyg.broadcast_to %x [%n] : tensor<?xf64> -> tensor<?x?xf64>
  func.return %b : tensor<?x?xf64>
}

// -----

// CHECK: zyg.broadcast_to: the result rank is smaller than the source rank
func.func @broadcast_to_smaller_rank(%x: tensor<?x?xf64>, %n: index) -> tensor<?xf64> {
  %b = zyg.broadcast_to %x [%n] : tensor<?x?xf64> -> tensor<?xf64>
  func.return %b : tensor<?xf64>
}

// -----

// CHECK: zyg.broadcast_to: unit axes [1] out of range for rank 1
func.func @broadcast_to_unit_axes(%x: tensor<?xf64>, %m: index, %n: index) -> tensor<?x?xf64> {
  %b = zyg.broadcast_to %x [%m, %n] {unit_axes = array<i64: 1>} : tensor<?xf64> -> tensor<?x?xf64>
  func.return %b : tensor<?x?xf64>
}

// -----

// CHECK: zyg.sum_to: 2 dimension operands for a result of rank 1
func.func @sum_to_dims(%x: tensor<?x?xf64>, %m: index, %n: index) -> tensor<?xf64> {
  %s = zyg.sum_to %x [%m, %n] : tensor<?x?xf64> -> tensor<?xf64>
  func.return %s : tensor<?xf64>
}

// -----

// CHECK: zyg.sum_to: the result rank is larger than the source rank
func.func @sum_to_larger_rank(%x: tensor<?xf64>, %m: index, %n: index) -> tensor<?x?xf64> {
  %s = zyg.sum_to %x [%m, %n] : tensor<?xf64> -> tensor<?x?xf64>
  func.return %s : tensor<?x?xf64>
}

// -----

// CHECK: zyg.expand: 1 dimension operands for a result of rank 2
func.func @expand_dims(%x: tensor<?xf64>, %m: index) -> tensor<?x?xf64> {
  %e = zyg.expand %x [%m] {axes = array<i64: 1>, keepdims = false} : tensor<?xf64> -> tensor<?x?xf64>
  func.return %e : tensor<?x?xf64>
}

// -----

// CHECK: zyg.expand: a source of rank 1 does not fit axes [1] of a rank-2 result
func.func @expand_keepdims_rank(%x: tensor<?xf64>, %m: index, %n: index) -> tensor<?x?xf64> {
  %e = zyg.expand %x [%m, %n] {axes = array<i64: 1>, keepdims = true} : tensor<?xf64> -> tensor<?x?xf64>
  func.return %e : tensor<?x?xf64>
}

// -----

// CHECK: zyg.reduce: unknown reduction 'mean'
func.func @reduce_unknown_kind(%x: tensor<?xf64>) -> f64 {
  %s = zyg.reduce %x {kind = "mean", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f64
  func.return %s : f64
}

// -----

// CHECK: zyg.reduce: axes [0, 2] are not distinct axes of a rank-2 tensor
func.func @reduce_axis_out_of_range(%x: tensor<?x?xf64>) -> f64 {
  %s = zyg.reduce %x {kind = "sum", axes = array<i64: 0, 2>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %s : f64
}

// -----

// CHECK: zyg.reduce: axes [0, 0] are not distinct axes of a rank-2 tensor
func.func @reduce_repeated_axis(%x: tensor<?x?xf64>) -> f64 {
  %s = zyg.reduce %x {kind = "sum", axes = array<i64: 0, 0>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %s : f64
}

// -----

// CHECK: zyg.reduce: result type tensor<?xf64> does not fit the reduction
func.func @reduce_result_rank(%x: tensor<?x?xf64>) -> tensor<?xf64> {
  %s = zyg.reduce %x {kind = "max", axes = array<i64: 1>, keepdims = true} : tensor<?x?xf64> -> tensor<?xf64>
  func.return %s : tensor<?xf64>
}

// -----

// CHECK: zyg.reduce: result type f32 does not fit the reduction
func.func @reduce_result_element(%x: tensor<?xf64>) -> f32 {
  %s = zyg.reduce %x {kind = "sum", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f32
  func.return %s : f32
}

// -----

// CHECK: zyg.matmul: operands must be rank-2 tensors of one type, got tensor<?xf64> and tensor<?xf64>
func.func @matmul_rank1(%a: tensor<?xf64>, %b: tensor<?xf64>) -> tensor<?xf64> {
  %c = zyg.matmul %a, %b : tensor<?xf64>, tensor<?xf64> -> tensor<?xf64>
  func.return %c : tensor<?xf64>
}

// -----

// CHECK: zyg.matmul: operands must be rank-2 tensors of one type, got tensor<?x?xf64> and tensor<?x?xf32>
func.func @matmul_mixed_types(%a: tensor<?x?xf64>, %b: tensor<?x?xf32>) -> tensor<?x?xf64> {
  %c = zyg.matmul %a, %b : tensor<?x?xf64>, tensor<?x?xf32> -> tensor<?x?xf64>
  func.return %c : tensor<?x?xf64>
}

// -----

// CHECK: zyg.matmul: cotangent must be 0 or 1, got 2
func.func @matmul_bad_cotangent(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %c = zyg.matmul %a, %b {cotangent = 2 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %c : tensor<?x?xf64>
}

// -----

// CHECK: zyg.transpose: [0, 0] is not a permutation of the source's axes
func.func @transpose_not_permutation(%x: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %t = zyg.transpose %x {permutation = array<i64: 0, 0>} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %t : tensor<?x?xf64>
}

// -----

// CHECK: zyg.check: unknown error kind 'TypeError'
func.func @check_unknown_error(%ok: i1) {
  zyg.check %ok {error = "TypeError", message = "bad"}
  func.return
}

// -----

// An `except` clause matches kinds of zyg's own checks, by name.
// CHECK: zyg.error_matches: unknown error kind 'NameError'
func.func @error_matches_unknown_kind(%frame: !llvm.ptr) -> i1 {
  %m = zyg.error_matches %frame {kinds = ["NameError"], catch_index = 0 : i64}
  func.return %m : i1
}

// -----

// A host error's status has one bit per caught class.
// CHECK: zyg.error_matches: catch_index must be in [0, 62)
func.func @error_matches_too_many_classes(%frame: !llvm.ptr) -> i1 {
  %m = zyg.error_matches %frame {kinds = [], catch_index = 70 : i64}
  func.return %m : i1
}

// -----

func.func @broadcast_general_and_expand_only(%x: tensor<?xf64>, %m: index, %n: index) -> tensor<?x?xf64> {
  // CHECK: zyg.broadcast_to: `general` contradicts `expand_only`
  %b = zyg.broadcast_to %x [%m, %n] {expand_only, general} : tensor<?xf64> -> tensor<?x?xf64>
  func.return %b : tensor<?x?xf64>
}

// -----

// CHECK: zyg.lgamma: expected f64, got f32
func.func @lgamma_f32(%x: f32) -> f32 {
  %y = zyg.lgamma %x : f32
  func.return %y : f32
}

// -----

// CHECK: zyg.polygamma: the order must be >= 0, got -1
func.func @polygamma_negative_order(%x: f64) -> f64 {
  %y = zyg.polygamma %x {order = -1 : i64} : f64
  func.return %y : f64
}
