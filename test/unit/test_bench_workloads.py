"""The benchmark workloads on small inputs: zyg's gradient equals the hand-written NumPy one, and one
suite cell (`bench.cell.measure`) runs end to end. The ADBench files are not needed."""

import numpy as np
import pytest
import zyg

from bench.cell import measure, relative_error
from bench.report import summary_table
from bench.systems import MissingSystem
from bench.workloads import (
    Case,
    ba,
    det,
    evalpoly,
    gmm,
    llsq,
    lstm,
    mlp,
    newton,
    ode,
    rebind,
    sum_of_squares,
    tree,
)


def _gmm_args(rng, d=3, k=4, n=7):
    icf = rng.normal(size=(k, d + d * (d - 1) // 2)) * 0.5
    return (rng.normal(size=k), rng.normal(size=(k, d)), icf, rng.normal(size=(n, d)), 1.0, 0.5,
            gmm.lower_triangle_positions(d))


def _lstm_args(rng, layers=2, b=3, c=6):
    return (rng.normal(size=(2 * layers, 4 * b)), rng.normal(size=(3, b)), rng.normal(size=(2 * layers, b)),
            rng.integers(0, 2, size=(c, b)).astype(np.float64))


@pytest.mark.parametrize("module, make_args", [
    (gmm, _gmm_args),
    (lstm, _lstm_args),
    (evalpoly, lambda rng: evalpoly.inputs(50)),
    (sum_of_squares, lambda rng: sum_of_squares.inputs(100)),
    (newton, lambda rng: newton.inputs(20)),
    (mlp, lambda rng: mlp.inputs(8)),
    (tree, lambda rng: tree.inputs(5)),
    (ode, lambda rng: ode.inputs(12, 5)),
    (det, lambda rng: det.inputs(4)),
    (ba, lambda rng: ba.inputs(3, 5, 11)),
    (llsq, lambda rng: llsq.inputs(20, 5)),
], ids=lambda value: getattr(value, "__name__", "").rsplit(".", 1)[-1])
def test_zyg_gradient_matches_the_hand_written_one(module, make_args):
    args = make_args(np.random.default_rng(0))
    got = zyg.compile_grad(module.primal, argnums=module.WRT)(*args)
    assert relative_error(got, module.gradient_by_hand(*args)) < 1e-9
    assert zyg.jit(module.primal)(*args) == pytest.approx(module.primal(*args), rel=1e-12)


def test_hand_written_gmm_gradient_matches_central_differences():
    args = _gmm_args(np.random.default_rng(1))
    by_hand = gmm.gradient_by_hand(*args)
    for index, expected in zip(gmm.WRT, by_hand):
        point = args[index].copy()
        numeric = np.zeros_like(point)
        for position in np.ndindex(point.shape):
            for sign in (1, -1):
                shifted = point.copy()
                shifted[position] += sign * 1e-6
                numeric[position] += sign * gmm.primal(*args[:index], shifted, *args[index + 1:]) / 2e-6
        np.testing.assert_allclose(expected, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("module, args", [
    (ode, ode.inputs(6, 3)), (det, det.inputs(4)), (ba, ba.inputs(2, 3, 5)), (llsq, llsq.inputs(8, 4)),
], ids=lambda value: getattr(value, "__name__", "").rsplit(".", 1)[-1])
def test_hand_written_gradient_matches_central_differences(module, args):
    for index, expected in zip(module.WRT, module.gradient_by_hand(*args)):
        point = args[index]
        numeric = np.zeros_like(point)
        for position in np.ndindex(point.shape):
            step = 1e-6 * max(1.0, abs(point[position]))
            for sign in (1, -1):
                shifted = point.copy()
                shifted[position] += sign * step
                numeric[position] += sign * module.primal(*args[:index], shifted, *args[index + 1:]) / (2 * step)
        np.testing.assert_allclose(expected, numeric, rtol=1e-5, atol=1e-6 * np.max(np.abs(expected)))


def test_list_form_of_the_lstm_is_the_same_function():
    args = _lstm_args(np.random.default_rng(2))
    assert lstm.list_primal(np)(*args) == pytest.approx(lstm.primal(*args), rel=1e-13)


def test_rebind_swaps_the_array_module_of_a_function_and_its_callees():
    class Recorder:
        calls = []

        def __getattr__(self, name):
            return lambda *a, **k: Recorder.calls.append(name) or getattr(np, name)(*a, **k)

    assert rebind(tree.primal, np=Recorder())(0.3, 2) == pytest.approx(tree.primal(0.3, 2))
    assert Recorder.calls.count("sin") == 4


@pytest.mark.parametrize("system", ["zyg", "manual"])
def test_one_cell_measures_and_checks(system):
    result = measure(Case("tiny", "tiny", "evalpoly", {"n": 50}), system, quick=True)
    assert result["error"] < 1e-9
    assert result["gradient_s"] > 0 and result["primal_s"] > 0 and result["first_s"] > 0


def test_a_primal_only_system_measures_its_primal_beside_zyg():
    pytest.importorskip("numba")
    case = Case("tiny", "tiny", "llsq", {"n": 20, "m": 5})
    numba, zyg_cell = measure(case, "numba", quick=True), measure(case, "zyg", quick=True)
    assert numba["primal_s"] > 0 and "gradient_s" not in numba
    run = {"cases": [{"name": "tiny", "label": "tiny"}], "results": [{**numba, "case": "tiny"}, {**zyg_cell, "case": "tiny"}]}
    row = summary_table(run)[2].split(" | ")
    assert row[-1].rstrip(" |") == f"{zyg_cell['primal_s'] / numba['primal_s']:.2f}"


def test_numba_is_skipped_where_a_workload_has_no_numba_version():
    with pytest.raises(MissingSystem, match="no numba version"):
        measure(Case("tiny", "tiny", "evalpoly", {"n": 50}), "numba", quick=True)
