"""A process forked after zyg compiled (multiprocessing's 'fork') compiles and runs like any other."""

import os
import signal
import subprocess
import sys

_SCRIPT = """
import multiprocessing
import zyg

def f(x):
    return x * x * 3.0

def g(x):
    return x * x * x

def child(queue):
    queue.put((zyg.compile_grad(g)(2.0), zyg.compile_grad(f)(2.0)))

if __name__ == "__main__":
    print(zyg.compile_grad(f)(2.0))
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=child, args=(queue,))
    process.start()
    print(queue.get())
    process.join()
    print(process.exitcode)
"""


def test_a_forked_child_compiles(tmp_path):
    script = tmp_path / "forking.py"
    script.write_text(_SCRIPT)
    for cache in ("0", "1"):  # the child compiles afresh either way; with the cache, it also loads f from disk
        env = {**os.environ, "ZYG_CACHE": cache}
        # Before the fix the child hung for ever in the MLIR parser: a timeout, not a hang, is the failure.
        process = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, err = process.communicate(timeout=180)
        finally:
            if process.poll() is None or process.returncode != 0:  # the forked child too, if it hangs
                os.killpg(process.pid, signal.SIGKILL)
        assert process.returncode == 0, err
        assert out.split("\n") == ["(12.0,)", "((12.0,), (12.0,))", "0", ""]
