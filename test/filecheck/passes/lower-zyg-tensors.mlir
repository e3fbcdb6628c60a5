// RUN: zyg-opt %s -p lower-zyg-tensors --split-input-file | filecheck %s

// Elementwise arith on tensors of one shape -> one linalg.generic over a tensor.empty of the
// operand's shape, whose body is the scalar op.
// CHECK-LABEL: func.func @elementwise_add(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?xf64>, %[[B:[^:]+]]: tensor<?xf64>)
// CHECK:         %[[N:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?xf64>
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[N]]) : tensor<?xf64>
// CHECK:         %[[C:.*]] = linalg.generic {{{.*}}iterator_types = ["parallel"]} ins(%[[A]], %[[B]] : tensor<?xf64>, tensor<?xf64>) outs(%[[INIT]] : tensor<?xf64>) {
// CHECK-NEXT:    ^bb0(%[[X:.*]]: f64, %[[Y:.*]]: f64, %{{.*}}: f64):
// CHECK-NEXT:      %[[S:.*]] = arith.addf %[[X]], %[[Y]] : f64
// CHECK-NEXT:      linalg.yield %[[S]] : f64
// CHECK:         func.return %[[C]] : tensor<?xf64>
func.func @elementwise_add(%a: tensor<?xf64>, %b: tensor<?xf64>) -> tensor<?xf64> {
  %c = arith.addf %a, %b : tensor<?xf64>
  func.return %c : tensor<?xf64>
}

// -----

// A tensor ad.add accumulates elementwise, like arith.addf.
// CHECK-LABEL: func.func @ad_add(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?xf64>, %[[B:[^:]+]]: tensor<?xf64>)
// CHECK:         %[[C:.*]] = linalg.generic {{.*}} ins(%[[A]], %[[B]] : tensor<?xf64>, tensor<?xf64>)
// CHECK:           arith.addf
// CHECK:         func.return %[[C]] : tensor<?xf64>
// CHECK-NOT:     ad.add
func.func @ad_add(%a: tensor<?xf64>, %b: tensor<?xf64>) -> tensor<?xf64> {
  %c = ad.add %a, %b : tensor<?xf64>
  func.return %c : tensor<?xf64>
}

// -----

// A tensor ad.mul is elementwise: a linalg.generic whose body is the scalar ad.mul (lower-zyg then
// lowers it with its strong zero).
// CHECK-LABEL: func.func @ad_mul(
// CHECK-SAME:      %[[CT:[^:]+]]: tensor<?xf64>, %[[X:[^:]+]]: tensor<?xf64>)
// CHECK:         %[[C:.*]] = linalg.generic {{.*}} ins(%[[CT]], %[[X]] : tensor<?xf64>, tensor<?xf64>)
// CHECK-NEXT:    ^bb0(%[[A:.*]]: f64, %[[B:.*]]: f64, %{{.*}}: f64):
// CHECK-NEXT:      %[[P:.*]] = ad.mul %[[A]], %[[B]] : f64
// CHECK-NEXT:      linalg.yield %[[P]] : f64
// CHECK:         func.return %[[C]] : tensor<?xf64>
func.func @ad_mul(%ct: tensor<?xf64>, %x: tensor<?xf64>) -> tensor<?xf64> {
  %c = ad.mul %ct, %x : tensor<?xf64>
  func.return %c : tensor<?xf64>
}

// -----

// zyg.splat -> a linalg.generic reading the scalar through a rank-0 map.
// CHECK-LABEL: func.func @splat(
// CHECK-SAME:      %[[X:[^:]+]]: f64, %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[M]], %[[N]]) : tensor<?x?xf64>
// CHECK:         %[[A:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>]{{.*}} ins(%[[X]] : f64) outs(%[[INIT]] : tensor<?x?xf64>)
// CHECK:         func.return %[[A]] : tensor<?x?xf64>
func.func @splat(%x: f64, %m: index, %n: index) -> tensor<?x?xf64> {
  %a = zyg.splat %x [%m, %n] : f64 -> tensor<?x?xf64>
  func.return %a : tensor<?x?xf64>
}

// -----

// A tensor ad.zero -> zeros of the shape of `like`.
// CHECK-LABEL: func.func @zero_like(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>)
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f64
// CHECK:         %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?xf64>
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[N]]) : tensor<?xf64>
// CHECK:         %[[Z:.*]] = linalg.generic {{.*}} ins(%[[ZERO]] : f64) outs(%[[INIT]] : tensor<?xf64>)
// CHECK:         func.return %[[Z]] : tensor<?xf64>
func.func @zero_like(%x: tensor<?xf64>) -> tensor<?xf64> {
  %z = ad.zero like %x : tensor<?xf64>
  func.return %z : tensor<?xf64>
}

// -----

// zyg.broadcast_to: when the trailing dimensions agree, the fast path only adds leading axes;
// otherwise a gather reads index 0 along every source axis of size 1.
// CHECK-LABEL: func.func @broadcast_to(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>, %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK:         %[[K:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?xf64>
// CHECK:         %[[EQ:.*]] = arith.cmpi eq, %[[K]], %[[N]] : index
// CHECK:         %[[SAME:.*]] = arith.andi %{{.*}}, %[[EQ]] : i1
// CHECK:         %[[B:.*]] = scf.if %[[SAME]] -> (tensor<?x?xf64>) {
// CHECK:           %[[FAST:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>]{{.*}} ins(%[[X]] : tensor<?xf64>)
// CHECK:           scf.yield %[[FAST]] : tensor<?x?xf64>
// CHECK:         } else {
// CHECK:           %[[GATHER:.*]] = linalg.generic
// CHECK:             %[[I:.*]] = linalg.index 1 : index
// CHECK:             %[[UNIT:.*]] = arith.cmpi eq, %[[K]], %{{.*}} : index
// CHECK:             %[[J:.*]] = arith.select %[[UNIT]], %{{.*}}, %[[I]] : index
// CHECK:             %[[E:.*]] = tensor.extract %[[X]][%[[J]]] : tensor<?xf64>
// CHECK:             linalg.yield %[[E]] : f64
// CHECK:           scf.yield %[[GATHER]] : tensor<?x?xf64>
// CHECK:         }
// CHECK:         func.return %[[B]] : tensor<?x?xf64>
func.func @broadcast_to(%x: tensor<?xf64>, %m: index, %n: index) -> tensor<?x?xf64> {
  %b = zyg.broadcast_to %x [%m, %n] : tensor<?xf64> -> tensor<?x?xf64>
  func.return %b : tensor<?x?xf64>
}

// -----

// With {expand_only} the frontend has proved the trailing dimensions agree: only the fast path.
// CHECK-LABEL: func.func @broadcast_to_expand_only(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>, %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK-NOT:     scf.if
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[M]], %[[N]]) : tensor<?x?xf64>
// CHECK:         %[[B:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>]{{.*}} ins(%[[X]] : tensor<?xf64>) outs(%[[INIT]] : tensor<?x?xf64>)
// CHECK-NOT:     scf.if
// CHECK:         func.return %[[B]] : tensor<?x?xf64>
func.func @broadcast_to_expand_only(%x: tensor<?xf64>, %m: index, %n: index) -> tensor<?x?xf64> {
  %b = zyg.broadcast_to %x [%m, %n] {expand_only} : tensor<?xf64> -> tensor<?x?xf64>
  func.return %b : tensor<?x?xf64>
}

// -----

// With {general} (the branch version-broadcasts takes when some trailing dimension does not agree):
// only the gather, reading index 0 along an axis of size 1, without a test of its own.
// CHECK-LABEL: func.func @broadcast_to_general(
// CHECK-NOT:     scf.if
// CHECK:         %[[B:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>]
// CHECK:           arith.select
// CHECK:           tensor.extract
// CHECK-NOT:     scf.if
// CHECK:         func.return %[[B]] : tensor<?x?xf64>
func.func @broadcast_to_general(%x: tensor<?xf64>, %m: index, %n: index) -> tensor<?x?xf64> {
  %b = zyg.broadcast_to %x [%m, %n] {general} : tensor<?xf64> -> tensor<?x?xf64>
  func.return %b : tensor<?x?xf64>
}

// -----

// zyg.sum_to {general}: only the scatter-add loop nest.
// CHECK-LABEL: func.func @sum_to_general(
// CHECK-NOT:     scf.if
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             arith.select
// CHECK:             tensor.insert
// CHECK-NOT:     scf.if
func.func @sum_to_general(%x: tensor<?x?xf64>, %m: index, %n: index) -> tensor<?x?xf64> {
  %s = zyg.sum_to %x [%m, %n] {general} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %s : tensor<?x?xf64>
}

// -----

// zyg.sum_to: a reduction over the leading axes when the trailing ones agree, else a scatter-add
// loop nest into index 0 of the axes where the result has size 1.
// CHECK-LABEL: func.func @sum_to(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[N:[^:]+]]: index)
// CHECK:         %[[D0:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[D1:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[EQ:.*]] = arith.cmpi eq, %[[D1]], %[[N]] : index
// CHECK:         %[[SAME:.*]] = arith.andi %{{.*}}, %[[EQ]] : i1
// CHECK:         %[[S:.*]] = scf.if %[[SAME]] -> (tensor<?xf64>) {
// CHECK:           %[[ZEROS:.*]] = linalg.generic
// CHECK:           %[[FAST:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%[[X]] : tensor<?x?xf64>) outs(%[[ZEROS]] : tensor<?xf64>)
// CHECK:             arith.addf
// CHECK:           scf.yield %[[FAST]] : tensor<?xf64>
// CHECK:         } else {
// CHECK:           %[[OUTER:.*]] = scf.for %[[I:[^ ]+]] = %{{.*}} to %[[D0]] step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (tensor<?xf64>) {
// CHECK:             scf.for %[[J:[^ ]+]] = %{{.*}} to %[[D1]] step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<?xf64>) {
// CHECK:               %[[UNIT:.*]] = arith.cmpi eq, %[[N]], %{{.*}} : index
// CHECK:               %[[T:.*]] = arith.select %[[UNIT]], %{{.*}}, %[[J]] : index
// CHECK:               %[[V:.*]] = tensor.extract %[[X]][%[[I]], %[[J]]] : tensor<?x?xf64>
// CHECK:               %[[OLD:.*]] = tensor.extract %[[ACC]][%[[T]]] : tensor<?xf64>
// CHECK:               %[[NEW:.*]] = arith.addf %[[OLD]], %[[V]] : f64
// CHECK:               tensor.insert %[[NEW]] into %[[ACC]][%[[T]]] : tensor<?xf64>
// CHECK:           scf.yield %[[OUTER]] : tensor<?xf64>
// CHECK:         }
// CHECK:         func.return %[[S]] : tensor<?xf64>
func.func @sum_to(%x: tensor<?x?xf64>, %n: index) -> tensor<?xf64> {
  %s = zyg.sum_to %x [%n] : tensor<?x?xf64> -> tensor<?xf64>
  func.return %s : tensor<?xf64>
}

// -----

// zyg.expand repeats the source along the reduced axis: the source map drops that axis.
// CHECK-LABEL: func.func @expand(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>, %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[M]], %[[N]]) : tensor<?x?xf64>
// CHECK:         %[[E:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[X]] : tensor<?xf64>) outs(%[[INIT]] : tensor<?x?xf64>)
// CHECK:         func.return %[[E]] : tensor<?x?xf64>
func.func @expand(%x: tensor<?xf64>, %m: index, %n: index) -> tensor<?x?xf64> {
  %e = zyg.expand %x [%m, %n] {axes = array<i64: 1>, keepdims = false} : tensor<?xf64> -> tensor<?x?xf64>
  func.return %e : tensor<?x?xf64>
}

// -----

// A full sum reduces into a rank-0 tensor filled with 0.0 and extracts the scalar. The accumulation
// may be reassociated (fastmath<reassoc>), so LLVM vectorises it.
// CHECK-LABEL: func.func @reduce_sum(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>) -> f64
// CHECK:         %[[ZERO:.*]] = arith.constant 0.000000e+00 : f64
// CHECK:         %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[ZERO]] : f64) outs(%{{.*}} : tensor<f64>)
// CHECK:         %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]} ins(%[[X]] : tensor<?x?xf64>) outs(%[[INIT]] : tensor<f64>) {
// CHECK-NEXT:    ^bb0(%[[V:.*]]: f64, %[[ACC:.*]]: f64):
// CHECK-NEXT:      %[[SUM:.*]] = arith.addf %[[ACC]], %[[V]] fastmath<reassoc> : f64
// CHECK-NEXT:      linalg.yield %[[SUM]] : f64
// CHECK:         %[[S:.*]] = tensor.extract %[[R]][] : tensor<f64>
// CHECK:         func.return %[[S]] : f64
func.func @reduce_sum(%x: tensor<?x?xf64>) -> f64 {
  %s = zyg.reduce %x {kind = "sum", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %s : f64
}

// -----

// max starts from -inf and combines with maximumf (NaN propagates, as in NumPy); keepdims copies
// the reduced tensor into one with a unit axis.
// CHECK-LABEL: func.func @reduce_max_keepdims(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>) -> tensor<?x?xf64>
// CHECK:         %[[D0:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[NEGINF:.*]] = arith.constant 0xfff0000000000000 : f64
// CHECK:         %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[NEGINF]] : f64)
// CHECK:         %[[R:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<?x?xf64>) outs(%[[INIT]] : tensor<?xf64>) {
// CHECK-NEXT:    ^bb0(%[[V:.*]]: f64, %[[ACC:.*]]: f64):
// CHECK-NEXT:      %[[MAX:.*]] = arith.maximumf %[[ACC]], %[[V]] fastmath<reassoc> : f64
// CHECK-NEXT:      linalg.yield %[[MAX]] : f64
// CHECK:         %[[ONE:.*]] = arith.constant 1 : index
// CHECK:         %[[KEPT:.*]] = tensor.empty(%[[D0]], %[[ONE]]) : tensor<?x?xf64>
// CHECK:         %[[M:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>]{{.*}} ins(%[[R]] : tensor<?xf64>) outs(%[[KEPT]] : tensor<?x?xf64>)
// CHECK:         func.return %[[M]] : tensor<?x?xf64>
func.func @reduce_max_keepdims(%x: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %m = zyg.reduce %x {kind = "max", axes = array<i64: 1>, keepdims = true} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %m : tensor<?x?xf64>
}

// -----

// zyg.matmul -> a call of the BLAS product for its element type (defined by the bridge, see
// zyg.backend.blas), declared once at the end of the module.
// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>, %[[B:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[NO:.*]] = arith.constant false
// CHECK:         %[[NO2:.*]] = arith.constant false
// CHECK:         %[[C:.*]] = func.call @_zyg_matmul_f64(%[[A]], %[[NO]], %[[B]], %[[NO2]]) : (tensor<?x?xf64>, i1, tensor<?x?xf64>, i1) -> tensor<?x?xf64>
// CHECK:         func.return %[[C]] : tensor<?x?xf64>
func.func @matmul(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %c = zyg.matmul %a, %b : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %c : tensor<?x?xf64>
}

// -----

// A pullback's product (`cotangent = 1`: the rhs is a cotangent) calls the strong-zero variant,
// told which side the cotangent is on.
// CHECK-LABEL: func.func @matmul_cotangent(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>, %[[B:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[SIDE:.*]] = arith.constant true
// CHECK:         func.call @_zyg_matmul_strong_f64(%[[A]], %{{.*}}, %[[B]], %{{.*}}, %[[SIDE]]) : (tensor<?x?xf64>, i1, tensor<?x?xf64>, i1, i1) -> tensor<?x?xf64>
// CHECK:         func.func private @_zyg_matmul_strong_f64(tensor<?x?xf64>, i1, tensor<?x?xf64>, i1, i1) -> tensor<?x?xf64>
func.func @matmul_cotangent(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %c = zyg.matmul %a, %b {cotangent = 1 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %c : tensor<?x?xf64>
}

// -----

// A transposed operand is passed as its source with the `transposed` flag set: BLAS reads it
// through its strides and the transpose, now unused, is gone.
// CHECK-LABEL: func.func @matmul_transposed(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf32>, %[[B:[^:]+]]: tensor<?x?xf32>)
// CHECK-NOT:     linalg.generic
// CHECK:         %[[YES:.*]] = arith.constant true
// CHECK:         %[[NO:.*]] = arith.constant false
// CHECK:         func.call @_zyg_matmul_f32(%[[A]], %[[YES]], %[[B]], %[[NO]]) : (tensor<?x?xf32>, i1, tensor<?x?xf32>, i1) -> tensor<?x?xf32>
// CHECK:         func.func private @_zyg_matmul_f32(tensor<?x?xf32>, i1, tensor<?x?xf32>, i1) -> tensor<?x?xf32>
func.func @matmul_transposed(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %t = zyg.transpose %a {permutation = array<i64: 1, 0>} : tensor<?x?xf32> -> tensor<?x?xf32>
  %c = zyg.matmul %t, %b : tensor<?x?xf32>, tensor<?x?xf32> -> tensor<?x?xf32>
  func.return %c : tensor<?x?xf32>
}

// -----

// One transpose as both operands (`x.T @ x.T`): both flags set, and the transpose erased once.
// CHECK-LABEL: func.func @matmul_same_transpose(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>)
// CHECK-NOT:     zyg.transpose
// CHECK:         %[[YES:.*]] = arith.constant true
// CHECK:         func.call @_zyg_matmul_f64(%[[A]], %[[YES]], %[[A]], %{{.*}}) : (tensor<?x?xf64>, i1, tensor<?x?xf64>, i1) -> tensor<?x?xf64>
func.func @matmul_same_transpose(%a: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %t = zyg.transpose %a {permutation = array<i64: 1, 0>} : tensor<?x?xf64> -> tensor<?x?xf64>
  %c = zyg.matmul %t, %t : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %c : tensor<?x?xf64>
}

// -----

// zyg.transpose copies through the inverse permutation into a tensor of the permuted shape.
// CHECK-LABEL: func.func @transpose(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[D0:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[D1:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[D1]], %[[D0]]) : tensor<?x?xf64>
// CHECK:         %[[T:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>]{{.*}} ins(%[[X]] : tensor<?x?xf64>) outs(%[[INIT]] : tensor<?x?xf64>)
// CHECK:         func.return %[[T]] : tensor<?x?xf64>
func.func @transpose(%x: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %t = zyg.transpose %x {permutation = array<i64: 1, 0>} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %t : tensor<?x?xf64>
}

// -----

// zyg.check -> scf.if on the negated condition calling @_zyg_fail with the check's number (1) and
// its values padded with zeros; the message is kept in the module's zyg.checks attribute.
// CHECK:       builtin.module attributes {zyg.checks = ["ValueError{{.*}}shapes ({0},) and ({1},) differ"]}
// CHECK-LABEL: func.func @check(
// CHECK-SAME:      %[[OK:[^:]+]]: i1, %[[N:[^:]+]]: i64, %[[M:[^:]+]]: i64)
// CHECK:         %[[TRUE:.*]] = arith.constant true
// CHECK:         %[[FAILED:.*]] = arith.xori %[[OK]], %[[TRUE]] : i1
// CHECK:         %[[CODE:.*]] = arith.constant 1 : i64
// CHECK:         scf.if %[[FAILED]] {
// CHECK-NEXT:      func.call @_zyg_fail(%[[CODE]], %[[N]], %[[M]], %{{.*}}) : (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> ()
// CHECK-NOT:     zyg.check
// CHECK:       func.func private @_zyg_fail(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
func.func @check(%ok: i1, %n: i64, %m: i64) {
  zyg.check %ok, %n, %m : i64, i64 {error = "ValueError", message = "shapes ({0},) and ({1},) differ"}
  func.return
}

// -----

// zyg.check_interrupt -> a call of the runtime's poll, which fails on its own (no message: the
// status INTERRUPTED); zyg.check_stack -> a check of @_zyg_stack_ok() whose message names the function.
// CHECK:       builtin.module attributes {zyg.checks = ["RecursionError{{.*}}maximum recursion depth exceeded in 'fact' (the native stack is full)"]}
// CHECK-LABEL: func.func @run_time_guards(
// CHECK:         %[[OK:.*]] = func.call @_zyg_stack_ok() : () -> i1
// CHECK:         %[[FAILED:.*]] = arith.xori %[[OK]], %{{.*}} : i1
// CHECK:         %[[CODE:.*]] = arith.constant 1 : i64
// CHECK:         scf.if %[[FAILED]] {
// CHECK-NEXT:      func.call @_zyg_fail(%[[CODE]], %{{.*}}) : (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> ()
// CHECK:         scf.for
// CHECK-NEXT:      func.call @_zyg_poll_interrupt() : () -> ()
// CHECK-NOT:     zyg.check
// CHECK-DAG:   func.func private @_zyg_fail(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG:   func.func private @_zyg_poll_interrupt()
// CHECK-DAG:   func.func private @_zyg_stack_ok() -> i1
func.func @run_time_guards(%n: index) {
  zyg.check_stack {function = "fact"}
  %zero = arith.constant 0 : index
  %one = arith.constant 1 : index
  scf.for %i = %zero to %n step %one {
    zyg.check_interrupt
  }
  func.return
}

// -----

// An argsort is a call of the sorting runtime for its element type (`zyg.backend.sorting`), declared here.
// CHECK-LABEL: func.func @argsort(
// CHECK:         %[[P:.*]] = func.call @_zyg_argsort_f64(%{{.*}}) : (tensor<?x?xf64>) -> tensor<?x?xi64>
// CHECK:         %[[Q:.*]] = func.call @_zyg_argsort_i64(%{{.*}}) : (tensor<?x?xi64>) -> tensor<?x?xi64>
// CHECK:       func.func private @_zyg_argsort_f64(tensor<?x?xf64>) -> tensor<?x?xi64>
func.func @argsort(%x: tensor<?x?xf64>, %k: tensor<?x?xi64>) -> (tensor<?x?xi64>, tensor<?x?xi64>) {
  %p = zyg.argsort %x : tensor<?x?xf64> -> tensor<?x?xi64>
  %q = zyg.argsort %k : tensor<?x?xi64> -> tensor<?x?xi64>
  func.return %p, %q : tensor<?x?xi64>, tensor<?x?xi64>
}

// -----

// A source axis known to have size 1 (`x[:, None]`) is repeated through a constant in the indexing
// map, with no run-time test: with {expand_only} one linalg.generic that fuses.
// CHECK-LABEL: func.func @broadcast_to_unit_axis(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK-NOT:     scf.if
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[M]], %[[N]]) : tensor<?x?xf64>
// CHECK:         %[[B:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>]{{.*}} ins(%[[X]] : tensor<?x?xf64>) outs(%[[INIT]] : tensor<?x?xf64>)
// CHECK-NOT:     scf.if
// CHECK:         func.return %[[B]] : tensor<?x?xf64>
func.func @broadcast_to_unit_axis(%x: tensor<?x?xf64>, %m: index, %n: index) -> tensor<?x?xf64> {
  %b = zyg.broadcast_to %x [%m, %n] {expand_only, unit_axes = array<i64: 1>} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %b : tensor<?x?xf64>
}

// -----

// Without {expand_only} only the other axes are tested; the gather reads index 0 of the unit axis.
// CHECK-LABEL: func.func @broadcast_to_unit_axis_tested(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK:         %[[K:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[EQ:.*]] = arith.cmpi eq, %[[K]], %[[M]] : index
// CHECK-NOT:     arith.cmpi
// CHECK:         scf.if %{{.*}} -> (tensor<?x?xf64>) {
// CHECK:           linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, 0)>, affine_map<(d0, d1) -> (d0, d1)>]
// CHECK:         } else {
// CHECK:           %[[ZERO:.*]] = arith.constant 0 : index
// CHECK:           %[[I:.*]] = linalg.index 0 : index
// CHECK:           %[[J:.*]] = arith.select %{{.*}}, %[[ZERO]], %[[I]] : index
// CHECK:           tensor.extract %[[X]][%[[J]], %[[ZERO]]] : tensor<?x?xf64>
func.func @broadcast_to_unit_axis_tested(%x: tensor<?x?xf64>, %m: index, %n: index) -> tensor<?x?xf64> {
  %b = zyg.broadcast_to %x [%m, %n] {unit_axes = array<i64: 1>} : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %b : tensor<?x?xf64>
}

// -----

// zyg.sum_to {leading_only} with a unit axis: one reduction over the leading axis and the unit axis
// into the kept axes (no run-time test), then a copy that puts the unit axis back.
// CHECK-LABEL: func.func @sum_to_unit_axis(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?x?xf64>, %[[M:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK-NOT:     scf.if
// CHECK:         %[[ZEROS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?xf64>)
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d2)>], iterator_types = ["reduction", "reduction", "parallel"]} ins(%[[X]] : tensor<?x?x?xf64>) outs(%[[ZEROS]] : tensor<?xf64>)
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[M]], %[[N]]) : tensor<?x?xf64>
// CHECK:         %[[S:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>]{{.*}} ins(%[[SUM]] : tensor<?xf64>) outs(%[[INIT]] : tensor<?x?xf64>)
// CHECK-NOT:     scf.if
// CHECK:         func.return %[[S]] : tensor<?x?xf64>
func.func @sum_to_unit_axis(%x: tensor<?x?x?xf64>, %m: index, %n: index) -> tensor<?x?xf64> {
  %s = zyg.sum_to %x [%m, %n] {leading_only, unit_axes = array<i64: 0>} : tensor<?x?x?xf64> -> tensor<?x?xf64>
  func.return %s : tensor<?x?xf64>
}
