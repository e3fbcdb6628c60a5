// RUN: zyg-opt %s --split-input-file | zyg-opt --split-input-file | filecheck %s

// x[i, ::-1][None]: one offset, size and stride per source axis; axis 0 is dropped and a new
// leading axis appears (-1).
// CHECK-LABEL: func.func @get_slice(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[I:[^:]+]]: index, %[[L:[^:]+]]: index, %[[N:[^:]+]]: index, %[[ONE:[^:]+]]: index, %[[M1:[^:]+]]: index)
// CHECK:         zyg.get_slice %[[X]][%[[I]], %[[L]]] [%[[ONE]], %[[N]]] [%[[ONE]], %[[M1]]] {axes = array<i64: -1, 1>} : tensor<?x?xf64> -> tensor<?x?xf64>
func.func @get_slice(%x: tensor<?x?xf64>, %i: index, %last: index, %n: index, %one: index, %m1: index) -> tensor<?x?xf64> {
  %r = zyg.get_slice %x [%i, %last] [%one, %n] [%one, %m1] {axes = array<i64: -1, 1>} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %r : tensor<?x?xf64>
}

// -----

// y[i, :] = v
// CHECK-LABEL: func.func @set_slice(
// CHECK-SAME:      %[[V:[^:]+]]: tensor<?xf64>, %[[Y:[^:]+]]: tensor<?x?xf64>, %[[I:[^:]+]]: index, %[[Z:[^:]+]]: index, %[[N:[^:]+]]: index, %[[ONE:[^:]+]]: index)
// CHECK:         zyg.set_slice %[[V]] into %[[Y]][%[[I]], %[[Z]]] [%[[ONE]], %[[N]]] [%[[ONE]], %[[ONE]]] {axes = array<i64: 1>} : tensor<?xf64> into tensor<?x?xf64>
func.func @set_slice(%v: tensor<?xf64>, %y: tensor<?x?xf64>, %i: index, %zero: index, %n: index, %one: index) -> tensor<?x?xf64> {
  %z = zyg.set_slice %v into %y [%i, %zero] [%one, %n] [%one, %one] {axes = array<i64: 1>} : tensor<?xf64> into tensor<?x?xf64>
  func.return %z : tensor<?x?xf64>
}

// -----

// CHECK-LABEL: func.func @gather_scatter_add(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[IDX:[^:]+]]: tensor<?x?xi64>, %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK:         %[[G:.*]] = zyg.gather %[[X]][%[[IDX]]] : tensor<?x?xf64>, tensor<?x?xi64> -> tensor<?x?x?xf64>
// CHECK:         zyg.scatter_add %[[G]][%[[IDX]]] [%[[M]], %[[N]]] : tensor<?x?x?xf64>, tensor<?x?xi64> -> tensor<?x?xf64>
func.func @gather_scatter_add(%x: tensor<?x?xf64>, %idx: tensor<?x?xi64>, %m: index, %n: index) -> tensor<?x?xf64> {
  %g = zyg.gather %x [%idx] : tensor<?x?xf64>, tensor<?x?xi64> -> tensor<?x?x?xf64>
  %s = zyg.scatter_add %g [%idx] [%m, %n] : tensor<?x?x?xf64>, tensor<?x?xi64> -> tensor<?x?xf64>
  func.return %s : tensor<?x?xf64>
}

// -----

// x[i, :, j] and its adjoint: index arrays of one shape for axes 0 and 2 (the default, axis 0 alone,
// is not printed).
// CHECK-LABEL: func.func @gather_scatter_add_axes(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?x?xf64>, %[[I:[^:]+]]: tensor<?xi64>, %[[J:[^:]+]]: tensor<?xi64>, %[[N:[^:]+]]: index)
// CHECK:         %[[G:.*]] = zyg.gather %[[X]][%[[I]], %[[J]]] {axes = array<i64: 0, 2>} : tensor<?x?x?xf64>, tensor<?xi64>, tensor<?xi64> -> tensor<?x?xf64>
// CHECK:         zyg.scatter_add %[[G]][%[[I]], %[[J]]] [%[[N]], %[[N]], %[[N]]] {axes = array<i64: 0, 2>} : tensor<?x?xf64>, tensor<?xi64>, tensor<?xi64> -> tensor<?x?x?xf64>
func.func @gather_scatter_add_axes(%x: tensor<?x?x?xf64>, %i: tensor<?xi64>, %j: tensor<?xi64>, %n: index) -> tensor<?x?x?xf64> {
  %g = zyg.gather %x [%i, %j] {axes = array<i64: 0, 2>} : tensor<?x?x?xf64>, tensor<?xi64>, tensor<?xi64> -> tensor<?x?xf64>
  %s = zyg.scatter_add %g [%i, %j] [%n, %n, %n] {axes = array<i64: 0, 2>} : tensor<?x?xf64>, tensor<?xi64>, tensor<?xi64> -> tensor<?x?x?xf64>
  func.return %s : tensor<?x?x?xf64>
}

// -----

// y[:, idx] = v (the index dimensions of v after its first axis), then np.add.at(z, idx, w)
// CHECK-LABEL: func.func @scatter(
// CHECK-SAME:      %[[V:[^:]+]]: tensor<?x?xf64>, %[[Y:[^:]+]]: tensor<?x?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>, %[[W:[^:]+]]: tensor<?xi64>, %[[Z:[^:]+]]: tensor<?xi64>)
// CHECK:         zyg.scatter %[[V]] into %[[Y]][%[[IDX]]] {axes = array<i64: 1>, position = 1 : i64, kind = "set"} : tensor<?x?xf64>, tensor<?xi64> into tensor<?x?xf64>
// CHECK:         zyg.scatter %[[W]] into %[[Z]][%[[IDX]]] {kind = "add"} : tensor<?xi64>, tensor<?xi64> into tensor<?xi64>
func.func @scatter(%v: tensor<?x?xf64>, %y: tensor<?x?xf64>, %idx: tensor<?xi64>, %w: tensor<?xi64>, %z: tensor<?xi64>) -> (tensor<?x?xf64>, tensor<?xi64>) {
  %a = zyg.scatter %v into %y [%idx] {axes = array<i64: 1>, position = 1 : i64, kind = "set"} : tensor<?x?xf64>, tensor<?xi64> into tensor<?x?xf64>
  %b = zyg.scatter %w into %z [%idx] {kind = "add"} : tensor<?xi64>, tensor<?xi64> into tensor<?xi64>
  func.return %a, %b : tensor<?x?xf64>, tensor<?xi64>
}

// -----

// The adjoint of y[:, idx] = v: v's and y's cotangents out of the result's.
// CHECK-LABEL: func.func @unscatter(
// CHECK-SAME:      %[[CT:[^:]+]]: tensor<?x?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>)
// CHECK:         %{{.*}}, %{{.*}} = zyg.unscatter %[[CT]][%[[IDX]]] {axes = array<i64: 1>, position = 1 : i64} : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>, tensor<?x?xf64>
func.func @unscatter(%ct: tensor<?x?xf64>, %idx: tensor<?xi64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %v, %y = zyg.unscatter %ct [%idx] {axes = array<i64: 1>, position = 1 : i64} : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>, tensor<?x?xf64>
  func.return %v, %y : tensor<?x?xf64>, tensor<?x?xf64>
}

// -----

// CHECK-LABEL: func.func @mask_select_scatter(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf32>, %[[MASK:[^:]+]]: tensor<?x?xi1>, %[[C:[^:]+]]: index)
// CHECK:         %[[V:.*]] = zyg.mask_select %[[X]][%[[MASK]]] [%[[C]]] : tensor<?x?xf32>, tensor<?x?xi1> -> tensor<?xf32>
// CHECK:         zyg.mask_scatter %[[V]][%[[MASK]]] : tensor<?xf32>, tensor<?x?xi1> -> tensor<?x?xf32>
func.func @mask_select_scatter(%x: tensor<?x?xf32>, %mask: tensor<?x?xi1>, %c: index) -> tensor<?x?xf32> {
  %v = zyg.mask_select %x [%mask] [%c] : tensor<?x?xf32>, tensor<?x?xi1> -> tensor<?xf32>
  %z = zyg.mask_scatter %v [%mask] : tensor<?xf32>, tensor<?x?xi1> -> tensor<?x?xf32>
  func.return %z : tensor<?x?xf32>
}
