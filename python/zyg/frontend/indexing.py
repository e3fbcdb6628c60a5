"""Frontend support for NumPy indexing: reading and writing arrays by index, with run-time checks.

Mixed into `FunctionCodegen` beside `ArrayCodegen`. An index (`x[...]`, `y[...] = v`) is sorted at
compile time into one of four kinds, as NumPy does:
  - every axis an int: one element, `tensor.extract`/`tensor.insert` (bounds-checked);
  - basic: ints, slices `a:b:s`, `...` and `None`/`np.newaxis`: `zyg.get_slice`/`zyg.set_slice`,
    with the slice bounds clamped like NumPy's and an `IndexError` for an out-of-range int;
  - advanced: int64 arrays (lists and tuples of ints become them, as in NumPy; a bool array becomes
    the positions of its true elements) with any basic items: the basic part is sliced first, with
    the array-indexed axes kept whole, then the index arrays, broadcast together and every index
    checked, pick along their axes (`zyg.gather`, written by `zyg.scatter`: `y[idx] = v` and
    `np.add.at`); the index dimensions go where NumPy puts them;
  - a bool array of the array's shape alone: a mask read (`zyg.mask_select`) or write (`np.where`).
Also here: `for row in x`, `float(x)`/`x.item()` of a size-1 array, and `np.copyto`.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.dialects import arith, tensor
from xdsl.ir import SSAValue

from zyg.dialects.zyg_arrays import ReduceOp
from zyg.dialects.zyg_indexing import (
    NEW_AXIS,
    GatherOp,
    GetSliceOp,
    MaskScatterOp,
    MaskSelectOp,
    ScatterOp,
    SetSliceOp,
)
from zyg.dialects.zyg_shapes import IotaOp
from zyg.errors import UnsupportedSyntaxError, ZygTypeError
from zyg.frontend.arrays import _constant_int, shape_text
from zyg.frontend.shape_functions import array_from_nested
from zyg.frontend.structs import describe
from zyg.frontend.trees import GROWLIST, LIST, TUPLE, Static, Struct
from zyg.frontend.types import F64, I1, I64, element_type, is_array, python_type_name, rank_of


@dataclass
class BasicIndex:
    """A basic index resolved against an array: per source axis an offset, size and stride (`index`
    values), and per result axis the source axis it comes from (`NEW_AXIS` for `None`)."""

    offsets: list[SSAValue]
    sizes: list[SSAValue]
    strides: list[SSAValue]
    axes: list[int]
    dims: list[SSAValue]  # of the slice


@dataclass
class AdvancedIndex:
    """An index with int or bool arrays (NumPy's advanced indexing) resolved against an array: the
    basic part (its ints, slices and `None`s, with the array-indexed axes kept whole; `None` when
    that is the whole array) is read first, then the int64 `arrays`, broadcast to the shape `dims`
    and checked, pick along the axes `axes` of that part (`zyg.gather`). The index dimensions go
    at result axis `position`: where the first advanced index (an int or an array) was when all of
    them are next to each other in the index, else first (NumPy's rule)."""

    basic: BasicIndex | None
    arrays: list[SSAValue]
    axes: list[int]
    position: int
    dims: list[SSAValue]


class IndexingCodegen:
    """The indexing half of `FunctionCodegen` (which provides `visit`, `value`, `const`, `check`, ...)."""

    # ----------------------------------------------------------------------------------------------
    # Sorting an index
    # ----------------------------------------------------------------------------------------------

    def index_items(self, node: ast.Subscript) -> list[ast.expr]:
        sl = node.slice
        return list(sl.elts) if isinstance(sl, ast.Tuple) else [sl]

    def is_new_axis(self, item: ast.expr) -> bool:
        if isinstance(item, ast.Constant):
            return item.value is None
        if isinstance(item, (ast.Name, ast.Attribute)) and not self.is_local(item):
            return self.static_value(item) is None
        return False

    def array_index(self, node: ast.Subscript, x: SSAValue) -> tuple[str, object]:
        """Sorts the index of `node` into `("element", indices)`, `("basic", BasicIndex)`,
        `("mask", mask)` or `("advanced", AdvancedIndex)`."""
        return self.sort_index(node, x, self.index_entries(node))

    def index_entries(self, node: ast.Subscript) -> list[SSAValue | ast.expr]:
        """The items of the index of `node`: slices, `None`s and `...` as their nodes, the others
        evaluated (ints and int64 or bool arrays)."""
        entries: list[SSAValue | ast.expr] = []
        items = self.index_items(node)
        for item in items:
            if isinstance(item, ast.Slice) or self.is_new_axis(item) or _is_ellipsis(item):
                entries.append(item)
                continue
            value = self.visit(item)
            if len(items) == 1 and isinstance(value, Struct) and value.kind == TUPLE:
                # `idx = (i, j); x[idx]` is `x[i, j]`, as in NumPy (a list would be one index array)
                return [ast.copy_location(ast.Constant(None), item) if isinstance(v, Static) and v.value is None
                        else self.index_value(item, v) for v in value.items]
            entries.append(self.index_value(item, value))
        return entries

    def index_value(self, node: ast.AST, v: object) -> SSAValue:
        """An evaluated index item: an int, or an int64 or bool array; a list or tuple of them (nested,
        or grown at run time) becomes an array, as NumPy makes it."""
        if isinstance(v, Struct):
            v = self.sequence_index(node, v)
        if not isinstance(v, SSAValue):
            self.error(node, f"an array index must be an int, a slice, None, ..., an array or a list, got "
                       f"{describe(v)}", ZygTypeError)
        if is_array(v.type):
            if element_type(v.type) not in (I64, I1):
                self.error(node, f"arrays used as indices must be of integer or boolean type, got a "
                           f"{python_type_name(v.type)}", ZygTypeError)
            return v
        if v.type != I64:
            self.error(node, f"an array index must be an int, a slice, None or ..., got a "
                       f"{python_type_name(v.type)}", ZygTypeError)
        return v

    def sequence_index(self, node: ast.AST, v: Struct) -> SSAValue:
        """A list or tuple inside an index as the array NumPy makes of it (`[]` is an empty int array)."""
        if v.kind == GROWLIST:
            self.require_items(v, "indexing with")
            return self.growable_rows(v)
        if v.kind not in (LIST, TUPLE):
            self.error(node, f"an array index must be an int, a slice, None, ..., an array or a list, got "
                       f"{describe(v)}", ZygTypeError)
        if not v.items:
            return self.splat(self.const(0), I64, [self.index(0)])
        return array_from_nested(self, node, v)

    def sort_index(self, node: ast.AST, x: SSAValue, entries: list[SSAValue | ast.expr]) -> tuple[str, object]:
        """Sorts evaluated index items (see `array_index`)."""
        if not any(_is_index_array(e) for e in entries):
            values = self.expand_ellipsis(node, entries, rank_of(x.type))
            if all(isinstance(v, SSAValue) for v in values):
                return "element", self.checked_indices(node, x, values)
            return "basic", self.basic_index(node, x, values)
        if len(entries) == 1 and element_type(entries[0].type) == I1 and rank_of(entries[0].type) == rank_of(x.type):
            return "mask", self.checked_mask(entries[0], self.dims(x))
        return "advanced", self.advanced_index(node, x, entries)

    def expand_ellipsis(self, node: ast.AST, values: list, rank: int) -> list:
        """Replaces `...` by full slices and appends full slices for the axes the index leaves out."""
        ellipses = [i for i, v in enumerate(values) if _is_ellipsis(v)]
        if len(ellipses) > 1:
            self.error(node, "an index can only have a single ellipsis ('...')", ZygTypeError)
        used = sum(_axes_used(v) for v in values)
        if used > rank:
            self.error(node, f"too many indices for array: array is {rank}-dimensional, but {used} were indexed",
                       ZygTypeError)
        full = [ast.Slice()] * (rank - used)
        if ellipses:
            return values[: ellipses[0]] + full + values[ellipses[0] + 1:]
        return values + full

    def checked_indices(self, node: ast.AST, x: SSAValue, indices: Sequence[SSAValue]) -> list[SSAValue]:
        """Python int indices (negative counts from the end) -> bounds-checked `index` values."""
        dims = self.dims(x)
        return [self.checked_index(node, i, dims[axis], axis) for axis, i in enumerate(indices)]

    def checked_index(self, node: ast.AST, i: SSAValue, dim: SSAValue, axis: int) -> SSAValue:
        if i.type not in (I64, I1):
            self.error(node, f"an array index must be an int, got a {python_type_name(i.type)}", ZygTypeError)
        i = self.convert(i, I64)
        nonnegative, below = self.index_facts(i, dim)
        if nonnegative and below:
            return self.to_index(i)
        size = self.to_int(dim)
        constant = _constant_int(i)
        if nonnegative or constant is not None and constant >= 0:
            wrapped = i
        else:
            negative = self.value(arith.CmpiOp(i, self.const(0), "slt"))
            wrapped = self.value(arith.SelectOp(negative, self.value(arith.AddiOp(i, size)), i))
        in_range = self.value(arith.AndIOp(self.value(arith.CmpiOp(wrapped, self.const(0), "sge")),
                                           self.value(arith.CmpiOp(wrapped, size, "slt"))))
        self.check(in_range, "IndexError", f"index {{0}} is out of bounds for axis {axis} with size {{1}}",
                   [i, size])
        return self.to_index(wrapped)

    def basic_index(self, node: ast.AST, x: SSAValue, values: list) -> BasicIndex:
        dims = self.dims(x)
        offsets, sizes, strides, axes, out_dims = [], [], [], [], []
        one = self.index(1)
        axis = 0
        for v in values:
            if isinstance(v, SSAValue):
                offsets.append(self.checked_index(node, v, dims[axis], axis))
                sizes.append(one)
                strides.append(one)
                axis += 1
            elif isinstance(v, ast.Slice):
                start, count, step = self.slice_bounds(v, dims[axis])
                offsets.append(start)
                sizes.append(count)
                strides.append(step)
                axes.append(axis)
                out_dims.append(count)
                axis += 1
            else:
                axes.append(NEW_AXIS)
                out_dims.append(one)
        return BasicIndex(offsets, sizes, strides, axes, out_dims)

    def advanced_index(self, node: ast.AST, x: SSAValue, entries: list[SSAValue | ast.expr]) -> AdvancedIndex:
        """Resolves an index with arrays by NumPy's rules: the arrays (a bool one as the positions of
        its true elements) broadcast together; an int counts as an advanced index for the placement
        of the index dimensions but is read with the basic part."""
        places = [k for k, e in enumerate(entries) if isinstance(e, SSAValue)]
        adjacent = places == list(range(places[0], places[-1] + 1))
        dims = self.dims(x)
        basic: list[SSAValue | ast.expr] = []
        arrays: list[SSAValue] = []
        axes: list[int] = []
        position = None
        axis = out = 0  # the next axis of x and of the basic part
        for v in self.expand_ellipsis(node, entries, rank_of(x.type)):
            if isinstance(v, SSAValue) and position is None:
                position = out if adjacent else 0
            if isinstance(v, SSAValue) and is_array(v.type):
                picks = self.index_arrays(node, v, dims, axis)
                basic += [ast.Slice()] * len(picks)
                arrays += picks
                axes += range(out, out + len(picks))
                axis, out = axis + len(picks), out + len(picks)
                continue
            basic.append(v)
            if isinstance(v, SSAValue):  # an int: its axis is dropped
                axis += 1
            elif isinstance(v, ast.Slice):
                axis, out = axis + 1, out + 1
            else:  # None: a new axis
                out += 1
        shape = self.dims(arrays[0])
        for more in arrays[1:]:
            shape = self.broadcast_dims("", shape, self.dims(more), error="IndexError",
                                        prefix="shape mismatch: indexing arrays could not be broadcast together "
                                        "with shapes")
        if len(arrays) > 1:
            arrays = [self.broadcast_to(a, shape) for a in arrays]
        whole = all(isinstance(v, ast.Slice) and v.lower is None and v.upper is None and v.step is None
                    for v in basic)
        return AdvancedIndex(None if whole else self.basic_index(node, x, basic), arrays, axes, position, shape)

    def index_arrays(self, node: ast.AST, v: SSAValue, dims: list[SSAValue], axis: int) -> list[SSAValue]:
        """The int64 index arrays of index array `v` at `axis`: itself, checked, or for a bool array
        one per axis it covers, the positions of its true elements (`np.nonzero`)."""
        if element_type(v.type) == I64:
            self.check_index_array(v, dims[axis], axis)
            return [v]
        rank = rank_of(v.type)
        if rank == 0:
            self.error(node, "a 0-d boolean array as an index is not supported", UnsupportedSyntaxError)
        mask = self.checked_mask(v, dims[axis:axis + rank], axis)
        count = self.mask_count(mask)
        mask_dims = self.dims(mask)
        positions = []
        for k in range(rank):
            along = self.with_dims(self.value(IotaOp(mask_dims, k)), mask_dims)
            positions.append(self.with_dims(self.value(MaskSelectOp(along, mask, count)), [count]))
        return positions

    def check_index_array(self, indices: SSAValue, dim: SSAValue, axis: int) -> None:
        """A run-time IndexError, NumPy's, unless every element of `indices` is an index into an axis
        of length `dim` (negative ones count from the end)."""
        n = self.to_int(dim)
        if rank_of(indices.type) == 0:
            top = bottom = self.value(tensor.ExtractOp(indices, [], I64))
        else:
            every = list(range(rank_of(indices.type)))
            top = self.value(ReduceOp(indices, "max", every, False))
            bottom = self.value(ReduceOp(indices, "min", every, False))
        too_high = self.value(arith.CmpiOp(top, n, "sge"))
        too_low = self.value(arith.CmpiOp(bottom, self.value(arith.SubiOp(self.const(0), n)), "slt"))
        ok = self.value(arith.XOrIOp(self.value(arith.OrIOp(too_high, too_low)), self.const(True)))
        culprit = self.value(arith.SelectOp(too_high, top, bottom))
        self.check(ok, "IndexError", f"index {{0}} is out of bounds for axis {axis} with size {{1}}", [culprit, n])

    def slice_bounds(self, sl: ast.Slice, dim: SSAValue) -> tuple[SSAValue, SSAValue, SSAValue]:
        """NumPy's `slice.indices(n)`: `(start, count, step)` as `index` values, bounds clamped."""
        n = self.to_int(dim)
        step = None if sl.step is None else self.slice_int(sl.step)
        k = 1 if step is None else _constant_int(step)
        if k == 0:
            self.error(sl.step, "slice step cannot be zero", ZygTypeError)
        zero, one = self.const(0), self.const(1)
        if k is None:
            self.check(self.value(arith.CmpiOp(step, zero, "ne")), "ValueError", "slice step cannot be zero")
            positive = self.value(arith.CmpiOp(step, zero, "sgt"))
        else:
            step = self.const(k)
            positive = k > 0

        def choose(a: SSAValue, b: SSAValue) -> SSAValue:
            if isinstance(positive, bool):
                return a if positive else b
            return self.value(arith.SelectOp(positive, a, b))

        last = self.value(arith.SubiOp(n, one))
        low, high = choose(zero, self.const(-1)), choose(n, last)

        def bound(expr: ast.expr | None, default: SSAValue) -> SSAValue:
            if expr is None:
                return default
            v = self.slice_int(expr)
            c = _constant_int(v)
            if c is None or c < 0:
                negative = self.value(arith.CmpiOp(v, zero, "slt"))
                v = self.value(arith.SelectOp(negative, self.value(arith.AddiOp(v, n)), v))
            return self.value(arith.MinSIOp(self.value(arith.MaxSIOp(v, low)), high))

        start = bound(sl.lower, choose(zero, last))
        stop = bound(sl.upper, choose(n, self.const(-1)))
        distance = choose(self.value(arith.SubiOp(stop, start)), self.value(arith.SubiOp(start, stop)))
        magnitude = choose(step, self.value(arith.SubiOp(zero, step)))
        count = self.value(arith.MaxSIOp(self.value(arith.CeilDivSIOp(distance, magnitude)), zero))
        return self.to_index(start), self.to_index(count), self.to_index(step)

    def slice_int(self, expr: ast.expr) -> SSAValue:
        v = self.visit(expr)
        if isinstance(v, Struct) or v.type not in (I64, I1):
            self.error(expr, "slice indices must be integers", ZygTypeError)
        return self.convert(v, I64)

    # ----------------------------------------------------------------------------------------------
    # Reading
    # ----------------------------------------------------------------------------------------------

    def array_getitem(self, node: ast.Subscript, x: SSAValue) -> SSAValue:
        """`x[index]` with NumPy's semantics: an element, a slice, a gather or a mask selection."""
        kind, index = self.array_index(node, x)
        return self.read_sorted(x, kind, index)

    def read_sorted(self, x: SSAValue, kind: str, index: object) -> SSAValue:
        """`x[index]` for a sorted index (`array_index`)."""
        if kind == "element":
            return self.value(tensor.ExtractOp(x, index, element_type(x.type)))
        if kind == "basic":
            return self.get_slice(x, index)
        if kind == "advanced":
            return self.advanced_gather(x, index)
        return self.mask_select(x, index)

    def get_slice(self, x: SSAValue, index: BasicIndex) -> SSAValue:
        op = GetSliceOp(x, index.offsets, index.sizes, index.strides, index.axes)
        return self.mark_view(self.with_dims(self.value(op), index.dims), x)

    def gather(self, x: SSAValue, indices: SSAValue, axis: int = 0) -> SSAValue:
        """`x[indices]` for an int64 array `indices`: rows of `x`, every index checked (a failed check
        names `axis`: the axis of the user's array that `x`'s first axis is, for `np.take`)."""
        if rank_of(x.type) == 0:
            self.error(None, "too many indices for array: array is 0-dimensional, but 1 were indexed",
                       ZygTypeError)
        dims = self.dims(x)
        self.check_index_array(indices, dims[0], axis)
        return self.with_dims(self.value(GatherOp(x, indices)), [*self.dims(indices), *dims[1:]])

    def basic_part(self, x: SSAValue, index: AdvancedIndex) -> SSAValue:
        """The basic part of an advanced index read from `x` (a copy NumPy never shows: no view)."""
        if index.basic is None:
            return x
        b = index.basic
        return self.with_dims(self.value(GetSliceOp(x, b.offsets, b.sizes, b.strides, b.axes)), b.dims)

    def gathered_dims(self, part: SSAValue, index: AdvancedIndex) -> list[SSAValue]:
        """The dimensions of the gather from `part`: its other axes with the index dimensions at
        `index.position`."""
        kept = [d for axis, d in enumerate(self.dims(part)) if axis not in index.axes]
        return [*kept[:index.position], *index.dims, *kept[index.position:]]

    def advanced_gather(self, x: SSAValue, index: AdvancedIndex) -> SSAValue:
        """`x[index]` for an advanced index: a new array (never a view, as in NumPy)."""
        part = self.basic_part(x, index)
        gathered = GatherOp(part, index.arrays, index.axes, index.position)
        return self.with_dims(self.value(gathered), self.gathered_dims(part, index))

    def checked_mask(self, mask: SSAValue, dims: list[SSAValue], first_axis: int = 0) -> SSAValue:
        """`mask` after checking at run time that it has the shape `dims` (of the axes from
        `first_axis` on that it indexes)."""
        for axis, (d, m) in enumerate(zip(dims, self.dims(mask)), first_axis):
            if d is m:
                continue
            self.check(self.value(arith.CmpiOp(d, m, "eq")), "IndexError",
                       f"boolean index did not match indexed array along axis {axis}; size of axis is {{0}} "
                       "but size of corresponding boolean axis is {1}", [d, m])
        return self.with_dims(mask, dims)

    def mask_count(self, mask: SSAValue) -> SSAValue:
        ones = self.convert_element(mask, I64)
        total = self.value(ReduceOp(ones, "sum", list(range(rank_of(mask.type))), False))
        return self.to_index(total)

    def mask_select(self, x: SSAValue, mask: SSAValue) -> SSAValue:
        count = self.mask_count(mask)
        return self.with_dims(self.value(MaskSelectOp(x, mask, count)), [count])

    # ----------------------------------------------------------------------------------------------
    # Writing
    # ----------------------------------------------------------------------------------------------

    def array_setitem(self, node: ast.Subscript, x: SSAValue, value: SSAValue) -> SSAValue:
        """`x[index] = value` as a new array value (bufferization makes it in place again)."""
        if isinstance(value, Struct):
            self.error(node, "assigning a tuple to array elements is not supported", UnsupportedSyntaxError)
        kind, index = self.array_index(node, x)
        return self.write_sorted(node, x, kind, index, value)

    def write_sorted(self, node: ast.AST, x: SSAValue, kind: str, index: object, value: SSAValue) -> SSAValue:
        """`x[index] = value` for a sorted index (`array_index`), as a new array value."""
        element = element_type(x.type)
        value = self.convert_element(value, element)
        if kind == "element":
            if is_array(value.type):
                self.error(node, "assigning an array to one element", ZygTypeError)
            return self.with_dims(self.value(tensor.InsertOp(value, x, index)), self.dims(x))
        if kind == "advanced":
            return self.scatter(x, index, value, "set", "shape mismatch: value array of shape {source} could "
                                "not be broadcast to indexing result of shape {target}")
        if kind == "mask":
            return self.mask_assign(x, index, value)
        part = self.broadcast_into(value, index.dims, element)
        op = SetSliceOp(part, x, index.offsets, index.sizes, index.strides, index.axes)
        return self.with_dims(self.value(op), self.dims(x))

    def scatter(self, x: SSAValue, index: AdvancedIndex, value: SSAValue, kind: str, mismatch: str) -> SSAValue:
        """`x` with `value` written into (kind "set") or added to (kind "add") the elements an advanced
        index selects, as a new array; `mismatch` is the error when `value` does not broadcast."""
        part = self.basic_part(x, index)
        value = self.broadcast_into(value, self.gathered_dims(part, index), element_type(x.type), mismatch)
        written = ScatterOp(value, part, index.arrays, kind, index.axes, index.position)
        written = self.with_dims(self.value(written), self.dims(part))
        if index.basic is None:
            return written
        b = index.basic
        return self.with_dims(self.value(SetSliceOp(written, x, b.offsets, b.sizes, b.strides, b.axes)), self.dims(x))

    def add_at(self, node: ast.Call, dst: SSAValue, indices: object, value: SSAValue) -> None:
        """`np.add.at(dst, indices, value)`: rebinds the name `dst` to the array with `value` added at
        `indices`, a repeated index adding each time."""
        target = node.args[0]
        if not isinstance(target, ast.Name) or not is_array(dst.type):
            self.error(node, "np.add.at needs a named array as its first argument", UnsupportedSyntaxError)
        self.check_mutation(node, target.id, dst)
        element = element_type(dst.type)
        if isinstance(value, Struct):
            value = array_from_nested(self, node, value)
        if element == I1 or element == I64 and element_type(value.type) not in (I64, I1):
            self.error(node, f"np.add.at cannot add {describe(value)} to a {python_type_name(dst.type)} "
                       "(NumPy's casting='same_kind')", ZygTypeError)
        items = indices.items if isinstance(indices, Struct) and indices.kind == TUPLE else (indices,)
        kind, index = self.sort_index(node, dst, [self.index_value(node.args[1], item) for item in items])
        value = self.convert_element(value, element)
        mismatch = "array is not broadcastable to correct shape"
        if kind == "advanced":
            updated = self.scatter(dst, index, value, "add", mismatch)
        else:  # no index repeats: `dst[indices] += value`
            updated = self.write_sorted(node, dst, kind, index, self.binary(ast.Add(), self.read_sorted(
                dst, kind, index), value))
        updated = self.share_storage(self.with_dims(updated, self.dims(dst)), dst)  # dst's buffer, updated
        self.scope.set(target.id, updated)

    def broadcast_into(self, value: SSAValue, dims: list[SSAValue], element,
                       mismatch: str = "could not broadcast input array from shape {source} into shape {target}",
                       ) -> SSAValue:
        """`value` broadcast to `dims` for an assignment, checked like NumPy's `x[...] = value`
        (`mismatch` is the message, with the shapes for `{source}` and `{target}`)."""
        if not is_array(value.type):
            return self.splat(value, element, dims)
        source = self.dims(value)
        if len(source) > len(dims):
            self.error(None, f"cannot assign an array of rank {len(source)} to a slice of rank {len(dims)}",
                       ZygTypeError)
        oks = []
        one = self.index(1)
        for s, d in zip(source, dims[len(dims) - len(source):]):
            if s is d:
                continue
            fits = self.value(arith.OrIOp(self.value(arith.CmpiOp(s, d, "eq")), self.value(arith.CmpiOp(s, one, "eq"))))
            oks.append(fits)
        if oks:
            ok = oks[0]
            for more in oks[1:]:
                ok = self.value(arith.AndIOp(ok, more))
            message = mismatch.format(source=shape_text(len(source)), target=shape_text(len(dims), len(source)))
            self.check(ok, "ValueError", message, [*source, *dims])
        return self.broadcast_to(value, dims)

    def mask_assign(self, x: SSAValue, mask: SSAValue, value: SSAValue) -> SSAValue:
        """`x[mask] = value`: a scalar fills the selected elements; a 1-D array gives them in order."""
        if is_array(value.type):
            if rank_of(value.type) != 1:
                self.error(None, "a boolean-mask assignment takes a scalar or a 1-D array", ZygTypeError)
            count = self.mask_count(mask)
            (length,) = self.dims(value)
            fits = self.value(arith.OrIOp(self.value(arith.CmpiOp(length, count, "eq")),
                                          self.value(arith.CmpiOp(length, self.index(1), "eq"))))
            self.check(fits, "ValueError", "NumPy boolean array indexing assignment cannot assign {0} input values "
                       "to the {1} output values where the mask is true", [length, count])
            value = self.with_dims(self.value(MaskScatterOp(self.broadcast_to(value, [count]), mask)), self.dims(x))
        return self.where(mask, value, x)

    def copy_into(self, node: ast.Call, dst: SSAValue, src: SSAValue) -> None:
        """`np.copyto(dst, src)`: rebinds the name `dst` to `src` broadcast to its shape and dtype."""
        target = node.args[0]
        if not isinstance(target, ast.Name) or not is_array(dst.type):
            self.error(node, "np.copyto needs a named array as its destination", UnsupportedSyntaxError)
        self.check_mutation(node, target.id, dst)
        element = element_type(dst.type)
        if element == I64 and element_type(src.type) not in (I64, I1):
            self.error(node, f"np.copyto cannot cast a {python_type_name(src.type)} into an int64 array "
                       "(NumPy's casting='same_kind')", ZygTypeError)
        copied = self.broadcast_into(self.convert_element(src, element), self.dims(dst), element)
        updated = self.share_storage(self.value(tensor.CastOp(copied, dst.type)), dst)  # dst's buffer, updated
        self.scope.set(target.id, self.with_dims(updated, self.dims(dst)))

    # ----------------------------------------------------------------------------------------------
    # Rows, scalars
    # ----------------------------------------------------------------------------------------------

    def row_loop(self, node: ast.For, x: object) -> None:
        """`for row in x:` is `for k in range(len(x)): row = x[k]`."""
        if not isinstance(x, SSAValue) or not is_array(x.type) or rank_of(x.type) == 0:
            self.error(node.iter, "unsupported Python construct: a `for` loop over anything but range(...), "
                       f"a container or an array of rank 1 or more (got {describe(x)})", UnsupportedSyntaxError)
        if not isinstance(node.target, ast.Name):
            self.error(node.target, "a `for` loop over an array takes one plain variable", UnsupportedSyntaxError)
        self.row_sources[id(node)] = x
        trip_count = self.to_int(self.dims(x)[0])
        self.node = node
        if self._loop_exits(node):
            self._emit_while_loop(node, trip_count=trip_count, start=self.const(0), step=self.const(1),
                                  stop=trip_count)
        else:
            self._emit_for_loop(node, trip_count, self.const(0), self.const(1), trip_count)

    def array_row(self, x: SSAValue, k: SSAValue) -> SSAValue:
        """`x[k]` for `0 <= k < len(x)` (no check needed): an element of a 1-D array, else a row."""
        i = self.to_index(k)
        rank = rank_of(x.type)
        if rank == 1:
            return self.value(tensor.ExtractOp(x, [i], element_type(x.type)))
        dims = self.dims(x)
        zero, one = self.index(0), self.index(1)
        index = BasicIndex([i, *[zero] * (rank - 1)], [one, *dims[1:]], [one] * rank, list(range(1, rank)), dims[1:])
        return self.get_slice(x, index)

    def array_item(self, node: ast.AST, x: SSAValue, what: str) -> SSAValue:
        """The one element of a size-1 array (`x.item()`, `float(x)`); a `ValueError` otherwise."""
        size = self.index(1)
        for d in self.dims(x):
            size = self.value(arith.MuliOp(size, d))
        self.check(self.value(arith.CmpiOp(size, self.index(1), "eq")), "ValueError",
                   f"{what} (this array has {{0}} elements)", [size])
        zero = self.index(0)
        return self.value(tensor.ExtractOp(x, [zero] * rank_of(x.type), element_type(x.type)))


def item_method(cg, node: ast.Call, args: list[SSAValue], kwargs) -> SSAValue:
    """`x.item()`."""
    if len(args) != 1 or kwargs:
        cg.error(node, "x.item() with arguments is not supported", UnsupportedSyntaxError)
    return cg.array_item(node, args[0], "can only convert an array of size 1 to a Python scalar")


def array_float(cg, node: ast.Call, x: SSAValue) -> SSAValue:
    """`float(x)` of a 0-d array; like NumPy 2, any other rank is a `TypeError` (use `x.item()`)."""
    if rank_of(x.type) != 0:
        cg.error(node, f"only 0-dimensional arrays can be converted to Python scalars, got a "
                 f"{python_type_name(x.type)}; use x.item() for an array of size 1", ZygTypeError)
    return cg.convert_element(cg.value(tensor.ExtractOp(x, [], element_type(x.type))), F64)


def add_at(cg, node: ast.Call, args: list, kwargs) -> None:
    """`np.add.at(a, indices, b)`."""
    if len(args) != 3 or kwargs:
        cg.error(node, "np.add.at(a, indices, b) takes three positional arguments", UnsupportedSyntaxError)
    cg.add_at(node, *args)


def copyto(cg, node: ast.Call, args: list[SSAValue], kwargs) -> None:
    """`np.copyto(dst, src)`."""
    if len(args) != 2 or kwargs:
        cg.error(node, "np.copyto(dst, src) takes two positional arguments (where= and casting= are not "
                 "supported)", UnsupportedSyntaxError)
    cg.copy_into(node, *args)


def _is_ellipsis(item: object) -> bool:
    return isinstance(item, ast.Constant) and item.value is Ellipsis


def _is_index_array(entry: object) -> bool:
    return isinstance(entry, SSAValue) and is_array(entry.type)


def _axes_used(entry: object) -> int:
    """How many axes of the array an index item consumes: a bool array its rank, `None`/`...` none."""
    if isinstance(entry, ast.Slice):
        return 1
    if not isinstance(entry, SSAValue):
        return 0
    return rank_of(entry.type) if element_type(entry.type) == I1 and is_array(entry.type) else 1
