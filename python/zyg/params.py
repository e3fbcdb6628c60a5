"""Implicit parameters, as Zygote's `Params`: arrays a function reads as globals or closure variables
(free data, see `zyg.frontend.dependencies`) to differentiate with respect to, by identity.

`zyg.gradient(loss, *args, zyg.Params([W, b]))` differentiates `loss(*args)` with respect to the
arrays `W` and `b` wherever `loss` (or a function it calls) reads them: as a global, a closure
variable or a leaf of a global container. The result is a `Grads`, a mapping from each of those arrays
(by identity, not value) to its gradient; an array the function never reads maps to None.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np

from zyg.errors import ZygTypeError


class Params:
    """Float arrays to differentiate with respect to where a function reads them as free data."""

    def __init__(self, arrays: Iterable[np.ndarray]):
        self.arrays: list[np.ndarray] = []
        for index, array in enumerate(arrays):
            if not isinstance(array, np.ndarray) or array.dtype not in (np.float64, np.float32):
                what = f"a {type(array).__name__}" if not isinstance(array, np.ndarray) else f"an array of {array.dtype}"
                raise ZygTypeError(f"Params holds float64 and float32 arrays; item {index} is {what}")
            if not any(array is known for known in self.arrays):
                self.arrays.append(array)

    def __len__(self) -> int:
        return len(self.arrays)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self.arrays)

    def __repr__(self) -> str:
        return f"Params({len(self.arrays)} arrays)"


class Grads(Mapping):
    """The gradients for a `Params`: `grads[W]` is the gradient with respect to the array `W` itself."""

    def __init__(self, params: Params, gradients: Sequence[np.ndarray | None]):
        self._params = params
        self._by_id = {id(a): g for a, g in zip(params.arrays, gradients, strict=True)}

    def __getitem__(self, array: np.ndarray) -> np.ndarray | None:
        if not any(array is known for known in self._params.arrays):
            raise KeyError("this array is not one of the Params the gradient was taken for")
        return self._by_id[id(array)]

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self._params.arrays)

    def __len__(self) -> int:
        return len(self._params.arrays)

    def __repr__(self) -> str:
        return f"Grads({len(self)} arrays)"


def collect(params: Params, free_values: Sequence, gradients: Sequence) -> Grads:
    """The `Grads` of `params` from the free data's float leaves `free_values` (as bound at the call)
    and their `gradients`, in order; an array read in two places gets the sum."""
    found: dict[int, np.ndarray] = {}
    for value, gradient in zip(free_values, gradients, strict=True):
        if any(value is array for array in params.arrays):
            found[id(value)] = gradient if id(value) not in found else found[id(value)] + gradient
    return Grads(params, [found.get(id(array)) for array in params.arrays])
