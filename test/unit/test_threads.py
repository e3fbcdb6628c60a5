"""Compiled functions called from several Python threads at once (issue 14): each call gets its own
result or its own exception; the GIL is released while compiled code runs."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import zyg


def picked(x, i):
    return np.sum(np.sin(x) * x[i])


def busy(x, n):
    total = 0.0
    for k in range(n):
        total = total + np.sum(np.sin(x + k))
    return total


def test_threads_calling_one_gradient_get_their_own_results_and_errors():
    x = np.linspace(0.1, 1.0, 64)
    grad = zyg.compile_grad(picked, argnums=0)
    expected = {i: grad(x, i) for i in range(4)}
    failures: list = []

    def worker(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for _ in range(400):
            i = int(rng.choice([0, 1, 2, 3, 64, 100, -70]))  # the last three are out of range
            try:
                got = grad(x, i)
            except IndexError:
                if i in expected:
                    failures.append(("unexpected IndexError", i))
                continue
            if i not in expected:
                failures.append(("missing IndexError", i))
            elif not np.array_equal(got, expected[i]):
                failures.append(("wrong result", i))

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:5]


def test_the_gil_is_released_while_compiled_code_runs():
    compiled = zyg.jit(busy)
    x = np.ones(8)
    compiled(x, 10)
    ticks = []
    done = threading.Event()

    def ticker() -> None:
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    start = time.perf_counter()
    compiled(x, 2_000_000)
    elapsed = time.perf_counter() - start
    done.set()
    thread.join()
    during = [t for t in ticks if start < t < start + elapsed]
    assert elapsed > 0.05, "the call should take a while for this test to mean anything"
    assert len(during) >= 5, f"Python ran only {len(during)} times during a {elapsed:.2f} s compiled call"


@pytest.mark.parametrize("n", [3])
def test_threads_calling_different_functions_run_in_parallel_and_agree(n):
    functions = [zyg.jit(lambda x, k=k: np.sum(x * k)) for k in range(n)]
    x = np.ones(5)
    results: dict = {}

    def worker(k: int) -> None:
        results[k] = [functions[k](x) for _ in range(200)]

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(values == [5.0 * k] * 200 for k, values in results.items())
