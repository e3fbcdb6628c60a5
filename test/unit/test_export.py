"""`zyg.export` and `zyg.load`: compiled functions written as one file, compiled for a CPU baseline,
run in a process where xDSL and MLIR cannot be imported, with the compiled function's results."""

from __future__ import annotations

import pathlib
import sys
import textwrap
from typing import NamedTuple

import numpy as np
import pytest
import zyg
from without_compiler import run_without_compiler
from zyg import artefact, cpu_baselines
from zyg.backend.shared_library import linker

pytestmark = pytest.mark.skipif(linker() is None, reason="exporting links with the system's cc or ld")

SCALE = np.array([1.0, 2.0, 3.0])


def mlp_loss(w1, b1, w2, b2, x, labels):
    h = np.tanh(x @ w1 + b1)
    logits = h @ w2 + b2
    m = np.max(logits, axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.sum(np.exp(logits - m), axis=1))
    return np.mean(lse - logits[np.arange(x.shape[0]), labels])


def mlp_args(batch: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(5, 7)) * 0.3, np.zeros(7), rng.normal(size=(7, 3)) * 0.3, np.zeros(3),
            rng.normal(size=(batch, 5)), rng.integers(0, 3, size=batch))


def scaled(x, k=2.0):
    return np.sum(SCALE * np.sin(x)) * k


class Pair(NamedTuple):
    a: float
    b: np.ndarray


def structured(p, d):
    return p.a * np.sum(p.b ** 2) + d["w"] * 3.0


def pick(x, i):
    return x[i] * 2.0


def test_the_gradient_runs_where_xdsl_and_mlir_cannot_be_imported(tmp_path):
    g = zyg.compile_grad(mlp_loss, argnums=(0, 1, 2, 3))
    path = tmp_path / "mlp_grad.zyg"
    zyg.export(g, path, mlp_args(32))
    body = f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import numpy as np
        import zyg
        from test_export_args import mlp_args

        g = zyg.load({str(path)!r})
        for batch in (32, 9):
            np.savez({str(tmp_path)!r} + f"/got{{batch}}.npz", *g(*mlp_args(batch)))
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("xdsl", "mlir")))
    """
    (tmp_path / "test_export_args.py").write_text(textwrap.dedent("""
        import numpy as np

        def mlp_args(batch, seed=0):
            rng = np.random.default_rng(seed)
            return (rng.normal(size=(5, 7)) * 0.3, np.zeros(7), rng.normal(size=(7, 3)) * 0.3, np.zeros(3),
                    rng.normal(size=(batch, 5)), rng.integers(0, 3, size=batch))
    """))
    assert run_without_compiler(body).strip() == "[]"
    for batch in (32, 9):
        got = np.load(tmp_path / f"got{batch}.npz")
        for k, expected in enumerate(g(*mlp_args(batch))):
            np.testing.assert_allclose(got[f"arr_{k}"], expected, rtol=1e-12, atol=1e-15)


def test_primal_and_jacobian_round_trip(tmp_path):
    x = np.array([0.5, -1.0, 2.0])
    zyg.export(zyg.jit(scaled), tmp_path / "primal.zyg", (x,))
    zyg.export(zyg.compile_grad(scaled), tmp_path / "grad.zyg", (x,))
    primal, grad = zyg.load(tmp_path / "primal.zyg"), zyg.load(tmp_path / "grad.zyg")
    assert primal(x) == pytest.approx(zyg.jit(scaled)(x), rel=1e-14)
    np.testing.assert_allclose(grad(x)[0], 2.0 * SCALE * np.cos(x), rtol=1e-14)
    longer = np.linspace(-1.0, 1.0, 3)
    np.testing.assert_allclose(grad(longer)[0], 2.0 * SCALE * np.cos(longer), rtol=1e-14)


def lambda_free(x):
    return np.sin(x) * SCALE


def test_jacobian(tmp_path):
    x = np.array([0.1, 0.2, 0.3])
    jac = zyg.jacobian(lambda_free, x)
    compiled = zyg.api._jacobian_function(lambda_free)
    zyg.export(compiled, tmp_path / "jac.zyg", (x,))
    np.testing.assert_allclose(zyg.load(tmp_path / "jac.zyg")(x)[0], jac[0], rtol=1e-14)


def test_globals_and_filled_defaults_are_held_fixed(tmp_path, monkeypatch):
    x = np.array([0.5, 1.0, 1.5])
    zyg.export(zyg.compile_grad(scaled), tmp_path / "g.zyg", (x,))  # k=2.0 filled in
    monkeypatch.setattr(sys.modules[__name__], "SCALE", np.array([10.0, 10.0, 10.0]))
    (gx,) = zyg.load(tmp_path / "g.zyg")(x)
    np.testing.assert_allclose(gx, 2.0 * np.array([1.0, 2.0, 3.0]) * np.cos(x), rtol=1e-14)
    np.testing.assert_allclose(zyg.compile_grad(scaled)(x)[0], 20.0 * np.cos(x), rtol=1e-14)  # compiled: read now


def test_structured_arguments_and_int_arguments(tmp_path):
    p, d = Pair(2.0, np.array([1.0, -3.0])), {"w": 0.5}
    zyg.export(zyg.compile_grad(structured), tmp_path / "s.zyg", (p, d))
    gp, gd = zyg.load(tmp_path / "s.zyg")(p, d)
    assert isinstance(gp, Pair) and gp.a == pytest.approx(10.0)
    np.testing.assert_allclose(gp.b, [4.0, -12.0])
    assert gd == {"w": pytest.approx(3.0)}
    zyg.export(zyg.compile_grad(pick), tmp_path / "pick.zyg", (np.zeros(4), 1))
    gx, gi = zyg.load(tmp_path / "pick.zyg")(np.zeros(4), 2)
    np.testing.assert_array_equal(gx, [0.0, 0.0, 2.0, 0.0])
    assert gi is None


def test_wrong_arguments_are_clear_errors(tmp_path):
    zyg.export(zyg.compile_grad(pick), tmp_path / "pick.zyg", (np.zeros(4), 1))
    g = zyg.load(tmp_path / "pick.zyg")
    with pytest.raises(zyg.ZygTypeError, match="exported for 2 arguments, got 1"):
        g(np.zeros(4))
    with pytest.raises(zyg.ZygTypeError, match="argument 0 of 'pick' is float64 array of rank 2; it was exported for "
                                               "float64 array of rank 1"):
        g(np.zeros((2, 2)), 1)
    with pytest.raises(zyg.ZygTypeError, match="argument 1 of 'pick'"):
        g(np.zeros(4), 1.5)
    with pytest.raises(zyg.ZygIndexError, match="index 9 is out of bounds"):
        g(np.zeros(4), 9)  # the compiled code's own check, loaded with it


def test_cpu_baselines(tmp_path):
    x = np.array([0.5])
    with pytest.raises(ValueError, match="unknown CPU baseline 'pentium'"):
        zyg.export(zyg.jit(scaled), tmp_path / "p.zyg", (x,), cpu="pentium")
    zyg.export(zyg.jit(scaled), tmp_path / "p.zyg", (x,), cpu=cpu_baselines.default_cpu())
    header, body = artefact.unpack((tmp_path / "p.zyg").read_bytes())
    assert header["cpu"] == cpu_baselines.default_cpu()
    header["cpu_features"] = [*header["cpu_features"], "a-feature-no-cpu-has"]
    sections = {name: artefact.section(header, body, name) for name in header["sections"]}
    (tmp_path / "newer.zyg").write_bytes(artefact.pack(header, sections))
    with pytest.raises(artefact.ArtefactError, match="lacks a-feature-no-cpu-has"):
        zyg.load(tmp_path / "newer.zyg")


def test_what_cannot_be_exported_or_loaded(tmp_path):
    seen = []
    record = zyg.host(seen.append)

    def calls_back(x):
        record(x)
        return x * 2.0

    with pytest.raises(zyg.ZygTypeError, match="cannot be exported"):
        zyg.export(zyg.jit(calls_back), tmp_path / "h.zyg", (1.0,))
    with pytest.raises(zyg.ZygTypeError, match="zyg.export takes"):
        zyg.export(scaled, tmp_path / "f.zyg", (1.0,))
    (tmp_path / "junk.zyg").write_bytes(b"not an artefact at all")
    with pytest.raises(zyg.ArtefactError, match="not a zyg artefact"):
        zyg.load(tmp_path / "junk.zyg")


def test_without_the_openblas_wheel_numpys_copy_serves(monkeypatch):
    """An exported function that multiplies matrices runs where only NumPy is installed: NumPy's wheel
    carries the same OpenBLAS build, with the same symbols."""
    import importlib.util

    from zyg.backend import blas

    numpy_libs = pathlib.Path(np.__file__).parent.parent / "numpy.libs"
    if not list(numpy_libs.glob("*scipy_openblas64*")):
        pytest.skip("this NumPy carries no OpenBLAS of its own")
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *rest: None if name == "scipy_openblas64" else find_spec(name, *rest))
    path = blas.openblas_library.__wrapped__()  # not the path this process found first
    assert "numpy.libs" in path and "scipy_openblas64" in path


def test_code_for_another_platform_is_refused(tmp_path):
    zyg.export(zyg.jit(scaled), tmp_path / "p.zyg", (np.array([0.5]),))
    header, body = artefact.unpack((tmp_path / "p.zyg").read_bytes())
    sections = {name: artefact.section(header, body, name) for name in header["sections"]}
    (tmp_path / "old.zyg").write_bytes(artefact.pack({**header, "python": "3.9"}, sections))
    with pytest.raises(zyg.ArtefactError, match=r"with Python 3\.9 and NumPy"):
        zyg.load(tmp_path / "old.zyg")


def test_a_class_defined_in_a_function_cannot_be_exported(tmp_path):
    class Local(NamedTuple):
        a: float

    def f(p):
        return p.a * 2.0

    with pytest.raises(zyg.ZygTypeError, match="cannot be found again by name"):
        zyg.export(zyg.compile_grad(f), tmp_path / "l.zyg", (Local(1.0),))


def test_loading_says_which_class_it_cannot_find(tmp_path, monkeypatch):
    p, d = Pair(2.0, np.array([1.0, -3.0])), {"w": 0.5}
    zyg.export(zyg.compile_grad(structured), tmp_path / "s.zyg", (p, d))
    monkeypatch.delitem(sys.modules, __name__)  # as in a process that has not imported this module
    with pytest.raises(zyg.ArtefactError, match=r"the class .*Pair .* import the module that defines it first"):
        zyg.load(tmp_path / "s.zyg")
