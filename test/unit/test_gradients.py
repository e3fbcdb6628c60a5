"""Gradients of the supported Python subset against central finite differences.

Every function below is plain Python; `check_grads` runs it natively, compiles it with `zyg.jit` and
`zyg.gradient`, and compares the primal value and each float argument's gradient with plain Python.
"""

import math
import sys

import pytest
import zyg
from gradcheck import check_grads, finite_difference

SCALE = 2.5  # module-level constants are read at each call
OFFSET = 3
LIMIT = 10.0


# ------------------------------------------------------------------------------------------------
# Operators
# ------------------------------------------------------------------------------------------------

def arith_ops(x, y):
    return (x + y) * (x - y) / (y + 3.0) - x / 4


def unary_minus(x, y):
    return -x * y + -(x * 3.0) - -y


def pow_float_exponent(x, y):
    return x ** y + 2.0 ** x


def pow_int_literal(x):
    return x ** 3 + x ** 2 - x ** -2


def pow_int_argument(x, n):
    return x ** n


def pow_int_base(x, n):
    return 2 ** n * x + n ** 2 * x


def floordiv_float(x, y):
    return x // y * x + (x // 2.5) * y


def mod_float(x, y):
    return x % y


def int_floordiv_mod(x, n):
    return (n // 3 + n % 4 - (-n) // 4) * x + (n % 3) * x * x


def compare_all(x, y):
    s = 0.0
    if x < y:
        s += x
    if x <= y:
        s += 2.0 * y
    if x > y:
        s += 3.0 * x
    if x >= y:
        s += x * y
    if x == y:
        s += 100.0
    if x != y:
        s += x * x
    return s


def chained_compare(x, y):
    if 0.0 < x < y:
        return x * y
    return x + y


def augmented_assign(x, y):
    s = x
    s += y
    s *= x
    s -= 2.0 * y
    s /= y
    s **= 2
    return s


def bool_argument(x, flag):
    return x * x if flag else -x


# ------------------------------------------------------------------------------------------------
# The math module and builtins
# ------------------------------------------------------------------------------------------------

def m_sin(x):
    return math.sin(x)


def m_cos(x):
    return math.cos(x)


def m_tan(x):
    return math.tan(x)


def m_asin(x):
    return math.asin(x)


def m_acos(x):
    return math.acos(x)


def m_atan(x):
    return math.atan(x)


def m_atan2(y, x):
    return math.atan2(y, x)


def m_sinh(x):
    return math.sinh(x)


def m_cosh(x):
    return math.cosh(x)


def m_tanh(x):
    return math.tanh(x)


def m_exp(x):
    return math.exp(x)


def m_expm1(x):
    return math.expm1(x)


def m_log(x):
    return math.log(x)


def m_log_base(x, b):
    return math.log(x, b)


def m_log1p(x):
    return math.log1p(x)


def m_log2(x):
    return math.log2(x)


def m_log10(x):
    return math.log10(x)


def m_sqrt(x):
    return math.sqrt(x)


def m_pow(x, y):
    return math.pow(x, y) + math.pow(y, 3)


def m_hypot(x, y):
    return math.hypot(x, y)


def m_fabs(x):
    return math.fabs(x) * x


def m_floor(x):
    return math.floor(x) * x


def m_ceil(x):
    return math.ceil(x) * x + math.ceil(x)


def m_trunc(x):
    return math.trunc(x) * x - math.trunc(x)


def builtin_abs(x, y):
    return abs(x) * y + abs(y - 4.0)


def builtin_min_max(x, y):
    return min(x, y) * max(x, y, 1.0) + max(x, 0.5) - min(y, 3.0, x * 2.0)


def builtin_float_int_round(x, n):
    return float(n) * x + int(x) * x + round(x) * x + round(x * 3.0, 2)


# ------------------------------------------------------------------------------------------------
# Conditionals
# ------------------------------------------------------------------------------------------------

def piecewise(x):
    if x < -1.0:
        y = -x * x
    elif x < 1.0:
        y = math.sin(x)
    else:
        y = x ** 3
    return y * 2.0


def conditional_expression(x, y):
    z = x * y if x > y else x + y
    return z * z if z > 1.0 else -z


def and_or_not(x, y):
    s = x
    if x > 0.0 and y > 0.0:
        s = s * y
    if x < -10.0 or not y < 2.0:
        s = s + y * y
    if not (x > 3.0 or y > 3.0) and x != 0.0:
        s = s - x * y
    return s


def truthiness(x, n):
    s = x
    if n:
        s = s * x
    if not x - 2.0:
        s = s + 100.0
    return s


def with_pass(x):
    if x > 0.0:
        pass
    else:
        x = -x
    for _ in range(3):
        pass
    return x * x


# ------------------------------------------------------------------------------------------------
# Loops
# ------------------------------------------------------------------------------------------------

def horner(x, n):
    s = 1.0
    for _ in range(n):
        s = s * x + 1.0
    return s


def range_start_stop_step(x, a, b, step):
    s = x
    for i in range(a, b, step):
        s = s * 0.5 + x * i
    return s


def nested_loops(x, n):
    s = 0.0
    for i in range(n):
        for j in range(i + 1):
            s += x ** j / (i + 1)
    return s


def loop_break(x, n):
    s = 1.0
    for i in range(n):
        s = s * x + i
        if s > LIMIT:
            break
    return s


def loop_continue(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 1:
            continue
        s += math.sin(x * i)
    return s


def return_in_loop(x):
    s = x
    for i in range(1, 1000):
        s = s * x
        if s > 50.0:
            return s / i
    return -s


def return_in_nested_loop(x, n):
    s = 0.0
    for i in range(n):
        for j in range(n):
            s += x * i - j * 0.5
            if s > 20.0:
                return s * x
    return s


def int_loop_variable(x, n):
    s = 0.0
    for i in range(n):
        s += x * i
    return s


def int_becomes_float(x, n):
    acc = 0
    for i in range(n):
        acc = acc + x * i + 1
    return acc * 1.0


def fibonacci_like(x, n):
    a, b = 1.0, x
    for _ in range(n):
        a, b = b, a + b
    return b


def swap_and_scale(x, y, n):
    for _ in range(n):
        x, y = y * 0.5, x + y
    return x * y


def while_newton_sqrt(a):
    y = a
    while abs(y * y - a) > 1e-12 * a:
        y = 0.5 * (y + a / y)
    return y


def while_halving(x):
    k = 0
    while x >= 1.0:
        x = x / 2.0
        k += 1
    return x * k


def while_break_continue(x):
    s = x
    i = 0
    while True:
        i += 1
        if i % 3 == 0:
            continue
        s = s * 1.5 + math.cos(s)
        if s > 100.0:
            break
    return s / i


# ------------------------------------------------------------------------------------------------
# Calls: helpers, recursion, closures, constants
# ------------------------------------------------------------------------------------------------

def _helper(a, b):
    return a * math.sin(b)


def _scaled(a, k=2.0):
    return a * k


def calls_helpers(x, y):
    return _helper(x, y) + _helper(y, x) + _scaled(x) + _scaled(y, k=x)


def power(x, n):
    return 1.0 if n == 0 else x * power(x, n - 1)


def deep_recursion(x, n):
    return x if n == 0 else deep_recursion(x, n - 1) * 1.0001 + 0.0


def even_f(x, y):
    return y if x < 0.5 else odd_f(x - 1.0, y * x)


def odd_f(x, y):
    return -y if x < 0.5 else even_f(x - 1.0, y + x)


def recursive_early_return(x, n):
    if n <= 0:
        return x
    if x > 5.0:
        return x * 0.5
    return recursive_early_return(x * 1.5, n - 1) + x


def make_closure(scale):
    def inner_helper(z):
        return z * z * scale

    def outer(x):
        return inner_helper(x) + math.sin(x)

    return outer


closure_fn = make_closure(3.0)


def uses_constants(x, n):
    return x * SCALE + OFFSET + n * math.pi * x - math.e


def softplus_sigmoid(x, y):
    sp = math.log1p(math.exp(-abs(x))) + max(x, 0.0)
    sig = 1.0 / (1.0 + math.exp(-y))
    return sp * sig


# ------------------------------------------------------------------------------------------------
# The table
# ------------------------------------------------------------------------------------------------

CASES = [
    (arith_ops, (1.5, 2.25)),
    (unary_minus, (1.5, -0.75)),
    (pow_float_exponent, (1.7, 2.3)),
    (pow_int_literal, (1.3,)),
    ("pow_int_literal-negative_base", pow_int_literal, (-1.3,)),
    (pow_int_argument, (1.2, 5)),
    ("pow_int_argument-negative_exponent", pow_int_argument, (1.2, -3)),
    ("pow_int_argument-negative_base", pow_int_argument, (-1.2, 3)),
    (pow_int_base, (1.5, 4)),
    (floordiv_float, (7.3, 2.1)),
    ("floordiv_float-negative", floordiv_float, (-7.3, 2.1)),
    pytest.param(mod_float, (7.3, 2.1), id="mod_float"),
    pytest.param(mod_float, (-7.3, 2.1), id="mod_float-negative_x"),
    pytest.param(mod_float, (7.3, -2.1), id="mod_float-negative_y"),
    (int_floordiv_mod, (1.5, 7)),
    ("int_floordiv_mod-negative", int_floordiv_mod, (1.5, -7)),
    ("compare_all-lt", compare_all, (1.0, 2.0)),
    ("compare_all-gt", compare_all, (3.0, 2.0)),
    ("chained_compare-inside", chained_compare, (1.0, 2.0)),
    ("chained_compare-outside", chained_compare, (3.0, 2.0)),
    (augmented_assign, (1.5, 0.8)),
    ("bool_argument-true", bool_argument, (1.5, True)),
    ("bool_argument-false", bool_argument, (1.5, False)),
    (m_sin, (0.7,)),
    (m_cos, (0.7,)),
    (m_tan, (0.7,)),
    (m_asin, (0.3,)),
    (m_acos, (-0.4,)),
    (m_atan, (1.7,)),
    (m_atan2, (0.6, -1.1)),
    (m_sinh, (0.8,)),
    (m_cosh, (-0.8,)),
    (m_tanh, (0.4,)),
    (m_exp, (1.3,)),
    (m_expm1, (1e-3,)),
    (m_log, (2.5,)),
    (m_log_base, (10.0, 3.0)),
    (m_log1p, (0.25,)),
    (m_log2, (5.0,)),
    (m_log10, (50.0,)),
    (m_sqrt, (2.0,)),
    (m_pow, (1.5, 2.5)),
    (m_hypot, (3.0, -4.0)),
    (m_fabs, (-1.5,)),
    (m_floor, (2.7,)),
    ("m_floor-negative", m_floor, (-2.7,)),
    (m_ceil, (2.3,)),
    (m_trunc, (-2.7,)),
    (builtin_abs, (-1.5, 2.0)),
    (builtin_min_max, (1.5, 2.5)),
    ("builtin_min_max-swapped", builtin_min_max, (2.5, 0.7)),
    (builtin_float_int_round, (2.3, 3)),
    ("piecewise-if", piecewise, (-2.0,)),
    ("piecewise-elif", piecewise, (0.3,)),
    ("piecewise-else", piecewise, (1.5,)),
    ("conditional_expression-true", conditional_expression, (2.0, 1.5)),
    ("conditional_expression-false", conditional_expression, (0.2, 0.3)),
    ("and_or_not-a", and_or_not, (1.5, 2.5)),
    ("and_or_not-b", and_or_not, (-1.5, 0.5)),
    ("and_or_not-c", and_or_not, (2.0, -1.0)),
    (truthiness, (1.5, 2)),
    ("truthiness-zero", truthiness, (1.5, 0)),
    ("with_pass-positive", with_pass, (1.5,)),
    ("with_pass-negative", with_pass, (-1.5,)),
    ("horner-n0", horner, (0.9, 0)),
    ("horner-n1", horner, (0.9, 1)),
    ("horner-n50", horner, (0.9, 50)),
    ("range-up", range_start_stop_step, (0.5, 2, 11, 3)),
    ("range-down", range_start_stop_step, (0.5, 10, -3, -4)),
    ("range-empty", range_start_stop_step, (0.5, 10, 3, 2)),
    ("nested_loops-n0", nested_loops, (1.1, 0)),
    ("nested_loops-n6", nested_loops, (1.1, 6)),
    ("loop_break-breaks", loop_break, (1.5, 100)),
    ("loop_break-never", loop_break, (0.5, 5)),
    ("loop_continue-n0", loop_continue, (0.3, 0)),
    ("loop_continue-n1", loop_continue, (0.3, 1)),
    ("loop_continue-n50", loop_continue, (0.3, 50)),
    ("return_in_loop-returns", return_in_loop, (1.3,)),
    ("return_in_loop-finishes", return_in_loop, (0.5,)),
    ("return_in_nested_loop-returns", return_in_nested_loop, (2.7, 6)),
    ("return_in_nested_loop-finishes", return_in_nested_loop, (0.1, 6)),
    ("int_loop_variable-n0", int_loop_variable, (1.5, 0)),
    ("int_loop_variable-n50", int_loop_variable, (1.5, 50)),
    ("int_becomes_float-n1", int_becomes_float, (1.5, 1)),
    ("int_becomes_float-n50", int_becomes_float, (1.5, 50)),
    ("fibonacci_like-n0", fibonacci_like, (0.7, 0)),
    ("fibonacci_like-n30", fibonacci_like, (0.7, 30)),
    (swap_and_scale, (0.3, 0.2, 7)),
    (while_newton_sqrt, (2.0,)),
    ("while_newton_sqrt-large", while_newton_sqrt, (1234.5,)),
    ("while_halving-0iter", while_halving, (0.7,)),
    ("while_halving-many", while_halving, (1000.3,)),
    (while_break_continue, (0.5,)),
    (calls_helpers, (0.7, 1.9)),
    ("power-n0", power, (1.3, 0)),
    ("power-n7", power, (1.3, 7)),
    ("deep_recursion-1000", deep_recursion, (1.5, 1000)),
    ("mutual_recursion-even", even_f, (4.2, 1.1)),
    ("mutual_recursion-odd", odd_f, (3.2, 1.1)),
    ("recursive_early_return-n", recursive_early_return, (1.1, 3)),
    ("recursive_early_return-big", recursive_early_return, (1.1, 20)),
    (closure_fn, (0.8,)),
    (uses_constants, (1.5, 2)),
    (softplus_sigmoid, (-0.6, 0.9)),
]


def _param(case):
    if isinstance(case, type(pytest.param())):
        return case
    if isinstance(case[0], str):
        case_id, f, args = case
    else:
        f, args = case
        case_id = f.__name__
    return pytest.param(f, args, id=case_id)


@pytest.fixture
def deep_python_recursion():
    """Plain Python needs more than the default 1000 frames to run `deep_recursion(x, 1000)`."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    yield
    sys.setrecursionlimit(limit)


@pytest.mark.parametrize(("f", "args"), [_param(case) for case in CASES])
def test_gradient_matches_finite_differences(f, args, deep_python_recursion):
    check_grads(f, args)


def test_table_covers_many_distinct_functions():
    functions = {(case.values[0] if hasattr(case, "values") else case[-2]) for case in CASES}
    assert len(functions) >= 45


# ------------------------------------------------------------------------------------------------
# Exact values where finite differences would hide a sign or a zero
# ------------------------------------------------------------------------------------------------

def test_zero_iteration_loop_gradient():
    # The loop never runs: s stays x (gradient 1) and t stays the constant 1.0 (gradient 0).
    assert zyg.gradient(horner, 0.9, 0) == (0.0, None)
    assert zyg.gradient(fibonacci_like, 0.7, 0) == (1.0, None)
    assert zyg.gradient(int_loop_variable, 1.5, 0) == (0.0, None)
    assert zyg.gradient(range_start_stop_step, 0.5, 10, 3, 2) == (1.0, None, None, None)


def test_equal_operands_take_the_equality_branches():
    assert zyg.jit(compare_all)(2.0, 2.0) == compare_all(2.0, 2.0) == 2.0 * 2.0 + 2.0 * 2.0 + 100.0
    assert zyg.gradient(compare_all, 2.0, 2.0) == (2.0, 2.0 + 2.0)


def test_rounding_functions_have_zero_gradient():
    assert zyg.gradient(m_floor, 2.7) == (2.0,)
    assert zyg.gradient(m_ceil, 2.3) == (3.0,)
    assert zyg.gradient(m_trunc, -2.7) == (-2.0,)


def test_mod_gradient_wrt_divisor_is_minus_floor():
    x, y = 7.3, 2.1
    assert zyg.gradient(mod_float, x, y) == (1.0, -math.floor(x / y))
    assert zyg.gradient(mod_float, -x, y) == (1.0, -math.floor(-x / y))


def test_finite_difference_helper():
    assert finite_difference(m_sin, (0.7,), 0) == pytest.approx(math.cos(0.7), rel=1e-8)


def test_float_floor_division_matches_cpython():
    j = zyg.jit(floordiv_pair)
    for a, b in [(1.0, 0.1), (7.3, 2.1), (-7.3, 2.1), (7.3, -2.1), (-1.0, 3.0)]:
        assert j(a, b) == a // b


def floordiv_pair(a, b):
    return a // b
