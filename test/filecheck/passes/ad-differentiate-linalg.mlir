// RUN: zyg-opt %s -p ad-differentiate --split-input-file | filecheck %s

// An einsum's pullback is one einsum per input: the other inputs and the output cotangent,
// contracted back to the input's subscripts (here A_ct = C_ct B^T and B_ct = A^T C_ct).
// CHECK-LABEL: func.func @einsum(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>, %[[B:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[CT:.*]] = zyg.expand %{{.*}} {axes = array<i64: 0, 1>, keepdims = false} : f64 -> tensor<?x?xf64>
// CHECK:         %[[DA:.*]] = zyg.einsum %[[B]], %[[CT]][%{{.*}}, %{{.*}}] {spec = "jk,ik->ij"} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
// CHECK:         %[[DB:.*]] = zyg.einsum %[[A]], %[[CT]][%{{.*}}, %{{.*}}] {spec = "ij,ik->jk"} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
// CHECK:         func.return %[[DA]], %[[DB]]

func.func @f(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>) -> f64 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %a, %c0 : tensor<?x?xf64>
  %k = tensor.dim %b, %c1 : tensor<?x?xf64>
  %c = zyg.einsum %a, %b [%m, %k] {spec = "ij,jk->ik"} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  %s = zyg.reduce %c {kind = "sum", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %s : f64
}

func.func @einsum(%a: tensor<?x?xf64>, %b: tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %da, %db = ad.grad @f(%a, %b) : (tensor<?x?xf64>, tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>)
  func.return %da, %db : tensor<?x?xf64>, tensor<?x?xf64>
}

// -----

// A trace's pullback writes the scalar cotangent onto the diagonal: the repeated letter of the
// input becomes a repeated output letter, with A's dimensions as the output's.
// CHECK-LABEL: func.func @trace(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[N:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[M:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK:         %[[DA:.*]] = zyg.einsum %[[ONE]][%[[N]], %[[M]]] {spec = "->ii"} : f64 -> tensor<?x?xf64>
// CHECK:         func.return %[[DA]]

func.func @f(%a: tensor<?x?xf64>) -> f64 {
  %t = zyg.einsum %a [] {spec = "ii->"} : tensor<?x?xf64> -> f64
  func.return %t : f64
}

func.func @trace(%a: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %da = ad.grad @f(%a) : (tensor<?x?xf64>) -> tensor<?x?xf64>
  func.return %da : tensor<?x?xf64>
}

// -----

// x = solve(A, b)  =>  b_ct = solve(A^T, x_ct), A_ct = -outer(b_ct, x).
// CHECK-LABEL: func.func @solve(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>, %[[B:[^:]+]]: tensor<?xf64>)
// CHECK:         %[[X:.*]] = zyg.solve %[[A]], %[[B]]
// CHECK:         %[[CT:.*]] = zyg.expand
// CHECK:         %[[AT:.*]] = zyg.transpose %[[A]] {permutation = array<i64: 1, 0>}
// CHECK:         %[[DB:.*]] = zyg.solve %[[AT]], %[[CT]] : tensor<?x?xf64>, tensor<?xf64> -> tensor<?xf64>
// CHECK:         %[[OUTER:.*]] = zyg.einsum %[[DB]], %[[X]][%{{.*}}, %{{.*}}] {spec = "i,j->ij"}
// CHECK:         %[[DA:.*]] = arith.negf %[[OUTER]] : tensor<?x?xf64>
// CHECK:         func.return %[[DA]], %[[DB]]

func.func @f(%a: tensor<?x?xf64>, %b: tensor<?xf64>) -> f64 {
  %x = zyg.solve %a, %b : tensor<?x?xf64>, tensor<?xf64> -> tensor<?xf64>
  %s = zyg.reduce %x {kind = "sum", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f64
  func.return %s : f64
}

func.func @solve(%a: tensor<?x?xf64>, %b: tensor<?xf64>) -> (tensor<?x?xf64>, tensor<?xf64>) {
  %da, %db = ad.grad @f(%a, %b) : (tensor<?x?xf64>, tensor<?xf64>) -> (tensor<?x?xf64>, tensor<?xf64>)
  func.return %da, %db : tensor<?x?xf64>, tensor<?xf64>
}

// -----

// d = det(A)  =>  A_ct = (d_ct * d) * inv(A)^T, the transpose and the scaling in one einsum.
// CHECK-LABEL: func.func @det(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[D:.*]] = zyg.det %[[A]]
// CHECK:         %[[SCALE:.*]] = arith.mulf %{{.*}}, %[[D]] : f64
// CHECK:         %[[INV:.*]] = zyg.inv %[[A]]
// CHECK:         %[[DA:.*]] = zyg.einsum %[[INV]], %[[SCALE]][%{{.*}}, %{{.*}}] {spec = "ji,->ij"}
// CHECK:         func.return %[[DA]]

func.func @f(%a: tensor<?x?xf64>) -> f64 {
  %d = zyg.det %a : tensor<?x?xf64> -> f64
  func.return %d : f64
}

func.func @det(%a: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %da = ad.grad @f(%a) : (tensor<?x?xf64>) -> tensor<?x?xf64>
  func.return %da : tensor<?x?xf64>
}

// -----

// Z = inv(A)  =>  A_ct = -Z^T Z_ct Z^T as two einsums (never one O(n^4) contraction).
// CHECK-LABEL: func.func @inv(
// CHECK:         %[[Z:.*]] = zyg.inv
// CHECK:         %[[CT:.*]] = zyg.expand
// CHECK:         %[[LEFT:.*]] = zyg.einsum %[[Z]], %[[CT]][%{{.*}}, %{{.*}}] {spec = "ki,kl->il"}
// CHECK:         %[[BOTH:.*]] = zyg.einsum %[[LEFT]], %[[Z]][%{{.*}}, %{{.*}}] {spec = "il,jl->ij"}
// CHECK:         %[[DA:.*]] = arith.negf %[[BOTH]]
// CHECK:         func.return %[[DA]]

func.func @f(%a: tensor<?x?xf64>) -> f64 {
  %z = zyg.inv %a : tensor<?x?xf64> -> tensor<?x?xf64>
  %s = zyg.reduce %z {kind = "sum", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %s : f64
}

func.func @inv(%a: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %da = ad.grad @f(%a) : (tensor<?x?xf64>) -> tensor<?x?xf64>
  func.return %da : tensor<?x?xf64>
}

// -----

// (s, l) = slogdet(A)  =>  A_ct = l_ct * inv(A)^T; the sign carries no gradient.
// CHECK-LABEL: func.func @slogdet(
// CHECK-SAME:      %[[A:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK:         %[[INV:.*]] = zyg.inv %[[A]]
// CHECK:         %[[DA:.*]] = zyg.einsum %[[INV]], %[[ONE]][%{{.*}}, %{{.*}}] {spec = "ji,->ij"}
// CHECK:         func.return %[[DA]]

func.func @f(%a: tensor<?x?xf64>) -> f64 {
  %sign, %logabs = zyg.slogdet %a : tensor<?x?xf64> -> f64, f64
  func.return %logabs : f64
}

func.func @slogdet(%a: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %da = ad.grad @f(%a) : (tensor<?x?xf64>) -> tensor<?x?xf64>
  func.return %da : tensor<?x?xf64>
}
