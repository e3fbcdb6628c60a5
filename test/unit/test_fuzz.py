"""The differential fuzzer: a fixed-seed campaign over scalar and array programs (with structured
arguments and results among them) must find no wrong number, crash or hang, and the reducer must
shrink a program against a synthetic predicate."""

from __future__ import annotations

import ast

import pytest
from zyg.fuzz import campaign
from zyg.fuzz.array_programs import array_program
from zyg.fuzz.constructs import ALL, enabled
from zyg.fuzz.program import format_args, load
from zyg.fuzz.reduce import reduce_source
from zyg.fuzz.scalar_programs import scalar_program
from zyg.fuzz.trees import materialize

SCALAR_SEED, ARRAY_SEED = 0, 0


@pytest.mark.parametrize(("kind", "count", "seed"), [("scalar", 110, SCALAR_SEED), ("array", 50, ARRAY_SEED)])
def test_fuzz_campaign_finds_no_failure(kind, count, seed):
    report = campaign.run([kind], programs=count, seed=seed, progress=lambda line: None)
    assert not report.failures, report.text()
    assert report.total("rejected") < 0.1 * count, report.text()
    assert report.grads_checked > count, report.text()


@pytest.mark.parametrize("generate", [scalar_program, array_program])
def test_generators_are_deterministic_and_run_in_python(generate):
    for seed in range(40):
        program = generate(seed, enabled(False))
        again = generate(seed, enabled(False))
        assert (program.source, format_args(program.points)) == (again.source, format_args(again.points))
        assert not program.constructs & (ALL - enabled(False))
        namespace = vars(load(program.source))
        for specs in program.points:
            args = tuple(materialize(spec, namespace) for spec in specs)
            scalar = namespace["loss"] if "loss" in namespace else namespace["f"]
            assert isinstance(float(scalar(*args)), float)


@pytest.mark.parametrize(("generate", "phrases"), [
    (scalar_program, ["def f(x, y, k, p", "def loss(", "@dataclasses.dataclass", "(typing.NamedTuple)",
                      "dataclasses.replace(", "._replace(", ".append(", "def hs"]),
    (array_program, ["def f(a, b, s, p", "def loss(", ": np.ndarray", "np.stack(", ".append(", "def hs"]),
])
def test_generators_write_structures(generate, phrases):
    """Structured arguments and results, classes, copies, loops over containers, grown lists and
    helpers of structures all come up in the first seeds (those the campaign above runs)."""
    sources = "".join(generate(seed, enabled(False)).source for seed in range(80))
    assert all(phrase in sources for phrase in phrases), [p for p in phrases if p not in sources]


def test_held_back_constructs_come_back_when_enabled():
    sources = "".join(scalar_program(seed, enabled(True)).source for seed in range(200))
    assert "math.hypot" in sources and "math.sqrt(abs(" in sources
    sources = "".join(array_program(seed, enabled(True)).source for seed in range(200))
    assert "np.max(" in sources and ".ravel()" in sources


def test_reduce_keeps_the_predicate_and_shrinks():
    program = scalar_program(7, enabled(False))
    args = program.points[0]

    def still_fails(source: str) -> bool:  # "the failure": a call of math.tanh that still runs
        try:
            load(source).f(*args)
        except Exception:
            return False
        return "math.tanh" in source

    assert still_fails(program.source)
    reduced = reduce_source(program.source, still_fails)
    assert still_fails(reduced)
    assert len(reduced) < len(program.source) / 2
    assert any(isinstance(node, ast.FunctionDef) and node.name == "f" for node in ast.parse(reduced).body)


def test_reduce_replaces_expressions_by_parts():
    source = "import math\n\ndef f(x, y, k):\n    v = math.sin(x) * (y + 2.0) - math.cos(x * y)\n    return v\n"
    reduced = reduce_source(source, lambda s: "math.cos(x" in s and "return v" in s)
    assert reduced == "import math\n\ndef f(x, y, k):\n    v = math.cos(x)\n    return v\n"
