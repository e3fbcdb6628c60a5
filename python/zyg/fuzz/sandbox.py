"""Runs `oracle.check` in a child process: a job in, an `Outcome` out, also when the child dies.

One child serves many jobs (importing zyg once); it is started with 'spawn', so it shares no state
with the fuzzer. A child killed by a signal or exiting mid-job makes the job "crashed" (with the
tail of its stderr, which goes to a file rather than the terminal), one running past the timeout
"hang"; either way the next job gets a fresh child.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile

from zyg.fuzz.oracle import Outcome


def _serve(connection, stderr_path: str, cache_dir: str | None) -> None:
    """The child's loop: receive (source, points, check_jit, seed), send back an Outcome."""
    descriptor = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(descriptor, 2)  # MLIR's and LLVM's messages on an abort land in the file
    if cache_dir is None:
        os.environ["ZYG_CACHE"] = "0"
    else:
        os.environ["ZYG_CACHE_DIR"] = cache_dir
        os.environ.pop("ZYG_CACHE", None)
    from zyg.fuzz.oracle import check

    while True:
        try:
            job = connection.recv()
        except EOFError:
            return
        connection.send(check(*job))


class Sandbox:
    """A child process running the oracle; `cache_dir` None turns zyg's disk cache off."""

    def __init__(self, timeout: float = 60.0, cache_dir: str | None = None) -> None:
        self.timeout = timeout
        self.cache_dir = cache_dir
        self.context = multiprocessing.get_context("spawn")
        self.stderr_path = tempfile.mktemp(prefix="zyg-fuzz-stderr-", suffix=".txt")
        self.process = None
        self.connection = None

    def _start(self) -> None:
        parent, child = self.context.Pipe()
        self.process = self.context.Process(target=_serve, args=(child, self.stderr_path, self.cache_dir),
                                            daemon=True)
        self.process.start()
        child.close()
        self.connection = parent

    def _stderr_tail(self) -> str:
        try:
            with open(self.stderr_path, errors="replace") as file:
                return "\n".join(file.read().splitlines()[-8:])
        except OSError:
            return ""

    def check(self, source: str, points: tuple, check_jit: bool, seed: int = 0) -> Outcome:
        if self.process is None or not self.process.is_alive():
            self._start()
        self.connection.send((source, points, check_jit, seed))
        if not self.connection.poll(self.timeout):
            self.close()
            return Outcome("hang", "timeout", f"no answer within {self.timeout:.0f} s")
        try:
            return self.connection.recv()
        except (EOFError, ConnectionError):
            self.process.join(5)
            code = self.process.exitcode
            reason = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit {code}"
            detail = self._stderr_tail()
            self.close()
            return Outcome("crashed", reason, detail)

    def close(self) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(5)
        if self.connection is not None:
            self.connection.close()
        self.process = self.connection = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
        if os.path.exists(self.stderr_path):
            os.unlink(self.stderr_path)
