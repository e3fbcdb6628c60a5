"""Frontend: integer constant expressions folded at compile time with Python's semantics.

In: an expression node. Out: the Python int it denotes when it is built only of int literals,
unary `+`/`-` and the operators `+ - * ** // %` (as `2**64 + 2`), `TOO_LARGE` when such an
expression is certainly beyond any 64-bit value (so `10**10**10` is never computed), or None
when it is not such an expression. The codegen range-checks the whole expression once, so an
intermediate beyond int64 is fine where the result fits (`-2**63`), as it is in Python.
"""

from __future__ import annotations

import ast
import operator

TOO_LARGE = object()  # a folded value whose size alone puts it beyond int64
_MAX_BITS = 4096  # folded intermediates are kept this small: far beyond int64, still cheap

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}


def fold_int(node: ast.expr) -> int | object | None:
    """The value of `node` as a constant int expression, `TOO_LARGE`, or None (see the module)."""
    if isinstance(node, ast.Constant):
        value = node.value
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = fold_int(node.operand)
        if value is None or value is TOO_LARGE:
            return value
        return -value if isinstance(node.op, ast.USub) else value
    if not (isinstance(node, ast.BinOp) and type(node.op) in _BINARY):
        return None
    lhs, rhs = fold_int(node.left), fold_int(node.right)
    if lhs is None or rhs is None:
        return None
    if lhs is TOO_LARGE or rhs is TOO_LARGE:
        return TOO_LARGE
    if isinstance(node.op, (ast.FloorDiv, ast.Mod)) and rhs == 0:
        return None  # the codegen reports the division by zero
    if isinstance(node.op, ast.Pow):
        if rhs < 0:
            return None  # a float in Python
        if abs(lhs) > 1 and rhs * (abs(lhs).bit_length() - 1) > _MAX_BITS:
            return TOO_LARGE
    value = _BINARY[type(node.op)](lhs, rhs)
    return TOO_LARGE if value.bit_length() > _MAX_BITS else value
