// RUN: zyg-opt %s -p ad-differentiate --split-input-file | filecheck %s

// np.sum(x.reshape(a, b)): the reshape's adjoint is one reshape of the cotangent back to x's
// saved dimensions.
// CHECK-LABEL: func.func @reshape(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>, %[[A:[^:]+]]: index, %[[B:[^:]+]]: index)
// CHECK:         %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?xf64>
// CHECK:         %[[R:.*]] = zyg.reshape %[[X]][%[[A]], %[[B]]] : tensor<?xf64> -> tensor<?x?xf64>
// CHECK:         %[[CT:.*]] = zyg.expand %{{.*}} {axes = array<i64: 0, 1>, keepdims = false} : f64 -> tensor<?x?xf64>
// CHECK:         %[[DX:.*]] = zyg.reshape %[[CT]][%[[N]]] : tensor<?x?xf64> -> tensor<?xf64>
// CHECK:         func.return %[[DX]] : tensor<?xf64>

func.func @f(%x: tensor<?xf64>, %a: index, %b: index) -> f64 {
  %r = zyg.reshape %x [%a, %b] : tensor<?xf64> -> tensor<?x?xf64>
  %s = zyg.reduce %r {kind = "sum", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %s : f64
}

func.func @reshape(%x: tensor<?xf64>, %a: index, %b: index) -> tensor<?xf64> {
  %dx = ad.grad @f(%x, %a, %b) : (tensor<?xf64>, index, index) -> tensor<?xf64>
  func.return %dx : tensor<?xf64>
}

// -----

// np.sum(np.concatenate([x, y], axis=1)): each operand's cotangent is its slice of the
// cotangent, at the offset of the sizes before it.
// CHECK-LABEL: func.func @concatenate(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[Y:[^:]+]]: tensor<?x?xf64>)
// CHECK-DAG:     %[[YM:.*]] = tensor.dim %[[Y]], %{{.*}} : tensor<?x?xf64>
// CHECK-DAG:     %[[XM:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[CT:.*]] = zyg.expand
// CHECK:         %[[ZERO:.*]] = arith.constant 0 : index
// CHECK:         %[[DX:.*]] = tensor.extract_slice %[[CT]][0, %[[ZERO]]] [%{{.*}}, %{{.*}}] [1, 1] : tensor<?x?xf64> to tensor<?x?xf64>
// CHECK:         %[[OFFSET:.*]] = arith.addi %[[ZERO]], %{{.*}} : index
// CHECK:         %[[DY:.*]] = tensor.extract_slice %[[CT]][0, %[[OFFSET]]] [%{{.*}}, %{{.*}}] [1, 1] : tensor<?x?xf64> to tensor<?x?xf64>
// CHECK:         func.return %[[DX]], %[[DY]] : tensor<?x?xf64>, tensor<?x?xf64>

func.func @f(%x: tensor<?x?xf64>, %y: tensor<?x?xf64>) -> f64 {
  %c = zyg.concatenate %x, %y {axis = 1 : i64} : tensor<?x?xf64>, tensor<?x?xf64> -> tensor<?x?xf64>
  %s = zyg.reduce %c {kind = "sum", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %s : f64
}

func.func @concatenate(%x: tensor<?x?xf64>, %y: tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %dx, %dy = ad.grad @f(%x, %y) : (tensor<?x?xf64>, tensor<?x?xf64>) -> (tensor<?x?xf64>, tensor<?x?xf64>)
  func.return %dx, %dy : tensor<?x?xf64>, tensor<?x?xf64>
}

// -----

// np.trace(x): the cotangent is eye-shaped, the scalar cotangent on the diagonal.
// CHECK-LABEL: func.func @trace(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>)
// CHECK:         %[[M:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?xf64>
// CHECK:         zyg.trace %[[X]] : tensor<?x?xf64> -> f64
// CHECK:         %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK:         %[[DX:.*]] = zyg.eye %[[ONE]][%[[M]], %[[N]]] : f64 -> tensor<?x?xf64>
// CHECK:         func.return %[[DX]] : tensor<?x?xf64>

func.func @f(%x: tensor<?x?xf64>) -> f64 {
  %t = zyg.trace %x : tensor<?x?xf64> -> f64
  func.return %t : f64
}

func.func @trace(%x: tensor<?x?xf64>) -> tensor<?x?xf64> {
  %dx = ad.grad @f(%x) : (tensor<?x?xf64>) -> tensor<?x?xf64>
  func.return %dx : tensor<?x?xf64>
}

// -----

// np.array([a, b]): each scalar's cotangent is its element of the array's cotangent.
// CHECK-LABEL: func.func @from_elements(
// CHECK:         %[[CT:.*]] = zyg.expand
// CHECK:         %[[I0:.*]] = arith.constant 0 : index
// CHECK:         %[[DA:.*]] = tensor.extract %[[CT]][%[[I0]]] : tensor<?xf64>
// CHECK:         %[[I1:.*]] = arith.constant 1 : index
// CHECK:         %[[DB:.*]] = tensor.extract %[[CT]][%[[I1]]] : tensor<?xf64>
// CHECK:         func.return %[[DA]], %[[DB]] : f64, f64

func.func @f(%a: f64, %b: f64) -> f64 {
  %v = tensor.from_elements %a, %b : tensor<2xf64>
  %d = tensor.cast %v : tensor<2xf64> to tensor<?xf64>
  %s = zyg.reduce %d {kind = "sum", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f64
  func.return %s : f64
}

func.func @from_elements(%a: f64, %b: f64) -> (f64, f64) {
  %da, %db = ad.grad @f(%a, %b) : (f64, f64) -> (f64, f64)
  func.return %da, %db : f64, f64
}

// -----

// x.astype(np.float64) of a float32 array: the cotangent is converted back to float32.
// CHECK-LABEL: func.func @extf(
// CHECK:         %[[CT:.*]] = zyg.expand
// CHECK:         %[[DX:.*]] = arith.truncf %[[CT]] : tensor<?xf64> to tensor<?xf32>
// CHECK:         func.return %[[DX]] : tensor<?xf32>

func.func @f(%x: tensor<?xf32>) -> f64 {
  %w = arith.extf %x : tensor<?xf32> to tensor<?xf64>
  %s = zyg.reduce %w {kind = "sum", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f64
  func.return %s : f64
}

func.func @extf(%x: tensor<?xf32>) -> tensor<?xf32> {
  %dx = ad.grad @f(%x) : (tensor<?xf32>) -> tensor<?xf32>
  func.return %dx : tensor<?xf32>
}
