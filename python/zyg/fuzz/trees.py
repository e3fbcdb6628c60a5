"""Structured values for the generators and the oracle: a random tree type in, the source that reads,
builds and declares it, and argument values of it, out.

A `Node` is the type of a structure: a leaf ("float", "int", or "array" of a shape) or a container
("tuple", "list", "dict", "dataclass", "namedtuple") of (key, child) pairs. The generators draw
argument and result types with `random_node`, read leaves through `accessors`, build values with
`constructor` and declare the classes with `class_source`. An argument value travels to the sandbox
as a spec (`Instance` for a class object, since the class lives in the generated module) and is made
a real value there by `materialize`; `format_value` writes a spec as source for a reproducer. The
oracle walks real values with `float_leaves` / `with_float_leaves` / `zip_leaves`.
"""

from __future__ import annotations

import collections
import dataclasses
import random
import types
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAVES = ("float", "int", "array")
_CONTAINERS = ("tuple", "list", "dict", "dataclass", "namedtuple")
_KEYS = ("w", "b", "u", "v", "scale", "bias")


@dataclass(frozen=True)
class Node:
    """A structure's type: `kind`, `shape` for an array, `children` as (key, Node) pairs (positions
    for a tuple or list, str or int keys for a dict, field names for a class), `name` for a class."""

    kind: str
    shape: tuple[int, ...] = ()
    children: tuple[tuple[object, Node], ...] = ()
    name: str = ""

    @property
    def is_leaf(self) -> bool:
        return self.kind in LEAVES

    @property
    def mutable(self) -> bool:
        """Whether a child can be assigned in place (`xs[0] = v`, `d[k] = v`, `obj.f = v`)."""
        return self.kind in ("list", "dict", "dataclass")

    def leaves(self) -> list[Node]:
        return [self] if self.is_leaf else [leaf for _, child in self.children for leaf in child.leaves()]

    def homogeneous(self) -> Node | None:
        """The one type of all children of a non-empty container, or None."""
        types = {child for _, child in self.children}
        return types.pop() if len(types) == 1 and not self.is_leaf else None


class Classes:
    """The dataclasses and NamedTuples of one program, named C1, C2, ... in the order they are made;
    their definitions go at module level, before any function."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []

    def add(self, kind: str, children: tuple[tuple[object, Node], ...]) -> Node:
        node = Node(kind, children=children, name=f"C{len(self.nodes) + 1}")
        self.nodes.append(node)
        return node

    def source(self) -> list[str]:
        lines: list[str] = []
        for node in self.nodes:
            lines += class_source(node) + ["", ""]
        return lines


def random_node(rng: random.Random, leaf: Callable[[], Node], classes: Classes, depth: int,
                allow_classes: bool = True) -> Node:
    """A container type nested up to `depth` deep, its leaves drawn by `leaf`. Lists hold one type
    (zyg indexes them with run-time ints), tuples, dicts and classes any mix."""
    kinds = ["tuple", "list", "dict"] + (["dataclass", "namedtuple"] if allow_classes else [])
    kind = rng.choice(kinds)
    count = rng.randint(1, 3)

    def child() -> Node:
        if depth > 1 and rng.random() < 0.3:
            return random_node(rng, leaf, classes, depth - 1, allow_classes)
        return leaf()

    if kind == "list":
        item = child()
        return Node("list", children=tuple((i, item) for i in range(count + 1)))
    items = [child() for _ in range(count)]
    if kind == "tuple":
        return Node("tuple", children=tuple(enumerate(items)))
    keys = rng.sample(_KEYS, count)
    if kind == "dict":
        if rng.random() < 0.2:
            keys = list(range(count))  # int keys
        return Node("dict", children=tuple(zip(keys, items)))
    return classes.add(kind, tuple(zip(keys, items)))


def class_source(node: Node) -> list[str]:
    annotations = {"float": "float", "int": "int", "array": "np.ndarray"}
    if node.kind == "dataclass":
        lines = ["@dataclasses.dataclass", f"class {node.name}:"]
    else:
        lines = [f"class {node.name}(typing.NamedTuple):"]
    for key, child in node.children:
        lines.append(f"    {key}: {annotations.get(child.kind, 'object')}")
    return lines


def child_source(node: Node, src: str, key: object, rng: random.Random | None = None) -> str:
    """The source reading child `key` of `src` (a NamedTuple by field or, with `rng`, sometimes by position)."""
    if node.kind == "dataclass":
        return f"{src}.{key}"
    if node.kind == "namedtuple":
        position = [k for k, _ in node.children].index(key)
        return f"{src}[{position}]" if rng is not None and rng.random() < 0.3 else f"{src}.{key}"
    return f"{src}[{key!r}]"


def accessors(node: Node, src: str, rng: random.Random | None = None) -> list[tuple[str, Node]]:
    """(source, type) of every part of `src` below it, containers and leaves."""
    parts: list[tuple[str, Node]] = []
    for key, child in node.children:
        path = child_source(node, src, key, rng)
        parts.append((path, child))
        parts += accessors(child, path, rng)
    return parts


def constructor(node: Node, leaf_source: Callable[[Node], str], rng: random.Random, shallow: bool = False) -> str:
    """Source building a value of type `node`, each leaf's source from `leaf_source` (with `shallow`,
    each child's source, containers too)."""
    if node.is_leaf:
        return leaf_source(node)
    items = [(key, leaf_source(child) if shallow else constructor(child, leaf_source, rng))
             for key, child in node.children]
    if node.kind == "tuple":
        return "(" + ", ".join(v for _, v in items) + ("," if len(items) == 1 else "") + ")"
    if node.kind == "list":
        return "[" + ", ".join(v for _, v in items) + "]"
    if node.kind == "dict":
        if all(isinstance(k, str) for k, _ in items) and rng.random() < 0.3:
            return "dict(" + ", ".join(f"{k}={v}" for k, v in items) + ")"
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in items) + "}"
    if rng.random() < 0.5:
        return f"{node.name}(" + ", ".join(v for _, v in items) + ")"
    return f"{node.name}(" + ", ".join(f"{k}={v}" for k, v in items) + ")"


def standin(node: Node) -> object:
    """A value of type `node` for trying expressions out (0.5 in every float, 2 in every int); class
    objects are stand-ins that answer the same attribute and index reads."""
    if node.kind == "array":
        return np.full(node.shape, 0.5)
    if node.is_leaf:
        return 0.5 if node.kind == "float" else 2
    items = [(key, standin(child)) for key, child in node.children]
    if node.kind in ("tuple", "list"):
        return tuple(v for _, v in items) if node.kind == "tuple" else [v for _, v in items]
    if node.kind == "dict":
        return dict(items)
    if node.kind == "namedtuple":
        return collections.namedtuple(node.name, [k for k, _ in items])(*(v for _, v in items))
    return types.SimpleNamespace(**dict(items))


# argument values --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Instance:
    """A spec of a dataclass or NamedTuple object: the class's name and its fields' specs."""

    name: str
    fields: tuple[tuple[str, object], ...]


def spec(node: Node, leaf_value: Callable[[Node], object]) -> object:
    """A random spec of type `node`, each leaf from `leaf_value`."""
    if node.is_leaf:
        return leaf_value(node)
    items = [(key, spec(child, leaf_value)) for key, child in node.children]
    if node.kind == "tuple":
        return tuple(v for _, v in items)
    if node.kind == "list":
        return [v for _, v in items]
    if node.kind == "dict":
        return dict(items)
    return Instance(node.name, tuple(items))


def materialize(value: object, namespace: dict) -> object:
    """The real value of a spec, its classes taken from `namespace` (the generated module's)."""
    if isinstance(value, Instance):
        return namespace[value.name](**{k: materialize(v, namespace) for k, v in value.fields})
    if isinstance(value, dict):
        return {k: materialize(v, namespace) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(materialize(v, namespace) for v in value)
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def format_value(value: object) -> str:
    """A spec as source that rebuilds it exactly (floats by repr, arrays by their lists)."""
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    if isinstance(value, Instance):
        return f"{value.name}(" + ", ".join(f"{k}={format_value(v)}" for k, v in value.fields) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(format_value(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


# walking real values ----------------------------------------------------------------------------

def _is_namedtuple(x: object) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def children(x: object) -> list[tuple[object, object]] | None:
    """(key, child) pairs of a container, None for a leaf."""
    if isinstance(x, dict):
        return list(x.items())
    if _is_namedtuple(x):
        return [(name, getattr(x, name)) for name in x._fields]
    if isinstance(x, (tuple, list)):
        return list(enumerate(x))
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return [(f.name, getattr(x, f.name)) for f in dataclasses.fields(x)]
    return None


def rebuild(x: object, items: list[object]) -> object:
    """A container like `x` (the same class and keys) holding `items`, in `children` order."""
    if isinstance(x, dict):
        return dict(zip(x, items))
    if _is_namedtuple(x):
        return type(x)(*items)
    if isinstance(x, (tuple, list)):
        return type(x)(items)
    return dataclasses.replace(x, **{f.name: v for f, v in zip(dataclasses.fields(x), items)})


def is_float_leaf(x: object) -> bool:
    """A leaf with a gradient: a float (not an int or bool) or a float array."""
    if isinstance(x, np.ndarray):
        return x.dtype.kind == "f"
    return isinstance(x, float)


def float_leaves(x: object) -> list[object]:
    """The float leaves of `x`, in order."""
    parts = children(x)
    if parts is None:
        return [x] if is_float_leaf(x) else []
    return [leaf for _, child in parts for leaf in float_leaves(child)]


def with_float_leaves(x: object, leaves: list[object]) -> object:
    """A copy of `x` with its float leaves replaced, in order, by `leaves` (consumed)."""
    parts = children(x)
    if parts is None:
        return leaves.pop(0) if is_float_leaf(x) else x
    return rebuild(x, [with_float_leaves(child, leaves) for _, child in parts])


class StructureMismatch(Exception):
    """Two values whose containers, keys or lengths differ; the message says where."""


def zip_leaves(actual: object, expected: object, path: str = "") -> list[tuple[str, object, object]]:
    """(path, actual leaf, expected leaf) for every leaf of `expected`, where `actual` has its
    containers (of the same class), keys (in any order for a dict) and lengths; leaves are not
    compared here (a float may come back as a NumPy scalar, a part with no gradient as None)."""
    expected_parts = children(expected)
    if expected_parts is None:
        if children(actual) is not None:
            raise StructureMismatch(f"{path or 'value'}: a {type(actual).__name__} for a leaf")
        return [(path, actual, expected)]
    if type(actual) is not type(expected):
        raise StructureMismatch(f"{path or 'value'}: a {type(actual).__name__} for a {type(expected).__name__}")
    actual_parts = dict(children(actual))
    if set(actual_parts) != {key for key, _ in expected_parts} or len(actual_parts) != len(expected_parts):
        raise StructureMismatch(f"{path or 'value'}: keys {sorted(map(repr, actual_parts))}, "
                                f"expected {sorted(repr(key) for key, _ in expected_parts)}")
    return [triple for key, child in expected_parts
            for triple in zip_leaves(actual_parts[key], child, f"{path}[{key!r}]")]
