"""The Jacobians `zyg.jacobian` returns, made of the compiled matrices. Plain Python, no xDSL.

In: `argnums` and the argument trees (`zyg.frontend.trees`); per call, the results of the compiled
`ad.jacobian`: one f64 matrix per differentiated float leaf, in order, whose rows are the elements of
the function's float results (each flattened row-major, in the output's flattening order) and whose
columns are the elements of the leaf. Out: the blocks arranged as `zyg.argnums` arranges gradients
(one per argument, None for one without a float, structures for structures): an array leaf's block is
its matrix, a float leaf's the matrix's one column, a vector.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from zyg import argnums as wrt_arguments
from zyg.frontend.trees import TreeDef
from zyg.typecodes import is_float_code, split_array_code


def arranger(argnums: wrt_arguments.Request, signature: tuple[TreeDef, ...]) -> Callable[[Sequence], object]:
    """A function of the compiled matrices that arranges them for arguments of trees `signature`,
    worked out once per signature."""
    scalars = tuple(split_array_code(code) is None
                    for position in wrt_arguments.differentiated_positions(argnums, len(signature))
                    for code in signature[position].leaf_codes() if is_float_code(code))
    arrange = wrt_arguments.arranger(argnums, signature)

    def blocks(matrices: Sequence) -> object:
        return arrange([m[:, 0] if scalar else m for m, scalar in zip(matrices, scalars, strict=True)])

    return blocks
