"""What a compile read besides its entry function: the facts a cached compile must still match.

In (while compiling): every free name the frontend resolves (`Dependencies.name`), every module
attribute it reads (`Dependencies.attribute`), every function it compiles from source
(`Dependencies.source`) and the custom rules of the functions it calls (`Dependencies.rule`). Out:
`records`, a JSON-able list, and `still_valid(entry, records)`, which replays the records against the
live objects: a name that now means another value, an edited callee, a changed default argument or a
rule registered, redefined or edited makes it False. No xDSL here, so a disk-cache hit can check cheaply.
`Guard(entry, records)` is the same check made fast enough for every call: a compiled function
whose globals were rebound since it was compiled is compiled again, so a global read in `f` is read
at each call, as Python does.

Free data (a global or closure variable holding an array, or a container with arrays in it) is not
compiled in: the compiled code takes it as a hidden argument, read at each call. Its record (kind
`data`, from `Dependencies.data`) describes only its structure and leaf types (`data_description`);
`data_readers` gives the callables that read the live values for a call.

Each record is `[kind, owner, name, description]`. `owner` indexes the functions and modules met so
far (0 is the entry function, then the `roots`: the Python functions passed in the entry's arguments,
which a compile specialises on; each function or module a record resolves to is appended the first
time), so a replay reaches callees, closures and `module.attr` chains exactly as the compile did.
A compile with roots is never on disk (a function has no name stable across processes).
"""

from __future__ import annotations

import builtins
import dataclasses
import functools
import hashlib
import inspect
import json
import os
import types

import numpy as np

from zyg.checkpoint import Checkpointed
from zyg.errors import ZygTypeError
from zyg.frontend.trees import NotDescribable, TreeDef, flatten
from zyg.rules import Rule, registered, rule_of
from zyg.typecodes import type_code_of

_MISSING = "<undefined>"


def is_free_data(obj: object) -> bool:
    """Whether a global or closure value is data the compiled code takes at each call (an array, or a
    container with an array in it or that can change in place: a list, a dict, a dataclass instance
    that is not frozen), rather than a constant it compiles in. Python reads such a value at each
    call, so a compile must too."""
    if isinstance(obj, np.ndarray):
        return True
    if _is_container(obj):
        try:
            _, leaves = flatten(obj, type_code_of)
        except ZygTypeError:
            return False
        return any(isinstance(leaf, np.ndarray) for leaf in leaves) or _changes_in_place(obj)
    return False


def _is_container(obj: object) -> bool:
    return isinstance(obj, (tuple, list, dict)) or (dataclasses.is_dataclass(obj) and not isinstance(obj, type))


def _items(obj: object) -> list:
    if isinstance(obj, dict):
        return list(obj.values())
    if isinstance(obj, (tuple, list)):
        return list(obj)
    return [getattr(obj, f.name) for f in dataclasses.fields(obj)]


def _changes_in_place(obj: object) -> bool:
    """Whether container `obj` is, or holds, a list, a dict or a dataclass instance that is not frozen."""
    if isinstance(obj, (list, dict)):
        return True
    if dataclasses.is_dataclass(obj) and not obj.__dataclass_params__.frozen:
        return True
    return any(_is_container(item) and _changes_in_place(item) for item in _items(obj))


@dataclasses.dataclass(frozen=True)
class FreeData:
    """A global or closure variable holding data (an array, or a container with arrays): the compiled
    code takes its leaves as hidden arguments, read at each call.

    `key` tells two reads of one variable apart from reads of another (the module's namespace or
    closure cell, and the name); `record` indexes its `Dependencies` record (the API reads the value
    through it); `tree` is its structure and leaf types."""

    key: tuple
    name: str
    tree: TreeDef
    record: int


def free_data_key(fn: types.FunctionType, name: str) -> tuple:
    """What tells a free name of `fn` apart: its closure cell, or its module namespace and the name."""
    code = fn.__code__
    if name in code.co_freevars and fn.__closure__ is not None:
        return ("cell", id(fn.__closure__[code.co_freevars.index(name)]))
    return ("global", id(fn.__globals__), name)


def data_description(obj: object) -> str | None:
    """The structure and leaf types of free data, as text (None when zyg cannot take it)."""
    try:
        tree, _ = flatten(obj, type_code_of)
        return json.dumps(tree.describe())
    except (ZygTypeError, NotDescribable):  # not data zyg takes, or data holding functions (not cached)
        return None


def lookup_name(fn: types.FunctionType, name: str) -> tuple[bool, object]:
    """Resolves a free name of `fn` as Python would: closure cell, module global, builtin."""
    code = fn.__code__
    if name in code.co_freevars and fn.__closure__ is not None:
        cell = fn.__closure__[code.co_freevars.index(name)]
        try:
            return True, cell.cell_contents
        except ValueError:
            return False, None
    if name in fn.__globals__:
        return True, fn.__globals__[name]
    if hasattr(builtins, name):
        return True, getattr(builtins, name)
    return False, None


def describe(obj: object) -> str | None:
    """A stable text standing for `obj` across processes, or None if there is none (the compile is
    then not cached). Numbers and strings by value; modules, functions and types by name (a
    compiled function's source is recorded separately)."""
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes)):
        return f"{type(obj).__name__}:{obj!r}"
    if isinstance(obj, (tuple, list)):
        items = [describe(item) for item in obj]
        return None if None in items else f"{type(obj).__name__}:[{','.join(items)}]"
    if isinstance(obj, types.ModuleType):
        return f"module:{obj.__name__}"
    if isinstance(obj, np.dtype):
        return f"dtype:{obj.str}"
    if callable(obj):  # functions, builtins, ufuncs, NumPy's dispatchers, classes
        name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
        if not isinstance(name, str):
            return None
        kind = type(obj)
        return f"{kind.__module__}.{kind.__qualname__}:{getattr(obj, '__module__', None)}.{name}"
    return None


def source_fingerprint(fn: types.FunctionType) -> str | None:
    """A digest of everything of `fn` the frontend compiles: its file, position and source text, its
    code's positions (two lambdas on one line differ there) and its default arguments. None when the
    source cannot be read (zyg cannot compile it either)."""
    try:
        lines, first_line = inspect.getsourcelines(fn)
        filename = os.path.abspath(inspect.getsourcefile(fn) or fn.__code__.co_filename)
    except (OSError, TypeError):
        return None
    defaults = describe(fn.__defaults__)
    if defaults is None:
        return None
    positions = list(fn.__code__.co_positions()) if hasattr(fn.__code__, "co_positions") else []
    text = json.dumps([fn.__module__, fn.__qualname__, filename, first_line, "".join(lines), positions, defaults])
    return hashlib.sha256(text.encode()).hexdigest()


def _owners_in(obj: object) -> list[object]:
    """The objects whose names a compile may read next, reached through `obj`: `obj` itself if it is a
    function or a module (the function of a `zyg.checkpoint`), else the Python functions held in the container `obj`, in order."""
    if isinstance(obj, (types.FunctionType, types.ModuleType)):
        return [obj]
    if isinstance(obj, Checkpointed):  # `zyg.checkpoint(f)`: the compile reads f's names
        return [obj.fn]
    if not _is_container(obj):
        return []
    return [owner for item in _items(obj) if isinstance(item, types.FunctionType) or _is_container(item)
            for owner in _owners_in(item)]


class Dependencies:
    """Records the dependencies of one compile of `entry` (see the module docstring)."""

    def __init__(self, entry: types.FunctionType, roots: tuple[types.FunctionType, ...] = ()):
        self.records: list[list] = []
        self.cacheable = True  # False once something was read that has no stable description
        self._keep_alive: list[object] = _start(entry, roots)  # ids stay unique while the objects live
        self._objects: dict[int, int] = {id(obj): index for index, obj in enumerate(self._keep_alive)}
        self._seen_at: dict[tuple, int] = {}  # (kind, owner, name) -> its record's index

    def name(self, fn: types.FunctionType, name: str) -> tuple[bool, object]:
        """`lookup_name(fn, name)`, recorded."""
        found, obj = lookup_name(fn, name)
        self._record("name", fn, name, obj, found)
        return found, obj

    def attribute(self, module: types.ModuleType, name: str) -> object:
        """`getattr(module, name)`, recorded."""
        obj = getattr(module, name)
        self._record("attr", module, name, obj, True)
        return obj

    def data(self, fn: types.FunctionType, name: str) -> int:
        """Records that free name `name` of `fn` is free data; returns its record's index (-1 where
        the records cannot reach `fn`)."""
        found, obj = lookup_name(fn, name)
        self._record("data", fn, name, obj, found)
        owner = self._objects.get(id(fn))
        return self._seen_at.get(("data", owner, name), -1)

    def source(self, fn: types.FunctionType) -> None:
        """Records that `fn` was compiled from its source."""
        self._record("source", fn, "", None, True)

    def rule(self, fn: types.FunctionType) -> Rule | None:
        """`rule_of(fn)`, recorded: registering, redefining or removing `fn`'s rule ends the compile."""
        rule = rule_of(fn)
        self._record("rule", fn, "", rule, True)
        return rule

    def _record(self, kind: str, owner: object, name: str, obj: object, found: bool) -> None:
        index = self._objects.get(id(owner))
        if index is None:
            # Reached in a way the records cannot replay; zyg's own library code (the compiled
            # helpers of `np.linalg.qr`, `np.cumsum`, ...) and what it reads are fixed by the cache
            # key (zyg's sources, NumPy's version), so those reads need no record.
            if not _compiler_own(owner):
                self.cacheable = False
            return
        if (kind, index, name) in self._seen_at:
            return
        self._seen_at[(kind, index, name)] = len(self.records)
        description = _description(kind, owner, obj, found)
        if description is None:
            # Kept (for the in-process `Guard`, which then compares identities only); such records
            # never reach the disk cache, since the compile is not cacheable.
            self.cacheable = False
        self.records.append([kind, index, name, description])
        for reached in _owners_in(obj) if kind != "source" and found else ():
            if id(reached) not in self._objects:
                self._objects[id(reached)] = len(self._keep_alive)
                self._keep_alive.append(reached)


def _compiler_own(owner: object) -> bool:
    """Whether `owner` is a function of zyg's own modules, or a module only they reach here (the user's
    code reaches NumPy and `math` through a recorded name, which puts them among the records' objects)."""
    if isinstance(owner, types.FunctionType):
        return (owner.__module__ or "").split(".")[0] == "zyg"
    return isinstance(owner, types.ModuleType) and owner.__name__.split(".")[0] in ("zyg", "numpy", "math")


def _description(kind: str, owner: object, obj: object, found: bool) -> str | None:
    if kind == "source":
        return source_fingerprint(owner)
    if kind == "rule":
        return rule_description(obj)
    if kind == "data":
        return data_description(obj) if found else _MISSING
    return describe(obj) if found else _MISSING


def rule_description(rule: Rule | None) -> str | None:
    """A text standing for `rule` across processes: the source fingerprint of each of its functions, so
    a rule edited or moved to another function compiles again (None where a source cannot be read)."""
    if rule is None:
        return "none"
    parts = [None if g is None else source_fingerprint(g) for g in (rule.forward, rule.backward, rule.jvp)]
    if any(p is None and g is not None for p, g in zip(parts, (rule.forward, rule.backward, rule.jvp))):
        return None
    return json.dumps(parts)


def _start(entry: types.FunctionType, roots: tuple[types.FunctionType, ...]) -> list[object]:
    """The objects records start from: the entry, then each root not met before."""
    objects: list[object] = [entry]
    for root in roots:
        if all(root is not obj for obj in objects):
            objects.append(root)
    return objects


def _replay(entry: types.FunctionType, records: list, roots: tuple[types.FunctionType, ...] = ()):
    """Yields `(kind, owner, name, found, obj, description)` for each record, resolved against the
    live objects as the compile resolved it; `owner` is None where a record no longer resolves."""
    objects = _start(entry, roots)
    known = {id(obj) for obj in objects}
    for kind, index, name, description in records:
        owner = objects[index] if 0 <= index < len(objects) else None
        found, obj = True, None
        if kind in ("name", "data") and isinstance(owner, types.FunctionType):
            found, obj = lookup_name(owner, name)
        elif kind == "attr" and isinstance(owner, types.ModuleType):
            found, obj = hasattr(owner, name), getattr(owner, name, None)
        elif kind == "rule" and isinstance(owner, types.FunctionType):
            obj = rule_of(owner)
        elif kind != "source" or not isinstance(owner, types.FunctionType):
            owner = None
        yield kind, owner, name, found, obj, description
        for reached in _owners_in(obj) if kind != "source" and found else ():
            if id(reached) not in known:
                known.add(id(reached))
                objects.append(reached)


def still_valid(entry: types.FunctionType, records: list, roots: tuple[types.FunctionType, ...] = ()) -> bool:
    """Whether every recorded name, attribute and callee source still holds for `entry`."""
    for kind, owner, _, found, obj, description in _replay(entry, records, roots):
        if owner is None or description is None or _description(kind, owner, obj, found) != description:
            return False
    return True


_ABSENT = object()  # what a probe reads where a name is not bound


def _cell_reader(cell):
    def read(_key, default):
        try:
            return cell.cell_contents
        except ValueError:
            return default

    return read


def _attribute_reader(obj):
    return functools.partial(getattr, obj)  # C all the way: probes run at every call


def _probes(entry: types.FunctionType, records: list, roots: tuple[types.FunctionType, ...]) -> list[tuple] | None:
    """`(read, key, expected)` triples: `read(key, _ABSENT) is expected` while every record holds
    with the very objects the compile saw. None where a record no longer resolves."""
    probes = []
    for kind, owner, name, found, obj, _ in _replay(entry, records, roots):
        if owner is None:
            return None
        if kind == "data":  # read at each call; `data_readers` checks its structure
            continue
        if kind == "rule":
            probes.append((registered, owner, obj if obj is not None else _ABSENT))
        elif kind == "source":
            probes += [(_attribute_reader(owner), "__code__", owner.__code__),
                       (_attribute_reader(owner), "__defaults__", owner.__defaults__)]
        elif kind == "attr":
            namespace = vars(owner)
            reader = namespace.get if name in namespace or not found else _attribute_reader(owner)
            probes.append((reader, name, obj if found else _ABSENT))
        elif name in owner.__code__.co_freevars and owner.__closure__ is not None:
            probes.append((_cell_reader(owner.__closure__[owner.__code__.co_freevars.index(name)]), name,
                           obj if found else _ABSENT))
        else:
            in_globals = name in owner.__globals__
            probes.append((owner.__globals__.get, name, obj if in_globals else _ABSENT))
            if not in_globals:  # a builtin, or undefined: a later global of that name shadows it
                probes.append((vars(builtins).get, name, obj if found else _ABSENT))
    return probes


class Guard:
    """Whether a compile of `entry` that read `records` still stands, checked at each call.

    The fast path compares identities: every name and attribute the compile read is bound to the
    very object it saw. When one is not (`SCALE = 3.0` rebinds a global), the records are compared
    by value (`still_valid`): equal values keep the compile (the probes are renewed), another value,
    a rebound callee or new default arguments end it.
    """

    def __init__(self, entry: types.FunctionType, records: list, roots: tuple[types.FunctionType, ...] = ()):
        self.entry, self.records, self.roots = entry, records, roots
        self._set_probes(_probes(entry, records, roots))

    def __call__(self) -> bool:
        return self.check() or self._renew()

    def _renew(self) -> bool:
        if self._probes is None or not still_valid(self.entry, self.records, self.roots):
            self._set_probes(None)
            return False
        self._set_probes(_probes(self.entry, self.records, self.roots))
        return self._probes is not None

    def _set_probes(self, probes: list[tuple] | None) -> None:
        """Keeps `probes` and makes `check`, a function of no arguments that is True while every probe
        finds the very object the compile saw: one expression, for the fast path of every call."""
        self._probes = probes
        if probes is None:
            self.check = _never
            return
        names: dict[str, object] = {"ABSENT": _ABSENT}
        terms = []
        for index, (read, key, expected) in enumerate(probes):
            names.update({f"read{index}": read, f"key{index}": key, f"expected{index}": expected})
            terms.append(f"read{index}(key{index}, ABSENT) is expected{index}")
        parameters = ", ".join(f"{name}={name}" for name in names)  # bound as defaults: local loads
        self.check = eval(f"lambda {parameters}: {' and '.join(terms) or 'True'}", names)  # noqa: S307


def _never() -> bool:
    return False


def data_readers(entry: types.FunctionType, records: list, indices: tuple[int, ...],
                 roots: tuple[types.FunctionType, ...] = ()) -> list | None:
    """Callables reading the live value of each free-data record at `indices` (in that order); None
    where a record no longer resolves."""
    readers: dict[int, object] = {}
    wanted = set(indices)
    for index, (kind, owner, name, _, _, _) in enumerate(_replay(entry, records, roots)):
        if index in wanted:
            if owner is None or kind != "data":
                return None
            readers[index] = _free_reader(owner, name)
    return [readers[i] for i in indices]


def _free_reader(owner: types.FunctionType, name: str):
    """Reads free name `name` of `owner` now (a closure cell or a module global)."""
    code = owner.__code__
    if name in code.co_freevars and owner.__closure__ is not None:
        cell = owner.__closure__[code.co_freevars.index(name)]
        return lambda: cell.cell_contents
    namespace = owner.__globals__
    return lambda: namespace[name]
