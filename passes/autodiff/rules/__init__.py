"""Pullback rules, one table per dialect, merged into `PULLBACK_RULES`.

A rule receives the sweep (`ctx`: `ctx.primal(v)` gives a primal value usable in the reverse code,
`ctx.emit(op)` emits a reverse op at the primal op's location and returns its result, `ctx.const`
makes a constant) , the primal op and one output cotangent per result (None for a symbolic zero),
and returns one cotangent per operand (None where no gradient flows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xdsl.ir import Operation, SSAValue
from zyg.passes.autodiff.rules.ad import AD_RULES
from zyg.passes.autodiff.rules.arith import ARITH_RULES
from zyg.passes.autodiff.rules.indexing import INDEXING_RULES
from zyg.passes.autodiff.rules.linalg import LINALG_RULES
from zyg.passes.autodiff.rules.math import MATH_RULES
from zyg.passes.autodiff.rules.requests import REQUEST_RULES
from zyg.passes.autodiff.rules.shapes import SHAPE_RULES
from zyg.passes.autodiff.rules.tensor import TENSOR_RULES
from zyg.passes.autodiff.rules.zyg import ZYG_RULES

PullbackRule = Callable[[Any, Operation, list[SSAValue | None]], list[SSAValue | None]]

PULLBACK_RULES: dict[type[Operation], PullbackRule] = {**ARITH_RULES, **MATH_RULES, **ZYG_RULES, **TENSOR_RULES,
                                                    **INDEXING_RULES, **LINALG_RULES, **SHAPE_RULES, **REQUEST_RULES,
                                                    **AD_RULES}
