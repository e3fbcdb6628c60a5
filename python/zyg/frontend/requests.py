"""Differentiation called inside compiled code: `zyg.gradient`, `zyg.withgradient`, `zyg.derivative`,
`zyg.compile_grad(f)(...)` and `zyg.jacobian` become request ops (`ad.grad`, `ad.vjp`, `ad.jacobian`)
in the IR.

In: a call of one of them on a function value (a function, a closure, a partial, a function chosen at
run time) and its arguments. Out: the request, on the compiled `apply(f, *args)` (below) at the
arguments' structures, differentiated with respect to the float leaves of the arguments asked for
(`argnums`), and its gradients rebuilt as a tuple with one entry per argument (None for one that
carries no gradient), or one entry when `argnums` is an int, as `zyg.gradient` returns them (and
the Jacobians as `zyg.jacobian` does).

The AD passes answer requests innermost first; a request inside code that is itself differentiated
gets its own pullback (`passes/autodiff/rules/requests.py`). The function is compiled through `apply`
so that its captured values, bound arguments and the run-time choice among candidates stay where the
call machinery puts them: they are arguments of `apply` outside `wrt`, constants to this request.
"""

from __future__ import annotations

import ast
import functools
from typing import TYPE_CHECKING

from xdsl.ir import SSAValue

from zyg.dialects import ad
from zyg.dialects.zyg_indexing import GetSliceOp
from zyg.errors import UnsupportedSyntaxError, ZygTypeError
from zyg.frontend.trees import LEAF, LIST, NAMEDTUPLE, PARTIAL, TUPLE, Static, Struct, TreeDef, build_struct
from zyg.frontend.types import F64
from zyg.typecodes import is_float_code, split_array_code

if TYPE_CHECKING:
    from zyg.frontend.program import FunctionInfo


def apply(f, *args):
    """Calls `f` with `args`: the function a request inside compiled code differentiates."""
    return f(*args)


def derivative_at(f, x):
    """`zyg.derivative(f)(x)` inside compiled code."""
    return apply_gradient(f, x)


def apply_gradient(f, x):  # replaced by a request when compiled (`REQUEST_FUNCTIONS`)
    raise AssertionError("compiled only")


def _api():
    import zyg.api

    return zyg.api


@functools.cache
def request_functions() -> dict:
    """The functions whose calls in compiled code are requests, with their handlers."""
    api = _api()
    return {api.gradient: _gradient, api.withgradient: _withgradient, api.derivative: _derivative,
            apply_gradient: _derivative_gradient, api.jacobian: _jacobian}


class RequestCodegen:
    """The request half of `FunctionCodegen` (which provides `visit`, `flat`, `emit`, `program`...)."""

    def call_request(self, node: ast.Call, callee: object) -> object:
        """A call of `zyg.gradient` & co. (`request_functions`) in compiled code."""
        return request_functions()[callee](self, node)

    def emit_request(self, node: ast.Call, function: object, args: list, argnums: object,
                     with_value: bool) -> object:
        """The gradients of `function(*args)` with respect to the arguments `argnums` asks for (all when
        None), as `zyg.gradient` arranges them; with `with_value`, `WithGradient(value, gradients)`."""
        positions = _positions(self, node, argnums, len(args))
        info, leaves, wrt, argument_trees = self._request_target(node, function, args, positions)
        result = info.return_tree
        if result.kind != LEAF or not is_float_code(result.code) or split_array_code(result.code):
            self.error(node, "differentiating a function that does not return a float (zyg.gradient takes a "
                       "function with a scalar float result)", ZygTypeError)
        if with_value:
            seed = self.const(1.0, info.result_types[0])
            request = self.emit(ad.VjpOp(info.symbol, leaves, [seed], info.result_types, wrt))
            value, gradients = request.values[0], list(request.gradients)
        else:
            value, gradients = None, list(self.emit(ad.GradOp(info.symbol, leaves, wrt)).gradients)
        result = _arranged(argument_trees, positions, argnums, iter(gradients))
        if with_value:
            return Struct(NAMEDTUPLE, [value, result], ("val", "grad"), _api().WithGradient)
        return result

    def emit_jacobian(self, node: ast.Call, function: object, args: list, argnums: object) -> object:
        """The Jacobians of `function(*args)` (`ad.jacobian`) with respect to the arguments `argnums`
        asks for, as `zyg.jacobian` arranges them: a float leaf's block is the matrix's one column."""
        positions = _positions(self, node, argnums, len(args))
        info, leaves, wrt, argument_trees = self._request_target(node, function, args, positions)
        if not any(map(is_float_code, info.return_tree.leaf_codes())):
            self.error(node, "the Jacobian of a function that returns no float (zyg.jacobian takes a function "
                       "whose result holds floats or float arrays)", ZygTypeError)
        matrices = iter(self.emit(ad.JacobianOp(info.symbol, leaves, wrt)).jacobians)
        blocks = [next(matrices) if split_array_code(code) else self._column(next(matrices))
                  for index in positions for code in argument_trees[index].leaf_codes() if is_float_code(code)]
        return _arranged(argument_trees, positions, argnums, iter(blocks))

    def _column(self, matrix: SSAValue) -> SSAValue:
        """Column 0 of `matrix`, a vector."""
        zero, one = self.index(0), self.index(1)
        rows = self.dims(matrix)[0]
        return self.value(GetSliceOp(matrix, [zero, zero], [rows, one], [one, one], [0]))

    def _request_target(self, node: ast.Call, function: object, args: list,
                        positions: list[int]) -> tuple[FunctionInfo, list, list[int], tuple[TreeDef, ...]]:
        """`apply(function, *args)` compiled at the arguments' structures: its info, the leaves a request
        passes it, the positions among them of the float leaves of the arguments at `positions`, and
        the arguments' trees."""
        trees, leaves = [], []
        for value in (function, Struct(TUPLE, args)):  # `apply`'s parameters: `f` and the tuple `args`
            self.check_not_escaping(node, value, "differentiated")
            tree, parts = self.flat(self.settled_growables(value))
            trees.append(tree)
            leaves += parts
        self.node = node
        info = self.program.compile_function(apply, trees, self.loc(node))
        for data in info.free:
            leaves += self.flat(self.take_free_data(data))[1]
        argument_trees = trees[1].children
        wrt, offset = [], trees[0].leaf_count
        for index, tree in enumerate(argument_trees):
            codes = list(tree.leaf_codes())
            if index in positions:
                wrt += [offset + k for k, code in enumerate(codes) if is_float_code(code)]
            offset += len(codes)
        return info, leaves, wrt, argument_trees


def _arranged(argument_trees: tuple[TreeDef, ...], positions: list[int], argnums: object, blocks) -> object:
    """One entry per argument at `positions` (the entry itself when `argnums` is an int), each of its
    argument's structure with the next of `blocks` in its float leaves, as `zyg.gradient` returns them."""
    per_argument = [_gradient_tree(tree, blocks) if index in positions else None
                    for index, tree in enumerate(argument_trees)]
    chosen = [per_argument[i] for i in positions]
    return chosen[0] if isinstance(argnums, int) else Struct(TUPLE, chosen)


def _gradient_tree(tree: TreeDef, gradients) -> object:
    """The gradient of a value of structure `tree`: its float leaves from `gradients`, in order; None
    for the others."""
    if tree.kind == LEAF:
        return next(gradients) if is_float_code(tree.code) else Static(None)
    if not tree.children:
        return Static(None)
    return build_struct(tree.kind, tree.cls, tree.keys, [_gradient_tree(c, gradients) for c in tree.children])


def _positions(cg, node: ast.Call, argnums: object, count: int) -> list[int]:
    if argnums is None:
        return list(range(count))
    chosen = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not all(isinstance(i, int) and -count <= i < count for i in chosen) or len(set(chosen)) != len(chosen):
        cg.error(node, f"argnums={argnums!r} for a call with {count} arguments", ZygTypeError)
    return [i % count for i in chosen]


def _static_argnums(cg, node: ast.Call, kwargs: dict) -> object:
    """`argnums` of a call, known at compile time: None, an int or a tuple of ints."""
    value = kwargs.pop("argnums", Static(None))
    if kwargs:
        cg.error(node, f"keyword arguments {sorted(kwargs)} to a differentiation in compiled code",
                 UnsupportedSyntaxError)
    if isinstance(value, Static) and value.value is None:
        return None
    items = value.items if isinstance(value, Struct) and value.kind in (TUPLE, LIST) else None
    known = tuple(cg.known(i) for i in items) if items is not None else cg.known(value)
    if not (isinstance(known, int) or (isinstance(known, tuple) and all(isinstance(i, int) for i in known))):
        cg.error(node, "argnums must be an int or a tuple of ints known at compile time", ZygTypeError)
    return known


def _gradient(cg, node: ast.Call) -> object:
    args, kwargs = cg.call_arguments(node)
    if not args:
        cg.error(node, "zyg.gradient takes a function", ZygTypeError)
    return cg.emit_request(node, args[0], args[1:], _static_argnums(cg, node, kwargs), with_value=False)


def _withgradient(cg, node: ast.Call) -> object:
    args, kwargs = cg.call_arguments(node)
    if not args:
        cg.error(node, "zyg.withgradient takes a function", ZygTypeError)
    return cg.emit_request(node, args[0], args[1:], _static_argnums(cg, node, kwargs), with_value=True)


def _jacobian(cg, node: ast.Call) -> object:
    args, kwargs = cg.call_arguments(node)
    if not args:
        cg.error(node, "zyg.jacobian takes a function", ZygTypeError)
    return cg.emit_jacobian(node, args[0], args[1:], _static_argnums(cg, node, kwargs))


def _derivative(cg, node: ast.Call) -> object:
    """`zyg.derivative(f)`: the function `x -> f'(x)`, a partial of `derivative_at`."""
    args, kwargs = cg.call_arguments(node)
    if len(args) != 1 or kwargs:
        cg.error(node, "zyg.derivative takes one function", ZygTypeError)
    return Struct(PARTIAL, [Static(derivative_at), args[0]], ["function", "0"])


def _derivative_gradient(cg, node: ast.Call) -> object:
    (function, x), _ = cg.call_arguments(node)
    return cg.emit_request(node, function, [cg.convert(x, F64)], 0, with_value=False)
