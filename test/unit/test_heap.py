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


def saved_per_step(x):
    total = 0.0
    for _ in range(50):
        x = np.sin(x)  # the pullback needs each step's x: 50 arrays of 0.8 MB on the tape
        total += np.sum(x)
    return total


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_repeated_calls_reuse_a_tape_beyond_the_mmap_threshold():
    x = np.random.default_rng(1).normal(size=100_000)
    grad = zyg.compile_grad(saved_per_step)
    grad(x)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        grad(x)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    # The tape's 40 MB are mapped afresh (glibc's mmap threshold is 32 MiB) unless its slots are kept
    # for the next call: then about 10,000 faults a call.
    assert faults < 5_000
