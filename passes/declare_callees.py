"""Declarations of the functions a lowering calls that something later defines.

In: a module and the signatures of functions the lowered code may call (libm's, BLAS products,
sorts: the bridge or the C library defines them). Out: the module with an external `func.func` for
each of them it calls and neither declares nor defines, so that it verifies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute


def declare_callees(module: ModuleOp, signatures: Mapping[str, tuple[Sequence[Attribute], Sequence[Attribute]]]) -> None:
    """Declares each function of `signatures` (name -> (inputs, results)) that `module` calls and does not
    have, in the order of `signatures`."""
    # Exact types: an `isinstance` against an op class is slow (an ABC), and this walks every op.
    called = {op.callee.root_reference.data for op in module.walk() if type(op) is func.CallOp}
    present = {op.sym_name.data for op in module.body.block.ops if type(op) is func.FuncOp}
    for name, (inputs, results) in signatures.items():
        if name in called and name not in present:
            module.body.block.add_op(func.FuncOp.external(name, list(inputs), list(results)))
