"""Structured values: tuples, lists, dicts, dataclasses and NamedTuples as arguments, locals, loop
carries and results, with gradients of the arguments' own structure, each checked against central
finite differences (see `treecheck`)."""

from __future__ import annotations

import dataclasses
import typing

import numpy as np
import pytest
import zyg
from treecheck import assert_same_tree, check_tree_grads

RNG = np.random.default_rng(11)


def rand(*shape):
    return RNG.uniform(0.5, 1.5, shape)


@dataclasses.dataclass
class Dense:
    kernel: np.ndarray
    bias: np.ndarray
    label: str = "dense"


@dataclasses.dataclass(frozen=True)
class Point:
    x: float
    y: float


class Moments(typing.NamedTuple):
    first: float
    second: float


class Pair(typing.NamedTuple):
    left: np.ndarray
    right: np.ndarray
    weight: float = 1.0


# ------------------------------------------------------------------------------------------------
# Containers as arguments
# ------------------------------------------------------------------------------------------------

def tuple_argument(t):
    a, b = t
    return a * b + np.sin(a)


def list_argument(xs):
    return xs[0] * xs[1] - xs[2] ** 2


def dict_argument(m):
    return np.sum(m["W"] @ np.array([1.0, 2.0, 3.0]) + m["b"])


def dict_with_int_keys(d):
    return d[0] * d[1] + d[0]


def dataclass_argument(layer, x):
    return np.sum(np.tanh(layer.kernel @ x + layer.bias))


def frozen_dataclass_argument(p):
    return np.hypot(p.x, p.y)


def namedtuple_argument(m):
    return m.first * m.second + m[0]


def namedtuple_of_arrays(p):
    return np.sum(p.left * p.right) * p.weight


def nested_three_deep(model, x):
    h = x
    for layer in model["layers"]:
        h = np.tanh(layer.kernel @ h + layer.bias)
    return np.sum(h * model["scale"][0])


def mixed_leaves(cfg, x):
    # int, bool, str and None leaves carry no gradient and specialise the compile where they must
    y = x * cfg["gain"]
    if cfg["clip"]:
        y = np.minimum(y, 2.0)
    for _ in range(cfg["repeat"]):
        y = y * 0.9
    if cfg["name"] == "double":
        y = 2.0 * y
    if cfg["extra"] is None:
        y = y + 1.0
    return np.sum(y)


def empty_containers(a, empty_tuple, empty_dict, x):
    return x * len(empty_tuple) + x * len(empty_dict) + x * x + len(a)


ARGUMENT_CASES = [
    (tuple_argument, lambda: ((1.3, 0.7),)),
    (list_argument, lambda: ([1.2, 0.5, 0.9],)),
    (dict_argument, lambda: ({"W": rand(2, 3), "b": rand(2)},)),
    (dict_with_int_keys, lambda: ({0: 1.5, 1: 0.25},)),
    (dataclass_argument, lambda: (Dense(rand(2, 3), rand(2)), rand(3))),
    (frozen_dataclass_argument, lambda: (Point(0.3, 0.4),)),
    (namedtuple_argument, lambda: (Moments(1.5, 2.5),)),
    (namedtuple_of_arrays, lambda: (Pair(rand(3), rand(3), 0.5),)),
    (nested_three_deep, lambda: ({"layers": [Dense(rand(3, 3), rand(3)), Dense(rand(2, 3), rand(2))],
                                  "scale": (0.5,)}, rand(3))),
    (mixed_leaves, lambda: ({"gain": 1.5, "clip": True, "repeat": 2, "name": "double", "extra": None}, rand(3))),
    (empty_containers, lambda: ([1, 2], (), {}, 1.5)),
]


@pytest.mark.parametrize("f, make_args", ARGUMENT_CASES, ids=[f.__name__ for f, _ in ARGUMENT_CASES])
def test_containers_as_arguments(f, make_args):
    check_tree_grads(f, make_args())


def test_dataclass_gradient_is_an_instance_with_none_for_its_str_field():
    layers = [Dense(np.ones((3, 3)), np.zeros(3)), Dense(np.ones((2, 3)), np.zeros(2))]

    def net(layers, x):
        for layer in layers:
            x = np.maximum(layer.kernel @ x + layer.bias, 0.1 * x[: layer.bias.shape[0]])
        return np.sum(x)

    grads = zyg.gradient(net, layers, np.ones(3))
    assert isinstance(grads[0], list) and all(isinstance(g, Dense) for g in grads[0])
    np.testing.assert_array_equal(grads[0][1].kernel, np.full((2, 3), 3.0))
    assert grads[0][1].label is None and grads[0][0].label is None
    np.testing.assert_array_equal(grads[1], [6.0, 6.0, 6.0])


def test_one_compile_serves_every_call_of_one_structure():
    g = zyg.compile_grad(dict_argument)
    g({"W": rand(2, 3), "b": rand(2)})
    before = zyg.compiler.cache_size()
    for _ in range(3):
        g({"W": rand(2, 3), "b": rand(2)})
    assert zyg.compiler.cache_size() == before
    g({"b": rand(2), "W": rand(2, 3)})  # other key order: another structure (dicts keep their order)
    assert zyg.compiler.cache_size() == before + 1


def test_a_str_leaf_specialises_on_its_value():
    def scaled(cfg, x):
        return x * 2.0 if cfg["mode"] == "double" else x

    f = zyg.jit(scaled)
    assert f({"mode": "double"}, 1.5) == 3.0
    assert f({"mode": "same"}, 1.5) == 1.5


# ------------------------------------------------------------------------------------------------
# Containers built and used inside
# ------------------------------------------------------------------------------------------------

def literals_and_indexing(x, y):
    t = (x, y, x * y)
    xs = [t[0], t[-1]]
    d = {"a": xs[1], "b": t[1:]}
    return d["a"] + d["b"][0] * d["b"][1]


def constructors(x, y):
    p = Point(x, y=y)
    m = Moments(second=y, first=x)
    d = dict(a=x, b=y)
    xs = list((x, y))
    t = tuple(xs)
    return p.x * m.second + d["b"] * t[0] + xs[1]


def builtins_over_containers(x, y, z):
    xs = [x, y, z]
    return sum(xs) + max(xs) * min(x, y) + len(xs) * sum(v * v for v in xs)


def comprehensions(x, y):
    xs = [x, y, x + y]
    squares = [v * v for i, v in enumerate(xs) if i != 1]
    table = {k: v for k, v in zip(("a", "b", "c"), xs)}
    return sum(squares) + table["c"] * sum(v for v in table.values())


def unpacking(x, y, z):
    (a, b), *rest = (x, y), z, x * z
    first, *middle, last = [x, y, z, x]
    return a * b + rest[0] * rest[1] + first * last + sum(middle)


def dict_methods(x, y):
    d = {"x": x, "y": y}
    total = 0.0
    for k, v in d.items():
        total = total + v * len(k)
    for k in d.keys():
        total = total + d[k]
    return total + d.get("z", 2.0) * d.get("x", 0.0) + ("x" in d) * y


def enumerate_zip_reversed(x, y):
    xs = [x, y, x * y]
    ws = (1.0, 2.0, 3.0)
    s = 0.0
    for i, (v, w) in enumerate(zip(xs, ws)):
        s = s + i * v * w
    for v in reversed(xs):
        s = s * 0.5 + v
    return s


def replace_fields(x, y):
    p = Point(x, y)
    q = dataclasses.replace(p, y=p.y * 3.0)
    m = Moments(x, y)._replace(first=x * x)
    return q.x * q.y + m.first + m.second


def loop_index_into_container(xs, w):
    s = 0.0
    for i in range(len(xs)):
        s = s + xs[i] * w[i]
    return s


def isinstance_and_none(x, y):
    t = (x, None)
    scale = 2.0 if t[1] is None else 1.0
    u = y if isinstance(t, tuple) else x
    return scale * t[0] * u


INSIDE_CASES = [
    (literals_and_indexing, lambda: (1.3, 0.7)),
    (constructors, lambda: (1.3, 0.7)),
    (builtins_over_containers, lambda: (1.3, 0.7, 0.9)),
    (comprehensions, lambda: (1.3, 0.7)),
    (unpacking, lambda: (1.3, 0.7, 0.9)),
    (dict_methods, lambda: (1.3, 0.7)),
    (enumerate_zip_reversed, lambda: (1.3, 0.7)),
    (replace_fields, lambda: (1.3, 0.7)),
    (loop_index_into_container, lambda: ([1.0, 2.0, 0.5], rand(3))),
    (isinstance_and_none, lambda: (1.3, 0.7)),
]


@pytest.mark.parametrize("f, make_args", INSIDE_CASES, ids=[f.__name__ for f, _ in INSIDE_CASES])
def test_containers_inside(f, make_args):
    check_tree_grads(f, make_args())


# ------------------------------------------------------------------------------------------------
# Through control flow and calls
# ------------------------------------------------------------------------------------------------

def through_if(x, flag):
    state = {"v": x, "w": (x, 1.0)}
    if flag > 0:
        state = {"v": x * x, "w": (2.0 * x, x)}
    return state["v"] + state["w"][0] * state["w"][1]


def through_for(params, x, n):
    state = (x, 0.0)
    for _ in range(n):
        h, acc = state
        h = np.tanh(params["a"] * h + params["b"])
        state = (h, acc + h)
    return state[1]


def through_while(p, n):
    m = Moments(p.x, p.y)
    i = 0
    while i < n:
        m = Moments(m.first * 0.5 + m.second, m.second * 0.9)
        i += 1
    return m.first


def _norm2(t):
    return t[0] * t[0] + t[1] * t[1]


def _affine(layer, x, *, scale=1.0):
    return scale * (layer.kernel @ x + layer.bias)


def through_calls(layer, x):
    h = _affine(layer, x, scale=0.5)
    return np.sum(h * h) + _norm2((h[0], h[1]))


def _tree_sum(t, depth):
    if depth == 0:
        return t[0] * t[1]
    return _tree_sum((t[1], t[0] + t[1]), depth - 1) + t[0]


def through_recursion(x, y):
    return _tree_sum((x, y), 3)


def _stats(x):
    if np.sum(x) > 0:
        return Moments(np.mean(x), np.mean(x * x))
    return Moments(-np.mean(x), np.mean(x * x))


def returns_from_several_places(x):
    m = _stats(x)
    return m.first * m.second


def _variadic(*xs, **named):
    total = 0.0
    for v in xs:
        total = total + v
    for _key, v in named.items():
        total = total * v
    return total


def star_args_and_kwargs(x, y):
    args = (x, y)
    kw = {"scale": 2.0, "power": y}
    return _variadic(*args, x * y) + _variadic(x, **kw)


def _defaults(x, cfg=(1.0, 2.0), label="a"):
    return x * cfg[1] if label == "a" else x


def default_arguments(x):
    return _defaults(x) + _defaults(x, label="b") + _defaults(x, cfg=(x, x))


CONTROL_CASES = [
    (through_if, lambda: (1.3, 1.0)),
    (through_if, lambda: (1.3, -1.0)),
    (through_for, lambda: ({"a": 0.7, "b": 0.1}, 0.5, 4)),
    (through_while, lambda: (Point(0.6, 0.8), 3)),
    (through_calls, lambda: (Dense(rand(2, 3), rand(2)), rand(3))),
    (through_recursion, lambda: (1.3, 0.7)),
    (returns_from_several_places, lambda: (rand(3),)),
    (returns_from_several_places, lambda: (-rand(3),)),
    (star_args_and_kwargs, lambda: (1.3, 0.7)),
    (default_arguments, lambda: (1.3,)),
]


@pytest.mark.parametrize("f, make_args", CONTROL_CASES, ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(CONTROL_CASES)])
def test_containers_through_control_flow_and_calls(f, make_args):
    check_tree_grads(f, make_args())


# ------------------------------------------------------------------------------------------------
# Updates of containers the function created
# ------------------------------------------------------------------------------------------------

def item_updates(x, y):
    xs = [x, y, 0.0]
    xs[2] = xs[0] * xs[1]
    xs[0] += y
    d = {"a": x}
    d["b"] = d["a"] * y
    d["a"] *= 3.0
    return xs[0] + xs[2] + d["a"] + d["b"]


def method_updates(x, y):
    xs = []
    xs.append(x)
    xs.extend([y, x * y])
    xs.insert(0, y * y)
    d = {"a": x}
    d.update({"b": y}, c=x + y)
    d.setdefault("a", 100.0)
    d.setdefault("e", 0.5)
    return sum(xs) + d["a"] * d["b"] + d["c"] * d["e"]


def attribute_updates(x, y):
    layer = Dense(np.array([x, y]), np.zeros(2))
    layer.bias = layer.kernel * 2.0
    layer.kernel += y
    layer.bias[0] = x * x
    return np.sum(layer.kernel * layer.bias)


def nested_updates(x, y):
    model = {"layers": [{"w": np.array([x, y])}, {"w": np.array([y, x])}]}
    model["layers"][1]["w"] = model["layers"][0]["w"] * x
    model["layers"][0]["w"][1] = y * y
    return np.sum(model["layers"][0]["w"] * model["layers"][1]["w"])


def list_grown_in_a_fixed_loop(x):
    hs = []
    h = x
    for _ in range(4):
        h = np.sin(h) + 0.5
        hs.append(h)
    return sum(hs) * hs[-1]


def carried_dict_updated_in_a_loop(x, n):
    acc = {"s": 0.0, "p": 1.0}
    for i in range(n):
        acc["s"] = acc["s"] + x * i
        acc["p"] = acc["p"] * x
    return acc["s"] + acc["p"]


UPDATE_CASES = [
    (item_updates, lambda: (1.3, 0.7)),
    (method_updates, lambda: (1.3, 0.7)),
    (attribute_updates, lambda: (1.3, 0.7)),
    (nested_updates, lambda: (1.3, 0.7)),
    (list_grown_in_a_fixed_loop, lambda: (0.4,)),
    (carried_dict_updated_in_a_loop, lambda: (1.1, 4)),
]


@pytest.mark.parametrize("f, make_args", UPDATE_CASES, ids=[f.__name__ for f, _ in UPDATE_CASES])
def test_updates_of_local_containers(f, make_args):
    check_tree_grads(f, make_args())


# ------------------------------------------------------------------------------------------------
# Results of any structure
# ------------------------------------------------------------------------------------------------

def returns_dict(x, y):
    return {"sum": x + y, "parts": (x, [y, x * y]), "name": "pair", "nothing": None}


def returns_dataclass(x):
    return Dense(x * 2.0, x[:1], "out")


def returns_namedtuple(x):
    return Moments(np.mean(x), np.mean(x * x))


def returns_ints_and_bools(x, n):
    return n + 1, x > 0, [n * 2, True]


@pytest.mark.parametrize("f, args", [
    (returns_dict, (1.5, 0.5)),
    (returns_dataclass, (rand(3),)),
    (returns_namedtuple, (np.arange(4.0),)),
    (returns_ints_and_bools, (1.5, 3)),
], ids=lambda v: v.__name__ if callable(v) else "")
def test_jit_returns_the_structure_as_python_objects(f, args):
    assert_same_tree(zyg.jit(f)(*args), f(*args))


def test_gradient_of_a_structured_result_is_rejected_before_compiling():
    with pytest.raises(zyg.ZygTypeError, match=r"'returns_dict' returns a dict with keys \['sum', 'parts', 'name', 'nothing'\]; differentiate a function that returns a float"):
        zyg.gradient(returns_dict, 1.5, 0.5)


# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------

def structure_differs_in_branches(x, flag):
    d = {"a": x}
    if flag > 0:
        d = {"a": x, "b": x}
    return d["a"]


def structure_changes_in_loop(x, n):
    xs = (x,)
    for _ in range(n):
        xs = xs + (x,)  # a tuple cannot grow at run time (a list can)
    return xs[0]


def missing_key(x):
    d = {"a": x}
    return d["b"]


def missing_field(x):
    p = Point(x, x)
    return p.z


def updates_argument_container(d):
    d["a"] = 2.0
    return d["a"]


def updates_shared_container(x):
    xs = [x]
    ys = xs
    xs.append(x)
    return ys[0]


def test_structure_that_differs_between_branches_names_the_variable_and_both_lines():
    with pytest.raises(zyg.ZygTypeError, match=r"variable 'd' has a different structure on two paths \(lines \d+ and \d+\)"):
        zyg.jit(structure_differs_in_branches)(1.0, 1.0)


def test_structure_that_changes_in_a_loop_is_rejected():
    with pytest.raises(zyg.ZygTypeError, match="variable 'xs' changes structure inside the loop"):
        zyg.jit(structure_changes_in_loop)(1.0, 2)


def test_missing_key_and_field_raise_at_their_line():
    with pytest.raises(KeyError, match=r"test_structures.py:\d+.*'b'"):
        zyg.jit(missing_key)(1.0)
    with pytest.raises(AttributeError, match=r"test_structures.py:\d+.*'z'"):
        zyg.jit(missing_field)(1.0)


def test_updating_an_argument_container_or_a_shared_one_is_rejected():
    with pytest.raises(zyg.UnsupportedSyntaxError, match="argument"):
        zyg.jit(updates_argument_container)({"a": 1.0})
    with pytest.raises(zyg.UnsupportedSyntaxError, match="'ys'"):
        zyg.jit(updates_shared_container)(1.0)


def test_an_unsupported_leaf_is_named_by_its_path():
    with pytest.raises(zyg.ZygTypeError, match=r"argument 0\['layers'\]\[1\]\.bias of 'nested_three_deep' is a set"):
        zyg.jit(nested_three_deep)({"layers": [Dense(rand(3, 3), rand(3)), Dense(rand(2, 3), {1.0})],
                                    "scale": (0.5,)}, rand(3))


# ------------------------------------------------------------------------------------------------
# Pullbacks of outputs of any structure
# ------------------------------------------------------------------------------------------------

def _stats_of(x):
    return Moments(np.mean(x), np.mean(x * x))


def _mixed_output(x, n):
    return {"y": x * 2.0, "n": n, "s": np.sum(x * x), "t": (x[0], "label")}


def test_pullback_of_a_namedtuple_output_takes_a_namedtuple_cotangent():
    x = np.arange(4.0)
    y, back = zyg.pullback(_stats_of, x)
    assert y == Moments(1.5, 3.5)
    np.testing.assert_allclose(back(Moments(0.0, 1.0))[0], 2.0 * x / 4)
    np.testing.assert_allclose(back(Moments(1.0, None))[0], np.full(4, 0.25))  # None: no cotangent
    np.testing.assert_allclose(back(Moments(2.0, 3.0))[0], 2.0 / 4 + 3.0 * 2.0 * x / 4)  # again


def test_pullback_of_a_dict_output_matches_finite_differences():
    x = rand(3)
    y, back = zyg.pullback(_mixed_output, x, 2)
    assert_same_tree(y, _mixed_output(x, 2))
    ct = {"y": np.array([1.0, -1.0, 0.5]), "n": None, "s": 2.0, "t": (3.0, None)}
    (gx, gn) = back(ct)
    assert gn is None

    def weighted(v):
        out = _mixed_output(v, 2)
        return np.sum(out["y"] * ct["y"]) + out["s"] * ct["s"] + out["t"][0] * ct["t"][0]

    check_tree_grads(weighted, (x,), jit=False)
    np.testing.assert_allclose(gx, zyg.gradient(weighted, x)[0], rtol=1e-12)


def test_a_cotangent_of_another_structure_names_the_part():
    _, back = zyg.pullback(_mixed_output, rand(3), 2)
    with pytest.raises(zyg.ZygTypeError, match=r"the cotangent\['y'\] must be a float array of shape \(3,\)"):
        back({"y": np.ones(2), "n": None, "s": 1.0, "t": (0.0, None)})
    with pytest.raises(zyg.ZygTypeError, match="must have the output's structure, a dict with keys"):
        back({"y": np.ones(3)})


def test_pullback_of_a_value_returned_twice_adds_the_cotangents():
    def twice(x):
        return x, x * 1.0, x

    y, back = zyg.pullback(twice, 2.0)
    assert y == (2.0, 2.0, 2.0) and back((1.0, 2.0, 4.0)) == (7.0,)


def _returns_one_value_twice(x):
    return x, x * 2.0, x


def test_a_helper_returning_one_value_twice_adds_the_cotangents():
    def f(x):
        a, b, c = _returns_one_value_twice(x * 3.0)
        return a + b * c

    assert zyg.gradient(f, 2.0) == (75.0,)  # 3 + 3 * (4 * 3x): the helper's pullback adds both uses


# ------------------------------------------------------------------------------------------------
# More shapes of the same mechanism: every container kind through every kind of control flow
# ------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Cell:
    w: np.ndarray
    u: np.ndarray
    b: np.ndarray
    scale: float = 1.0


class State(typing.NamedTuple):
    h: np.ndarray
    c: np.ndarray


def rnn_over_a_tuple_of_steps(cell, xs):
    h = np.zeros(2)
    for x in xs:
        h = np.tanh(cell.w @ x + cell.u @ h + cell.b) * cell.scale
    return np.sum(h * h)


def namedtuple_state_through_a_loop(cell, x, n):
    s = State(np.zeros(2), np.ones(2))
    for _ in range(n):
        c = s.c * 0.5 + np.tanh(cell.w @ x + cell.b)
        s = State(np.tanh(c), c)
    return np.sum(s.h) + np.sum(s.c * s.c)


def dict_carried_through_a_while(params, x):
    acc = {"sum": 0.0, "prod": 1.0}
    i = 0
    while i < 3 and acc["sum"] < 10.0:
        acc = {"sum": acc["sum"] + params["a"] * x, "prod": acc["prod"] * params["b"]}
        i += 1
    return acc["sum"] + acc["prod"]


def _sum_nested(t, depth):
    if depth == 0:
        return np.sum(t["leaf"][0] * t["leaf"][1])
    return _sum_nested({"leaf": (t["leaf"][1], t["leaf"][0] * 0.5)}, depth - 1) + np.sum(t["leaf"][0])


def nested_dict_through_recursion(a, b):
    return _sum_nested({"leaf": (a, b)}, 3)


def _split(x):
    return x[:2], x[2:]


def tuple_results_of_helpers(x):
    left, right = _split(x)
    (a, b), c = _split(x * 2.0), np.sum(right)
    return np.sum(left * a) + c * np.sum(b)


def _layer(params, x, activation="tanh"):
    z = params["w"] @ x + params["b"]
    return np.tanh(z) if activation == "tanh" else z


def keyword_and_default_arguments(model, x):
    h = _layer(model[0], x)
    return np.sum(_layer(model[1], h, activation="linear") ** 2)


def float32_arrays_in_a_dataclass(layer, x):
    return float(np.sum(np.tanh(layer.kernel @ x + layer.bias)))


def ints_and_floats_in_one_tuple(t, x):
    scale, power, flag = t
    y = x * scale
    for _ in range(power):
        y = y * x
    return y + (1.0 if flag else 0.0) * x


def branch_on_a_static_str(cfg, x):
    if cfg["op"] == "sin":
        return np.sum(np.sin(x)) * cfg["gain"]
    if cfg["op"] == "cos":
        return np.sum(np.cos(x)) * cfg["gain"]
    return np.sum(x) * cfg["gain"]


def list_of_arrays_summed_and_maxed(xs):
    total = sum(np.sum(v * v) for v in xs)
    return total + max(np.sum(v) for v in xs) + np.sum(np.stack(xs) ** 3)


def dataclass_replace_in_a_loop(cell, n):
    for _ in range(n):
        cell = dataclasses.replace(cell, b=cell.b * 0.5 + np.tanh(cell.w @ cell.b))
    return np.sum(cell.b)


def enumerate_over_a_dict_of_arrays(params, x):
    s = 0.0
    for i, (name, value) in enumerate(params.items()):
        s = s + (i + 1) * np.sum(value * x) + len(name)
    return s


def deep_update_then_read(x):
    tree = {"a": [{"v": x}, {"v": x * 2.0}], "b": (x, [x * x])}
    tree["a"][1]["v"] = tree["a"][0]["v"] * tree["b"][1][0]
    tree["a"].append({"v": tree["a"][1]["v"] + 1.0})
    return sum(item["v"] for item in tree["a"]) + tree["b"][0]


def conditional_expression_of_containers(x, flag):
    pair = (x, x * x) if flag > 0 else (x * 2.0, x)
    m = Moments(x, 1.0) if flag > 0 else Moments(1.0, x)
    return pair[0] * pair[1] + m.first * m.second


MORE_CASES = [
    (rnn_over_a_tuple_of_steps, lambda: (Cell(rand(2, 3), rand(2, 2) * 0.5, rand(2), 0.9), (rand(3), rand(3), rand(3)))),
    (namedtuple_state_through_a_loop, lambda: (Cell(rand(2, 3), rand(2, 2), rand(2)), rand(3), 3)),
    (dict_carried_through_a_while, lambda: ({"a": 1.2, "b": 0.9}, 0.7)),
    (nested_dict_through_recursion, lambda: (rand(3), rand(3))),
    (tuple_results_of_helpers, lambda: (rand(5),)),
    (keyword_and_default_arguments, lambda: ([{"w": rand(3, 2), "b": rand(3)}, {"w": rand(1, 3), "b": rand(1)}], rand(2))),
    (ints_and_floats_in_one_tuple, lambda: ((1.5, 3, True), 0.8)),
    (branch_on_a_static_str, lambda: ({"op": "sin", "gain": 2.0}, rand(3))),
    (branch_on_a_static_str, lambda: ({"op": "cos", "gain": 0.5}, rand(3))),
    (branch_on_a_static_str, lambda: ({"op": "id", "gain": 1.5}, rand(3))),
    (list_of_arrays_summed_and_maxed, lambda: ([rand(3), rand(3) * 2.0, rand(3) * 0.5],)),
    (dataclass_replace_in_a_loop, lambda: (Cell(rand(2, 2) * 0.5, rand(2, 2), rand(2)), 3)),
    (enumerate_over_a_dict_of_arrays, lambda: ({"first": rand(3), "second": rand(3)}, rand(3))),
    (deep_update_then_read, lambda: (1.3,)),
    (conditional_expression_of_containers, lambda: (1.3, 1.0)),
    (conditional_expression_of_containers, lambda: (1.3, -1.0)),
]


@pytest.mark.parametrize("f, make_args", MORE_CASES, ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(MORE_CASES)])
def test_more_structured_programs(f, make_args):
    check_tree_grads(f, make_args())


def test_float32_leaves_keep_their_type_and_differentiate():
    layer = Dense(rand(2, 3).astype(np.float32), rand(2).astype(np.float32))
    x = rand(3).astype(np.float32)
    grads = zyg.gradient(float32_arrays_in_a_dataclass, layer, x)
    assert grads[0].kernel.dtype == np.float32 and grads[0].label is None
    t = 1.0 - np.tanh(layer.kernel.astype(float) @ x + layer.bias) ** 2
    np.testing.assert_allclose(grads[0].kernel, np.outer(t, x), rtol=1e-3, atol=1e-6)  # float32 sums


def _pick(xs, k):
    return xs[k] * xs[-1]


def _pick_array(layers, k):
    return np.sum(layers[k].kernel @ np.ones(2) + layers[k].bias)


@pytest.mark.parametrize("k", [0, 2, -1, -3])
def test_a_run_time_index_into_a_list_picks_its_item(k):
    check_tree_grads(_pick, ([1.5, 0.5, 2.5], k))
    layers = [Dense(rand(2, 2), rand(2)) for _ in range(3)]
    check_tree_grads(_pick_array, (layers, k))


def test_a_run_time_index_out_of_range_raises_index_error():
    with pytest.raises(IndexError, match="list index out of range"):
        zyg.jit(_pick)([1.5, 0.5, 2.5], 3)
    with pytest.raises(IndexError, match="list index out of range"):
        zyg.jit(_pick)([1.5, 0.5, 2.5], -4)
    with pytest.raises(zyg.ZygTypeError, match="items of one structure and type"):
        zyg.jit(_pick)([1.5, 2, 2.5], 1)


def _loss_with_options(w, x, reg=0.1, *, power=2):
    return np.sum((w * x) ** power) + reg * np.sum(w * w)


def _total(*xs):
    return sum(v * v for v in xs)


def test_entry_functions_with_defaults_keyword_only_parameters_and_star_args():
    w, x = rand(2), rand(2)
    gw, gx = zyg.gradient(_loss_with_options, w, x)  # one gradient per argument passed
    np.testing.assert_allclose(gw, 2 * w * x * x + 0.2 * w, rtol=1e-12)
    np.testing.assert_allclose(gx, 2 * x * w * w, rtol=1e-12)
    assert zyg.jit(_loss_with_options)(w, x, 0.5) == pytest.approx(_loss_with_options(w, x, 0.5))
    assert zyg.gradient(_total, 1.0, 2.0, 3.0) == (2.0, 4.0, 6.0)
    assert zyg.withgradient(_total, 1.5).grad == (3.0,)
    with pytest.raises(zyg.ZygTypeError, match=r"takes 3 arguments \(2 without a default\), got 1"):
        zyg.jit(_loss_with_options)(w)


def _repeat_map(x, n):
    if n == 0:
        return np.tanh(x)
    return _repeat_map(x * 0.5 + 0.1, n - 1)


def _recursive_array_result(x, n):
    return np.sum(_repeat_map(x, n) ** 2)


def _recursive_pair(x, n):
    if n == 0:
        return (x, np.sum(x))
    inner = _recursive_pair(x * 0.9, n - 1)
    return (inner[0] + x, inner[1] * 0.5)


def _uses_recursive_pair(x, n):
    a, b = _recursive_pair(x, n)
    return np.sum(a * a) + b


@pytest.mark.parametrize("f", [_recursive_array_result, _uses_recursive_pair])
def test_recursion_returning_arrays_and_structures(f):
    """The recursive call's result is guessed before the base case is compiled; a wrong guess (an int
    for an array) is corrected by guessing again from the other returns."""
    check_tree_grads(f, (rand(3), 3))


# ------------------------------------------------------------------------------------------------
# Lists grown in a loop of a run-time trip count
# ------------------------------------------------------------------------------------------------

def rnn_keeping_states_in_a_list(w, x, n):
    h = x
    hs = []
    for _ in range(n):
        h = np.tanh(w @ h + 0.1)
        hs.append(h)
    states = np.stack(hs)
    return np.sum(states * states) + np.sum(hs[-1]) + np.sum(sum(hs)) * 0.5


def numbers_grown_then_looped_over(x, n):
    xs = [x]
    i = 0
    while i < n:
        xs.append(xs[-1] * 0.9 + x * i)
        i += 1
    total = 0.0
    for v in xs:
        total = total + v * v
    return total + sum(xs) + xs[-1] * len(xs)


def _grow(h, n):
    hs = []
    for _ in range(n):
        h = np.sin(h)
        hs.append(h)
    return hs


def _grow_numbers(x, n):
    xs = []
    for i in range(n):
        xs.append(x * i)
    return xs


def grown_list_through_a_call_and_a_branch(x, n, flag):
    hs = _grow(x, n)
    if flag > 0:
        hs.append(x * 2.0)
    return np.sum(np.array(hs) ** 2)


def appends_in_branches_of_a_for(x, n):
    h = x
    hs = []
    for i in range(n):
        h = np.sin(h) + 0.5
        if i % 3 == 0:
            hs.append(h * 2.0)
        elif i % 3 == 1:
            hs.append(h)
            hs.append(h * h)
    return np.sum(np.stack(hs) ** 2) + np.sum(hs[0] * hs[-1])


def arrays_appended_in_a_while(w, x, n):
    h = x
    hs = [x]
    i = 0
    while i < n:
        h = np.tanh(w @ h)
        hs.append(h)
        i += 1
    return np.sum(np.array(hs) ** 3) + len(hs) * np.sum(hs[len(hs) // 2])


def one_list_grown_in_nested_loops(x, n, m):
    hs = []
    for i in range(n):
        for j in range(m):
            hs.append(np.cos(x * (i + 1)) * (j + 1))
        hs.append(x * i)
    total = 0.0
    for h in hs:
        total = total + np.sum(h * h)
    return total


def two_appends_per_step_after_an_item(x, n):
    h = x
    hs = [x]
    for i in range(n):
        h = np.sin(h) * 1.5
        hs.append(h)
        hs.append(h * i)
    return np.sum(np.stack(hs) ** 2) + np.sum(hs[-1])


def floats_grown_in_a_for(x, y, n):
    xs = []
    for i in range(n):
        xs.append(x * i + y * y)
        if xs[-1] > 2.0:
            xs.append(x * y)
    return sum(xs) + xs[-1] * xs[0] + len(xs)


@pytest.mark.parametrize("f, make_args", [
    (rnn_keeping_states_in_a_list, lambda: (rand(3, 3) * 0.5, rand(3), 6)),
    (rnn_keeping_states_in_a_list, lambda: (rand(3, 3) * 0.5, rand(3), 20)),  # past the first growth
    (numbers_grown_then_looped_over, lambda: (0.7, 12)),
    (numbers_grown_then_looped_over, lambda: (0.7, 0)),
    (grown_list_through_a_call_and_a_branch, lambda: (rand(2), 5, 1.0)),
    (grown_list_through_a_call_and_a_branch, lambda: (rand(2), 9, -1.0)),
    (appends_in_branches_of_a_for, lambda: (rand(3), 1)),
    (appends_in_branches_of_a_for, lambda: (rand(3), 14)),  # past the first growth, in a branch
    (arrays_appended_in_a_while, lambda: (rand(2, 2) * 0.5, rand(2), 11)),
    (arrays_appended_in_a_while, lambda: (rand(2, 2) * 0.5, rand(2), 0)),
    (one_list_grown_in_nested_loops, lambda: (rand(2), 3, 4)),
    (one_list_grown_in_nested_loops, lambda: (rand(2), 2, 0)),
    (two_appends_per_step_after_an_item, lambda: (rand(2), 0)),
    (two_appends_per_step_after_an_item, lambda: (rand(2), 9)),  # rows reserved before the loop
    (floats_grown_in_a_for, lambda: (0.8, 1.1, 13)),
    (floats_grown_in_a_for, lambda: (0.8, 1.1, 1)),
], ids=lambda v: v.__name__ if callable(v) and hasattr(v, "__name__") and v.__name__ != "<lambda>" else "")
def test_lists_grown_in_a_loop_of_a_run_time_trip_count(f, make_args):
    check_tree_grads(f, make_args())


def test_one_compile_serves_every_trip_count_and_the_list_comes_back_as_a_list(monkeypatch):
    monkeypatch.setenv("ZYG_CACHE", "0")
    for f, x in ((_grow, np.array([0.5, 1.0])), (_grow_numbers, 0.5)):  # a buffer of rows, of numbers
        grow = zyg.jit(f)
        for n in (0, 1, 9, 40):
            result = grow(x, n)
            assert isinstance(result, list) and len(result) == n
            assert_same_tree(result, f(x, n))


def test_a_for_loop_reserves_the_rows_its_own_appends_need():
    """`for i in range(n): xs.append(...)`: the rows are reserved before the loop, so its body has
    no growth branch (a branch there costs the gradient a saved flag and an adjoint branch each step)."""
    frontend = zyg.jit(_grow_numbers).ir("frontend", 0.5, 3)
    body = frontend[frontend.index("scf.for"):]
    assert "scf.if" not in body[:body.index("scf.yield")]


def test_misuses_of_a_grown_list_are_errors():
    def empty_stack(x, n):
        hs = []
        for _ in range(n):
            hs.append(x)
        return np.sum(np.stack(hs))

    def past_the_end(x, n):
        hs = []
        for i in range(n):
            hs.append(x * i)
        return hs[n]

    def ragged(x, n):
        hs = []
        for i in range(n):
            hs.append(x[: i + 1])
        return len(hs)

    def rebound_in_a_branch(x, n):
        hs = [x]
        for i in range(n):
            if i > 2:
                hs = [x * 2.0]
            else:
                hs.append(x)
        return len(hs)

    with pytest.raises(zyg.ZygTypeError, match="a list of length 1 on one path and a list grown in a loop"):
        zyg.jit(rebound_in_a_branch)(1.0, 5)
    with pytest.raises(ValueError, match="need at least one array to stack"):
        zyg.jit(empty_stack)(np.ones(2), 0)
    with pytest.raises(IndexError, match="list index out of range"):
        zyg.jit(past_the_end)(1.5, 3)
    with pytest.raises(ValueError, match="arrays of one shape"):
        zyg.jit(ragged)(np.ones(3), 3)


def kept_by_a_run_time_test(xs, t):
    ys = [np.sin(v) * t for v in xs if v > 0 if 1.0 / v < 2.0]  # the second test runs where the first holds
    total = 0.0
    for y in ys:
        total = total + y
    return total + len(ys) + sum(1.0 / v for v in xs if v != 0.0)


def arrays_kept_by_a_run_time_test(xs, w):
    kept = [x * w for x in xs if np.sum(x) > 0]
    return np.sum(np.stack(kept) ** 2) if len(kept) > 0 else 0.0


def a_test_then_a_nested_generator(xs):
    return sum(v * v for i in range(3) if xs[i] > 0 for v in [xs[i], xs[i] * 2.0])


@pytest.mark.parametrize("f, make_args", [
    (kept_by_a_run_time_test, lambda: ([1.0, -2.0, 0.25, 3.0], 2.0)),
    (kept_by_a_run_time_test, lambda: ([-1.0, -2.0], 0.5)),
    (arrays_kept_by_a_run_time_test, lambda: ([np.ones(2), -np.ones(2), np.array([3.0, 1.0])], 0.7)),
    (a_test_then_a_nested_generator, lambda: ([2.0, -0.5, 1.0],)),
], ids=lambda v: v.__name__ if callable(v) and hasattr(v, "__name__") and v.__name__ != "<lambda>" else "")
def test_comprehensions_keep_items_by_tests_known_at_run_time(f, make_args):
    check_tree_grads(f, make_args())


def test_a_run_time_filtered_list_comes_back_as_a_list_and_holds_one_type():
    positive = zyg.jit(lambda xs: [v for v in xs if v > 1.0])
    assert positive([2.0, 0.0, 4.0]) == [2.0, 4.0] and positive([0.0, 0.0]) == []
    with pytest.raises(zyg.ZygTypeError, match="holds for numbers or arrays of one type"):
        zyg.jit(lambda xs: [(v, v) for v in xs if v > 1.0])([2.0])
    with pytest.raises(zyg.UnsupportedSyntaxError, match="an `if` of a dict comprehension that depends on run-time"):
        zyg.jit(lambda xs: {k: v for k, v in xs.items() if v > 1.0})({"a": 2.0})


def _doubles_first_in_a_loop(xs, n):
    i = 0
    while i < n:
        xs[0] = xs[0] * 2.0  # the caller's list, from the second iteration on through the loop carry
        i += 1
    return xs[0]


def _reads_its_list_after_a_call(x, n):
    xs = [x, x]
    y = _doubles_first_in_a_loop(xs, n)
    return y + xs[0]


def _extends_an_argument_in_a_loop(hs, x, m):
    for i in range(m):
        hs.append(x * i)
    return len(hs)


def test_an_argument_container_stays_an_argument_through_loop_carries_and_merges():
    with pytest.raises(zyg.UnsupportedSyntaxError, match="updates \\(part of\\) the argument 'xs'"):
        zyg.jit(_reads_its_list_after_a_call)(1.0, 2)
    with pytest.raises(zyg.UnsupportedSyntaxError, match="updates \\(part of\\) the argument 'hs'"):
        zyg.jit(_extends_an_argument_in_a_loop)([1.0], 2.0, 3)


@pytest.mark.parametrize("value", [
    {"layers": [Dense(rand(2, 2), rand(2)), Dense(rand(1, 2), rand(1), "out")], "scale": (0.5, 3, True, None)},
    [Moments(1.0, 2.0), (rand(3), {"b": 1, "a": rand(2)})],
    Point(0.5, 1.5),
])
def test_the_per_call_structure_key_takes_the_leaves_in_flatten_order(value):
    """The fast path of a call (`structure_key`) must hand the native code the leaves `flatten`
    compiled the signature for, in its order."""
    from zyg.frontend.trees import flatten, structure_key
    from zyg.typecodes import type_code_of

    leaves: list = []
    structure_key(value, leaves)
    _, expected = flatten(value, type_code_of)
    assert len(leaves) == len(expected) and all(a is b for a, b in zip(leaves, expected))
