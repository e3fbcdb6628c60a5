# RUN: python %s | filecheck %s
# A buffer of at most 64 bytes with a static shape that stays in its function and is not allocated in
# a loop (a 3-vector built from numbers, the 0-d result of a sum) is a stack slot (`llvm.alloca`,
# upstream's `promote-buffers-to-stack`), which LLVM keeps in registers: no allocation call. A buffer
# the function returns, or one of a size known only at run time, is allocated as before.

import numpy as np
import zyg


def norm3(a, b, c):
    v = np.array([a, b, c])
    return np.sqrt(np.sum(v * v))


def scaled(x):
    return x * 2.0


def _function(text: str, name: str) -> str:
    start = text.index(f"llvm.func @{name}")
    return text[start:text.index("llvm.func", start + 10)]


# CHECK-LABEL: norm3:
# CHECK-NEXT:  stack slots 2, allocation calls 0
body = _function(zyg.jit(norm3).ir("llvm", 1.0, 2.0, 3.0), "norm3_f64_f64_f64")
print(f"norm3:\nstack slots {body.count('llvm.alloca')}, allocation calls {body.count('_mlir_memref_to_llvm_alloc')}")

# CHECK-LABEL: scaled:
# CHECK-NEXT:  stack slots 0, allocation calls 1
body = _function(zyg.jit(scaled).ir("llvm", np.ones(3)), "scaled_a1f64")
print(f"scaled:\nstack slots {body.count('llvm.alloca')}, allocation calls {body.count('_mlir_memref_to_llvm_alloc')}")
