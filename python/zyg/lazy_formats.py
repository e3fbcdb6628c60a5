"""xDSL's declarative assembly formats parsed when an op is first parsed or printed in its custom form.

xDSL parses each op's `assembly_format` while the class is defined (`irdl_op_definition` calls
`FormatProgram.from_str`): about 200 formats, 27-33 ms of every process's first compile, which prints
generic text (`zyg.backend.generic_text`) and parses none. `install()` replaces `FormatProgram.from_str`
with a stand-in that keeps the format's text and op definition and parses them on the first
`parse`/`print` (the only uses xDSL makes of the result). Call it before the dialect modules are
imported; ops defined before keep their eager formats. A format that does not parse then fails at its
first use instead of at import: `test_lazy_formats` parses every format of the dialects zyg loads.
"""

from __future__ import annotations

from typing import Any

from xdsl.irdl import declarative_assembly_format

_EAGER = declarative_assembly_format.FormatProgram.from_str


class FormatOnFirstUse:
    """A `FormatProgram` in waiting: the format's text and op definition, parsed on first use."""

    __slots__ = ("text", "op_def", "_program")

    def __init__(self, text: str, op_def: Any):
        self.text = text
        self.op_def = op_def
        self._program: declarative_assembly_format.FormatProgram | None = None

    def program(self) -> declarative_assembly_format.FormatProgram:
        """The parsed format (parsed now if it was not)."""
        if self._program is None:
            self._program = _EAGER(self.text, self.op_def)
        return self._program

    def parse(self, parser: Any, op_type: type) -> Any:
        return self.program().parse(parser, op_type)

    def print(self, printer: Any, op: Any) -> None:
        return self.program().print(printer, op)


def install() -> None:
    """Makes the op classes defined from now on parse their assembly format on first use."""
    declarative_assembly_format.FormatProgram.from_str = staticmethod(FormatOnFirstUse)
