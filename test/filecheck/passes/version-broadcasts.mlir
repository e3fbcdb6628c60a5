// RUN: zyg-opt %s -p version-broadcasts --split-input-file | filecheck %s

// A group of fusable ops with broadcasts known only at run time: one test of every broadcast's
// trailing dimensions, then the group twice, first with each broadcast {expand_only} (it fuses into
// one loop nest), else each {general} (a gather, with no test of its own). A tensor.dim of a group's
// value is the dimension the group knows.
// CHECK-LABEL: func.func @group(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>, %[[B:[^:]+]]: tensor<?xf64>, %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK-NOT:     tensor.dim %s,
// CHECK:         %[[A0:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[A1:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[B0:.*]] = tensor.dim %[[B]], %{{.*}} : tensor<?xf64>
// CHECK:         arith.cmpi eq, %[[A0]], %[[M]] : index
// CHECK:         arith.cmpi eq, %[[A1]], %[[N]] : index
// CHECK:         arith.cmpi eq, %[[B0]], %[[N]] : index
// CHECK:         %[[AGREE:.*]] = arith.andi
// CHECK:         %[[R:.*]] = scf.if %[[AGREE]] -> (f64) {
// CHECK:           zyg.broadcast_to %[[A]][%[[M]], %[[N]]] {expand_only}
// CHECK:           zyg.broadcast_to %[[B]][%[[M]], %[[N]]] {expand_only}
// CHECK:           arith.addf
// CHECK:           arith.mulf
// CHECK:           %[[FAST:.*]] = zyg.reduce
// CHECK:           scf.yield %[[FAST]] : f64
// CHECK:         } else {
// CHECK:           zyg.broadcast_to %[[A]][%[[M]], %[[N]]] {general} :
// CHECK:           zyg.broadcast_to %[[B]][%[[M]], %[[N]]] {general} :
// CHECK:           %[[SLOW:.*]] = zyg.reduce
// CHECK:           scf.yield %[[SLOW]] : f64
// CHECK:         }
// CHECK:         func.return %[[R]], %[[M]] : f64, index
func.func @group(%a: tensor<?x?xf64>, %b: tensor<?xf64>, %m: index, %n: index) -> (f64, index) {
  %ba = zyg.broadcast_to %a [%m, %n] : tensor<?x?xf64> -> tensor<?x?xf64>
  %bb = zyg.broadcast_to %b [%m, %n] : tensor<?xf64> -> tensor<?x?xf64>
  %s = arith.addf %ba, %bb : tensor<?x?xf64>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %s, %c0 : tensor<?x?xf64>
  %p = arith.mulf %s, %s : tensor<?x?xf64>
  %r = zyg.reduce %p {kind = "sum", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %r, %d : f64, index
}

// -----

// An op that is no member (here a matrix product) ends the group: the scf.if goes just before it and
// yields the group's values it uses. A sum_to becomes {leading_only}; a known unit axis is not tested.
// CHECK-LABEL: func.func @ended_by_matmul(
// CHECK-SAME:      %[[CT:[^:]+]]: tensor<?x?x?xf64>, %[[M:[^:]+]]: index, %[[N:[^:]+]]: index, %[[W:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[TWO:.*]] = arith.constant 2 : index
// CHECK:         %[[C2:.*]] = tensor.dim %[[CT]], %[[TWO]] : tensor<?x?x?xf64>
// CHECK:         %[[EQ:.*]] = arith.cmpi eq, %[[N]], %[[C2]] : index
// CHECK:         %[[AGREE:.*]] = arith.andi %{{.*}}, %[[EQ]] : i1
// CHECK:         %[[S:.*]] = scf.if %[[AGREE]] -> (tensor<?x?xf64>) {
// CHECK:           %[[FAST:.*]] = zyg.sum_to %{{.*}}[%[[M]], %[[N]]] {{.*}}leading_only
// CHECK:           scf.yield %[[FAST]]
// CHECK:         } else {
// CHECK:           %[[SLOW:.*]] = zyg.sum_to %{{.*}}[%[[M]], %[[N]]] {unit_axes = array<i64: 0>, general}
// CHECK:           scf.yield %[[SLOW]]
// CHECK:         }
// CHECK:         zyg.matmul %[[S]], %[[W]]
func.func @ended_by_matmul(%ct: tensor<?x?x?xf64>, %m: index, %n: index, %w: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %e = math.exp %ct : tensor<?x?x?xf64>
  %s = zyg.sum_to %e [%m, %n] {unit_axes = array<i64: 0>} : tensor<?x?x?xf64> -> tensor<?x?xf64>
  %p = zyg.matmul %s, %w : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %p : tensor<?x?xf64>
}

// -----

// A group whose broadcasts the frontend has resolved is left alone.
// CHECK-LABEL: func.func @known_shapes(
// CHECK-NOT:     scf.if
// CHECK:         zyg.broadcast_to %{{.*}} {expand_only, unit_axes = array<i64: 0>}
// CHECK-NOT:     scf.if
func.func @known_shapes(%x: tensor<?x?xf64>, %y: tensor<?x?xf64>, %m: index, %n: index) -> tensor<?x?xf64> {
  %b = zyg.broadcast_to %x [%m, %n] {expand_only, unit_axes = array<i64: 0>} : tensor<?x?xf64> -> tensor<?x?xf64>
  %s = arith.addf %b, %y : tensor<?x?xf64>
  func.return %s : tensor<?x?xf64>
}
