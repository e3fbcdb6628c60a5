// RUN: zyg-opt %s -p ad-differentiate --split-input-file | filecheck %s

// np.sum(x * x): the seed 1.0 is expanded back to x's shape (the adjoint of the sum) and the
// elementwise product's pullback is two elementwise products, accumulated with ad.add.

func.func @f(%x: tensor<?xf64>) -> f64 {
  %sq = arith.mulf %x, %x : tensor<?xf64>
  %s = zyg.reduce %sq {kind = "sum", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f64
  func.return %s : f64
}

// CHECK-LABEL: func.func @sum_of_squares(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>) -> tensor<?xf64>
// CHECK:         %[[SQ:.*]] = arith.mulf %[[X]], %[[X]] : tensor<?xf64>
// CHECK:         %[[N:.*]] = tensor.dim %[[SQ]], %{{.*}} : tensor<?xf64>
// CHECK:         zyg.reduce %[[SQ]] {kind = "sum", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f64
// CHECK:         %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK:         %[[CT:.*]] = zyg.expand %[[ONE]][%[[N]]] {axes = array<i64: 0>, keepdims = false} : f64 -> tensor<?xf64>
// CHECK:         %[[A:.*]] = ad.mul %[[CT]], %[[X]] : tensor<?xf64>
// CHECK:         %[[B:.*]] = ad.mul %[[CT]], %[[X]] : tensor<?xf64>
// CHECK:         %[[DX:.*]] = ad.add %[[A]], %[[B]] : tensor<?xf64>
// CHECK:         func.return %[[DX]] : tensor<?xf64>
func.func @sum_of_squares(%x: tensor<?xf64>) -> tensor<?xf64> {
  %dx = ad.grad @f(%x) : (tensor<?xf64>) -> tensor<?xf64>
  func.return %dx : tensor<?xf64>
}

// -----

// np.sum(A @ B): the matmul's pullback stays at NumPy granularity, two matmuls with transposes:
// A_ct = C_ct @ B^T and B_ct = A^T @ C_ct, each marking the operand that is the cotangent (whose
// zeros are strong zeros).

func.func @f(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>) -> f64 {
  %c = zyg.matmul %a, %b : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  %s = zyg.reduce %c {kind = "sum", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %s : f64
}

// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>, %[[B:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[C:.*]] = zyg.matmul %[[A]], %[[B]] : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
// CHECK:         %[[CT:.*]] = zyg.expand %{{.*}} {axes = array<i64: 0, 1>, keepdims = false} : f64 -> tensor<?x?xf64>
// CHECK:         %[[BT:.*]] = zyg.transpose %[[B]] {permutation = array<i64: 1, 0>} : tensor<?x?xf64> -> tensor<?x?xf64>
// CHECK:         %[[DA:.*]] = zyg.matmul %[[CT]], %[[BT]] {cotangent = 0 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
// CHECK:         %[[AT:.*]] = zyg.transpose %[[A]] {permutation = array<i64: 1, 0>} : tensor<?x?xf64> -> tensor<?x?xf64>
// CHECK:         %[[DB:.*]] = zyg.matmul %[[AT]], %[[CT]] {cotangent = 1 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
// CHECK:         func.return %[[DA]], %[[DB]] : tensor<?x?xf64>, tensor<?x?xf64>
func.func @matmul(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %da, %db = ad.grad @f(%a, %b) : (tensor<?x?xf64>, tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>)
  func.return %da, %db : tensor<?x?xf64>, tensor<?x?xf64>
}

// -----

// A dot product written as a loop of element reads: the forward loop pushes the index and the
// factors; the array cotangents start as zeros (zyg.splat) and are carried by the reverse loop,
// where each read's cotangent is scatter-added in place (extract, addf, insert at the popped index).

func.func @f(%v: tensor<?xf64>, %w: tensor<?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = tensor.dim %v, %c0 : tensor<?xf64>
  %zero = arith.constant 0.0 : f64
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f64) {
    %a = tensor.extract %v[%i] : tensor<?xf64>
    %b = tensor.extract %w[%i] : tensor<?xf64>
    %p = arith.mulf %a, %b : f64
    %t = arith.addf %acc, %p : f64
    scf.yield %t : f64
  }
  func.return %s : f64
}

// CHECK-LABEL: func.func @extract_loop(
// CHECK-SAME:      %[[V:[^:]+]]: tensor<?xf64>, %[[W:[^:]+]]: tensor<?xf64>)
// CHECK:         scf.for %[[I:[^ ]+]] =
// CHECK:           %[[A:.*]] = tensor.extract %[[V]][%[[I]]] : tensor<?xf64>
// CHECK:           %[[B:.*]] = tensor.extract %[[W]][%[[I]]] : tensor<?xf64>
// CHECK-NOT:       ad.push
// CHECK:         %[[N:.*]] = arith.maxsi
// CHECK:         %[[ZV:.*]] = zyg.splat %{{.*}} : f64 -> tensor<?xf64>
// CHECK:         %[[ZW:.*]] = zyg.splat %{{.*}} : f64 -> tensor<?xf64>
// CHECK:         %{{.*}}, %[[DV:.*]], %[[DW:.*]] = scf.for %[[R:[^ ]+]] = {{.*}} iter_args(%[[CT:[^ ]+]] = %{{.*}}, %[[AV:[^ ]+]] = %[[ZV]], %[[AW:[^ ]+]] = %[[ZW]]) -> (f64, tensor<?xf64>, tensor<?xf64>) {
// The element reads are recomputed from the arguments at i = n - 1 - r: nothing goes on the tape.
// CHECK-NEXT:      zyg.check_interrupt
// CHECK-NEXT:      %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT:      %[[LAST:.*]] = arith.subi %[[N]], %[[ONE]] : index
// CHECK-NEXT:      %[[IR:.*]] = arith.subi %[[LAST]], %[[R]] : index
// CHECK-NEXT:      %[[BR:.*]] = tensor.extract %[[W]][%[[IR]]] : tensor<?xf64>
// CHECK-NEXT:      %[[DA:.*]] = ad.mul %[[CT]], %[[BR]] : f64
// CHECK-NEXT:      %[[AR:.*]] = tensor.extract %[[V]][%[[IR]]] : tensor<?xf64>
// CHECK-NEXT:      %[[DB:.*]] = ad.mul %[[CT]], %[[AR]] : f64
// CHECK-NEXT:      %[[OLDV:.*]] = tensor.extract %[[AV]][%[[IR]]] : tensor<?xf64>
// CHECK-NEXT:      %[[NEWV:.*]] = arith.addf %[[OLDV]], %[[DA]] : f64
// CHECK-NEXT:      %[[AV2:.*]] = tensor.insert %[[NEWV]] into %[[AV]][%[[IR]]] : tensor<?xf64>
// CHECK-NEXT:      %[[OLDW:.*]] = tensor.extract %[[AW]][%[[IR]]] : tensor<?xf64>
// CHECK-NEXT:      %[[NEWW:.*]] = arith.addf %[[OLDW]], %[[DB]] : f64
// CHECK-NEXT:      %[[AW2:.*]] = tensor.insert %[[NEWW]] into %[[AW]][%[[IR]]] : tensor<?xf64>
// CHECK-NEXT:      scf.yield %[[CT]], %[[AV2]], %[[AW2]] : f64, tensor<?xf64>, tensor<?xf64>
// CHECK-NEXT:    }
// CHECK:         func.return %[[DV]], %[[DW]] : tensor<?xf64>, tensor<?xf64>
func.func @extract_loop(%v: tensor<?xf64>, %w: tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>) {
  %dv, %dw = ad.grad @f(%v, %w) : (tensor<?xf64>, tensor<?xf64>) -> (tensor<?xf64>, tensor<?xf64>)
  func.return %dv, %dw : tensor<?xf64>, tensor<?xf64>
}

// -----

// A matrix-vector product in a loop, `h = tanh(w @ h)`, multiplies w by h broadcast to w's shape. The
// loop saves h (a vector) and the pullback broadcasts it again: it never saves the broadcast (a
// matrix per iteration).

func.func @matvec(%w: tensor<?x?xf64>, %h0: tensor<?xf64>, %n: index) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d0 = tensor.dim %w, %c0 : tensor<?x?xf64>
  %d1 = tensor.dim %w, %c1 : tensor<?x?xf64>
  %r = scf.for %k = %c0 to %n step %c1 iter_args(%h = %h0) -> (tensor<?xf64>) {
    %b = zyg.broadcast_to %h[%d0, %d1] {expand_only} : tensor<?xf64> -> tensor<?x?xf64>
    %p = arith.mulf %w, %b : tensor<?x?xf64>
    %s = zyg.reduce %p {kind = "sum", axes = array<i64: 1>, keepdims = false} : tensor<?x?xf64> -> tensor<?xf64>
    %t = math.tanh %s : tensor<?xf64>
    scf.yield %t : tensor<?xf64>
  }
  %sum = zyg.reduce %r {kind = "sum", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f64
  func.return %sum : f64
}

// CHECK-LABEL: func.func @matvec_in_a_loop(
// CHECK:         scf.for
// CHECK-NOT:       ad.push %{{.*}} : tensor<?x?xf64>
// CHECK:           ad.push %{{.*}}, %{{.*}} : tensor<?xf64>
// CHECK-NOT:       ad.push %{{.*}} : tensor<?x?xf64>
// CHECK:         scf.for
// CHECK:           ad.pop %{{.*}} : tensor<?xf64>
// CHECK:           %[[H:.*]] = ad.pop %{{.*}} : tensor<?xf64>
// CHECK:           zyg.broadcast_to %[[H]][%{{.*}}, %{{.*}}] {expand_only} : tensor<?xf64> -> tensor<?x?xf64>
func.func @matvec_in_a_loop(%w: tensor<?x?xf64>, %h0: tensor<?xf64>, %n: index) -> tensor<?x?xf64> {
  %dw = ad.grad @matvec(%w, %h0, %n) {wrt = array<i64: 0>} : (tensor<?x?xf64>, tensor<?xf64>, index) -> tensor<?x?xf64>
  func.return %dw : tensor<?x?xf64>
}
