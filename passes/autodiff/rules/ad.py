"""Pullback rules for the `ad` dialect's ops that user code can hold (`ad.stop_gradient`)."""

from __future__ import annotations

from zyg.dialects import ad


def pullback_stop_gradient(ctx, op: ad.StopGradientOp, cts):
    """y = stop_gradient(x)  =>  x_ct = 0 (no cotangent). Activity analysis already keeps `y` inactive;
    the rule says the same where a value reaches it otherwise."""
    return [None]


AD_RULES = {ad.StopGradientOp: pullback_stop_gradient}
