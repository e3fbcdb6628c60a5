"""Custom differentiation rules and `stop_gradient`: the user's word on a function's derivative.

In: Python functions registered by `rrule` (ChainRules' form), `custom_vjp` + `defvjp` and `custom_jvp`
+ `defjvp` (JAX's forms). Out: the registry `rule_of(f)` that the frontend reads when it compiles a call
of `f` (`zyg.frontend.custom_rules`), and that a compile records so that redefining a rule compiles
what used it again (`zyg.frontend.dependencies`). Plain Python, no xDSL: a disk-cache hit checks the
records without loading the compiler.

The functions stay plain Python functions: `custom_vjp(f)` and `custom_jvp(f)` return `f` itself with a
`defvjp` / `defjvp` method attached, so Python calls run `f`'s body and compiled code calls it as it
calls any function, except that its derivative is the rule's.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True, eq=False)  # compared by identity: a redefinition is a new rule
class Rule:
    """The rules registered for one function.

    Attributes:
        primal: the function the rule differentiates.
        forward: the reverse rule's first half, with `primal`'s parameters: an `rrule` returning
            `(value, pullback)`, or a `custom_vjp` fwd returning `(value, residuals)`; None without one.
        backward: a `custom_vjp` bwd, `bwd(residuals, cotangent) -> cotangents`; None for an `rrule`,
            whose pullback is the closure `forward` returns.
        jvp: a `custom_jvp` rule, `jvp(primals, tangents) -> (value, tangent)`; None without one.
    """

    primal: types.FunctionType
    forward: types.FunctionType | None = None
    backward: types.FunctionType | None = None
    jvp: types.FunctionType | None = None

    @property
    def functions(self) -> tuple[types.FunctionType, ...]:
        """The rule's own functions (a call of `primal` inside them runs `primal`'s body)."""
        return tuple(g for g in (self.forward, self.backward, self.jvp) if g is not None)

    @property
    def name(self) -> str:
        """How messages name the reverse rule."""
        return getattr(self.forward, "__qualname__", "?")


_RULES: dict[types.FunctionType, Rule] = {}
# `registered(f, default)`: f's rules or `default`, read at C speed by the per-call probes of
# `zyg.frontend.dependencies.Guard`.
registered = _RULES.get


def rule_of(f: object) -> Rule | None:
    """The rules registered for `f`, or None."""
    return _RULES.get(f) if isinstance(f, types.FunctionType) else None


def _register(f: Callable, **parts: Callable | None) -> None:
    if not isinstance(f, types.FunctionType):
        raise TypeError(f"zyg rules are registered for Python functions, got {type(f).__name__} {f!r}")
    for part, g in parts.items():
        if g is not None and not isinstance(g, types.FunctionType):
            raise TypeError(f"the {part} rule of '{f.__qualname__}' must be a Python function, got {g!r}")
    old = _RULES.get(f)
    _RULES[f] = replace(old, **parts) if old is not None else Rule(f, **parts)


def rrule(f: Callable) -> Callable[[Callable], Callable]:
    """Registers a reverse rule for `f` (ChainRules' `rrule`), as a decorator.

    The rule takes `f`'s arguments and returns `f`'s value and a pullback: a closure taking the
    output's cotangent and returning one cotangent per argument of `f`, structured like the argument
    (None for an argument that gets none). zyg compiles the rule: what the pullback captures is saved
    for the reverse sweep (once per call, so once per iteration in a loop). A call of `f` inside the
    rule runs `f`'s own body; everywhere else in compiled code (and `zyg.gradient(f, ...)`) the rule
    is used, its value included. Redefining the rule compiles again whatever used it.

    Example:
        >>> import zyg
        >>> def add(a, b):
        ...     return a + b
        >>> @zyg.rrule(add)
        ... def add_rrule(a, b):
        ...     def add_pullback(dy):
        ...         return dy, 2.0 * dy
        ...     return add(a, b), add_pullback
        >>> zyg.gradient(add, 1.0, 2.0)
        (1.0, 2.0)
    """

    def register(rule: Callable) -> Callable:
        _register(f, forward=rule, backward=None)
        return rule

    return register


def custom_vjp(f: Callable) -> Callable:
    """Marks `f` for a reverse rule in JAX's form: `f.defvjp(fwd, bwd)` registers it.

    `fwd` takes `f`'s arguments and returns `(value, residuals)` (any structure); `bwd(residuals, ct)`
    returns a tuple with one cotangent per argument of `f` (None for none). Returns `f` itself.
    `f.defvjp(fwd)` without `bwd` is a decorator for `bwd`.

    Example:
        >>> import numpy as np, zyg
        >>> @zyg.custom_vjp
        ... def softplus(x):
        ...     return np.log1p(np.exp(x))
        >>> def softplus_fwd(x):
        ...     return softplus(x), x
        >>> def softplus_bwd(x, ct):
        ...     return (ct / (1.0 + np.exp(-x)),)
        >>> softplus.defvjp(softplus_fwd, softplus_bwd)
        >>> round(zyg.gradient(softplus, 0.0)[0], 6)
        0.5
    """

    def defvjp(fwd: Callable, bwd: Callable | None = None):
        if bwd is None:
            return lambda bwd: (_register(f, forward=fwd, backward=bwd), bwd)[1]
        _register(f, forward=fwd, backward=bwd)
        return None

    f.defvjp = defvjp
    return f


def custom_jvp(f: Callable) -> Callable:
    """Marks `f` for a forward-mode rule in JAX's form: `f.defjvp(jvp)` (also a decorator) registers
    `jvp(primals, tangents) -> (value, tangent)`, both arguments tuples with one entry per argument of
    `f` (None for the tangent of one that has none). Returns `f` itself.

    The frontend compiles the rule beside `f` (`ad.jvp_rule`) for forward mode. Reverse mode
    differentiates `f`'s own body (JAX would transpose the jvp rule instead); give `f` a reverse rule
    (`defvjp`, `rrule`) as well where its body must not be differentiated.
    """

    def defjvp(jvp: Callable) -> Callable:
        _register(f, jvp=jvp)
        return jvp

    f.defjvp = defjvp
    return f


def stop_gradient(x):
    """`x` itself, through which no gradient flows (JAX's `lax.stop_gradient`): numbers, arrays and
    structures of them. From Python it returns `x`; in compiled code its value is a constant to the
    autodiff.

    Example:
        >>> import zyg
        >>> zyg.gradient(lambda x: x ** 2 + zyg.stop_gradient(x ** 3), 2.0)
        (4.0,)
    """
    return x
