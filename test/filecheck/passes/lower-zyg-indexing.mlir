// RUN: zyg-opt %s -p lower-zyg-indexing --split-input-file | filecheck %s

// Positive constant strides and no new axis: upstream slices, which bufferize to views. The
// int-indexed axis gets the static size 1, which makes the upstream ops drop it.
// CHECK-LABEL: func.func @view(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[I:[^:]+]]: index, %[[A:[^:]+]]: index, %[[N:[^:]+]]: index, %[[V:[^:]+]]: tensor<?xf64>)
// CHECK:         %[[R:.*]] = tensor.extract_slice %[[X]][%[[I]], %[[A]]] [1, %[[N]]] [1, 2] : tensor<?x?xf64> to tensor<?xf64>
// CHECK:         %[[Z:.*]] = tensor.insert_slice %[[V]] into %[[X]][%[[I]], %[[A]]] [1, %[[N]]] [1, 2] : tensor<?xf64> into tensor<?x?xf64>
// CHECK:         func.return %[[R]], %[[Z]]
// CHECK-NOT:     zyg.
func.func @view(%x: tensor<?x?xf64>, %i: index, %a: index, %n: index, %v: tensor<?xf64>) -> (tensor<?xf64>, tensor<?x?xf64>) {
  %one = arith.constant 1 : index
  %two = arith.constant 2 : index
  %r = zyg.get_slice %x [%i, %a] [%one, %n] [%one, %two] {axes = array<i64: 1>} : tensor<?x?xf64> -> tensor<?xf64>
  %z = zyg.set_slice %v into %x [%i, %a] [%one, %n] [%one, %two] {axes = array<i64: 1>} : tensor<?xf64> into tensor<?x?xf64>
  func.return %r, %z : tensor<?xf64>, tensor<?x?xf64>
}

// -----

// A run-time stride (it may be negative) and a new axis: a linalg.generic reading the source at
// offset + index * stride.
// CHECK-LABEL: func.func @strided_read(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>, %[[A:[^:]+]]: index, %[[N:[^:]+]]: index, %[[S:[^:]+]]: index)
// CHECK:         %[[ONE:.*]] = arith.constant 1 : index
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[ONE]], %[[N]]) : tensor<?x?xf64>
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} outs(%[[INIT]] : tensor<?x?xf64>) {
// CHECK:           %[[K:.*]] = linalg.index 1 : index
// CHECK:           %[[STEP:.*]] = arith.muli %[[K]], %[[S]] : index
// CHECK:           %[[AT:.*]] = arith.addi %[[A]], %[[STEP]] : index
// CHECK:           %[[E:.*]] = tensor.extract %[[X]][%[[AT]]] : tensor<?xf64>
// CHECK:           linalg.yield %[[E]] : f64
// CHECK:         func.return %[[R]]
func.func @strided_read(%x: tensor<?xf64>, %a: index, %n: index, %s: index) -> tensor<?x?xf64> {
  %r = zyg.get_slice %x [%a] [%n] [%s] {axes = array<i64: -1, 0>} : tensor<?xf64> -> tensor<?x?xf64>
  func.return %r : tensor<?x?xf64>
}

// -----

// A write with a run-time stride: an scf.for over the value carrying the array.
// CHECK-LABEL: func.func @strided_write(
// CHECK-SAME:      %[[V:[^:]+]]: tensor<?xf64>, %[[Y:[^:]+]]: tensor<?xf64>, %[[A:[^:]+]]: index, %[[N:[^:]+]]: index, %[[S:[^:]+]]: index)
// CHECK:         %[[NV:.*]] = tensor.dim %[[V]], %{{.*}} : tensor<?xf64>
// CHECK:         %[[Z:.*]] = scf.for %[[K:.*]] = %{{.*}} to %[[NV]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[Y]]) -> (tensor<?xf64>) {
// CHECK:           %[[E:.*]] = tensor.extract %[[V]][%[[K]]] : tensor<?xf64>
// CHECK:           %[[STEP:.*]] = arith.muli %[[K]], %[[S]] : index
// CHECK:           %[[AT:.*]] = arith.addi %[[A]], %[[STEP]] : index
// CHECK:           %[[NEW:.*]] = tensor.insert %[[E]] into %[[ACC]][%[[AT]]] : tensor<?xf64>
// CHECK:           scf.yield %[[NEW]] : tensor<?xf64>
// CHECK:         func.return %[[Z]]
func.func @strided_write(%v: tensor<?xf64>, %y: tensor<?xf64>, %a: index, %n: index, %s: index) -> tensor<?xf64> {
  %z = zyg.set_slice %v into %y [%a] [%n] [%s] {axes = array<i64: 0>} : tensor<?xf64> into tensor<?xf64>
  func.return %z : tensor<?xf64>
}

// -----

// A gather reads the index (wrapping a negative one) in a linalg.generic over the result.
// CHECK-LABEL: func.func @gather(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>)
// CHECK:         %[[G:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], {{.*}} ins(%[[IDX]] : tensor<?xi64>)
// CHECK:         ^bb0(%[[I:.*]]: i64, %{{.*}}: f64):
// CHECK:           %[[NEG:.*]] = arith.cmpi slt, %[[I]], %{{.*}} : i64
// CHECK:           %[[UP:.*]] = arith.addi %[[I]], %{{.*}} : i64
// CHECK:           %[[W:.*]] = arith.select %[[NEG]], %[[UP]], %[[I]] : i64
// CHECK:           %[[ROW:.*]] = arith.index_cast %[[W]] : i64 to index
// CHECK:           %[[COL:.*]] = linalg.index 1 : index
// CHECK:           tensor.extract %[[X]][%[[ROW]], %[[COL]]] : tensor<?x?xf64>
// CHECK:         func.return %[[G]]
func.func @gather(%x: tensor<?x?xf64>, %idx: tensor<?xi64>) -> tensor<?x?xf64> {
  %g = zyg.gather %x [%idx] : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
  func.return %g : tensor<?x?xf64>
}

// -----

// x[i, :, j]: one index array per indexed axis, each wrapped against its own axis's length; the
// other axes follow the index dimensions.
// CHECK-LABEL: func.func @gather_axes(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?x?xf64>, %[[I:[^:]+]]: tensor<?xi64>, %[[J:[^:]+]]: tensor<?xi64>)
// CHECK:         %[[G:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], {{.*}} ins(%[[I]], %[[J]] : tensor<?xi64>, tensor<?xi64>)
// CHECK:         ^bb0(%[[A:.*]]: i64, %[[B:.*]]: i64, %{{.*}}: f64):
// CHECK:           %[[ROW:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:           %[[MID:.*]] = linalg.index 1 : index
// CHECK:           %[[LAST:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:           tensor.extract %[[X]][%[[ROW]], %[[MID]], %[[LAST]]] : tensor<?x?x?xf64>
// CHECK:         func.return %[[G]]
func.func @gather_axes(%x: tensor<?x?x?xf64>, %i: tensor<?xi64>, %j: tensor<?xi64>) -> tensor<?x?xf64> {
  %g = zyg.gather %x [%i, %j] {axes = array<i64: 0, 2>} : tensor<?x?x?xf64>, tensor<?xi64>, tensor<?xi64> -> tensor<?x?xf64>
  func.return %g : tensor<?x?xf64>
}

// -----

// x[:, idx]: the index dimension second (position 1): the index array is read along d1 and the
// rows along d0.
// CHECK-LABEL: func.func @gather_columns(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>)
// CHECK:         %[[G:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], {{.*}} ins(%[[IDX]] : tensor<?xi64>)
// CHECK:           %[[ROW:.*]] = linalg.index 0 : index
// CHECK:           %[[COL:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:           tensor.extract %[[X]][%[[ROW]], %[[COL]]] : tensor<?x?xf64>
// CHECK:         func.return %[[G]]
func.func @gather_columns(%x: tensor<?x?xf64>, %idx: tensor<?xi64>) -> tensor<?x?xf64> {
  %g = zyg.gather %x [%idx] {axes = array<i64: 1>, position = 1 : i64} : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
  func.return %g : tensor<?x?xf64>
}

// -----

// y[:, idx] = v: an scf.for nest over v (rows, then the index) carrying y, each element inserted
// at its (wrapped) column, in row-major order (a repeated index keeps the last value).
// CHECK-LABEL: func.func @scatter_set(
// CHECK-SAME:      %[[V:[^:]+]]: tensor<?x?xf64>, %[[Y:[^:]+]]: tensor<?x?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>)
// CHECK:         %[[Z:.*]] = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[OUTER:.*]] = %[[Y]]) -> (tensor<?x?xf64>) {
// CHECK:           scf.for %[[L:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[OUTER]]) -> (tensor<?x?xf64>) {
// CHECK:             tensor.extract %[[IDX]][%[[L]]] : tensor<?xi64>
// CHECK:             %[[COL:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:             %[[E:.*]] = tensor.extract %[[V]][%[[K]], %[[L]]] : tensor<?x?xf64>
// CHECK:             tensor.insert %[[E]] into %[[ACC]][%[[K]], %[[COL]]] : tensor<?x?xf64>
// CHECK:         func.return %[[Z]]
func.func @scatter_set(%v: tensor<?x?xf64>, %y: tensor<?x?xf64>, %idx: tensor<?xi64>) -> tensor<?x?xf64> {
  %z = zyg.scatter %v into %y [%idx] {axes = array<i64: 1>, position = 1 : i64, kind = "set"} : tensor<?x?xf64>, tensor<?xi64> into tensor<?x?xf64>
  func.return %z : tensor<?x?xf64>
}

// -----

// np.add.at on an int array: the same loop adding with arith.addi into the array itself.
// CHECK-LABEL: func.func @scatter_add_int(
// CHECK-SAME:      %[[V:[^:]+]]: tensor<?xi64>, %[[Y:[^:]+]]: tensor<?xi64>, %[[IDX:[^:]+]]: tensor<?xi64>)
// CHECK:         %[[Z:.*]] = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[Y]]) -> (tensor<?xi64>) {
// CHECK:           %[[ROW:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:           %[[E:.*]] = tensor.extract %[[V]][%[[K]]] : tensor<?xi64>
// CHECK:           %[[OLD:.*]] = tensor.extract %[[ACC]][%[[ROW]]] : tensor<?xi64>
// CHECK:           %[[SUM:.*]] = arith.addi %[[OLD]], %[[E]] : i64
// CHECK:           tensor.insert %[[SUM]] into %[[ACC]][%[[ROW]]] : tensor<?xi64>
// CHECK:         func.return %[[Z]]
func.func @scatter_add_int(%v: tensor<?xi64>, %y: tensor<?xi64>, %idx: tensor<?xi64>) -> tensor<?xi64> {
  %z = zyg.scatter %v into %y [%idx] {kind = "add"} : tensor<?xi64>, tensor<?xi64> into tensor<?xi64>
  func.return %z : tensor<?xi64>
}

// -----

// zyg.unscatter walks the taken elements backwards (counters run down from the last index), reading
// each from the carried source and then zeroing it there.
// CHECK-LABEL: func.func @unscatter(
// CHECK-SAME:      %[[CT:[^:]+]]: tensor<?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>)
// CHECK:         %[[N:.*]] = tensor.dim %[[IDX]], %{{.*}} : tensor<?xi64>
// CHECK:         %[[LAST:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[N]]) : tensor<?xf64>
// CHECK:         %[[V:.*]], %[[Y:.*]] = scf.for %[[K:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[TAKEN:.*]] = %[[INIT]], %[[REST:.*]] = %[[CT]]) -> (tensor<?xf64>, tensor<?xf64>) {
// CHECK:           %[[B:.*]] = arith.subi %[[LAST]], %[[K]] : index
// CHECK:           tensor.extract %[[IDX]][%[[B]]] : tensor<?xi64>
// CHECK:           %[[AT:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:           %[[E:.*]] = tensor.extract %[[REST]][%[[AT]]] : tensor<?xf64>
// CHECK:           %[[T:.*]] = tensor.insert %[[E]] into %[[TAKEN]][%[[B]]] : tensor<?xf64>
// CHECK:           %[[R:.*]] = tensor.insert %{{.*}} into %[[REST]][%[[AT]]] : tensor<?xf64>
// CHECK:           scf.yield %[[T]], %[[R]] : tensor<?xf64>, tensor<?xf64>
// CHECK:         func.return %[[V]], %[[Y]]
func.func @unscatter(%ct: tensor<?xf64>, %idx: tensor<?xi64>) -> (tensor<?xf64>, tensor<?xf64>) {
  %v, %y = zyg.unscatter %ct [%idx] : tensor<?xf64>, tensor<?xi64> -> tensor<?xf64>, tensor<?xf64>
  func.return %v, %y : tensor<?xf64>, tensor<?xf64>
}

// -----

// A scatter-add starts from zeros and adds each value at its (wrapped) row.
// CHECK-LABEL: func.func @scatter_add(
// CHECK-SAME:      %[[V:[^:]+]]: tensor<?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>, %[[N:[^:]+]]: index)
// CHECK:         %[[ZEROS:.*]] = linalg.generic
// CHECK:         %[[S:.*]] = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZEROS]]) -> (tensor<?xf64>) {
// CHECK:           %[[I:.*]] = tensor.extract %[[IDX]][%[[K]]] : tensor<?xi64>
// CHECK:           %[[ROW:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:           %[[E:.*]] = tensor.extract %[[V]][%[[K]]] : tensor<?xf64>
// CHECK:           %[[OLD:.*]] = tensor.extract %[[ACC]][%[[ROW]]] : tensor<?xf64>
// CHECK:           %[[SUM:.*]] = arith.addf %[[OLD]], %[[E]] : f64
// CHECK:           tensor.insert %[[SUM]] into %[[ACC]][%[[ROW]]] : tensor<?xf64>
// CHECK:         func.return %[[S]]
func.func @scatter_add(%v: tensor<?xf64>, %idx: tensor<?xi64>, %n: index) -> tensor<?xf64> {
  %s = zyg.scatter_add %v [%idx] [%n] : tensor<?xf64>, tensor<?xi64> -> tensor<?xf64>
  func.return %s : tensor<?xf64>
}

// -----

// A mask read walks the mask in row-major order carrying the result and the count so far.
// CHECK-LABEL: func.func @mask_select(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>, %[[MASK:[^:]+]]: tensor<?xi1>, %[[C:[^:]+]]: index)
// CHECK:         %[[INIT:.*]] = tensor.empty(%[[C]]) : tensor<?xf64>
// CHECK:         %[[R:.*]], %{{.*}} = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]], %[[N:.*]] = %{{.*}}) -> (tensor<?xf64>, index) {
// CHECK:           %[[HIT:.*]] = tensor.extract %[[MASK]][%[[K]]] : tensor<?xi1>
// CHECK:           scf.if %[[HIT]] -> (tensor<?xf64>, index) {
// CHECK:             %[[E:.*]] = tensor.extract %[[X]][%[[K]]] : tensor<?xf64>
// CHECK:             tensor.insert %[[E]] into %[[ACC]][%[[N]]] : tensor<?xf64>
// CHECK:         func.return %[[R]]
func.func @mask_select(%x: tensor<?xf64>, %mask: tensor<?xi1>, %c: index) -> tensor<?xf64> {
  %v = zyg.mask_select %x [%mask] [%c] : tensor<?xf64>, tensor<?xi1> -> tensor<?xf64>
  func.return %v : tensor<?xf64>
}

// -----

// Its adjoint places the values, in order, where the mask is true.
// CHECK-LABEL: func.func @mask_scatter(
// CHECK-SAME:      %[[V:[^:]+]]: tensor<?xf64>, %[[MASK:[^:]+]]: tensor<?x?xi1>)
// CHECK:         %[[ZEROS:.*]] = linalg.generic
// CHECK:         scf.for %[[I:.*]] = {{.*}} iter_args(%{{.*}} = %[[ZEROS]], %{{.*}} = %{{.*}}) -> (tensor<?x?xf64>, index) {
// CHECK:           scf.for %[[J:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}, %[[N:.*]] = %{{.*}}) -> (tensor<?x?xf64>, index) {
// CHECK:             %[[HIT:.*]] = tensor.extract %[[MASK]][%[[I]], %[[J]]] : tensor<?x?xi1>
// CHECK:             scf.if %[[HIT]]
// CHECK:               %[[E:.*]] = tensor.extract %[[V]][%[[N]]] : tensor<?xf64>
// CHECK:               tensor.insert %[[E]] into %[[ACC]][%[[I]], %[[J]]] : tensor<?x?xf64>
func.func @mask_scatter(%v: tensor<?xf64>, %mask: tensor<?x?xi1>) -> tensor<?x?xf64> {
  %z = zyg.mask_scatter %v [%mask] : tensor<?xf64>, tensor<?x?xi1> -> tensor<?x?xf64>
  func.return %z : tensor<?x?xf64>
}
