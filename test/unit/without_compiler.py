"""Running Python where zyg's compiler cannot be imported, as on a machine that only loads exported files.

`run_without_compiler(body)` runs the Python source `body` in a fresh interpreter in which importing
xDSL or MLIR raises ImportError, and returns what it printed (raising if it failed).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

_BLOCK_COMPILER = """
import sys

class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("xdsl", "mlir"):
            raise ImportError(name + " is not installed here")

sys.meta_path.insert(0, Blocked())
"""


def run_without_compiler(body: str, timeout: float = 120) -> str:
    """What `body` (Python source, dedented here) printed, run in a fresh process without xDSL and MLIR.

    Raises:
        AssertionError: with the child's stderr, if it exited with an error.
    """
    script = _BLOCK_COMPILER + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout
