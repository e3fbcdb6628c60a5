# RUN: python %s | filecheck %s
# Every loop reaches LLVM marked `llvm.loop.unroll.disable` (see `lower_llvm.LOOP_HINT`): a loop the
# user wrote (`scf.for` from `range`) and the loops of array operations (from linalg). Its back edge
# carries the hint in the LLVM dialect, and the optimised code keeps one copy of the loop body.

import numpy as np
import zyg


def f(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * i
    return s + np.sum(np.sin(np.ones(n) * x))


g = zyg.compile_grad(f)
print(g(2.0, 5))
# CHECK: #[[UNROLL:.*]] = #llvm.loop_unroll<disable = true>
# CHECK: #[[HINT:.*]] = #llvm.loop_annotation<unroll = #[[UNROLL]]>
# CHECK-LABEL: llvm.func @zyg_body(
# CHECK: llvm.br {{.*}} {loop_annotation = #[[HINT]]}
# CHECK: llvm.br {{.*}} {loop_annotation = #[[HINT]]}
print(g.ir("llvm", 2.0, 5))
# CHECK-LABEL: define {{.*}}@zyg_body(
# CHECK: !llvm.loop ![[LOOP:[0-9]+]]
# CHECK: ![[LOOP]] = distinct !{![[LOOP]], {{.*}}![[DISABLE:[0-9]+]]
# CHECK: ![[DISABLE]] = !{!"llvm.loop.unroll.disable"}
print(g.ir("llvmir", 2.0, 5))
