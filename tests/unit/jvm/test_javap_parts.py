"""The pieces of `vmforms javap` that need no JDK: javap's line discipline, flag words, the
command line rules, the lenient class reader and the Unicode 13 identifier table."""

from __future__ import annotations

import time

import pytest

from vmforms.cli.javap import BadArgs, parse_args
from vmforms.jvm.classfile.lenient import (
    BrokenAttribute,
    ToolReadError,
    check_readable,
    parse_lenient,
    read_utf,
)
from vmforms.jvm.javap_print import Printer
from vmforms.jvm.javap_unicode import TABLE_MATCHES_UNICODE, unknown_to_java17
from vmforms.jvm.javap_verbose import CLASS_FLAGS, METHOD_FLAGS, flag_names, medium_date


def test_printer_holds_spaces_back_and_pads_to_the_tab_column() -> None:
    p = Printer()
    p.indent(+1)
    p.tab("this_class: #8", "corpus/Point")
    p.print("trailing   ")
    p.println()
    p.print("a\nb")  # a newline inside printed text starts a new, indented line
    p.println()
    p.indent(-1)
    p.println("\u3000")  # only ASCII spaces are held back
    assert p.parts == ["  this_class: #8" + " " * 26 + "// corpus/Point\n",
                       "  trailing\n", "  a\n", "  b\n", "\u3000\n"]


def test_tab_past_the_column_is_one_space() -> None:
    p = Printer()
    p.tab("x" * 45, "c")
    assert p.parts == ["x" * 45 + " // c\n"]


def test_flag_words() -> None:
    assert flag_names(0x0031, CLASS_FLAGS) == ["ACC_PUBLIC", "ACC_FINAL", "ACC_SUPER"]
    assert flag_names(0x10A1, METHOD_FLAGS) == ["ACC_PUBLIC", "ACC_SYNCHRONIZED",
                                                "ACC_VARARGS", "ACC_SYNTHETIC"]
    # bits without a name are given in hex, highest first
    assert flag_names(0x0001 | 0x4000 | 0x0100, CLASS_FLAGS) == ["ACC_PUBLIC", "ACC_ENUM",
                                                                  "0x100"]


def test_medium_date_in_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert medium_date(1767310200.0) == "Jan 2, 2026"  # 2026-01-01 23:30 UTC
        assert medium_date(0.0) == "Jan 1, 1970"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


@pytest.mark.parametrize(("argv", "message"), [
    (["-private", "-public", "X"], "bad combination of options: -private -public"),
    (["-protected", "-package", "-public", "X"],
     "bad combination of options: -public -protected -package"),
    (["-p", "-public", "X"], "bad combination of options: -public -p"),
    (["-x"], "unknown option: -x"),
    (["--module=java.base", "X"], "unknown option: --module=java.base"),
    (["-cp"], "invalid use of option: -cp"),
    (["-m"], "no value given for -m"),
    (["--system", "/nonexistent", "X"], "invalid use of option: --system"),
])
def test_refused_command_lines(argv: list[str], message: str) -> None:
    with pytest.raises(BadArgs) as info:
        parse_args(argv)
    assert str(info.value) == message


def test_options_end_at_the_first_class_name() -> None:
    cfg = parse_args(["-p", "-private", "-J-Xmx1g", "--class-path=/tmp", "A", "-c", "-v"])
    assert cfg["classes"] == ["A", "-c", "-v"]
    assert cfg["access"] == "private" and cfg["class_path"] == "/tmp"
    assert cfg["flags"] == {}


def _class(*cp: bytes, tail: bytes = b"") -> bytes:
    head = b"\xca\xfe\xba\xbe\x00\x00\x00\x3d" + (len(cp) + 1).to_bytes(2, "big")
    return head + b"".join(cp) + tail


def test_read_utf_is_data_input_streams() -> None:
    assert read_utf(b"\x00\x02\xc0\x80", 0) == ("\x00", 4)  # overlong zero, as Java has it
    assert read_utf(b"\x00\x06\xed\xa0\xbd\xed\xb8\x80", 0)[0] == "\U0001f600"
    with pytest.raises(ToolReadError, match="malformed input around byte 2"):
        read_utf(b"\x00\x02\xc3\x28", 0)
    with pytest.raises(ToolReadError, match="partial character at end"):
        read_utf(b"\x00\x01\xe3", 0)
    with pytest.raises(ToolReadError, match="unexpected end of file"):
        read_utf(b"\x00\x09abc", 0)


def test_what_stops_the_tool_reader() -> None:
    no_members = b"\x00\x21\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    good = _class(b"\x07\x00\x02", b"\x01\x00\x01A", tail=no_members)
    check_readable(good)
    check_readable(good + b"trailing bytes are ignored")
    with pytest.raises(ToolReadError, match="end of file"):
        check_readable(good[:-1])
    with pytest.raises(ToolReadError, match=r"unexpected tag at #2: 2"):
        check_readable(_class(b"\x07\x00\x02", b"\x02\x00", tail=no_members))


def test_lenient_read_keeps_what_does_not_decode() -> None:
    # this_class #1 -> #9 (nothing there); a Signature attribute of the wrong length
    attrs = b"\x00\x01\x00\x02\x00\x00\x00\x01\xff"
    data = _class(b"\x07\x00\x09", b"\x01\x00\x09Signature",
                  tail=b"\x00\x21\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00" + attrs)
    cf = parse_lenient(data, "X.class")
    assert cf.this_class == 1
    (a,) = cf.attributes
    assert isinstance(a, BrokenAttribute) and a.name == "Signature"
    assert a.reason == "java.lang.reflect.InvocationTargetException"


def test_unicode_14_identifier_characters() -> None:
    # the table is Unicode 14.0 less 13.0: another Python's database needs another table
    assert TABLE_MATCHES_UNICODE
    assert unknown_to_java17(0x0870) and unknown_to_java17(0x08B5)
    assert not unknown_to_java17(0x0915) and not unknown_to_java17(ord("a"))
