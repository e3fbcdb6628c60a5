// RUN: zyg-opt %s --verify-diagnostics --split-input-file | filecheck %s

// CHECK: zyg.einsum: spec 'ij,jk->ik' names 2 inputs, got 1
func.func @negative_einsum_input_count(%a: tensor<?x?xf64>, %m: index) -> tensor<?x?xf64> {
  %c = zyg.einsum %a [%m, %m] {spec = "ij,jk->ik"} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %c : tensor<?x?xf64>
}

// -----

// CHECK: zyg.einsum: input of type tensor<?xf64> does not fit subscripts 'ij' of a f64 einsum
func.func @negative_einsum_rank(%v: tensor<?xf64>, %m: index) -> tensor<?xf64> {
  %c = zyg.einsum %v [%m] {spec = "ij->i"} : tensor<?xf64> -> tensor<?xf64>
  func.return %c : tensor<?xf64>
}

// -----

// CHECK: zyg.einsum: output 'ik' needs 2 dims and a rank-2 result
func.func @negative_einsum_dims(%a: tensor<?x?xf64>, %m: index) -> tensor<?x?xf64> {
  %c = zyg.einsum %a [%m] {spec = "ik->ik"} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %c : tensor<?x?xf64>
}

// -----

// CHECK: zyg.einsum: einsum spec 'ij' has no '->'
func.func @negative_einsum_implicit(%a: tensor<?x?xf64>) -> f64 {
  %c = zyg.einsum %a [] {spec = "ij"} : tensor<?x?xf64> -> f64
  func.return %c : f64
}

// -----

// CHECK: zyg.solve: right-hand side tensor<?xf32> and result tensor<?xf32> do not fit a matrix tensor<?x?xf64>
func.func @negative_solve_types(%a: tensor<?x?xf64>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %x = zyg.solve %a, %b : tensor<?x?xf64>, tensor<?xf32> -> tensor<?xf32>
  func.return %x : tensor<?xf32>
}

// -----

// CHECK: zyg.inv: expected a rank-2 float tensor, got tensor<?x?x?xf64>
func.func @negative_inv_rank(%a: tensor<?x?x?xf64>) -> tensor<?x?x?xf64> {
  %z = zyg.inv %a : tensor<?x?x?xf64> -> tensor<?x?x?xf64>
  func.return %z : tensor<?x?x?xf64>
}

// -----

// CHECK: zyg.det: expected a rank-2 float tensor, got tensor<?xf64>
func.func @negative_det_vector(%a: tensor<?xf64>) -> f64 {
  %d = "zyg.det"(%a) : (tensor<?xf64>) -> f64
  func.return %d : f64
}
