# RUN: python %s | filecheck %s
# `orient_parallel_loops` (before the GPU mapping): an outermost 2-D `scf.parallel` becomes
# `scf.if (extent 1 > extent 0)`: then a copy with its dimensions swapped (bounds, steps and the uses of
# its induction variables), else the loop as it was. 1-D loops, nested loops and loops marked
# `zyg.oriented` (gpu_matmul's) are left as they are.

from zyg.backend.bridge import context, parse_upstream
from zyg.backend.orient_parallel_loops import orient_parallel_loops

module = parse_upstream("""
module {
  func.func @scale(%m: memref<?x?xf64>, %rows: index, %cols: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %one = arith.constant 1.0 : f64
    scf.parallel (%i, %j) = (%c0, %c1) to (%rows, %cols) step (%c1, %c2) {
      %v = memref.load %m[%i, %j] : memref<?x?xf64>
      scf.parallel (%k) = (%c0) to (%c2) step (%c1) {
        memref.store %v, %m[%j, %k] : memref<?x?xf64>
        scf.reduce
      }
      scf.reduce
    }
    scf.parallel (%i) = (%c0) to (%rows) step (%c1) {
      memref.store %one, %m[%i, %i] : memref<?x?xf64>
      scf.reduce
    }
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %cols) step (%c1, %c1) {
      memref.store %one, %m[%i, %j] : memref<?x?xf64>
      scf.reduce
    } {zyg.oriented}
    return
  }
}
""")

# CHECK: versioned 1
# CHECK-LABEL: func.func @scale(
# CHECK-SAME:    %[[M:.*]]: memref<?x?xf64>, %[[ROWS:.*]]: index, %[[COLS:.*]]: index
# CHECK:         %[[EXTENT0:.*]] = arith.subi %[[ROWS]], %c0
# CHECK:         %[[EXTENT1:.*]] = arith.subi %[[COLS]], %c1
# CHECK:         %[[WIDE:.*]] = arith.cmpi ugt, %[[EXTENT1]], %[[EXTENT0]]
# CHECK:         scf.if %[[WIDE]] {
# CHECK-NEXT:      scf.parallel (%[[J:.*]], %[[I:.*]]) = (%c1, %c0) to (%[[COLS]], %[[ROWS]]) step (%c2, %c1) {
# CHECK-NEXT:        memref.load %[[M]][%[[I]], %[[J]]]
# CHECK-NEXT:        scf.parallel (%[[K:.*]]) = (%c0) to (%c2) step (%c1) {
# CHECK-NEXT:          memref.store %{{.*}}, %[[M]][%[[J]], %[[K]]]
# CHECK:         } else {
# CHECK-NEXT:      scf.parallel (%[[I2:.*]], %[[J2:.*]]) = (%c0, %c1) to (%[[ROWS]], %[[COLS]]) step (%c1, %c2) {
# CHECK-NEXT:        memref.load %[[M]][%[[I2]], %[[J2]]]
# CHECK:         scf.parallel (%{{.*}}) = (%c0) to (%[[ROWS]]) step (%c1) {
# CHECK:         scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%[[ROWS]], %[[COLS]]) step (%c1, %c1) {
# CHECK:         } {zyg.oriented}
with context():
    print("versioned", orient_parallel_loops(module))
    module.operation.verify()
    print(module)
