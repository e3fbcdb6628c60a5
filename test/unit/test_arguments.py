"""Python and NumPy scalars crossing into compiled code: what each becomes, and what is refused.

NumPy scalars (np.bool_, np.int64, np.float64, np.float32) work as the Python type they hold; an int
that does not fit in int64 is an OverflowError naming the argument and the function, never a value
wrapped modulo 2**64; a gradient with no float argument is a ZygTypeError, as JAX's grad refuses int
inputs with a TypeError.
"""

import numpy as np
import pytest
import zyg


def scale(x, n):
    return x * n


def doubled_if(x, flag):
    return x * 2 if flag else x


def constant(n):
    return 1.0


@pytest.mark.parametrize("flag, expected", [(np.bool_(True), 2.0), (np.bool_(False), 1.0)])
def test_numpy_bool_is_a_bool(flag, expected):
    assert zyg.gradient(doubled_if, 1.0, flag) == (expected, None)
    assert zyg.jit(doubled_if)(1.0, flag) == expected


@pytest.mark.parametrize("n", [np.int64(3), np.int32(3), np.uint8(3)])
def test_numpy_int_is_an_int(n):
    assert zyg.gradient(scale, 1.0, n) == (3.0, None)
    assert zyg.jit(scale)(1.5, n) == 4.5


@pytest.mark.parametrize("x", [np.float64(3.0), np.float32(3.0)])
def test_numpy_float_is_a_float(x):
    assert zyg.gradient(lambda x: x * x, x) == (6.0,)
    assert zyg.jit(lambda x: x * x)(x) == 9.0


@pytest.mark.parametrize("n", [2**64 + 3, 2**63, -(2**63) - 1, np.uint64(2**64 - 1)])
def test_an_int_beyond_int64_is_an_overflow_error(n):
    with pytest.raises(OverflowError, match=r"argument 1 \('n'\) of 'scale' .* does not fit in int64"):
        zyg.gradient(scale, 1.0, n)
    with pytest.raises(OverflowError, match=r"argument 1 \('n'\) of 'scale'"):
        zyg.jit(scale)(1.0, n)


def test_the_int64_bounds_are_accepted():
    assert zyg.jit(lambda n: n)(2**63 - 1) == 2**63 - 1
    assert zyg.jit(lambda n: n)(-(2**63)) == -(2**63)


def test_a_gradient_with_no_float_argument_is_a_type_error():
    with pytest.raises(zyg.ZygTypeError, match="'constant' has no float argument to differentiate"):
        zyg.gradient(constant, 3)
    with pytest.raises(zyg.ZygTypeError, match="no float argument"):
        zyg.gradient(lambda flag: 1.0, True)
    assert zyg.jit(constant)(3) == 1.0
