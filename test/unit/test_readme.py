"""The README never lies: each Python example runs and prints exactly the text block after it."""

import pathlib
import re
import subprocess
import sys

import pytest
from zyg.backend import cuda

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


EXAMPLES = re.findall(r"```python\n(.*?)```\s*```text\n(.*?)```", README.read_text(), re.S)
GPU_MARK = "# On a GPU"  # an example's first line where it needs one (`test_gpu` runs it emulated elsewhere)


def test_readme_has_its_examples():
    assert len(EXAMPLES) >= 2, "the README's scalar and array examples and their output blocks are missing"


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example_prints_what_it_says(tmp_path, index):
    source, expected = EXAMPLES[index]
    if source.startswith(GPU_MARK) and cuda.missing() is not None:
        pytest.skip(f"no GPU: {cuda.missing()} (test_gpu runs it with emulated kernels)")
    script = tmp_path / "readme_example.py"
    script.write_text(source)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert out.stdout == expected


def test_the_llvm_ir_of_the_derivative_is_the_one_shown():
    """The README's `llvm` block is what `make demo` prints for f' of `f(x) = 5x + 3`."""
    import zyg
    from zyg import demo

    (shown,) = re.findall(r"```llvm\n(.*?)```", README.read_text(), re.S)
    assert zyg.compile_grad(demo.f).ir("llvmir", 10.0, function_only=True) == shown.rstrip("\n")
    with pytest.raises(ValueError, match="function_only"):
        zyg.compile_grad(demo.f).ir("llvm", 10.0, function_only=True)
