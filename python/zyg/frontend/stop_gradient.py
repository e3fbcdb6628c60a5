"""Frontend: `zyg.stop_gradient(x)` in compiled code -> `ad.stop_gradient` on each float leaf of `x`.

In: the call's node and the codegen. Out: `x`'s value with the same structure, each float or float-array
leaf passed through `ad.stop_gradient` (the others carry no gradient anyway), so activity analysis
sees values that vary with nothing. The result may be `x`'s very arrays, as it is in Python.
"""

from __future__ import annotations

import ast

from zyg.dialects import ad
from zyg.errors import ZygTypeError


def stop_gradient_call(cg, node: ast.Call) -> object:
    """The value of `zyg.stop_gradient(x)` (`cg`: the `FunctionCodegen`)."""
    if len(node.args) != 1 or node.keywords:
        cg.error(node, "zyg.stop_gradient() takes one positional argument", ZygTypeError)
    tree, leaves = cg.flat(cg.visit(node.args[0]))
    stopped = []
    for v in leaves:
        if not ad.carries_gradient(v.type):
            stopped.append(v)
            continue
        result = cg.value(ad.StopGradientOp(v))
        if v in cg.shapes:
            cg.with_dims(result, cg.shapes[v])
        stopped.append(cg.share_storage(result, v))
    return cg.rebuild(tree, stopped)
