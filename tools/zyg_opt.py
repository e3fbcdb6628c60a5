"""`zyg-opt`: xDSL's optimizer driver with zyg's dialects and passes registered.

Example: `zyg-opt in.mlir -p ad-differentiate,canonicalize`; `zyg-opt --help` lists the passes.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.xdsl_opt_main import xDSLOptMain


class ZygOptMain(xDSLOptMain):
    """The driver; the `xdsl.universe` entry point adds the `zyg` and `ad` dialects and passes."""

    def __init__(self, args: Sequence[str] | None = None):
        super().__init__(description="zyg's pass runner: parses .mlir with the zyg and ad dialects "
                         "and runs zyg's and xDSL's passes", args=args)


def main() -> None:
    ZygOptMain().run()


if __name__ == "__main__":
    main()
