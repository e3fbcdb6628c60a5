"""Structures in generated programs, shared by the scalar and the array generator: a generator's
leaf expressions in, statements over tuples, lists, dicts, dataclasses and NamedTuples out.

`Structured` is a base class. Its subclass says how to write a leaf of a given type (`leaf_source`),
which tag a leaf gets in the scope (`leaf_tag`), a run-time int (`int_source`) and a loss term of a
leaf (`loss_term`); from those this class writes structured parameters, reads of their parts,
copies and updates (`dataclasses.replace`, `_replace`, `dict(...)`, `d[k] = v`, `obj.f = v`),
unpacking, loops over containers, reductions, run-time indexing, lists grown by `append` in loops
of run-time trip counts, helpers taking and returning structures, structured results with the
program's `loss`, and the class definitions, at module level.
"""

from __future__ import annotations

import random

from zyg.fuzz.grammar import Scope, Writer, choose
from zyg.fuzz.trees import Classes, Node, accessors, constructor, random_node, spec

FLOAT_LEAF, INT_LEAF = Node("float"), Node("int")


class Structured:
    """What a generator needs to write structures; see the module docstring."""

    rng: random.Random
    out: Writer
    scope: Scope
    used: set[str]
    TANH = "math.tanh"

    def __init__(self, constructs: frozenset[str]) -> None:
        self.classes = Classes()
        self.owned_structs: set[str] = set()  # structures the function built: the only ones updated
        self.struct_params: list[tuple[str, Node]] = []
        self.struct_helpers: list[tuple[str, Node, Node]] = []  # (name, parameter type, result type)
        self.result: Node | None = None
        self.loop_depth = 0
        self.struct_args = "structures" in constructs
        self.struct_results = "struct_results" in constructs
        self.allow_classes = "classes" in constructs

    # what a generator provides ------------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        raise NotImplementedError

    def leaf_types(self) -> list[Node]:
        """The leaf types structures of this kind of program hold."""
        raise NotImplementedError

    def leaf_source(self, node: Node) -> str:
        """An expression of leaf type `node`."""
        raise NotImplementedError

    def leaf_tag(self, node: Node):
        """The scope tag of a leaf of type `node`, or None to keep it out of the plain scope."""
        raise NotImplementedError

    def int_source(self) -> str | None:
        """A small non-negative run-time int expression, or None where there is none."""
        raise NotImplementedError

    def loss_term(self, src: str, node: Node) -> str:
        """A float of the float leaf `src` for the loss."""
        raise NotImplementedError

    def enter_helper(self) -> None:
        """Adds what every function's scope has (a module constant) to a new helper's scope."""

    # types and parameters -----------------------------------------------------------------------

    def random_type(self, depth: int = 2) -> Node:
        return random_node(self.rng, lambda: self.rng.choice(self.leaf_types()), self.classes, depth,
                           self.allow_classes)

    def plan(self, prefix: str) -> None:
        """Decides the structured parameters and the result type (before any source is written)."""
        if self.struct_args and self.rng.random() < 0.5:
            self.used.add("structures")
            for _ in range(self.rng.choice([1, 1, 2])):
                self.struct_params.append((self.fresh(prefix), self.random_type(self.rng.choice([1, 2, 3]))))
        if self.struct_results and self.rng.random() < 0.35:
            self.used.add("struct_results")
            if self.struct_params and self.rng.random() < 0.3:  # an argument's type comes back
                self.result = Node("tuple", children=((0, self.rng.choice(self.struct_params)[1]), (1, FLOAT_LEAF)))
            else:
                self.result = self.random_type(self.rng.choice([1, 2]))
            if not any(leaf.kind != "int" for leaf in self.result.leaves()):
                self.result = Node("tuple", children=((0, self.result), (1, FLOAT_LEAF)))
        if self.classes.nodes:
            self.used.add("classes")

    def param_names(self) -> str:
        return "".join(f", {name}" for name, _ in self.struct_params)

    def param_specs(self, leaf_value) -> tuple:
        """Specs of the structured parameters, each leaf from `leaf_value(node)`."""
        return tuple(spec(node, leaf_value) for _, node in self.struct_params)

    def bind(self, name: str, node: Node, owned: bool = False) -> None:
        """Puts `name` of type `node` and all its parts in scope; leaves also in the plain scope."""
        if node.is_leaf:
            tag = self.leaf_tag(node)
            if tag is not None:
                self.scope.add(name, tag)
            self.scope.add_struct(name, node)
            return
        self.scope.add_struct(name, node)
        for path, part in accessors(node, name, self.rng):
            self.scope.add_struct(path, part)
            tag = self.leaf_tag(part) if part.is_leaf else None
            if tag is not None:
                self.scope.add(path, tag)
        if owned:
            self.owned_structs.add(name)
        else:
            self.owned_structs.discard(name)

    def build(self, node: Node) -> str:
        """Source of a value of type `node`: sometimes a structure of that type in scope, else a new
        one, built part by part the same way."""
        same = [name for name, n in self.scope.structs() if n == node and not node.is_leaf]
        if same and self.rng.random() < 0.5:
            name = self.rng.choice(same)
            self.owned_structs.discard(name)  # the new value holds it too: updating it would show there
            return name
        if node.is_leaf:
            return self.leaf_source(node)
        parts = iter([self.build(child) for _, child in node.children])
        return constructor(node, lambda _: next(parts), self.rng, shallow=True)

    # statements ---------------------------------------------------------------------------------

    def containers(self, accept) -> list[tuple[str, Node]]:
        return [(name, node) for name, node in self.scope.structs() if not node.is_leaf and accept(node)]

    def struct_stmt(self) -> None:
        """One statement through a structure in scope (or a new one)."""
        self.used.add("structures")
        classes = self.containers(lambda n: n.kind in ("dataclass", "namedtuple") and self._float_children(n))
        copyable = self.containers(lambda n: n.kind in ("dict", "list") and self._float_children(n))
        owned = [(n, node) for n, node in self.containers(lambda n: n.mutable and self._float_children(n))
                 if n in self.owned_structs]
        sequences = self.containers(lambda n: n.kind in ("tuple", "list", "dict") and n.homogeneous() is not None
                                    and n.homogeneous().is_leaf and n.homogeneous().kind != "int")
        unpackable = self.containers(lambda n: n.kind in ("tuple", "namedtuple", "list") and len(n.children) <= 3)
        helpers = [h for h in self.struct_helpers if self.containers(lambda n, h=h: n == h[1])]
        choose(self.rng, [
            (2, self.new_literal),
            (3 if classes else 0, lambda: self.replace(*self.rng.choice(classes))),
            (2 if copyable else 0, lambda: self.copy_update(*self.rng.choice(copyable))),
            (4 if owned else 0, lambda: self.update_part(*self.rng.choice(owned))),
            (2 if unpackable else 0, lambda: self.unpack(*self.rng.choice(unpackable))),
            (3 if sequences else 0, lambda: self.over_sequence(*self.rng.choice(sequences))),
            (2, self.grow),
            (3 if helpers else 0, lambda: self.call_helper(self.rng.choice(helpers))),
        ])

    @staticmethod
    def _float_children(node: Node) -> list[tuple[object, Node]]:
        return [(k, c) for k, c in node.children if c.is_leaf and c.kind != "int"]

    def new_literal(self) -> None:
        node = self.random_type(self.rng.choice([1, 2]))
        name = self.fresh("d")
        self.out.line(f"{name} = {self.build(node)}")
        self.bind(name, node, owned=True)

    def replace(self, src: str, node: Node) -> None:
        key, child = self.rng.choice(self._float_children(node))
        name = self.fresh("d")
        if node.kind == "dataclass":
            self.out.line(f"{name} = dataclasses.replace({src}, {key}={self.leaf_source(child)})")
        else:
            self.out.line(f"{name} = {src}._replace({key}={self.leaf_source(child)})")
        self.bind(name, node, owned=True)

    def copy_update(self, src: str, node: Node) -> None:
        name = self.fresh("d")
        self.out.line(f"{name} = {node.kind}({src})")
        self.bind(name, node, owned=True)
        self.update_part(name, node)

    def update_part(self, name: str, node: Node) -> None:
        """`name[key] = v` or `name.key = v` (or `+=`) for a float leaf of a structure the function built."""
        key, child = self.rng.choice(self._float_children(node))
        target = f"{name}.{key}" if node.kind == "dataclass" else f"{name}[{key!r}]"
        value = self.leaf_source(child)
        if self.loop_depth:  # squashed, so a loop cannot blow the value up
            self.out.line(f"{target} = {self.TANH}({target} * 0.5 + {value})")
        elif child.kind == "float":
            self.out.line(self.rng.choice([f"{target} = {value}", f"{target} += {value}"]))
        else:  # not `+=`: an array leaf may be an argument's array, which NumPy would update in place
            self.out.line(f"{target} = {target} + {value}")

    def unpack(self, src: str, node: Node) -> None:
        names = [self.fresh("u") for _ in node.children]
        self.out.line(f"{', '.join(names)}{',' if len(names) == 1 else ''} = {src}")
        for name, (_, child) in zip(names, node.children):
            self.bind(name, child)

    def over_sequence(self, src: str, node: Node) -> None:
        """A reduction, a loop or a run-time index over a container whose items are one float type."""
        item = node.homogeneous()
        values = f"{src}.values()" if node.kind == "dict" else src
        name, v = self.fresh("t"), self.fresh("v")
        index = self.int_source()

        def loop() -> None:
            self.out.line(f"{name} = 0.0")
            header = self.rng.choice([f"for {v} in {values}:", f"for _, {v} in enumerate({values}):"]
                                     + ([f"for _, {v} in {src}.items():"] if node.kind == "dict" else []))
            self.out.line(header)
            self.loop_depth += 1
            with self.out.indented(), self.scope.block():
                self.bind(v, item)
                term = self.loss_term(f"({v} + {self.leaf_source(item)})", item)
                self.out.line(f"{name} = {name} * 0.5 + {term}")
            self.loop_depth -= 1
            self.bind(name, FLOAT_LEAF)

        def reduce() -> None:
            self.out.line(f"{name} = sum({values}) + len({src})")
            self.bind(name, item)

        def pick() -> None:
            self.out.line(f"{name} = {src}[({index}) % len({src})]")
            self.bind(name, item)

        choose(self.rng, [(3, loop), (2, reduce), (2 if index is not None and node.kind == "list" else 0, pick)])

    def grow(self) -> None:
        """A list grown by `append` in a loop (a run-time trip count where there is one), then read."""
        item = self.rng.choice([leaf for leaf in self.leaf_types() if leaf.kind != "int"])
        name, j = self.fresh("hs"), self.fresh("j")
        count = self.int_source() or str(self.rng.randint(1, 3))
        self.out.line(f"{name} = [{self.leaf_source(item)}]")
        self.out.line(f"for {j} in range({count}):")
        self.loop_depth += 1
        with self.out.indented(), self.scope.block():
            self.bind(name, Node("list", children=((0, item),)))  # inside the loop: only its last item is read
            self.out.line(f"{name}.append({self.TANH}({name}[-1] * 0.5 + {self.leaf_source(item)}))")
        self.loop_depth -= 1
        result = self.fresh("v")
        src, node = self.grown_read(name, item)
        self.out.line(f"{result} = {src}")
        self.bind(result, node)

    def grown_read(self, name: str, item: Node) -> tuple[str, Node]:
        """A read of the grown list `name` of items of type `item`, and its type."""
        return self.rng.choice([f"sum({name}) + {name}[0] * len({name})", f"{name}[-1] + {name}[len({name}) // 2]"]), item

    # helpers ------------------------------------------------------------------------------------

    def struct_helper(self) -> None:
        """A module-level function of a structure (of a parameter's type) and a float, returning a
        float or a structure; `call_helper` calls it."""
        if not self.struct_params:
            return
        node = self.rng.choice(self.struct_params)[1]
        result = FLOAT_LEAF if self.rng.random() < 0.5 else self.random_type(1)
        name = self.fresh("hs")
        self.out.line(f"def {name}(q, w):")
        with self.out.indented(), self.scope.block():
            self.enter_helper()
            self.bind("q", node)
            self.bind("w", FLOAT_LEAF)
            for _ in range(self.rng.randint(0, 1)):
                self.struct_stmt()
            self.out.line(f"return {self.build(result)}")
        self.out.line("")
        self.out.line("")
        self.struct_helpers.append((name, node, result))

    def call_helper(self, helper: tuple[str, Node, Node]) -> None:
        name, node, result = helper
        src = self.rng.choice([n for n, t in self.scope.structs() if t == node])
        target = self.fresh("d")
        self.out.line(f"{target} = {name}({src}, {self.leaf_source(FLOAT_LEAF)})")
        self.bind(target, result, owned=True)

    # results ------------------------------------------------------------------------------------

    def return_source(self, scalar: str) -> str:
        """What `f` returns: the structured result where the program has one, else `scalar`."""
        return self.build(self.result) if self.result is not None else scalar

    def loss_lines(self, params: str) -> list[str]:
        """`loss(params)`: a float of `f`'s structured result, or nothing where the result is a float."""
        if self.result is None:
            return []
        parts = [(src, node) for src, node in accessors(self.result, "out") if node.is_leaf and node.kind != "int"]
        terms = [self.loss_term(src, node) for src, node in parts]
        return ["", "", f"def loss({params}):", f"    out = f({params})", f"    return {' + '.join(terms)}"]

    def header(self) -> list[str]:
        """The imports and class definitions that go after the program's other imports."""
        if not self.classes.nodes:
            return []
        return ["import dataclasses", "import typing", "", "", *self.classes.source()[:-1]]
