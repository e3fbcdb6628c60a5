"""The public API: gradients, pullbacks, forward-mode jvps and compiled primals of plain Python functions.

Conventions follow Zygote: `gradient` returns a tuple with one entry per positional argument, and
`None` for arguments that cannot carry a gradient (int, bool). With `argnums`, as in `jax.grad`, only
the chosen arguments are differentiated (`zyg.argnums`).
"""

from __future__ import annotations

import functools
import inspect
import operator
import types
import weakref
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from zyg import argnums as wrt_arguments
from zyg import devices, jacobians
from zyg.backend import cuda
from zyg.backend.jit import NativeFunction
from zyg.compiled import CompiledRequest
from zyg.compiler import compile_request
from zyg.cotangents import seeds as cotangent_seeds
from zyg.entry_abi import BACKWARD_ENTRY, ENTRY, INT64_MAX, INT64_MIN, RELEASE_ENTRY, body_of
from zyg.errors import USER_TRACEBACK, ZygError, ZygTypeError
from zyg.fast_path import NO_FAST_PATH, fast_path, gradients_builder
from zyg.frontend.source import function_location
from zyg.frontend.trees import (
    LEAF,
    RUNSTR,
    TreeDef,
    UnusualValue,
    build_python,
    flatten,
    leaf,
    structure_key,
    unflatten,
)
from zyg.params import Grads, Params
from zyg.params import collect as collect_grads
from zyg.tangents import output_tangent, parameter_tangents, tangent_seeds
from zyg.typecodes import is_float_code, to_python, type_code_of

STAGES = ("frontend", "ad", "lowered", "llvm", "llvmir", "ptx")  # what `ir()` shows, in pipeline order


def _user_facing(fn):
    """Re-raises ZygErrors without zyg's own frames, so the user sees their call and the message, and
    an exception the user's compiled code raised with its traceback at the user's `raise`."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ZygError as err:
            raise err.with_traceback(None) from None
        except BaseException as err:
            if not hasattr(err, USER_TRACEBACK):
                raise
            raise err.with_traceback(getattr(err, USER_TRACEBACK)) from None

    return wrapper


def _check_function(f: Any) -> types.FunctionType:
    if not isinstance(f, types.FunctionType):
        raise ZygTypeError(f"zyg compiles Python functions, got {type(f).__name__} {f!r}")
    return f


_VARARGS, _VARKEYWORDS = inspect.CO_VARARGS, inspect.CO_VARKEYWORDS


def _takes_exactly(f: types.FunctionType, args: tuple) -> bool:
    """Whether `args` are `f`'s parameters as they are (no default, `*args` or keyword-only to fill)."""
    code = f.__code__
    return len(args) == code.co_argcount and not code.co_kwonlyargcount and not code.co_flags & (_VARARGS | _VARKEYWORDS)


def _parameter_values(f: types.FunctionType, args: tuple) -> tuple:
    """The value of each of `f`'s parameters for a call with positional `args`, in the compiled
    function's order: positional ones (defaults filling the missing), `*args` as a tuple, keyword-only
    ones (their defaults), `**kwargs` as an empty dict."""
    code, name = f.__code__, f.__qualname__
    count, defaults = code.co_argcount, f.__defaults__ or ()
    if len(args) > count and not code.co_flags & _VARARGS:
        raise ZygTypeError(f"'{name}' takes {count} arguments, got {len(args)}", function_location(f))
    missing = count - len(args)
    if missing > len(defaults):
        raise ZygTypeError(f"'{name}' takes {count} arguments ({count - len(defaults)} without a default), got "
                           f"{len(args)}", function_location(f))
    values = [*args[:count], *(defaults[len(defaults) - missing:] if missing > 0 else ())]
    if code.co_flags & _VARARGS:
        values.append(tuple(args[count:]))
    keyword_defaults = f.__kwdefaults__ or {}
    for keyword in code.co_varnames[count: count + code.co_kwonlyargcount]:
        if keyword not in keyword_defaults:
            raise ZygTypeError(f"'{name}' has the keyword-only parameter '{keyword}' without a default; zyg passes "
                               "positional arguments (bind it first, e.g. with functools.partial)",
                               function_location(f))
        values.append(keyword_defaults[keyword])
    if code.co_flags & _VARKEYWORDS:
        values.append({})
    return tuple(values)


def _per_argument(f: types.FunctionType, passed: int, gradients: tuple) -> tuple:
    """Gradients of every parameter (`_parameter_values` order) as one per argument passed: those of
    the positional parameters passed, then the items of the `*args` tuple's gradient."""
    return per_argument(f.__code__.co_argcount, bool(f.__code__.co_flags & _VARARGS), passed, gradients)


def per_argument(positional: int, varargs: bool, passed: int, gradients: tuple) -> tuple:
    """`_per_argument` for a function of `positional` positional parameters, and `*args` if `varargs`."""
    result = list(gradients[: min(passed, positional)])
    if varargs:
        result += list(gradients[positional])
    return tuple(result)


def _signature(f: types.FunctionType, args: tuple) -> tuple[tuple[TreeDef, ...], list]:
    """The trees of `args`, the values of `f`'s parameters (`zyg.frontend.trees`: structure and leaf
    type codes) and their leaves."""
    trees, leaves = [], []
    for index, value in enumerate(args):
        try:
            tree, parts = flatten(value, type_code_of, f"argument {index}", f" of '{f.__qualname__}'")
        except ZygTypeError as err:
            raise ZygTypeError(err.message, function_location(f)) from None
        trees.append(tree)
        leaves += parts
    return tuple(trees), leaves


def _int_positions(signature: tuple[TreeDef, ...]) -> tuple[tuple[int, int], ...]:
    """`(leaf position, argument)` of each int leaf (code `i64`): each call checks that it fits in int64."""
    positions, offset = [], 0
    for index, tree in enumerate(signature):
        positions += [(offset + k, index) for k, code in enumerate(tree.leaf_codes()) if code == "i64"]
        offset += tree.leaf_count
    return tuple(positions)


def _check_int64(f: types.FunctionType, index: int, value) -> None:
    """Raises OverflowError if an int in argument `index` does not fit in int64, zyg's int; the native
    call would store it modulo 2**64."""
    if INT64_MIN <= value <= INT64_MAX:
        return
    names = f.__code__.co_varnames
    name = f" ({names[index]!r})" if index < len(names) else ""
    raise OverflowError(f"argument {index}{name} of '{f.__qualname__}' holds {int(value)}, which does not fit "
                        f"in int64 (zyg compiles ints as 64-bit integers, from {INT64_MIN} to {INT64_MAX})")


def _python_result(tree: TreeDef, values: tuple, strings: list[str] | None = None) -> object:
    """The compiled function's flat results as the Python value of structure `tree`; a str read at run
    time is its number in `strings`, the string table of the compile's host calls."""
    if tree.kind == LEAF:
        (value,) = values
        return to_python(value, tree.code)
    codes = iter(tree.leaf_codes())

    def build(kind: str, cls: type | None, keys: tuple, items: list) -> object:
        return strings[items[0]] if kind == RUNSTR else build_python(kind, cls, keys, items)

    return unflatten(tree, [to_python(v, next(codes)) for v in values], build)


# The Python types whose values are leaves of their own type code: the fast path of a call.
_SCALAR_KINDS = {float: leaf("f64"), int: leaf("i64"), bool: leaf("i1")}
_FIRST = operator.itemgetter(0)


class _Compiled:
    """Shared behaviour of the compiled callables: per-signature compilation and IR inspection."""

    request = "primal"

    def __init__(self, f: Callable, argnums: object = None, device: str = devices.CPU):
        self.f = _check_function(f)
        self.argnums = wrt_arguments.checked(self.f, argnums)
        self.device = devices.checked(device)
        self._last_signature: tuple[TreeDef, ...] | None = None
        # Python-level argument kinds (or the trees of structured arguments) -> (compiled, signature,
        # int leaf positions): a call with the same kinds as an earlier one skips flattening and
        # hashing types (microseconds per call).
        self._seen: dict[tuple, tuple[CompiledRequest, tuple[TreeDef, ...], tuple]] = {}
        self._arrangers: dict[tuple[TreeDef, ...], Callable] = {}
        # The fast path of a next call with arguments of the same kinds as the last one (`zyg.fast_path`).
        self._fast = NO_FAST_PATH
        functools.update_wrapper(self, f)

    def _remember(self, args: tuple, compiled: CompiledRequest, finish: Callable | None) -> None:
        """After a call with `args` served by `compiled`: the fast path of a next call like it, whose
        results `finish` makes of the native tuple. A call with other kinds of arguments replaces it, so
        it is always the last call's compile (the one `ir()` shows)."""
        exact = _takes_exactly(self.f, args)
        self._fast = fast_path(args, compiled, finish) if exact else NO_FAST_PATH

    def _compiled(self, args: tuple) -> tuple[CompiledRequest, tuple[TreeDef, ...], list]:
        """The compile for `args` (the parameters' values, see `_parameter_values`), their trees and
        their flattened leaves. A GPU compile is made only where it can run (else `NoGpuError`)."""
        if self.device == devices.GPU:
            cuda.require_device()
        if not _takes_exactly(self.f, args):
            args = _parameter_values(self.f, args)
        if all(type(a) in _SCALAR_KINDS or type(a) is np.ndarray for a in args):
            kinds = tuple((a.ndim, a.dtype) if type(a) is np.ndarray else type(a) for a in args)
            leaves = args
        else:
            leaves = []
            try:
                kinds = tuple(structure_key(a, leaves) for a in args)
            except UnusualValue:  # the general path names what zyg cannot take
                trees, leaves = _signature(self.f, args)
                kinds = trees
        known = self._seen.get(kinds)
        free = known[0].free_leaves() if known is not None and known[0].guard_holds() else None
        if free is None:  # a global it read was rebound, or its free data changed structure: compile again
            signature = kinds if kinds and isinstance(kinds[0], TreeDef) else _signature(self.f, args)[0]
            compiled = compile_request(self.f, signature, self.request, wrt=self._wrt(signature), device=self.device)
            known = self._seen[kinds] = (compiled, signature, _int_positions(signature))
            free = compiled.free_leaves()
            if free is None:
                raise ZygTypeError(f"the globals '{self.f.__qualname__}' reads changed while it was compiled",
                                   function_location(self.f))
        for position, index in known[2]:
            _check_int64(self.f, index, leaves[position])
        self._last_signature = known[1]
        return known[0], known[1], [*leaves, *free]

    def _per_argument(self, args: tuple, gradients):
        """With `argnums=None`, the gradients as one per argument passed (defaults and keyword-only
        parameters filled in take none; `*args` gives one per item)."""
        if self.argnums is not None or _takes_exactly(self.f, args):
            return gradients
        return _per_argument(self.f, len(args), gradients)

    def _wrt(self, signature: tuple[TreeDef, ...]) -> tuple[int, ...] | None:
        """The arguments the request differentiates (see `zyg.argnums.wrt`); none for a primal."""
        if self.request == "primal":
            return None
        return wrt_arguments.wrt(self.f, self.argnums, signature)

    @_user_facing
    def ir(self, stage: str = "llvmir", *example_args, function_only: bool = False) -> str:
        """The IR at `stage` for the argument types of `example_args` (or of the last call).

        Stages: 'frontend', 'ad' (after autodiff), 'lowered' (what crosses to upstream MLIR),
        'llvm' (LLVM dialect), 'llvmir' (optimised LLVM IR) and, for `device="gpu"`, 'ptx' (the
        kernels' PTX, built without a GPU or a CUDA driver; empty when nothing runs on the GPU, as in
        a function of scalars). With `function_only` ('llvmir'
        only), the request's own function alone (`@zyg_body`: the value, gradient, ... as asked),
        without the entry, runtime helpers and attribute groups, as Julia's `@code_llvm` prints it.
        """
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; choose one of {', '.join(STAGES)}")
        if stage == "ptx" and self.device != devices.GPU:
            raise ValueError(f"the 'ptx' stage is that of device='gpu' compiles; this function is compiled for "
                             f"device={self.device!r}")
        if function_only and stage != "llvmir":
            raise ValueError("function_only=True shows a function of the 'llvmir' stage")
        if example_args and not _takes_exactly(self.f, example_args):
            example_args = _parameter_values(self.f, example_args)
        signature = _signature(self.f, example_args)[0] if example_args else self._last_signature
        if signature is None:
            raise ValueError("call the function once, or pass example arguments, to choose the types")
        text = compile_request(self.f, signature, self.request, keep_ir=True, wrt=self._wrt(signature),
                               device=self.device).stages[stage]
        if function_only:
            from zyg.backend.engine import function_ir

            return function_ir(text, body_of(ENTRY))
        return text


class _CallableCompiled(_Compiled):
    """A compiled callable whose calls take the fast path (`zyg.fast_path`) when they can, else `_call`."""

    def __call__(self, *args):
        call, guard, finish = self._fast
        if call is not None and guard.check():
            outcome = call(*args)
            if type(outcome) is tuple:
                return outcome if finish is None else finish(outcome)
        return self._call(args)

    def _call(self, args: tuple):
        raise NotImplementedError


class JitFunction(_CallableCompiled):
    """The compiled primal of `f`; see `jit`."""

    request = "primal"

    @_user_facing
    def _call(self, args: tuple):
        compiled, _, leaves = self._compiled(args)
        tree, strings = compiled.return_tree, compiled.strings
        result = _python_result(tree, compiled.native(*leaves), strings)
        # The native results of a leaf are its Python value already.
        self._remember(args, compiled, _FIRST if tree.kind == LEAF else
                       functools.partial(_python_result, tree, strings=strings))
        return result


class GradFunction(_CallableCompiled):
    """The compiled gradient of `f`; see `compile_grad`."""

    request = "grad"

    @_user_facing
    def _call(self, args: tuple):
        compiled, signature, leaves = self._compiled(args)
        arrange = self._arrangers.get(signature)
        if arrange is None:  # worked out once per signature
            wrt_arguments.require_float_result(self.f, compiled.return_tree)
            arrange = self._arrangers[signature] = wrt_arguments.arranger(self.argnums, signature)
        result = self._per_argument(args, arrange(compiled.native(*leaves)))
        builder = gradients_builder(args) if self.argnums is None else False
        self._remember(args, compiled, arrange if builder is False else builder)
        return result


class JacobianFunction(_CallableCompiled):
    """The compiled Jacobian of `f`; see `jacobian`."""

    request = "jacobian"

    @_user_facing
    def _call(self, args: tuple):
        compiled, signature, leaves = self._compiled(args)
        arrange = self._arrangers.get(signature)
        if arrange is None:  # worked out once per signature
            arrange = self._arrangers[signature] = jacobians.arranger(self.argnums, signature)
        result = self._per_argument(args, arrange(compiled.native(*leaves)))
        self._remember(args, compiled, arrange)
        return result


class _ParamsGradFunction(_Compiled):
    """The gradient of `f` with respect to the free data it reads (for `zyg.Params`)."""

    request = "grad"

    def _wrt(self, signature: tuple[TreeDef, ...]) -> str:
        return wrt_arguments.FREE_DATA

    def __call__(self, args: tuple, params: Params) -> Grads:
        compiled, signature, leaves = self._compiled(args)
        wrt_arguments.require_float_result(self.f, compiled.return_tree)
        gradients = compiled.native(*leaves)
        free = leaves[sum(tree.leaf_count for tree in signature):]
        codes = [code for tree in compiled.free_trees for code in tree.leaf_codes()]
        floats = [value for value, code in zip(free, codes, strict=True) if is_float_code(code)]
        return collect_grads(params, floats, gradients)


class _VjpFunction(_Compiled):
    request = "vjp"

    def value_and_gradient(self, args: tuple) -> tuple[float, Any]:
        """The value and the gradient (the seed 1.0) of a function that returns a float."""
        compiled, signature, leaves = self._compiled(args)
        wrt_arguments.require_float_result(self.f, compiled.return_tree)
        value, *grads = compiled.native(*leaves, 1.0)
        grads = wrt_arguments.arrange(self.argnums, signature, grads)
        return to_python(value, compiled.return_tree.code), self._per_argument(args, grads)


class _Tape:
    """What a pullback's forward sweep saved for its backward sweeps (a handle the compiled code
    made), freed by the module's release entry once the last `back` holding it is collected."""

    def __init__(self, release: NativeFunction, handle: int):
        self.handle = handle
        weakref.finalize(self, release, handle)


class _PullbackFunction(_Compiled):
    """The two halves of `f`'s vjp, compiled; see `pullback`."""

    request = "pullback"

    def __call__(self, args: tuple) -> tuple[Any, Callable[[Any], Any]]:
        """The output at `args` (as Python values) from one forward sweep, and `back`, which runs the
        backward sweep on what that sweep saved for each cotangent it is given."""
        compiled, signature, leaves = self._compiled(args)
        tree = compiled.return_tree
        *values, handle = compiled.native(*leaves)
        value = _python_result(tree, tuple(values), compiled.strings)
        tape = _Tape(compiled.entries[RELEASE_ENTRY], handle)
        backward = compiled.entries[BACKWARD_ENTRY]

        @_user_facing
        def back(ct: Any):
            gradients = backward(*cotangent_seeds(tree, value, ct), tape.handle)
            return self._per_argument(args, wrt_arguments.arrange(self.argnums, signature, gradients))

        return value, back


class _JvpFunction(_Compiled):
    """`f`'s values and their tangents in one forward sweep (forward mode); see `jvp`."""

    request = "jvp"

    def __call__(self, args: tuple, tangents: tuple) -> tuple[Any, Any]:
        parameters = args if _takes_exactly(self.f, args) else _parameter_values(self.f, args)
        compiled, signature, leaves = self._compiled(args)
        seeds = tangent_seeds(signature, parameters, parameter_tangents(self.f, args, tangents))
        tree = compiled.return_tree
        values = compiled.native(*leaves, *seeds)
        count = tree.leaf_count
        return (_python_result(tree, values[:count], compiled.strings),
                output_tangent(tree, values[count:]))


def jit(f: Callable, device: str = devices.CPU) -> JitFunction:
    """Compiles `f` to native code, once per argument-type signature.

    With `device="gpu"`, its array operations run as CUDA kernels (see the README's GPU section);
    calling it without a CUDA driver or device raises `NoGpuError`, but `ir("ptx", *args)` works.

    Raises:
        ValueError: for a device other than "cpu" and "gpu".

    Example:
        >>> import zyg
        >>> zyg.jit(lambda x, n: x ** n)(2.0, 10)
        1024.0
    """
    return JitFunction(f, device=device)


@_user_facing
def compile_grad(f: Callable, argnums: int | Sequence[int] | None = None, device: str = devices.CPU) -> GradFunction:
    """The gradient of scalar `f` as native code, compiled once per argument-type signature.

    With `argnums=None`, returns one entry per positional argument: the gradient for float and
    float-array arguments, None for int and bool. With an int (negative counts from the end), returns
    the gradient with respect to that argument alone; with a tuple, a tuple of gradients in its order.
    The other arguments are constants to the autodiff: their gradients are not computed at all.
    `device` is as in `jit`.

    Raises:
        ZygTypeError: when `argnums` names a position twice or one `f` lacks, or (at the call) an
            argument that is not a float or a float array.
        ValueError: for a device other than "cpu" and "gpu".
        NoGpuError: (at the call) with `device="gpu"`, where there is no CUDA driver or device.

    Example:
        >>> import zyg
        >>> g = zyg.compile_grad(lambda x: 5 * x + 3)
        >>> g(10.0)
        (5.0,)
        >>> zyg.compile_grad(lambda w, x: w * x, argnums=0)(2.0, 3.0)
        3.0
    """
    return GradFunction(f, argnums, device)


@_user_facing
def gradient(f: Callable, *args, argnums: int | Sequence[int] | None = None, device: str = devices.CPU):
    """The gradient of scalar `f` at `args` (Zygote's `gradient`); `argnums` as in `compile_grad`,
    `device` as in `jit`.

    With a `zyg.Params` as the last argument, `f` is called with the others and differentiated with
    respect to those arrays where it reads them as globals or closure variables (Zygote's implicit
    parameters); the result is a `zyg.Grads` mapping each array to its gradient.

    Example:
        >>> import math, zyg
        >>> zyg.gradient(lambda x, y: x * y + math.sin(x), 2.0, 3.0) == (3 + math.cos(2.0), 2.0)
        True
        >>> zyg.gradient(lambda x, y: x * y, 2.0, 3.0, argnums=(1,))
        (2.0,)
    """
    if args and isinstance(args[-1], Params):
        if argnums is not None:
            raise ZygTypeError("a gradient with respect to Params takes no argnums", function_location(f))
        return _params_grad_function(_check_function(f), devices.checked(device))(args[:-1], args[-1])
    return _grad_function(f, _checked(f, argnums), devices.checked(device))(*args)


def _checked(f: Callable, argnums: object) -> wrt_arguments.Request:
    """`argnums` validated, and hashable for the caches below."""
    return wrt_arguments.checked(_check_function(f), argnums)


@functools.lru_cache(maxsize=256)
def _grad_function(f: Callable, argnums: wrt_arguments.Request = None, device: str = devices.CPU) -> GradFunction:
    return GradFunction(f, argnums, device)


@functools.lru_cache(maxsize=256)
def _jacobian_function(f: Callable, argnums: wrt_arguments.Request = None, device: str = devices.CPU) -> JacobianFunction:
    return JacobianFunction(f, argnums, device)


@functools.lru_cache(maxsize=256)
def _params_grad_function(f: Callable, device: str = devices.CPU) -> _ParamsGradFunction:
    return _ParamsGradFunction(f, device=device)


@functools.lru_cache(maxsize=256)
def _vjp_function(f: Callable, argnums: wrt_arguments.Request = None, device: str = devices.CPU) -> _VjpFunction:
    return _VjpFunction(f, argnums, device)


@functools.lru_cache(maxsize=256)
def _jvp_function(f: Callable, device: str = devices.CPU) -> _JvpFunction:
    return _JvpFunction(f, device=device)


@functools.lru_cache(maxsize=256)
def _pullback_function(f: Callable, argnums: wrt_arguments.Request = None, device: str = devices.CPU) -> _PullbackFunction:
    return _PullbackFunction(f, argnums, device)


@_user_facing
def jacobian(f: Callable, *args, argnums: int | Sequence[int] | None = None, device: str = devices.CPU):
    """The Jacobian of `f` at `args` (Zygote's `jacobian`), computed in compiled code: one forward
    sweep, then one reverse sweep per element of the output, or, where the differentiated arguments
    have fewer elements than the output, one forward-mode sweep per element of them. `device` is as
    in `jit`.

    The output `y` may be a float, an array or a structure of them (a tuple, dict, dataclass...):
    its float leaves, each flattened row-major, are concatenated in flattening order (dicts in
    insertion order, dataclass fields in declaration order; int, bool and str parts take no part) into one
    vector `vec(y)` of length m. Returns, like `gradient`, one entry per argument (None for int and
    bool arguments; `argnums` as in `compile_grad`): for an array `a`, the float64 matrix of shape
    `(m, a.size)` whose entry `[k, i]` is `d vec(y)[k] / d vec(a)[i]`; for a float, a vector of
    length m; for a structure, its structure with each float leaf's block as above. A float-valued
    `f` has m = 1: one row.

    Example:
        >>> import numpy as np, zyg
        >>> zyg.jacobian(lambda x, c: c * x ** 2, np.array([1.0, 2.0]), 3.0)
        (array([[ 6.,  0.],
               [ 0., 12.]]), array([1., 4.]))
        >>> zyg.jacobian(lambda x, y: x * y, 2.0, 3.0)
        (array([3.]), array([2.]))
    """
    return _jacobian_function(f, _checked(f, argnums), devices.checked(device))(*args)


def derivative(f: Callable) -> Callable[[float], Any]:
    """`f'` for a function of one number, in forward mode: the derivative of each float in the
    output, which may be a number, an array or any structure of them (None where the output holds no
    float). An int argument is taken as a float.

    Example:
        >>> import numpy as np, zyg
        >>> zyg.derivative(lambda x: 5 * x + 3)(10)
        5.0
        >>> zyg.derivative(lambda t: (np.sin(t * np.arange(3.0)), t * t))(0.0)
        (array([0., 1., 2.]), 0.0)
    """
    if not callable(f):
        raise ZygTypeError(f"zyg.derivative takes a function, got {type(f).__name__} {f!r}")
    # A function value zyg compiles (as `math.sin` or a closure are): its derivative is the next order.
    return functools.partial(_requests().derivative_at, f)


@_user_facing
def hvp(f: Callable, x, v, device: str = devices.CPU):
    """The Hessian-vector product `H(x) v` of scalar `f` of one argument `x` (a float or an array),
    forward over reverse: the tangent of `f`'s gradient along `v`, in one compiled sweep on `device`
    (as in `jit`).

    Example:
        >>> import numpy as np, zyg
        >>> zyg.hvp(lambda x: np.sum(x ** 3), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
        array([6., 0.])
    """
    return jit(_requests().hvp_at, device)(_check_function(f), x, v)


@_user_facing
def hessian(f: Callable, x, device: str = devices.CPU):
    """The Hessian of scalar `f` of one argument `x` (Zygote's `hessian`), forward over reverse: for
    a float `x`, a float; for an array, the matrix of shape `(x.size, x.size)` of the second
    derivatives in `vec(x)` (flattened row-major), one compiled forward-over-reverse sweep per row,
    on `device` (as in `jit`).

    Example:
        >>> import numpy as np, zyg
        >>> zyg.hessian(lambda x: x[0] ** 2 * x[1], np.array([1.0, 2.0]))
        array([[4., 2.],
               [2., 0.]])
        >>> zyg.hessian(lambda t: t ** 3, 2.0)
        12.0
    """
    _check_function(f)
    if isinstance(x, (int, float, np.floating)) and not isinstance(x, bool):
        return jit(_requests().hvp_at, device)(f, float(x), 1.0)
    return jit(_requests().hessian_at, device)(f, x)


@_user_facing
def jvp(f: Callable, primals: Sequence, tangents: Sequence, device: str = devices.CPU) -> tuple[Any, Any]:
    """The output of `f` at `primals` and its Jacobian-vector product with `tangents`, from one
    forward-mode sweep (JAX's `jvp`); `device` as in `jit`.

    `primals` and `tangents` are sequences of one entry per argument; each tangent has its argument's
    structure (numbers, arrays of the argument's shapes, tuples, lists, dicts, dataclasses...), and None
    stands for a zero tangent of any part. Ints, bools and str carry no tangent: pass None (or zeros).
    The output's tangent has the output's structure, with None where it holds no float.

    Raises:
        ZygTypeError: when `primals` and `tangents` differ in length, or a tangent's structure,
            shape or type differs from its argument's.

    Example:
        >>> import zyg
        >>> zyg.jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))
        (6.0, 3.0)
        >>> zyg.jvp(lambda p, n: {"a": p[0] * n, "b": p[1]}, ((1.0, 2.0), 3), ((1.0, 1.0), None))
        ({'a': 3.0, 'b': 2.0}, {'a': 3.0, 'b': 1.0})
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise ZygTypeError(f"jvp takes the primals and the tangents as tuples (one entry per argument), got "
                           f"{type(primals).__name__} and {type(tangents).__name__}",
                           function_location(_check_function(f)))
    return _jvp_function(_check_function(f), devices.checked(device))(tuple(primals), tuple(tangents))


def pushforward(f: Callable, *args, device: str = devices.CPU) -> Callable[..., Any]:
    """The pushforward of `f` at `args` (Zygote's name): a function of one tangent per argument that
    returns the output's tangent (see `jvp`). Each call runs one compiled forward-mode sweep, on
    `device` (as in `jit`).

    Example:
        >>> import zyg
        >>> push = zyg.pushforward(lambda x, y: x * y, 2.0, 3.0)
        >>> push(1.0, 0.0), push(0.0, 1.0)
        (3.0, 2.0)
    """
    forward = _jvp_function(_check_function(f), devices.checked(device))

    @_user_facing
    def push(*tangents):
        return forward(args, tangents)[1]

    return push


class WithGradient(NamedTuple):
    """The value of a function and its gradient (arranged as `argnums` asked, see `compile_grad`)."""

    val: float
    grad: Any


@_user_facing
def withgradient(f: Callable, *args, argnums: int | Sequence[int] | None = None,
                 device: str = devices.CPU) -> WithGradient:
    """The value and the gradient of scalar `f` at `args`, from one forward and one reverse sweep;
    `argnums` as in `compile_grad`, `device` as in `jit`.

    Example:
        >>> import zyg
        >>> zyg.withgradient(lambda x: 5 * x + 3, 10.0)
        WithGradient(val=53.0, grad=(5.0,))
        >>> zyg.withgradient(lambda w, x: w * x, 2.0, 3.0, argnums=0)
        WithGradient(val=6.0, grad=3.0)
    """
    value, grads = _vjp_function(f, _checked(f, argnums), devices.checked(device)).value_and_gradient(args)
    return WithGradient(value, grads)


@_user_facing
def pullback(f: Callable, *args, argnums: int | Sequence[int] | None = None,
             device: str = devices.CPU) -> tuple[Any, Callable[[Any], Any]]:
    """The output of `f` at `args` and its pullback `back(ct)`: the gradients of the output weighted by
    the cotangent `ct`, arranged as `argnums` asks (see `compile_grad`); `device` as in `jit`.

    The output may have any structure (a number, an array, a tuple, a dict, a dataclass...); `ct` has
    the same structure, arrays of the output's shapes, and None for a part that gets no cotangent (see
    `zyg.cotangents`). The forward sweep runs once, here; `back` may be called any number of times, and
    each call runs only the compiled backward sweep, reading what the forward sweep saved (freed when
    `back` is collected).

    Example:
        >>> import zyg
        >>> y, back = zyg.pullback(lambda x: 5 * x + 3, 10.0)
        >>> y, back(2.0)
        (53.0, (10.0,))
    """
    return _pullback_function(f, _checked(f, argnums), devices.checked(device))(args)



def _requests():
    """`zyg.frontend.requests`, imported when first needed (it loads xDSL, which a call served by the
    disk cache never needs), ready for the functions of it zyg compiles."""
    from zyg.frontend import requests

    requests.request_functions()
    return requests
