// RUN: zyg-opt %s --verify-diagnostics --split-input-file | filecheck %s

// CHECK: zyg.reshape: 1 dimension operands for a result of type tensor<?x?xf64>
func.func @reshape_rank(%x: tensor<?xf64>, %a: index) -> tensor<?x?xf64> {
  %r = zyg.reshape %x [%a] : tensor<?xf64> -> tensor<?x?xf64>
  func.return %r : tensor<?x?xf64>
}

// -----

// CHECK: zyg.reshape: cannot reshape tensor<?xf64> into tensor<?xf32>
func.func @reshape_element(%x: tensor<?xf64>, %a: index) -> tensor<?xf32> {
  %r = zyg.reshape %x [%a] : tensor<?xf64> -> tensor<?xf32>
  func.return %r : tensor<?xf32>
}

// -----

// CHECK: zyg.concatenate: inputs and result must have one type
func.func @concatenate_types(%a: tensor<?xf64>, %b: tensor<?xf32>) -> tensor<?xf64> {
  %c = zyg.concatenate %a, %b {axis = 0 : i64} : tensor<?xf64>, tensor<?xf32> -> tensor<?xf64>
  func.return %c : tensor<?xf64>
}

// -----

// CHECK: zyg.concatenate: axis 2 is out of range for tensor<?x?xf64>
func.func @concatenate_axis(%a: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %c = zyg.concatenate %a, %a {axis = 2 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %c : tensor<?x?xf64>
}

// -----

// CHECK: zyg.iota: axis 1 is out of range for tensor<?xi64>
func.func @iota_axis(%n: index) -> tensor<?xi64> {
  %i = zyg.iota [%n] {axis = 1 : i64} : tensor<?xi64>
  func.return %i : tensor<?xi64>
}

// -----

// CHECK: zyg.iota: 1 dimension operands cannot give tensor<?xf64>
func.func @iota_element(%n: index) -> tensor<?xf64> {
  %i = zyg.iota [%n] {axis = 0 : i64} : tensor<?xf64>
  func.return %i : tensor<?xf64>
}

// -----

// CHECK: zyg.trace: expected a rank-2 tensor and its element type, got tensor<?xf64> -> f64
func.func @trace_rank(%x: tensor<?xf64>) -> f64 {
  %t = zyg.trace %x : tensor<?xf64> -> f64
  func.return %t : f64
}

// -----

// CHECK: zyg.eye: expected two dimensions and a rank-2 tensor of f64, got 2 and tensor<?x?xf32>
func.func @eye_element(%v: f64, %m: index, %n: index) -> tensor<?x?xf32> {
  %e = zyg.eye %v [%m, %n] : f64 -> tensor<?x?xf32>
  func.return %e : tensor<?x?xf32>
}
