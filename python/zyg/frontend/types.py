"""The Python and NumPy types zyg compiles, and their IR types.

float -> `f64`, int -> `i64`, bool -> `i1`. Numeric promotion follows Python: bool < int < float.
A NumPy array of rank r -> `tensor<?x...x?xT>` with r dynamic dimensions (one compile serves every
shape of a rank and dtype), T one of `f64`, `f32` (differentiable), `i64`, `i1` (indices and masks).
"""

from __future__ import annotations

import functools

import numpy as np
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    Float32Type,
    Float64Type,
    IndexType,
    IntegerType,
    TensorType,
    f32,
    f64,
)
from xdsl.ir import Attribute

from zyg.typecodes import split_array_code, type_code_of

F64 = f64
F32 = f32
I64 = IntegerType(64)
I1 = IntegerType(1)
INDEX = IndexType()

_RANK = {I1: 0, I64: 1, F32: 2, F64: 3}
_NAMES = {F64: "float", I64: "int", I1: "bool", F32: "float32"}
_DTYPES = {np.dtype(np.float64): F64, np.dtype(np.float32): F32, np.dtype(np.int64): I64, np.dtype(np.bool_): I1}
_DTYPE_NAMES = {F64: "float64", F32: "float32", I64: "int64", I1: "bool"}
_ELEMENT_TYPES = {"f64": F64, "f32": F32, "i64": I64, "i1": I1}


def array_type(rank: int, element: Attribute) -> TensorType:
    """The IR type of a NumPy array of `rank` and element type `element`."""
    return TensorType(element, [DYNAMIC_INDEX] * rank)


def is_array(t: Attribute) -> bool:
    return isinstance(t, TensorType)


def element_type(t: Attribute) -> Attribute:
    """The element type of an array type, or `t` itself for a scalar."""
    return t.element_type if isinstance(t, TensorType) else t


def rank_of(t: Attribute) -> int:
    return len(t.get_shape()) if isinstance(t, TensorType) else 0


def numpy_dtype(t: Attribute) -> np.dtype:
    """The NumPy dtype of an element type."""
    return next(d for d, ir in _DTYPES.items() if ir == element_type(t))


def python_type_name(t: Attribute) -> str:
    """The Python name of an IR type, for messages: `float`, `float64 array of rank 2`."""
    if isinstance(t, TensorType):
        return f"{_DTYPE_NAMES.get(t.element_type, str(t.element_type))} array of rank {rank_of(t)}"
    if isinstance(t, tuple):  # the results of a function returning a tuple
        return "tuple (" + ", ".join(python_type_name(item) for item in t) + ")"
    return _NAMES.get(t, str(t))


def result_types(t: Attribute | tuple) -> list[Attribute]:
    """The IR result types of a function whose return type is `t` (a tuple for several results)."""
    return list(t) if isinstance(t, tuple) else [t]


def ir_type_of(value: object) -> Attribute | None:
    """The IR type a Python argument specialises to, or None if zyg cannot take it."""
    code = type_code_of(value)
    return None if code is None else type_of_code(code)


@functools.cache
def type_of_code(code: str) -> Attribute:
    """The IR type of a type code (`a2f64` -> `tensor<?x?xf64>`); cached: building an xDSL type costs
    microseconds on every call."""
    array = split_array_code(code)
    if array is None:
        return _ELEMENT_TYPES[code]
    return array_type(array[0], _ELEMENT_TYPES[array[1]])


def is_float(t: Attribute) -> bool:
    """Whether `t` is a differentiable scalar or array type (f64 or f32 elements)."""
    return isinstance(element_type(t), (Float64Type, Float32Type))


def is_number(t: Attribute) -> bool:
    return t in _RANK


def promote(a: Attribute, b: Attribute) -> Attribute | None:
    """The common numeric type of scalars `a` and `b` (Python's promotion), or None if there is none."""
    if a not in _RANK or b not in _RANK:
        return None
    return a if _RANK[a] >= _RANK[b] else b


def promote_elements(a: Attribute, b: Attribute, a_is_array: bool, b_is_array: bool) -> Attribute | None:
    """The element type of a NumPy operation on operands with element types `a` and `b`.

    NumPy 2 rules for the types zyg has: a Python scalar does not widen an array's float type
    (`f32_array * 2.0` stays float32), two arrays take the wider type.
    """
    if a_is_array != b_is_array:
        array_t, scalar_t = (a, b) if a_is_array else (b, a)
        if array_t in (F32, F64):
            return array_t
        if scalar_t == F64:
            return F64
        return promote(array_t, scalar_t)
    return promote(a, b)


def type_code(t: Attribute) -> str:
    """A short name for a type in generated symbol names: `f64`, `i64`, `i1`, `a2f64`."""
    if isinstance(t, TensorType):
        return f"a{rank_of(t)}{t.element_type}"
    return str(t)


def leaf_types(*trees) -> list[Attribute]:
    """The IR types of the leaves of `trees` (`zyg.frontend.trees.TreeDef`s), in flattening order."""
    return [type_of_code(code) for tree in trees for code in tree.leaf_codes()]
