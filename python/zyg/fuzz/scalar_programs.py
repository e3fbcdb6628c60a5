"""Random scalar programs: a seed in, a `Program` whose source defines `f(x, y, k, ...)` out.

x and y are floats, k a small int (0..6), and "..." structured arguments (tuples, lists, dicts,
dataclasses and NamedTuples of floats and small ints, see `structured.py`); `f` returns a float or a
structure of them. The body mixes arithmetic, guarded `math` calls (their
arguments are squashed into the domain, so no point raises), `abs`/`min`/`max`, `if`/`elif`/`else`,
conditional expressions, `for` over run-time ranges, bounded `while` loops, `break`, `continue`,
early `return`, module-level helpers and a bounded recursion. Loop-carried updates are squashed
(`tanh`, a factor in (0.25, 0.75)) so values stay far from overflow.
"""

from __future__ import annotations

import random

from zyg.fuzz.grammar import Scope, Writer, choose
from zyg.fuzz.program import Program
from zyg.fuzz.structured import FLOAT_LEAF, INT_LEAF, Structured
from zyg.fuzz.trees import Node

FLOAT, INT, DICT = "float", "int", "dict"  # a DICT variable holds floats under the keys "p" and "q"

# One-argument math templates; {0} is the argument, repeated where the guard needs it.
_MATH_UNARY = [
    "math.sin({0})", "math.cos({0})", "math.tanh({0})", "math.atan({0})", "math.exp(math.tanh({0}))",
    "math.log(2.0 + {0} * {0})", "math.sqrt(1.0 + {0} * {0})", "math.asin(math.tanh({0}) * 0.9)",
    "math.acos(math.tanh({0}) * 0.9)", "math.log1p({0} * {0})", "math.sinh(math.tanh({0}))",
    "math.cosh(math.tanh({0}))", "math.expm1(math.tanh({0}))", "math.log2(1.5 + math.sin({0}))",
    "math.log10(1.0 + {0} * {0})", "math.fabs({0})", "abs({0})", "math.tan(math.tanh({0}))",
    "math.pow(1.0 + {0} * {0}, 0.25)", "({0}) ** 2", "math.floor({0})", "math.exp(-({0}) * ({0}))",
]
_MATH_BINARY = ["math.atan2({0}, 1.0 + {1} * {1})", "min({0}, {1})", "max({0}, {1})",
                "({0}) / (1.0 + ({1}) * ({1}))", "math.pow(1.5 + math.sin({0}), {1} * 0.5)"]
_GATED_UNARY = {"raw_sqrt": "math.sqrt(abs({0}))"}
_GATED_BINARY = {"hypot": "math.hypot({0}, {1})"}


class ScalarGenerator(Structured):
    """Writes one scalar program; every `_expr`/`_stmt` builder reads and extends the scope."""

    def __init__(self, rng: random.Random, constructs: frozenset[str]) -> None:
        super().__init__(constructs)
        self.rng = rng
        self.out = Writer()
        self.scope = Scope()
        self.counter = 0
        self.helpers: list[tuple[str, str]] = []  # (name, "ff" | "fi"): the parameter types
        self.unary = _MATH_UNARY + [t for name, t in _GATED_UNARY.items() if name in constructs]
        self.binary = _MATH_BINARY + [t for name, t in _GATED_BINARY.items() if name in constructs]
        self.used: set[str] = set()
        self.float_containers = "containers" in constructs
        self.structures = "structures" in constructs

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # leaves of structures (see `Structured`) --------------------------------------------------

    def leaf_types(self) -> list[Node]:
        return [FLOAT_LEAF, FLOAT_LEAF, INT_LEAF]

    def leaf_source(self, node: Node) -> str:
        return self.fexpr(1) if node.kind == "float" else self.iexpr()

    def leaf_tag(self, node: Node) -> str:
        return FLOAT if node.kind == "float" else INT

    def int_source(self) -> str | None:
        return self.iexpr() if self.scope.names(lambda t: t == INT) else None

    def loss_term(self, src: str, node: Node) -> str:
        return self.rng.choice([f"{src}", f"math.sin({src})", f"0.5 * {src}"])

    def enter_helper(self) -> None:
        self.scope.add("K", INT)

    # expressions -------------------------------------------------------------------------------

    def fexpr(self, depth: int) -> str:
        """A float expression."""
        if depth <= 0:
            return self.fleaf()
        d = depth - 1
        return choose(self.rng, [
            (3, self.fleaf),
            (4, lambda: f"({self.fexpr(d)} {self.rng.choice('+-*')} {self.fexpr(d)})"),
            (4, lambda: self.apply(self.rng.choice(self.unary), self.fexpr(d))),
            (2, lambda: self.apply(self.rng.choice(self.binary), self.fexpr(d), self.fexpr(d))),
            (1, lambda: f"(-{self.fexpr(d)})"),
            (1, lambda: f"({self.fexpr(d)} if {self.cond(d)} else {self.fexpr(d)})"),
            (1, lambda: f"({self.fexpr(d)} * {self.iexpr()})"),
            (2 if self.helpers else 0, lambda: self.call(d)),
        ])

    def apply(self, template: str, *args: str) -> str:
        if template in _GATED_UNARY.values() or template in _GATED_BINARY.values():
            self.used.update(n for n, t in {**_GATED_UNARY, **_GATED_BINARY}.items() if t == template)
        return template.format(*args)

    def fleaf(self) -> str:
        names = self.scope.names(lambda t: t == FLOAT)
        dicts = self.scope.names(lambda t: t == DICT)
        return choose(self.rng, [
            (6, lambda: self.rng.choice(names)),
            (2 if dicts else 0, lambda: f"{self.rng.choice(dicts)}[{self.rng.choice(['p', 'q'])!r}]"),
            (1, lambda: repr(self.rng.choice([0.5, 1.5, -2.0, 0.25, 3.0, -0.75]))),
            (1, lambda: f"float({self.iexpr()})"),
        ])

    def iexpr(self) -> str:
        """A small int expression (loop bounds, recursion depths, int arithmetic)."""
        names = self.scope.names(lambda t: t == INT)
        name = self.rng.choice(names)
        return self.rng.choice([
            name, name, f"({name} + 1)", f"({name} % 3)", f"({name} // 2)", f"min({name}, 3)",
            f"abs({name} - 2)", str(self.rng.randint(0, 4)),
        ])

    def cond(self, depth: int) -> str:
        d = max(depth - 1, 0)
        return choose(self.rng, [
            (4, lambda: f"{self.fexpr(d)} {self.rng.choice(['<', '>', '<=', '>='])} {self.fexpr(d)}"),
            (2, lambda: f"{self.fexpr(d)} > 0.0"),
            (2, lambda: f"{self.iexpr()} {self.rng.choice(['>', '==', '<', '!='])} {self.rng.randint(0, 4)}"),
            (1, lambda: f"{self.iexpr()} % 2 == 0"),
            (1, lambda: f"({self.cond(0)} and {self.cond(0)})"),
            (1, lambda: f"({self.cond(0)} or {self.cond(0)})"),
            (1, lambda: f"not {self.cond(0)}"),
        ])

    def call(self, depth: int) -> str:
        name, params = self.rng.choice(self.helpers)
        second = self.fexpr(depth) if params == "ff" else self.iexpr()
        return f"{name}({self.fexpr(depth)}, {second})"

    # statements --------------------------------------------------------------------------------

    def block(self, count: int, depth: int) -> None:
        for _ in range(count):
            self.stmt(depth)

    def stmt(self, depth: int) -> None:
        compound = 1 if depth > 0 else 0
        choose(self.rng, [
            (4, self.assign_new),
            (4, self.update),
            (2 * compound, lambda: self.if_stmt(depth - 1)),
            (2 * compound, lambda: self.for_stmt(depth - 1)),
            (1 * compound, lambda: self.while_stmt(depth - 1)),
            (1 if self.loop_depth else 0, self.jump),
            (1 if self.in_f else 0, self.early_return),
            (3 if self.float_containers else 0, self.structured),
            (3 if self.structures else 0, self.struct_stmt),
        ])

    def structured(self) -> None:
        """A statement through a container of floats (marked used, so a failure names the construct)."""
        self.used.add("containers")
        floats = self.variables()
        dicts = self.scope.names(lambda t: t == DICT)
        v = self.fresh("v")

        def tuple_read() -> None:
            t = self.fresh("t")
            self.out.line(f"{t} = ({self.fexpr(1)}, {self.fexpr(1)}, {self.fexpr(1)})")
            self.out.line(f"{v} = {t}[{self.rng.randint(0, 2)}] + {t}[-1] * 0.5 - len({t})")
            self.scope.add(v, FLOAT)

        def new_dict() -> None:
            d = self.fresh("d")
            self.out.line(f"{d} = {{'p': {self.fexpr(1)}, 'q': {self.fexpr(1)}}}")
            self.scope.add(d, DICT)

        def update_dict() -> None:
            d = self.rng.choice(dicts)
            key = self.rng.choice(["p", "q"])
            new = f"math.tanh({d}[{key!r}] + {self.fexpr(1)})" if self.loop_depth else self.fexpr(1)
            self.out.line(f"{d}[{key!r}] = {new}")

        def list_sum() -> None:
            xs, j = self.fresh("xs"), self.fresh("j")
            self.out.line(f"{xs} = [{self.fexpr(1)}]")
            self.out.line(f"for {j} in range({self.rng.randint(1, 3)}):")
            with self.out.indented(), self.scope.block():
                self.scope.add(j, INT)
                self.out.line(f"{xs}.append(math.sin({xs}[-1] + {j}) * 0.5 + {self.fexpr(1)})")
            self.out.line(f"{v} = sum({xs}) + {xs}[0] * len({xs})")
            self.scope.add(v, FLOAT)

        def swap() -> None:
            a, b = self.rng.sample(floats, 2)
            self.out.line(f"{a}, {b} = {b}, {a}")

        def comprehension() -> None:
            w = self.fresh("w")
            items = ", ".join(self.fexpr(1) for _ in range(self.rng.randint(1, 3)))
            self.out.line(f"{v} = sum({w} * {w} for {w} in ({items},)) + sum([{w} * 0.5 for {w} in ({items},)])")
            self.scope.add(v, FLOAT)

        choose(self.rng, [
            (2, tuple_read), (2, new_dict), (3 if dicts else 0, update_dict), (2, list_sum),
            (2 if len(floats) >= 2 else 0, swap), (2, comprehension),
        ])

    def assign_new(self) -> None:
        name = self.fresh("v")
        self.out.line(f"{name} = {self.fexpr(2)}")
        self.scope.add(name, FLOAT)

    def variables(self) -> list[str]:
        """The float names a statement may assign: not parts of structures (`p['w']`)."""
        return [name for name in self.scope.names(lambda t: t == FLOAT) if name.isidentifier()]

    def update(self) -> None:
        name = self.rng.choice(self.variables())
        e = self.fexpr(2)
        if self.loop_depth:  # squashed, so a loop cannot blow the value up
            line = self.rng.choice([f"{name} = math.tanh({name} + {e})", f"{name} += math.sin({e})",
                                    f"{name} *= 0.5 + 0.25 * math.tanh({e})",
                                    f"{name} = {name} * 0.5 + {e} / (1.0 + {name} * {name})"])
        else:
            line = self.rng.choice([f"{name} = {e}", f"{name} += {e}", f"{name} -= {e}", f"{name} *= {e}"])
        self.out.line(line)

    def if_stmt(self, depth: int) -> None:
        self.out.line(f"if {self.cond(1)}:")
        self.body(depth)
        for _ in range(self.rng.choice([0, 0, 1, 2])):
            self.out.line(f"elif {self.cond(1)}:")
            self.body(depth)
        if self.rng.random() < 0.6:
            self.out.line("else:")
            self.body(depth)

    def body(self, depth: int, count: int | None = None) -> None:
        with self.out.indented(), self.scope.block():
            self.block(count if count is not None else self.rng.randint(1, 3), depth)

    def loop_body(self, depth: int, counter: str, tag: str = INT) -> None:
        self.loop_depth += 1
        with self.out.indented(), self.scope.block():
            self.scope.add(counter, tag)
            self.block(self.rng.randint(1, 3), depth)
        self.loop_depth -= 1

    def for_stmt(self, depth: int) -> None:
        i = self.fresh("i")
        n = self.iexpr()
        bounds = self.rng.choice([f"{n}", f"1, {n} + 2", f"{n}, 0, -1", f"0, {n} + 1, 2"])
        self.out.line(f"for {i} in range({bounds}):")
        self.loop_body(depth, i)

    def while_stmt(self, depth: int) -> None:
        n = self.fresh("n")
        self.out.line(f"{n} = 0")
        self.out.line(f"while {n} < {self.iexpr()} + 1 and {self.cond(1)}:")
        self.loop_depth += 1
        with self.out.indented(), self.scope.block():
            self.out.line(f"{n} += 1")  # first, so a `continue` below cannot loop forever
            self.scope.add(n, INT)
            self.block(self.rng.randint(1, 3), depth)
        self.loop_depth -= 1

    def jump(self) -> None:
        self.out.line(f"if {self.cond(1)}:")
        with self.out.indented():
            self.out.line(self.rng.choice(["break", "continue"]))

    def early_return(self) -> None:
        self.out.line(f"if {self.cond(1)}:")
        with self.out.indented():
            self.out.line(f"return {self.return_source(self.fexpr(2))}")

    # functions ---------------------------------------------------------------------------------

    in_f = False

    def helper(self) -> None:
        kind = self.rng.choice(["plain", "plain", "loop", "recursive"])
        name = self.fresh({"plain": "h", "loop": "g", "recursive": "r"}[kind])
        with self.scope.block():
            if kind == "plain":
                self.out.line(f"def {name}(u, w):")
                self.scope.add("u", FLOAT)
                self.scope.add("w", FLOAT)
                self.scope.add("K", INT)  # the module constant, read at compile time
                with self.out.indented():
                    self.block(self.rng.randint(0, 2), 1)
                    self.out.line(f"return {self.fexpr(2)}")
            elif kind == "loop":
                self.out.line(f"def {name}(u, m):")
                self.scope.add("u", FLOAT)
                self.scope.add("m", INT)
                with self.out.indented():
                    self.out.line("acc = u")
                    self.out.line("for j in range(m):")
                    with self.out.indented(), self.scope.block():
                        self.scope.add("acc", FLOAT)
                        self.scope.add("j", INT)
                        self.out.line(f"acc = math.tanh(acc * 0.8 + {self.fexpr(1)})")
                    self.scope.add("acc", FLOAT)
                    self.out.line(f"return acc + {self.fexpr(1)}")
            else:
                self.out.line(f"def {name}(u, n):")
                self.scope.add("u", FLOAT)
                self.scope.add("n", INT)
                with self.out.indented():
                    self.out.line("if n <= 0:")
                    with self.out.indented():
                        self.out.line(f"return {self.fexpr(1)}")
                    inner = f"{name}(math.sin(u) * 0.9 + {self.rng.choice(['0.1', '0.3', '-0.2'])}, n - 1)"
                    self.out.line(f"return math.tanh({inner} + {self.fexpr(1)})")
        self.out.line("")
        self.out.line("")
        self.helpers.append((name, "ff" if kind == "plain" else "fi"))

    def program(self) -> str:
        self.out.line("import math")
        self.out.line("")
        self.out.line("K = 2")  # a module constant: helpers may read it
        self.out.line("")
        self.out.line("")
        self.plan("p")
        for _ in range(self.rng.choice([0, 1, 1, 2])):
            self.helper()
        if self.struct_params and self.rng.random() < 0.5:
            self.struct_helper()
        self.in_f = True
        params = "x, y, k" + self.param_names()
        self.out.line(f"def f({params}):")
        with self.out.indented(), self.scope.block():
            self.scope.add("x", FLOAT)
            self.scope.add("y", FLOAT)
            self.scope.add("k", INT)
            for name, node in self.struct_params:
                self.bind(name, node)
            self.block(self.rng.randint(2, 5), 2)
            self.out.line(f"return {self.return_source(self.fexpr(2))}")
        self.out.lines += self.loss_lines(params)
        self.out.lines[1:1] = self.header()
        return self.out.text()

    def points(self, count: int) -> tuple[tuple, ...]:
        def leaf_value(node: Node):
            return round(self.rng.uniform(-2.0, 2.0), 3) if node.kind == "float" else self.rng.randint(0, 4)

        return tuple((round(self.rng.uniform(-2.0, 2.0), 3) or 0.5, round(self.rng.uniform(-2.0, 2.0), 3) or -0.5,
                      self.rng.randint(0, 6), *self.param_specs(leaf_value)) for _ in range(count))


def scalar_program(seed: int, constructs: frozenset[str], points: int = 3) -> Program:
    """The scalar program of `seed`, with `points` argument tuples."""
    generator = ScalarGenerator(random.Random(seed), constructs)
    source = generator.program()
    return Program("scalar", seed, source, generator.points(points), frozenset(generator.used))
