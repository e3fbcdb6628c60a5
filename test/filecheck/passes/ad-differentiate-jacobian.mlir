// RUN: zyg-opt %s --split-input-file -p ad-differentiate | filecheck %s

// `ad.jacobian` becomes one forward sweep (the values, hence m) and an `scf.if` on n < m: a loop of
// forward-mode sweeps (`ad.jvp`), one per column, where the differentiated arguments have fewer
// elements (n) than the float results (m), else a loop of reverse sweeps, one per row. The rows are
// the elements of the float results (the i64 takes no part): the m = dim(y) + 1 rows seed `y` with a
// one-hot vector (inside y's range) and `s` with 1.0 at row dim(y); each reverse sweep reads the one
// tape through a reader and its gradient becomes row k of the matrix. The column loop frees the tape
// at once; each jvp's tangents of `y` and `s`, concatenated, become column i.

func.func @f(%x: tensor<?xf64>, %n: i64) -> (tensor<?xf64>, i64, f64) {
  %y = math.sin %x : tensor<?xf64>
  %c = arith.constant 0 : index
  %e = tensor.extract %x[%c] : tensor<?xf64>
  %s = arith.mulf %e, %e : f64
  func.return %y, %n, %s : tensor<?xf64>, i64, f64
}

// CHECK-LABEL: func.func @jacobian_rows_or_columns(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>, %[[N:[^:]+]]: i64) -> tensor<?x?xf64>
// CHECK:         %[[T:.*]] = ad.tape_new : !ad.tape
// CHECK:         %[[Y:.*]], %{{.*}}, %{{.*}} = func.call @f_fwd(%[[X]], %[[N]], %[[T]])
// CHECK:         %[[NY:.*]] = tensor.dim %[[Y]]
// CHECK:         %[[S_ROW:.*]] = arith.addi %{{.*}}, %[[NY]] : index
// CHECK:         %[[M:.*]] = arith.addi %[[S_ROW]], %{{.*}} : index
// CHECK:         %[[NX:.*]] = tensor.dim %[[X]]
// CHECK:         %[[COLUMNS:.*]] = arith.addi %{{.*}}, %[[NX]] : index
// CHECK:         %[[FEWER:.*]] = arith.cmpi ult, %[[COLUMNS]], %[[M]] : index
// CHECK:         %[[J:.*]] = scf.if %[[FEWER]] -> (tensor<?x?xf64>) {
// CHECK:           ad.tape_free %[[T]] : !ad.tape
// CHECK:           %[[ZEROS_C:.*]] = zyg.splat %{{.*}}[%[[M]], %[[NX]]] : f64 -> tensor<?x?xf64>
// CHECK:           %[[JC:.*]] = scf.for %[[I:.*]] = %{{.*}} to %[[COLUMNS]] step %{{.*}} iter_args(%[[ACC_C:.*]] = %[[ZEROS_C]]) -> (tensor<?x?xf64>) {
// CHECK:             %[[DX:.*]] = scf.if %{{.*}} -> (tensor<?xf64>) {
// CHECK:             %{{.*}}, %{{.*}}, %{{.*}}, %[[DY:.*]], %[[DS:.*]] = ad.jvp @f(%[[X]], %[[N]]) tangent(%[[DX]]) {wrt = array<i64: 0>}
// CHECK:             %[[EMPTY:.*]] = zyg.splat %{{.*}}[%[[M]]] : f64 -> tensor<?xf64>
// CHECK:             %[[WITH_DY:.*]] = zyg.set_slice %[[DY]] into %[[EMPTY]][%{{.*}}] [%[[NY]]] [%{{.*}}] {axes = array<i64: 0>}
// CHECK:             %[[COLUMN:.*]] = tensor.insert %[[DS]] into %[[WITH_DY]][%[[S_ROW]]] : tensor<?xf64>
// CHECK:             %[[LOCAL_C:.*]] = arith.subi %[[I]], %{{.*}} : index
// CHECK:             %[[SET:.*]] = scf.if %{{.*}} -> (tensor<?x?xf64>) {
// CHECK:               zyg.set_slice %[[COLUMN]] into %[[ACC_C]][%{{.*}}, %[[LOCAL_C]]] [%[[M]], %{{.*}}] [%{{.*}}, %{{.*}}] {axes = array<i64: 0>}
// CHECK:             } else {
// CHECK:               scf.yield %[[ACC_C]] : tensor<?x?xf64>
// CHECK:             scf.yield %[[SET]] : tensor<?x?xf64>
// CHECK:           scf.yield %[[JC]] : tensor<?x?xf64>
// CHECK:         } else {
// CHECK:           %[[ZEROS:.*]] = zyg.splat %{{.*}}[%[[M]], %[[NX]]] : f64 -> tensor<?x?xf64>
// CHECK:           %[[JR:.*]] = scf.for %[[K:.*]] = %{{.*}} to %[[M]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZEROS]]) -> (tensor<?x?xf64>) {
// CHECK:             %[[LOCAL:.*]] = arith.subi %[[K]], %{{.*}} : index
// CHECK:             %[[SEED_Y:.*]] = scf.if %{{.*}} -> (tensor<?xf64>) {
// CHECK:               tensor.insert %{{.*}} into %{{.*}}[%[[LOCAL]]] : tensor<?xf64>
// CHECK:             %[[HIT:.*]] = arith.cmpi eq, %[[K]], %[[S_ROW]] : index
// CHECK:             %[[SEED_S:.*]] = arith.select %[[HIT]], %{{.*}}, %{{.*}} : f64
// CHECK:             %[[R:.*]] = ad.tape_reader %[[T]] : !ad.tape
// CHECK:             %[[G:.*]] = func.call @f_bwd(%[[SEED_Y]], %[[SEED_S]], %[[R]]) : (tensor<?xf64>, f64, !ad.tape) -> tensor<?xf64>
// CHECK:             ad.tape_free %[[R]] : !ad.tape
// CHECK:             %[[ROW:.*]] = zyg.set_slice %[[G]] into %[[ACC]][%[[K]], %{{.*}}] [%{{.*}}, %[[NX]]] [%{{.*}}, %{{.*}}] {axes = array<i64: 1>}
// CHECK:             scf.yield %[[ROW]] : tensor<?x?xf64>
// CHECK:           ad.tape_free %[[T]] : !ad.tape
// CHECK:           scf.yield %[[JR]] : tensor<?x?xf64>
// CHECK:         func.return %[[J]] : tensor<?x?xf64>
func.func @jacobian_rows_or_columns(%x: tensor<?xf64>, %n: i64) -> tensor<?x?xf64> {
  %j = ad.jacobian @f(%x, %n) : (tensor<?xf64>, i64) -> tensor<?x?xf64>
  func.return %j : tensor<?x?xf64>
}

// -----

// With `wrt`, only the arguments named get a matrix. A matrix result is seeded through a flat
// one-hot vector reshaped to its dimensions; a matrix argument's gradient is flattened into its row;
// an f32 argument's gradient is widened to f64, into the single column of its matrix. In the column
// loop, the matrix argument's tangent is a flat one-hot vector reshaped, the f32 one's a select, and
// each matrix takes the column only where column i falls in its argument.

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
// CHECK:         scf.if %{{.*}} -> (tensor<?x?xf64>, tensor<?x?xf64>) {
// CHECK:           scf.for %[[I:.*]] = {{.*}} iter_args(%[[CA:.*]] = %{{.*}}, %[[CW:.*]] = %{{.*}}) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
// CHECK:             %[[DA:.*]] = zyg.reshape %{{.*}}[%[[A0]], %[[A1]]] : tensor<?xf64> -> tensor<?x?xf64>
// CHECK:             %[[DW:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK:             %{{.*}}, %[[DY:.*]] = ad.jvp @g(%[[A]], %[[W]], %[[C]]) tangent(%[[DA]], %[[DW]]) {wrt = array<i64: 0, 1>}
// CHECK:             %[[DY_FLAT:.*]] = zyg.reshape %[[DY]][%[[NY]]] : tensor<?x?xf64> -> tensor<?xf64>
// CHECK:             %[[COLUMN:.*]] = zyg.set_slice %[[DY_FLAT]] into
// CHECK:             %[[NEW_A:.*]] = scf.if
// CHECK:               zyg.set_slice %[[COLUMN]] into %[[CA]]
// CHECK:             %[[NEW_W:.*]] = scf.if
// CHECK:               zyg.set_slice %[[COLUMN]] into %[[CW]]
// CHECK:             scf.yield %[[NEW_A]], %[[NEW_W]] : tensor<?x?xf64>, tensor<?x?xf64>
// CHECK:         } else {
// CHECK:           scf.for %[[K:.*]] = {{.*}} iter_args(%[[JA:.*]] = %{{.*}}, %[[JW:.*]] = %{{.*}}) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
// CHECK:             %[[FLAT:.*]] = scf.if
// CHECK:             %[[SEED:.*]] = zyg.reshape %[[FLAT]][%[[Y0]], %[[Y1]]] : tensor<?xf64> -> tensor<?x?xf64>
// CHECK:             %[[GA:.*]], %[[GW:.*]] = func.call @g_wrt0_1_bwd(%[[SEED]], %{{.*}}) : (tensor<?x?xf64>, !ad.tape) -> (tensor<?x?xf64>, f32)
// CHECK:             %[[GA_FLAT:.*]] = zyg.reshape %[[GA]][%[[NA]]] : tensor<?x?xf64> -> tensor<?xf64>
// CHECK:             %[[ROW:.*]] = zyg.set_slice %[[GA_FLAT]] into %[[JA]][%[[K]], %{{.*}}] [%{{.*}}, %[[NA]]]
// CHECK:             %[[GW64:.*]] = arith.extf %[[GW]] : f32 to f64
// CHECK:             %[[ENTRY:.*]] = tensor.insert %[[GW64]] into %[[JW]][%[[K]], %{{.*}}] : tensor<?x?xf64>
// CHECK:             scf.yield %[[ROW]], %[[ENTRY]] : tensor<?x?xf64>, tensor<?x?xf64>
func.func @jacobian_wrt(%a: tensor<?x?xf64>, %w: f32, %c: f64) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %ja, %jw = ad.jacobian @g(%a, %w, %c) {wrt = array<i64: 0, 1>} : (tensor<?x?xf64>, f32, f64) -> (tensor<?x?xf64>, tensor<?x?xf64>)
  func.return %ja, %jw : tensor<?x?xf64>, tensor<?x?xf64>
}

// -----

// A float-valued function has one row, never more than the columns: the rows alone, decided at
// compile time (no `scf.if`, no `ad.jvp`).

func.func @loss(%x: tensor<?xf64>) -> f64 {
  %c = arith.constant 0 : index
  %e = tensor.extract %x[%c] : tensor<?xf64>
  %s = arith.mulf %e, %e : f64
  func.return %s : f64
}

// CHECK-LABEL: func.func @jacobian_rows_only(
// CHECK:         func.call @loss_fwd
// CHECK-NOT:     scf.if
// CHECK:         %[[J:.*]] = scf.for
// CHECK-NOT:       ad.jvp
// CHECK:           func.call @loss_bwd
// CHECK:         func.return %[[J]] : tensor<?x?xf64>
func.func @jacobian_rows_only(%x: tensor<?xf64>) -> tensor<?x?xf64> {
  %j = ad.jacobian @loss(%x) : (tensor<?xf64>) -> tensor<?x?xf64>
  func.return %j : tensor<?x?xf64>
}

// -----

// Two floats in, three out: the columns alone, decided at compile time. m comes from a plain call
// (no tape); each scalar tangent is 1.0 or 0.0 by the column, and the result tangents, the f32 one
// widened, fill the column.

func.func @h(%t: f64, %w: f32) -> (f64, f32, f64) {
  %wide = arith.extf %w : f32 to f64
  %p = arith.mulf %t, %wide : f64
  %q = arith.mulf %w, %w : f32
  %r = math.sin %t : f64
  func.return %p, %q, %r : f64, f32, f64
}

// CHECK-LABEL: func.func @jacobian_columns_only(
// CHECK-SAME:      %[[T:[^:]+]]: f64, %[[W:[^:]+]]: f32) -> (tensor<?x?xf64>, tensor<?x?xf64>)
// CHECK-NOT:     ad.tape_new
// CHECK:         func.call @h(%[[T]], %[[W]]) : (f64, f32) -> (f64, f32, f64)
// CHECK:         %[[JT:.*]], %[[JW:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[CT:.*]] = %{{.*}}, %[[CW:.*]] = %{{.*}}) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
// CHECK:           %[[DT:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : f64
// CHECK:           %[[DW:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK:           %{{.*}}, %{{.*}}, %{{.*}}, %[[DP:.*]], %[[DQ:.*]], %[[DR:.*]] = ad.jvp @h(%[[T]], %[[W]]) tangent(%[[DT]], %[[DW]])
// CHECK:           %[[WITH_P:.*]] = tensor.insert %[[DP]] into %{{.*}}[%{{.*}}] : tensor<?xf64>
// CHECK:           %[[DQ64:.*]] = arith.extf %[[DQ]] : f32 to f64
// CHECK:           %[[WITH_Q:.*]] = tensor.insert %[[DQ64]] into %[[WITH_P]][%{{.*}}] : tensor<?xf64>
// CHECK:           %[[COLUMN:.*]] = tensor.insert %[[DR]] into %[[WITH_Q]][%{{.*}}] : tensor<?xf64>
// CHECK:           zyg.set_slice %[[COLUMN]] into %[[CT]]
// CHECK:           zyg.set_slice %[[COLUMN]] into %[[CW]]
// CHECK:         func.return %[[JT]], %[[JW]] : tensor<?x?xf64>, tensor<?x?xf64>
func.func @jacobian_columns_only(%t: f64, %w: f32) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %jt, %jw = ad.jacobian @h(%t, %w) : (f64, f32) -> (tensor<?x?xf64>, tensor<?x?xf64>)
  func.return %jt, %jw : tensor<?x?xf64>, tensor<?x?xf64>
}
