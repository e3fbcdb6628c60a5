// RUN: zyg-opt %s --split-input-file -p ad-differentiate | filecheck %s

// `ad.jacobian` becomes one forward sweep and a loop of reverse sweeps, one per row of the Jacobian.
// The rows are the elements of the float results (the i64 takes no part): the m = dim(y) + 1 rows
// seed `y` with a one-hot vector (inside y's range) and `s` with 1.0 at row dim(y). Each reverse
// sweep reads the one tape through a reader and its gradient becomes row k of the matrix.

func.func @f(%x: tensor<?xf64>, %n: i64) -> (tensor<?xf64>, i64, f64) {
  %y = math.sin %x : tensor<?xf64>
  %c = arith.constant 0 : index
  %e = tensor.extract %x[%c] : tensor<?xf64>
  %s = arith.mulf %e, %e : f64
  func.return %y, %n, %s : tensor<?xf64>, i64, f64
}

// CHECK-LABEL: func.func @jacobian_rows(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>, %[[N:[^:]+]]: i64) -> tensor<?x?xf64>
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         %[[Y:.*]], %{{.*}}, %{{.*}} = func.call @f_fwd(%[[X]], %[[N]], %[[T]])
// CHECK:         %[[NY:.*]] = tensor.dim %[[Y]]
// CHECK:         %[[S_ROW:.*]] = arith.addi %{{.*}}, %[[NY]] : index
// CHECK:         %[[M:.*]] = arith.addi %[[S_ROW]], %{{.*}} : index
// CHECK:         %[[NX:.*]] = tensor.dim %[[X]]
// CHECK:         %[[ZEROS:.*]] = zyg.splat %{{.*}}[%[[M]], %[[NX]]] : f64 -> tensor<?x?xf64>
// CHECK:         %[[J:.*]] = scf.for %[[K:.*]] = %{{.*}} to %[[M]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZEROS]]) -> (tensor<?x?xf64>) {
// CHECK:           %[[LOCAL:.*]] = arith.subi %[[K]], %{{.*}} : index
// CHECK:           %[[SEED_Y:.*]] = scf.if %{{.*}} -> (tensor<?xf64>) {
// CHECK:             tensor.insert %{{.*}} into %{{.*}}[%[[LOCAL]]] : tensor<?xf64>
// CHECK:           %[[HIT:.*]] = arith.cmpi eq, %[[K]], %[[S_ROW]] : index
// CHECK:           %[[SEED_S:.*]] = arith.select %[[HIT]], %{{.*}}, %{{.*}} : f64
// CHECK:           %[[R:.*]] = ad.tape_reader %[[T]] : !ad.tape
// CHECK:           %[[G:.*]] = func.call @f_bwd(%[[SEED_Y]], %[[SEED_S]], %[[R]]) : (tensor<?xf64>, f64, !ad.tape) -> tensor<?xf64>
// CHECK:           ad.tape_free %[[R]] : !ad.tape
// CHECK:           %[[ROW:.*]] = zyg.set_slice %[[G]] into %[[ACC]][%[[K]], %{{.*}}] [%{{.*}}, %[[NX]]] [%{{.*}}, %{{.*}}] {axes = array<i64: 1>}
// CHECK:           scf.yield %[[ROW]] : tensor<?x?xf64>
// CHECK:         ad.tape_free %[[T]] : !ad.tape
// CHECK:         func.return %[[J]] : tensor<?x?xf64>
func.func @jacobian_rows(%x: tensor<?xf64>, %n: i64) -> tensor<?x?xf64> {
  %j = ad.jacobian @f(%x, %n) : (tensor<?xf64>, i64) -> tensor<?x?xf64>
  func.return %j : tensor<?x?xf64>
}

// -----

// With `wrt`, only the arguments named get a matrix. A matrix result is seeded through a flat
// one-hot vector reshaped to its dimensions; a matrix argument's gradient is flattened into its row;
// an f32 argument's gradient is widened to f64, into the single column of its matrix.

func.func @g(%a: tensor<?x?xf64>, %w: f32, %c: f64) -> tensor<?x?xf64> {
  %wide = arith.extf %w : f32 to f64
  %s = arith.mulf %wide, %c : f64
  %d0 = arith.constant 0 : index
  %d1 = arith.constant 1 : index
  %r = tensor.dim %a, %d0 : tensor<?x?xf64>
  %k = tensor.dim %a, %d1 : tensor<?x?xf64>
  %b = zyg.splat %s [%r, %k] : f64 -> tensor<?x?xf64>
  %y = arith.mulf %a, %b : tensor<?x?xf64>
  func.return %y : tensor<?x?xf64>
}

// CHECK-LABEL: func.func @jacobian_wrt(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>, %[[W:[^:]+]]: f32, %[[C:[^:]+]]: f64) -> (tensor<?x?xf64>, tensor<?x?xf64>)
// CHECK:         %[[Y:.*]] = func.call @g_wrt0_1_fwd(%[[A]], %[[W]], %[[C]], %{{.*}})
// CHECK:         %[[Y0:.*]] = tensor.dim %[[Y]], %{{.*}}
// CHECK:         %[[Y1:.*]] = tensor.dim %[[Y]], %{{.*}}
// CHECK:         %[[NY:.*]] = arith.muli %[[Y0]], %[[Y1]] : index
// CHECK:         %[[A0:.*]] = tensor.dim %[[A]], %{{.*}}
// CHECK:         %[[A1:.*]] = tensor.dim %[[A]], %{{.*}}
// CHECK:         %[[NA:.*]] = arith.muli %[[A0]], %[[A1]] : index
// CHECK:         scf.for %[[K:.*]] = {{.*}} iter_args(%[[JA:.*]] = %{{.*}}, %[[JW:.*]] = %{{.*}}) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
// CHECK:           %[[FLAT:.*]] = scf.if
// CHECK:           %[[SEED:.*]] = zyg.reshape %[[FLAT]][%[[Y0]], %[[Y1]]] : tensor<?xf64> -> tensor<?x?xf64>
// CHECK:           %[[DA:.*]], %[[DW:.*]] = func.call @g_wrt0_1_bwd(%[[SEED]], %{{.*}}) : (tensor<?x?xf64>, !ad.tape) -> (tensor<?x?xf64>, f32)
// CHECK:           %[[DA_FLAT:.*]] = zyg.reshape %[[DA]][%[[NA]]] : tensor<?x?xf64> -> tensor<?xf64>
// CHECK:           %[[ROW:.*]] = zyg.set_slice %[[DA_FLAT]] into %[[JA]][%[[K]], %{{.*}}] [%{{.*}}, %[[NA]]]
// CHECK:           %[[DW64:.*]] = arith.extf %[[DW]] : f32 to f64
// CHECK:           %[[COLUMN:.*]] = tensor.insert %[[DW64]] into %[[JW]][%[[K]], %{{.*}}] : tensor<?x?xf64>
// CHECK:           scf.yield %[[ROW]], %[[COLUMN]] : tensor<?x?xf64>, tensor<?x?xf64>
func.func @jacobian_wrt(%a: tensor<?x?xf64>, %w: f32, %c: f64) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %ja, %jw = ad.jacobian @g(%a, %w, %c) {wrt = array<i64: 0, 1>} : (tensor<?x?xf64>, f32, f64) -> (tensor<?x?xf64>, tensor<?x?xf64>)
  func.return %ja, %jw : tensor<?x?xf64>, tensor<?x?xf64>
}
