"""`zyg.check_rule`: a custom rule's derivative against central finite differences of the function.

In: a function (usually one with a rule, `zyg.rules`) and arguments of any structure. Out: nothing when
the rule agrees; an AssertionError naming the argument, the place in its structure and the element
where it does not. The output is reduced to a number by a random cotangent `ct` of its structure
(`<ct, f(x)>`, as JAX's `check_grads` does), so one pullback checks every output at once; each float
element of each argument is then perturbed in turn, and `f` itself (Python, not compiled) is evaluated
on both sides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import numpy as np

from zyg.api import pullback

Path = tuple  # the keys, indices and field names from an argument down to one of its leaves


def check_rule(f: Callable, *args, eps: float = 1e-6, rtol: float = 1e-5, atol: float = 1e-6, seed: int = 0) -> None:
    """Checks the derivative zyg uses for `f` (its rule, where it has one) at `args` against central
    differences of `f` with step `eps`. An output that is not a float is weighted by a random cotangent
    of its structure (from `seed`).

    Raises:
        AssertionError: at the first element whose derivative differs by more than `atol + rtol *
            |finite difference|`, naming the argument, its place in the structure and both values.

    Example:
        >>> import zyg
        >>> def square(x):
        ...     return x * x
        >>> @zyg.rrule(square)
        ... def square_rrule(x):
        ...     return square(x), lambda dy: (3.0 * x * dy,)
        >>> zyg.check_rule(square, 1.0)
        Traceback (most recent call last):
        ...
        AssertionError: check_rule(square): argument 0: the derivative is 3.0, central differences give 2.0
    """
    y, back = pullback(f, *args)
    weighted = not isinstance(y, float)  # a number's derivative is checked as it is
    ct = _random_like(y, np.random.default_rng(seed)) if weighted else 1.0
    gradients = back(ct)
    name = getattr(f, "__qualname__", repr(f))
    for index, arg in enumerate(args):
        for path, value in _float_leaves(arg, ()):
            derivative = np.asarray(_get(gradients[index], path) if gradients[index] is not None else 0.0, float)
            for element in np.ndindex(np.shape(value)):
                difference = _central_difference(f, args, index, path, element, ct, eps)
                given = float(derivative[element]) if derivative.ndim else float(derivative)
                if abs(given - difference) > atol + rtol * abs(difference):
                    where = "".join(f"[{key!r}]" if not isinstance(key, _Field) else f".{key.name}" for key in path)
                    at = f" element {element}" if element else ""
                    of = " (of the output weighted by a random cotangent)" if weighted else ""
                    raise AssertionError(f"check_rule({name}): argument {index}{where}{at}: the derivative{of} is "
                                         f"{given!r}, central differences give {round(difference, 8)!r}")


def _central_difference(f: Callable, args: tuple, index: int, path: Path, element: tuple, ct, eps: float) -> float:
    """d<ct, f(args)> / d(element of leaf `path` of argument `index`), by central differences."""
    sides = []
    for step in (eps, -eps):
        leaf = np.array(_get(args[index], path), dtype=float)
        leaf[element] += step
        moved = leaf if leaf.ndim else float(leaf)
        changed = list(args)
        changed[index] = _set(args[index], path, moved)
        sides.append(_inner(ct, f(*changed)))
    return (sides[0] - sides[1]) / (2 * eps)


@dataclasses.dataclass(frozen=True)
class _Field:
    """A dataclass field on a path (so `_get`/`_set` read an attribute, not an item)."""

    name: str


def _children(value) -> Iterator[tuple[object, object]]:
    """(key, item) of a container: tuples, lists, dicts, dataclasses and NamedTuples."""
    if isinstance(value, dict):
        yield from value.items()
    elif isinstance(value, (tuple, list)):
        yield from enumerate(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield _Field(field.name), getattr(value, field.name)


def _is_float(value) -> bool:
    return isinstance(value, float) or (isinstance(value, np.ndarray) and value.dtype.kind == "f")


def _float_leaves(value, path: Path) -> Iterator[tuple[Path, object]]:
    if _is_float(value):
        yield path, value
        return
    for key, item in _children(value):
        yield from _float_leaves(item, (*path, key))


def _get(value, path: Path):
    for key in path:
        if value is None:
            return 0.0  # a None cotangent: zero
        value = getattr(value, key.name) if isinstance(key, _Field) else value[key]
    return 0.0 if value is None else value


def _set(value, path: Path, new):
    """`value` with the leaf at `path` replaced by `new` (containers on the way copied)."""
    if not path:
        return new
    key, rest = path[0], path[1:]
    if isinstance(key, _Field):
        return dataclasses.replace(value, **{key.name: _set(getattr(value, key.name), rest, new)})
    if isinstance(value, dict):
        return {**value, key: _set(value[key], rest, new)}
    items = list(value)
    items[key] = _set(items[key], rest, new)
    if isinstance(value, list):
        return items
    return type(value)(*items) if hasattr(type(value), "_fields") else tuple(items)


def _random_like(value, rng: np.random.Generator):
    """A cotangent of `value`'s structure: random normal floats, None for the leaves that are not."""
    if isinstance(value, float):
        return float(rng.normal())
    if isinstance(value, np.ndarray):
        return rng.normal(size=value.shape) if value.dtype.kind == "f" else None
    children = list(_children(value))
    if not children and not isinstance(value, (tuple, list, dict)):
        return None
    result = value
    for key, item in children:
        result = _set(result, (key,), _random_like(item, rng))
    return result


def _inner(ct, value) -> float:
    """<ct, value>: the sum of the products of their float leaves."""
    return float(sum(np.sum(np.asarray(_get(ct, path)) * leaf) for path, leaf in _float_leaves(value, ())))
