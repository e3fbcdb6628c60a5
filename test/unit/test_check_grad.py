"""`zyg.check_grad` (issue 13): zyg's derivatives against central finite differences of the function
run in plain Python, for arguments and outputs of any structure; a mismatch names where it is."""

from __future__ import annotations

import numpy as np
import pytest
import zyg

doubled = zyg.host(lambda v: 2.0 * v, returns=float)  # a constant to the autodiff: a wrong gradient


def test_a_correct_gradient_passes_and_says_what_it_compared():
    result = zyg.check_grad(lambda x, y: np.sum(np.sin(x) * y), np.ones(3), 2.0)
    assert result.checked == 4 and result.max_rel_error < 1e-6


def test_structured_arguments_and_outputs_are_projected_on_a_cotangent():
    def f(p, n):
        return {"a": np.tanh(p["w"]) * n, "b": (p["b"] ** 2, 1)}

    assert zyg.check_grad(f, {"w": np.ones((2, 2)), "b": 0.5}, 3).checked == 5


def test_large_arguments_are_checked_along_random_directions():
    assert zyg.check_grad(lambda x: np.sum(x ** 3), np.linspace(0, 1, 500), directions=5).checked == 5


def test_a_wrong_gradient_names_the_argument_the_element_and_both_values():
    def f(x, v):
        return np.sum(v) * doubled(x)  # zyg treats the host call as a constant: d/dx is 0, not 2 sum(v)

    with pytest.raises(AssertionError, match=r"check_grad\(f\): argument 0: reverse mode gives 0.0, finite "
                                             r"differences \d"):
        zyg.check_grad(f, 0.5, np.ones(3))
    with pytest.raises(AssertionError, match=r"argument 0\['x'\]"):
        zyg.check_grad(lambda d: doubled(d["x"]) + d["y"], {"x": 1.0, "y": 2.0})
