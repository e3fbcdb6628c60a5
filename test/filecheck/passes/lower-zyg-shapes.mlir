// RUN: zyg-opt %s -p lower-zyg-shapes --split-input-file | filecheck %s

// A reshape to a higher rank: one tensor.reshape with the dimensions as a shape tensor, never a
// tensor.expand_shape or collapse_shape (elementwise fusion turns those into expansions with several
// dynamic sizes in a group, on which expand-strided-metadata aborts).
// CHECK-LABEL: func.func @reshape(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[A:[^:]+]]: index, %[[B:[^:]+]]: index, %[[C:[^:]+]]: index)
// CHECK-NOT:     expand_shape
// CHECK:         %[[S:.*]] = tensor.from_elements %[[A]], %[[B]], %[[C]] : tensor<3xindex>
// CHECK:         %[[R:.*]] = tensor.reshape %[[X]](%[[S]]) : (tensor<?x?xf64>, tensor<3xindex>) -> tensor<?x?x?xf64>
// CHECK:         func.return %[[R]] : tensor<?x?x?xf64>
// CHECK-NOT:     zyg.reshape

func.func @reshape(%x: tensor<?x?xf64>, %a: index, %b: index, %c: index) -> tensor<?x?x?xf64> {
  %r = zyg.reshape %x [%a, %b, %c] : tensor<?x?xf64> -> tensor<?x?x?xf64>
  func.return %r : tensor<?x?x?xf64>
}

// -----

// Concatenation: one insert_slice per input into a tensor.empty of the joined shape.
// CHECK-LABEL: func.func @concatenate(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>, %[[B:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[TOTAL:.*]] = arith.addi
// CHECK:         %[[INIT:.*]] = tensor.empty(%{{.*}}, %[[TOTAL]]) : tensor<?x?xf64>
// CHECK:         %[[FIRST:.*]] = tensor.insert_slice %[[A]] into %[[INIT]][0, %{{.*}}] [%{{.*}}, %{{.*}}] [1, 1]
// CHECK:         %[[C:.*]] = tensor.insert_slice %[[B]] into %[[FIRST]][0, %{{.*}}] [%{{.*}}, %{{.*}}] [1, 1]
// CHECK:         func.return %[[C]] : tensor<?x?xf64>

func.func @concatenate(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %c = zyg.concatenate %a, %b {axis = 1 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %c : tensor<?x?xf64>
}

// -----

// zyg.iota: a linalg.generic yielding its index along the axis.
// CHECK-LABEL: func.func @iota(
// CHECK-SAME:      %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[M]], %[[N]]) : tensor<?x?xi64>
// CHECK:         %[[I:.*]] = linalg.generic {{.*}} outs(%[[INIT]] : tensor<?x?xi64>)
// CHECK:           %[[J:.*]] = linalg.index 1 : index
// CHECK:           %[[V:.*]] = arith.index_cast %[[J]] : index to i64
// CHECK:           linalg.yield %[[V]] : i64
// CHECK:         func.return %[[I]] : tensor<?x?xi64>

func.func @iota(%m: index, %n: index) -> tensor<?x?xi64> {
  %i = zyg.iota [%m, %n] {axis = 1 : i64} : tensor<?x?xi64>
  func.return %i : tensor<?x?xi64>
}

// -----

// zyg.trace: a loop over min(rows, cols) diagonal elements, not a rows x cols mask.
// CHECK-LABEL: func.func @trace(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[K:.*]] = arith.minui
// CHECK:         %[[T:.*]] = scf.for %[[I:.*]] = %{{.*}} to %[[K]] step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f64) {
// CHECK:           %[[D:.*]] = tensor.extract %[[X]][%[[I]], %[[I]]] : tensor<?x?xf64>
// CHECK:           %[[S:.*]] = arith.addf %[[ACC]], %[[D]] : f64
// CHECK:           scf.yield %[[S]] : f64
// CHECK:         func.return %[[T]] : f64

func.func @trace(%x: tensor<?x?xf64>) -> f64 {
  %t = zyg.trace %x : tensor<?x?xf64> -> f64
  func.return %t : f64
}

// -----

// A reshape to a lower rank: one tensor.reshape too.
// CHECK-LABEL: func.func @reshape_odd(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?x?xf64>, %[[A:[^:]+]]: index, %[[B:[^:]+]]: index)
// CHECK-NOT:     collapse_shape
// CHECK:         %[[S:.*]] = tensor.from_elements %[[A]], %[[B]] : tensor<2xindex>
// CHECK:         %[[R:.*]] = tensor.reshape %[[X]](%[[S]]) : (tensor<?x?x?xf64>, tensor<2xindex>) -> tensor<?x?xf64>
// CHECK:         func.return %[[R]] : tensor<?x?xf64>

func.func @reshape_odd(%x: tensor<?x?x?xf64>, %a: index, %b: index) -> tensor<?x?xf64> {
  %r = zyg.reshape %x [%a, %b] : tensor<?x?x?xf64> -> tensor<?x?xf64>
  func.return %r : tensor<?x?xf64>
}

// -----

// A vector to a matrix, and a matrix to a vector (`ravel`).
// CHECK-LABEL: func.func @reshape_vector(
// CHECK-NOT:     expand_shape
// CHECK:         tensor.reshape %{{.*}} : (tensor<?xf64>, tensor<2xindex>) -> tensor<?x?xf64>

func.func @reshape_vector(%x: tensor<?xf64>, %a: index, %b: index) -> tensor<?x?xf64> {
  %r = zyg.reshape %x [%a, %b] : tensor<?xf64> -> tensor<?x?xf64>
  func.return %r : tensor<?x?xf64>
}

// -----

// CHECK-LABEL: func.func @ravel(
// CHECK-NOT:     collapse_shape
// CHECK:         tensor.reshape %{{.*}} : (tensor<?x?xf64>, tensor<1xindex>) -> tensor<?xf64>

func.func @ravel(%x: tensor<?x?xf64>, %n: index) -> tensor<?xf64> {
  %r = zyg.reshape %x [%n] : tensor<?x?xf64> -> tensor<?xf64>
  func.return %r : tensor<?xf64>
}

// -----

// zyg.eye: a linalg.generic selecting the value where the two indices agree.
// CHECK-LABEL: func.func @eye(
// CHECK-SAME:      %[[V:[^:]+]]: f64, %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[M]], %[[N]]) : tensor<?x?xf64>
// CHECK:         %[[E:.*]] = linalg.generic {{.*}} ins(%[[V]] : f64) outs(%[[INIT]] : tensor<?x?xf64>)
// CHECK:           %[[I:.*]] = linalg.index 0 : index
// CHECK:           %[[J:.*]] = linalg.index 1 : index
// CHECK:           %[[ON:.*]] = arith.cmpi eq, %[[I]], %[[J]] : index
// CHECK:           arith.select %[[ON]]
// CHECK:         func.return %[[E]] : tensor<?x?xf64>

func.func @eye(%v: f64, %m: index, %n: index) -> tensor<?x?xf64> {
  %e = zyg.eye %v [%m, %n] : f64 -> tensor<?x?xf64>
  func.return %e : tensor<?x?xf64>
}
