"""The heap policy of `zyg.backend.heap`: temporaries freed by one call are reused by the next
instead of being returned to the kernel and page-faulted in again."""

import platform
import resource

import numpy as np
import pytest
import zyg
from zyg.backend.heap import keep_freed_buffers


def chained(a, b):
    return np.sum(a * b + a) + np.sum(np.exp(a) * b)


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_repeated_calls_do_not_fault_their_temporaries_in_again():
    a, b = np.random.default_rng(0).normal(size=(2, 1000, 300))  # 2.4 MB each, below the huge-page size
    grad = zyg.compile_grad(chained)
    grad(a, b)
    assert keep_freed_buffers()  # the first compiled call set the policy
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        grad(a, b)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    # Without the policy each call faults in every temporary: hundreds of 4 KiB pages per call.
    assert faults < 600
