"""javap's spelling of names, strings and types, and the formatter on hand-made classes."""

from __future__ import annotations

import pytest
from jvm_testlib import ClassBuilder, u2

from vmforms.jvm.classfile import parse_class
from vmforms.jvm.classfile.signatures import (
    SignatureError,
    class_signature,
    field_type,
    method_signature,
)
from vmforms.jvm.javap import JavapOptions, disassemble
from vmforms.jvm.javap_text import char_literal, check_name, escape_string, string_literal


@pytest.mark.parametrize(("name", "shown"), [
    ("java/lang/Object", "java/lang/Object"), ("<init>", '"<init>"'), ("[I", '"[I"'),
    ("lambda$main$0", "lambda$main$0"), ("café", "café"), ("a//b", '"a//b"'),
    ("", '""'), ("1abc", '"1abc"'), ("a\"b", '"a\\"b"'),
])
def test_check_name(name: str, shown: str) -> None:
    assert check_name(name) == shown


def test_string_escapes() -> None:
    assert escape_string("a\tb\n\"'\\\x01é") == "a\\tb\\n\\\"\\'\\\\\\u0001é"
    assert string_literal("a\"'\\é\U0001F600") == '"a\\"\'\\\\\\u00e9\\ud83d\\ude00"'
    assert char_literal(ord("'")) == "'\\''"
    assert char_literal(0) == "'\\u0000'"


def test_signatures() -> None:
    assert field_type("[[Ljava/lang/String;") == "java.lang.String[][]"
    assert field_type("Ljava/util/Map<+TK;-Ljava/lang/Number;>;") == \
        "java.util.Map<? extends K, ? super java.lang.Number>"
    assert field_type("Lp/Outer<TT;>.Inner<*>;") == "p.Outer<T>.Inner<?>"
    ms = method_signature("<T:Ljava/lang/Object;:Ljava/lang/Comparable<-TT;>;>(TT;[I)V^TE;"
                          "^Ljava/io/IOException;")
    assert ms.type_parameters == ("T extends java.lang.Comparable<? super T>",)
    assert ms.parameters == ("T", "int[]") and ms.return_type == "void"
    assert ms.throws == ("E", "java/io/IOException")
    cs = class_signature("<E:Ljava/lang/Object;>Ljava/lang/Object;Ljava/util/List<TE;>;")
    assert cs.type_parameters == ("E",) and cs.superclass_is_object
    assert cs.interfaces == ("java.util.List<E>",)
    for bad in ("", "Q", "Ljava/lang/String", "[", "(I", "<>()V", "TT"):
        with pytest.raises(SignatureError):
            method_signature(bad) if bad.startswith(("(", "<")) else field_type(bad)


def test_disassemble_crafted_class() -> None:
    b = ClassBuilder("p/Crafted")
    b.attributes.append(b.attribute("SourceFile", u2(b.utf8("Crafted.j"))))
    b.field(0x0019, "K", "J", b.attribute("ConstantValue", u2(b.add(
        bytes([5]) + (-3).to_bytes(8, "big", signed=True), slots=2))))
    b.method(0x0002, "hidden", "()V", b.code(0, 1, b"\xb1"))
    b.method(0x0081, "v", "([Ljava/lang/String;)V", b.code(0, 1, b"\xb1"))
    cf = parse_class(b.build(), "p/Crafted.class")
    text = disassemble(cf, JavapOptions(constants=True))
    assert text == ('Compiled from "Crafted.j"\n'
                    "public class p.Crafted {\n"
                    "  public static final long K = -3l;\n"
                    "  public void v(java.lang.String...);\n"
                    "}\n")
    shown = disassemble(cf, JavapOptions(code=True, access="private"))
    assert "  private void hidden();\n    Code:\n       0: return\n\n" in shown
