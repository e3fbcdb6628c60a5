// RUN: zyg-opt %s | zyg-opt | filecheck %s

// CHECK-LABEL: func.func @reshape(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[A:[^:]+]]: index, %[[B:[^:]+]]: index, %[[C:[^:]+]]: index)
// CHECK:         zyg.reshape %[[X]][%[[A]], %[[B]], %[[C]]] : tensor<?x?xf64> -> tensor<?x?x?xf64>
func.func @reshape(%x: tensor<?x?xf64>, %a: index, %b: index, %c: index) -> tensor<?x?x?xf64> {
  %r = zyg.reshape %x [%a, %b, %c] : tensor<?x?xf64> -> tensor<?x?x?xf64>
  func.return %r : tensor<?x?x?xf64>
}

// CHECK-LABEL: func.func @concatenate(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf32>, %[[B:[^:]+]]: tensor<?x?xf32>)
// CHECK:         zyg.concatenate %[[A]], %[[B]], %[[A]] {axis = 1 : i64} : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32> -> tensor<?x?xf32>
func.func @concatenate(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c = zyg.concatenate %a, %b, %a {axis = 1 : i64} : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32> -> tensor<?x?xf32>
  func.return %c : tensor<?x?xf32>
}

// CHECK-LABEL: func.func @iota(
// CHECK-SAME:      %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK:         zyg.iota[%[[M]], %[[N]]] {axis = 1 : i64} : tensor<?x?xi64>
func.func @iota(%m: index, %n: index) -> tensor<?x?xi64> {
  %i = zyg.iota [%m, %n] {axis = 1 : i64} : tensor<?x?xi64>
  func.return %i : tensor<?x?xi64>
}

// CHECK-LABEL: func.func @trace(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>)
// CHECK:         zyg.trace %[[X]] : tensor<?x?xf64> -> f64
func.func @trace(%x: tensor<?x?xf64>) -> f64 {
  %t = zyg.trace %x : tensor<?x?xf64> -> f64
  func.return %t : f64
}

// CHECK-LABEL: func.func @eye(
// CHECK-SAME:      %[[V:[^:]+]]: f32, %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK:         zyg.eye %[[V]][%[[M]], %[[N]]] : f32 -> tensor<?x?xf32>
func.func @eye(%v: f32, %m: index, %n: index) -> tensor<?x?xf32> {
  %e = zyg.eye %v [%m, %n] : f32 -> tensor<?x?xf32>
  func.return %e : tensor<?x?xf32>
}
