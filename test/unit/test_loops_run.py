"""A `while` loop runs in compiled code as in Python, even where its results are unused.

MLIR's and xDSL's DCE treat a loop of pure ops as removable, so a loop that never ends used to be
dropped: the gradient (and the primal) of `spins` returned 2.0 instead of not returning; each
iteration's Ctrl-C poll now keeps it. The IR checks keep CI from hanging; one subprocess with a short timeout checks that the loop really runs.
"""

import subprocess
import sys
import textwrap

import pytest
import zyg


def spins(x):
    y = x
    while x > 0:
        y = y + 1.0
    return x * 2


def halves(x):
    y = x
    n = 0
    while y > 1.0:  # the loop's results reach nothing the gradient needs
        y = y * 0.5
        n += 1
    return x * 3.0


@pytest.mark.parametrize("compile_", [zyg.jit, zyg.compile_grad])
def test_a_while_loop_with_unused_results_is_kept(compile_):
    llvm = compile_(spins).ir("llvm", 1.0)
    assert "llvm.call @_zyg_poll_interrupt()" in llvm  # the loop's Ctrl-C poll, an op with side effects
    assert llvm.count("llvm.cond_br") >= 2  # the setjmp guard and the loop's test


def test_a_loop_that_ends_gives_the_right_numbers():
    assert zyg.gradient(spins, -1.0) == (2.0,)
    assert zyg.jit(spins)(-1.0) == -2.0
    assert zyg.gradient(halves, 40.0) == (3.0,)


def test_a_loop_that_never_ends_does_not_return():
    script = textwrap.dedent(f"""
        import sys
        sys.path[:0] = {sys.path!r}
        import zyg
        sys.path.insert(0, {__file__.rsplit('/', 1)[0]!r})
        from test_loops_run import spins
        g = zyg.compile_grad(spins)
        g(-1.0)  # compiled; the next call spins
        print("compiled", flush=True)
        print(g(1.0), flush=True)
    """)
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as child:
        try:
            assert child.stdout.readline().strip() == "compiled"
            out, _ = child.communicate(timeout=3)  # a loop that ends returns in microseconds
        except subprocess.TimeoutExpired:
            return
        finally:
            child.kill()
    pytest.fail(f"the gradient of a loop that never ends returned: {out!r}")
