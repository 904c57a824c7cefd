"""How the JDK 17 javap spells names and constants: quoting, escapes, numbers.

These rules follow the observable output of javap (com.sun.tools.javap): a name that is
not a Java identifier path is quoted (`"<init>"`, `"[I"`), string constants in comments
use Java escapes, constants shown by -constants use source-like literals, and floating
point values use Float.toString/Double.toString of JDK 17 (see vmforms.jvm.javafloat).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TypeVar

from vmforms.jvm.classfile.constants import (
    REF_NAMES,
    Constant,
    ConstantClass,
    ConstantDouble,
    ConstantDynamic,
    ConstantFieldref,
    ConstantFloat,
    ConstantInteger,
    ConstantInterfaceMethodref,
    ConstantInvokeDynamic,
    ConstantLong,
    ConstantMethodHandle,
    ConstantMethodref,
    ConstantMethodType,
    ConstantModule,
    ConstantNameAndType,
    ConstantPackage,
    ConstantPool,
    ConstantString,
    ConstantUtf8,
)
from vmforms.jvm.errors import ClassFormatError
from vmforms.jvm.javafloat import double_to_string, float_to_string
from vmforms.jvm.javap_unicode import unknown_to_java17

C = TypeVar("C")

_PLAIN_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:/[A-Za-z_$][A-Za-z0-9_$]*)*/?\Z")
_START_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Sc", "Pc"})
_PART_CATEGORIES = _START_CATEGORIES | {"Nd", "Mn", "Mc", "Cf"}


def _is_identifier_start(ch: str) -> bool:
    """Character.isJavaIdentifierStart of JDK 17 (Unicode 13.0)."""
    return unicodedata.category(ch) in _START_CATEGORIES and not (
        ord(ch) >= 0x870 and unknown_to_java17(ord(ch)))


def _is_identifier_part(ch: str) -> bool:
    """Character.isJavaIdentifierPart of JDK 17 (Unicode 13.0)."""
    o = ord(ch)
    if o <= 8 or 0x0E <= o <= 0x1B or 0x7F <= o <= 0x9F:
        return True  # Character.isIdentifierIgnorable
    return unicodedata.category(ch) in _PART_CATEGORIES and not (
        o >= 0x870 and unknown_to_java17(o))


def _add_escapes(name: str) -> str:
    return (name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\t", "\\t"))


def check_name(name: str) -> str:
    """A class or member name as javap prints it in a comment: quoted unless an identifier
    path such as java/lang/Object or main."""
    if _PLAIN_NAME.match(name):
        return name
    if not name:
        return '""'
    prev = "/"
    for ch in name:
        if (prev == "/" and not _is_identifier_start(ch)) or (
                ch != "/" and not _is_identifier_part(ch)):
            return '"' + _add_escapes(name) + '"'
        prev = ch
    return _add_escapes(name)


_COMMENT_ESCAPES = {
    "\t": "\\t", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f",
    '"': '\\"', "'": "\\'", "\\": "\\\\",
}
_NEEDS_COMMENT_ESCAPE = re.compile(r"[\x00-\x1f\x7f-\x9f\"'\\]")


def _comment_escape(m: re.Match[str]) -> str:
    ch = m.group()
    return _COMMENT_ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def escape_string(value: str) -> str:
    """A CONSTANT_String's text as it appears after `// String `."""
    return _NEEDS_COMMENT_ESCAPE.sub(_comment_escape, value)


def _literal_char(code_unit: int, quote: str) -> str:
    if 32 <= code_unit <= 126:
        ch = chr(code_unit)
        return "\\" + ch if ch == quote or ch == "\\" else ch
    return {8: "\\b", 10: "\\n", 9: "\\t", 12: "\\f", 13: "\\r"}.get(
        code_unit, f"\\u{code_unit:04x}")


def _utf16_units(value: str) -> list[int]:
    data = value.encode("utf-16-be", "surrogatepass")
    return [(data[i] << 8) | data[i + 1] for i in range(0, len(data), 2)]


def string_literal(value: str) -> str:
    """A String ConstantValue as -constants prints it: a Java literal, ASCII only."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return '"' + value + '"'
    return '"' + "".join(_literal_char(u, '"') for u in _utf16_units(value)) + '"'


def char_literal(value: int) -> str:
    return "'" + _literal_char(value & 0xFFFF, "'") + "'"


class ConstantPoolProblem(Exception):
    """com.sun.tools.classfile's InvalidIndex and UnexpectedEntry, with their messages."""


# Where javap's report() writes its `Error:` lines: the output being built, so that they
# come before the line under construction, as javap's do. None: raise instead.
report_to: list[str] | None = None


def report(problem: ConstantPoolProblem) -> str:
    if report_to is None:
        raise ClassFormatError("<class>", 0, str(problem))
    report_to.append(f"Error: {problem}\n")
    return "???"


def _get(cp: ConstantPool, index: int) -> Constant:
    entries = cp.entries
    e = entries[index] if 0 < index < len(entries) else None
    if e is None:
        raise ConstantPoolProblem(f"invalid index #{index}")
    return e


def _expect(cp: ConstantPool, index: int, kind: type[C]) -> C:
    e = _get(cp, index)
    if not isinstance(e, kind):
        raise ConstantPoolProblem(f"unexpected entry at #{index} -- expected tag "
                                  f"{kind.tag}, found {e.tag}")  # type: ignore[attr-defined]
    return e


def _utf8(cp: ConstantPool, index: int) -> str:
    return _expect(cp, index, ConstantUtf8).value


def _checked(thunk: Callable[[], str]) -> str:
    try:
        return thunk()
    except ConstantPoolProblem as exc:
        return report(exc)


def _value(cp: ConstantPool, e: Constant) -> str:
    """ConstantWriter's StringValueVisitor: one entry's text, problems reported inline."""
    if isinstance(e, ConstantUtf8):
        return escape_string(e.value)
    if isinstance(e, ConstantString):
        return constant_value(cp, e.string_index)  # whatever entry it names
    if isinstance(e, ConstantClass | ConstantModule | ConstantPackage):
        return _checked(lambda: check_name(_utf8(cp, e.name_index)))
    if isinstance(e, ConstantFieldref | ConstantMethodref | ConstantInterfaceMethodref):
        cn = _checked(lambda: check_name(_utf8(
            cp, _expect(cp, e.class_index, ConstantClass).name_index)))
        nat = _checked(lambda: _value(cp, _expect(cp, e.name_and_type_index,
                                                  ConstantNameAndType)))
        return cn + "." + nat
    if isinstance(e, ConstantNameAndType):
        return (_checked(lambda: check_name(_utf8(cp, e.name_index))) + ":"
                + _checked(lambda: _utf8(cp, e.descriptor_index)))
    if isinstance(e, ConstantInteger):
        return str(e.value)
    if isinstance(e, ConstantLong):
        return f"{e.value}l"
    if isinstance(e, ConstantFloat):
        return float_to_string(e.bits) + "f"
    if isinstance(e, ConstantDouble):
        return double_to_string(e.bits) + "d"
    if isinstance(e, ConstantInvokeDynamic | ConstantDynamic):
        return _checked(lambda: f"#{e.bootstrap_method_attr_index}:" + _value(
            cp, _expect(cp, e.name_and_type_index, ConstantNameAndType)))
    if isinstance(e, ConstantMethodHandle):
        def handle() -> str:
            ref = _get(cp, e.reference_index)
            if not isinstance(ref, ConstantFieldref | ConstantMethodref
                              | ConstantInterfaceMethodref):
                raise ConstantPoolProblem(f"unexpected entry at #{e.reference_index} -- "
                                          f"expected tag 9, found {ref.tag}")
            return REF_NAMES.get(e.reference_kind, "???") + " " + _value(cp, ref)
        return _checked(handle)
    assert isinstance(e, ConstantMethodType)
    return _checked(lambda: _utf8(cp, e.descriptor_index))


def constant_value(cp: ConstantPool, index: int) -> str:
    """ConstantWriter.stringValue(index): the text javap puts after a constant's kind in a
    `// ...` comment; a bad index is reported and printed as `???`."""
    try:
        e = _get(cp, index)
    except ConstantPoolProblem as exc:
        return report(exc)
    return _value(cp, e)


KIND_NAMES: dict[type, str] = {
    ConstantUtf8: "Utf8", ConstantInteger: "int", ConstantFloat: "float", ConstantLong: "long",
    ConstantDouble: "double", ConstantClass: "class", ConstantString: "String",
    ConstantFieldref: "Field", ConstantMethodref: "Method",
    ConstantInterfaceMethodref: "InterfaceMethod", ConstantNameAndType: "NameAndType",
    ConstantMethodHandle: "MethodHandle", ConstantMethodType: "MethodType",
    ConstantDynamic: "Dynamic", ConstantInvokeDynamic: "InvokeDynamic",
    ConstantModule: "Module", ConstantPackage: "Package",
}


def constant_comment(cp: ConstantPool, index: int, this_class: int) -> str:
    """ConstantWriter.write: `Method java/lang/Object."<init>":()V`; a member of the class
    itself drops its class; an index that names nothing is just `#n`."""
    if index == 0:
        return "#0"
    entries = cp.entries
    e = entries[index] if 0 < index < len(entries) else None
    if e is None:
        return f"#{index}"
    kind = KIND_NAMES[type(e)]
    if (isinstance(e, ConstantMethodref | ConstantFieldref | ConstantInterfaceMethodref)
            and e.class_index == this_class):
        nat = entries[e.name_and_type_index] if 0 < e.name_and_type_index < len(entries) else None
        if nat is not None:
            return kind + " " + _value(cp, nat)
    return kind + " " + _value(cp, e)
