"""Benchmarks: scripts that print measured ratios; never timed assertions inside tests.

Every system runs single-threaded: OpenBLAS (NumPy's and zyg's) is limited to one thread here,
before any benchmark module imports NumPy, unless OPENBLAS_NUM_THREADS is already set.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
