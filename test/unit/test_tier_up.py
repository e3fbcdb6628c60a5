"""Quick code first, optimised code soon after (`zyg.tier_up`): the first calls of a fresh compile run
code LLVM compiled at -O0, a process of its own compiles the module at -O2, and every entry (fast paths
included) then runs that, which is also what the disk cache keeps. The rest of the suite compiles
optimised code at once (`ZYG_QUICK_FIRST=0`, conftest.py); these tests turn the tiers on."""

from __future__ import annotations

import ctypes
import subprocess
import threading

import numpy as np
import pytest
import zyg
from zyg import background, compiler, tier_up

from bench.cell import relative_error
from bench.workloads import ba, det, gmm, lstm, ode


@pytest.fixture(autouse=True)
def quick_first(cache_dir, monkeypatch):
    monkeypatch.setenv("ZYG_QUICK_FIRST", "1")
    compiler._CACHE.clear()
    yield cache_dir
    zyg.wait_optimised()
    compiler._CACHE.clear()


def _native(compiled_function):
    """The entry point serving the last call of a compiled function."""
    return next(iter(compiled_function._seen.values()))[0].native


def _optimised(native) -> bool:
    return isinstance(native.owner, ctypes.CDLL)  # a library, not the process's JIT


def _gmm_args(rng, d=3, k=4, n=7):
    icf = rng.normal(size=(k, d + d * (d - 1) // 2)) * 0.5
    return (rng.normal(size=k), rng.normal(size=(k, d)), icf, rng.normal(size=(n, d)), 1.0, 0.5,
            gmm.lower_triangle_positions(d))


@pytest.mark.parametrize("module, make_args", [
    (gmm, _gmm_args),
    (lstm, lambda rng: (rng.normal(size=(4, 12)), rng.normal(size=(3, 3)), rng.normal(size=(4, 3)),
                        rng.integers(0, 2, size=(6, 3)).astype(np.float64))),
    (ode, lambda rng: ode.inputs(12, 5)),
    (det, lambda rng: det.inputs(4)),
    (ba, lambda rng: ba.inputs(3, 5, 11)),
], ids=lambda value: getattr(value, "__name__", "").rsplit(".", 1)[-1])
def test_quick_code_then_optimised_code_give_the_gradient(module, make_args):
    args = make_args(np.random.default_rng(0))
    expected = module.gradient_by_hand(*args)
    g = zyg.compile_grad(module.primal, argnums=module.WRT)
    quick = g(*args)
    assert not _optimised(_native(g))
    assert relative_error(quick, expected) < 1e-9
    zyg.wait_optimised()
    assert _optimised(_native(g))
    optimised = g(*args)  # through the fast path the first call set up
    assert relative_error(optimised, expected) < 1e-9


def poly(x, n):
    total = 0.0
    for k in range(n):
        total = total * x + float(k)
    return total


def test_the_fast_path_follows_the_optimised_code():
    g = zyg.compile_grad(poly, argnums=0)
    first = g(0.5, 10)
    g(0.5, 10)  # the fast path's builtin now
    builtin = g._fast.call
    quick_address = _native(g).address
    zyg.wait_optimised()
    assert g._fast.call is builtin and _native(g).address != quick_address
    assert g(0.5, 10) == first


def test_the_disk_cache_keeps_the_optimised_code(quick_first):
    g = zyg.compile_grad(poly, argnums=0)
    value = g(0.25, 7)
    zyg.wait_optimised()
    assert len(list(quick_first.path.glob("*.zyg"))) == 1  # one artefact: the optimised code
    compiler._CACHE.clear()
    again = zyg.compile_grad(poly, argnums=0)
    assert again(0.25, 7) == value
    assert quick_first.builds == ["poly"] and _optimised(_native(again))


def test_the_running_code_is_not_the_cache_file(quick_first):
    """The process loads its optimised code from a file of its own: a cache artefact rewritten in place
    later (as `cp` does) changes nothing that runs."""
    g = zyg.compile_grad(poly, argnums=0)
    value = g(0.75, 9)
    zyg.wait_optimised()
    (library,) = quick_first.path.glob("*.zyg")
    library.write_bytes(b"\0" * library.stat().st_size)
    assert g(0.75, 9) == value


def test_without_a_cache_the_code_is_optimised_all_the_same(monkeypatch):
    monkeypatch.setenv("ZYG_CACHE", "0")
    g = zyg.compile_grad(poly, argnums=0)
    value = g(1.5, 6)
    zyg.wait_optimised()
    assert _optimised(_native(g)) and g(1.5, 6) == value


def pick(x, k):
    return np.sum(np.sin(x)) * x[k]


def test_failed_checks_raise_in_both_tiers():
    g = zyg.compile_grad(pick, argnums=0)
    x = np.linspace(0.0, 1.0, 5)
    with pytest.raises(zyg.ZygIndexError):
        g(x, 7)
    zyg.wait_optimised()
    with pytest.raises(zyg.ZygIndexError):
        g(x, 7)
    np.testing.assert_allclose(g(x, 2), np.cos(x) * x[2] + np.eye(5)[2] * np.sum(np.sin(x)))


def per_item(x, n):
    total = 0.0
    for k in range(n):
        try:
            total = total + x[k] * x[k]
        except IndexError:
            total = total - 1.0
    return total


def test_caught_exceptions_unwind_in_both_tiers():
    g = zyg.compile_grad(per_item, argnums=0)
    x = np.array([1.0, 2.0, 3.0])
    quick = g(x, 5)
    np.testing.assert_array_equal(quick, 2.0 * x)
    zyg.wait_optimised()
    np.testing.assert_array_equal(g(x, 5), quick)
    assert zyg.jit(per_item)(x, 5) == 12.0


def test_a_failed_optimiser_leaves_the_quick_code(monkeypatch):
    def failing(*args, **kwargs):
        return subprocess.CompletedProcess(args, 1, "", "LLVM ERROR: out of luck\n")

    monkeypatch.setattr(tier_up.subprocess, "run", failing)
    monkeypatch.setattr(tier_up, "_warned", False)
    # The warning comes from the optimiser's thread, which may fail before the first call returns.
    with pytest.warns(RuntimeWarning, match="out of luck"):
        g = zyg.compile_grad(poly, argnums=0)
        value = g(0.5, 8)
        zyg.wait_optimised()
    assert not _optimised(_native(g)) and g(0.5, 8) == value


def test_calls_from_threads_go_on_while_the_code_is_swapped():
    g = zyg.compile_grad(pick, argnums=0)
    x = np.linspace(0.0, 2.0, 9)
    expected = g(x, 3)
    failures = []

    def calls():
        for _ in range(2000):
            if not np.array_equal(g(x, 3), expected):
                failures.append("differs")

    threads = [threading.Thread(target=calls) for _ in range(2)]
    for thread in threads:
        thread.start()
    zyg.wait_optimised()
    for thread in threads:
        thread.join()
    assert not failures and _optimised(_native(g))


def scaled(x):
    return 2.0 * x


def test_which_modules_run_quick_code_first(monkeypatch):
    assert tier_up.applies(["zyg_entry"], host_calls=False)
    # A pullback's tape stays with the code that made it; host calls are answered by this process's engine.
    assert not tier_up.applies(["zyg_entry", "zyg_entry_backward", "zyg_entry_release"], host_calls=False)
    assert not tier_up.applies(["zyg_entry"], host_calls=True)
    monkeypatch.setenv("ZYG_QUICK_FIRST", "0")
    assert not tier_up.applies(["zyg_entry"], host_calls=False)
    g = zyg.compile_grad(scaled)
    assert g(1.0) == (2.0,)
    # The JIT's optimised code at once (a thread stores it in the cache, none optimises it).
    assert all(thread.name != "zyg-tier-up" for thread in background._pending) and not _optimised(_native(g))


def _child_gradients(compiled, x, queue):
    queue.put(compiled(x).tolist())
    fresh = zyg.compile_grad(per_element, argnums=0)
    first = fresh(x).tolist()
    zyg.wait_optimised()
    queue.put((first, fresh(x).tolist()))


def per_element(x):
    return np.sum(x * x * x)


def test_a_forked_child_runs_the_quick_code_and_compiles_its_own():
    """A child forked while the parent's optimiser runs keeps the quick code (the job is the parent's)
    and compiles, and optimises, like any process."""
    import multiprocessing

    g = zyg.compile_grad(pick, argnums=0)
    x = np.linspace(0.0, 1.0, 6)
    expected = g(x, 2)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_gradients, args=(lambda v: g(v, 2), x, queue))
    child.start()
    np.testing.assert_allclose(queue.get(timeout=120), expected)
    first, optimised = queue.get(timeout=120)
    child.join(60)
    assert child.exitcode == 0
    np.testing.assert_allclose(first, 3 * x * x)
    np.testing.assert_allclose(optimised, 3 * x * x)


def summed_in_a_loop(x, n):
    total = 0.0
    for k in range(n):
        total = total + np.sum(np.sin(x + k))  # its 0-d buffer lives on the stack, in the loop
    return total


def test_a_stack_buffer_in_a_loop_serves_every_iteration_of_the_quick_code():
    """The reduction's 0-d stack buffer is allocated in the loop; unoptimised code would allocate it
    again at every iteration and run out of stack, so it is moved to the function's entry."""
    compiled = zyg.jit(summed_in_a_loop)
    x = np.ones(8)
    assert compiled(x, 3) == pytest.approx(8 * (np.sin(1.0) + np.sin(2.0) + np.sin(3.0)))
    assert not _optimised(_native(compiled))
    value = compiled(x, 2_000_000)  # 2e6 x 8 bytes of stack, were it allocated each time
    assert value == pytest.approx(8 * np.sum(np.sin(1.0 + np.arange(2_000_000))), rel=1e-9)
