# RUN: python %s | filecheck %s
# Reading part of an array inside a loop gives a sparse cotangent that the reverse loop adds into the
# array's cotangent in place: an element read `w[i]` is an extract/addf/insert at the reversed index,
# a row read `for row in x` a get_slice/addf/set_slice of one row. Neither fills an array of zeros
# per iteration, and neither saves an array on the tape: the reads are recomputed (the row loop saves
# one integer per iteration, the length of a product's result).

import numpy as np

import zyg


def element_reads(w, v):
    s = 0.0
    for i in range(len(v)):
        s += w[i] * v[i]
    return s


def repeated_reads(x):
    s = 0.0
    for i in range(len(x)):
        s += x[i] * x[i]
    return s


def row_reads(x, w):
    total = 0.0
    for row in x:
        total += np.sum(row * w)
    return total


# CHECK-LABEL: element_reads
# CHECK:       scf.for
# CHECK:       scf.for {{.*}} iter_args(%[[CT:[^ ]+]] = %{{.*}}, %[[DW:[^ ]+]] = %{{.*}}, %[[DV:[^ ]+]] = %{{.*}})
# CHECK-NOT:     zyg.splat
# CHECK-NOT:     ad.pop
# CHECK:         %[[OLD:.*]] = tensor.extract %[[DW]][%[[I:.*]]] : tensor<?xf64>
# CHECK-NEXT:    %[[NEW:.*]] = arith.addf %[[OLD]], %{{.*}} : f64
# CHECK-NEXT:    tensor.insert %[[NEW]] into %[[DW]][%[[I]]] : tensor<?xf64>
# CHECK:         scf.yield
print("element_reads")
print(zyg.compile_grad(element_reads).ir("ad", np.ones(3), np.ones(3)))

# Two reads of one element give two in-place updates at the same index, not a dense add of arrays.
# CHECK-LABEL: repeated_reads
# CHECK:       scf.for
# CHECK:       scf.for {{.*}} iter_args(%{{.*}}, %[[DX:[^ ]+]] = %{{.*}})
# CHECK-NOT:     zyg.splat
# CHECK:         %[[OLD:.*]] = tensor.extract %[[DX]][%[[I:.*]]] : tensor<?xf64>
# CHECK-NEXT:    %[[NEW:.*]] = arith.addf %[[OLD]], %{{.*}} : f64
# CHECK-NEXT:    %[[ONCE:.*]] = tensor.insert %[[NEW]] into %[[DX]][%[[I]]] : tensor<?xf64>
# CHECK-NEXT:    %[[AGAIN:.*]] = tensor.extract %[[ONCE]][%[[I]]] : tensor<?xf64>
# CHECK-NEXT:    %[[NEW2:.*]] = arith.addf %[[AGAIN]], %{{.*}} : f64
# CHECK-NEXT:    tensor.insert %[[NEW2]] into %[[ONCE]][%[[I]]] : tensor<?xf64>
# CHECK-NOT:     linalg.generic
# CHECK:         scf.yield
print("repeated_reads")
print(zyg.compile_grad(repeated_reads).ir("ad", np.ones(3)))

# CHECK-LABEL: row_reads
# CHECK:       scf.for
# CHECK:       scf.for {{.*}} iter_args(%{{.*}}, %[[DX:[^ ]+]] = %{{.*}}, %{{.*}})
# CHECK-NOT:     zyg.splat
# CHECK-NOT:     ad.pop %{{.*}} : tensor
# CHECK:         %[[ROW:.*]] = zyg.get_slice %[[DX]]
# CHECK-NEXT:    %[[SUM:.*]] = arith.addf %[[ROW]], %{{.*}} : tensor<?xf64>
# CHECK-NEXT:    zyg.set_slice %[[SUM]] into %[[DX]]
# CHECK:         scf.yield
print("row_reads")
print(zyg.compile_grad(row_reads).ir("ad", np.ones((2, 3)), np.ones(3)))
