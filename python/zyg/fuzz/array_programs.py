"""Random NumPy programs: a seed in, a `Program` whose source defines `f(a, b, s, ...)` out.

a and b are float64 arrays of small shapes drawn together so that some operations between them are
valid (equal shapes, a row against a matrix, (n, 1) against (1, m), a matrix product), s a float.
The body uses elementwise operators and functions (guarded into their domains), `np.where`,
`np.maximum`, reductions with `axis`/`keepdims`, `@`, indexing, slices, reshapes and transposes,
element loops over `range(len(a))`, and in-place updates of arrays the function created; "..." are
structured arguments (dicts, lists, tuples, dataclasses and NamedTuples of arrays, floats and ints,
see `structured.py`), and structures appear inside too (parameter sets, lists of arrays grown by
`append` then stacked, summed or indexed). It returns a float or a structure. Every candidate expression is evaluated once on stand-in arrays of the right
shapes, so only expressions whose shapes fit are kept.
"""

from __future__ import annotations

import math
import random

import numpy as np

from zyg.fuzz.grammar import Scope, Writer, choose
from zyg.fuzz.program import Program
from zyg.fuzz.structured import FLOAT_LEAF, INT_LEAF, Structured
from zyg.fuzz.trees import Node, float_leaves, standin

_UNARY = [
    "np.sin({0})", "np.cos({0})", "np.tanh({0})", "np.arctan({0})", "np.exp(np.tanh({0}))",
    "np.log(1.0 + {0} * {0})", "np.sqrt(1.0 + {0} * {0})", "np.abs({0})", "np.square(np.tanh({0}))",
    "np.log1p({0} * {0})", "np.arcsin(np.tanh({0}) * 0.9)", "np.cosh(np.tanh({0}))", "-({0})",
    "np.clip({0}, -1.0, 1.0)", "({0}) ** 2", "np.exp(-({0}) * ({0}))",
]
_BINARY = [
    "({0} + {1})", "({0} - {1})", "({0} * {1})", "({0} / (1.0 + {1} * {1}))", "np.maximum({0}, {1})",
    "np.minimum({0}, {1})", "np.arctan2({0}, 1.0 + {1} * {1})", "np.logaddexp({0}, {1})",
]
_GATED_BINARY = {"hypot": "np.hypot({0}, {1})"}
_REDUCTIONS = ["np.sum", "np.mean", "np.max", "np.min"]  # max/min: gated by "tied_max"
_SHAPE_PLANS = ["vec", "mat", "row", "outer", "matmul", "col"]


def _shapes(rng: random.Random) -> tuple[tuple[int, ...], tuple[int, ...]]:
    n, m, p = rng.randint(2, 4), rng.randint(2, 4), rng.randint(2, 4)
    return {
        "vec": ((n,), (n,)), "mat": ((n, m), (n, m)), "row": ((n, m), (m,)),
        "outer": ((n, 1), (1, m)), "matmul": ((n, m), (m, p)), "col": ((n,), (m, n)),
    }[rng.choice(_SHAPE_PLANS)]


class ArrayGenerator(Structured):
    """Writes one array program; the scope maps each name to its shape (() for a float)."""

    TANH = "np.tanh"

    def __init__(self, rng: random.Random, constructs: frozenset[str], shapes) -> None:
        super().__init__(constructs)
        self.rng = rng
        self.out = Writer()
        self.scope = Scope()
        self.counter = 0
        self.constructs = constructs
        self.binary = _BINARY + [t for name, t in _GATED_BINARY.items() if name in constructs]
        self.owned: set[str] = set()  # arrays the function created: the only ones updated in place
        self.used: set[str] = set()
        self.shapes = shapes
        self.structures = "structures" in constructs

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def standins(self) -> dict[str, object]:
        """Stand-in values (0.5 everywhere) for the names in scope, structures included."""
        env = {name: (0.5 if shape == () else np.full(shape, 0.5)) for name, shape in self.scope.items()}
        env.update({name: standin(node) for name, node in self.scope.structs() if name.isidentifier()})
        return env

    def shape_of(self, src: str):
        """The shape of `src` run on stand-ins for the names in scope, or None where NumPy rejects it."""
        env = self.standins()
        try:
            with np.errstate(all="ignore"):
                return np.shape(eval(src, {**env, "np": np, "math": math}))
        except Exception:
            return None

    def note_assignment(self, name: str, src: str) -> None:
        """Keeps `owned` to arrays no other name sees: `name = src` owns a new array, and a view
        of an owned array makes that one shared (NumPy would update both, zyg rejects it)."""
        env = self.standins()
        with np.errstate(all="ignore"):
            value = eval(src, {**env, "np": np, "math": math})
        shared = {n for n, x in env.items() if isinstance(x, np.ndarray) and np.shares_memory(value, x)}
        self.owned -= shared
        # part of a structure: updating it in place would update the structure (an argument's, maybe)
        in_structure = any(isinstance(x, np.ndarray) and np.shares_memory(value, x)
                           for name, node in self.scope.structs() if name.isidentifier() and not node.is_leaf
                           for x in float_leaves(env[name]))
        # A view of a temporary (`np.cos(a).T`) is no one else's either, but zyg rejects updating it.
        if isinstance(value, np.ndarray) and value.shape and not shared and not in_structure and value.base is None:
            self.owned.add(name)
        else:
            self.owned.discard(name)

    # leaves of structures (see `Structured`) --------------------------------------------------

    def leaf_types(self) -> list[Node]:
        shape_a, shape_b = self.shapes
        return [Node("array", shape_a), Node("array", shape_b), FLOAT_LEAF, INT_LEAF]

    def leaf_source(self, node: Node) -> str:
        if node.kind == "int":
            return self.int_source() or str(self.rng.randint(1, 3))
        for _ in range(20):
            src, shape = self.expr(1, scalar=node.kind == "float")
            if shape == node.shape:
                break
        else:
            src = f"np.zeros({node.shape})" if node.shape else "0.5"
        self.note_assignment("_", src)  # a structure that holds an array shares it
        return src

    def leaf_tag(self, node: Node):
        return node.shape if node.kind != "int" else None

    def int_source(self) -> str | None:
        ints = [name for name, node in self.scope.structs() if node.kind == "int"]
        return self.rng.choice(ints) if ints else None

    def loss_term(self, src: str, node: Node) -> str:
        if node.kind == "array":
            return self.rng.choice([f"np.sum({src})", f"np.sum(np.sin({src}))", f"np.mean({src} * {src})"])
        return self.rng.choice([f"{src}", f"0.5 * {src}"])

    def grown_read(self, name: str, item: Node) -> tuple[str, Node]:
        if item.kind != "array":
            return super().grown_read(name, item)
        return self.rng.choice([
            (f"np.sum(np.stack({name}) ** 2)", FLOAT_LEAF), (f"sum({name})", item),
            (f"{name}[-1] * len({name})", item), (f"np.mean(np.array({name}), axis=0)", item),
            (f"np.stack({name})[-1] + {name}[0]", item),
        ])

    # expressions -------------------------------------------------------------------------------

    def expr(self, depth: int, scalar: bool = False) -> tuple[str, tuple]:
        """An expression and its shape; `scalar` asks for a float (shape ())."""
        for _ in range(20):
            src = self.candidate(depth, scalar)
            shape = self.shape_of(src) if src is not None else None
            # no empty arrays: indexing one is an error, and they exercise nothing
            if shape is not None and (shape == () or (not scalar and 0 not in shape)):
                return src, shape
        return self.leaf(True), ()

    def candidate(self, depth: int, scalar: bool) -> str | None:
        if depth <= 0:
            return self.leaf(scalar)
        d = depth - 1
        return choose(self.rng, [
            (2, lambda: self.leaf(scalar)),
            (4, lambda: self.rng.choice(_UNARY).format(self.expr(d, scalar)[0])),
            (4, lambda: self.binop(d, scalar)),
            (1, lambda: self.where(d, scalar)),
            (3, lambda: self.reduction(d, scalar)),
            (0 if scalar else 2, lambda: self.shape_op(d)),
            (2, lambda: self.index(scalar)),
            (2, lambda: self.matmul(scalar)),
            (1 if "tied_max" in self.constructs and not scalar else 0, self.filled),
        ])

    def leaf(self, scalar: bool) -> str:
        names = self.scope.names(lambda shape: shape == () or not scalar)
        elements = [n for n in names if "[" in n]
        if elements and self.rng.random() < 0.5:  # a loop body should read the loop's elements
            return self.rng.choice(elements)
        if self.rng.random() < 0.15:
            return repr(self.rng.choice([0.5, 2.0, -1.5, 0.25]))
        return self.rng.choice(names)

    def binop(self, depth: int, scalar: bool) -> str:
        template = self.rng.choice(self.binary)
        if template in _GATED_BINARY.values():
            self.used.add("hypot")
        return template.format(self.expr(depth, scalar)[0], self.expr(depth, scalar)[0])

    def where(self, depth: int, scalar: bool) -> str:
        lhs, rhs = self.expr(depth, scalar)[0], self.expr(0, scalar)[0]
        return f"np.where({lhs} > {rhs}, {self.expr(depth, scalar)[0]}, {self.expr(depth, scalar)[0]})"

    def reduction(self, depth: int, scalar: bool) -> str | None:
        src, shape = self.expr(depth)
        if shape == ():
            return None
        reductions = _REDUCTIONS if "tied_max" in self.constructs else ["np.sum", "np.mean"]
        function = self.rng.choice(reductions + ["prod"])
        if function == "prod":  # factors near 1, so the product stays moderate
            function, src = "np.prod", f"(1.0 + 0.5 * np.tanh({src}))"
        if function in ("np.max", "np.min"):
            self.used.add("tied_max")  # a tie can come from broadcasting as well as from np.ones
        if scalar or self.rng.random() < 0.4:
            return f"{function}({src})"
        axis = self.rng.choice(list(range(len(shape))) + [-1])
        keepdims = ", keepdims=True" if self.rng.random() < 0.4 else ""
        if self.rng.random() < 0.3:
            return f"{src}.{function[3:]}(axis={axis}{keepdims})"
        return f"{function}({src}, axis={axis}{keepdims})"

    def shape_op(self, depth: int) -> str | None:
        src, shape = self.expr(depth)
        if len(shape) == 0:
            return None
        options = [f"{src}.reshape(-1)", f"{src}.flatten()"]
        if "ravel" in self.constructs:
            options.append(f"{src}.ravel()")
        if len(shape) == 2:
            options += [f"{src}.T", f"np.transpose({src})", f"{src}.reshape({shape[1]}, {shape[0]})"]
        if len(shape) == 1:
            options += [f"{src}[:, None]", f"np.expand_dims({src}, 0)", f"np.concatenate([{src}, {src} * 0.5])"]
        choice = self.rng.choice(options)
        if ".ravel()" in choice:
            self.used.add("ravel")
        return choice

    def index(self, scalar: bool) -> str | None:
        names = self.scope.names(lambda shape: shape != ())
        if not names:
            return None
        name = self.rng.choice(names)
        shape = self.scope.tag(name)
        i = self.rng.randint(-shape[0], shape[0] - 1)
        if scalar:
            return f"{name}[{', '.join(str(self.rng.randint(0, n - 1)) for n in shape)}]"
        options = [f"{name}[{i}]", f"{name}[1:]", f"{name}[:-1]", f"{name}[::2]"]
        if len(shape) == 2:
            options += [f"{name}[:, {self.rng.randint(0, shape[1] - 1)}]", f"{name}[{i}, :]", f"{name}[1:, :-1]"]
        return self.rng.choice(options)

    def matmul(self, scalar: bool) -> str | None:
        names = self.scope.names(lambda shape: len(shape) in (1, 2))
        operands = [n for n in names] + [f"{n}.T" for n in names if len(self.scope.tag(n)) == 2]
        pairs = [(x, y) for x in operands for y in operands if self.shape_of(f"{x} @ {y}") is not None]
        if scalar:
            if "scalar_matmul" not in self.constructs:
                return None
            self.used.add("scalar_matmul")
            pairs = [(x, y) for x, y in pairs if self.shape_of(f"{x} @ {y}") == ()]
        if not pairs:
            return None
        x, y = self.rng.choice(pairs)
        return self.rng.choice([f"({x} @ {y})", f"np.dot({x}, {y})", f"(np.tanh({x}) @ {y})"])

    def filled(self) -> str | None:
        shapes = [s for _, s in self.scope.items() if s != ()]
        if not shapes:  # a helper of floats
            return None
        self.used.add("tied_max")
        shape = self.rng.choice(shapes)
        return self.rng.choice([f"s * np.ones({shape})", f"np.full({shape}, s * 0.5)"])

    # statements --------------------------------------------------------------------------------

    def stmt(self, depth: int) -> None:
        choose(self.rng, [
            (4, self.assign_new),
            (2, self.update_in_place),
            (2, self.element_loop),
            (2, self.accumulate_loop),
            (1, self.row_loop),
            (1 if depth > 0 else 0, lambda: self.if_stmt(depth - 1)),
            (3 if self.structures else 0, self.struct_stmt),
        ])

    def assign_new(self) -> None:
        src, shape = self.expr(2)
        name = self.fresh("c" if shape else "t")
        self.out.line(f"{name} = {src}")
        self.note_assignment(name, src)
        self.scope.add(name, shape)

    def update_in_place(self) -> None:
        targets = [n for n in self.owned if n in dict(self.scope.items())]
        if not targets:
            return self.assign_new()
        name = self.rng.choice(sorted(targets))
        shape = self.scope.tag(name)
        for _ in range(10):
            src, other = self.expr(1)
            if np.broadcast_shapes(shape, other) == shape if self.shape_of(f"{name} + {src}") else False:
                break
        else:
            src = "s"
        self.out.line(self.rng.choice([f"{name} += {src}", f"{name} -= {src}",
                                       f"{name} *= 0.5 + 0.25 * np.tanh({src})"]))
        if len(shape) >= 1 and self.rng.random() < 0.5:
            index = ", ".join(str(self.rng.randint(0, n - 1)) for n in shape)
            self.out.line(f"{name}[{index}] = {self.expr(1, scalar=True)[0]}")

    def vectors(self) -> list[str]:
        return [n for n, shape in self.scope.items() if len(shape) == 1]

    def element_loop(self) -> None:
        vectors = self.vectors()
        if not vectors:
            return self.assign_new()
        x = self.rng.choice(vectors)
        partners = [v for v in vectors if self.scope.tag(v) == self.scope.tag(x)]
        name, i = self.fresh("c"), self.fresh("i")
        self.out.line(f"{name} = np.zeros(len({x}))")
        self.out.line(f"for {i} in range(len({x})):")
        with self.out.indented(), self.scope.block():
            self.scope.add(f"{x}[{i}]", ())
            self.scope.add(f"{self.rng.choice(partners)}[{i}]", ())
            self.scope.add(i, ())
            value = self.expr(2, scalar=True)[0]
            self.out.line(f"{name}[{i}] {self.rng.choice(['=', '+='])} {value}")
        self.scope.add(name, self.scope.tag(x))
        self.owned.add(name)

    def accumulate_loop(self) -> None:
        vectors = self.vectors()
        if not vectors:
            return self.assign_new()
        x = self.rng.choice(vectors)
        name, i = self.fresh("t"), self.fresh("i")
        self.out.line(f"{name} = 0.0")
        self.out.line(f"for {i} in range(len({x})):")
        with self.out.indented(), self.scope.block():
            self.scope.add(f"{x}[{i}]", ())
            self.scope.add(name, ())
            value = self.expr(2, scalar=True)[0]
            self.out.line(self.rng.choice([f"{name} += {value}", f"{name} = math.tanh({name} + {value})"]))
            if self.rng.random() < 0.3:
                self.out.line(f"if {x}[{i}] > {self.rng.choice(['0.5', 's', '-0.5'])}:")
                with self.out.indented():
                    self.out.line(self.rng.choice(["break", "continue"]))
        self.scope.add(name, ())

    def row_loop(self) -> None:
        matrices = [n for n, shape in self.scope.items() if len(shape) == 2]
        if not matrices:
            return self.accumulate_loop()
        x = self.rng.choice(matrices)
        name = self.fresh("t")
        self.out.line(f"{name} = 0.0")
        self.out.line(f"for row in {x}:")
        with self.out.indented(), self.scope.block():
            self.scope.add("row", self.scope.tag(x)[1:])
            value = self.expr(2, scalar=True)[0]
            self.out.line(f"{name} = {name} * 0.5 + {value}")
        self.scope.add(name, ())

    def if_stmt(self, depth: int) -> None:
        self.out.line(f"if {self.expr(1, scalar=True)[0]} > {self.expr(0, scalar=True)[0]}:")
        self.branch(depth)
        if self.rng.random() < 0.6:
            self.out.line("else:")
            self.branch(depth)

    def branch(self, depth: int) -> None:
        """A branch reassigns names that exist before it (same shape) and keeps its new names local."""
        with self.out.indented(), self.scope.block():
            for _ in range(self.rng.randint(1, 2)):
                names = [n for n, _ in self.scope.items() if n.isidentifier() and n not in ("a", "b", "s")]
                if not names or self.rng.random() < 0.4:
                    self.stmt(depth)
                    continue
                name = self.rng.choice(names)
                for _ in range(10):
                    src, shape = self.expr(2)
                    if shape == self.scope.tag(name):
                        self.out.line(f"{name} = {src}")
                        self.note_assignment(name, src)
                        break

    def program(self) -> str:
        self.out.line("import math")
        self.out.line("")
        self.out.line("import numpy as np")
        self.out.line("")
        self.out.line("")
        self.plan("p")
        if self.struct_params and self.rng.random() < 0.5:
            self.struct_helper()
        params = "a, b, s" + self.param_names()
        self.out.line(f"def f({params}):")
        with self.out.indented(), self.scope.block():
            shape_a, shape_b = self.shapes
            self.scope.add("a", shape_a)
            self.scope.add("b", shape_b)
            self.scope.add("s", ())
            for name, node in self.struct_params:
                self.bind(name, node)
            for _ in range(self.rng.randint(2, 5)):
                self.stmt(1)
            src, shape = self.expr(2)
            if shape:
                src = f"np.sum({src})"
            scalar = f"float({src})" if self.rng.random() < 0.5 else src
            self.out.line(f"return {self.return_source(scalar)}")
        self.out.lines += self.loss_lines(params)
        self.out.lines[3:3] = self.header()
        return self.out.text()


def array_points(rng: random.Random, generator: ArrayGenerator, count: int, nan_args: bool) -> tuple[tuple, ...]:
    np_rng = np.random.default_rng(rng.randrange(2**32))

    def leaf_value(node: Node):
        if node.kind == "array":
            return np.round(np_rng.normal(size=node.shape), 3)
        return round(rng.uniform(-2.0, 2.0), 3) if node.kind == "float" else rng.randint(0, 4)

    points = []
    for _ in range(count):
        a, b = (np.round(np_rng.normal(size=shape), 3) for shape in generator.shapes)
        if nan_args and rng.random() < 0.3:
            a.flat[rng.randrange(a.size)] = math.nan
        points.append((a, b, round(rng.uniform(-2.0, 2.0), 3) or 0.5, *generator.param_specs(leaf_value)))
    return tuple(points)


def array_program(seed: int, constructs: frozenset[str], points: int = 3) -> Program:
    """The array program of `seed`, with `points` argument tuples."""
    rng = random.Random(seed)
    shapes = _shapes(rng)
    generator = ArrayGenerator(rng, constructs, shapes)
    source = generator.program()
    nan_args = "nan_args" in constructs
    used = generator.used | ({"nan_args"} if nan_args else set())
    return Program("array", seed, source, array_points(rng, generator, points, nan_args), frozenset(used))
