"""Command-line tools: `zyg-opt`."""
