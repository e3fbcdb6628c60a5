# RUN: python %s | filecheck %s
# NumPy's advanced indexing -> zyg.gather / zyg.scatter: every index array is bounds-checked first
# (zyg.check, NumPy's IndexError), the basic part of the index is a zyg.get_slice, and the index
# dimensions go where NumPy puts them (the gather's `position`).

import numpy as np
import zyg


def columns(x, idx):
    return x[:, idx]


# x[:, idx]: the index dimension after the rows (position 1).
# CHECK-LABEL: func.func private @columns_a2f64_a1i64(
# CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>)
# CHECK:         %[[TOP:.*]] = zyg.reduce %[[IDX]] {kind = "max"
# CHECK:         %[[BOTTOM:.*]] = zyg.reduce %[[IDX]] {kind = "min"
# CHECK:         zyg.check %{{.*}} {error = "IndexError", message = "index {0} is out of bounds for axis 1 with size {1}"}
# CHECK:         %[[G:.*]] = zyg.gather %[[X]][%[[IDX]]] {axes = array<i64: 1>, position = 1 : i64} : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
# CHECK:         func.return %[[G]]
print(zyg.jit(columns).ir("frontend", np.ones((2, 3)), np.array([0, 1])))


def separated(x, idx):
    return x[0, :, idx]


# x[0, :, idx]: the int and the array are advanced indices a slice separates, so the index dimension
# comes first (position 0, not printed); the int is read with the basic part.
# CHECK-LABEL: func.func private @separated_a3f64_a1i64(
# CHECK-SAME:      %[[X:[^:]+]]: tensor<?x?x?xf64>, %[[IDX:[^:]+]]: tensor<?xi64>)
# CHECK:         %[[PART:.*]] = zyg.get_slice %[[X]]{{.*}} {axes = array<i64: 1, 2>} : tensor<?x?x?xf64> -> tensor<?x?xf64>
# CHECK-NEXT:    %[[G:.*]] = zyg.gather %[[PART]][%[[IDX]]] {axes = array<i64: 1>} : tensor<?x?xf64>, tensor<?xi64> -> tensor<?x?xf64>
# CHECK-NEXT:    func.return %[[G]]
print(zyg.jit(separated).ir("frontend", np.ones((2, 3, 4)), np.array([0, 1])))


def write_list(x, v):
    y = x.copy()
    y[[0, 2, 2]] = v
    return y


# y[[0, 2, 2]] = v: the list is an int array; v (a scalar) is broadcast to the indexed shape.
# CHECK-LABEL: func.func private @write_list_a1f64_f64(
# CHECK:         %[[LIST:.*]] = tensor.from_elements %{{.*}}, %{{.*}}, %{{.*}} : tensor<3xi64>
# CHECK:         %[[IDX:.*]] = tensor.cast %[[LIST]] : tensor<3xi64> to tensor<?xi64>
# CHECK:         zyg.check %{{.*}} {error = "IndexError"
# CHECK:         %[[V:.*]] = zyg.splat
# CHECK-NEXT:    %[[Y:.*]] = zyg.scatter %[[V]] into %{{.*}}[%[[IDX]]] {kind = "set"} : tensor<?xf64>, tensor<?xi64> into tensor<?xf64>
# CHECK-NEXT:    func.return %[[Y]]
print(zyg.jit(write_list).ir("frontend", np.ones(3), 2.0))


def histogram(w, rows, cols):
    h = np.zeros((3, 3))
    np.add.at(h, (rows, cols), w)
    return h


# np.add.at(h, (rows, cols), w): both index arrays broadcast together (checked), then added at.
# CHECK-LABEL: func.func private @histogram_a1f64_a1i64_a1i64(
# CHECK-SAME:      %[[W:[^:]+]]: tensor<?xf64>, %[[ROWS:[^:]+]]: tensor<?xi64>, %[[COLS:[^:]+]]: tensor<?xi64>)
# CHECK:         zyg.check %{{.*}} {error = "IndexError", message = "shape mismatch: indexing arrays could not be broadcast together with shapes ({0},) ({1},)"}
# CHECK:         %[[R:.*]] = zyg.broadcast_to %[[ROWS]]
# CHECK:         %[[C:.*]] = zyg.broadcast_to %[[COLS]]
# CHECK:         %[[H:.*]] = zyg.scatter %{{.*}} into %{{.*}}[%[[R]], %[[C]]] {axes = array<i64: 0, 1>, kind = "add"} : tensor<?xf64>, tensor<?xi64>, tensor<?xi64> into tensor<?x?xf64>
# CHECK-NEXT:    func.return %[[H]]
print(zyg.jit(histogram).ir("frontend", np.ones(4), np.array([0, 1, 1, 2]), np.array([2, 1, 1, 0])))
