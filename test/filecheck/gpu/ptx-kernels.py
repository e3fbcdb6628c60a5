# RUN: python %s | filecheck %s
# RUN: python %s | filecheck %s --check-prefix=DEVICE
# The PTX of each kind of kernel `device="gpu"` makes (see `zyg.backend.lower_gpu`), built on a machine
# without a GPU or a CUDA driver: the PTX version and target of `cuda.DEFAULT_CAPABILITY` (no device
# here), a `.visible .entry` per kernel, the thread block (`TILE_SIZES`) as `.maxntid`, threads indexed
# by block and thread ids, and no call left to host code (zyg's runtime, malloc, the CUDA wrappers),
# nor any external function: libdevice's math is linked in.

import numpy as np
import zyg

# Nowhere in the PTX of any kernel:
# DEVICE-NOT: .extern
# DEVICE-NOT: malloc
# DEVICE-NOT: mgpu
# DEVICE-NOT: call{{.*}}_zyg_
# DEVICE-NOT: call{{.*}}memref


def show(name, f, *args):
    print(f"== {name}")
    print(zyg.jit(f, device="gpu").ir("ptx", *args))


def chain(x, y):
    return np.exp(np.sin(x) * y + 1.0)


# An elementwise chain: one fused kernel of a thread per element (one per version of the broadcast).
# CHECK-LABEL: == chain
# CHECK:       // gpu.binary @chain_a1f64_a1f64_kernel
# CHECK:       .version 7.8
# CHECK-NEXT:  .target sm_90
# CHECK:       .visible .entry chain_a1f64_a1f64_kernel(
# CHECK:       .maxntid 128, 1, 1
# CHECK:       %ctaid.x
# CHECK:       %tid.x
# CHECK:       ld.global.b64
# CHECK:       st.global.b64
show("chain", chain, np.ones(3), np.ones(3))


def columns(m):
    return np.sum(m * m, axis=0)


# A reduction along an axis: a thread per column, summing down it in a loop (a backward branch).
# CHECK-LABEL: == columns
# CHECK:       .visible .entry columns_a2f64_kernel(
# CHECK:       .maxntid 128, 1, 1
# CHECK:       // gpu.binary @columns_a2f64_kernel_0
# CHECK:       .visible .entry columns_a2f64_kernel(
# CHECK:       .maxntid 128, 1, 1
# CHECK:       %ctaid.x
# CHECK:       [[LOOP:\$L__BB0_[0-9]+]]:
# CHECK:       mul.rn.f64
# CHECK:       add.rn.f64
# CHECK:       bra {{.*}}[[LOOP]];
show("columns", columns, np.ones((3, 4)))


def total(x):
    return np.sum(x * x)


# A full reduction (`split_reductions`): a thread per partial sum, striding through the array in a loop
# (a host loop then adds the partial sums).
# CHECK-LABEL: == total
# CHECK:       .visible .entry total_a1f64_kernel(
# CHECK:       .maxntid 128, 1, 1
# CHECK:       %tid.x
# CHECK:       [[LOOP:\$L__BB0_[0-9]+]]:
# CHECK:       ld.global.b64 [[X:%rd[0-9]+]]
# CHECK:       mul.rn.f64 [[SQUARE:%rd[0-9]+]], [[X]], [[X]];
# CHECK:       add.rn.f64 [[SUM:%rd[0-9]+]], [[SUM]], [[SQUARE]];
# CHECK:       bra {{.*}}[[LOOP]];
# CHECK:       st.global.b64 {{.*}}, [[SUM]];
show("total", total, np.ones(3))


def broadcast(m, v):
    return m * v + v


# A broadcast: a 2-D kernel, 128 x 2 threads a block, indexed in x and y; twice, as each 2-D loop
# (`orient_parallel_loops`): threads along the columns of a wide array, along the rows of a tall one.
# CHECK-LABEL: == broadcast
# CHECK:       .visible .entry broadcast_a2f64_a1f64_kernel(
# CHECK:       .maxntid 128, 2, 1
# CHECK:       %ctaid.x
# CHECK:       %ctaid.y
# CHECK:       %tid.x
# CHECK:       %tid.y
# CHECK:       // gpu.binary @broadcast_a2f64_a1f64_kernel_{{[0-9]+}}
# CHECK:       .visible .entry broadcast_a2f64_a1f64_kernel(
# CHECK:       .maxntid 128, 2, 1
show("broadcast", broadcast, np.ones((3, 4)), np.ones(4))


def product(a, b):
    return a @ b


# A matrix product (`gpu_matmul`): a thread per 4 x 4 tile of the result (two kernels: threads along the
# columns of a wide result, along the rows of a tall one), each step along the shared axis loading 4
# elements of each operand and making 16 fused multiply-adds into sums kept in registers.
# CHECK-LABEL: == product
# CHECK:       // gpu.binary @_zyg_matmul_f64_kernel
# CHECK:       .visible .entry _zyg_matmul_f64_kernel(
# CHECK:       .maxntid 128, 2, 1
# CHECK:       %ctaid.y
# CHECK:       %tid.y
# CHECK:       [[LOOP:\$L__BB0_[0-9]+]]:
# CHECK-COUNT-8: ld.global.b64
# CHECK-NOT:   ld.global
# CHECK-COUNT-16: fma.rn.f64
# CHECK-NOT:   ld.global
# CHECK:       bra {{.*}}[[LOOP]];
# CHECK-COUNT-16: st.global.b64
# CHECK:       // gpu.binary @_zyg_matmul_f64_kernel_{{[0-9]+}}
# CHECK:       .visible .entry _zyg_matmul_f64_kernel(
show("product", product, np.ones((3, 4)), np.ones((4, 2)))
