// RUN: zyg-opt %s | zyg-opt | filecheck %s

// CHECK-LABEL: func.func @splat(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %[[D0:[^:]+]]: index, %[[D1:[^:]+]]: index)
// CHECK:         zyg.splat %[[X]][%[[D0]], %[[D1]]] : f64 -> tensor<?x?xf64>
func.func @splat(%x: f64, %d0: index, %d1: index) -> tensor<?x?xf64> {
  %a = zyg.splat %x [%d0, %d1] : f64 -> tensor<?x?xf64>
  func.return %a : tensor<?x?xf64>
}

// CHECK-LABEL: func.func @broadcast_to(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>, %[[D0:[^:]+]]: index, %[[D1:[^:]+]]: index)
// CHECK:         zyg.broadcast_to %[[X]][%[[D0]], %[[D1]]] : tensor<?xf64> -> tensor<?x?xf64>
// CHECK:         zyg.broadcast_to %[[X]][%[[D0]], %[[D1]]] {expand_only} : tensor<?xf64> -> tensor<?x?xf64>
// CHECK:         zyg.broadcast_to %[[X]][%[[D0]], %[[D1]]] {expand_only, unit_axes = array<i64: 0>} : tensor<?xf64> -> tensor<?x?xf64>
func.func @broadcast_to(%x: tensor<?xf64>, %d0: index, %d1: index) -> (tensor<?x?xf64>, tensor<?x?xf64>, tensor<?x?xf64>) {
  %b = zyg.broadcast_to %x [%d0, %d1] : tensor<?xf64> -> tensor<?x?xf64>
  %r = zyg.broadcast_to %x [%d0, %d1] {expand_only} : tensor<?xf64> -> tensor<?x?xf64>
  %u = zyg.broadcast_to %x [%d0, %d1] {expand_only, unit_axes = array<i64: 0>} : tensor<?xf64> -> tensor<?x?xf64>
  func.return %b, %r, %u : tensor<?x?xf64>, tensor<?x?xf64>, tensor<?x?xf64>
}

// CHECK-LABEL: func.func @sum_to(
// CHECK-SAME:      %[[CT:[^:]+]]: tensor<?x?xf64>, %[[N:[^:]+]]: index)
// CHECK:         zyg.sum_to %[[CT]][%[[N]]] : tensor<?x?xf64> -> tensor<?xf64>
// CHECK:         zyg.sum_to %[[CT]][%[[N]]] {leading_only, unit_axes = array<i64: 0>} : tensor<?x?xf64> -> tensor<?xf64>
func.func @sum_to(%ct: tensor<?x?xf64>, %n: index) -> (tensor<?xf64>, tensor<?xf64>) {
  %s = zyg.sum_to %ct [%n] : tensor<?x?xf64> -> tensor<?xf64>
  %u = zyg.sum_to %ct [%n] {leading_only, unit_axes = array<i64: 0>} : tensor<?x?xf64> -> tensor<?xf64>
  func.return %s, %u : tensor<?xf64>, tensor<?xf64>
}

// CHECK-LABEL: func.func @expand(
// CHECK-SAME:      %[[CT:[^:]+]]: tensor<?xf64>, %[[S:[^:]+]]: f64, %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK:         zyg.expand %[[CT]][%[[M]], %[[N]]] {axes = array<i64: 1>, keepdims = false} : tensor<?xf64> -> tensor<?x?xf64>
// CHECK:         zyg.expand %[[S]][%[[M]], %[[N]]] {axes = array<i64: 0, 1>, keepdims = false} : f64 -> tensor<?x?xf64>
func.func @expand(%ct: tensor<?xf64>, %s: f64, %m: index, %n: index) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %e = zyg.expand %ct [%m, %n] {axes = array<i64: 1>, keepdims = false} : tensor<?xf64> -> tensor<?x?xf64>
  %f = zyg.expand %s [%m, %n] {axes = array<i64: 0, 1>, keepdims = false} : f64 -> tensor<?x?xf64>
  func.return %e, %f : tensor<?x?xf64>, tensor<?x?xf64>
}

// CHECK-LABEL: func.func @reduce(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>)
// CHECK:         zyg.reduce %[[X]] {kind = "sum", axes = array<i64: 1>, keepdims = false} : tensor<?x?xf64> -> tensor<?xf64>
// CHECK:         zyg.reduce %[[X]] {kind = "max", axes = array<i64: 0>, keepdims = true} : tensor<?x?xf64> -> tensor<?x?xf64>
// CHECK:         zyg.reduce %[[X]] {kind = "prod", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
func.func @reduce(%x: tensor<?x?xf64>) -> (tensor<?xf64>, tensor<?x?xf64>, f64) {
  %s = zyg.reduce %x {kind = "sum", axes = array<i64: 1>, keepdims = false} : tensor<?x?xf64> -> tensor<?xf64>
  %m = zyg.reduce %x {kind = "max", axes = array<i64: 0>, keepdims = true} : tensor<?x?xf64> -> tensor<?x?xf64>
  %p = zyg.reduce %x {kind = "prod", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %s, %m, %p : tensor<?xf64>, tensor<?x?xf64>, f64
}

// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>, %[[B:[^:]+]]: tensor<?x?xf64>)
// CHECK:         zyg.matmul %[[A]], %[[B]] : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
// CHECK:         zyg.matmul %[[A]], %[[B]] {cotangent = 0 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
func.func @matmul(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %c = zyg.matmul %a, %b : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  %g = zyg.matmul %a, %b {cotangent = 0 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %c : tensor<?x?xf64>
}

// CHECK-LABEL: func.func @transpose(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>)
// CHECK:         zyg.transpose %[[X]] {permutation = array<i64: 1, 0>} : tensor<?x?xf64> -> tensor<?x?xf64>
func.func @transpose(%x: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %t = zyg.transpose %x {permutation = array<i64: 1, 0>} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %t : tensor<?x?xf64>
}

// CHECK-LABEL: func.func @check(
// CHECK-SAME:      %[[OK:[^:]+]]: i1, %[[N:[^:]+]]: i64, %[[M:[^:]+]]: i64)
// CHECK:         zyg.check %[[OK]], %[[N]], %[[M]] : i64, i64 {error = "ValueError", message = "shapes ({0},) and ({1},) differ"}
// CHECK:         zyg.check %[[OK]] {error = "IndexError", message = "index out of range"}
func.func @check(%ok: i1, %n: i64, %m: i64) {
  zyg.check %ok, %n, %m : i64, i64 {error = "ValueError", message = "shapes ({0},) and ({1},) differ"}
  zyg.check %ok {error = "IndexError", message = "index out of range"}
  func.return
}

// CHECK-LABEL: func.func @argsort(
// CHECK:         zyg.argsort %{{.*}} : tensor<?x?xf64> -> tensor<?x?xi64>
func.func @argsort(%x: tensor<?x?xf64>) -> tensor<?x?xi64> {
  %p = zyg.argsort %x : tensor<?x?xf64> -> tensor<?x?xi64>
  func.return %p : tensor<?x?xi64>
}
