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
    Expects `self.storage`, `self.parameters`, `self.scope` and `self.flat` (a value's leaves)."""

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
        """The other user variables in scope (or containers they hold) whose arrays may be `array`'s
        buffer."""
        tokens = self.storage_of(array)
        return [other for other, value in self.scope.values.items()
                if other != name and not other.startswith(".")
                and any(is_array(leaf.type) and not tokens.isdisjoint(self.storage_of(leaf))
                        for leaf in self.flat(value)[1])]

    def scope_leaves(self) -> list[SSAValue]:
        """Every IR value the variables in scope hold (the leaves of the containers among them)."""
        return [leaf for value in self.scope.values.values() for leaf in self.flat(value)[1]]

    def settle_carried_storage(self, inits: Sequence[SSAValue],
                               build: Callable[[dict[int, frozenset]], tuple[object, list[SSAValue]]]):
        """Builds a loop body until its assumption about the carried arrays' buffers holds.

        `inits` are the values the loop carries in (the leaves of the carried variables). `build(assumed)`
        builds the body once, with the block arguments of each carried array `i` given the tokens
        `assumed[i]` (see `assume_storage`), and returns (what it built, the values it yields, in order).
        Returns (what the last build built, the settled assumption, also the tokens of the loop's results).
        """
        arrays = [i for i, v in enumerate(inits) if is_array(v.type)]
        starts = {i: CarryToken(f"{inits[i].name_hint or i}") for i in arrays}
        assumed = {i: self.storage_of(inits[i]) | {starts[i]} for i in arrays}
        while True:
            built, yielded = build(assumed)
            wider = self._required_storage(assumed, starts, yielded)
            if all(wider[i] <= assumed[i] for i in arrays):
                return built, assumed
            assumed = {i: assumed[i] | wider[i] for i in arrays}

    def assume_storage(self, values: Sequence[SSAValue], assumed: dict[int, frozenset]) -> None:
        """Gives the carried values (block arguments or loop results, in carry order) their tokens."""
        for index, tokens in assumed.items():
            self.storage[values[index]] = tokens

    def _required_storage(self, assumed: dict[int, frozenset], starts: dict[int, CarryToken],
                          yielded: Sequence[SSAValue]) -> dict[int, frozenset]:
        """What each carried array may be when the next iteration begins, given what this one yields."""
        outer = frozenset().union(*(self.storage_of(v) for v in self.scope_leaves() if is_array(v.type)),
                                  *assumed.values())
        tokens = {i: self.storage_of(yielded[i]) for i in assumed}
        fresh = {i: t - outer for i, t in tokens.items()}
        required = {}
        for index, held in tokens.items():
            need = set(held & outer)
            for other, start in starts.items():
                if other == index:
                    continue
                if start in held:  # it took what `other` began the iteration with
                    need |= assumed[other]
                if not fresh[index].isdisjoint(fresh[other]):  # both took one new buffer
                    need.add(start)
            required[index] = frozenset(need)
        return required
