"""Checkpointing (rematerialisation) markers: user API only, no compiler code.

`checkpoint(f)` and `checkpointed(x)` do nothing in Python; the frontend sees them in compiled code
(`zyg.frontend.checkpoints`) and marks the call or the loop `ad.checkpoint`, and reverse mode then
recomputes instead of storing (`zyg.passes.autodiff.checkpoint`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Checkpointed:
    """A function whose calls in differentiated code save only their arguments: the pullback of a
    call runs the function's forward pass again (with taping, on a tape of its own), then its
    backward pass. Called from Python, it is the function itself."""

    def __init__(self, fn: Callable):
        if not callable(fn):
            raise TypeError(f"zyg.checkpoint: expected a function, got {fn!r}")
        self.fn = fn
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


def checkpoint(fn: Callable) -> Checkpointed:
    """Recompute `fn`'s forward pass in the pullback instead of saving its values (`jax.checkpoint`).

    Inside differentiated code a call of the result saves only its arguments on the tape; the
    gradient is the same, memory is traded for a second run of `fn`. Without differentiation it is
    `fn`. Usable as a decorator.

    Example:
        >>> import zyg
        >>> @zyg.checkpoint
        ... def square(x):
        ...     return x * x
        >>> zyg.gradient(lambda x: square(square(x)), 2.0)
        (32.0,)
    """
    return Checkpointed(fn)


def checkpointed(loop: T) -> T:
    """Marks a loop for checkpointing: `for i in zyg.checkpointed(range(n)):` (any `for` loop the
    compiler runs as a loop: a range, the rows of an array) or `while zyg.checkpointed(condition):`.

    Returns its argument: in Python, and in compiled code that is not differentiated, the loop runs as
    written. Differentiated, the loop saves the carried state only at the start of each segment and
    recomputes a segment's iterations in the pullback: a `for` loop of n iterations runs in segments of
    ceil(sqrt(n)); a `while` loop, whose n is unknown in advance, in segments of 1, 2, 3, ...
    iterations. Either way the tape holds O(sqrt(n)) states and one segment's values instead of n
    iterations' values, for one extra forward pass.

    Example:
        >>> import zyg
        >>> def decay(x, n):
        ...     for i in zyg.checkpointed(range(n)):
        ...         x = x * 0.5 + 1.0
        ...     return x
        >>> zyg.gradient(decay, 3.0, 4)
        (0.0625, None)
    """
    return loop
