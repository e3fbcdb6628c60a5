"""zyg's compiler passes, each usable from `zyg-opt` by its name."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.passes import ModulePass


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Pass name -> a loader for the pass class (imported lazily, as xDSL does)."""

    def differentiate():
        from zyg.passes.autodiff.driver import ADDifferentiatePass

        return ADDifferentiatePass

    def jvp():
        from zyg.passes.autodiff.forward import ADJvpPass

        return ADJvpPass

    def autodiff():
        from zyg.passes.autodiff.ordering import ADAutodiffPass

        return ADAutodiffPass

    def lower_tapes():
        from zyg.passes.lower_tapes import ADLowerTapesPass

        return ADLowerTapesPass

    def lower_zyg():
        from zyg.passes.lower_zyg import LowerZygPass

        return LowerZygPass

    def lower_zyg_indexing():
        from zyg.passes.lower_zyg_indexing import LowerZygIndexingPass

        return LowerZygIndexingPass

    def lower_zyg_tensors():
        from zyg.passes.lower_zyg_tensors import LowerZygTensorsPass

        return LowerZygTensorsPass

    def lower_zyg_errors():
        from zyg.passes.lower_zyg_errors import LowerZygErrorsPass

        return LowerZygErrorsPass

    def lower_zyg_linalg():
        from zyg.passes.lower_zyg_linalg import LowerZygLinalgPass

        return LowerZygLinalgPass

    def lower_zyg_shapes():
        from zyg.passes.lower_zyg_shapes import LowerZygShapesPass

        return LowerZygShapesPass

    def version_broadcasts():
        from zyg.passes.version_broadcasts import VersionBroadcastsPass

        return VersionBroadcastsPass

    def expand_elementwise_math():
        from zyg.passes.expand_elementwise_math import ExpandElementwiseMathPass

        return ExpandElementwiseMathPass

    return {"ad-autodiff": autodiff, "ad-differentiate": differentiate, "ad-jvp": jvp, "ad-lower-tapes": lower_tapes, "lower-zyg": lower_zyg,
            "lower-zyg-indexing": lower_zyg_indexing, "lower-zyg-tensors": lower_zyg_tensors,
            "lower-zyg-errors": lower_zyg_errors, "lower-zyg-linalg": lower_zyg_linalg,
            "lower-zyg-shapes": lower_zyg_shapes, "version-broadcasts": version_broadcasts,
            "expand-elementwise-math": expand_elementwise_math}
