# RUN: python %s | filecheck %s
# A 1-D buffer whose length is known only at run time, outside loops, is versioned on that length
# (`zyg.backend.small_buffers`): up to 64 bytes a view of a static buffer, which upstream's
# `promote-buffers-to-stack` makes a stack slot; beyond, the allocation as before, freed where the
# deallocation pipeline's ownership flag says.

import numpy as np
import zyg
from mlir import ir
from zyg.backend import lower_llvm
from zyg.backend.bridge import context
from zyg.backend.small_buffers import stack_small_buffers


def head_energy(x, k):
    v = x[:k] * 2.0
    return np.sum(v * v)


text = zyg.jit(head_energy).ir("lowered", np.ones(4), 2)
with context():
    module = ir.Module.parse(text)
    lower_llvm.run_pipeline(lower_llvm.PREPARE, module)
    lower_llvm.run_pipeline(lower_llvm.BUFFERIZE, module)
    stack_small_buffers(module)
    body = str(module)
# CHECK-LABEL: func.func private @head_energy
# CHECK:         %[[EIGHT:.*]] = arith.constant 8 : index
# CHECK:         %[[FITS:.*]] = arith.cmpi ule, %[[N:.*]], %[[EIGHT]] : index
# CHECK:         %[[BUFFER:.*]] = scf.if %[[FITS]] -> (memref<?xf64>) {
# CHECK:           %[[STATIC:.*]] = memref.alloc() : memref<8xf64>
# CHECK:           %[[VIEW:.*]] = memref.subview %[[STATIC]][0] [%[[N]]] [1] : memref<8xf64> to memref<?xf64, strided<[1]>>
# CHECK:           %[[CAST:.*]] = memref.cast %[[VIEW]] : memref<?xf64, strided<[1]>> to memref<?xf64>
# CHECK:           scf.yield %[[CAST]] : memref<?xf64>
# CHECK:         } else {
# CHECK:           %[[HEAP:.*]] = memref.alloc(%[[N]]) : memref<?xf64>
# CHECK:           scf.yield %[[HEAP]] : memref<?xf64>
# CHECK:         }
start = body.index("func.func private @head_energy")
print(body[start:body.index("return", start)])

# After the rest of the upstream pipeline: the static buffer is a stack slot.
# CHECK-LABEL: lowered:
# CHECK-NEXT:  stack slot: True
llvm = zyg.jit(head_energy).ir("llvm", np.ones(4), 2)
function = llvm[llvm.index("llvm.func @head_energy"):]
function = function[:function.index("llvm.func", 10)]
print("lowered:\nstack slot:", "llvm.alloca" in function and "_mlir_memref_to_llvm_alloc" in function)
