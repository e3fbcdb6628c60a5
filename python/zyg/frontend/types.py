"""The Python scalar types zyg compiles, and their IR types.

float -> `f64`, int -> `i64`, bool -> `i1`. Numeric promotion follows Python: bool < int < float.
"""

from __future__ import annotations

from xdsl.dialects.builtin import Float64Type, IntegerType, f64
from xdsl.ir import Attribute

F64 = f64
I64 = IntegerType(64)
I1 = IntegerType(1)

_RANK = {I1: 0, I64: 1, F64: 2}
_NAMES = {F64: "float", I64: "int", I1: "bool"}


def python_type_name(t: Attribute) -> str:
    """The Python name of an IR scalar type, for messages."""
    return _NAMES.get(t, str(t))


def ir_type_of(value: object) -> Attribute | None:
    """The IR type a Python argument specialises to, or None if it is not a supported scalar."""
    if isinstance(value, bool):
        return I1
    if isinstance(value, int):
        return I64
    if isinstance(value, float):
        return F64
    return None


def is_float(t: Attribute) -> bool:
    return isinstance(t, Float64Type)


def is_number(t: Attribute) -> bool:
    return t in _RANK


def promote(a: Attribute, b: Attribute) -> Attribute | None:
    """The common numeric type of `a` and `b` (Python's promotion), or None if there is none."""
    if a not in _RANK or b not in _RANK:
        return None
    return a if _RANK[a] >= _RANK[b] else b


def type_code(t: Attribute) -> str:
    """A short name for a type in generated symbol names: `f64`, `i64`, `i1`."""
    return str(t)
