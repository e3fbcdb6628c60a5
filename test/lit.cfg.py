"""lit configuration: FileCheck tests of zyg's dialects, passes, frontend and JIT."""

import os

import lit.formats

config.name = "zyg"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".py"]
config.test_source_root = os.path.dirname(__file__)
config.excludes = ["lit.cfg.py", "unit", "Output"]
config.environment["PYTHONDONTWRITEBYTECODE"] = "1"
for name in ("PATH", "HOME"):
    if name in os.environ:
        config.environment[name] = os.environ[name]
# Compile afresh, never touching the user's disk cache (the pytest suite exercises the cache).
config.environment["ZYG_CACHE"] = "0"
