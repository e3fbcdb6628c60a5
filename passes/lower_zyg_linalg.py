"""`lower-zyg-linalg`: the linear-algebra ops of `zyg.dialects.zyg_linalg` -> `linalg`/`tensor`/`scf`.

Runs after autodiff and before `lower-zyg-tensors` (which lowers the `zyg.check`s emitted here).
`zyg.einsum` becomes one `linalg.generic` whose indexing maps come from its subscripts (plus a
second one that writes a diagonal when an output letter repeats); one that is a batch of matrix
products is also a loop of `zyg.matmul`s (BLAS), taken at run time where the products are large.
`zyg.solve`, `zyg.inv`, `zyg.det` and `zyg.slogdet` become an LU factorisation with partial
pivoting, written as `scf.for` loops that extract from and insert into tensors (bufferization makes
the updates in place), followed by triangular solves or a product over the diagonal. Loops are
loops: the IR size does not depend on the matrix sizes. A zero pivot makes `solve` and `inv` fail with `LinAlgError("Singular matrix")`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, scf, tensor
from xdsl.dialects import math as mathd
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    DenseArrayBase,
    IndexType,
    IntegerType,
    ModuleOp,
    TensorType,
    f32,
    f64,
    i64,
)
from xdsl.dialects.linalg.ops import IndexOp, TransposeOp
from xdsl.ir import Block, Operation, SSAValue
from xdsl.ir.affine import AffineExpr, AffineMap
from xdsl.passes import ModulePass
from zyg.dialects.zyg_arrays import CheckOp, MatmulOp
from zyg.dialects.zyg_arrays import TransposeOp as SwapAxesOp
from zyg.dialects.zyg_linalg import DetOp, EinsumOp, InvOp, SlogdetOp, SolveOp
from zyg.passes.lower_zyg_shapes import extract_slice, insert_slice
from zyg.passes.lower_zyg_tensors import PARALLEL, REDUCTION, Builder, apply_lowerings

INDEX = IndexType()

Body = Callable[[Builder, SSAValue, list[SSAValue]], list[SSAValue]]


def for_range(b: Builder, lower: SSAValue, upper: SSAValue, carried: Sequence[SSAValue], body: Body) -> list[SSAValue]:
    """`scf.for i in [lower, upper)` carrying `carried`; `body(builder, i, carried) -> carried'`."""
    block = Block(arg_types=[INDEX, *(v.type for v in carried)])
    inner = b.nested(block)
    inner(scf.YieldOp(*body(inner, block.args[0], list(block.args[1:]))))
    loop = scf.ForOp(lower, upper, b.index(1), list(carried), block)
    b(loop)
    return list(loop.results)


def _dim(b: Builder, v: SSAValue, axis: int) -> SSAValue:
    return b(tensor.DimOp(v, b.index(axis)))


def _get(b: Builder, t: SSAValue, indices: Sequence[SSAValue]) -> SSAValue:
    return b(tensor.ExtractOp(t, list(indices), t.type.element_type))


def _put(b: Builder, value: SSAValue, t: SSAValue, indices: Sequence[SSAValue]) -> SSAValue:
    return b(tensor.InsertOp(value, t, list(indices)))


def _map(rank: int, dims: Sequence[int]) -> AffineMap:
    return AffineMap(rank, 0, tuple(AffineExpr.dimension(d) for d in dims))


def _filled(b: Builder, dims: Sequence[SSAValue], element, value: float) -> SSAValue:
    rank = len(dims)
    constant = b.const(value, element)
    return b.generic([constant], [AffineMap(rank, 0, ())], b.empty(dims, element), AffineMap.identity(rank),
                     [PARALLEL] * rank, lambda inner, args: args[0])


# --------------------------------------------------------------------------------------------------
# einsum
# --------------------------------------------------------------------------------------------------

# A product of at least this many multiply-adds (m * n * k of each matrix product) goes to BLAS: below
# it a call (and its packing) costs more than the loop nest, which LLVM vectorises.
BLAS_WORK = 4096


def lower_einsum(b: Builder, op: EinsumOp) -> list[SSAValue]:
    """`zyg.einsum` -> a `linalg.generic` over every distinct letter (output letters parallel, the
    others reductions) accumulating the product of the inputs; a repeated output letter then
    writes that result onto the diagonal of a zero tensor. A batch of matrix products (`_Product`)
    is BLAS products instead where each is large enough (a test at run time)."""
    product = _Product.of(op)
    if product is None:
        return _loop_nest(b, op)
    work = product.work(b, op)
    large = b(arith.CmpiOp(work, b.index(BLAS_WORK), "sge"))
    return list(b.select_value(large, [op.result.type], lambda inner: [product.through_blas(inner, op)],
                               lambda inner: _loop_nest(inner, op)))


@dataclass(frozen=True)
class _Product:
    """An einsum of two arrays that is a batch of matrix products: every letter is in both inputs and
    the output (`batch`, looped over), or is the one letter of the left input and the output (`m`),
    the one of the right input and the output (`n`), or the one of both inputs summed over (`k`).
    GMM's `ijk,nkj->nki` is, for each k, xc[:, k, :] (n x j) times ls[:, :, k].T (j x i)."""

    batch: str
    m: str
    n: str
    k: str
    left: int  # the input holding `m`

    @staticmethod
    def of(op: EinsumOp) -> _Product | None:
        subscripts, output = op.subscripts
        if (len(subscripts) != 2 or not all(isinstance(v.type, TensorType) for v in (*op.inputs, op.result))
                or op.result.type.element_type not in (f32, f64)):
            return None  # BLAS multiplies floats
        first, second = subscripts
        if any(len(set(s)) != len(s) for s in (first, second, output)):
            return None  # diagonals
        letters = set(first) | set(second)
        if not set(output) <= letters:
            return None  # a broadcast letter
        batch = [c for c in output if c in first and c in second]
        own_first = [c for c in output if c in first and c not in second]
        own_second = [c for c in output if c in second and c not in first]
        summed = [c for c in letters if c not in output]
        if len(own_first) != 1 or len(own_second) != 1 or len(summed) != 1:
            return None
        if summed[0] not in first or summed[0] not in second:
            return None  # a sum over one input alone
        # The left factor's free letter is the one the output has first, so that the products'
        # rows are the output's outer axis and the final transpose (if any) keeps the inner axis.
        left = 0 if output.index(own_first[0]) < output.index(own_second[0]) else 1
        m, n = (own_first[0], own_second[0]) if left == 0 else (own_second[0], own_first[0])
        return _Product("".join(batch), m, n, summed[0], left)

    def work(self, b: Builder, op: EinsumOp) -> SSAValue:
        """m * n * k: the multiply-adds of one matrix product."""
        _, output = op.subscripts
        m, n = op.dims[output.index(self.m)], op.dims[output.index(self.n)]
        return b(arith.MuliOp(b(arith.MuliOp(m, n)), self._extent(b, op, self.k)))

    def _extent(self, b: Builder, op: EinsumOp, letter: str) -> SSAValue:
        subscripts, _ = op.subscripts
        return _dim(b, op.inputs[self.left], subscripts[self.left].index(letter))

    def through_blas(self, b: Builder, op: EinsumOp) -> SSAValue:
        """The products one by one (`zyg.matmul` of 2-D slices, a transposed slice read through its
        strides), each written into the output where `n` is its last letter (rows of the output), else
        into a tensor over (batch..., m, n) then transposed to the output's order."""
        subscripts, output = op.subscripts
        element = op.result.type.element_type
        dims = {c: op.dims[output.index(c)] for c in output}
        order = list(output) if output[-1] == self.n else [*self.batch, self.m, self.n]
        matrix = TensorType(element, [DYNAMIC_INDEX] * 2)

        def factor(inner: Builder, index: int, at: dict[str, SSAValue], rows: str, cols: str) -> SSAValue:
            value, subscript = op.inputs[index], subscripts[index]
            sizes = [1 if c in at else (dims[c] if c in dims else self._extent(inner, op, c)) for c in subscript]
            part = inner(extract_slice(value, [at.get(c, 0) for c in subscript], sizes, matrix))
            kept = [c for c in subscript if c not in at]
            return part if kept == [rows, cols] else inner(SwapAxesOp(part, [1, 0]))

        def step(inner: Builder, level: int, at: dict[str, SSAValue], result: SSAValue) -> SSAValue:
            if level < len(self.batch):
                letter = self.batch[level]
                return for_range(inner, inner.index(0), dims[letter], [result],
                                 lambda b2, i, carried: [step(b2, level + 1, {**at, letter: i}, carried[0])])[0]
            lhs = factor(inner, self.left, at, self.m, self.k)
            rhs = factor(inner, 1 - self.left, at, self.k, self.n)
            product = inner(MatmulOp(lhs, rhs))
            offsets = [at.get(c, 0) for c in order]
            return inner(insert_slice(product, result, offsets, [1 if c in at else dims[c] for c in order]))

        stacked = step(b, 0, {}, b.empty([dims[c] for c in order], element))
        if list(output) == order:
            return stacked
        permutation = [order.index(c) for c in output]
        init = b.empty([dims[c] for c in output], element)
        return b(TransposeOp(stacked, init, DenseArrayBase.from_list(i64, permutation)))


def _loop_nest(b: Builder, op: EinsumOp) -> list[SSAValue]:
    """The einsum as one `linalg.generic` (see `lower_einsum`)."""
    subscripts, output = op.subscripts
    element = op.result.type.element_type if isinstance(op.result.type, TensorType) else op.result.type
    kept = list(dict.fromkeys(output))
    summed = [c for c in dict.fromkeys("".join(subscripts)) if c not in kept]
    letters = _loop_order(subscripts, kept, summed, output)
    inputs, subscripts = _packed(b, list(op.inputs), list(subscripts), letters)
    position = {c: i for i, c in enumerate(letters)}
    kept_dims = [op.dims[output.index(c)] for c in kept]
    reduces = bool(summed)
    # Without a reduction the body must not read the output: upstream elementwise fusion would
    # then repeat the read-modify-write once per iteration of a consumer's extra loops.
    init = _filled(b, kept_dims, element, 0.0) if reduces else b.empty(kept_dims, element)
    maps = [_map(len(letters), [position[c] for c in s]) for s in subscripts]
    iterators = [PARALLEL if c in kept else REDUCTION for c in letters]

    def body(inner: Builder, args: list[SSAValue]) -> SSAValue:
        product = args[0]
        for x in args[1:-1]:
            product = inner(arith.MulfOp(product, x))
        return inner(arith.AddfOp(args[-1], product)) if reduces else product

    result = b.generic(inputs, maps, init, _map(len(letters), [position[c] for c in kept]), iterators,
                       body)
    if not output:
        return [_get(b, result, [])]
    if len(kept) == len(output):
        return [result]
    return [_embed_diagonal(b, result, output, kept, list(op.dims))]


def _loop_order(subscripts: list[str], kept: list[str], summed: list[str], output: str) -> list[str]:
    """The loop nest's letters, outermost first: the output's, then the summed ones, except for the
    innermost loop, which gets the letter that walks memory best: the last axis of the most operands
    (inputs and output), counting an input `_packed` moves it to the end of, less the operands it
    strides through at another axis. Ties go to an output letter, the output's last first, so the
    inner iterations are independent: a summed letter innermost is a chain of dependent additions
    (`nkj,nki->ijk` summed over n was latency-bound, and walked both inputs with a stride of k*j). A
    matmul `ij,jk->ik` runs i, j, k, which LLVM vectorises; a row sum `ij->i` still walks the rows."""
    if not kept or not summed:
        return kept + summed
    letters = set(kept + summed)

    def score(letter: str) -> tuple[int, int, int]:
        last = sum(s[-1] == letter or _packable(s, letter, letters) for s in subscripts if s)
        last += bool(output) and output[-1] == letter
        strided = sum(letter in s[:-1] and not _packable(s, letter, letters) for s in subscripts)
        strided += letter in output[:-1]
        rank = output.rindex(letter) if letter in kept else summed.index(letter) - len(summed)
        return last - strided, letter in kept, rank

    innermost = max(kept + summed, key=score)
    if innermost in kept:
        return [c for c in kept if c != innermost] + summed + [innermost]
    return kept + [c for c in summed if c != innermost] + [innermost]


def _packable(subscript: str, letter: str, letters: set[str]) -> bool:
    """Whether an input over `subscript` is worth a copy with `letter`'s axis last (see `_packed`):
    it strides through that axis, and the loop nest reads each of its elements several times (some
    loop letter is not among its axes), so the copy costs less than the loop nest's own reads."""
    return (letter in subscript[:-1] and len(set(subscript)) == len(subscript)
            and not letters <= set(subscript))


def _packed(b: Builder, inputs: list[SSAValue], subscripts: list[str],
            letters: list[str]) -> tuple[list[SSAValue], list[str]]:
    """The inputs, those `_packable` for the innermost letter copied with its axis moved last (the
    others in their order), and their subscripts: the inner loop then walks every operand it reads
    contiguously, and LLVM vectorises it (GMM's `ijk,nkj->nki` and its two adjoints ran as scalar
    loops with a stride of K or K*d)."""
    inner, nest = letters[-1], set(letters)
    for k, (value, subscript) in enumerate(zip(inputs, subscripts)):
        if not isinstance(value.type, TensorType) or not _packable(subscript, inner, nest):
            continue
        order = [c for c in subscript if c != inner] + [inner]
        permutation = [subscript.index(c) for c in order]
        dims = b.dims(value)
        init = b.empty([dims[axis] for axis in permutation], value.type.element_type)
        # A named transpose, not a generic: upstream's elementwise fusion would fuse a generic copy
        # into the einsum's loop nest, which would read the strided input again.
        inputs[k] = b(TransposeOp(value, init, DenseArrayBase.from_list(i64, permutation)))
        subscripts[k] = "".join(order)
    return inputs, subscripts


def _embed_diagonal(b: Builder, source: SSAValue, output: str, kept: list[str], dims: list[SSAValue]) -> SSAValue:
    """The tensor over `output` (with repeated letters) equal to `source` (over `kept`) where all
    axes of one letter share an index, and zero elsewhere."""
    rank = len(output)
    element = source.type.element_type
    first = {c: output.index(c) for c in kept}
    repeats = [(axis, first[c]) for axis, c in enumerate(output) if first[c] != axis]

    def body(inner: Builder, args: list[SSAValue]) -> SSAValue:
        on_diagonal = inner.const(1, IntegerType(1))
        for axis, other in repeats:
            same = inner(arith.CmpiOp(inner(IndexOp(axis)), inner(IndexOp(other)), "eq"))
            on_diagonal = inner(arith.AndIOp(on_diagonal, same))
        return inner(arith.SelectOp(on_diagonal, args[0], inner.const(0.0, element)))

    init = b.empty(dims, element)
    return b.generic([source], [_map(rank, [first[c] for c in kept])], init, AffineMap.identity(rank),
                     [PARALLEL] * rank, body)


# --------------------------------------------------------------------------------------------------
# LU factorisation with partial pivoting, and what is built on it
# --------------------------------------------------------------------------------------------------

def lu_factor(b: Builder, a: SSAValue) -> tuple[SSAValue, SSAValue, SSAValue, SSAValue]:
    """PA = LU of square `a`, in one tensor (L's unit diagonal implied): `(lu, perm, sign, singular)`
    with `perm[i]` the row of `a` in row i, `sign` = det P, `singular` true if a pivot was zero
    (its column is then left as is, so det comes out 0 and no NaN is made)."""
    element = a.type.element_type
    n = _dim(b, a, 0)
    perm = b.generic([], [], b.empty([n], INDEX), AffineMap.identity(1), [PARALLEL],
                     lambda inner, args: inner(IndexOp(0)))
    zero, one = b.const(0.0, element), b.const(1.0, element)

    def step(bb: Builder, k: SSAValue, carried: list[SSAValue]) -> list[SSAValue]:
        lu, perm, sign, singular = carried
        after = bb(arith.AddiOp(k, bb.index(1)))

        def search(b3: Builder, i: SSAValue, best: list[SSAValue]) -> list[SSAValue]:
            size = b3(mathd.AbsFOp(_get(b3, lu, [i, k])))
            better = b3(arith.CmpfOp(size, best[0], "ogt"))
            return [b3(arith.SelectOp(better, size, best[0])), b3(arith.SelectOp(better, i, best[1]))]

        largest, p = for_range(bb, after, n, [bb(mathd.AbsFOp(_get(bb, lu, [k, k]))), k], search)
        zero_pivot = bb(arith.CmpfOp(largest, zero, "oeq"))
        singular = bb(arith.OrIOp(singular, zero_pivot))

        def swap(b3: Builder, j: SSAValue, state: list[SSAValue]) -> list[SSAValue]:
            (t,) = state
            upper, lower = _get(b3, t, [k, j]), _get(b3, t, [p, j])
            return [_put(b3, upper, _put(b3, lower, t, [k, j]), [p, j])]

        (lu,) = for_range(bb, bb.index(0), n, [lu], swap)
        upper, lower = _get(bb, perm, [k]), _get(bb, perm, [p])
        perm = _put(bb, upper, _put(bb, lower, perm, [k]), [p])
        moved = bb(arith.CmpiOp(p, k, "ne"))
        sign = bb(arith.SelectOp(moved, bb(arith.NegfOp(sign)), sign))
        pivot = _get(bb, lu, [k, k])

        def eliminate(b3: Builder, i: SSAValue, state: list[SSAValue]) -> list[SSAValue]:
            (t,) = state
            factor = b3(arith.DivfOp(_get(b3, t, [i, k]), pivot))
            factor = b3(arith.SelectOp(zero_pivot, zero, factor))
            t = _put(b3, factor, t, [i, k])

            def update(b4: Builder, j: SSAValue, row: list[SSAValue]) -> list[SSAValue]:
                (r,) = row
                scaled = b4(arith.MulfOp(factor, _get(b4, r, [k, j])))
                return [_put(b4, b4(arith.SubfOp(_get(b4, r, [i, j]), scaled)), r, [i, j])]

            return for_range(b3, after, n, [t], update)

        (lu,) = for_range(bb, after, n, [lu], eliminate)
        return [lu, perm, sign, singular]

    false = b.const(0, IntegerType(1))
    lu, perm, sign, singular = for_range(b, b.index(0), n, [a, perm, one, false], step)
    return lu, perm, sign, singular


def lu_solve(b: Builder, lu: SSAValue, perm: SSAValue, rhs: SSAValue) -> SSAValue:
    """x with (P^T L U) x = rhs for a vector or matrix `rhs`: permute, then forward and back
    substitution, one column at a time."""
    rank = len(rhs.type.get_shape())
    n = _dim(b, lu, 0)
    dims = [_dim(b, rhs, axis) for axis in range(rank)]

    def gather(inner: Builder, args: list[SSAValue]) -> SSAValue:
        row = _get(inner, perm, [inner(IndexOp(0))])
        return _get(inner, rhs, [row, *([inner(IndexOp(1))] if rank == 2 else [])])

    x = b.generic([], [], b.empty(dims, rhs.type.element_type), AffineMap.identity(rank), [PARALLEL] * rank,
                  gather)

    def per_column(x: SSAValue, column_body: Callable[[Builder, list[SSAValue], SSAValue], SSAValue]) -> SSAValue:
        if rank == 1:
            return column_body(b, [], x)
        return for_range(b, b.index(0), dims[1], [x], lambda bb, c, s: [column_body(bb, [c], s[0])])[0]

    def substitute(bb: Builder, column: list[SSAValue], x: SSAValue, backward: bool) -> SSAValue:
        def row(b3: Builder, r: SSAValue, state: list[SSAValue]) -> list[SSAValue]:
            (t,) = state
            i = b3(arith.SubiOp(b3(arith.SubiOp(n, r)), b3.index(1))) if backward else r
            lower, upper = (b3(arith.AddiOp(i, b3.index(1))), n) if backward else (b3.index(0), i)

            def subtract(b4: Builder, j: SSAValue, acc: list[SSAValue]) -> list[SSAValue]:
                term = b4(arith.MulfOp(_get(b4, lu, [i, j]), _get(b4, t, [j, *column])))
                return [b4(arith.SubfOp(acc[0], term))]

            (value,) = for_range(b3, lower, upper, [_get(b3, t, [i, *column])], subtract)
            if backward:
                value = b3(arith.DivfOp(value, _get(b3, lu, [i, i])))
            return [_put(b3, value, t, [i, *column])]

        return for_range(bb, bb.index(0), n, [x], row)[0]

    x = per_column(x, lambda bb, column, t: substitute(bb, column, t, backward=False))
    return per_column(x, lambda bb, column, t: substitute(bb, column, t, backward=True))


def _check_nonsingular(b: Builder, singular: SSAValue) -> None:
    ok = b(arith.XOrIOp(singular, b.const(1, IntegerType(1))))
    b(CheckOp(ok, [], "LinAlgError", "Singular matrix"))


def lower_solve(b: Builder, op: SolveOp) -> list[SSAValue]:
    """`zyg.solve` -> LU of `a`, a singular-matrix check, then the triangular solves."""
    lu, perm, _, singular = lu_factor(b, op.a)
    _check_nonsingular(b, singular)
    return [lu_solve(b, lu, perm, op.b)]


def lower_inv(b: Builder, op: InvOp) -> list[SSAValue]:
    """`zyg.inv` -> the solve of `a x = I`."""
    lu, perm, _, singular = lu_factor(b, op.a)
    _check_nonsingular(b, singular)
    n = _dim(b, op.a, 0)
    element = op.a.type.element_type

    def identity(inner: Builder, args: list[SSAValue]) -> SSAValue:
        diagonal = inner(arith.CmpiOp(inner(IndexOp(0)), inner(IndexOp(1)), "eq"))
        return inner(arith.SelectOp(diagonal, inner.const(1.0, element), inner.const(0.0, element)))

    eye = b.generic([], [], b.empty([n, n], element), AffineMap.identity(2), [PARALLEL] * 2, identity)
    return [lu_solve(b, lu, perm, eye)]


def lower_det(b: Builder, op: DetOp) -> list[SSAValue]:
    """`zyg.det` -> sign(P) times the product of U's diagonal."""
    lu, _, sign, _ = lu_factor(b, op.a)

    def multiply(bb: Builder, i: SSAValue, acc: list[SSAValue]) -> list[SSAValue]:
        return [bb(arith.MulfOp(acc[0], _get(bb, lu, [i, i])))]

    return for_range(b, b.index(0), _dim(b, op.a, 0), [sign], multiply)


def lower_slogdet(b: Builder, op: SlogdetOp) -> list[SSAValue]:
    """`zyg.slogdet` -> sign(P) times the signs of U's diagonal, and the sum of log|u_ii|
    (a zero pivot gives sign 0 and -inf, as NumPy)."""
    lu, _, sign, _ = lu_factor(b, op.a)
    element = op.a.type.element_type
    zero = b.const(0.0, element)

    def accumulate(bb: Builder, i: SSAValue, acc: list[SSAValue]) -> list[SSAValue]:
        u = _get(bb, lu, [i, i])
        unit = bb(arith.SelectOp(bb(arith.CmpfOp(u, zero, "olt")), bb.const(-1.0, element), bb.const(1.0, element)))
        unit = bb(arith.SelectOp(bb(arith.CmpfOp(u, zero, "oeq")), zero, unit))
        return [bb(arith.MulfOp(acc[0], unit)), bb(arith.AddfOp(acc[1], bb(mathd.LogOp(bb(mathd.AbsFOp(u))))))]

    return for_range(b, b.index(0), _dim(b, op.a, 0), [sign, zero], accumulate)


_LOWERINGS: dict[type[Operation], Callable[[Builder, Operation], list[SSAValue]]] = {
    EinsumOp: lower_einsum,
    SolveOp: lower_solve,
    InvOp: lower_inv,
    DetOp: lower_det,
    SlogdetOp: lower_slogdet,
}


@dataclass(frozen=True)
class LowerZygLinalgPass(ModulePass):
    """Lowers `zyg.einsum` and the LU-based ops; leaves the `zyg.check`s for `lower-zyg-tensors`."""

    name = "lower-zyg-linalg"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        apply_lowerings(op, _LOWERINGS)

