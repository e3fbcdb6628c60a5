"""`zyg.matmul` -> a call of `@_zyg_matmul_f64`/`@_zyg_matmul_f32`, a BLAS product (see `zyg.backend.blas`).

Part of `lower-zyg-tensors`. An operand that is a `zyg.transpose` of another array is passed as that
array with a `transposed` flag, so BLAS reads it through its strides and no transposed copy is made.
The called functions take and return tensors; the bridge defines them in upstream MLIR.
"""

from __future__ import annotations

from xdsl.dialects import arith, func
from xdsl.dialects.builtin import DYNAMIC_INDEX, IntegerAttr, IntegerType, TensorType, f32, f64
from xdsl.ir import SSAValue
from zyg.dialects.zyg_arrays import MatmulOp, TransposeOp

I1 = IntegerType(1)
MATMUL_FUNCTIONS = {f64: "_zyg_matmul_f64", f32: "_zyg_matmul_f32"}
STRONG_ZERO_FUNCTIONS = {f64: "_zyg_matmul_strong_f64", f32: "_zyg_matmul_strong_f32"}


def _operand(b, value: SSAValue) -> tuple[SSAValue, SSAValue]:
    """`(array, transposed)`: a 2-D `zyg.transpose` is read through to its source."""
    owner = value.owner
    transposed = isinstance(owner, TransposeOp) and list(owner.permutation.get_values()) == [1, 0]
    flag = b(arith.ConstantOp(IntegerAttr(int(transposed), I1)))
    return (owner.source if transposed else value), flag


def lower_matmul(b, op: MatmulOp) -> list[SSAValue]:
    """`C = A @ B` (2-D, f64 or f32) as a call of the BLAS product for its element type; a pullback's
    product (one operand a cotangent) as a call of its strong-zero variant, told which side."""
    element = op.result.type.element_type
    a, ta = _operand(b, op.lhs)
    bb, tb = _operand(b, op.rhs)
    matrix = TensorType(element, [DYNAMIC_INDEX] * 2)
    if op.cotangent_operand is None:
        return [b(func.CallOp(MATMUL_FUNCTIONS[element], [a, ta, bb, tb], [matrix]))]
    side = b(arith.ConstantOp(IntegerAttr(op.cotangent_operand, I1)))
    return [b(func.CallOp(STRONG_ZERO_FUNCTIONS[element], [a, ta, bb, tb, side], [matrix]))]


def matmul_signatures() -> dict:
    """The `_zyg_matmul_*` functions the lowered products call (the bridge defines them), for
    `declare_callees`."""
    signatures = {}
    for element in (f64, f32):
        matrix = TensorType(element, [DYNAMIC_INDEX] * 2)
        signatures[MATMUL_FUNCTIONS[element]] = ([matrix, I1, matrix, I1], [matrix])
        signatures[STRONG_ZERO_FUNCTIONS[element]] = ([matrix, I1, matrix, I1, I1], [matrix])
    return signatures
