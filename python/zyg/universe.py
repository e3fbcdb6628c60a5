"""Registers zyg's dialects and passes with xDSL (entry point `xdsl.universe`), so `zyg-opt` and
`xdsl-opt` both know them."""

from xdsl.universe import Universe

from zyg.passes import get_all_passes


def _zyg_dialect():
    from zyg.dialects.zyg import Zyg

    return Zyg


def _ad_dialect():
    from zyg.dialects.ad import AD

    return AD


ZYG_UNIVERSE = Universe(all_dialects={"zyg": _zyg_dialect, "ad": _ad_dialect}, all_passes=get_all_passes())
