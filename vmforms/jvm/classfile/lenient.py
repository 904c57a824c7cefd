"""Reading a class file as leniently as the JDK's own tools do (com.sun.tools.classfile, which
javap uses): no magic or version check, constant pool cross references left unchecked,
bytes after the last attribute ignored. Only what stops such a reader is an error here:
the end of the data, a modified UTF-8 string that DataInputStream.readUTF refuses, an
unknown constant pool tag, or an attribute length past 2^31.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from vmforms.jvm.classfile.attributes import (
    DECODERS,
    Attribute,
    CodeAttribute,
    ExceptionTableEntry,
    LineNumberTableAttribute,
    LocalVariableTableAttribute,
    LocalVariableTypeTableAttribute,
    UnknownAttribute,
    _Ctx,
    _Decoder,
)
from vmforms.jvm.classfile.classfile import ClassFile, FieldInfo, MethodInfo
from vmforms.jvm.classfile.constants import (
    _TWO,
    Constant,
    ConstantClass,
    ConstantDouble,
    ConstantFloat,
    ConstantInteger,
    ConstantLong,
    ConstantMethodHandle,
    ConstantMethodType,
    ConstantModule,
    ConstantPackage,
    ConstantPool,
    ConstantString,
    ConstantUtf8,
)
from vmforms.jvm.errors import JvmError


class ToolReadError(JvmError):
    """What stops the JDK's class reader; `template` has `{0}` where javap puts the name
    it was given."""

    def __init__(self, template: str) -> None:
        super().__init__(template)
        self.template = template


END_OF_FILE = "unexpected end of file while reading {0}"


def read_utf(data: bytes, pos: int) -> tuple[str, int]:
    """DataInputStream.readUTF at POS: a u2 length and modified UTF-8, decoded one UTF-16
    unit at a time (overlong forms accepted, as Java does); return the text and the end."""
    if pos + 2 > len(data):
        raise ToolReadError(END_OF_FILE)
    (n,) = struct.unpack_from(">H", data, pos)
    start = pos + 2
    end = start + n
    if end > len(data):
        raise ToolReadError(END_OF_FILE)
    raw = data[start:end]
    if raw.isascii():
        return raw.decode("ascii"), end
    units: list[int] = []
    count = 0
    while count < n:
        c = raw[count]
        top = c >> 4
        if top < 8:
            units.append(c)
            count += 1
        elif top in (12, 13):
            count += 2
            if count > n:
                raise ToolReadError("IO error reading {0}: malformed input: partial character "
                                    "at end")
            c2 = raw[count - 1]
            if c2 & 0xC0 != 0x80:
                raise ToolReadError(f"IO error reading {{0}}: malformed input around byte {count}")
            units.append(((c & 0x1F) << 6) | (c2 & 0x3F))
        elif top == 14:
            count += 3
            if count > n:
                raise ToolReadError("IO error reading {0}: malformed input: partial character "
                                    "at end")
            c2, c3 = raw[count - 2], raw[count - 1]
            if c2 & 0xC0 != 0x80 or c3 & 0xC0 != 0x80:
                raise ToolReadError("IO error reading {0}: malformed input around byte "
                                    f"{count - 1}")
            units.append(((c & 0x0F) << 12) | ((c2 & 0x3F) << 6) | (c3 & 0x3F))
        else:
            raise ToolReadError(f"IO error reading {{0}}: malformed input around byte {count}")
    text = "".join(map(chr, units))
    # pairs of surrogates are one character, as in a Java String printed as UTF-8
    return text.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass"), end


_ONE: dict[int, type[ConstantClass | ConstantString | ConstantMethodType | ConstantModule
                    | ConstantPackage]] = {
    7: ConstantClass, 8: ConstantString, 16: ConstantMethodType, 19: ConstantModule,
    20: ConstantPackage}
_FIXED = {3: 4, 4: 4, 5: 8, 6: 8, 7: 2, 8: 2, 9: 4, 10: 4, 11: 4, 12: 4, 15: 3, 16: 2,
          17: 4, 18: 4, 19: 2, 20: 2}


def check_readable(data: bytes) -> None:
    """Walk DATA as the JDK's class reader would and raise ToolReadError where it stops."""
    size = len(data)

    def need(pos: int, n: int) -> None:
        if pos + n > size:
            raise ToolReadError(END_OF_FILE)

    need(0, 10)
    (count,) = struct.unpack_from(">H", data, 8)
    pos = 10
    utf8: dict[int, str] = {}
    i = 1
    while i < count:
        need(pos, 1)
        tag = data[pos]
        pos += 1
        if tag == 1:
            utf8[i], pos = read_utf(data, pos)
        elif tag in _FIXED:
            need(pos, _FIXED[tag])
            pos += _FIXED[tag]
            if tag in (5, 6):
                i += 1
        else:
            raise ToolReadError("error while reading constant pool for {0}: unexpected tag at "
                                f"#{i}: {tag}")
        i += 1
    need(pos, 8)
    (n_if,) = struct.unpack_from(">H", data, pos + 6)
    pos += 8 + 2 * n_if

    def attributes(pos: int) -> int:
        need(pos, 2)
        (n,) = struct.unpack_from(">H", data, pos)
        pos += 2
        for _ in range(n):
            need(pos, 6)
            name_index, length = struct.unpack_from(">HI", data, pos)
            if length >= 1 << 31:
                name = utf8.get(name_index, "")
                raise ToolReadError(f"Fatal error: attribute {name} too big to handle")
            need(pos + 6, length)
            pos += 6 + length
        return pos

    for _ in range(2):  # fields, then methods
        need(pos, 2)
        (n,) = struct.unpack_from(">H", data, pos)
        pos += 2
        for _ in range(n):
            need(pos, 6)
            pos = attributes(pos + 6)
    attributes(pos)


@dataclass(frozen=True, slots=True)
class BrokenAttribute(UnknownAttribute):
    """An attribute the JDK's reader keeps as raw bytes because decoding it failed (or
    its name is no Utf8 constant). `reason` is why, as the Java exception's toString;
    `name_problem` is the message about a bad name index, `name_index` that index."""

    reason: str = ""
    name_problem: str = ""
    name_index: int = 0


def _constant_pool(data: bytes, source: str) -> tuple[ConstantPool, int]:
    (count,) = struct.unpack_from(">H", data, 8)
    entries: list[Constant | None] = [None]
    pos = 10
    i = 1
    while i < count:
        tag = data[pos]
        pos += 1
        if tag == 1:
            text, pos = read_utf(data, pos)
            entries.append(ConstantUtf8(text))
        elif tag == 3:
            entries.append(ConstantInteger(struct.unpack_from(">i", data, pos)[0]))
        elif tag == 4:
            entries.append(ConstantFloat(struct.unpack_from(">I", data, pos)[0]))
        elif tag == 5:
            entries += [ConstantLong(struct.unpack_from(">q", data, pos)[0]), None]
        elif tag == 6:
            entries += [ConstantDouble(struct.unpack_from(">Q", data, pos)[0]), None]
        elif tag in (7, 8, 16, 19, 20):
            (a,) = struct.unpack_from(">H", data, pos)
            entries.append(_ONE[tag](a))
        elif tag == 15:
            kind, ref = struct.unpack_from(">BH", data, pos)
            entries.append(ConstantMethodHandle(kind, ref))
        else:
            a, b = struct.unpack_from(">HH", data, pos)
            entries.append(_TWO[tag](a, b))
        if tag != 1:
            pos += _FIXED[tag]
        i += 2 if tag in (5, 6) else 1
    del entries[count:]  # a Long or Double in the last slot
    return ConstantPool(tuple(entries), source), pos


def _attributes(data: bytes, pos: int, cp: ConstantPool,
                source: str) -> tuple[tuple[Attribute, ...], int]:
    (n,) = struct.unpack_from(">H", data, pos)
    pos += 2
    out: list[Attribute] = []
    for _ in range(n):
        name_index, length = struct.unpack_from(">HI", data, pos)
        start, end = pos + 6, pos + 6 + length
        if end > len(data):
            raise ValueError("java.io.EOFException")
        info = data[start:end]
        e = cp.entries[name_index] if 0 < name_index < len(cp.entries) else None
        if not isinstance(e, ConstantUtf8):
            if e is None:
                problem = f"invalid index #{name_index}"
                kind = "InvalidIndex"
            else:
                problem = f"unexpected entry at #{name_index} -- expected tag 1, found {e.tag}"
                kind = "UnexpectedEntry"
            out.append(BrokenAttribute("", info, f"com.sun.tools.classfile.ConstantPool${kind}: "
                                       f"{problem}", problem, name_index))
        else:
            decoder = _code if e.value == "Code" else _TABLES.get(e.value) or DECODERS.get(
                e.value)
            if decoder is None:
                out.append(UnknownAttribute(e.value, info))
            else:
                # decoded from its own bytes, as the JDK reads an attribute from a copy
                try:
                    out.append(decoder(_Ctx(info, cp, source), e.value, 0, length))
                except (JvmError, struct.error, IndexError, ValueError):
                    # the JDK builds attributes reflectively: any failure is wrapped
                    out.append(BrokenAttribute(e.value, info,
                                               "java.lang.reflect.InvocationTargetException"))
        pos = end
    return tuple(out), pos


def _table(entry_size: int, kind: type[LineNumberTableAttribute | LocalVariableTableAttribute
                                       | LocalVariableTypeTableAttribute]) -> _Decoder:
    """The line and local variable tables as the JDK reads them: a count and that many
    entries, their constant indexes unchecked, any bytes after them ignored."""
    def decode(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
        (n,) = struct.unpack_from(">H", ctx.data, 0)
        if 2 + entry_size * n > length:
            raise ValueError("java.io.EOFException")
        return kind(ctx.data[:2 + entry_size * n])
    return decode


_TABLES = {"LineNumberTable": _table(4, LineNumberTableAttribute),
           "LocalVariableTable": _table(10, LocalVariableTableAttribute),
           "LocalVariableTypeTable": _table(10, LocalVariableTypeTableAttribute)}


def _code(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    """Code as the JDK reads it: the parts in order, nothing checked, its own attributes
    each decoded or kept broken on its own."""
    data = ctx.data
    max_stack, max_locals, code_length = struct.unpack_from(">HHI", data, 0)
    if 8 + code_length > length:
        raise ValueError("java.io.EOFException")
    code = data[8:8 + code_length]
    p = 8 + code_length
    (n,) = struct.unpack_from(">H", data, p)
    p += 2
    table = []
    for _ in range(n):
        table.append(ExceptionTableEntry(*struct.unpack_from(">HHHH", data, p)))
        p += 8
    attrs, end = _attributes(data, p, ctx.cp, ctx.source)
    if end > length:
        raise ValueError("java.io.EOFException")
    return CodeAttribute(max_stack, max_locals, code, tuple(table), attrs, 8)


PROBLEM = "\x00"  # starts a member name or descriptor that is a problem, not a string


def utf8_or_problem(cp: ConstantPool, index: int) -> str:
    """The Utf8 constant at INDEX, or PROBLEM and the JDK reader's message about it."""
    e = cp.entries[index] if 0 < index < len(cp.entries) else None
    if e is None:
        return f"{PROBLEM}invalid index #{index}"
    if not isinstance(e, ConstantUtf8):
        return f"{PROBLEM}unexpected entry at #{index} -- expected tag 1, found {e.tag}"
    return e.value


def parse_lenient(data: bytes, source: str = "<class>") -> ClassFile:
    """A ClassFile from bytes that check_readable accepts, nothing else checked: constant
    pool references may be wrong, attributes that do not decode are BrokenAttribute, and
    a field or method name or descriptor that is no Utf8 constant is a PROBLEM string."""
    check_readable(data)
    minor, major = struct.unpack_from(">HH", data, 4)
    cp, pos = _constant_pool(data, source)
    flags, this_class, super_class, n_if = struct.unpack_from(">HHHH", data, pos)
    pos += 8
    interfaces = struct.unpack_from(f">{n_if}H", data, pos)
    pos += 2 * n_if
    members: list[list[FieldInfo] | list[MethodInfo]] = []
    for kind in (FieldInfo, MethodInfo):
        (n,) = struct.unpack_from(">H", data, pos)
        pos += 2
        items: list[FieldInfo] | list[MethodInfo] = []
        for _ in range(n):
            mflags, ni, di = struct.unpack_from(">HHH", data, pos)
            attrs, pos = _attributes(data, pos + 6, cp, source)
            items.append(kind(mflags, utf8_or_problem(cp, ni), utf8_or_problem(cp, di),
                              attrs))  # type: ignore[arg-type]
        members.append(items)
    attrs, _ = _attributes(data, pos, cp, source)
    fields, methods = members
    return ClassFile(minor, major, cp, flags, this_class, super_class, interfaces,
                     tuple(fields), tuple(methods), attrs, source)  # type: ignore[arg-type]
