"""The ClassFile structure: JVMS 17 section 4.1 (header), 4.5 (fields) and 4.6 (methods)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TypeVar

from vmforms.jvm.classfile.attributes import (
    Attribute,
    CodeAttribute,
    SignatureAttribute,
    SourceFileAttribute,
    read_attributes,
)
from vmforms.jvm.classfile.constants import ConstantClass, ConstantPool, read_constant_pool
from vmforms.jvm.errors import ClassFormatError, UnsupportedClassVersionError

JAVA_MAGIC = 0xCAFEBABE
MIN_MAJOR_VERSION = 45
MAX_MAJOR_VERSION = 69  # JDK 25; the format has not changed since 61

ACC_PUBLIC = 0x0001
ACC_PRIVATE = 0x0002
ACC_PROTECTED = 0x0004
ACC_STATIC = 0x0008
ACC_FINAL = 0x0010
ACC_SUPER = 0x0020
ACC_SYNCHRONIZED = 0x0020
ACC_VOLATILE = 0x0040
ACC_BRIDGE = 0x0040
ACC_TRANSIENT = 0x0080
ACC_VARARGS = 0x0080
ACC_NATIVE = 0x0100
ACC_INTERFACE = 0x0200
ACC_ABSTRACT = 0x0400
ACC_STRICT = 0x0800
ACC_SYNTHETIC = 0x1000
ACC_ANNOTATION = 0x2000
ACC_ENUM = 0x4000
ACC_MODULE = 0x8000
ACC_MANDATED = 0x8000

A = TypeVar("A")

_HHH = struct.Struct(">HHH").unpack_from
_HHHH = struct.Struct(">HHHH").unpack_from
_H = struct.Struct(">H").unpack_from


def find_attribute(attributes: tuple[Attribute, ...], kind: type[A]) -> A | None:
    for a in attributes:
        if type(a) is kind:
            return a
    return None


@dataclass(frozen=True, slots=True)
class FieldInfo:
    access_flags: int
    name: str
    descriptor: str
    attributes: tuple[Attribute, ...]

    def attribute(self, kind: type[A]) -> A | None:
        return find_attribute(self.attributes, kind)


@dataclass(frozen=True, slots=True)
class MethodInfo:
    access_flags: int
    name: str
    descriptor: str
    attributes: tuple[Attribute, ...]

    def attribute(self, kind: type[A]) -> A | None:
        return find_attribute(self.attributes, kind)

    @property
    def code(self) -> CodeAttribute | None:
        return find_attribute(self.attributes, CodeAttribute)


M = TypeVar("M", FieldInfo, MethodInfo)


@dataclass(frozen=True, slots=True)
class ClassFile:
    minor_version: int
    major_version: int
    constant_pool: ConstantPool
    access_flags: int
    this_class: int
    super_class: int
    interfaces: tuple[int, ...]
    fields: tuple[FieldInfo, ...]
    methods: tuple[MethodInfo, ...]
    attributes: tuple[Attribute, ...]
    source: str = "<class>"

    def attribute(self, kind: type[A]) -> A | None:
        return find_attribute(self.attributes, kind)

    @property
    def name(self) -> str:
        """The internal name, e.g. java/lang/String."""
        return self.constant_pool.class_name(self.this_class)

    @property
    def super_name(self) -> str | None:
        return self.constant_pool.class_name(self.super_class) if self.super_class else None

    @property
    def interface_names(self) -> tuple[str, ...]:
        return tuple(self.constant_pool.class_name(i) for i in self.interfaces)

    @property
    def is_interface(self) -> bool:
        return bool(self.access_flags & ACC_INTERFACE)

    @property
    def source_file(self) -> str | None:
        a = find_attribute(self.attributes, SourceFileAttribute)
        return a.sourcefile if a else None

    @property
    def signature(self) -> str | None:
        a = find_attribute(self.attributes, SignatureAttribute)
        return a.signature if a else None


def _members(
    data: bytes, pos: int, cp: ConstantPool, source: str, kind: type[M]
) -> tuple[list[M], int]:
    size = len(data)
    if pos + 2 > size:
        raise ClassFormatError(source, pos, f"truncated class file: no {kind.__name__} count")
    (count,) = _H(data, pos)
    pos += 2
    utf8 = cp.utf8
    out: list[M] = []
    for _ in range(count):
        if pos + 8 > size:
            raise ClassFormatError(source, pos, "truncated class file in a field or method")
        flags, ni, di = _HHH(data, pos)
        try:
            name = utf8(ni)
            desc = utf8(di)
        except ClassFormatError as exc:
            raise ClassFormatError(source, pos, exc.problem) from None
        attrs, pos = read_attributes(data, pos + 6, cp, source, size)
        out.append(kind(flags, name, desc, attrs))
    return out, pos


def parse_class(data: bytes, source: str = "<class>") -> ClassFile:
    """Parse the bytes of a class file; raise ClassFormatError naming `source` if malformed."""
    size = len(data)
    if size < 10:
        if size < 4 or struct.unpack_from(">I", data)[0] != JAVA_MAGIC:
            raise ClassFormatError(source, 0, "not a class file (bad magic number)")
        raise ClassFormatError(source, size, "truncated class file")
    magic, minor, major = struct.unpack_from(">IHH", data)
    if magic != JAVA_MAGIC:
        raise ClassFormatError(source, 0, f"not a class file (bad magic number 0x{magic:08x})")
    if not MIN_MAJOR_VERSION <= major <= MAX_MAJOR_VERSION:
        raise UnsupportedClassVersionError(
            source, 6, f"unsupported class file version {major}.{minor}")
    cp, pos = read_constant_pool(data, 8, source)
    if pos + 8 > size:
        raise ClassFormatError(source, pos, "truncated class file after the constant pool")
    flags, this_class, super_class, n_if = _HHHH(data, pos)
    entries = cp.entries
    for what, idx, zero_ok in (("this_class", this_class, False),
                               ("super_class", super_class, True)):
        if idx == 0 and zero_ok:
            continue
        e = entries[idx] if 0 < idx < len(entries) else None
        if type(e) is not ConstantClass:
            raise ClassFormatError(source, pos + 2, f"{what} #{idx} is not a CONSTANT_Class")
    pos += 8
    if pos + 2 * n_if > size:
        raise ClassFormatError(source, pos, "truncated class file in interfaces")
    interfaces = struct.unpack_from(f">{n_if}H", data, pos)
    for idx in interfaces:
        e = entries[idx] if 0 < idx < len(entries) else None
        if type(e) is not ConstantClass:
            raise ClassFormatError(source, pos, f"interface #{idx} is not a CONSTANT_Class")
    pos += 2 * n_if
    fields, pos = _members(data, pos, cp, source, FieldInfo)
    methods, pos = _members(data, pos, cp, source, MethodInfo)
    attrs, pos = read_attributes(data, pos, cp, source, size)
    if pos != size:
        raise ClassFormatError(source, pos, f"{size - pos} extra bytes after the class file")
    return ClassFile(
        minor, major, cp, flags, this_class, super_class, interfaces,
        tuple(fields), tuple(methods), attrs, source,
    )
