"""The generic text zyg hands to upstream MLIR (`zyg.backend.generic_text`): for lowered modules of
scalar, array, control-flow and exception-handling programs, it parses into the same upstream module,
locations included, as xDSL's own printer's text does."""

from __future__ import annotations

import io

import numpy as np
import pytest
import zyg
import zyg.build
from mlir import ir
from zyg import compiler
from zyg.backend import bridge
from zyg.backend.generic_text import GenericText

from bench.workloads import gmm, lstm


def scalar_loop(x, n):
    total = 0.0
    for k in range(n):
        if total > 10.0:
            total = total - x
        else:
            total = total + x * float(k)
    return total


def guarded(x, k):
    try:
        return np.sum(np.sin(x)) * x[k]
    except IndexError:
        return -1.0


def _lowered(fn, args, monkeypatch):
    """The xDSL module a fresh compile of the gradient of `fn` hands to upstream MLIR."""
    modules = []

    def keep(module, *device):
        modules.append(module)
        return bridge.module_text(module, *device)

    monkeypatch.setattr(zyg.build, "module_text", keep)
    monkeypatch.setenv("ZYG_CACHE", "0")
    compiler._CACHE.clear()
    zyg.compile_grad(fn)(*args)
    return modules[0]


def _xdsl_printer_text(module) -> str:
    out = io.StringIO()
    out.write("module {\n")
    printer = bridge._Printer(stream=out, print_generic_format=True, print_debuginfo=True)
    for op in module.body.block.ops:
        printer.print_op(op)
        out.write("\n")
    out.write("}\n")
    return out.getvalue()


def _writer_text(module) -> str:
    out = io.StringIO()
    out.write("module {\n")
    writer = GenericText(out)
    for op in module.body.block.ops:
        writer.operation(op)
        out.write("\n")
    out.write("}\n")
    out.write(writer.location_aliases())
    return out.getvalue()


def _upstream(text: str) -> str:
    with bridge.context():
        module = ir.Module.parse(text, context=bridge.context())
        return module.operation.get_asm(enable_debug_info=True, print_generic_op_form=True)


@pytest.mark.parametrize("fn, args", [
    (scalar_loop, (1.5, 7)),
    (guarded, (np.linspace(0.0, 1.0, 5), 2)),
    (gmm.primal, (np.ones(3), np.ones((3, 2)), np.ones((3, 3)), np.ones((5, 2)), 1.0, 0.5,
                  gmm.lower_triangle_positions(2))),
    (lstm.primal, (np.ones((4, 12)), np.ones((3, 3)), np.ones((4, 3)), np.ones((6, 3)))),
], ids=["scalar loop", "try/except", "gmm", "lstm"])
def test_the_text_parses_as_xdsl_printers_does(fn, args, monkeypatch):
    module = _lowered(fn, args, monkeypatch)
    fast = _writer_text(module)
    assert "loc(#loc" in fast and len(fast) < len(_xdsl_printer_text(module))
    assert _upstream(fast) == _upstream(_xdsl_printer_text(module))
