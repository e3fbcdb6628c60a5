"""Benchmarks: scripts that print measured ratios; never timed assertions inside tests."""
