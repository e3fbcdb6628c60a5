"""The README never lies: its Python example runs and prints exactly the text block after it."""

import pathlib
import re
import subprocess
import sys

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_readme_example_prints_what_it_says(tmp_path):
    text = README.read_text()
    match = re.search(r"```python\n(.*?)```\s*```text\n(.*?)```", text, re.S)
    assert match, "the README's example and its output block are missing"
    script = tmp_path / "readme_example.py"
    script.write_text(match.group(1))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert out.stdout == match.group(2)
