"""xDSL assembly formats parsed on first use (`zyg.lazy_formats`): every format of the dialects zyg
loads parses, and an op defined after `install()` parses and prints through its format."""

from __future__ import annotations

from io import StringIO

import pytest
import zyg.build  # noqa: F401  (loads the dialects a compile uses)
from xdsl.context import Context
from xdsl.dialects.builtin import Float64Type, IntegerAttr, i64
from xdsl.irdl import IRDLOperation, irdl_op_definition, prop_def, result_def
from xdsl.parser import Parser
from xdsl.printer import Printer
from zyg import lazy_formats


def _op_classes() -> list[type[IRDLOperation]]:
    found, todo = [], [IRDLOperation]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        op_def = cls.get_irdl_definition() if "get_irdl_definition" in cls.__dict__ else None
        if op_def is not None and op_def.assembly_format is not None:
            found.append(cls)
    return found


def test_every_format_of_the_loaded_dialects_parses():
    classes = _op_classes()
    assert len(classes) > 150
    for cls in classes:
        op_def = cls.get_irdl_definition()
        lazy_formats._EAGER(op_def.assembly_format, op_def)  # raises if it does not parse


def _defined(op_name: str, assembly_format: str) -> type[IRDLOperation]:
    """An op class with an integer property `value`, an f64 result and `assembly_format`, defined after
    `install()`."""
    lazy_formats.install()
    body = {"name": op_name, "value": prop_def(IntegerAttr), "out": result_def(Float64Type),
            "assembly_format": assembly_format}
    return irdl_op_definition(type("Defined", (IRDLOperation,), body))


def test_an_op_defined_after_install_parses_and_prints_through_its_format():
    answer = _defined("lazytest.answer", "$value attr-dict `:` type($out)")
    op = answer.create(properties={"value": IntegerAttr(42, i64)}, result_types=[Float64Type()])
    text = StringIO()
    Printer(stream=text).print_op(op)
    assert text.getvalue() == "%0 = lazytest.answer 42 : i64 : f64"
    context = Context()
    context.load_op(answer)
    parsed = Parser(context, text.getvalue()).parse_op()
    assert isinstance(parsed, answer) and parsed.value.value.data == 42


def test_a_bad_format_fails_at_its_first_use():
    broken = _defined("lazytest.broken", "$nothing_called_this")
    op = broken.create(properties={"value": IntegerAttr(1, i64)}, result_types=[Float64Type()])
    with pytest.raises(Exception, match="nothing_called_this"):
        Printer(stream=StringIO()).print_op(op)
