"""Forward mode (`zyg.jvp`, `zyg.pushforward`, `zyg.derivative`, the `ad-jvp` pass) against central
finite differences.

Every case of the gradient suites runs again in forward mode along a random direction (`jvpcheck`):
control flow, loops with break and return, recursion, calls, closures, functions as values,
structures and arrays. Then forward over reverse: the jvp of a compiled gradient is a
Hessian-vector product, checked against finite differences of the gradient.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import pytest
import test_arrays
import test_closures
import test_functions_as_values
import test_gradients
import test_indexing
import test_linalg
import test_shapes
import test_structures
import zyg
from jvpcheck import check_jvp
from zyg.errors import NoDerivativeError, ZygTypeError


@pytest.fixture
def deep_python_recursion():
    """Plain Python needs more than the default 1000 frames for `deep_recursion(x, 1000)`."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    yield
    sys.setrecursionlimit(limit)


def _scalar_cases():
    cases = [test_gradients._param(case) for case in test_gradients.CASES]
    for module in (test_closures, test_functions_as_values):
        cases += [pytest.param(f, args, id=f"{module.__name__}-{f.__name__}") for f, args in module.CASES]
    return cases


def _made_cases():
    tables = [("arrays", test_arrays.CASES), ("indexing", test_indexing.CASES), ("shapes", test_shapes.CASES),
              ("linalg", test_linalg.CASES)]
    tables += [(f"structures-{name}", getattr(test_structures, name))
               for name in ("ARGUMENT_CASES", "INSIDE_CASES", "CONTROL_CASES", "UPDATE_CASES", "MORE_CASES")]
    return [pytest.param(f, make_args, id=f"{table}-{f.__name__}-{i}")
            for table, cases in tables for i, (f, make_args) in enumerate(cases)]


@pytest.mark.parametrize(("f", "args"), _scalar_cases())
def test_jvp_of_every_scalar_gradient_case(f, args, deep_python_recursion):
    check_jvp(f, args)


@pytest.mark.parametrize(("f", "make_args"), _made_cases())
def test_jvp_of_every_array_and_structure_case(f, make_args):
    args = make_args()
    f32 = any(isinstance(a, np.ndarray) and a.dtype == np.float32 for a in args)
    check_jvp(f, args, rtol=1e-3 if f32 else 1e-5, atol=1e-3 if f32 else 1e-6)


# ------------------------------------------------------------------------------------------------
# The API
# ------------------------------------------------------------------------------------------------

def _curve(t):
    return np.array([np.cos(t), np.sin(t), t * t])


def test_derivative_of_a_float_to_array_function_is_an_array():
    velocity = zyg.derivative(_curve)(0.5)
    np.testing.assert_allclose(velocity, [-np.sin(0.5), np.cos(0.5), 1.0])


def test_derivative_of_a_float_to_float_function_is_a_float():
    assert zyg.derivative(lambda x: x ** 3)(2) == 12.0


def _split(x, n):
    return {"scaled": x * n, "count": n, "pair": (np.sin(x), x)}


def test_jvp_output_tangent_has_the_output_structure_with_none_for_ints():
    value, tangent = zyg.jvp(_split, (0.3, 4), (1.0, None))
    assert value["count"] == 4 and tangent["count"] is None
    assert tangent["scaled"] == 4.0 and tangent["pair"] == (pytest.approx(np.cos(0.3)), 1.0)


def test_an_int_argument_takes_none_or_zero_as_its_tangent():
    assert zyg.jvp(_split, (0.3, 4), (2.0, 0))[1] == zyg.jvp(_split, (0.3, 4), (2.0, None))[1]


def test_pushforward_is_linear_in_the_tangents():
    push = zyg.pushforward(lambda w, x: np.tanh(w @ x), np.eye(2) * 0.5, np.array([1.0, -2.0]))
    dw, dx = np.ones((2, 2)), np.array([0.5, 0.25])
    np.testing.assert_allclose(push(dw, dx), push(dw, None) + push(None, dx))


def test_a_tangent_of_another_structure_names_the_argument_and_the_part():
    with pytest.raises(ZygTypeError, match=r"the tangent of argument 0\[1\] must be a float array of shape \(3,\)"):
        zyg.jvp(lambda p: p[0] * np.sum(p[1]), ((1.0, np.ones(3)),), ((1.0, np.ones(2)),))


def test_one_tangent_per_primal():
    with pytest.raises(ZygTypeError, match="2 primals but 1 tangents"):
        zyg.jvp(lambda x, y: x * y, (1.0, 2.0), (1.0,))


def test_jvp_is_a_compiled_request_of_its_own():
    from zyg.api import _jvp_function

    jvp = _jvp_function(lambda x: x * x)
    assert "ad.jvp @" in jvp.ir("frontend", 1.0) and "ad.jvp" not in jvp.ir("ad", 1.0)


def test_a_jvp_is_cached_on_disk_apart_from_the_gradient(tmp_path, monkeypatch):
    import zyg.build
    from zyg import compiler, disk_cache

    monkeypatch.setenv("ZYG_CACHE_DIR", str(tmp_path))
    builds = []
    build_request = zyg.build.build_request
    monkeypatch.setattr(zyg.build, "build_request", lambda *a, **k: builds.append(a[2]) or build_request(*a, **k))

    def cube(x):
        return x * x * x

    for _ in range(2):  # the second time as a new process would: only the disk holds the compiles
        compiler._CACHE.clear()
        zyg.api._grad_function.cache_clear()
        zyg.api._jvp_function.cache_clear()
        assert zyg.gradient(cube, 2.0) == (12.0,) and zyg.jvp(cube, (2.0,), (0.5,)) == (8.0, 6.0)
    disk_cache.wait()  # the store runs on a thread (a process waits for it at exit)
    assert builds == ["grad", "jvp"] and len(list(tmp_path.glob("*.zyg"))) == 2


def test_an_op_without_a_tangent_rule_is_a_compile_time_error_at_its_line():
    from xdsl.parser import Parser
    from zyg.passes.autodiff.forward import ADJvpPass
    from zyg.pipeline import make_context

    text = """
    func.func @f(%x: f64) -> f64 {
      %y = math.round %x : f64 loc("/user/model.py":7:3)
      func.return %y : f64
    }
    func.func @main(%x: f64, %dx: f64) -> f64 {
      %y, %dy = ad.jvp @f(%x) tangent(%dx) : (f64), (f64) -> (f64), f64
      func.return %dy : f64
    }
    """
    module = Parser(make_context(), text).parse_module()
    with pytest.raises(NoDerivativeError, match="no tangent rule for 'math.round'") as info:
        ADJvpPass().apply(make_context(), module)
    assert "/user/model.py:7" in str(info.value)


# ------------------------------------------------------------------------------------------------
# Forward over reverse: Hessian-vector products
# ------------------------------------------------------------------------------------------------

def _hvp_entry(f, args):
    """The compiled `(x, v) -> (grad f(x), H(x) v)` of `f`, for arguments like `args` (all floats
    or float arrays): the jvp request of a function that answers a gradient request."""
    from xdsl.dialects import func
    from xdsl.ir import Block, Region
    from zyg.api import _signature
    from zyg.backend.bridge import to_upstream
    from zyg.backend.engine import compile_module
    from zyg.backend.lower_llvm import lower_to_llvm
    from zyg.dialects import ad
    from zyg.entry import add_entry
    from zyg.entry_abi import ENTRY
    from zyg.frontend.dependencies import Dependencies
    from zyg.frontend.program import build_program
    from zyg.pipeline import AD_PASSES, LOWER_PASSES, run_passes

    module, info = build_program(f, list(_signature(f, args)[0]), Dependencies(f, ()), [], [])
    types = list(info.arg_types)
    block = Block(arg_types=types)
    grad = ad.GradOp(info.symbol, list(block.args))
    block.add_ops([grad, func.ReturnOp(*grad.results)])
    module.body.block.add_op(func.FuncOp("gradient", (types, types), Region(block), visibility="private"))
    gradient = SimpleNamespace(symbol="gradient", arg_types=types, result_types=types)
    abis = add_entry(module, gradient, "jvp")
    run_passes(module, AD_PASSES + LOWER_PASSES)
    upstream = to_upstream(module)
    lower_to_llvm(upstream, abis)
    natives, _ = compile_module(upstream, abis, [], None)
    return natives[ENTRY], module


def _loop_and_calls(x, y):
    s = 0.0
    for i in range(4):
        s = s + _helper(x * s + 0.3, y) * (i + 1)
        if s > 50.0:
            break
    k = 0
    while s < 100.0 and k < 3:
        s = s * 1.5 + y * y
        k += 1
    return s * np.sin(x)


def _helper(a, b):
    return np.exp(a) * b if a < 2.0 else a * b


def _recursive(x, n):
    return x if n == 0 else np.sin(_recursive(x, n - 1)) * x


def _recursive_two(x, y):
    return _recursive(x, 3) * y + _recursive(y, 2)


def _arrays(w, x):
    total = 0.0
    for i in range(x.shape[0]):
        total = total + np.tanh(w[i] * x[i]) ** 2
    return total + np.sum(np.exp(w) * x)


@pytest.mark.parametrize(("f", "args"), [
    (test_gradients.softplus_sigmoid, (-0.6, 0.9)),
    (_loop_and_calls, (0.2, 0.7)),
    (_recursive_two, (0.8, 0.5)),
    (_arrays, (np.array([0.3, -0.2, 0.5]), np.array([1.0, 2.0, -0.5]))),
])
def test_forward_over_reverse_gives_hessian_vector_products(f, args):
    hvp, _ = _hvp_entry(f, args)
    rng = np.random.default_rng(3)
    direction = [rng.uniform(-1.0, 1.0, size=np.shape(a)) if isinstance(a, np.ndarray) else float(rng.uniform(-1, 1))
                 for a in args]
    results = hvp(*args, *direction)
    gradients, products = results[: len(args)], results[len(args):]
    h = 1e-5

    def grad_at(step):
        moved = [a + step * d for a, d in zip(args, direction)]
        return zyg.gradient(f, *moved)

    expected = [(np.asarray(p) - np.asarray(m)) / (2 * h) for p, m in zip(grad_at(h), grad_at(-h))]
    for actual, wanted in zip(gradients, zyg.gradient(f, *args)):
        np.testing.assert_allclose(actual, wanted, rtol=1e-10, atol=1e-12)
    for actual, wanted in zip(products, expected):
        np.testing.assert_allclose(actual, wanted, rtol=1e-5, atol=1e-6)
