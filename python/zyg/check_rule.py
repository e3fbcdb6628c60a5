"""`zyg.check_rule`: a custom rule (`zyg.rules`) checked against central finite differences of its function.

In: a function with a reverse rule and arguments of any structure. Out: `zyg.check_grad`'s summary (the
comparison itself is `check_grad`'s: zyg's reverse mode, which uses the rule, against finite differences
of the function's own body run in plain Python), or an AssertionError naming the argument, the path and
the element where they differ.
"""

from __future__ import annotations

from collections.abc import Callable

from zyg.check import GradCheck, check_grad
from zyg.errors import ZygTypeError
from zyg.frontend.source import function_location
from zyg.rules import rule_of


def check_rule(f: Callable, *args, **options) -> GradCheck:
    """Checks the reverse rule of `f` (`zyg.rrule`, `zyg.custom_vjp`) at `args` against central
    differences of `f`; `options` as for `zyg.check_grad`.

    Raises:
        ZygTypeError: when `f` has no reverse rule.
        AssertionError: where the rule and the finite differences differ, naming the argument, the
            path and the element.

    Example:
        >>> import zyg
        >>> def square(x):
        ...     return x * x
        >>> @zyg.rrule(square)
        ... def square_rrule(x):
        ...     return square(x), lambda dy: (2.0 * x * dy,)
        >>> zyg.check_rule(square, 1.5).checked
        1
    """
    rule = rule_of(f)
    if rule is None or rule.forward is None:
        name = getattr(f, "__qualname__", repr(f))
        raise ZygTypeError(f"'{name}' has no reverse rule to check (register one with zyg.rrule or zyg.custom_vjp; "
                           "zyg.check_grad checks any function)", function_location(f) if callable(f) else None)
    return check_grad(f, *args, **options)
