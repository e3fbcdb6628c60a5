# RUN: python %s | filecheck %s
# The face Python calls (`zyg.backend.python_entry`): `@zyg_entry_python` reads the arguments from the
# Python objects (a float's value, an array's data, shape and strides in items), branching to the
# rejection (`NotImplemented`) where one does not fit, then calls the entry without the GIL under the
# module's lock and builds the results: an array over the result buffer, owned by its capsule. Where the
# call succeeded, each result buffer is exported while the lock is held (a pool block is copied into
# a malloc block Python may own, see small-blocks.py).

import numpy as np
import zyg


def scale(x, a):
    return x * a


# CHECK-LABEL: llvm.func @zyg_entry_python(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: i64) -> !llvm.ptr
# CHECK:         llvm.icmp "eq" %arg2,
# The array: its exact type, its dtype singleton and rank; strides whole items, counted in items.
# CHECK:         llvm.load %{{.*}} : !llvm.ptr -> i32
# CHECK:         llvm.srem
# CHECK:         %[[ITEMS:.*]] = llvm.sdiv
# The float: its exact type, then its value.
# CHECK:         %[[X:.*]] = llvm.load %{{.*}} : !llvm.ptr -> f64
# CHECK:         llvm.call @pthread_self()
# CHECK:         llvm.call @pthread_mutex_lock(
# CHECK:         %[[CALLED:.*]] = llvm.call @zyg_entry(%[[DATA:.*]], %[[DATA]], %{{.*}}, %{{.*}}, %[[ITEMS]], %[[X]])
# CHECK:         %[[STATUS:.*]] = llvm.extractvalue %[[CALLED]][0]
# CHECK:         %[[OK:.*]] = llvm.icmp "eq" %[[STATUS]],
# CHECK:         llvm.cond_br %[[OK]], ^[[EXPORT:.*]], ^[[EXPORTED:.*]](%[[CALLED]] :
# CHECK:       ^[[EXPORT]]:
# CHECK:         llvm.call @_zyg_python_export(
# CHECK:       ^[[EXPORTED]](%{{.*}}: !llvm.struct
# CHECK:         llvm.call @pthread_mutex_unlock(
# CHECK:         llvm.call @_zyg_python_owner(
# CHECK-LABEL: llvm.func @zyg_entry_python_address() -> !llvm.ptr
# CHECK-NEXT:    llvm.mlir.addressof @zyg_entry_python
print(zyg.jit(scale).ir("llvm", np.ones(3), 2.0))

# CHECK: [2. 4. 6.]
print(zyg.jit(scale)(np.arange(1.0, 4.0), 2.0))
