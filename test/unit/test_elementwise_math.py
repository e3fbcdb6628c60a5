"""exp, expm1, log, log1p and tanh on arrays (the `expand-elementwise-math` polynomials) against NumPy.

Dense sweeps of each function's range, random bit patterns (every exponent) and the special values:
float64 within 2 ulp of NumPy (the polynomials are within 2 ulp of the exact result, NumPy within
1), float32 within 1 ulp of NumPy's float64 result rounded to float32 (NumPy's own float32 functions
are up to 3 ulp away from it); special values bit for bit.
"""

import re

import numpy as np
import pytest
import zyg

RNG = np.random.default_rng(11)

FUNCTIONS = {
    "exp": (np.exp, lambda x: np.exp(x)),
    "expm1": (np.expm1, lambda x: np.expm1(x)),
    "log": (np.log, lambda x: np.log(x)),
    "log1p": (np.log1p, lambda x: np.log1p(x)),
    "tanh": (np.tanh, lambda x: np.tanh(x)),
}

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 2.0, 0.5, -0.5, 1e-300, -1e-300, 5e-324, -5e-324,
           2.2250738585072014e-308, 1e-310, 709.78, 709.79, 710.0, 1000.0, -708.4, -740.0, -745.13, -745.14,
           -746.0, -1000.0, 20.0, -25.0, 1e300, -1e300, np.nextafter(-1.0, 0.0), np.nextafter(-1.0, -2.0),
           0.35, -0.35, 88.72, 88.73, -87.3, -103.9, -104.0, 3.4e38, 1e-45, 1.2e-38]


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many representable numbers lie between a and b (0 where both are nan)."""
    signed = np.int64 if a.dtype == np.float64 else np.int32
    ordered = []
    for v in (a, b):
        bits = v.view(signed).astype(np.int64)
        ordered.append(np.where(bits < 0, np.int64(np.iinfo(signed).min) - bits, bits))
    distance = np.abs(ordered[0] - ordered[1])
    return np.where(np.isnan(a) & np.isnan(b), 0, distance)


def sweep(dtype) -> np.ndarray:
    """Inputs over every function's interesting range, as `dtype`."""
    random_bits = RNG.integers(0, 2**63, size=200_000, dtype=np.int64).view(np.float64)
    parts = [np.linspace(-1, 1, 200_001), np.linspace(-40, 40, 200_001), np.linspace(-800, 800, 200_001),
             np.linspace(0.5, 2.0, 200_001), RNG.uniform(-1e-8, 1e-8, 10_000),
             np.exp(RNG.uniform(-745, 709, 200_000)), random_bits, -random_bits]
    with np.errstate(over="ignore", invalid="ignore"):
        return np.concatenate(parts).astype(dtype)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_float64_within_2_ulp_of_numpy(name):
    reference, f = FUNCTIONS[name]
    x = sweep(np.float64)
    with np.errstate(all="ignore"):
        expected = reference(x)
    distance = ulp_distance(zyg.jit(f)(x), expected)
    assert distance.max() <= 2, f"{name}: {distance.max()} ulp at x = {x[np.argmax(distance)]!r}"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_float32_within_1_ulp_of_rounded_float64(name):
    reference, f = FUNCTIONS[name]
    x = sweep(np.float32)
    with np.errstate(all="ignore"):
        expected = reference(x.astype(np.float64)).astype(np.float32)
    actual = zyg.jit(f)(x)
    assert actual.dtype == np.float32
    distance = ulp_distance(actual, expected)
    assert distance.max() <= 1, f"{name}: {distance.max()} ulp at x = {x[np.argmax(distance)]!r}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_special_values_match_numpy(name, dtype):
    """inf, nan, signed zeros, overflow, subnormal results, log of 0 and negatives, saturation."""
    reference, f = FUNCTIONS[name]
    with np.errstate(all="ignore"):
        x = np.array(SPECIAL).astype(dtype)
        expected = reference(x.astype(np.float64)).astype(dtype)
    actual = zyg.jit(f)(x)
    assert np.array_equal(np.isnan(actual), np.isnan(expected))
    exact = ~np.isnan(expected) & (np.isinf(expected) | (expected == 0) | (np.abs(expected) == 1))
    np.testing.assert_array_equal(actual[exact], expected[exact])
    np.testing.assert_array_equal(np.signbit(actual[exact]), np.signbit(expected[exact]))
    assert ulp_distance(actual, expected).max() <= 2


def test_subnormal_results_of_exp():
    """Gradual underflow: exp of -708.4 ... -745.1 is subnormal, each correctly scaled."""
    x = np.linspace(-745.1, -708.4, 100_001)
    distance = ulp_distance(zyg.jit(FUNCTIONS["exp"][1])(x), np.exp(x))
    assert distance.max() <= 1


def test_log_of_subnormals():
    x = np.exp2(RNG.uniform(-1074, -1022, 100_000))
    distance = ulp_distance(zyg.jit(FUNCTIONS["log"][1])(x), np.log(x))
    assert distance.max() <= 1


@pytest.mark.parametrize("dtype, element", [(np.float64, "double"), (np.float32, "float")])
@pytest.mark.parametrize("name", ["exp", "log", "tanh"])
def test_loop_is_vectorised(name, dtype, element):
    """No libm call is left in the loop, so LLVM vectorises it for the host (at least 2 lanes)."""
    llvm_ir = zyg.jit(FUNCTIONS[name][1]).ir("llvmir", np.ones(4, dtype=dtype))
    assert re.search(rf"<\d+ x {element}>", llvm_ir), f"{name}: no vector of {element} in the LLVM IR"
    assert f"@{name}(" not in llvm_ir and f"@{name}f(" not in llvm_ir
