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

// CHECK: Unexpected attribute f32
func.func @mod_f32(%a: f32, %b: f32) -> f32 {
  %r = zyg.mod %a, %b : f32
  func.return %r : f32
}

// -----

// CHECK: Unexpected attribute i64
func.func @hypot_int(%a: i64, %b: i64) -> i64 {
  %h = zyg.hypot %a, %b : i64
  func.return %h : i64
}
