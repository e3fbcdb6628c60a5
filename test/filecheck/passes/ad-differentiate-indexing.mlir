// RUN: zyg-opt %s -p ad-differentiate --split-input-file | filecheck %s

// np.sum(x[i, :]): the row's cotangent is written into zeros of x's shape with the same slice
// (the adjoint of zyg.get_slice is zyg.set_slice).

func.func @f(%x: tensor<?x?xf64>, %i: index, %n: index) -> f64 {
  %zero = arith.constant 0 : index
  %one = arith.constant 1 : index
  %r = zyg.get_slice %x [%i, %zero] [%one, %n] [%one, %one] {axes = array<i64: 1>} : tensor<?x?xf64> -> tensor<?xf64>
  %s = zyg.reduce %r {kind = "sum", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f64
  func.return %s : f64
}

// CHECK-LABEL: func.func @row(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[I:[^:]+]]: index, %[[N:[^:]+]]: index)
// CHECK:         %[[M:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[K:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[CT:.*]] = zyg.expand
// CHECK:         %[[ZEROS:.*]] = zyg.splat %{{.*}}[%[[M]], %[[K]]] : f64 -> tensor<?x?xf64>
// CHECK:         %[[DX:.*]] = zyg.set_slice %[[CT]] into %[[ZEROS]][%[[I]], %{{.*}}] [%{{.*}}, %[[N]]] [%{{.*}}, %{{.*}}] {axes = array<i64: 1>}
// CHECK:         func.return %[[DX]] : tensor<?x?xf64>
func.func @row(%x: tensor<?x?xf64>, %i: index, %n: index) -> tensor<?x?xf64> {
  %dx = ad.grad @f(%x, %i, %n) : (tensor<?x?xf64>, index, index) -> tensor<?x?xf64>
  func.return %dx : tensor<?x?xf64>
}

// -----

// y[a::s] = v: v's cotangent is the slice of the result's cotangent; y's is the cotangent with
// zeros written into the slice.

func.func @f(%y: tensor<?xf64>, %v: tensor<?xf64>, %a: index, %c: index, %s: index) -> f64 {
  %z = zyg.set_slice %v into %y [%a] [%c] [%s] {axes = array<i64: 0>} : tensor<?xf64> into tensor<?xf64>
  %sq = arith.mulf %z, %z : tensor<?xf64>
  %t = zyg.reduce %sq {kind = "sum", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f64
  func.return %t : f64
}

// CHECK-LABEL: func.func @write(
// CHECK-SAME:      %[[Y:[^:]+]]: tensor<?xf64>, %[[V:[^:]+]]: tensor<?xf64>, %[[A:[^:]+]]: index, %[[C:[^:]+]]: index, %[[S:[^:]+]]: index)
// CHECK:         %[[NV:.*]] = tensor.dim %[[V]], %{{.*}} : tensor<?xf64>
// CHECK:         %[[CT:.*]] = ad.add
// CHECK:         %[[DV:.*]] = zyg.get_slice %[[CT]][%[[A]]] [%[[C]]] [%[[S]]] {axes = array<i64: 0>} : tensor<?xf64> -> tensor<?xf64>
// CHECK:         %[[ZEROS:.*]] = zyg.splat %{{.*}}[%[[NV]]] : f64 -> tensor<?xf64>
// CHECK:         %[[DY:.*]] = zyg.set_slice %[[ZEROS]] into %[[CT]][%[[A]]] [%[[C]]] [%[[S]]] {axes = array<i64: 0>}
// CHECK:         func.return %[[DY]], %[[DV]] : tensor<?xf64>, tensor<?xf64>
func.func @write(%y: tensor<?xf64>, %v: tensor<?xf64>, %a: index, %c: index, %s: index) -> (tensor<?xf64>, tensor<?xf64>) {
  %dy, %dv = ad.grad @f(%y, %v, %a, %c, %s) : (tensor<?xf64>, tensor<?xf64>, index, index, index) -> (tensor<?xf64>, tensor<?xf64>)
  func.return %dy, %dv : tensor<?xf64>, tensor<?xf64>
}

// -----

// np.sum(x[idx]): the gather's adjoint is a scatter-add into x's shape (repeated indices add up).

func.func @f(%x: tensor<?x?xf64>, %idx: tensor<?xi64>) -> f64 {
  %g = zyg.gather %x [%idx] : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
  %s = zyg.reduce %g {kind = "sum", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %s : f64
}

// CHECK-LABEL: func.func @gather(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>)
// CHECK:         %[[M:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[K:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?xf64>
// CHECK:         %[[CT:.*]] = zyg.expand
// CHECK:         %[[DX:.*]] = zyg.scatter_add %[[CT]][%[[IDX]]] [%[[M]], %[[K]]] : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
// CHECK:         func.return %[[DX]] : tensor<?x?xf64>
func.func @gather(%x: tensor<?x?xf64>, %idx: tensor<?xi64>) -> tensor<?x?xf64> {
  %dx = ad.grad @f(%x, %idx) : (tensor<?x?xf64>, tensor<?xi64>) -> tensor<?x?xf64>
  func.return %dx : tensor<?x?xf64>
}

// -----

// np.sum(x[i, :, j]): the adjoint of a gather along several axes scatter-adds along the same axes.

func.func @f(%x: tensor<?x?x?xf64>, %i: tensor<?xi64>, %j: tensor<?xi64>) -> f64 {
  %g = zyg.gather %x [%i, %j] {axes = array<i64: 0, 2>} : tensor<?x?x?xf64>, tensor<?xi64>, tensor<?xi64> -> tensor<?x?xf64>
  %s = zyg.reduce %g {kind = "sum", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %s : f64
}

// CHECK-LABEL: func.func @gather_axes(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?x?xf64>, %[[I:[^:]+]]: tensor<?xi64>, %[[J:[^:]+]]: tensor<?xi64>)
// CHECK:         %[[A:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?x?xf64>
// CHECK:         %[[B:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?x?xf64>
// CHECK:         %[[C:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?x?xf64>
// CHECK:         %[[CT:.*]] = zyg.expand
// CHECK:         %[[DX:.*]] = zyg.scatter_add %[[CT]][%[[I]], %[[J]]] [%[[A]], %[[B]], %[[C]]] {axes = array<i64: 0, 2>}
// CHECK:         func.return %[[DX]] : tensor<?x?x?xf64>
func.func @gather_axes(%x: tensor<?x?x?xf64>, %i: tensor<?xi64>, %j: tensor<?xi64>) -> tensor<?x?x?xf64> {
  %dx = ad.grad @f(%x, %i, %j) : (tensor<?x?x?xf64>, tensor<?xi64>, tensor<?xi64>) -> tensor<?x?x?xf64>
  func.return %dx : tensor<?x?x?xf64>
}

// -----

// np.add.at(y, idx, v): y's cotangent passes through; v's is the result's cotangent gathered at the
// same indices (a repeated index gives each of its values the same cotangent).

func.func @f(%y: tensor<?x?xf64>, %v: tensor<?x?xf64>, %idx: tensor<?xi64>) -> f64 {
  %z = zyg.scatter %v into %y [%idx] {kind = "add"} : tensor<?x?xf64>, tensor<?xi64> into tensor<?x?xf64>
  %sq = arith.mulf %z, %z : tensor<?x?xf64>
  %t = zyg.reduce %sq {kind = "sum", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %t : f64
}

// CHECK-LABEL: func.func @scatter_add_into(
// CHECK-SAME:      %[[Y:[^:]+]]: tensor<?x?xf64>, %[[V:[^:]+]]: tensor<?x?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>)
// CHECK:         %[[CT:.*]] = ad.add
// CHECK:         %[[DV:.*]] = zyg.gather %[[CT]][%[[IDX]]] : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
// CHECK:         func.return %[[CT]], %[[DV]] : tensor<?x?xf64>, tensor<?x?xf64>
func.func @scatter_add_into(%y: tensor<?x?xf64>, %v: tensor<?x?xf64>, %idx: tensor<?xi64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %dy, %dv = ad.grad @f(%y, %v, %idx) {wrt = array<i64: 0, 1>} : (tensor<?x?xf64>, tensor<?x?xf64>, tensor<?xi64>) -> (tensor<?x?xf64>, tensor<?x?xf64>)
  func.return %dy, %dv : tensor<?x?xf64>, tensor<?x?xf64>
}

// -----

// y[:, idx] = v: one zyg.unscatter takes v's cotangent out of the result's and leaves y's (zeros where
// v went). It walks the indices backwards, so a repeated index gives its cotangent to the write that
// stays, the last one.

func.func @f(%y: tensor<?x?xf64>, %v: tensor<?x?xf64>, %idx: tensor<?xi64>) -> f64 {
  %z = zyg.scatter %v into %y [%idx] {axes = array<i64: 1>, position = 1 : i64, kind = "set"} : tensor<?x?xf64>, tensor<?xi64> into tensor<?x?xf64>
  %sq = arith.mulf %z, %z : tensor<?x?xf64>
  %t = zyg.reduce %sq {kind = "sum", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %t : f64
}

// CHECK-LABEL: func.func @scatter_set(
// CHECK-SAME:      %[[Y:[^:]+]]: tensor<?x?xf64>, %[[V:[^:]+]]: tensor<?x?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>)
// CHECK:         %[[CT:.*]] = ad.add
// CHECK:         %[[DV:.*]], %[[DY:.*]] = zyg.unscatter %[[CT]][%[[IDX]]] {axes = array<i64: 1>, position = 1 : i64} : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>, tensor<?x?xf64>
// CHECK:         func.return %[[DY]], %[[DV]] : tensor<?x?xf64>, tensor<?x?xf64>
func.func @scatter_set(%y: tensor<?x?xf64>, %v: tensor<?x?xf64>, %idx: tensor<?xi64>) -> (tensor<?x?xf64>, tensor<?x?xf64>) {
  %dy, %dv = ad.grad @f(%y, %v, %idx) {wrt = array<i64: 0, 1>} : (tensor<?x?xf64>, tensor<?x?xf64>, tensor<?xi64>) -> (tensor<?x?xf64>, tensor<?x?xf64>)
  func.return %dy, %dv : tensor<?x?xf64>, tensor<?x?xf64>
}

// -----

// zyg.unscatter is the adjoint of a "set" scatter, and a "set" scatter is its adjoint (second-order
// gradients through y[idx] = v): the taken part's cotangent is written into the rest's.

func.func @f(%ct: tensor<?xf64>, %idx: tensor<?xi64>) -> f64 {
  %v, %y = zyg.unscatter %ct [%idx] : tensor<?xf64>, tensor<?xi64> -> tensor<?xf64>, tensor<?xf64>
  %sv = zyg.reduce %v {kind = "sum", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f64
  %sy = zyg.reduce %y {kind = "sum", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f64
  %t = arith.addf %sv, %sy : f64
  func.return %t : f64
}

// CHECK-LABEL: func.func @unscatter(
// CHECK-SAME:      %[[CT:[^:]+]]: tensor<?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>)
// CHECK:         %[[REST_CT:.*]] = zyg.expand
// CHECK:         %[[TAKEN_CT:.*]] = zyg.expand
// CHECK:         %[[D:.*]] = zyg.scatter %[[TAKEN_CT]] into %[[REST_CT]][%[[IDX]]] {kind = "set"}
// CHECK:         func.return %[[D]] : tensor<?xf64>
func.func @unscatter(%ct: tensor<?xf64>, %idx: tensor<?xi64>) -> tensor<?xf64> {
  %d = ad.grad @f(%ct, %idx) : (tensor<?xf64>, tensor<?xi64>) -> tensor<?xf64>
  func.return %d : tensor<?xf64>
}

// -----

// A gather in a loop: its cotangent stays sparse and is scatter-added in place into x's carried
// cotangent (zyg.scatter kind "add"), so each iteration costs the rows it read, not all of x.

func.func @f(%x: tensor<?x?xf64>, %idx: tensor<?xi64>, %n: index) -> f64 {
  %zero = arith.constant 0 : index
  %one = arith.constant 1 : index
  %init = arith.constant 0.0 : f64
  %s = scf.for %i = %zero to %n step %one iter_args(%acc = %init) -> (f64) {
    %rows = zyg.gather %x [%idx] : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
    %r = zyg.reduce %rows {kind = "sum", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
    %next = arith.addf %acc, %r : f64
    scf.yield %next : f64
  }
  func.return %s : f64
}

// CHECK-LABEL: func.func @gather_in_loop(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>, %[[N:[^:]+]]: index)
// CHECK:         %[[ZEROS:.*]] = zyg.splat
// CHECK:         %{{.*}}, %[[DX:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %[[ACC:.*]] = %[[ZEROS]]) -> (f64, tensor<?x?xf64>)
// CHECK:           %[[CT:.*]] = zyg.expand
// CHECK:           %[[NEXT:.*]] = zyg.scatter %[[CT]] into %[[ACC]][%[[IDX]]] {kind = "add"}
// CHECK:           scf.yield %{{.*}}, %[[NEXT]] : f64, tensor<?x?xf64>
// CHECK:         func.return %[[DX]] : tensor<?x?xf64>
func.func @gather_in_loop(%x: tensor<?x?xf64>, %idx: tensor<?xi64>, %n: index) -> tensor<?x?xf64> {
  %dx = ad.grad @f(%x, %idx, %n) : (tensor<?x?xf64>, tensor<?xi64>, index) -> tensor<?x?xf64>
  func.return %dx : tensor<?x?xf64>
}

// -----

// np.sum(x[mask]): the selected elements' cotangent goes back under the mask.

func.func @f(%x: tensor<?xf64>, %mask: tensor<?xi1>, %c: index) -> f64 {
  %v = zyg.mask_select %x [%mask] [%c] : tensor<?xf64>, tensor<?xi1> -> tensor<?xf64>
  %s = zyg.reduce %v {kind = "sum", axes = array<i64: 0>, keepdims = false} : tensor<?xf64> -> f64
  func.return %s : f64
}

// CHECK-LABEL: func.func @mask(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?xf64>, %[[MASK:[^:]+]]: tensor<?xi1>, %[[C:[^:]+]]: index)
// CHECK:         %[[CT:.*]] = zyg.expand
// CHECK:         %[[DX:.*]] = zyg.mask_scatter %[[CT]][%[[MASK]]] : tensor<?xf64>, tensor<?xi1> -> tensor<?xf64>
// CHECK:         func.return %[[DX]] : tensor<?xf64>
func.func @mask(%x: tensor<?xf64>, %mask: tensor<?xi1>, %c: index) -> tensor<?xf64> {
  %dx = ad.grad @f(%x, %mask, %c) : (tensor<?xf64>, tensor<?xi1>, index) -> tensor<?xf64>
  func.return %dx : tensor<?xf64>
}

// -----

// Rows written into a buffer a loop carries (a list grown in a loop): the pullback of each write
// needs the buffer's width, a `tensor.dim` of the carried buffer, so the loop saves that index, never
// the buffer (which would cost a whole buffer per iteration).

func.func @f(%x: tensor<?xf64>, %start: tensor<?x?xf64>, %n: index) -> f64 {
  %zero = arith.constant 0 : index
  %one = arith.constant 1 : index
  %rows = scf.for %i = %zero to %n step %one iter_args(%buf = %start) -> (tensor<?x?xf64>) {
    %width = tensor.dim %buf, %one : tensor<?x?xf64>
    %next = zyg.set_slice %x into %buf [%i, %zero] [%one, %width] [%one, %one] {axes = array<i64: 1>} : tensor<?xf64> into tensor<?x?xf64>
    scf.yield %next : tensor<?x?xf64>
  }
  %sq = arith.mulf %rows, %rows : tensor<?x?xf64>
  %s = zyg.reduce %sq {kind = "sum", axes = array<i64: 0, 1>, keepdims = false} : tensor<?x?xf64> -> f64
  func.return %s : f64
}

// CHECK-LABEL: func.func @carried_buffer_width(
// CHECK:         %[[TAPE:.*]] = ad.tape_new
// CHECK:         scf.for
// CHECK:           %[[WIDTH:.*]] = tensor.dim %[[BUF:[^ ,]+]], %{{.*}} : tensor<?x?xf64>
// CHECK-NOT:       ad.push %[[TAPE]], %[[BUF]]
// CHECK:           ad.push %[[TAPE]], %[[WIDTH]] : index
// CHECK-NEXT:      scf.yield
// CHECK:         scf.for
// CHECK:           %[[SAVED:.*]] = ad.pop %[[TAPE]] : index
// CHECK:           zyg.get_slice %{{.*}}[%{{.*}}, %{{.*}}] [%{{.*}}, %[[SAVED]]]
func.func @carried_buffer_width(%x: tensor<?xf64>, %start: tensor<?x?xf64>, %n: index) -> (tensor<?xf64>, tensor<?x?xf64>) {
  %dx, %ds = ad.grad @f(%x, %start, %n) : (tensor<?xf64>, tensor<?x?xf64>, index) -> (tensor<?xf64>, tensor<?x?xf64>)
  func.return %dx, %ds : tensor<?xf64>, tensor<?x?xf64>
}
