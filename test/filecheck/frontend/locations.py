# RUN: python %s | filecheck %s
# Every op the frontend builds carries the source location (file:line:column, 1-based columns) of
# the Python code it comes from, so errors and debuggers can point back at the source. The frontend
# IR is printed with xDSL's print_debuginfo to show them.

from xdsl.printer import Printer

from zyg.frontend.program import build_program
from zyg.frontend.trees import leaf


# CHECK-LABEL: func.func private @located_f64_i64(
def located(x, n):
    y = x * 2.0  # CHECK: arith.mulf %{{.*}}, %{{.*}} : f64 loc("{{.*}}locations.py":[[# @LINE]]:9)
    for i in range(n):
        y = y + x  # CHECK: arith.addf %{{.*}}, %{{.*}} : f64 loc("{{.*}}locations.py":[[# @LINE]]:13)
        # The scf.for: the `for` statement.  CHECK: } loc("{{.*}}locations.py":[[# @LINE - 2]]:5)
    return y  # CHECK: func.return %{{.*}} : f64 loc("{{.*}}locations.py":[[# @LINE]]:5)


# The function: the `def`.
# CHECK-NEXT:  } loc("{{.*}}locations.py":[[# @LINE - 9]]:1)
module, _ = build_program(located, [leaf("f64"), leaf("i64")])
Printer(print_debuginfo=True).print_op(module)
print()
