"""The constant pool of a class file: every tag of JVMS 17 section 4.4, decoded eagerly.

Cross references are checked once after reading (JVMS 4.4: a Methodref's class_index must
name a CONSTANT_Class, ...) so that every later lookup through `ConstantPool` is typed.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from vmforms.jvm.errors import ClassFormatError

CONSTANT_Utf8 = 1
CONSTANT_Integer = 3
CONSTANT_Float = 4
CONSTANT_Long = 5
CONSTANT_Double = 6
CONSTANT_Class = 7
CONSTANT_String = 8
CONSTANT_Fieldref = 9
CONSTANT_Methodref = 10
CONSTANT_InterfaceMethodref = 11
CONSTANT_NameAndType = 12
CONSTANT_MethodHandle = 15
CONSTANT_MethodType = 16
CONSTANT_Dynamic = 17
CONSTANT_InvokeDynamic = 18
CONSTANT_Module = 19
CONSTANT_Package = 20

# JVMS 4.4.8: reference_kind of a CONSTANT_MethodHandle.
REF_getField = 1
REF_getStatic = 2
REF_putField = 3
REF_putStatic = 4
REF_invokeVirtual = 5
REF_invokeStatic = 6
REF_invokeSpecial = 7
REF_newInvokeSpecial = 8
REF_invokeInterface = 9
REF_NAMES = {
    REF_getField: "REF_getField",
    REF_getStatic: "REF_getStatic",
    REF_putField: "REF_putField",
    REF_putStatic: "REF_putStatic",
    REF_invokeVirtual: "REF_invokeVirtual",
    REF_invokeStatic: "REF_invokeStatic",
    REF_invokeSpecial: "REF_invokeSpecial",
    REF_newInvokeSpecial: "REF_newInvokeSpecial",
    REF_invokeInterface: "REF_invokeInterface",
}


@dataclass(frozen=True, slots=True)
class ConstantUtf8:
    tag: ClassVar[int] = CONSTANT_Utf8
    value: str


@dataclass(frozen=True, slots=True)
class ConstantInteger:
    tag: ClassVar[int] = CONSTANT_Integer
    value: int


@dataclass(frozen=True, slots=True)
class ConstantFloat:
    """`bits` is the raw IEEE 754 binary32 pattern, kept so NaN payloads survive."""

    tag: ClassVar[int] = CONSTANT_Float
    bits: int


@dataclass(frozen=True, slots=True)
class ConstantLong:
    tag: ClassVar[int] = CONSTANT_Long
    value: int


@dataclass(frozen=True, slots=True)
class ConstantDouble:
    """`bits` is the raw IEEE 754 binary64 pattern."""

    tag: ClassVar[int] = CONSTANT_Double
    bits: int


@dataclass(frozen=True, slots=True)
class ConstantClass:
    tag: ClassVar[int] = CONSTANT_Class
    name_index: int


@dataclass(frozen=True, slots=True)
class ConstantString:
    tag: ClassVar[int] = CONSTANT_String
    string_index: int


@dataclass(frozen=True, slots=True)
class ConstantFieldref:
    tag: ClassVar[int] = CONSTANT_Fieldref
    class_index: int
    name_and_type_index: int


@dataclass(frozen=True, slots=True)
class ConstantMethodref:
    tag: ClassVar[int] = CONSTANT_Methodref
    class_index: int
    name_and_type_index: int


@dataclass(frozen=True, slots=True)
class ConstantInterfaceMethodref:
    tag: ClassVar[int] = CONSTANT_InterfaceMethodref
    class_index: int
    name_and_type_index: int


@dataclass(frozen=True, slots=True)
class ConstantNameAndType:
    tag: ClassVar[int] = CONSTANT_NameAndType
    name_index: int
    descriptor_index: int


@dataclass(frozen=True, slots=True)
class ConstantMethodHandle:
    tag: ClassVar[int] = CONSTANT_MethodHandle
    reference_kind: int
    reference_index: int


@dataclass(frozen=True, slots=True)
class ConstantMethodType:
    tag: ClassVar[int] = CONSTANT_MethodType
    descriptor_index: int


@dataclass(frozen=True, slots=True)
class ConstantDynamic:
    tag: ClassVar[int] = CONSTANT_Dynamic
    bootstrap_method_attr_index: int
    name_and_type_index: int


@dataclass(frozen=True, slots=True)
class ConstantInvokeDynamic:
    tag: ClassVar[int] = CONSTANT_InvokeDynamic
    bootstrap_method_attr_index: int
    name_and_type_index: int


@dataclass(frozen=True, slots=True)
class ConstantModule:
    tag: ClassVar[int] = CONSTANT_Module
    name_index: int


@dataclass(frozen=True, slots=True)
class ConstantPackage:
    tag: ClassVar[int] = CONSTANT_Package
    name_index: int


Constant = (
    ConstantUtf8 | ConstantInteger | ConstantFloat | ConstantLong | ConstantDouble
    | ConstantClass | ConstantString | ConstantFieldref | ConstantMethodref
    | ConstantInterfaceMethodref | ConstantNameAndType | ConstantMethodHandle
    | ConstantMethodType | ConstantDynamic | ConstantInvokeDynamic | ConstantModule
    | ConstantPackage
)
MemberRef = ConstantFieldref | ConstantMethodref | ConstantInterfaceMethodref
C = TypeVar("C")

TAG_NAMES = {
    CONSTANT_Utf8: "Utf8", CONSTANT_Integer: "Integer", CONSTANT_Float: "Float",
    CONSTANT_Long: "Long", CONSTANT_Double: "Double", CONSTANT_Class: "Class",
    CONSTANT_String: "String", CONSTANT_Fieldref: "Fieldref",
    CONSTANT_Methodref: "Methodref", CONSTANT_InterfaceMethodref: "InterfaceMethodref",
    CONSTANT_NameAndType: "NameAndType", CONSTANT_MethodHandle: "MethodHandle",
    CONSTANT_MethodType: "MethodType", CONSTANT_Dynamic: "Dynamic",
    CONSTANT_InvokeDynamic: "InvokeDynamic", CONSTANT_Module: "Module",
    CONSTANT_Package: "Package",
}


def decode_modified_utf8(data: bytes) -> str:
    """Decode JVMS 4.4.7 modified UTF-8; a surrogate pair becomes one code point.

    A lone surrogate stays a lone surrogate code point, as in a Java String. A raw zero
    byte is read as U+0000, as the JDK's DataInputStream.readUTF does.
    Raises ValueError on bytes no Java string could have been encoded to.
    """
    if data.isascii():
        return data.decode("ascii")
    if b"\xc0\x80" not in data and b"\xed" not in data:
        if any(b >= 0xF0 for b in data):
            raise ValueError("4-byte sequence in modified UTF-8")
        return data.decode("utf-8")
    units: list[int] = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b < 0x80:
            units.append(b)
            i += 1
        elif b & 0xE0 == 0xC0 and i + 1 < n and data[i + 1] & 0xC0 == 0x80:
            units.append(((b & 0x1F) << 6) | (data[i + 1] & 0x3F))
            i += 2
        elif (b & 0xF0 == 0xE0 and i + 2 < n and data[i + 1] & 0xC0 == 0x80
              and data[i + 2] & 0xC0 == 0x80):
            units.append(((b & 0x0F) << 12) | ((data[i + 1] & 0x3F) << 6) | (data[i + 2] & 0x3F))
            i += 3
        else:
            raise ValueError(f"malformed modified UTF-8 at byte {i} of the string")
    out: list[str] = []
    j = 0
    while j < len(units):
        u = units[j]
        if 0xD800 <= u < 0xDC00 and j + 1 < len(units) and 0xDC00 <= units[j + 1] < 0xE000:
            out.append(chr(0x10000 + ((u - 0xD800) << 10) + (units[j + 1] - 0xDC00)))
            j += 2
        else:
            out.append(chr(u))
            j += 1
    return "".join(out)


_REFS: dict[int, tuple[tuple[str, tuple[int, ...]], ...]] = {
    CONSTANT_Class: (("name_index", (CONSTANT_Utf8,)),),
    CONSTANT_String: (("string_index", (CONSTANT_Utf8,)),),
    CONSTANT_Fieldref: (("class_index", (CONSTANT_Class,)),
                        ("name_and_type_index", (CONSTANT_NameAndType,))),
    CONSTANT_Methodref: (("class_index", (CONSTANT_Class,)),
                         ("name_and_type_index", (CONSTANT_NameAndType,))),
    CONSTANT_InterfaceMethodref: (("class_index", (CONSTANT_Class,)),
                                  ("name_and_type_index", (CONSTANT_NameAndType,))),
    CONSTANT_NameAndType: (("name_index", (CONSTANT_Utf8,)),
                           ("descriptor_index", (CONSTANT_Utf8,))),
    CONSTANT_MethodHandle: (("reference_index", (CONSTANT_Fieldref, CONSTANT_Methodref,
                                                 CONSTANT_InterfaceMethodref)),),
    CONSTANT_MethodType: (("descriptor_index", (CONSTANT_Utf8,)),),
    CONSTANT_Dynamic: (("name_and_type_index", (CONSTANT_NameAndType,)),),
    CONSTANT_InvokeDynamic: (("name_and_type_index", (CONSTANT_NameAndType,)),),
    CONSTANT_Module: (("name_index", (CONSTANT_Utf8,)),),
    CONSTANT_Package: (("name_index", (CONSTANT_Utf8,)),),
}

_unpack_H = struct.Struct(">H").unpack_from
_unpack_HH = struct.Struct(">HH").unpack_from
_unpack_BH = struct.Struct(">BH").unpack_from
_unpack_i = struct.Struct(">i").unpack_from
_unpack_I = struct.Struct(">I").unpack_from
_unpack_q = struct.Struct(">q").unpack_from
_unpack_Q = struct.Struct(">Q").unpack_from


@dataclass(frozen=True, slots=True)
class ConstantPool:
    """Entries indexed as in the class file: slot 0 and the slot after a Long/Double are None."""

    entries: tuple[Constant | None, ...]
    source: str = "<class>"

    def __len__(self) -> int:
        return len(self.entries)

    def entry(self, index: int) -> Constant:
        if 0 < index < len(self.entries):
            e = self.entries[index]
            if e is not None:
                return e
        raise ClassFormatError(self.source, 0, f"bad constant pool index #{index}")

    def get(self, index: int, kind: type[C]) -> C:
        e = self.entry(index)
        if not isinstance(e, kind):
            raise ClassFormatError(
                self.source, 0,
                f"constant pool entry #{index} is {TAG_NAMES[e.tag]}, expected "
                f"{TAG_NAMES[kind.tag]}",  # type: ignore[attr-defined]
            )
        return e

    def utf8(self, index: int) -> str:
        e = self.entry(index)
        if isinstance(e, ConstantUtf8):
            return e.value
        return self.get(index, ConstantUtf8).value

    def class_name(self, index: int) -> str:
        """The internal name (java/lang/Object) or array descriptor a CONSTANT_Class holds."""
        return self.utf8(self.get(index, ConstantClass).name_index)

    def name_and_type(self, index: int) -> tuple[str, str]:
        nat = self.get(index, ConstantNameAndType)
        return self.utf8(nat.name_index), self.utf8(nat.descriptor_index)


def read_constant_pool(data: bytes, pos: int, source: str) -> tuple[ConstantPool, int]:
    """Read constant_pool_count and the entries at `pos`; return the pool and the end offset."""
    size = len(data)
    if pos + 2 > size:
        raise ClassFormatError(source, pos, "truncated class file: no constant_pool_count")
    (count,) = _unpack_H(data, pos)
    pos += 2
    entries: list[Constant | None] = [None]
    append = entries.append
    offsets = [0]
    i = 1
    try:
        while i < count:
            offsets.append(pos)
            tag = data[pos]
            if tag == CONSTANT_Utf8:
                (length,) = _unpack_H(data, pos + 1)
                end = pos + 3 + length
                if end > size:
                    raise ClassFormatError(source, pos, "truncated class file in CONSTANT_Utf8")
                try:
                    text = decode_modified_utf8(data[pos + 3:end])
                except ValueError as exc:
                    raise ClassFormatError(source, pos, f"CONSTANT_Utf8 #{i}: {exc}") from None
                append(ConstantUtf8(text))
                pos = end
            elif tag == CONSTANT_Class:
                append(ConstantClass(_unpack_H(data, pos + 1)[0]))
                pos += 3
            elif tag in (CONSTANT_Methodref, CONSTANT_Fieldref, CONSTANT_InterfaceMethodref,
                         CONSTANT_NameAndType, CONSTANT_InvokeDynamic, CONSTANT_Dynamic):
                a, b = _unpack_HH(data, pos + 1)
                append(_TWO[tag](a, b))
                pos += 5
            elif tag == CONSTANT_String:
                append(ConstantString(_unpack_H(data, pos + 1)[0]))
                pos += 3
            elif tag == CONSTANT_Integer:
                append(ConstantInteger(_unpack_i(data, pos + 1)[0]))
                pos += 5
            elif tag == CONSTANT_Float:
                append(ConstantFloat(_unpack_I(data, pos + 1)[0]))
                pos += 5
            elif tag in (CONSTANT_Long, CONSTANT_Double):
                if i + 1 >= count:
                    raise ClassFormatError(source, pos, f"8-byte constant #{i} is the last slot")
                if tag == CONSTANT_Long:
                    append(ConstantLong(_unpack_q(data, pos + 1)[0]))
                else:
                    append(ConstantDouble(_unpack_Q(data, pos + 1)[0]))
                append(None)
                offsets.append(pos)
                pos += 9
                i += 1
            elif tag == CONSTANT_MethodHandle:
                kind, ref = _unpack_BH(data, pos + 1)
                if not REF_getField <= kind <= REF_invokeInterface:
                    raise ClassFormatError(source, pos, f"bad reference_kind {kind} in #{i}")
                append(ConstantMethodHandle(kind, ref))
                pos += 4
            elif tag == CONSTANT_MethodType:
                append(ConstantMethodType(_unpack_H(data, pos + 1)[0]))
                pos += 3
            elif tag in (CONSTANT_Module, CONSTANT_Package):
                idx = _unpack_H(data, pos + 1)[0]
                append(ConstantModule(idx) if tag == CONSTANT_Module else ConstantPackage(idx))
                pos += 3
            else:
                raise ClassFormatError(source, pos, f"unknown constant pool tag {tag} in #{i}")
            i += 1
    except (struct.error, IndexError):
        raise ClassFormatError(source, pos, f"truncated class file in constant #{i}") from None
    if pos > size:
        raise ClassFormatError(source, size, f"truncated class file in constant #{i - 1}")
    pool = ConstantPool(tuple(entries), source)
    _check_references(pool, offsets, source)
    return pool, pos


_TWO: dict[int, type[ConstantFieldref | ConstantMethodref | ConstantInterfaceMethodref
                   | ConstantNameAndType | ConstantInvokeDynamic | ConstantDynamic]] = {
    CONSTANT_Fieldref: ConstantFieldref,
    CONSTANT_Methodref: ConstantMethodref,
    CONSTANT_InterfaceMethodref: ConstantInterfaceMethodref,
    CONSTANT_NameAndType: ConstantNameAndType,
    CONSTANT_InvokeDynamic: ConstantInvokeDynamic,
    CONSTANT_Dynamic: ConstantDynamic,
}


def _check_references(pool: ConstantPool, offsets: list[int], source: str) -> None:
    entries = pool.entries
    n = len(entries)
    for i, e in enumerate(entries):
        if e is None:
            continue
        refs = _REFS.get(e.tag)
        if refs is None:
            continue
        for field, tags in refs:
            target = getattr(e, field)
            t = entries[target] if 0 < target < n else None
            if t is None or t.tag not in tags:
                want = " or ".join(TAG_NAMES[x] for x in tags)
                raise ClassFormatError(
                    source, offsets[i],
                    f"constant #{i} ({TAG_NAMES[e.tag]}): {field} #{target} is not a {want}",
                )
