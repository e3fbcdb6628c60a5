"""xDSL operations as generic MLIR text, quickly: what `bridge.module_text` hands to upstream MLIR.

In: xDSL operations (a lowered module's functions). Out: their generic form,

    %3, %4 = "dialect.op"(%1, %2)[^bb5] <{properties}> ({regions}) {attributes} : (types) -> types loc(#loc7)

with each distinct location written once, as an alias (`#loc7 = loc("file.py":12:5)`, listed by
`location_aliases` after the module: MLIR reads location aliases defined after their use). The same
text xDSL's printer writes in generic form, less its repeated work: xDSL prints an op through a dozen
calls and context managers per part (GMM gradient, 5330 ops: 100 ms against 25 ms here) and a location's
file name a character at a time on every op (the aliases also cut the text upstream parses to half).
Values are named by their name hint and a number, `%x_12`, or the number alone; blocks `^bb<n>`;
names are unique in the whole text. Attributes and types are printed by xDSL's own printer, once each.
`Unprintable` is raised for an attribute this cannot write alone (one naming a dialect resource), for
which the caller prints the module with xDSL's printer.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable

from xdsl.dialects.builtin import FileLineColLoc, FunctionType, UnitAttr, UnknownLoc
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.printer import Printer

_BARE_IDENTIFIER = re.compile(r"[A-Za-z_][\w$.]*")  # MLIR's bare-id: anything else is a string literal


class Unprintable(Exception):
    """An attribute that must be printed by the printer of its whole module."""


class GenericText:
    """Writes operations to `out` in generic form, naming values and blocks as it goes."""

    def __init__(self, out: io.StringIO):
        self.out = out
        self._values: dict[SSAValue, str] = {}
        self._blocks: dict[Block, str] = {}
        self._attributes: dict[Attribute, str] = {}
        self._by_identity: dict[int, str] = {}
        self._kept: list[Attribute] = []
        self._locations: dict[Attribute, str] = {}
        self._count = 0

    def operation(self, op: Operation, indent: str = "") -> None:
        """Writes `op` (and its regions) on lines starting with `indent`, without a final new line."""
        write = self.out.write
        write(indent)
        if op.results:
            write(", ".join([self._define(result) for result in op.results]))
            write(" = ")
        write(f'"{op.name}"(')
        values = self._values
        write(", ".join([values.get(operand) or self._define(operand) for operand in op.operands]))
        write(")")
        if op.successors:
            write("[")
            write(", ".join([self._block(block) for block in op.successors]))
            write("]")
        if op.properties:
            write(" <")
            write(self._dictionary(op.properties))
            write(">")
        if op.regions:
            write(" (")
            for index, region in enumerate(op.regions):
                if index:
                    write(", ")
                self._region(region.blocks, indent)
            write(")")
        if op.attributes:
            write(" ")
            write(self._dictionary(op.attributes))
        write(" : (")
        write(", ".join([self.attribute(operand.type) for operand in op.operands]))
        write(") -> ")
        results = op.results
        if len(results) == 1 and not isinstance(results[0].type, FunctionType):
            write(self.attribute(results[0].type))
        else:
            write("(")
            write(", ".join([self.attribute(result.type) for result in results]))
            write(")")
        write(" ")
        write(self.location(op.location))

    def _region(self, blocks: Iterable[Block], indent: str) -> None:
        write = self.out.write
        blocks = list(blocks)
        write("{\n")
        for block in blocks:
            self._block(block)  # named before any branch to them is written
        inner = indent + "  "
        for index, block in enumerate(blocks):
            if index or block.args or not block.ops:  # an entry block's label only where it says something
                write(f"{indent}{self._blocks[block]}")
                if block.args:
                    write("(")
                    write(", ".join([f"{self._define(arg)}: {self.attribute(arg.type)} {self.location(arg.location)}"
                                     for arg in block.args]))
                    write(")")
                write(":\n")
            for op in block.ops:
                self.operation(op, inner)
                write("\n")
        write(f"{indent}}}")

    def _define(self, value: SSAValue) -> str:
        """The name of `value`, given here (or at a use before its definition, in a block printed
        earlier than the one defining it)."""
        name = self._values.get(value)
        if name is None:
            self._count += 1
            hint = value.name_hint
            name = self._values[value] = f"%{hint}_{self._count}" if hint else f"%{self._count}"
        return name

    def _block(self, block: Block) -> str:
        name = self._blocks.get(block)
        if name is None:
            self._count += 1
            name = self._blocks[block] = f"^bb{self._count}"
        return name

    def _dictionary(self, entries: dict[str, Attribute]) -> str:
        parts = []
        for name, value in entries.items():
            key = name if _BARE_IDENTIFIER.fullmatch(name) else bytes_literal(name.encode())
            parts.append(key if isinstance(value, UnitAttr) else f"{key} = {self.attribute(value)}")
        return "{" + ", ".join(parts) + "}"

    def attribute(self, attribute: Attribute) -> str:
        """The text of `attribute` (or type), printed by xDSL once."""
        # Looked up by identity first: hashing an xDSL attribute hashes its parameters, recursively.
        text = self._by_identity.get(id(attribute))
        if text is None:
            text = self._attributes.get(attribute)
            if text is None:
                out = io.StringIO()
                printer = Printer(stream=out, print_generic_format=True)
                printer.print_attribute(attribute)
                if printer._dialect_resources:
                    raise Unprintable(str(attribute))
                text = self._attributes[attribute] = out.getvalue()
            self._by_identity[id(attribute)] = text
            self._kept.append(attribute)  # its identity stays its own while this writer lives
        return text

    def location(self, location: Attribute) -> str:
        """`loc(#locN)` for a file location, `loc(unknown)`, or the location itself."""
        text = self._by_identity.get(id(location))
        if text is None:
            if isinstance(location, UnknownLoc):
                text = "loc(unknown)"
            else:
                alias = self._locations.get(location)
                if alias is None:
                    alias = self._locations[location] = f"#loc{len(self._locations)}"
                text = f"loc({alias})"
            self._by_identity[id(location)] = text
            self._kept.append(location)
        return text

    def location_aliases(self) -> str:
        """The definitions of the location aliases used so far, a line each."""
        lines = []
        for location, alias in self._locations.items():
            if isinstance(location, FileLineColLoc):
                text = f"{bytes_literal(location.filename.data.encode())}:{location.line.data}:{location.column.data}"
            else:
                out = io.StringIO()
                printer = Printer(stream=out, print_generic_format=True)
                printer.print_attribute(location)
                text = out.getvalue().removeprefix("loc(").removesuffix(")")
            lines.append(f"{alias} = loc({text})\n")
        return "".join(lines)


@functools.lru_cache(maxsize=256)  # the few file names of a module's locations, many times each
def bytes_literal(data: bytes) -> str:
    """`data` as an MLIR string literal, as xDSL writes one: quoted, a backslash doubled, a quote and
    each byte outside printable ASCII as a backslash and two hex digits."""
    parts = ['"']
    for byte in data:
        if byte == 0x5C:
            parts.append("\\\\")
        elif byte < 0x20 or byte > 0x7E or byte == 0x22:
            parts.append(f"\\{byte:02X}")
        else:
            parts.append(chr(byte))
    parts.append('"')
    return "".join(parts)
