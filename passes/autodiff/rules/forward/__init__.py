"""Tangent rules (forward mode), one table per kind of op, merged into `TANGENT_RULES`.

A rule receives the sweep (`ctx`: `ctx.primal(v)` gives the primal value in the forward code,
`ctx.emit(op)` emits a tangent op at the primal op's location and returns its result, `ctx.const`,
`ctx.scale`, `ctx.add`, `ctx.linear`), the primal op and one tangent per operand (None for a
symbolic zero), and returns one tangent per result (None for zero).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xdsl.ir import Operation, SSAValue
from zyg.passes.autodiff.rules.forward.ad import AD_TANGENTS, TAPE_OPS
from zyg.passes.autodiff.rules.forward.arrays import INDEXING_TANGENTS, SHAPE_TANGENTS, TENSOR_TANGENTS
from zyg.passes.autodiff.rules.forward.linalg import LINALG_TANGENTS
from zyg.passes.autodiff.rules.forward.scalar import ARITH_TANGENTS, MATH_TANGENTS, ZYG_TANGENTS

TangentRule = Callable[[Any, Operation, list[SSAValue | None]], list[SSAValue | None]]

TANGENT_RULES: dict[type[Operation], TangentRule] = {
    **ARITH_TANGENTS, **MATH_TANGENTS, **ZYG_TANGENTS, **TENSOR_TANGENTS, **INDEXING_TANGENTS, **SHAPE_TANGENTS,
    **LINALG_TANGENTS, **AD_TANGENTS}

__all__ = ["TANGENT_RULES", "TAPE_OPS", "TangentRule"]
