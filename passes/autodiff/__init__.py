"""Reverse-mode automatic differentiation: activity analysis, the two sweeps, and the pass."""
