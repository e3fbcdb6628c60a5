# RUN: python %s | filecheck %s
# The seed demonstration: the derivative of 5x + 3 compiles to a function that returns the constant
# 5.0. Autodiff, the cleanup passes and LLVM's optimiser leave no arithmetic, and no tape, behind.

import zyg


def f(x):
    return 5 * x + 3


grad_f = zyg.compile_grad(f)

# The request body folds to the constant; the setjmp-guarded entry returns it after the seventeen
# error-status words (5.0 on the normal path, 0.0 after a longjmp; each path closes the entry's frame).
# CHECK-LABEL: define {{.*}}double @zyg_body(
# CHECK-NEXT:    ret double 5.000000e+00
# CHECK-NEXT:  }
# CHECK-LABEL: define {{.*}}@zyg_entry(
# CHECK-NOT:     {{fmul|fadd}}
# CHECK:         %[[R:.*]] = phi double {{.*}}5.000000e+00
# CHECK-NOT:     {{fmul|fadd}}
# CHECK:         insertvalue {{.*}} double %[[R]], 17
# CHECK-NOT:   _zyg_tape
print(grad_f.ir("llvmir", 10.0))

# Alone, as Julia's @code_llvm prints it: no entry, no runtime helpers, no attribute groups.
# CHECK:      define noundef double @zyg_body(double %0) {
# CHECK-NEXT:   ret double 5.000000e+00
# CHECK-NEXT: }
# CHECK-NOT:  attributes
print(grad_f.ir("llvmir", 10.0, function_only=True))

# CHECK: f'(10.0) = (5.0,)
print("f'(10.0) =", grad_f(10.0))
