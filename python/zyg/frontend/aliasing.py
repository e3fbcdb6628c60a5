"""Which arrays may share storage, so that an in-place update NumPy would make visible through another
name is rejected at compile time.

zyg gives every array value semantics (an update makes a new SSA value), while NumPy updates the one
buffer every name of it sees. The two agree as long as the updated buffer is reachable from no other
live name and is not the caller's. To know that, every array SSA value has a set of *storage tokens*:
the buffers it may be. A fresh result is its own token; a view, an in-place update and `np.copyto` keep
the tokens of their source; a branch merge, a conditional expression and a loop carry take the union of
what flows in; a call keeps the tokens of the arguments its callee may return (or views of). Two values
may alias when their token sets meet.

A loop carry needs a fixed point: what iteration k yields is what iteration k+1 starts with. Every
carried array gets a token of its own for "what this variable held when the iteration began"; the body is
built under an assumption about each carry's tokens and rebuilt with a wider one until what it yields
fits (rarely more than once; most bodies assume right the first time).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xdsl.ir import SSAValue

from zyg.frontend.types import is_array


class CarryToken:
    """The buffer a loop-carried array held when an iteration began."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"<carry {self.name}>"


class AliasTracking:
    """Mixin for the function codegen: storage tokens of array values and the checks built on them.
    Expects `self.storage`, `self.parameters` and `self.scope`."""

    def storage_of(self, value) -> frozenset:
        """The buffers array `value` may be (a fresh value is only itself)."""
        return self.storage.get(value, frozenset((value,)))

    def share_storage(self, result: SSAValue, *sources) -> SSAValue:
        """Records that `result` may be any buffer one of the array `sources` may be; returns it."""
        tokens = frozenset().union(*(self.storage_of(s) for s in sources
                                     if isinstance(s, SSAValue) and is_array(s.type)))
        if tokens and isinstance(result, SSAValue) and is_array(result.type):
            self.storage[result] = tokens
        return result

    def shared_parameter(self, array: SSAValue) -> str | None:
        """The name of a parameter whose (caller's) buffer `array` may be, if any."""
        for token in self.storage_of(array):
            if token in self.parameters:
                return self.parameters[token]
        return None

    def names_sharing(self, name: str, array: SSAValue) -> list[str]:
        """The other user variables in scope whose arrays may be `array`'s buffer."""
        tokens = self.storage_of(array)
        return [other for other, value in self.scope.values.items()
                if other != name and not other.startswith(".") and isinstance(value, SSAValue)
                and is_array(value.type) and not tokens.isdisjoint(self.storage_of(value))]

    def settle_carried_storage(self, carried: Sequence[str], inits: Sequence[SSAValue],
                               build: Callable[[dict[str, frozenset]], tuple[object, list[SSAValue]]]):
        """Builds a loop body until its assumption about the carried arrays' buffers holds.

        `build(assumed)` builds the body once, with each carried array's block arguments given the
        tokens `assumed[name]`, and returns (what it built, the values it yields in `carried` order).
        Returns (what the last build built, the settled assumption), the tokens of the loop's results.
        """
        arrays = [n for n, v in zip(carried, inits) if is_array(v.type)]
        starts = {n: CarryToken(n) for n in arrays}
        assumed = {n: self.storage_of(v) | {starts[n]} for n, v in zip(carried, inits) if n in starts}
        while True:
            built, yielded = build(assumed)
            wider = self._required_storage(assumed, starts, dict(zip(carried, yielded)))
            if all(wider[n] <= assumed[n] for n in arrays):
                return built, assumed
            assumed = {n: assumed[n] | wider[n] for n in arrays}

    def _required_storage(self, assumed: dict[str, frozenset], starts: dict[str, CarryToken],
                          yielded: dict[str, SSAValue]) -> dict[str, frozenset]:
        """What each carried array may be when the next iteration begins, given what this one yields."""
        outer = frozenset().union(*(self.storage_of(v) for v in self.scope.values.values()
                                    if isinstance(v, SSAValue) and is_array(v.type)), *assumed.values())
        tokens = {n: self.storage_of(yielded[n]) for n in assumed}
        fresh = {n: t - outer for n, t in tokens.items()}
        required = {}
        for name, held in tokens.items():
            need = set(held & outer)
            for other, start in starts.items():
                if other == name:
                    continue
                if start in held:  # it took what `other` began the iteration with
                    need |= assumed[other]
                if not fresh[name].isdisjoint(fresh[other]):  # both took one new buffer
                    need.add(starts[other])
            required[name] = frozenset(need)
        return required
