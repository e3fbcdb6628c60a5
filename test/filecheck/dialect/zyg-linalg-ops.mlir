// RUN: zyg-opt %s | zyg-opt | filecheck %s

// CHECK-LABEL: func.func @einsum(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>, %[[B:[^:]+]]: tensor<?x?xf64>, %[[S:[^:]+]]: f64, %[[M:[^:]+]]: index, %[[K:[^:]+]]: index)
// CHECK:         zyg.einsum %[[A]], %[[B]][%[[M]], %[[K]]] {spec = "ij,jk->ik"} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
// CHECK:         zyg.einsum %[[A]][] {spec = "ii->"} : tensor<?x?xf64> -> f64
// CHECK:         zyg.einsum %[[S]][%[[M]], %[[M]]] {spec = "->ii"} : f64 -> tensor<?x?xf64>
func.func @einsum(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>, %s: f64, %m: index, %k: index) -> (tensor<?x?xf64>, f64, tensor<?x?xf64>) {
  %c = zyg.einsum %a, %b [%m, %k] {spec = "ij,jk->ik"} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  %t = zyg.einsum %a [] {spec = "ii->"} : tensor<?x?xf64> -> f64
  %eye = zyg.einsum %s [%m, %m] {spec = "->ii"} : f64 -> tensor<?x?xf64>
  func.return %c, %t, %eye : tensor<?x?xf64>, f64, tensor<?x?xf64>
}

// CHECK-LABEL: func.func @solvers(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf32>, %[[B:[^:]+]]: tensor<?xf32>)
// CHECK:         zyg.solve %[[A]], %[[B]] : tensor<?x?xf32>, tensor<?xf32> -> tensor<?xf32>
// CHECK:         zyg.inv %[[A]] : tensor<?x?xf32> -> tensor<?x?xf32>
// CHECK:         zyg.det %[[A]] : tensor<?x?xf32> -> f32
// CHECK:         zyg.slogdet %[[A]] : tensor<?x?xf32> -> f32, f32
func.func @solvers(%a: tensor<?x?xf32>, %b: tensor<?xf32>) -> (tensor<?xf32>, tensor<?x?xf32>, f32, f32, f32) {
  %x = zyg.solve %a, %b : tensor<?x?xf32>, tensor<?xf32> -> tensor<?xf32>
  %z = zyg.inv %a : tensor<?x?xf32> -> tensor<?x?xf32>
  %d = zyg.det %a : tensor<?x?xf32> -> f32
  %sign, %logabs = zyg.slogdet %a : tensor<?x?xf32> -> f32, f32
  func.return %x, %z, %d, %sign, %logabs : tensor<?xf32>, tensor<?x?xf32>, f32, f32, f32
}
