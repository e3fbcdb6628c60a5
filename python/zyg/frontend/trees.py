"""The value model: Python containers as compile-time trees whose leaves are numbers and arrays.

Tuples, lists, dicts (str and int keys), dataclasses, NamedTuples and `None` nest to any depth. A
value's *structure* is static: the container types, keys, field names, lengths and the `str`/`None`
and function leaves. Its *leaves* are what runs: numbers and arrays, which become IR values. A structured value is
`flatten`ed into a `TreeDef` (the structure plus the type code of each leaf, `zyg.typecodes`) and its
leaves, the way JAX flattens pytrees; `unflatten` rebuilds it. Everything downstream of the frontend
(AD, tapes, lowering, the call ABI) sees only leaves, so structure costs nothing at run time.

One flattener serves both sides: Python objects at the API (leaves are numbers and NumPy arrays) and
`Struct`s inside the frontend (leaves are SSA values). No xDSL here: the API flattens on every call.
"""

from __future__ import annotations

import dataclasses
import functools
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from zyg.errors import ZygTypeError
from zyg.frontend.functions import FUNCTION_TYPES, function_name, is_function
from zyg.typecodes import python_name

# The kinds of node a tree has.
LEAF = "leaf"  # a number or an array: an IR value at run time
STATIC = "static"  # a str, None or a function (`zyg.frontend.functions`): known at compile time, no IR value
TUPLE, LIST, DICT, DATACLASS, NAMEDTUPLE = "tuple", "list", "dict", "dataclass", "namedtuple"
# A list grown in a loop of a run-time trip count (`zyg.frontend.growable`): leaves a buffer of rows and
# a length; its key is the type code of an item.
GROWLIST = "growlist"
# A closure built in compiled code (`zyg.frontend.closures`): its class is the nested function, its
# items the values it captures, then its default arguments.
CLOSURE = "closure"
PARTIAL = "partial"  # `functools.partial(f, ...)`: items the function, then the arguments it binds
DISPATCH = "dispatch"  # a function chosen at run time: items an int selector, then the candidate functions
RUNSTR = "runstr"  # a str read at run time (`input()`): its one leaf, its number in the module's string table
FSTRING = "fstring"  # an f-string: items the values it formats, class its `FormatTemplate`
CONTAINERS = (TUPLE, LIST, DICT, DATACLASS, NAMEDTUPLE)
SEQUENCES = (TUPLE, LIST, NAMEDTUPLE)  # indexed by position


@dataclass(frozen=True)
class TreeDef:
    """The static part of a value: its structure and the type code of each leaf.

    Attributes:
        kind: LEAF, STATIC or one of CONTAINERS.
        cls: the dataclass or NamedTuple class (None for the others).
        keys: dict keys, or the field names of a dataclass or NamedTuple (empty for tuple and list).
        children: the subtrees, in key order.
        code: a leaf's type code (`f64`, `a2f32`, ...), or a static leaf's value.
    """

    kind: str
    cls: type | None = None
    keys: tuple = ()
    children: tuple[TreeDef, ...] = ()
    code: object = None

    def __post_init__(self):
        # Worked out once: trees are looked up (hashed) and read at every call of a compiled function.
        codes = (self.code,) if self.kind == LEAF else tuple(code for c in self.children for code in c._codes)
        object.__setattr__(self, "_codes", codes)
        object.__setattr__(self, "leaf_count", len(codes))
        object.__setattr__(self, "_hash", hash((self.kind, self.cls, self.keys, self.children, self.code)))

    def __hash__(self) -> int:
        return self._hash

    def kinds(self) -> set[str]:
        """The kinds of this tree's nodes."""
        return {self.kind}.union(*(c.kinds() for c in self.children))

    def leaf_codes(self) -> Iterator[str]:
        """The type codes of the leaves, in flattening order."""
        return iter(self._codes)

    def describe(self) -> object:
        """A JSON-able description, stable across processes (for the disk cache key).

        Raises:
            NotDescribable: for a tree holding a function (it is not named stably across processes).
        """
        if (self.kind == STATIC and is_function(self.code)) or self.kind == CLOSURE:
            raise NotDescribable(f"the function {function_name(self.code if self.kind == STATIC else self.cls)}")
        if self.kind == FSTRING:
            raise NotDescribable("an f-string")
        if self.kind in (LEAF, STATIC):
            return [self.kind, self.code]
        cls = None if self.cls is None else f"{self.cls.__module__}.{self.cls.__qualname__}"
        return [self.kind, cls, list(self.keys), [c.describe() for c in self.children]]

    def __str__(self) -> str:
        return type_name(self)


class NotDescribable(ValueError):
    """A tree with no description stable across processes: its compile is not kept on disk."""


def tree_from_description(data: list) -> TreeDef:
    """The tree `TreeDef.describe` gave (a disk-cache entry's result structure).

    Raises:
        LookupError: when a dataclass or NamedTuple it names cannot be found as it was.
    """
    kind = data[0]
    if kind in (LEAF, STATIC):
        return TreeDef(kind, code=data[1])
    _, cls_name, keys, children = data
    cls = None if cls_name is None else _find_class(cls_name, kind, tuple(keys))
    return TreeDef(kind, cls, tuple(keys), tuple(tree_from_description(c) for c in children))


def _find_class(name: str, kind: str, keys: tuple) -> type:
    import sys

    module_name, _, qualname = name.rpartition(".")
    while module_name and module_name not in sys.modules:  # a class nested in a class
        module_name, _, outer = module_name.rpartition(".")
        qualname = f"{outer}.{qualname}"
    found: object = sys.modules.get(module_name)
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if kind == DATACLASS and dataclasses.is_dataclass(found):
        if tuple(f.name for f in dataclasses.fields(found)) == keys:
            return found
    if kind == NAMEDTUPLE and isinstance(found, type) and tuple(getattr(found, "_fields", ())) == keys:
        return found
    raise LookupError(name)


@dataclass(frozen=True)
class FormatTemplate:
    """The static part of an f-string: `parts` alternates literal text and `(conversion, spec)` for
    each formatted value (`f"{x!r:>8}"` has `("", ("r", ">8"), "")`)."""

    parts: tuple

    def render(self, values: Sequence) -> str:
        """The text Python's f-string gives for `values`."""
        position = iter(values)
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            conversion, spec = part
            value = next(position)
            if conversion is not None:
                value = {"r": repr, "s": str, "a": ascii}[conversion](value)
            out.append(format(value, spec))
        return "".join(out)


def leaf(code: str) -> TreeDef:
    """The tree of a single number or array of type code `code`."""
    return TreeDef(LEAF, code=code)


def static(value: str | None) -> TreeDef:
    return TreeDef(STATIC, code=value)


class Struct:
    """A container inside compiled code: its items are SSA values, `Static`s or other `Struct`s.

    Compared by identity: two names that hold the same Struct hold the same Python object, which is
    what the alias checks of in-place updates ask. Updates build a new Struct (`replaced`).
    """

    __slots__ = ("kind", "cls", "keys", "items")

    def __init__(self, kind: str, items: Sequence, keys: Sequence = (), cls: type | None = None):
        self.kind = kind
        self.items = tuple(items)
        self.keys = tuple(keys)
        self.cls = cls

    @property
    def type(self) -> StructType:
        """Its shallow type, for messages and for code that asks any value for its `type`."""
        return StructType(self.kind, self.cls, self.keys)

    def item(self, key: object) -> object:
        """The item at position (sequence) or key (dict, field name); raises KeyError if absent."""
        if self.kind in SEQUENCES and isinstance(key, int) and not isinstance(key, bool):
            if not -len(self.items) <= key < len(self.items):
                raise KeyError(key)
            return self.items[key]
        if self.kind in (DICT, DATACLASS, NAMEDTUPLE) and key in self.keys:
            return self.items[self.keys.index(key)]
        raise KeyError(key)

    def replaced(self, key: object, value: object) -> Struct:
        """A copy with `value` at `key` (added at the end for a new dict key)."""
        items = list(self.items)
        if self.kind in SEQUENCES and isinstance(key, int):
            items[key] = value
            return Struct(self.kind, items, self.keys, self.cls)
        if key in self.keys:
            items[self.keys.index(key)] = value
            return Struct(self.kind, items, self.keys, self.cls)
        return Struct(self.kind, [*items, value], [*self.keys, key], self.cls)

    def __repr__(self) -> str:
        return f"Struct({type_name(self.type)}, {len(self.items)} items)"


@dataclass(frozen=True)
class StructType:
    """The shallow type of a `Struct`: never an IR type (structures are flattened before any op)."""

    kind: str
    cls: type | None
    keys: tuple

    def __str__(self) -> str:
        return type_name(self)


@dataclass(frozen=True)
class Static:
    """A str, None or a function inside compiled code: a compile-time constant with no IR value."""

    value: object

    @property
    def type(self) -> StructType:
        return StructType(STATIC, None, ())


def is_function_value(value: object) -> bool:
    """Whether a compile-time value is a function: a known one (a Static), a closure, a partial or
    one chosen at run time."""
    return (isinstance(value, Static) and is_function(value.value)) or (
        isinstance(value, Struct) and value.kind in (CLOSURE, PARTIAL, DISPATCH))


# --------------------------------------------------------------------------------------------------
# Flattening
# --------------------------------------------------------------------------------------------------

def node_of(value: object) -> tuple[str, type | None, tuple, tuple] | None:
    """`(kind, cls, keys, items)` of a container (a Python one or a `Struct`), STATIC for a str or None,
    or None for anything else (a leaf, or something zyg cannot take)."""
    if isinstance(value, Struct):
        return value.kind, value.cls, value.keys, value.items
    if isinstance(value, Static):
        return STATIC, None, (), (value.value,)
    if value is None or isinstance(value, str) or is_function(value):
        return STATIC, None, (), (value,)
    if isinstance(value, tuple):
        if hasattr(type(value), "_fields"):
            return NAMEDTUPLE, type(value), tuple(type(value)._fields), tuple(value)
        return TUPLE, None, (), tuple(value)
    if isinstance(value, list):
        return LIST, None, (), tuple(value)
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise _BadKey(key)
        return DICT, None, tuple(value), tuple(value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = tuple(f.name for f in dataclasses.fields(value))
        return DATACLASS, type(value), names, tuple(getattr(value, name) for name in names)
    if isinstance(value, functools.partial):  # the function, then what it binds (`=name` for a keyword)
        keys = ("function", *map(str, range(len(value.args))), *("=" + k for k in value.keywords))
        return PARTIAL, None, keys, (value.func, *value.args, *value.keywords.values())
    return None


class UnusualValue(Exception):
    """A value `structure_key` leaves to `flatten` (which names what zyg cannot take)."""


_PLAIN_LEAVES = (float, int, bool)
_FIELDS: dict[type, tuple[str, ...]] = {}  # dataclass -> its field names


def structure_key(value: object, leaves: list):
    """A hashable key of `value`'s structure and leaf kinds, appending its leaves to `leaves` in
    `flatten`'s order (`node_of`'s): the per-call fast path of structured arguments, which builds no
    tree. Raises `UnusualValue` for anything but plain containers, numbers, arrays, str and None."""
    kind = type(value)
    if kind in _PLAIN_LEAVES:
        leaves.append(value)
        return kind
    if kind is np.ndarray:
        leaves.append(value)
        return value.ndim, value.dtype
    if kind is dict:
        return dict, tuple((key, type(key), structure_key(item, leaves)) for key, item in value.items())
    if kind is list or kind is tuple:
        return kind, tuple(structure_key(item, leaves) for item in value)
    if value is None or kind is str or kind in FUNCTION_TYPES:
        return kind, value
    if isinstance(value, tuple) and hasattr(kind, "_fields"):
        return kind, tuple(structure_key(item, leaves) for item in value)
    names = _FIELDS.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(kind):
            raise UnusualValue
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return kind, tuple(structure_key(getattr(value, name), leaves) for name in names)


class _BadKey(Exception):
    def __init__(self, key: object):
        self.key = key


def flatten(value: object, leaf_code: Callable[[object], str | None], path: str = "value",
            owner: str = "") -> tuple[TreeDef, list]:
    """`(treedef, leaves)` of `value`; `leaf_code(x)` is the type code of a leaf, or None if zyg
    cannot take `x`.

    Raises:
        ZygTypeError: for a part zyg cannot take, naming its path and `owner`
            (`argument 0['layers'][2].w of 'net' is a set`).
    """
    leaves: list = []
    return _flatten(value, leaf_code, path, owner, leaves), leaves


def _flatten(value: object, leaf_code, path: str, owner: str, leaves: list) -> TreeDef:
    code = leaf_code(value)  # first: an IR value is itself a dataclass
    if code is not None:
        leaves.append(value)
        return leaf(code)
    try:
        node = node_of(value)
    except _BadKey as bad:
        raise ZygTypeError(f"{path}{owner} is a dict with the key {bad.key!r}; zyg takes dicts with str and "
                           "int keys") from None
    if node is None:
        raise ZygTypeError(f"{path}{owner} is {describe_python(value)}; zyg takes floats, ints, bools, "
                           "NumPy arrays of float64, float32, int64 and bool, str, None, and tuples, lists, "
                           "dicts, dataclasses and NamedTuples of them")
    kind, cls, keys, items = node
    if kind == STATIC:
        return static(items[0])
    children = []
    for index, item in enumerate(items):
        children.append(_flatten(item, leaf_code, path + path_step(kind, keys, index), owner, leaves))
    return TreeDef(kind, cls, keys, tuple(children))


def functions_in(trees: Sequence[TreeDef]) -> tuple[types.FunctionType, ...]:
    """The Python functions among the static leaves of `trees`, in flattening order."""
    found: list[types.FunctionType] = []

    def visit(tree: TreeDef) -> None:
        if tree.kind == STATIC and isinstance(tree.code, types.FunctionType):
            found.append(tree.code)
        for child in tree.children:
            visit(child)

    for tree in trees:
        visit(tree)
    return tuple(found)


def path_step(kind: str, keys: tuple, index: int) -> str:
    """How a path names item `index` of a container: `['W']` (dict), `.kernel` (fields), `[2]`."""
    if kind == DICT:
        return f"[{keys[index]!r}]"
    if kind in (DATACLASS, NAMEDTUPLE, CLOSURE):
        return f".{keys[index]}"
    return f"[{index}]"


def unflatten(tree: TreeDef, leaves: Sequence, build: Callable[[str, type | None, tuple, list], object],
              make_static: Callable[[object], object] = lambda v: v) -> object:
    """The value of structure `tree` with `leaves` in flattening order; `build(kind, cls, keys, items)`
    makes a container, `make_static(value)` a static leaf."""
    position = iter(leaves)
    value = _unflatten(tree, position, build, make_static)
    if next(position, _END) is not _END:
        raise ValueError("more leaves than the tree holds")
    return value


_END = object()


def _unflatten(tree: TreeDef, leaves: Iterator, build, make_static) -> object:
    if tree.kind == LEAF:
        return next(leaves)
    if tree.kind == STATIC:
        return make_static(tree.code)
    items = [_unflatten(child, leaves, build, make_static) for child in tree.children]
    return build(tree.kind, tree.cls, tree.keys, items)


def build_python(kind: str, cls: type | None, keys: tuple, items: list) -> object:
    """A Python container from its parts (`unflatten`'s `build` for values handed to the user).

    A dataclass is made without calling `__init__` (a gradient holds None in fields `__post_init__`
    may check), then its fields are set, frozen or not."""
    if kind == TUPLE:
        return tuple(items)
    if kind == LIST:
        return list(items)
    if kind == GROWLIST:
        buffer, length = items
        return list(buffer[:length]) if buffer.ndim > 1 else buffer[:length].tolist()
    if kind == DICT:
        return dict(zip(keys, items, strict=True))
    if kind == NAMEDTUPLE:
        return cls(*items)
    if kind == FSTRING:
        return cls.render(items)
    if kind == RUNSTR:
        raise ZygTypeError("a str read at run time (input()) where zyg hands values to Python without the string "
                           "table of the compile's host calls")
    if kind == DISPATCH:
        selector, *candidates = items
        return candidates[selector]
    if kind == PARTIAL:
        function, *rest = items
        return functools.partial(function, *(v for k, v in zip(keys[1:], rest) if not k.startswith("=")),
                                 **{k[1:]: v for k, v in zip(keys[1:], rest) if k.startswith("=")})
    if kind == CLOSURE:
        raise ZygTypeError(f"the compiled function returns the closure {cls.__name__} to Python; zyg passes closures "
                           "between compiled functions only")
    instance = object.__new__(cls)
    for name, item in zip(keys, items, strict=True):
        object.__setattr__(instance, name, item)
    return instance


def build_struct(kind: str, cls: type | None, keys: tuple, items: list) -> Struct:
    """A `Struct` from its parts (`unflatten`'s `build` inside the frontend)."""
    return Struct(kind, items, keys, cls)


def with_leaf_codes(tree: TreeDef, codes: Sequence[str]) -> TreeDef:
    """`tree` with its leaves' type codes replaced by `codes` (in flattening order)."""
    position = iter(codes)

    def rebuilt(t: TreeDef) -> TreeDef:
        if t.kind == LEAF:
            return leaf(next(position))
        if t.kind == STATIC:
            return t
        return TreeDef(t.kind, t.cls, t.keys, tuple(rebuilt(c) for c in t.children))

    return rebuilt(tree)


RUNSTR_TREE = TreeDef(RUNSTR, children=(leaf("i64"),))  # a str read at run time: its number in the string table


def _is_str(t: TreeDef) -> bool:
    return t.kind == RUNSTR or (t.kind == STATIC and isinstance(t.code, str))


def join_strs(a: TreeDef, b: TreeDef) -> tuple[TreeDef, TreeDef]:
    """`a` and `b` with each pair of str that differ between them (known at compile time or read at
    run time) made a str known at run time (`RUNSTR_TREE`): a variable that holds 'sin' on one path
    and 'cos' on another holds the number of one of them in the string table."""
    if _is_str(a) and _is_str(b):
        return (RUNSTR_TREE, RUNSTR_TREE) if a != b else (a, b)
    if a.kind in (LEAF, STATIC, RUNSTR) or a.kind != b.kind or a.cls != b.cls or a.keys != b.keys \
            or len(a.children) != len(b.children):
        return a, b
    pairs = [join_strs(x, y) for x, y in zip(a.children, b.children)]
    if all(x is p[0] and y is p[1] for x, y, p in zip(a.children, b.children, pairs)):
        return a, b
    return (TreeDef(a.kind, a.cls, a.keys, tuple(p[0] for p in pairs)),
            TreeDef(b.kind, b.cls, b.keys, tuple(p[1] for p in pairs)))


def same_structure(a: TreeDef, b: TreeDef) -> bool:
    """Whether `a` and `b` differ at most in their leaves' type codes."""
    if a.kind != b.kind or a.cls != b.cls or a.keys != b.keys or len(a.children) != len(b.children):
        return False
    if a.kind == STATIC:
        return a.code == b.code
    return all(same_structure(x, y) for x, y in zip(a.children, b.children))


def structure_difference(a: TreeDef, b: TreeDef, first: str = "on one path", second: str = "on the other",
                         path: str = "") -> str:
    """Where and how `a` (seen `first`) and `b` (seen `second`) first differ in structure, in words."""
    where = f" at {path}" if path else ""
    if a.kind != b.kind and {a.kind, b.kind} == {LIST, GROWLIST}:
        return f"{_list_words(a)}{where} {first} and {_list_words(b)} {second}"
    if a.kind != b.kind or a.cls != b.cls:
        return f"a {type_name(a)}{where} {first} and a {type_name(b)} {second}"
    if a.kind == STATIC:
        return f"{_static_words(a.code)}{where} {first} and {_static_words(b.code)} {second}"
    if a.keys != b.keys or len(a.children) != len(b.children):
        if a.kind in (DICT, DATACLASS, NAMEDTUPLE):
            return f"a {type_name(a)} with keys {list(a.keys)}{where} {first} and with keys {list(b.keys)} {second}"
        return f"a {a.kind} of length {len(a.children)}{where} {first} and of length {len(b.children)} {second}"
    for index, (x, y) in enumerate(zip(a.children, b.children)):
        if not same_structure(x, y):
            return structure_difference(x, y, first, second, path + path_step(a.kind, a.keys, index))
    return "the same structure"


def _static_words(value: object) -> str:
    return f"the function {function_name(value)}" if is_function(value) else repr(value)


def _list_words(t: TreeDef) -> str:
    return "a list grown in a loop" if t.kind == GROWLIST else f"a list of length {len(t.children)}"


# --------------------------------------------------------------------------------------------------
# Names, for messages
# --------------------------------------------------------------------------------------------------

def type_name(t: TreeDef | StructType) -> str:
    """A container's Python name: `tuple`, `dict`, `Dense` (a dataclass), `Moments` (a NamedTuple);
    a leaf's from its type code (`float64 array of rank 2`)."""
    if t.kind == LEAF:
        return python_name(t.code)
    if t.kind == STATIC:
        code = getattr(t, "code", None)
        if is_function(code):
            return f"function {function_name(code)}"
        return "None" if code is None and isinstance(t, TreeDef) else "str" if isinstance(code, str) else \
            "str or None"
    if t.kind == CLOSURE:
        return f"function {t.cls.__name__}"
    if t.kind == PARTIAL:
        return "functools.partial"
    if t.kind == DISPATCH:
        return "function chosen at run time"
    if t.kind in (RUNSTR, FSTRING):
        return "str"
    if t.cls is not None:
        return t.cls.__name__
    return "list" if t.kind == GROWLIST else t.kind


def summary(t: TreeDef) -> str:
    """`tuple (float, float64 array of rank 1, int)`, `dict with keys ['W', 'b']`, `Dense`: a tree for
    messages, one level deep."""
    name = type_name(t)
    if t.kind in (TUPLE, LIST) and t.children:
        return f"{name} ({', '.join(type_name(child) for child in t.children)})"
    if t.kind == DICT:
        return f"{name} with keys {list(t.keys)}"
    return name


def describe_python(value: object) -> str:
    """`a set`, `a NumPy array of complex128`: what a Python value is, for messages."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and hasattr(value, "ndim"):
        return f"a NumPy array of {dtype}"
    return f"a {type(value).__name__}"
