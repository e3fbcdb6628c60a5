"""Lists grown in a loop whose trip count is known only at run time: the one container with an IR
representation.

Every other container is a compile-time tree. A list that a loop appends to a number of times known
only at run time (`hs = []`, `for t in range(n): hs.append(h)`) cannot be one: the program learns
that when the loop's carried structure changes (`FunctionCodegen._check_carried`) and compiles it
again with the list made a `Struct` of kind `GROWLIST` before the loop. Its two leaves are a buffer,
an array with one row per item (rows past the length unused: zero, or an item a filter dropped) and
the length, an int; its key
is the type code of an item. Items are numbers of one type or arrays of one dtype, rank and shape
(checked at run time, as `np.stack` would).

`hs.append(h)` writes row `len(hs)` in place, doubling the buffer first when it is full, so a loop
of n appends costs O(n) and its gradient what writing rows of a preallocated array costs. A `for`
loop whose body appends only in statements of its own (not in branches or inner loops) reserves its
rows before it starts (length + trip count x appends per iteration), and those appends have no
growth branch: only the first item of an empty list of arrays reallocates, to give the rows its
shape. The list is read by `len(hs)`, `hs[i]` and `hs[-1]` (bounds-checked), `np.stack(hs)` and `np.array(hs)` (its
rows), `sum(hs)`, `for h in hs`, and returned as a Python list.

A comprehension or `filter` whose test is known only at run time makes one too (`filtered_list`):
room for every candidate item, each appended where its test holds.
"""

from __future__ import annotations

import ast

from xdsl.dialects import arith, tensor
from xdsl.ir import SSAValue

from zyg.dialects.zyg_arrays import ReduceOp
from zyg.dialects.zyg_indexing import GetSliceOp, SetSliceOp
from zyg.errors import ZygTypeError
from zyg.frontend.closures import own_nodes
from zyg.frontend.trees import GROWLIST, LEAF, LIST, Struct, TreeDef, type_name
from zyg.frontend.types import I1, I64, element_type, is_array, rank_of, type_of_code
from zyg.typecodes import python_name

MINIMUM_CAPACITY = 8  # rows of a buffer's first allocation
GROWABLE_CODES = ("f64", "f32", "i64")  # the numbers a growable list holds; arrays of any rank of these


def lone_appends(body: list[ast.stmt], name: str) -> list[ast.Call]:
    """The `name.append(item)` statements of loop body `body` when they are the only code in it that
    changes list `name` (none in a branch or inner loop, no assignment to `name`), else []."""
    calls = [s.value for s in body if isinstance(s, ast.Expr) and _is_append(s.value, name)]
    for n in own_nodes(ast.Module(body=body, type_ignores=[])):
        if isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load):
            return []
        if _is_append(n, name) and n not in calls:
            return []
    return calls


def _is_append(n: ast.AST, name: str) -> bool:
    return isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "append" \
        and isinstance(n.func.value, ast.Name) and n.func.value.id == name


def growable_element(before: TreeDef, after: TreeDef) -> str | None:
    """The item type code when a loop turns list `before` into `after` by appending items of one
    type (or into a growable list of them), else None."""
    if before.kind != LIST or any(c.kind != LEAF for c in before.children):
        return None
    codes = {c.code for c in before.children}
    if after.kind == GROWLIST:
        codes.add(after.keys[0])
    elif after.kind == LIST and len(after.children) > len(before.children) \
            and after.children[:len(before.children)] == before.children \
            and all(c.kind == LEAF for c in after.children):
        codes |= {c.code for c in after.children}
    else:
        return None
    if len(codes) != 1:
        return None
    (code,) = codes
    return code if code.endswith(GROWABLE_CODES) else None


class GrowableLists:
    """The growable-list half of `FunctionCodegen` (which provides `const`, `value`, `dims`, `splat`,
    `select_value`, `check`, `array_row`, ...)."""

    def growable_from(self, value: Struct, code: str) -> Struct:
        """List `value` (of items of type code `code`) as a growable list of the same items."""
        item = type_of_code(code)
        element = element_type(item)
        rank = rank_of(item) if is_array(item) else 0
        items = list(value.items)
        # No dimension is a constant 0: upstream rejects slices of statically empty buffers even on
        # paths that never run. The rows of an empty list of arrays take their shape at the first append.
        dims = self.dims(items[0]) if items and rank else [self.index(1)] * rank
        rows = len(items) + MINIMUM_CAPACITY
        buffer = self.splat(self.const(0, element) if element == I64 else self.const(0.0, element), element,
                            [self.index(rows), *dims])
        for position, v in enumerate(items):
            buffer = self._set_row(buffer, self.index(position), v)
        return Struct(GROWLIST, (buffer, self.const(len(items))), (code,))

    def settled_growables(self, value: object) -> object:
        """`value` with each growable list in it trimmed to its rows (capacity = length), as a function
        returns it: a loop-grown buffer returned whole was miscompiled in testing (its loop read a
        stale buffer and overran the heap; the cause is in bufferization, not found yet), and a
        caller's next append reallocates anyway."""
        if not isinstance(value, Struct):
            return value
        if value.kind == GROWLIST:
            return Struct(GROWLIST, (self.growable_rows(value), value.items[1]), value.keys)
        return Struct(value.kind, [self.settled_growables(item) for item in value.items], value.keys, value.cls)

    def reserve_rows(self, value: Struct, rows: SSAValue) -> Struct:
        """List `value` with room for `rows` items (an int) in all: the buffer reallocated (to at least
        twice its rows) when it has fewer."""
        buffer, length = value.items
        capacity = self.to_int(self.dims(buffer)[0])
        short = self.value(arith.CmpiOp(capacity, rows, "slt"))
        target = self.value(arith.MaxSIOp(rows, self.value(arith.MuliOp(capacity, self.const(2)))))
        buffer = self.select_value("the list's rows", short,
                                   lambda: self._reallocated(value, target, self.dims(buffer)[1:], self.node),
                                   lambda: buffer, self.node)
        return Struct(GROWLIST, (buffer, length), value.keys)

    def growable_length(self, value: Struct) -> SSAValue:
        return value.items[1]

    def growable_rows(self, value: Struct) -> SSAValue:
        """The items as one array, `np.stack(hs)`: the buffer's first `len(hs)` rows."""
        buffer, length = value.items
        rank = rank_of(buffer.type)
        dims = [self.to_index(length), *self.dims(buffer)[1:]]
        zero, one = self.index(0), self.index(1)
        op = GetSliceOp(buffer, [zero] * rank, dims, [one] * rank, list(range(rank)))
        return self.with_dims(self.value(op), dims)

    def growable_item(self, node: ast.AST, value: Struct, index: object) -> SSAValue:
        """`hs[i]`: Python's bounds check (a negative `i` counts from the end), then row `i`."""
        if not isinstance(index, SSAValue) or index.type not in (I64, I1):
            self.error(node, "a list grown in a loop is indexed with an int", ZygTypeError)
        buffer, length = value.items
        return self.array_row(buffer, self.checked_position(index, length, "list"))

    def require_items(self, value: Struct, what: str) -> None:
        """A run-time ValueError where an empty list of arrays would give a row shape it does not have."""
        if rank_of(value.items[0].type) > 1:
            some = self.value(arith.CmpiOp(value.items[1], self.const(0), "sgt"))
            self.check(some, "ValueError", f"{what} of an empty list of arrays grown in a loop (it has no "
                       "row shape)")

    def growable_sum(self, value: Struct) -> SSAValue:
        """`sum(hs)`: the items added up (0.0 for an empty list of numbers; an empty list of arrays is
        a run-time ValueError, where Python's 0 would broadcast)."""
        self.require_items(value, "sum()")
        rows = self.growable_rows(value)
        if rank_of(rows.type) == 1:
            return self.value(ReduceOp(rows, "sum", [0], False))
        return self.with_dims(self.value(ReduceOp(rows, "sum", [0], False)), self.dims(rows)[1:])

    def filtered_list(self, node: ast.AST, candidates: list[tuple[SSAValue | bool, object]]) -> Struct:
        """The list of the items of `candidates` (pairs `(keep, item)`) whose `keep` holds, `keep` an i1
        known only at run time or True: a growable list with a row for each candidate."""
        codes = {code for _, item in candidates for code in self.flat(item)[0].leaf_codes()}
        trees = {self.flat(item)[0] for _, item in candidates}
        code = next(iter(codes)) if len(codes) == 1 else None
        if code is None or len(trees) != 1 or next(iter(trees)).kind != LEAF or not code.endswith(GROWABLE_CODES):
            kinds = ", ".join(sorted({type_name(t) for t in trees}))
            self.error(node, f"items kept by a test known only at run time make a list of run-time length, which zyg "
                       f"holds for numbers or arrays of one type (float, int, float32) only; these are {kinds}",
                       ZygTypeError)
        value = self.reserve_rows(self.growable_from(Struct(LIST, []), code), self.const(len(candidates)))
        for keep, item in candidates:
            value = self.growable_append(node, value, item, None if keep is True else keep)
        return value

    def growable_append(self, node: ast.AST, value: Struct, item: object, when: SSAValue | None = None) -> Struct:
        """`hs.append(item)`: the list with `item` in row `len(hs)`, the buffer doubled first if full.
        With `when` (an i1), the item counts only where it holds, and the list must have room for it
        (`reserve_rows`): its row is written either way."""
        buffer, length = value.items
        code = value.keys[0]
        expected = type_of_code(code)
        if not isinstance(item, SSAValue) or is_array(item.type) != is_array(expected) \
                or (is_array(expected) and (rank_of(item.type) != rank_of(expected)
                                            or element_type(item.type) != element_type(expected))):
            self.error(node, f"a list grown in a loop holds items of one type ({python_name(code)}); this appends "
                       "another", ZygTypeError)
        if not is_array(expected):
            item = self.convert(item, expected)
        item_dims = self.dims(item) if is_array(expected) else []
        if item_dims:
            old = self.dims(buffer)[1:]
            same = self.value(arith.CmpiOp(length, self.const(0), "eq"))
            for a, b in zip(item_dims, old):
                same = self.value(arith.OrIOp(same, self.value(arith.CmpiOp(a, b, "eq"))))
            if when is not None:  # an item not kept has any shape
                same = self.value(arith.OrIOp(same, self.value(arith.XOrIOp(when, self.const(True)))))
            self.check(same, "ValueError", "a list grown in a loop holds arrays of one shape (as np.stack needs)")
        capacity = self.to_int(self.dims(buffer)[0])
        full = self.value(arith.CmpiOp(length, capacity, "eq"))
        reserved = when is not None or id(node) in self.reserved_appends  # room made (`lone_appends`)
        grow = None if reserved else full
        if item_dims:  # the first item gives the rows their shape
            empty = self.value(arith.CmpiOp(length, self.const(0), "eq"))
            grow = empty if reserved else self.value(arith.OrIOp(full, empty))
        if grow is not None:
            # doubled when full; the same rows, now of the item's shape, for the first item otherwise
            rows = self.value(arith.MaxSIOp(self.value(arith.SelectOp(
                full, self.value(arith.MuliOp(capacity, self.const(2))), capacity)), self.const(MINIMUM_CAPACITY)))
            buffer = self.select_value("the list's rows", grow, lambda: self._reallocated(value, rows, item_dims, node),
                                       lambda: buffer, node)
        buffer = self._set_row(buffer, self.to_index(length), item)
        added = self.const(1) if when is None else self.value(arith.ExtUIOp(when, I64))
        return Struct(GROWLIST, (buffer, self.value(arith.AddiOp(length, added))), value.keys)

    def _reallocated(self, value: Struct, rows: SSAValue, row_dims: list[SSAValue], node: ast.AST) -> SSAValue:
        """A fresh buffer of `rows` rows (an int) of shape `row_dims`, holding the items of `value`."""
        buffer, length = value.items
        element = element_type(buffer.type)
        zero = self.const(0, element) if element == I64 else self.const(0.0, element)
        fresh = self.splat(zero, element, [self.to_index(rows), *row_dims])
        has_rows = self.value(arith.CmpiOp(length, self.const(0), "sgt"))
        return self.select_value("the list's rows", has_rows, lambda: self._copy_rows(value, fresh),
                                 lambda: fresh, node)

    def _copy_rows(self, value: Struct, into: SSAValue) -> SSAValue:
        rows = self.growable_rows(value)
        rank = rank_of(into.type)
        zero, one = self.index(0), self.index(1)
        op = SetSliceOp(rows, into, [zero] * rank, self.dims(rows), [one] * rank, list(range(rank)))
        return self.with_dims(self.value(op), self.dims(into))

    def _set_row(self, buffer: SSAValue, k: SSAValue, item: SSAValue) -> SSAValue:
        """`buffer[k] = item` for an index `k` within the buffer."""
        rank = rank_of(buffer.type)
        item = self.convert_element(item, element_type(buffer.type))
        if rank == 1:
            return self.with_dims(self.value(tensor.InsertOp(item, buffer, [k])), self.dims(buffer))
        zero, one = self.index(0), self.index(1)
        sizes = [one, *self.dims(item)]
        op = SetSliceOp(item, buffer, [k, *[zero] * (rank - 1)], sizes, [one] * rank, list(range(1, rank)))
        return self.with_dims(self.value(op), self.dims(buffer))
