// RUN: zyg-opt %s -p lower-zyg-linalg --split-input-file | filecheck %s

// An einsum is one linalg.generic over its distinct letters: maps from the subscripts, output
// letters parallel, the others reductions into a zero-filled output. The loops run (i, j, k):
// `k`, the last axis of the output and of B, goes innermost so that loop is contiguous.
// A matrix product (here the whole einsum) is a BLAS product (`zyg.matmul`) instead where it has
// at least 4096 multiply-adds (m * n * k, tested at run time).
// CHECK-LABEL: func.func @einsum_matmul(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>, %[[B:[^:]+]]: tensor<?x?xf64>, %[[M:[^:]+]]: index, %[[K:[^:]+]]: index)
// CHECK:         %[[MK:.*]] = arith.muli %[[M]], %[[K]] : index
// CHECK:         %[[J:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[WORK:.*]] = arith.muli %[[MK]], %[[J]] : index
// CHECK:         %[[LEAST:.*]] = arith.constant 4096 : index
// CHECK:         %[[LARGE:.*]] = arith.cmpi sge, %[[WORK]], %[[LEAST]] : index
// CHECK:         %[[RESULT:.*]] = scf.if %[[LARGE]] -> (tensor<?x?xf64>) {
// CHECK:           %[[EMPTY:.*]] = tensor.empty(%[[M]], %[[K]]) : tensor<?x?xf64>
// CHECK:           %[[LHS:.*]] = tensor.extract_slice %[[A]][0, 0]
// CHECK:           %[[RHS:.*]] = tensor.extract_slice %[[B]][0, 0]
// CHECK:           %[[PRODUCT:.*]] = zyg.matmul %[[LHS]], %[[RHS]]
// CHECK:           %[[WHOLE:.*]] = tensor.insert_slice %[[PRODUCT]] into %[[EMPTY]][0, 0] [%[[M]], %[[K]]] [1, 1]
// CHECK:           scf.yield %[[WHOLE]] : tensor<?x?xf64>
// CHECK:         } else {
// CHECK:           %[[INIT:.*]] = tensor.empty(%[[M]], %[[K]]) : tensor<?x?xf64>
// CHECK:           %[[ZEROS:.*]] = linalg.generic {{.*}} outs(%[[INIT]] : tensor<?x?xf64>)
// CHECK:           %[[C:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[A]], %[[B]] : tensor<?x?xf64>, tensor<?x?xf64>) outs(%[[ZEROS]] : tensor<?x?xf64>)
// CHECK-NEXT:      ^bb0(%[[X:.*]]: f64, %[[Y:.*]]: f64, %[[ACC:.*]]: f64):
// CHECK-NEXT:        %[[P:.*]] = arith.mulf %[[X]], %[[Y]] : f64
// CHECK-NEXT:        %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f64
// CHECK-NEXT:        linalg.yield %[[S]] : f64
// CHECK:           scf.yield %[[C]] : tensor<?x?xf64>
// CHECK:         func.return %[[RESULT]]
func.func @einsum_matmul(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>, %m: index, %k: index) -> tensor<?x?xf64> {
  %c = zyg.einsum %a, %b [%m, %k] {spec = "ij,jk->ik"} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %c : tensor<?x?xf64>
}

// -----

// A batch of matrix products (GMM's `ijk,nkj->nki`: for each k, xc[:, k, :] times ls[:, :, k].T): a
// loop over the batch letter, each product's factors 2-D slices (the right one transposed: BLAS
// reads it through its strides), written into the output where its last letter is the product's
// (rows of the output).
// CHECK-LABEL: func.func @einsum_batched(
// CHECK-SAME:      %[[LS:[^:]+]]: tensor<?x?x?xf64>, %[[XC:[^:]+]]: tensor<?x?x?xf64>, %[[N:[^:]+]]: index, %[[K:[^:]+]]: index, %[[D:[^:]+]]: index)
// CHECK:         scf.if %{{.*}} -> (tensor<?x?x?xf64>) {
// CHECK:           %[[EMPTY:.*]] = tensor.empty(%[[N]], %[[K]], %[[D]]) : tensor<?x?x?xf64>
// CHECK:           %[[ALL:.*]] = scf.for %[[B:.*]] = %{{.*}} to %[[K]] step %{{.*}} iter_args(%[[Z:.*]] = %[[EMPTY]]) -> (tensor<?x?x?xf64>) {
// CHECK:             %[[ROWS:.*]] = tensor.extract_slice %[[XC]][0, %[[B]], 0] [%[[N]], 1, %{{.*}}] [1, 1, 1] : tensor<?x?x?xf64> to tensor<?x?xf64>
// CHECK:             %[[L:.*]] = tensor.extract_slice %[[LS]][0, 0, %[[B]]] [%[[D]], %{{.*}}, 1] [1, 1, 1] : tensor<?x?x?xf64> to tensor<?x?xf64>
// CHECK:             %[[LT:.*]] = zyg.transpose %[[L]] {permutation = array<i64: 1, 0>}
// CHECK:             %[[P:.*]] = zyg.matmul %[[ROWS]], %[[LT]]
// CHECK:             %[[NEXT:.*]] = tensor.insert_slice %[[P]] into %[[Z]][0, %[[B]], 0] [%[[N]], 1, %[[D]]] [1, 1, 1] : tensor<?x?xf64> into tensor<?x?x?xf64>
// CHECK:             scf.yield %[[NEXT]]
// CHECK:           scf.yield %[[ALL]]
// CHECK:         } else {
// CHECK:           linalg.generic
func.func @einsum_batched(%ls: tensor<?x?x?xf64>, %xc: tensor<?x?x?xf64>, %n: index, %k: index, %d: index) -> tensor<?x?x?xf64> {
  %z = zyg.einsum %ls, %xc [%n, %k, %d] {spec = "ijk,nkj->nki"} : tensor<?x?x?xf64>, tensor<?x?x?xf64> -> tensor<?x?x?xf64>
  func.return %z : tensor<?x?x?xf64>
}

// -----

// Where the batch letter is the output's last, the products go into a (batch, m, n) tensor, which
// a named transpose then puts in the output's order (GMM's adjoint `nki,nkj->ijk`).
// CHECK-LABEL: func.func @einsum_batched_last(
// CHECK:         scf.if %{{.*}} -> (tensor<?x?x?xf64>) {
// CHECK:           scf.for
// CHECK:             zyg.matmul
// CHECK:             tensor.insert_slice %{{.*}} into %{{.*}}[%{{.*}}, 0, 0]
// CHECK:           linalg.transpose ins(%{{.*}}:tensor<?x?x?xf64>) outs(%{{.*}}:tensor<?x?x?xf64>) permutation = [1, 2, 0]
// CHECK:         } else {
func.func @einsum_batched_last(%ct: tensor<?x?x?xf64>, %xc: tensor<?x?x?xf64>, %i: index, %j: index, %k: index) -> tensor<?x?x?xf64> {
  %g = zyg.einsum %ct, %xc [%i, %j, %k] {spec = "nki,nkj->ijk"} : tensor<?x?x?xf64>, tensor<?x?x?xf64> -> tensor<?x?x?xf64>
  func.return %g : tensor<?x?x?xf64>
}

// -----

// A trace reads the diagonal through the map (d0) -> (d0, d0) and reduces into a 0-d tensor.
// CHECK-LABEL: func.func @einsum_trace(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[T:.*]] = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0, d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]} ins(%[[A]] : tensor<?x?xf64>)
// CHECK:         %[[S:.*]] = tensor.extract %[[T]][] : tensor<f64>
// CHECK:         func.return %[[S]] : f64
func.func @einsum_trace(%a: tensor<?x?xf64>) -> f64 {
  %t = zyg.einsum %a [] {spec = "ii->"} : tensor<?x?xf64> -> f64
  func.return %t : f64
}

// -----

// Without a reduction the body does not read the output (no zero fill), and a repeated output
// letter writes the diagonal: a second generic selects on linalg.index equality.
// CHECK-LABEL: func.func @einsum_diagonal_out(
// CHECK-SAME:      %[[V:[^:]+]]: tensor<?xf64>, %[[N:[^:]+]]: index)
// CHECK:         %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?xf64>
// CHECK:         %[[T:.*]] = linalg.generic {{.*}} ins(%[[V]] : tensor<?xf64>) outs(%[[E]] : tensor<?xf64>)
// CHECK-NEXT:    ^bb0(%[[X:.*]]: f64, %{{.*}}: f64):
// CHECK-NEXT:      linalg.yield %[[X]] : f64
// CHECK:         %[[D:.*]] = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%[[T]] : tensor<?xf64>)
// CHECK:           %[[I1:.*]] = linalg.index 1 : index
// CHECK:           %[[I0:.*]] = linalg.index 0 : index
// CHECK:           arith.cmpi eq, %[[I1]], %[[I0]] : index
// CHECK:           arith.select
// CHECK:         func.return %[[D]]
func.func @einsum_diagonal_out(%v: tensor<?xf64>, %n: index) -> tensor<?x?xf64> {
  %c = zyg.einsum %v [%n, %n] {spec = "i->ii"} : tensor<?xf64> -> tensor<?x?xf64>
  func.return %c : tensor<?x?xf64>
}

// -----

// solve: LU with partial pivoting as scf.for loops on tensors (pivot search, row swap,
// elimination), a singular-matrix check, then the permuted right-hand side and two triangular
// solves. No loop is unrolled: the IR does not depend on the size.
// CHECK-LABEL: func.func @solve(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>, %[[B:[^:]+]]: tensor<?xf64>)
// CHECK:         %[[N:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[LU:.*]], %[[PERM:.*]], %{{.*}}, %[[SINGULAR:.*]] = scf.for %[[K:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%{{.*}} = %[[A]], {{.*}}) -> (tensor<?x?xf64>, tensor<?xindex>, f64, i1) {
// CHECK:           scf.for {{.*}} -> (f64, index) {
// CHECK:             math.absf
// CHECK:             arith.cmpf ogt
// CHECK:           scf.for {{.*}} -> (tensor<?x?xf64>) {
// CHECK:           scf.for {{.*}} -> (tensor<?x?xf64>) {
// CHECK:             arith.divf
// CHECK:             scf.for {{.*}} -> (tensor<?x?xf64>) {
// CHECK:               arith.subf
// CHECK:         %[[OK:.*]] = arith.xori %[[SINGULAR]], %{{.*}} : i1
// CHECK:         zyg.check %[[OK]] {error = "LinAlgError", message = "Singular matrix"}
// CHECK:         linalg.generic
// CHECK:           tensor.extract %[[PERM]]
// CHECK:         %[[FORWARD:.*]] = scf.for
// CHECK:         %[[X:.*]] = scf.for %{{.*}} iter_args(%{{.*}} = %[[FORWARD]]) -> (tensor<?xf64>) {
// CHECK:           arith.divf
// CHECK:         func.return %[[X]] : tensor<?xf64>
func.func @solve(%a: tensor<?x?xf64>, %b: tensor<?xf64>) -> tensor<?xf64> {
  %x = zyg.solve %a, %b : tensor<?x?xf64>, tensor<?xf64> -> tensor<?xf64>
  func.return %x : tensor<?xf64>
}

// -----

// det: the same LU (no check: a singular matrix has determinant 0), then sign(P) times the
// product of U's diagonal.
// CHECK-LABEL: func.func @det(
// CHECK:         %[[LU:.*]], %{{.*}}, %[[SIGN:.*]], %{{.*}} = scf.for
// CHECK-NOT:     zyg.check
// CHECK:         %[[D:.*]] = scf.for %[[I:.*]] = {{.*}} iter_args(%[[P:.*]] = %[[SIGN]]) -> (f64) {
// CHECK:           %[[U:.*]] = tensor.extract %[[LU]][%[[I]], %[[I]]] : tensor<?x?xf64>
// CHECK:           arith.mulf %[[P]], %[[U]] : f64
// CHECK:         func.return %[[D]] : f64
func.func @det(%a: tensor<?x?xf64>) -> f64 {
  %d = zyg.det %a : tensor<?x?xf64> -> f64
  func.return %d : f64
}

// -----

// inv solves against an identity built by a generic comparing its two indices.
// CHECK-LABEL: func.func @inv(
// CHECK:         zyg.check
// CHECK:         %[[EYE:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x?xf64>)
// CHECK:           linalg.index 0
// CHECK:           linalg.index 1
// CHECK:         linalg.generic
// CHECK:           tensor.extract %[[EYE]]
func.func @inv(%a: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %z = zyg.inv %a : tensor<?x?xf64> -> tensor<?x?xf64>
  func.return %z : tensor<?x?xf64>
}

// -----

// slogdet: signs and log-magnitudes of U's diagonal.
// CHECK-LABEL: func.func @slogdet(
// CHECK:         %[[SIGN:.*]], %[[LOG:.*]] = scf.for {{.*}} -> (f64, f64) {
// CHECK:           math.log
// CHECK:         func.return %[[SIGN]], %[[LOG]] : f64, f64
func.func @slogdet(%a: tensor<?x?xf64>) -> (f64, f64) {
  %sign, %logabs = zyg.slogdet %a : tensor<?x?xf64> -> f64, f64
  func.return %sign, %logabs : f64, f64
}

// -----

// Row sums keep the default order (output letters first): `i` is not A's last axis, so the
// reduction over `j` stays innermost.
// CHECK-LABEL: func.func @einsum_row_sums(
// CHECK:         linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
func.func @einsum_row_sums(%a: tensor<?x?xf64>, %m: index) -> tensor<?xf64> {
  %r = zyg.einsum %a [%m] {spec = "ij->i"} : tensor<?x?xf64> -> tensor<?xf64>
  func.return %r : tensor<?xf64>
}

// -----

// A sum over `n`, which is no operand's last axis: an output letter goes innermost, so the inner
// iterations are independent. `k` is the output's last axis, and each input, read once per `i` or
// `j`, is worth a copy with `k` last (a named transpose, which upstream does not fuse back): loops
// (i, j, n, k), every operand walked contiguously. (GMM's einsum adjoints ran strided before.)
// CHECK-LABEL: func.func @einsum_summed_letter_not_innermost(
// CHECK:         %[[X:.*]] = linalg.transpose ins(%x:tensor<?x?x?xf64>) outs(%{{.*}}:tensor<?x?x?xf64>) permutation = [0, 2, 1]
// CHECK:         %[[G:.*]] = linalg.transpose ins(%g:tensor<?x?x?xf64>) outs(%{{.*}}:tensor<?x?x?xf64>) permutation = [0, 2, 1]
// CHECK:         linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d2, d0, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%[[X]], %[[G]] :
func.func @einsum_summed_letter_not_innermost(%x: tensor<?x?x?xf64>, %g: tensor<?x?x?xf64>, %i: index, %j: index, %k: index) -> tensor<?x?x?xf64> {
  %r = zyg.einsum %x, %g [%i, %j, %k] {spec = "nkj,nki->ijk"} : tensor<?x?x?xf64>, tensor<?x?x?xf64> -> tensor<?x?x?xf64>
  func.return %r : tensor<?x?x?xf64>
}

// -----

// A summed letter that is the last axis of both inputs stays innermost: a matrix-vector product
// walks the rows of A.
// CHECK-LABEL: func.func @einsum_matvec(
// CHECK:         linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
func.func @einsum_matvec(%a: tensor<?x?xf64>, %v: tensor<?xf64>, %m: index) -> tensor<?xf64> {
  %r = zyg.einsum %a, %v [%m] {spec = "ij,j->i"} : tensor<?x?xf64>, tensor<?xf64> -> tensor<?xf64>
  func.return %r : tensor<?xf64>
}
