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

import numpy as np
from xdsl.ir import SSAValue

from zyg.dialects import ad
from zyg.dialects.zyg_indexing import GetSliceOp
from zyg.errors import UnsupportedSyntaxError, ZygTypeError
from zyg.frontend.trees import LEAF, LIST, NAMEDTUPLE, PARTIAL, TUPLE, Static, Struct, TreeDef, build_struct
from zyg.frontend.types import F64, I1, I64, element_type, is_array, type_of_code
from zyg.typecodes import is_float_code, split_array_code

if TYPE_CHECKING:
    from zyg.frontend.program import FunctionInfo


def apply(f, *args):
    """Calls `f` with `args`: the function a request inside compiled code differentiates."""
    return f(*args)


def pullback_at(f, args, cotangent):
    """What `back(cotangent)` of `zyg.pullback(f, *args)` returns: in compiled code an `ad.vjp` request
    (`request_functions`), which computes the output again; from Python, zyg's compiled pullback."""
    return _api().pullback(f, *args)[1](cotangent)


def derivative_at(f, x):
    """`f'(x)` in forward mode, what `zyg.derivative(f)` (a partial of this function) computes. In
    compiled code a call of it is an `ad.jvp` request (`request_functions`); from Python, the compiled
    jvp of `apply(f, x)`."""
    return _api().jvp(apply, (f, float(x) if isinstance(x, int) and not isinstance(x, bool) else x), (None, 1.0))[1]


def hvp_at(f, x, v):
    """`H(x) v` for scalar `f` of one argument `x` (a float or an array): the tangent of `f`'s gradient
    along `v`, forward over reverse. Compiled by zyg (`zyg.hvp`)."""
    return jvp(lambda t: gradient(f, t)[0], (x,), (v,))[1]


def hessian_at(f, x):
    """The Hessian of scalar `f` at array `x`: the matrix `H[i, j] = d2 f / d vec(x)[i] d vec(x)[j]`,
    one forward-over-reverse sweep per row, in a compiled loop. Compiled by zyg (`zyg.hessian`)."""
    n = x.size
    rows = np.zeros((n, n))
    for i in range(n):
        basis = np.zeros(n)
        basis[i] = 1.0
        rows[i] = np.reshape(hvp_at(f, x, np.reshape(basis, x.shape)), (n,))
    return rows


# `zyg.gradient` and `zyg.jvp`, for the functions above that zyg compiles (which read them as globals);
# bound by `request_functions`, as `zyg.api` imports this module only when it is needed.
gradient = jvp = None


def _api():
    import zyg.api

    return zyg.api


@functools.cache
def request_functions() -> dict:
    """The functions whose calls in compiled code are requests, with their handlers."""
    global gradient, jvp
    api = _api()
    gradient, jvp = api.gradient, api.jvp
    return {api.gradient: _gradient, api.withgradient: _withgradient, api.derivative: _derivative,
            derivative_at: _derivative_at, api.jacobian: _jacobian, api.jvp: _jvp, api.pullback: _pullback,
            pullback_at: _pullback_at}


class RequestCodegen:
    """The request half of `FunctionCodegen` (which provides `visit`, `flat`, `emit`, `program`...)."""

    def call_request(self, node: ast.Call, callee: object, args: list, kwargs: dict) -> object:
        """A call of `zyg.gradient` & co. (`request_functions`) in compiled code, with the argument
        values `args` and `kwargs`."""
        return request_functions()[callee](self, node, args, dict(kwargs))

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

    def emit_vjp(self, node: ast.Call, function: object, primals: list, cotangent: object) -> Struct:
        """The gradients of `function(*primals)` weighted by `cotangent` (of the output's structure; None
        for a zero part), one per argument as `zyg.pullback`'s `back` returns them: an `ad.vjp` of
        `apply`, which computes the output again."""
        positions = list(range(len(primals)))
        info, leaves, wrt, argument_trees = self._request_target(node, function, primals, positions)
        seeds = []
        output_leaves = iter(info.result_types)
        for code, part in _leaves_against(self, node, info.return_tree, cotangent):
            t = next(output_leaves)
            if not is_float_code(code):
                continue
            if part is None:
                if is_array(t):
                    self.error(node, "a None cotangent for an array output in compiled code (its shape is not "
                               "known here): pass zeros", UnsupportedSyntaxError)
                part = self.const(0.0, t)
            seeds.append(self.convert_element(part, element_type(t)))
        request = self.emit(ad.VjpOp(info.symbol, leaves, seeds, info.result_types, wrt))
        return _arranged(argument_trees, positions, None, iter(request.gradients))

    def emit_jvp(self, node: ast.Call, function: object, primals: list, tangents: list) -> Struct:
        """`(value, tangent)` of `function(*primals)` along `tangents` (one per primal, of its structure;
        Static None for none): an `ad.jvp` of `apply`, differentiated with respect to the float leaves of
        the primals, the output's tangent of its structure (None where it holds no float)."""
        if len(tangents) != len(primals):
            self.error(node, f"jvp: {len(primals)} primals and {len(tangents)} tangents", ZygTypeError)
        positions = list(range(len(primals)))
        info, leaves, wrt, argument_trees = self._request_target(node, function, primals, positions)
        tangent_values = []
        for tree, tangent in zip(argument_trees, tangents, strict=True):
            if isinstance(tangent, Static) and tangent.value is None:
                tangent_values += [None] * sum(map(is_float_code, tree.leaf_codes()))
                continue
            tangent_tree, parts = self.flat(tangent)
            if not _converts(tangent_tree, tree):
                self.error(node, "jvp: a tangent of another structure or type than its primal", ZygTypeError)
            tangent_values += [self.convert_element(v, element_type(type_of_code(code)))
                               for v, code in zip(parts, tree.leaf_codes()) if is_float_code(code)]
        tangent_values = [v if v is not None else self._zero_like(leaves[i]) for i, v in zip(wrt, tangent_values)]
        request = self.emit(ad.JvpOp(info.symbol, leaves, tangent_values, info.result_types, wrt))
        value = self.rebuild(info.return_tree, list(request.values))
        tangent = _gradient_tree(info.return_tree, iter(request.result_tangents))
        return Struct(TUPLE, [value, tangent])

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

    def _zero_like(self, v: SSAValue) -> SSAValue:
        """Zeros of the type (and shape) of float value `v`."""
        element = element_type(v.type)
        zero = self.const(0.0, element)
        return self.splat(zero, element, self.dims(v)) if is_array(v.type) else zero

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


def _leaves_against(cg, node: ast.Call, tree: TreeDef, value: object) -> list[tuple[str, object]]:
    """`(type code, part of value)` for each leaf of `tree`, `value` a cotangent of that structure in
    compiled code (Static None, for a zero part, stands for every leaf under it: None)."""
    if isinstance(value, Static) and value.value is None:
        return [(code, None) for code in tree.leaf_codes()]
    if tree.kind == LEAF:
        if not isinstance(value, SSAValue):
            cg.error(node, "a cotangent of another structure than the output", ZygTypeError)
        return [(tree.code, value)]
    if not isinstance(value, Struct) or value.kind != tree.kind or len(value.items) != len(tree.children):
        if tree.kind == "static":
            return []
        cg.error(node, "a cotangent of another structure than the output", ZygTypeError)
    return [pair for child, item in zip(tree.children, value.items) for pair in _leaves_against(cg, node, child, item)]


def _converts(tangent: TreeDef, primal: TreeDef) -> bool:
    """Whether a tangent of structure `tangent` fits a primal of structure `primal`: the same
    structure, float leaves where the primal has float ones (an int literal 1 for a float too)."""
    if tangent.kind != primal.kind or tangent.cls != primal.cls or tangent.keys != primal.keys \
            or len(tangent.children) != len(primal.children):
        return False
    if tangent.kind == LEAF:
        return not is_float_code(primal.code) or split_array_code(tangent.code) == split_array_code(primal.code) \
            or (split_array_code(primal.code) is None and split_array_code(tangent.code) is None)
    return all(_converts(t, p) for t, p in zip(tangent.children, primal.children))


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


def _gradient(cg, node: ast.Call, args: list, kwargs: dict) -> object:
    if not args:
        cg.error(node, "zyg.gradient takes a function", ZygTypeError)
    return cg.emit_request(node, args[0], args[1:], _static_argnums(cg, node, kwargs), with_value=False)


def _withgradient(cg, node: ast.Call, args: list, kwargs: dict) -> object:
    if not args:
        cg.error(node, "zyg.withgradient takes a function", ZygTypeError)
    return cg.emit_request(node, args[0], args[1:], _static_argnums(cg, node, kwargs), with_value=True)


def _jacobian(cg, node: ast.Call, args: list, kwargs: dict) -> object:
    if not args:
        cg.error(node, "zyg.jacobian takes a function", ZygTypeError)
    return cg.emit_jacobian(node, args[0], args[1:], _static_argnums(cg, node, kwargs))


def _derivative(cg, node: ast.Call, args: list, kwargs: dict) -> object:
    """`zyg.derivative(f)`: the function `x -> f'(x)`, a partial of `derivative_at`."""
    if len(args) != 1 or kwargs:
        cg.error(node, "zyg.derivative takes one function", ZygTypeError)
    return Struct(PARTIAL, [Static(derivative_at), args[0]], ["function", "0"])


def _derivative_at(cg, node: ast.Call, args: list, kwargs: dict) -> object:
    if len(args) != 2 or kwargs:
        cg.error(node, "a derivative takes one number", ZygTypeError)
    function, x = args
    if isinstance(x, SSAValue) and x.type in (I64, I1):
        x = cg.convert(x, F64)
    return cg.emit_jvp(node, function, [x], [cg.const(1.0)]).items[1]


def _pullback(cg, node: ast.Call, args: list, kwargs: dict) -> object:
    """`zyg.pullback(f, *args)`: `(output, back)`, `back` a partial of `pullback_at` (each call of it
    one `ad.vjp`)."""
    if not args or kwargs:
        cg.error(node, "zyg.pullback in compiled code takes a function and its arguments (no argnums)", ZygTypeError)
    function, primals = args[0], list(args[1:])
    output = cg.apply_function(node, function, primals, {})
    back = Struct(PARTIAL, [Static(pullback_at), function, Struct(TUPLE, primals)], ["function", "0", "1"])
    return Struct(TUPLE, [output, back])


def _pullback_at(cg, node: ast.Call, args: list, kwargs: dict) -> object:
    if len(args) != 3 or kwargs:
        cg.error(node, "back takes one cotangent", ZygTypeError)
    function, primals, cotangent = args
    return cg.emit_vjp(node, function, list(primals.items), cotangent)


def _jvp(cg, node: ast.Call, args: list, kwargs: dict) -> object:
    """`zyg.jvp(f, primals, tangents)`: `(value, tangent)`."""
    if len(args) != 3 or kwargs:
        cg.error(node, "zyg.jvp takes a function, a tuple of primals and a tuple of tangents", ZygTypeError)
    function, primals, tangents = args
    if not all(isinstance(v, Struct) and v.kind in (TUPLE, LIST) for v in (primals, tangents)):
        cg.error(node, "zyg.jvp takes the primals and the tangents as tuples (one entry per argument)", ZygTypeError)
    return cg.emit_jvp(node, function, list(primals.items), list(tangents.items))
