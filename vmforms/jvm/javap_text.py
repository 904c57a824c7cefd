"""How the JDK 17 javap spells names and constants: quoting, escapes, numbers.

These rules follow the observable output of javap (com.sun.tools.javap): a name that is
not a Java identifier path is quoted (`"<init>"`, `"[I"`), string constants in comments
use Java escapes, constants shown by -constants use source-like literals, and floating
point values use Float.toString/Double.toString of JDK 17 (see vmforms.jvm.javafloat).
"""

from __future__ import annotations

import re
import unicodedata

from vmforms.jvm.classfile.constants import (
    REF_NAMES,
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
from vmforms.jvm.javafloat import double_to_string, float_to_string
from vmforms.jvm.javap_unicode import unknown_to_java17

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


def constant_value(cp: ConstantPool, index: int) -> str:
    """The text javap puts after a constant's kind in a `// ...` comment."""
    e = cp.entry(index)
    if isinstance(e, ConstantString):
        return escape_string(cp.utf8(e.string_index))
    if isinstance(e, ConstantClass):
        return check_name(cp.utf8(e.name_index))
    if isinstance(e, ConstantFieldref | ConstantMethodref | ConstantInterfaceMethodref):
        return check_name(cp.class_name(e.class_index)) + "." + constant_value(
            cp, e.name_and_type_index)
    if isinstance(e, ConstantNameAndType):
        return check_name(cp.utf8(e.name_index)) + ":" + cp.utf8(e.descriptor_index)
    if isinstance(e, ConstantInteger):
        return str(e.value)
    if isinstance(e, ConstantLong):
        return f"{e.value}l"
    if isinstance(e, ConstantFloat):
        return float_to_string(e.bits) + "f"
    if isinstance(e, ConstantDouble):
        return double_to_string(e.bits) + "d"
    if isinstance(e, ConstantInvokeDynamic | ConstantDynamic):
        return f"#{e.bootstrap_method_attr_index}:" + constant_value(cp, e.name_and_type_index)
    if isinstance(e, ConstantMethodHandle):
        return REF_NAMES[e.reference_kind] + " " + constant_value(cp, e.reference_index)
    if isinstance(e, ConstantMethodType):
        return cp.utf8(e.descriptor_index)
    if isinstance(e, ConstantUtf8):
        return escape_string(e.value)
    return check_name(cp.utf8(e.name_index))  # CONSTANT_Module, CONSTANT_Package


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
    """`Method java/lang/Object."<init>":()V`; a member of the class itself drops its class."""
    e = cp.entry(index)
    kind = KIND_NAMES[type(e)]
    if (isinstance(e, ConstantMethodref | ConstantFieldref | ConstantInterfaceMethodref)
            and e.class_index == this_class):
        return kind + " " + constant_value(cp, e.name_and_type_index)
    return kind + " " + constant_value(cp, index)
