"""Which request to answer next, when requests sit inside the code other requests differentiate, and
`ad-autodiff`, the pass that answers them all in that order.

In: a module's requests. Reverse requests (`ad.grad`, `ad.vjp`, `ad.forward`, `ad.backward`,
`ad.jacobian`) are answered outermost first: a reverse request is ready when no other reverse request
reaches it (through calls and reverse requests' callees) and nothing it reaches holds a forward
request. Its pullback then meets the reverse requests inside the code it differentiates as ops with
rules of their own (`rules/requests.py`), never the tapes of their answers, which reverse mode cannot
see through. A forward request (`ad.jvp`) is ready when nothing it reaches holds a request: forward
mode differentiates the answers (forward over reverse goes through tapes, which carry tangents).
Out: `ad-autodiff` alternates the two passes until no request is left, or raises where none is ready.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from zyg.dialects import ad
from zyg.errors import NoDerivativeError
from zyg.passes.autodiff.reverse import _source_loc

REVERSE_REQUESTS = (ad.GradOp, ad.VjpOp, ad.ForwardOp, ad.BackwardOp, ad.JacobianOp)
FORWARD_REQUESTS = (ad.JvpOp,)
REQUESTS = REVERSE_REQUESTS + FORWARD_REQUESTS


class _Module:
    """The functions of a module by name, and what each reaches."""

    def __init__(self, module: ModuleOp):
        self.functions = {f.sym_name.data: f for f in module.body.block.ops if isinstance(f, func.FuncOp)}

    def reached(self, names: list[str], through: tuple[type[Operation], ...]) -> set[str]:
        """The functions `names` reach through calls and the callees of the requests `through`."""
        found: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name in found or name not in self.functions:
                continue
            found.add(name)
            todo += [inner.callee.root_reference.data for inner in self.functions[name].walk()
                     if isinstance(inner, func.CallOp) or isinstance(inner, through)]
        return found

    def holds(self, names: set[str], kinds: tuple[type[Operation], ...]) -> bool:
        return any(isinstance(inner, kinds) for name in names for inner in self.functions[name].walk())


def _callee(request: Operation) -> str:
    return request.callee.root_reference.data


def _function_of(op: Operation) -> str | None:
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, func.FuncOp):
        parent = parent.parent_op()
    return None if parent is None else parent.sym_name.data


def ready_reverse(module: ModuleOp) -> Operation | None:
    """A reverse request that is ready (see the module docstring), or None."""
    requests = [op for op in module.walk() if isinstance(op, REVERSE_REQUESTS)]
    if not requests:
        return None
    graph = _Module(module)
    reached = graph.reached([_callee(r) for r in requests], REVERSE_REQUESTS)
    for request in requests:
        if _function_of(request) in reached:
            continue
        if not graph.holds(graph.reached([_callee(request)], REQUESTS), FORWARD_REQUESTS):
            return request
    return None


def ready_forward(module: ModuleOp) -> Operation | None:
    """A forward request that is ready (see the module docstring), or None."""
    graph = None
    for request in (op for op in module.walk() if isinstance(op, FORWARD_REQUESTS)):
        graph = graph or _Module(module)
        if not graph.holds(graph.reached([_callee(request)], REQUESTS), REQUESTS):
            return request
    return None


@dataclass(frozen=True)
class ADAutodiffPass(ModulePass):
    """Answers every request, reverse (`ad-differentiate`) and forward (`ad-jvp`), each when it is ready."""

    name = "ad-autodiff"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from zyg.passes.autodiff.checkpoint import drop_checkpoint_marks
        from zyg.passes.autodiff.driver import ADDifferentiatePass
        from zyg.passes.autodiff.forward import ADJvpPass

        while True:
            if ready_reverse(op) is not None:
                ADDifferentiatePass().apply(ctx, op)
            elif ready_forward(op) is not None:
                ADJvpPass().apply(ctx, op)
            else:
                left = [inner for inner in op.walk() if isinstance(inner, REQUESTS)]
                if not left:
                    drop_checkpoint_marks(op)
                    return
                raise NoDerivativeError(f"'{left[0].name}' cannot be answered: the requests around it differentiate "
                                        "one another in a cycle (a recursive function that differentiates itself)",
                                        _source_loc(left[0]))
