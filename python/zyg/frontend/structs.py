"""Frontend support for structured values: tuples, lists, dicts, dataclasses and NamedTuples.

Mixed into `FunctionCodegen`. A structured value is a `Struct` (`zyg.frontend.trees`) whose items are
SSA values, `Static`s (str, None) or other Structs; it exists only at compile time. This module builds
them (literals, constructors, `dict(...)`, comprehensions over static containers), reads them
(indexing with constants, attributes, `len`, `in`, `keys()`/`values()`/`items()`, `get`) and updates
them (`xs[i] = v`, `xs.append(v)`, `d[k] = v`, `obj.f = v`), always as new values, with the alias
checks of in-place array updates. Merges, loop carries, calls and returns flatten them with
`flat`/`rebuild`, so the IR only ever sees leaves.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Sequence

import numpy as np
from xdsl.dialects import arith, tensor
from xdsl.dialects.builtin import IntegerAttr
from xdsl.ir import Attribute, SSAValue

from zyg.errors import UnsupportedSyntaxError, ZygAttributeError, ZygIndexError, ZygKeyError, ZygTypeError
from zyg.frontend.arrays import constant_of
from zyg.frontend.functions import function_name, is_function
from zyg.frontend.trees import (
    CONTAINERS,
    DATACLASS,
    DICT,
    FSTRING,
    GROWLIST,
    LIST,
    NAMEDTUPLE,
    RUNSTR,
    SEQUENCES,
    TUPLE,
    Static,
    Struct,
    TreeDef,
    build_struct,
    flatten,
    is_function_value,
    join_strs,
    same_structure,
    structure_difference,
    type_name,
    unflatten,
    with_leaf_codes,
)
from zyg.frontend.types import (
    F32,
    F64,
    I1,
    I64,
    INDEX,
    array_type,
    is_array,
    python_type_name,
    rank_of,
    type_code,
    type_of_code,
)


def _leaf_code(value: object) -> str | None:
    return type_code(value.type) if isinstance(value, SSAValue) else None


def is_struct(value: object, *kinds: str) -> bool:
    """Whether `value` is a Struct (of one of `kinds`, when given)."""
    return isinstance(value, Struct) and (not kinds or value.kind in kinds)


def describe(value: object) -> str:
    """What a compile-time value is, for messages: `a float`, `a dict`, `a Dense`, `a str`."""
    if isinstance(value, Static):
        if is_function(value.value):
            return f"the function {function_name(value.value)}"
        return "None" if value.value is None else "a str"
    name = type_name(value.type) if isinstance(value, Struct) else python_type_name(value.type)
    return f"a{'n' if name[0] in 'aeiouAEIOU' else ''} {name}"


class StructCodegen:
    """The structured-value half of `FunctionCodegen` (which provides `visit`, `const`, `convert`,
    `error`, `scope`...)."""

    # ----------------------------------------------------------------------------------------------
    # Trees: flattening for merges, carries, calls and returns
    # ----------------------------------------------------------------------------------------------

    def flat(self, value: object) -> tuple[TreeDef, list[SSAValue]]:
        """`(tree, leaves)` of a compile-time value (its late closures as they are now, see
        `zyg.frontend.closures`)."""
        return flatten(self.current(value), _leaf_code)

    def rebuild(self, tree: TreeDef, leaves: Sequence[SSAValue]) -> object:
        """The compile-time value of structure `tree` with `leaves` (a leaf tree gives the leaf itself)."""
        return unflatten(tree, leaves, build_struct, Static)

    def convert_tree(self, value: object, target: TreeDef) -> object:
        """`value` with each leaf promoted to the type of `target`'s leaf and each str it knows at
        compile time where `target` has one read at run time made a number of the string table (same
        structure otherwise assumed)."""
        tree, leaves = self.flat(value)
        if tree == target:
            return value
        value = self.runtime_strs(value, target)
        tree, leaves = self.flat(value)
        converted = [self.convert(v, type_of_code(code)) for v, code in zip(leaves, target.leaf_codes(), strict=True)]
        return self.rebuild(target, converted)

    def join_trees(self, subject: str, a: TreeDef, b: TreeDef, node: ast.AST,
                   lines: tuple[int | None, int | None] = (None, None)) -> TreeDef:
        """The common tree of two values `subject` (`variable 'd'`, `the return value`) has on two
        paths: the same structure, each leaf of the promoted type; a compile-time error naming it (and
        the lines) otherwise. A str that differs between them is one known at run time."""
        a, b = join_strs(a, b)
        if not same_structure(a, b):
            where = "" if None in lines else f" (lines {lines[0]} and {lines[1]})"
            self.error(node, f"{subject} has a different structure on two paths{where}: "
                       f"{structure_difference(a, b)}", ZygTypeError)
        codes = [type_code(self._join_type(subject, type_of_code(x), type_of_code(y), node))
                 for x, y in zip(a.leaf_codes(), b.leaf_codes(), strict=True)]
        return with_leaf_codes(a, codes)

    def zero_tree(self, tree: TreeDef) -> object:
        """A placeholder value of structure `tree` (zeros, empty arrays) for a variable that a later
        path sets before it is read (the value of a `return` not reached yet)."""
        return self.rebuild(tree, [self.placeholder(type_of_code(code)) for code in tree.leaf_codes()])

    def placeholder(self, t: Attribute) -> SSAValue:
        if is_array(t):
            size = self.value(arith.ConstantOp(IntegerAttr(0, INDEX)))
            dims = [size] * rank_of(t)
            return self.with_dims(self.value(tensor.EmptyOp(dims, array_type(rank_of(t), t.element_type))), dims)
        return self.zero_of(t)

    # ----------------------------------------------------------------------------------------------
    # Building
    # ----------------------------------------------------------------------------------------------

    def visit_Tuple(self, node: ast.Tuple) -> Struct:
        return Struct(TUPLE, self.elements(node.elts))

    def visit_List(self, node: ast.List) -> Struct:
        return Struct(LIST, self.elements(node.elts))

    def elements(self, nodes: list[ast.expr]) -> list:
        """The items of a tuple or list display; `*xs` splices a static sequence."""
        items: list = []
        for elt in nodes:
            if isinstance(elt, ast.Starred):
                items += self.sequence_items(elt.value, self.visit(elt.value))
            else:
                items.append(self.visit(elt))
        return items

    def visit_Dict(self, node: ast.Dict) -> Struct:
        keys: list = []
        values: list = []
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if key_node is None:  # `**other`
                other = self.visit(value_node)
                if not is_struct(other, DICT):
                    self.error(value_node, f"`**` of {describe(other)} in a dict display; it takes a dict",
                               ZygTypeError)
                for k, v in zip(other.keys, other.items, strict=True):
                    _set_key(keys, values, k, v)
                continue
            _set_key(keys, values, self.static_key(key_node), self.visit(value_node))
        return Struct(DICT, values, keys)

    def static_key(self, node: ast.expr) -> str | int:
        """A dict key, which must be a str or int known at compile time."""
        value = self.visit(node)
        key = self.known(value)
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            self.error(node, f"a dict key must be a str or an int known at compile time, got "
                       f"`{ast.unparse(node)}`", ZygTypeError)
        return key

    def known(self, value: object) -> object:
        """The Python value of a compile-time constant (a Static, an int or bool constant), else None."""
        if isinstance(value, Static):
            return value.value
        if isinstance(value, SSAValue):
            constant = constant_of(value)
            if constant is not None and value.type in (type_of_code("i64"), type_of_code("i1")):
                return bool(constant) if value.type == type_of_code("i1") else constant
        return None

    def construct(self, node: ast.Call, cls: type) -> Struct:
        """`Dense(k, b)` (a dataclass) or `Moments(first=m, second=s)` (a NamedTuple)."""
        args, kwargs = self.call_arguments(node)
        if dataclasses.is_dataclass(cls):
            fields = dataclasses.fields(cls)
            if getattr(cls, "__post_init__", None) is not None:
                self.error(node, f"dataclass {cls.__name__} has a __post_init__, which zyg cannot run in "
                           "compiled code", UnsupportedSyntaxError)
            init = [f for f in fields if f.init]
            bound = self.bind_fields(node, cls.__name__, [f.name for f in init], args, kwargs)
            items = []
            for f in fields:
                if f.name in bound:
                    items.append(bound[f.name])
                elif f.default is not dataclasses.MISSING:
                    items.append(self.python_value(node, f.default))
                elif f.default_factory is not dataclasses.MISSING:
                    items.append(self.python_value(node, f.default_factory()))
                else:
                    self.error(node, f"{cls.__name__}() is missing the field '{f.name}'", ZygTypeError)
            return Struct(DATACLASS, items, [f.name for f in fields], cls)
        names = list(cls._fields)
        bound = self.bind_fields(node, cls.__name__, names, args, kwargs)
        defaults = getattr(cls, "_field_defaults", {})
        items = []
        for name in names:
            if name in bound:
                items.append(bound[name])
            elif name in defaults:
                items.append(self.python_value(node, defaults[name]))
            else:
                self.error(node, f"{cls.__name__}() is missing the field '{name}'", ZygTypeError)
        return Struct(NAMEDTUPLE, items, names, cls)

    def bind_fields(self, node: ast.AST, owner: str, names: list[str], args: list, kwargs: dict,
                    what: str = "field") -> dict:
        """`{name: value}` of a call of `owner` with `args` and `kwargs`, whose parameters (`what`s) are
        `names`; those neither give are left out."""
        if len(args) > len(names):
            self.error(node, f"{owner}() takes {len(names)} {what}s, got {len(args)} positional arguments",
                       ZygTypeError)
        bound = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names or key in bound:
                self.error(node, f"{owner}() got an unexpected or repeated {what} '{key}'", ZygTypeError)
            bound[key] = value
        return bound

    def python_value(self, node: ast.AST, obj: object) -> object:
        """A Python object known at compile time (a default, a constant global) as a value: numbers
        become constants, str, None and functions Statics, containers Structs of those."""
        if obj is None or isinstance(obj, str) or is_function(obj):
            return Static(obj)
        if isinstance(obj, (bool, int, float)):
            return self.const(obj)
        try:
            tree, leaves = flatten(obj, _python_constant_code)
        except ZygTypeError as err:
            self.error(node, f"'{ast.unparse(node)}' holds a value zyg cannot use here: {err.message}",
                       ZygTypeError)
        return self.rebuild(tree, [self.const(v) for v in leaves])

    # ----------------------------------------------------------------------------------------------
    # Reading
    # ----------------------------------------------------------------------------------------------

    def struct_item(self, node: ast.AST, base: Struct, key_node: ast.expr) -> object:
        """`base[key]`: a constant position or key, or a constant slice of a sequence."""
        if base.kind == GROWLIST:
            return self.growable_item(node, base, self.visit(key_node))
        if isinstance(key_node, ast.Slice) and base.kind in SEQUENCES:
            bounds = [None if part is None else self.known(self.visit(part))
                      for part in (key_node.lower, key_node.upper, key_node.step)]
            for part, bound in zip((key_node.lower, key_node.upper, key_node.step), bounds):
                if part is not None and not isinstance(bound, int):
                    self.error(node, f"a slice of a {type_name(base.type)} needs bounds known at compile time",
                               ZygTypeError)
            items = base.items[slice(*bounds)]
            return Struct(LIST if base.kind == LIST else TUPLE, items)
        if base.kind in (RUNSTR, FSTRING):
            self.error(node, "indexing a str made at run time (an f-string or input())", UnsupportedSyntaxError)
        if base.kind not in CONTAINERS:
            self.error(node, f"{describe(base)} is not subscriptable", ZygTypeError)
        index = self.visit(key_node)
        if is_struct(index, RUNSTR) and base.kind == DICT:
            return self.runtime_str_item(node, base, index)
        key = self.known(index)
        if key is None:
            if base.kind in SEQUENCES and isinstance(index, SSAValue) and index.type in (I64, I1):
                return self.chosen_item(node, base, index)
            self.error(node, f"the key of a {type_name(base.type)} must be known at compile time",
                       ZygTypeError)
        return self.lookup(node, base, key)

    def chosen_item(self, node: ast.AST, base: Struct, index: SSAValue) -> object:
        """`xs[k]` for an int `k` known only at run time: Python's bounds check (negative `k` counts
        from the end), then the item chosen by a chain of `scf.if`s. Every item must have one
        structure and leaf types (str that differ are str known at run time), the result's whatever
        `k` is."""
        items = base.items
        trees = [self.flat(item)[0] for item in items]
        kind = "tuple" if base.kind == NAMEDTUPLE else type_name(base.type)
        if items and any(t != trees[0] for t in trees[1:]) and all(map(is_function_value, items)):
            return self.dispatch(node, self.checked_position(index, self.const(len(items)), kind), list(items))
        joined = trees[0] if items else None
        for t in trees[1:]:
            joined, other = join_strs(joined, t)
            if joined != other:
                joined = None
                break
        if joined is None:
            self.error(node, f"indexing a {type_name(base.type)} with an int known only at run time needs items "
                       "of one structure and type; index it with a constant, or loop over it", ZygTypeError)
        k = self.checked_position(index, self.const(len(items)), kind)
        chosen = items[-1]
        for position in range(len(items) - 2, -1, -1):
            is_here = self.value(arith.CmpiOp(k, self.const(position), "eq"))
            chosen = self.select_value("the item", is_here, lambda item=items[position]: item,
                                       lambda rest=chosen: rest, node)
        return chosen

    def checked_position(self, index: SSAValue, count: SSAValue, kind: str) -> SSAValue:
        """Run-time int `index` into a sequence of `count` items as a position: a negative one counts
        from the end, and one out of range raises Python's `IndexError` (`list index out of range`)."""
        k = self.convert(index, I64)
        negative = self.value(arith.CmpiOp(k, self.const(0), "slt"))
        k = self.value(arith.SelectOp(negative, self.value(arith.AddiOp(k, count)), k))
        inside = self.value(arith.AndIOp(self.value(arith.CmpiOp(k, self.const(0), "sge")),
                                         self.value(arith.CmpiOp(k, count, "slt"))))
        self.check(inside, "IndexError", f"{kind} index out of range")
        return k

    def lookup(self, node: ast.AST, base: Struct, key: object) -> object:
        try:
            return base.item(key)
        except KeyError:
            if base.kind == DICT:
                self.error(node, f"the dict has no key {key!r} (its keys: {list(base.keys)})", ZygKeyError)
            if base.kind in (DATACLASS, NAMEDTUPLE) and isinstance(key, str):
                self.error(node, f"{type_name(base.type)} has no field {key!r}", ZygKeyError)
            self.error(node, f"index {key!r} out of range for a {type_name(base.type)} of length "
                       f"{len(base.items)}", ZygIndexError)

    def struct_attribute(self, node: ast.Attribute, base: Struct) -> object:
        if base.kind in (DATACLASS, NAMEDTUPLE) and node.attr in base.keys:
            return base.items[base.keys.index(node.attr)]
        self.error(node, f"{describe(base)} has no attribute '{node.attr}'"
                   + (f" (its fields: {', '.join(base.keys)})" if base.kind in (DATACLASS, NAMEDTUPLE) else ""),
                   ZygAttributeError)

    def sequence_items(self, node: ast.AST, value: object) -> list:
        """The items of a value iterated over at compile time: a tuple, list or NamedTuple's items, a
        dict's keys."""
        if is_struct(value, *SEQUENCES):
            return list(value.items)
        if is_struct(value, DICT):
            return [Static(k) if isinstance(k, str) else self.const(k) for k in value.keys]
        if is_struct(value, GROWLIST):
            self.error(node, "a list of run-time length (grown in a loop, or filtered by a run-time test) where zyg "
                       "needs its items at compile time; iterate over it with a `for` loop", ZygTypeError)
        self.error(node, f"cannot iterate over {describe(value)} at compile time here", ZygTypeError)

    def struct_method(self, node: ast.Call, base: Struct, name: str) -> object:
        """`d.keys()`, `d.values()`, `d.items()`, `d.get(k, default)`, `nt._replace(...)`, `xs.index`...
        (the updating methods, `append` and friends, are statements: `update_method`)."""
        args, kwargs = self.call_arguments(node)
        if base.kind == DICT and name in ("keys", "values", "items") and not args and not kwargs:
            keys = [Static(k) if isinstance(k, str) else self.const(k) for k in base.keys]
            if name == "keys":
                return Struct(LIST, keys)
            if name == "values":
                return Struct(LIST, base.items)
            return Struct(LIST, [Struct(TUPLE, pair) for pair in zip(keys, base.items)])
        if base.kind == DICT and name == "get" and 1 <= len(args) <= 2 and not kwargs:
            key = self.known(args[0])
            if key is None:
                self.error(node, "the key of dict.get must be known at compile time", ZygTypeError)
            if key in base.keys:
                return base.item(key)
            return args[1] if len(args) == 2 else Static(None)
        if base.kind == NAMEDTUPLE and name == "_replace" and not args:
            return self.replace_fields(node, base, kwargs)
        if base.kind in (DICT, LIST) and name == "copy" and not args and not kwargs:
            return Struct(base.kind, base.items, base.keys, base.cls)
        self.error(node, f"method '{name}' of {describe(base)} is not supported", UnsupportedSyntaxError)

    def replace_fields(self, node: ast.AST, base: Struct, fields: dict) -> Struct:
        """`dataclasses.replace(obj, f=v)` and `nt._replace(f=v)`: a copy with new field values."""
        result = base
        for key, value in fields.items():
            if key not in base.keys:
                self.error(node, f"{type_name(base.type)} has no field '{key}'", ZygTypeError)
            result = result.replaced(key, value)
        return Struct(base.kind, result.items, base.keys, base.cls)

    def call_arguments(self, node: ast.Call) -> tuple[list, dict]:
        """The positional and keyword argument values of a call; `*xs` and `**d` of static containers
        are spliced in."""
        args = self.elements(node.args)
        kwargs: dict = {}
        for kw in node.keywords:
            value = self.visit(kw.value)
            if kw.arg is not None:
                kwargs[kw.arg] = value
                continue
            if not is_struct(value, DICT) or not all(isinstance(k, str) for k in value.keys):
                self.error(kw.value, f"`**` of {describe(value)} in a call; it takes a dict with str keys",
                           ZygTypeError)
            kwargs.update(zip(value.keys, value.items))
        return args, kwargs

    # ----------------------------------------------------------------------------------------------
    # Operators and comprehensions
    # ----------------------------------------------------------------------------------------------

    def struct_binary(self, op: ast.operator, lhs: object, rhs: object) -> object:
        """`+` of two tuples or two lists, `*` of one by a constant int, `+` of two strs."""
        if isinstance(op, ast.Add) and isinstance(lhs, Static) and isinstance(rhs, Static) \
                and isinstance(lhs.value, str) and isinstance(rhs.value, str):
            return Static(lhs.value + rhs.value)
        if isinstance(op, ast.Add) and is_struct(lhs, *SEQUENCES) and is_struct(rhs, *SEQUENCES) \
                and (lhs.kind == LIST) == (rhs.kind == LIST):
            return Struct(LIST if lhs.kind == LIST else TUPLE, lhs.items + rhs.items)
        if isinstance(op, ast.Add) and is_struct(lhs, GROWLIST) and is_struct(rhs, LIST):
            for item in rhs.items:  # `hs + [h]`: a new list with the items appended
                lhs = self.growable_append(None, lhs, item)
            return lhs
        if isinstance(op, ast.Mult):
            sequence, count = (lhs, rhs) if isinstance(lhs, Struct) else (rhs, lhs)
            times = self.known(count) if isinstance(count, SSAValue) else None
            if is_struct(sequence, *SEQUENCES) and isinstance(times, int) and not isinstance(times, bool):
                return Struct(LIST if sequence.kind == LIST else TUPLE, sequence.items * max(times, 0))
        self.error(None, f"unsupported operand types for {type(op).__name__}: {describe(lhs)} and "
                   f"{describe(rhs)}", ZygTypeError)

    def struct_compare(self, op: ast.cmpop, lhs: object, rhs: object) -> SSAValue:
        """Comparisons that involve a container, a str or None: `is None`, `k in d`, `v in xs`, `==`."""
        if isinstance(op, (ast.Is, ast.IsNot)):
            if isinstance(lhs, SSAValue) and isinstance(rhs, SSAValue):
                self.error(None, "`is` between numbers or arrays; compare them with `==`", UnsupportedSyntaxError)
            same = lhs is rhs or (isinstance(lhs, Static) and isinstance(rhs, Static) and lhs.value == rhs.value)
            return self.const(same == isinstance(op, ast.Is))
        if isinstance(op, (ast.In, ast.NotIn)):
            found = self.contains(rhs, lhs)
            return found if isinstance(op, ast.In) else self.logical_not(found)
        if isinstance(op, (ast.Eq, ast.NotEq)):
            equal = self.equal(lhs, rhs)
            return equal if isinstance(op, ast.Eq) else self.logical_not(equal)
        self.error(None, f"unsupported comparison of {describe(lhs)} and {describe(rhs)}", ZygTypeError)

    def equal(self, lhs: object, rhs: object) -> SSAValue:
        """Python's `==` of two compile-time values: structures compare item by item."""
        if is_struct(lhs, FSTRING) or is_struct(rhs, FSTRING):
            self.error(None, "`==` of an f-string in compiled code; zyg renders f-strings only where they are "
                       "printed, logged, passed to a host function or returned", UnsupportedSyntaxError)
        if is_struct(lhs, RUNSTR) or is_struct(rhs, RUNSTR):
            return self.runtime_str_equal(lhs, rhs)
        if lhs is not rhs and any(isinstance(v, Struct) and is_function_value(v) for v in (lhs, rhs)):
            self.error(None, "`==` of functions made in compiled code (Python compares which function object "
                       "each is, which zyg does not track); compare what they compute", UnsupportedSyntaxError)
        if isinstance(lhs, SSAValue) and isinstance(rhs, SSAValue):
            if is_array(lhs.type) or is_array(rhs.type):
                self.error(None, "`==` of arrays inside a container comparison is ambiguous", ZygTypeError)
            return self.compare(ast.Eq(), lhs, rhs)
        if isinstance(lhs, Static) and isinstance(rhs, Static):
            return self.const(lhs.value == rhs.value)
        if isinstance(lhs, Struct) and isinstance(rhs, Struct):
            if lhs.kind != rhs.kind or lhs.keys != rhs.keys or len(lhs.items) != len(rhs.items) or lhs.cls is not rhs.cls:
                return self.const(False)
            result = self.const(True)
            for a, b in zip(lhs.items, rhs.items):
                result = self.value(arith.AndIOp(result, self.equal(a, b)))
            return result
        return self.const(False)  # a number is never a str, None or a container

    def contains(self, container: object, item: object) -> SSAValue:
        """`item in container` for a dict (its keys, known), a tuple or list, or a str."""
        if is_struct(container, DICT):
            key = self.known(item) if not isinstance(item, Static) else item.value
            if key is None and not isinstance(item, Static):
                self.error(None, "the key of `in` on a dict must be known at compile time", ZygTypeError)
            return self.const(key in container.keys)
        if is_struct(container, *SEQUENCES):
            result = self.const(False)
            for candidate in container.items:
                result = self.value(arith.OrIOp(result, self.equal(item, candidate)))
            return result
        if isinstance(container, Static) and isinstance(container.value, str) and isinstance(item, Static) \
                and isinstance(item.value, str):
            return self.const(item.value in container.value)
        self.error(None, f"`in` of {describe(container)}", ZygTypeError)

    def visit_ListComp(self, node: ast.ListComp) -> Struct:
        return self.kept_items(node, self.comprehension(node.generators, lambda: self.visit(node.elt)))

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> Struct:
        """A generator expression over a container known at compile time: its items, as a list (what
        consumes it, `sum`, `max`, `tuple`..., sees the same values)."""
        return self.kept_items(node, self.comprehension(node.generators, lambda: self.visit(node.elt)))

    def kept_items(self, node: ast.AST, candidates: list[tuple[SSAValue | bool, object]]) -> Struct:
        """The list of the items of `candidates` (pairs `(keep, item)`) that are kept: a list known at
        compile time where every `keep` is True, else one of run-time length (`filtered_list`)."""
        if all(keep is True for keep, _ in candidates):
            return Struct(LIST, [item for _, item in candidates])
        return self.filtered_list(node, candidates)

    def visit_DictComp(self, node: ast.DictComp) -> Struct:
        keys: list = []
        values: list = []
        refused = "an `if` of a dict comprehension that depends on run-time values: zyg knows a dict's keys at " \
                  "compile time"
        for _, (key, value) in self.comprehension(node.generators,
                                                  lambda: (self.static_key(node.key), self.visit(node.value)), refused):
            _set_key(keys, values, key, value)
        return Struct(DICT, values, keys)

    def comprehension(self, generators: list[ast.comprehension], produce,
                      refused: str | None = None) -> list[tuple[SSAValue | bool, object]]:
        """`(keep, value)` for each binding of the generators (containers and constant ranges, unrolled),
        in a scope of their own: `value` what `produce()` gives, `keep` True or, where an `if` clause
        depends on run-time values, an i1 (the value and what follows the test are then computed only
        where it holds, as Python does); such a clause is the error `refused` where that is given."""
        results: list = []

        def walk(level: int, keep: SSAValue | bool) -> None:
            if level == len(generators):
                results.append((keep, self.guarded(keep, produce)))
                return
            generator = generators[level]
            if generator.is_async:
                self.error(generator.iter, "an async comprehension", UnsupportedSyntaxError)
            items = self.guarded(keep, lambda: Struct(LIST, self.static_iteration(generator.iter))).items
            for item in items:
                self.bind_target(generator, generator.target, item)
                here = keep
                for test in generator.ifs:
                    here = self.guarded_truth(here, test)
                    if here is False:
                        break
                    if here is not True and refused:
                        self.error(test, refused, UnsupportedSyntaxError)
                if here is not False:
                    walk(level + 1, here)

        with self.at(self.block, self.scope.fork()):
            walk(0, True)
        return results

    def guarded(self, keep: SSAValue | bool, make) -> object:
        """`make()` where `keep` holds (True, or an i1 known at run time; elsewhere a placeholder)."""
        if keep is True:
            return make()
        made: list = []
        return self.select_value("a comprehension's item", keep, lambda: made.append(make()) or made[0],
                                 lambda: self.zero_tree(self.flat(made[0])[0]), self.node)

    def guarded_truth(self, keep: SSAValue | bool, test: ast.expr) -> SSAValue | bool:
        """Whether `keep` holds and then `test` does: a bool where known at compile time, else an i1."""
        truth = self.guarded(keep, lambda: self.truth(self.visit(test)))
        if keep is not True:
            truth = self.value(arith.AndIOp(keep, truth))
        known = self.known(truth)
        return truth if known is None else bool(known)

    def static_iteration(self, node: ast.expr) -> list:
        """The items of an iteration known at compile time: a container, or a range of constants."""
        iterable = self.iterable(node)
        if isinstance(iterable, Struct):
            return self.sequence_items(node, iterable)
        self.error(node, f"a comprehension over {describe(iterable)}: zyg unrolls comprehensions over "
                   "containers and constant ranges (write a `for` loop)", UnsupportedSyntaxError)

    def iterable(self, node: ast.expr) -> object:
        """The value `node` iterates over: a range of constants as a list of them, else its value."""
        if isinstance(node, ast.Call) and self.static_value(node.func, quiet=True) is range:
            start, stop, step = self._range_bounds(node)
            bounds = [self.known(v) for v in (start, stop, step)]
            if all(isinstance(b, int) for b in bounds):
                return Struct(LIST, [self.const(i) for i in range(*bounds)])
            self.error(node, "a comprehension over a range whose bounds are known only at run time makes a "
                       "list of run-time length; zyg unrolls comprehensions over containers and constant "
                       "ranges (write a `for` loop)", UnsupportedSyntaxError)
        return self.visit(node)

    # ----------------------------------------------------------------------------------------------
    # Updating: new values, with Python's aliasing rules checked
    # ----------------------------------------------------------------------------------------------

    def updated(self, node: ast.AST, target: ast.expr, value: object) -> None:
        """`target = value` where `target` is an item or attribute (`xs[i]`, `d["k"]`, `obj.f`, nested
        `m["layers"][0].w`): rebinds the variable at its root to a new value with that part replaced."""
        if isinstance(target, ast.Name):
            self.assign(target, value)
            return
        if not isinstance(target, (ast.Subscript, ast.Attribute)):
            self.error(target, f"assignment to `{ast.unparse(target)}`", UnsupportedSyntaxError)
        holder = self.visit(target.value)
        self.check_update(node, target.value, holder)
        if isinstance(target, ast.Attribute):
            if not is_struct(holder, DATACLASS):
                what = "a NamedTuple (it is immutable: use `_replace`)" if is_struct(holder, NAMEDTUPLE) \
                    else describe(holder)
                self.error(target, f"assignment to the attribute '{target.attr}' of {what}", ZygTypeError)
            if holder.cls.__dataclass_params__.frozen:
                self.error(target, f"dataclasses.FrozenInstanceError: cannot assign to field '{target.attr}' of "
                           f"the frozen dataclass {holder.cls.__name__}", ZygTypeError)
            if target.attr not in holder.keys:
                self.error(target, f"{holder.cls.__name__} has no field '{target.attr}'", ZygTypeError)
            new_holder = holder.replaced(target.attr, value)
        elif isinstance(holder, Struct):
            new_holder = self.replaced_item(target, holder, value)
        else:
            if not isinstance(holder, SSAValue) or not is_array(holder.type):
                self.error(target, f"item assignment to {describe(holder)}", ZygTypeError)
            self.check_mutation(target, root_name(target) or "the array", holder)
            new_holder = self.share_storage(self.array_setitem(target, holder, value), holder)
        self.updated(node, target.value, new_holder)

    def replaced_item(self, target: ast.Subscript, holder: Struct, value: object) -> Struct:
        if holder.kind == DICT:
            return holder.replaced(self.static_key(target.slice), value)
        if holder.kind != LIST:
            self.error(target, f"TypeError: '{type_name(holder.type)}' object does not support item assignment",
                       ZygTypeError)
        index = self.known(self.visit(target.slice))
        if not isinstance(index, int):
            self.error(target, "the index of a list item assignment must be known at compile time", ZygTypeError)
        if not -len(holder.items) <= index < len(holder.items):
            self.error(target, f"list assignment index {index} out of range (length {len(holder.items)})",
                       ZygIndexError)
        return holder.replaced(index % len(holder.items), value)

    def update_method(self, node: ast.Call, receiver_node: ast.expr, name: str) -> bool:
        """`xs.append(v)`, `xs.extend(ys)`, `xs.insert(i, v)`, `xs.pop()`, `d.update(...)`,
        `d.setdefault(k, v)` as statements: rebinds the receiver; False if `name` is none of them."""
        receiver = self.visit(receiver_node)
        if not isinstance(receiver, Struct) or name not in _UPDATING_METHODS.get(receiver.kind, ()):
            return False
        self.check_update(node, receiver_node, receiver)
        args, kwargs = self.call_arguments(node)
        if receiver.kind == GROWLIST:
            if name != "append" or len(args) != 1 or kwargs:
                self.error(node, f"a list grown in a loop takes append(item), not {name}()", UnsupportedSyntaxError)
            self.updated(node, receiver_node, self.growable_append(node, receiver, args[0]))
            return True
        items, keys = list(receiver.items), list(receiver.keys)
        if name == "append" and len(args) == 1 and not kwargs:
            items.append(args[0])
        elif name == "extend" and len(args) == 1 and not kwargs:
            items += self.sequence_items(node.args[0], args[0])
        elif name == "insert" and len(args) == 2 and isinstance(self.known(args[0]), int):
            items.insert(self.known(args[0]), args[1])
        elif name == "update" and len(args) <= 1:
            other = args[0] if args else Struct(DICT, [], [])
            if not is_struct(other, DICT):
                self.error(node, f"dict.update of {describe(other)}; it takes a dict", ZygTypeError)
            for k, v in [*zip(other.keys, other.items), *kwargs.items()]:
                _set_key(keys, items, k, v)
        elif name == "setdefault" and len(args) == 2:
            key = self.static_key(node.args[0])
            if key not in keys:
                _set_key(keys, items, key, args[1])
        else:
            self.error(node, f"unsupported call of {type_name(receiver.type)}.{name}", UnsupportedSyntaxError)
        self.updated(node, receiver_node, Struct(receiver.kind, items, keys, receiver.cls))
        return True

    def check_update(self, node: ast.AST, holder_node: ast.expr, holder: object) -> None:
        """Rejects updating a container that the caller or another name would see change in Python."""
        if not isinstance(holder, Struct):
            return
        owner = self.parameter_structs.get(holder)
        if owner is not None:
            self.error(node, f"this updates (part of) the argument '{owner}' in place (line "
                       f"{self.bound_at.get(owner)}); zyg does not mutate its caller's values: build a new "
                       "one, or copy it first", UnsupportedSyntaxError)
        root = root_name(holder_node)
        for other, value in self.scope.values.items():
            if other.startswith(".") or other == root:
                continue
            if _contains(value, holder):
                self.error(node, f"this updates a {type_name(holder.type)} that '{other}' also holds (bound at "
                           f"line {self.bound_at.get(other)}); Python would change '{other}' too: copy it "
                           "first", UnsupportedSyntaxError)
        if root is not None and _count(self.scope.get(root), holder) > 1:
            self.error(node, f"this updates a {type_name(holder.type)} that '{root}' holds twice; Python "
                       "would change both: copy it first", UnsupportedSyntaxError)

    def carry_parameter_marks(self, before: object, after: object) -> None:
        """Marks the containers of `after` (a value rebuilt by a loop carry or a branch merge) that
        stand where `before` held an argument's container, so updating them stays an error."""
        if not isinstance(before, Struct) or not isinstance(after, Struct):
            return
        owner = self.parameter_structs.get(before)
        if owner is not None:
            self.parameter_structs[after] = owner
        if before.kind == after.kind and len(before.items) == len(after.items):
            for b, a in zip(before.items, after.items):
                self.carry_parameter_marks(b, a)

    def mark_parameter(self, value: object, name: str) -> None:
        """Records every container inside argument `name`: updating one in place is an error."""
        if isinstance(value, Struct):
            self.parameter_structs[value] = name
            for item in value.items:
                self.mark_parameter(item, name)
        elif isinstance(value, SSAValue):
            self.parameters[value] = name


def _dict(cg: StructCodegen, node: ast.Call) -> Struct:
    args, kwargs = cg.call_arguments(node)
    keys: list = []
    values: list = []
    if len(args) > 1:
        cg.error(node, "dict() takes at most one positional argument", ZygTypeError)
    if args:
        source = args[0]
        if is_struct(source, DICT):
            pairs = list(zip(source.keys, source.items))
        elif is_struct(source, *SEQUENCES):
            pairs = []
            for pair in source.items:
                if not is_struct(pair, *SEQUENCES) or len(pair.items) != 2:
                    cg.error(node, "dict() of a sequence needs (key, value) pairs", ZygTypeError)
                key = pair.items[0].value if isinstance(pair.items[0], Static) else cg.known(pair.items[0])
                if key is None or isinstance(key, bool):
                    cg.error(node, "dict() keys must be str or int constants", ZygTypeError)
                pairs.append((key, pair.items[1]))
        else:
            cg.error(node, f"dict() of {describe(source)}", ZygTypeError)
        for key, value in pairs:
            _set_key(keys, values, key, value)
    for key, value in kwargs.items():
        _set_key(keys, values, key, value)
    return Struct(DICT, values, keys)


def _sequence(kind: str):
    def build(cg: StructCodegen, node: ast.Call) -> Struct:
        if node.keywords or len(node.args) > 1:
            cg.error(node, f"{kind}() takes one positional argument", ZygTypeError)
        if not node.args:
            return Struct(kind, [])
        value = cg.iterable(node.args[0])
        if kind == LIST and is_struct(value, GROWLIST):  # a copy: the same items, another list
            return Struct(GROWLIST, value.items, value.keys)
        return Struct(kind, cg.sequence_items(node.args[0], value))

    return build


def _zip(cg: StructCodegen, node: ast.Call) -> Struct:
    if node.keywords:
        cg.error(node, "keyword arguments to zip()", UnsupportedSyntaxError)
    columns = [cg.static_iteration(a) for a in node.args]
    length = min((len(c) for c in columns), default=0)
    return Struct(LIST, [Struct(TUPLE, [c[i] for c in columns]) for i in range(length)])


def _enumerate(cg: StructCodegen, node: ast.Call) -> Struct:
    args, kwargs = cg.call_arguments(node)
    start = cg.known(kwargs.get("start", args[1] if len(args) > 1 else cg.const(0)))
    if not node.args or not isinstance(start, int):
        cg.error(node, "enumerate() takes a container and a constant start", ZygTypeError)
    items = cg.static_iteration(node.args[0])
    return Struct(LIST, [Struct(TUPLE, [cg.const(start + i), item]) for i, item in enumerate(items)])


def _reversed(cg: StructCodegen, node: ast.Call) -> Struct:
    if len(node.args) != 1 or node.keywords:
        cg.error(node, "reversed() takes one argument", ZygTypeError)
    return Struct(LIST, cg.static_iteration(node.args[0])[::-1])


def _sum(cg: StructCodegen, node: ast.Call) -> object:
    """`sum(xs)` of a container or a generator over one: Python's left fold from `start` (0)."""
    args, kwargs = cg.call_arguments(node)
    if not 1 <= len(args) <= 2 or set(kwargs) - {"start"}:
        cg.error(node, "sum() takes an iterable and a start", ZygTypeError)
    if is_struct(args[0], GROWLIST) and len(args) == 1 and not kwargs:
        return cg.growable_sum(args[0])
    items = cg.sequence_items(node.args[0], args[0])
    start = kwargs.get("start", args[1] if len(args) > 1 else None)
    if start is None:
        if items and isinstance(items[0], SSAValue) and is_array(items[0].type):
            start, items = items[0], items[1:]  # 0 + a is a, without an array operation
        else:
            start = cg.const(0)
    total = start
    for item in items:
        total = cg.binary(ast.Add(), total, item)
    return total


def _any_all(is_all: bool):
    def fold(cg: StructCodegen, node: ast.Call) -> SSAValue:
        if len(node.args) != 1 or node.keywords:
            cg.error(node, f"{'all' if is_all else 'any'}() takes one argument", ZygTypeError)
        result = cg.const(is_all)
        for item in cg.static_iteration(node.args[0]):
            truth = cg.truth(item)
            result = cg.value((arith.AndIOp if is_all else arith.OrIOp)(result, truth))
        return result

    return fold


def _replace(cg: StructCodegen, node: ast.Call) -> Struct:
    args, kwargs = cg.call_arguments(node)
    if len(args) != 1 or not is_struct(args[0], DATACLASS):
        cg.error(node, "dataclasses.replace() takes a dataclass instance and fields", ZygTypeError)
    return cg.replace_fields(node, args[0], kwargs)


def _isinstance(cg: StructCodegen, node: ast.Call) -> SSAValue:
    """`isinstance(x, cls)`, known at compile time from `x`'s type."""
    if len(node.args) != 2 or node.keywords:
        cg.error(node, "isinstance() takes two arguments", ZygTypeError)
    value = cg.visit(node.args[0])
    classes = cg.static_argument(node.args[1])
    classes = classes if isinstance(classes, tuple) else (classes,)
    return cg.const(any(_is_instance(value, cls) for cls in classes))


def _is_instance(value: object, cls: type) -> bool:
    if isinstance(value, Struct):
        python = {TUPLE: tuple, LIST: list, DICT: dict}.get(value.kind, value.cls)
        return isinstance(cls, type) and issubclass(python, cls)
    if isinstance(value, Static):
        return isinstance(value.value, cls)
    python_type = {F64: float, F32: np.float32, I64: int, I1: bool}.get(value.type, np.ndarray)
    return isinstance(cls, type) and issubclass(python_type, cls)


CONTAINER_BUILTINS = {
    dict: _dict, list: _sequence(LIST), tuple: _sequence(TUPLE), zip: _zip, enumerate: _enumerate,
    reversed: _reversed, sum: _sum, any: _any_all(False), all: _any_all(True), dataclasses.replace: _replace,
    isinstance: _isinstance,
}


_UPDATING_METHODS = {LIST: ("append", "extend", "insert"), DICT: ("update", "setdefault"), GROWLIST: ("append",)}
UPDATING_METHOD_NAMES = frozenset(name for names in _UPDATING_METHODS.values() for name in names)


def _set_key(keys: list, values: list, key: object, value: object) -> None:
    if key in keys:
        values[keys.index(key)] = value
    else:
        keys.append(key)
        values.append(value)


def _python_constant_code(value: object) -> str | None:
    """The type code of a number inside a compile-time Python constant (a default, a global tuple)."""
    if isinstance(value, bool):
        return "i1"
    if isinstance(value, int):
        return "i64"
    if isinstance(value, float):
        return "f64"
    return None


def root_name(node: ast.expr) -> str | None:
    """The variable an item or attribute expression starts from (`m` in `m["layers"][0].w`)."""
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _contains(value: object, part: object) -> bool:
    if value is part:
        return True
    return isinstance(value, Struct) and any(_contains(item, part) for item in value.items)


def _count(value: object, part: object) -> int:
    if value is part:
        return 1
    return sum(_count(item, part) for item in value.items) if isinstance(value, Struct) else 0


__all__ = ["StructCodegen", "is_struct", "describe"]
