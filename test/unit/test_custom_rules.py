"""Custom rules (`zyg.rrule`, `zyg.custom_vjp`, `zyg.custom_jvp`), `zyg.check_rule` and `zyg.stop_gradient`.

Most rules here give a derivative that differs from the one of the function's body on purpose, so each
test shows the rule was used. Lines where a rule error is reported end in a `# ERR:<case>` marker.
"""

import dataclasses
import os

import numpy as np
import pytest
import zyg
from cachecheck import fresh_gradient
from test_disk_cache import write_module
from zyg import ShapeError, ZygTypeError

THIS_FILE = os.path.abspath(__file__)
with open(THIS_FILE, encoding="utf-8") as _source:
    _LINES = _source.read().splitlines()


def marker_line(case: str) -> int:
    found = [n for n, text in enumerate(_LINES, start=1) if text.rstrip().endswith(f"# ERR:{case}")]
    assert len(found) == 1, f"marker {case!r} must occur exactly once, found {found}"
    return found[0]


def assert_rule_error(err: Exception, case: str, phrase: str) -> None:
    message = str(err)
    assert f"{THIS_FILE}:{marker_line(case)}:" in message
    assert phrase in message
    assert "zyg/frontend" not in message


# ------------------------------------------------------------------------------------------------
# Rules of every form
# ------------------------------------------------------------------------------------------------

def add(a, b):
    return a + b


@zyg.rrule(add)
def add_rrule(a, b):
    def add_pullback(dy):
        return dy, 2.0 * dy  # not add's derivative: shows the rule is used
    return add(a, b), add_pullback


def mul(a, b):
    return a * b


@zyg.rrule(mul)
def mul_rrule(a, b):
    def mul_pullback(dy):  # captures a and b: residuals saved per call
        return 2.0 * dy * b, 2.0 * dy * a
    return mul(a, b), mul_pullback


@zyg.custom_vjp
def safe_log1pexp(x):
    return np.log1p(np.exp(x))


def _fwd(x):
    return safe_log1pexp(x), (x,)


def _bwd(res, dy):
    (x,) = res
    return (dy / (1.0 + np.exp(-x)),)


safe_log1pexp.defvjp(_fwd, _bwd)


def test_rrule_at_the_top_level():
    assert zyg.gradient(add, 1.0, 2.0) == (1.0, 2.0)
    assert zyg.withgradient(add, 1.0, 2.0) == (3.0, (1.0, 2.0))
    y, back = zyg.pullback(add, 1.0, 2.0)
    assert (y, back(3.0)) == (3.0, (3.0, 6.0))
    assert zyg.compile_grad(add, argnums=1)(1.0, 2.0) == 2.0


def helper(x, y):
    return add(x * x, y) * 3.0


def test_rrule_inside_compiled_code_and_through_helpers():
    assert zyg.gradient(helper, 1.0, 2.0) == (6.0, 6.0)
    assert zyg.gradient(lambda x: helper(x, x) + 1.0, 1.0) == (12.0,)


def test_rrule_in_loops_saves_residuals_per_iteration():
    def for_loop(x, n):
        y = 1.0
        for _ in range(n):
            y = mul(y, x)
        return y

    def while_loop(x):
        y = x
        while y < 100.0:
            y = mul(y, x)
        return y

    # Each mul doubles its derivative: d(x^5) with every factor of the chain doubled.
    assert zyg.gradient(for_loop, 2.0, 5) == (sum(2.0 ** k * 2.0 ** 4 for k in range(1, 6)), None)
    assert zyg.gradient(while_loop, 3.0)[0] == pytest.approx(_while_derivative(3.0))  # four calls of mul


def _while_derivative(x: float) -> float:
    """d/dx of x * x * ... (k factors) where each mul(y, x) pulls back 2 * its true derivative."""
    y, dy = x, 1.0
    while y < 100.0:
        y, dy = y * x, 2.0 * (dy * x + y)
    return dy


def test_rrule_in_recursion():
    def power(x, n):
        return 1.0 if n == 0 else mul(x, power(x, n - 1))

    def expected(n):  # d power(x, n) at x = 2 with mul's doubled pullback
        return 0.0 if n == 0 else 2.0 * (2.0 ** (n - 1) + 2.0 * expected(n - 1))

    assert zyg.gradient(power, 2.0, 4) == (expected(4), None)


def test_rrule_value_is_the_rules():
    def shifted(x):
        return x

    @zyg.rrule(shifted)
    def shifted_rrule(x):
        return x + 100.0, lambda dy: (dy,)

    assert zyg.jit(shifted)(1.0) == 101.0
    assert zyg.jit(lambda x: shifted(x) * 2.0)(1.0) == 202.0
    assert zyg.withgradient(shifted, 1.0) == (101.0, (1.0,))


def test_custom_vjp_on_numbers_and_arrays():
    assert zyg.gradient(safe_log1pexp, 0.0) == (0.5,)
    (g,) = zyg.gradient(lambda x: np.sum(safe_log1pexp(x)), np.array([0.0, 1.0, 800.0]))
    np.testing.assert_allclose(g, [0.5, 1 / (1 + np.exp(-1.0)), 1.0])  # the body's gradient is nan at 800
    assert zyg.jit(safe_log1pexp)(0.0) == pytest.approx(np.log(2.0))


def test_custom_vjp_decorator_form():
    @zyg.custom_vjp
    def clip_gradient(x):
        return x

    def clip_fwd(x):
        return clip_gradient(x), None

    @clip_gradient.defvjp(clip_fwd)
    def clip_bwd(_, ct):
        return (np.clip(ct, -1.0, 1.0),)

    (g,) = zyg.gradient(lambda x: np.sum(5.0 * clip_gradient(x)), np.ones(2))
    np.testing.assert_array_equal(g, [1.0, 1.0])


@dataclasses.dataclass
class Affine:
    w: float
    b: float


def test_structured_arguments_get_structured_cotangents():
    def scale(p, pair, model):
        return p["w"] * pair[0] + p["b"] * pair[1] + model.w * model.b

    @zyg.rrule(scale)
    def scale_rrule(p, pair, model):
        def scale_pullback(dy):
            return {"w": dy, "b": None}, (None, 7.0 * dy), Affine(dy, 0.0)
        return scale(p, pair, model), scale_pullback

    grads = zyg.gradient(scale, {"w": 2.0, "b": 3.0}, (4.0, 5.0), Affine(1.0, 2.0))
    assert grads == ({"w": 1.0, "b": 0.0}, (0.0, 7.0), Affine(1.0, 0.0))


def test_array_arguments_with_no_cotangent_get_zeros_of_their_shape():
    def weighted(w, x, n):
        return np.sum(w * x) * n

    @zyg.rrule(weighted)
    def weighted_rrule(w, x, n):
        def weighted_pullback(dy):
            return dy * x * n, None, None
        return weighted(w, x, n), weighted_pullback

    gw, gx, gn = zyg.gradient(weighted, np.ones((2, 3)), np.full((2, 3), 2.0), 3)
    np.testing.assert_array_equal(gw, np.full((2, 3), 6.0))
    np.testing.assert_array_equal(gx, np.zeros((2, 3)))
    assert gn is None


def test_array_residuals_in_a_loop():
    def loop(x, n):
        y = np.ones(2)
        for _ in range(n):
            y = mul(y, x)
        return np.sum(y)

    (g,) = zyg.gradient(lambda x: loop(x, 3), np.array([1.0, 2.0]))
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(g, 2.0 * (x ** 2 + 2.0 * (x ** 2 + 2.0 * x ** 2)))


def test_rules_are_differentiable_for_higher_order():
    def inner(x):  # a gradient inside compiled code, through the rule: 2 * b
        return zyg.gradient(mul, x, x)[0]

    assert zyg.jit(inner)(3.0) == 6.0
    assert zyg.gradient(inner, 3.0) == (2.0,)  # the rule's pullback is ordinary code
    assert zyg.hessian(lambda x: mul(x, x), 3.0) == 4.0  # forward over reverse through it


def test_rule_called_on_ints_has_nothing_to_differentiate():
    # mul's pullback would multiply None there: it is compiled only where a float can reach it.
    assert zyg.gradient(lambda x, n: x * mul(n, 3), 2.0, 4) == (12.0, None)
    assert zyg.jit(mul)(2, 3) == 6


WEIGHTS = np.array([1.0, 2.0])


def weigh(x):
    return np.sum(WEIGHTS * x)


@zyg.rrule(weigh)
def weigh_rrule(x):
    weights = WEIGHTS  # read in the rule: the pullback captures it, a residual

    def weigh_pullback(dy):
        return (dy * weights * 2.0,)
    return weigh(x), weigh_pullback


def test_rule_reading_global_arrays():
    np.testing.assert_array_equal(zyg.gradient(lambda x: weigh(x) * 2.0, np.ones(2))[0], [4.0, 8.0])


def test_late_closure_as_pullback():
    def square(x):
        return x * x

    @zyg.rrule(square)
    def square_rrule(x):
        def square_pullback(dy):
            return (dy * slope,)
        slope = 5.0 * x  # assigned after the pullback is made: it reads the value at the return
        return square(x), square_pullback

    assert zyg.gradient(square, 3.0) == (15.0,)


# ------------------------------------------------------------------------------------------------
# Rule errors: at compile time, naming the rule and its line; shapes at run time
# ------------------------------------------------------------------------------------------------

def too_few(a, b):
    return a + b


@zyg.rrule(too_few)
def too_few_rrule(a, b):
    def pullback(dy):  # ERR:count
        return (dy,)
    return too_few(a, b), pullback


def wrong_keys(p):
    return p["a"] * p["b"]


@zyg.rrule(wrong_keys)
def wrong_keys_rrule(p):
    def pullback(dy):  # ERR:keys
        return ({"a": dy},)
    return wrong_keys(p), pullback


def wrong_type(x):
    return np.sum(x)


def wrong_type_fwd(x):
    return wrong_type(x), x


def wrong_type_bwd(x, dy):  # ERR:type
    return (dy,)


wrong_type = zyg.custom_vjp(wrong_type)
wrong_type.defvjp(wrong_type_fwd, wrong_type_bwd)


def not_a_pair(x):
    return x


@zyg.rrule(not_a_pair)
def not_a_pair_rrule(x):  # ERR:pair
    return x


def reads_global(x):
    return np.sum(WEIGHTS * x)


@zyg.rrule(reads_global)
def reads_global_rrule(x):
    def pullback(dy):  # ERR:free
        return (dy * WEIGHTS,)
    return reads_global(x), pullback


def wrong_shape(x):
    return np.sum(x)


@zyg.rrule(wrong_shape)
def wrong_shape_rrule(x):
    def pullback(dy):  # ERR:shape
        return (dy * np.ones(2),)
    return wrong_shape(x), pullback


@pytest.mark.parametrize(("f", "args", "case", "phrase"), [
    (too_few, (1.0, 2.0), "count", "the rule too_few_rrule for 'too_few': the pullback returns 1 cotangent(s), "
                                   "but 'too_few' takes 2 argument(s)"),
    (wrong_keys, ({"a": 1.0, "b": 2.0},), "keys", "the cotangent of argument 0 has keys ['a']"),
    (wrong_type, (np.ones(3),), "type", "the cotangent of argument 0 must be None or a float64 array of rank 1, "
                                        "got a float"),
    (not_a_pair, (1.0,), "pair", "the rule not_a_pair_rrule for 'not_a_pair': it must return a pair"),
    (reads_global, (np.ones(2),), "free", "its pullback reads 'WEIGHTS', data zyg passes at each call"),
])
def test_negative_rule_errors_at_compile_time(f, args, case, phrase):
    with pytest.raises(ZygTypeError) as info:
        zyg.gradient(f, *args)
    assert_rule_error(info.value, case, phrase)


def test_negative_cotangent_shape_is_checked_at_run_time():
    np.testing.assert_array_equal(zyg.gradient(wrong_shape, np.ones(2))[0], [1.0, 1.0])
    with pytest.raises(ShapeError) as info:
        zyg.gradient(wrong_shape, np.ones(3))
    assert_rule_error(info.value, "shape", "the cotangent of argument 0 has shape (2,), the argument (3,)")


# ------------------------------------------------------------------------------------------------
# Redefinition, check_rule
# ------------------------------------------------------------------------------------------------

def test_redefining_a_rule_compiles_again():
    def square(x):
        return x * x

    def uses(x):
        return square(x) + 1.0

    assert zyg.gradient(uses, 3.0) == (6.0,)

    @zyg.rrule(square)
    def square_rrule(x):
        return square(x), lambda dy: (dy,)

    assert zyg.gradient(uses, 3.0) == zyg.gradient(square, 3.0) == (1.0,)

    @zyg.rrule(square)
    def square_rrule_again(x):
        return square(x), lambda dy: (10.0 * dy,)

    assert zyg.gradient(uses, 3.0) == zyg.gradient(square, 3.0) == (10.0,)


def test_redefining_a_rule_invalidates_the_disk_cache(cache_dir, tmp_path):
    source = """
        import zyg

        def f(x):
            return x * x

        @zyg.rrule(f)
        def f_rrule(x):
            return f(x), lambda dy: ({factor} * dy,)

        def g(x):
            return f(x) + 1.0
    """
    module = write_module(tmp_path, "rule_case", source.format(factor="3.0"))
    assert fresh_gradient(module.g, 1.0) == (3.0,)
    assert fresh_gradient(module.g, 1.0) == (3.0,)
    assert len(cache_dir.builds) == 1
    module = write_module(tmp_path, "rule_case", source.format(factor="5.0"))
    assert fresh_gradient(module.g, 1.0) == (5.0,)
    assert len(cache_dir.builds) == 2


def test_check_rule():
    assert zyg.check_rule(safe_log1pexp, np.array([0.5, -1.0, 2.0])).checked == 3
    with pytest.raises(AssertionError, match=r"check_grad\(mul\): argument 0: reverse mode gives"):
        zyg.check_rule(mul, 2.0, 3.0)

    def scale(p, x):
        return {"y": p["w"] * x + p["b"], "n": 3}

    @zyg.rrule(scale)
    def scale_rrule(p, x):
        def scale_pullback(dy):
            return {"w": np.sum(dy["y"] * x), "b": np.sum(dy["y"])}, dy["y"] * p["w"] * 1.5
        return scale(p, x), scale_pullback

    with pytest.raises(AssertionError, match=r"argument 1\[0\]: reverse mode gives"):
        zyg.check_rule(scale, {"w": 2.0, "b": 1.0}, np.ones(3))
    with pytest.raises(ZygTypeError, match="has no reverse rule to check"):
        zyg.check_rule(lambda x: x, 1.0)


# ------------------------------------------------------------------------------------------------
# custom_jvp and stop_gradient
# ------------------------------------------------------------------------------------------------

@zyg.custom_jvp
def cube(x, n):
    return x * x * x


@cube.defjvp
def cube_jvp(primals, tangents):
    x, n = primals
    dx, dn = tangents
    return cube(x, n), 3.0 * x * x * dx * n  # n times the true tangent: proves the rule is used


def through_a_helper(x):
    return cube(x * 2.0, 3) + x


def test_custom_jvp_rule_is_compiled_beside_its_function_and_used_by_forward_mode():
    ir = zyg.jit(lambda x: cube(x, 2) + 1.0).ir("frontend", 2.0)
    assert "attributes {ad.jvp_rule = @cube_f64_i64_rule_jvp}" in ir
    assert "func.func private @cube_f64_i64_rule_jvp(%0: f64, %1: i64, %2: f64) -> (f64, f64)" in ir
    assert zyg.gradient(cube, 2.0, 2) == (12.0, None)  # reverse mode differentiates the body
    assert zyg.jvp(cube, (2.0, 2), (1.0, None)) == (8.0, 24.0)  # the rule, at the top level
    assert zyg.jvp(through_a_helper, (1.0,), (1.0,)) == (9.0, 3 * 4.0 * 2.0 * 3 + 1.0)  # and through a call
    assert zyg.derivative(lambda x: cube(x, 2))(2.0) == 24.0


def test_stop_gradient():
    assert zyg.gradient(lambda x: x ** 2 + zyg.stop_gradient(x ** 3), 2.0) == (4.0,)
    (g,) = zyg.gradient(lambda x: np.sum(x * zyg.stop_gradient(x)), np.array([1.0, 2.0]))
    np.testing.assert_array_equal(g, [1.0, 2.0])

    def structured(d):
        s = zyg.stop_gradient(d)
        return d["a"] * s["a"] + s["b"][0] * d["b"][0]

    assert zyg.gradient(structured, {"a": 3.0, "b": (2.0, 1)}) == ({"a": 3.0, "b": (2.0, None)},)
    assert zyg.jit(lambda x: zyg.stop_gradient(x) * 2.0)(3.0) == 6.0
    value = {"a": np.ones(2)}
    assert zyg.stop_gradient(value) is value
    assert zyg.jvp(lambda x: x ** 2 + zyg.stop_gradient(x ** 3), (2.0,), (1.0,)) == (12.0, 4.0)  # forward mode
