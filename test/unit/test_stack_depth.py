"""Recursion deeper than the native stack allows raises RecursionError naming the function, never a
segfault, in the main thread (a small `ulimit -s`) and in a thread with a small stack; moderate
recursion still works (see `zyg.backend.stack`). Each case runs in a subprocess: a failure would crash it."""

import os
import resource
import subprocess
import sys

import pytest

_SCRIPT = """
import sys, threading
import zyg

def deep(x, n):
    return x if n == 0 else x * 0.5 + deep(x, n - 1)

def run():
    for request in (zyg.jit(deep), lambda *a: zyg.gradient(deep, *a)):
        print(request(1.0, 1000))
        try:
            request(1.0, 10**6)
        except RecursionError as error:
            print(str(error).splitlines()[0].split(" error: ")[1])
        print(request(1.0, 1000))

if sys.argv[1] == "thread":
    threading.stack_size(1 << 20)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
else:
    run()
"""
_STACK_BYTES = 1 << 20


def _small_stack():
    resource.setrlimit(resource.RLIMIT_STACK, (_STACK_BYTES, resource.getrlimit(resource.RLIMIT_STACK)[1]))


@pytest.mark.parametrize("quick_first", ["0", "1"], ids=["optimised", "quick code first"])
@pytest.mark.parametrize("where", ["main", "thread"])
def test_deep_recursion_raises_recursion_error(tmp_path, where, quick_first):
    """Also in the quick tier's code (`zyg.tier_up`), whose frames are larger."""
    script = tmp_path / "deep.py"
    script.write_text(_SCRIPT)
    result = subprocess.run([sys.executable, str(script), where], capture_output=True, text=True, timeout=300,
                            preexec_fn=_small_stack if where == "main" else None,
                            env=dict(os.environ, ZYG_QUICK_FIRST=quick_first))
    assert result.returncode == 0, result.stderr
    message = "maximum recursion depth exceeded in 'deep' (the native stack is full)"
    assert result.stdout.splitlines() == ["501.0", message, "501.0", "(501.0, None)", message, "(501.0, None)"]
