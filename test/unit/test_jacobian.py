"""`zyg.jacobian`: one forward sweep and one compiled reverse sweep per output element (rows), or one
forward-mode sweep per input element (columns) where the inputs are fewer (`ad.jacobian`), checked
against central finite differences, with Zygote's conventions for the shapes of the blocks."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import zyg
from jacobiancheck import check_jacobian

RNG = np.random.default_rng(7)


def elementwise(x):
    return np.sin(x) * x[0]


def matrix_input(a, v):
    return np.tanh(a @ v)


def of_a_scalar(t, x):  # a float argument: a vector block
    return np.exp(t * x) + t * t


def scalar_output(x, t):  # one row: (1, n) for the array, (1,) for the float
    return np.sum(x * x) * t + math.sin(t)


def matrix_output(x):
    return np.outer(x, np.cos(x))


def helper(u, w):
    return np.tanh(u) * w


def loops_branches_calls(x, w, n):
    y = x
    for _ in range(n):  # a loop with a run-time trip count, a data-dependent branch and a call
        y = helper(y, w) if np.sum(y) > 0.0 else np.sin(y) * w
    return y + x[1] * x


def while_loop(x):
    y = x
    while np.max(np.abs(y)) > 0.1:
        y = 0.5 * y
    return y * y


def ints_in_and_out(x, k):  # the int result and the int argument take no part
    return x * k, k


def tuple_output(x, c):
    return np.sum(x) * c, x * c, "label"


@dataclasses.dataclass
class Layer:
    w: np.ndarray
    b: float
    name: str = "dense"


def structured(layer, inputs):
    h = layer.w @ inputs["x"] + layer.b
    return {"out": np.tanh(h), "norm": np.sum(h * h) * inputs["scale"]}


CASES = [
    (elementwise, (RNG.normal(size=4),)),
    (matrix_input, (RNG.normal(size=(3, 4)), RNG.normal(size=4))),
    (of_a_scalar, (0.7, RNG.normal(size=3))),
    (scalar_output, (RNG.normal(size=3), 0.4)),
    (matrix_output, (RNG.normal(size=3),)),
    (loops_branches_calls, (RNG.normal(size=3), 0.8, 3)),
    (while_loop, (np.array([0.9, -0.3, 0.5]),)),
    (ints_in_and_out, (RNG.normal(size=2), 3)),
    (tuple_output, (RNG.normal(size=3), 1.5)),
    (structured, (Layer(RNG.normal(size=(2, 3)), 0.1), {"x": RNG.normal(size=3), "scale": 2.0})),
]


@pytest.mark.parametrize(("f", "args"), CASES, ids=[f.__name__ for f, _ in CASES])
def test_jacobian_matches_finite_differences(f, args):
    check_jacobian(f, args)


# Each call of `evaluated` in compiled code is one evaluation of the function: the rows take one (the
# forward sweep; the reverse sweeps run no host call), the columns n + 1 (one for the number of rows,
# then one forward-mode sweep per input element).
EVALUATIONS: list = []
evaluated = zyg.host(lambda: EVALUATIONS.append(None))


def evaluations(f, args, argnums=None) -> int:
    """How many times `zyg.jacobian(f, *args, argnums=argnums)` evaluates `f`."""
    EVALUATIONS.clear()
    zyg.jacobian(f, *args, argnums=argnums)
    return len(EVALUATIONS)


def wide(x):  # 3 inputs, 9 outputs: columns
    evaluated()
    return np.outer(np.sin(x) * x[0], np.cos(x))


def tall(x):  # 5 inputs, 2 outputs: rows
    evaluated()
    return np.array([np.sum(np.sin(x)), np.sum(x * x) * x[0]])


def loss(x):  # a float: rows, decided at compile time
    evaluated()
    return np.sum(np.sin(x) * x)


def floats_to_more_floats(t, s):  # 2 inputs, 3 outputs: columns, decided at compile time
    evaluated()
    return t * s, t + s, np.sin(t)


def wide_structured(layer, inputs):  # 2 + 1 + 2 + 1 inputs, 8 + 1 outputs: columns
    evaluated()
    h = np.outer(layer.w * inputs["x"], np.arange(1.0, 5.0)) + layer.b
    return np.tanh(h), {"norm": np.sum(h * h) * inputs["scale"]}


def wide_of_two(t, x):  # n: 1, 2 or 3 inputs (by argnums), 4 outputs: columns
    evaluated()
    return np.outer(np.exp(t * x), x)


def outer(x, y):  # with argnums=0, n = x.size inputs, x.size * y.size outputs
    evaluated()
    return np.outer(np.sin(x), y)


STRUCTURED = (Layer(RNG.normal(size=2), 0.1), {"x": RNG.normal(size=2), "scale": 2.0})

# (function, arguments, argnums, evaluations: 1 for the rows, n + 1 for the columns)
VARIANTS = [
    (wide, (RNG.normal(size=3),), None, 4),
    (tall, (RNG.normal(size=5),), None, 1),
    (loss, (RNG.normal(size=4),), None, 1),
    (floats_to_more_floats, (0.3, -1.2), None, 3),
    (wide_structured, STRUCTURED, None, 7),
    (wide_of_two, (0.4, np.array([0.5, -1.0])), 0, 2),
    (wide_of_two, (0.4, np.array([0.5, -1.0])), 1, 3),
    (wide_of_two, (0.4, np.array([0.5, -1.0])), (1, 0), 4),
    (wide_of_two, (0.4, np.array([0.5, -1.0])), -1, 3),
    (outer, (RNG.normal(size=3), RNG.normal(size=1)), 0, 1),  # n = m: rows
    (outer, (RNG.normal(size=3), RNG.normal(size=4)), 0, 4),
]


@pytest.mark.parametrize(("f", "args", "argnums", "expected"), VARIANTS,
                         ids=[f"{f.__name__}-{argnums}-{count}" for f, _, argnums, count in VARIANTS])
def test_the_mode_with_fewer_sweeps_runs(f, args, argnums, expected):
    check_jacobian(f, args, argnums=argnums)
    assert evaluations(f, args, argnums) == expected


def test_structured_columns_have_their_structure():
    jl, ji = zyg.jacobian(wide_structured, *STRUCTURED)
    assert isinstance(jl, Layer) and jl.w.shape == (9, 2) and jl.b.shape == (9,)
    assert ji["x"].shape == (9, 2) and ji["scale"].shape == (9,)


def test_one_compile_chooses_at_run_time():
    x = RNG.normal(size=3)
    zyg.jacobian(outer, x, RNG.normal(size=1), argnums=0)
    from zyg.compiler import cache_size

    before = cache_size()
    assert evaluations(outer, (x, RNG.normal(size=5)), 0) == 4  # columns, from the same compile as rows
    assert cache_size() == before


def test_shapes_follow_zygote():
    x = np.array([1.0, 2.0, 3.0])
    jx, jt = zyg.jacobian(scalar_output, x, 0.5)
    assert jx.shape == (1, 3) and jt.shape == (1,)
    ja, jv = zyg.jacobian(matrix_input, np.ones((2, 3)), x)
    assert ja.shape == (2, 6) and jv.shape == (2, 3)
    jt, jx = zyg.jacobian(of_a_scalar, 0.5, x)
    assert jt.shape == (3,) and jx.shape == (3, 3)
    assert zyg.jacobian(ints_in_and_out, x, 2)[1] is None


def test_structured_output_is_concatenated_in_flattening_order():
    x = np.array([1.0, 2.0])
    (jx, jc) = zyg.jacobian(tuple_output, x, 3.0)
    np.testing.assert_allclose(jx, [[3.0, 3.0], [3.0, 0.0], [0.0, 3.0]])  # rows: sum(x) * c, then x * c
    np.testing.assert_allclose(jc, [3.0, 1.0, 2.0])


def test_structured_argument_has_its_structure():
    layer = Layer(np.ones((2, 3)), 0.5)
    inputs = {"x": np.array([1.0, 0.0, -1.0]), "scale": 1.0}
    jl, ji = check_jacobian(structured, (layer, inputs))
    assert isinstance(jl, Layer) and jl.name is None and jl.w.shape == (3, 6) and jl.b.shape == (3,)
    assert sorted(ji) == ["scale", "x"] and ji["x"].shape == (3, 3)


@pytest.mark.parametrize("argnums", [0, 1, (1,), (1, 0), -1])
def test_argnums(argnums):
    check_jacobian(of_a_scalar, (0.3, np.array([0.5, -1.0])), argnums=argnums)


def test_float32_argument_gives_a_float64_jacobian():
    x = np.array([1.0, 2.0], dtype=np.float32)
    (j,) = zyg.jacobian(matrix_output, x)
    expected = np.zeros((4, 2))
    c, s = np.cos(x.astype(np.float64)), np.sin(x.astype(np.float64))
    for i in range(2):
        for k in range(2):
            expected[2 * i + k, i] += c[k]
            expected[2 * i + k, k] -= x[i] * s[k]
    assert j.dtype == np.float64
    np.testing.assert_allclose(j, expected, rtol=1e-6)


def layer_100(w, x):
    y = np.tanh(w @ x)
    for _ in range(3):
        y = y + 0.1 * np.sin(y) * x
    return y


def test_a_100_to_100_function():
    w = RNG.normal(size=(100, 100)) / 10.0
    x = RNG.normal(size=100)
    (j,) = zyg.jacobian(layer_100, w, x, argnums=(1,))
    assert j.shape == (100, 100)
    h = 1e-6
    for i in (0, 37, 99):  # a few columns, by central differences
        e = np.zeros(100)
        e[i] = h
        column = (layer_100(w, x + e) - layer_100(w, x - e)) / (2 * h)
        np.testing.assert_allclose(j[:, i], column, rtol=1e-5, atol=1e-7)


def jacobian_inside(x, c):
    jc, jx = zyg.jacobian(of_a_scalar, c, x)  # a vector and a matrix, in compiled code
    return np.sum(jx, axis=1) * jc


def jacobian_inside_argnums(x):
    return np.sum(zyg.jacobian(matrix_output, x, argnums=0) ** 2)


def columns_and_rows_inside(x):
    (jw,) = zyg.jacobian(wide, x)  # 3 inputs, 9 outputs: columns
    (jt,) = zyg.jacobian(tall, x)  # 3 inputs, 2 outputs: rows
    return np.sum(jw, axis=0) + np.sum(jt, axis=0)


def test_inside_compiled_code():
    x, c = np.array([0.5, -1.0, 2.0]), 0.3
    np.testing.assert_allclose(zyg.jit(jacobian_inside)(x, c), jacobian_inside(x, c))
    assert zyg.jit(jacobian_inside_argnums)(x) == pytest.approx(jacobian_inside_argnums(x))
    expected = columns_and_rows_inside(x)
    EVALUATIONS.clear()
    np.testing.assert_allclose(zyg.jit(columns_and_rows_inside)(x), expected)
    assert len(EVALUATIONS) == 4 + 1


def test_a_function_without_a_float_result_is_named():
    with pytest.raises(zyg.ZygTypeError, match="returns a.*int.*the Jacobian differentiates"):
        zyg.jacobian(lambda x: int(x), 1.0)
    with pytest.raises(zyg.ZygTypeError, match="the Jacobian of a function that returns no float"):
        zyg.jit(lambda x: zyg.jacobian(lambda a: int(a), x))(1.0)


def sum_of_jacobian(x):
    return np.sum(zyg.jacobian(elementwise, x)[0])


def test_reverse_mode_over_a_jacobian_is_an_error_naming_it():
    with pytest.raises(zyg.NoDerivativeError, match="no derivative rule for 'ad.jacobian'") as error:
        zyg.gradient(sum_of_jacobian, np.array([0.5, 1.0]))
    assert f"{__file__}:" in str(error.value)


def test_compiled_once_and_cached():
    x = np.array([0.2, 0.4])
    zyg.jacobian(elementwise, x)
    from zyg.compiler import cache_size

    before = cache_size()
    assert zyg.jacobian(elementwise, np.arange(5.0))[0].shape == (5, 5)  # another length, the same compile
    assert cache_size() == before
