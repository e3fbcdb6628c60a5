"""Ctrl-C during a long compiled call raises KeyboardInterrupt within a second, for the value and the
gradient, and leaves the process usable; a Ctrl-C handled by Python between calls does not stop a
later call (see `zyg.backend.interrupts`). Each case runs in a subprocess that the test interrupts."""

import os
import signal
import subprocess
import sys
import time

import pytest

_SCRIPT = """
import os, signal, sys, time
import zyg

def endless(x):
    while x > 0.0:
        x = x + 1.0
    return x

def long_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x * 0.5
    return s

def endless_in_try(x):
    try:  # a bare except does not catch Ctrl-C in compiled code
        while x > 0.0:
            x = x + 1.0
    except:
        x = -5.0
    return x

def short_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + x
    return s

request = zyg.jit if sys.argv[1] == "jit" else lambda f: lambda *a: zyg.gradient(f, *a)
call = {"while": lambda: request(endless)(1.0), "for": lambda: request(long_loop)(1.0, 10**15),
        "try": lambda: request(endless_in_try)(1.0)}[sys.argv[2]]
request(endless)(-1.0), request(long_loop)(1.0, 3), request(short_loop)(1.0, 3)  # compiled before the signal
request(endless_in_try)(-1.0)
print("ready", flush=True)
try:
    call()
except KeyboardInterrupt:
    print("interrupted", time.monotonic(), flush=True)
print(request(short_loop)(2.0, 10**5))
try:  # a Ctrl-C while Python runs is Python's: it leaves no flag set for the next call
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(1.0)
except KeyboardInterrupt:
    print("interrupted in Python")
print(request(short_loop)(2.0, 10**5))
"""


@pytest.mark.parametrize("loop", ["while", "for", "try"])
@pytest.mark.parametrize("request_kind", ["jit", "gradient"])
def test_ctrl_c_stops_a_long_compiled_loop(tmp_path, request_kind, loop):
    script = tmp_path / "interrupted.py"
    script.write_text(_SCRIPT)
    process = subprocess.Popen([sys.executable, str(script), request_kind, loop], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert process.stdout.readline() == "ready\n"
        time.sleep(0.5)  # inside the loop by now
        sent = time.monotonic()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, stderr
    lines = stdout.splitlines()
    assert lines[0].startswith("interrupted "), stdout
    assert float(lines[0].split()[1]) - sent < 1.0
    value = "200000.0" if request_kind == "jit" else "(100000.0, None)"
    assert lines[1:] == [value, "interrupted in Python", value]
