"""javap -v's own parts of a class: the file header, versions and flags, and the constant
pool listing (JVMS 17 4.1 and 4.4), as the JDK 17 javap prints them."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from vmforms.jvm.classfile.classfile import ClassFile
from vmforms.jvm.classfile.constants import (
    TAG_NAMES,
    ConstantClass,
    ConstantDynamic,
    ConstantFieldref,
    ConstantInterfaceMethodref,
    ConstantInvokeDynamic,
    ConstantMethodHandle,
    ConstantMethodref,
    ConstantMethodType,
    ConstantModule,
    ConstantNameAndType,
    ConstantPackage,
    ConstantString,
)
from vmforms.jvm.javap_print import Printer, tab_pad
from vmforms.jvm.javap_text import constant_value

# The flag words of AccessFlags, in javap's order, for each kind of owner. Bits that mean
# different things for different owners are named per kind; unknown bits print as hex.
_COMMON = ((0x0001, "ACC_PUBLIC"), (0x0002, "ACC_PRIVATE"), (0x0004, "ACC_PROTECTED"),
           (0x0008, "ACC_STATIC"), (0x0010, "ACC_FINAL"))
CLASS_FLAGS = ((0x0001, "ACC_PUBLIC"), (0x0010, "ACC_FINAL"), (0x0020, "ACC_SUPER"),
               (0x0200, "ACC_INTERFACE"), (0x0400, "ACC_ABSTRACT"), (0x1000, "ACC_SYNTHETIC"),
               (0x2000, "ACC_ANNOTATION"), (0x4000, "ACC_ENUM"), (0x8000, "ACC_MODULE"))
FIELD_FLAGS = _COMMON + ((0x0040, "ACC_VOLATILE"), (0x0080, "ACC_TRANSIENT"),
                         (0x1000, "ACC_SYNTHETIC"), (0x4000, "ACC_ENUM"))
METHOD_FLAGS = _COMMON + ((0x0020, "ACC_SYNCHRONIZED"), (0x0040, "ACC_BRIDGE"),
                          (0x0080, "ACC_VARARGS"), (0x0100, "ACC_NATIVE"),
                          (0x0400, "ACC_ABSTRACT"), (0x0800, "ACC_STRICT"),
                          (0x1000, "ACC_SYNTHETIC"))


def flag_names(flags: int, table: tuple[tuple[int, str], ...]) -> list[str]:
    names = []
    rest = flags
    for bit, name in table:
        if flags & bit:
            names.append(name)
            rest &= ~bit
    while rest:
        bit = 1 << (rest.bit_length() - 1)
        names.append(f"0x{bit:x}")
        rest &= ~bit
    return names


def flags_line(flags: int, table: tuple[tuple[int, str], ...]) -> str:
    return f"flags: (0x{flags:04x}) " + ", ".join(flag_names(flags, table))


@dataclass(frozen=True, slots=True)
class ClassOrigin:
    """Where javap read a class from: the text after `Classfile `, the modification time
    (seconds since the epoch, None if unknown), the bytes (for the size and checksum) and
    the file's name as javap's warnings give it."""

    location: str
    mtime: float | None
    data: bytes
    name: str = ""


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def medium_date(seconds: float) -> str:
    """DateFormat.getDateInstance() of the English locales, in the local time zone."""
    t = time.localtime(seconds)
    return f"{_MONTHS[t.tm_mon - 1]} {t.tm_mday}, {t.tm_year}"


def file_header(origin: ClassOrigin, p: Printer) -> None:
    """`Classfile ...`, the date and size, and the SHA-256 of the bytes."""
    p.line("Classfile " + origin.location)
    p.indent(+1)
    size = len(origin.data)
    if origin.mtime is not None:
        if size > 0:
            p.line(f"Last modified {medium_date(origin.mtime)}; size {size} bytes")
        else:
            p.line(f"Last modified {medium_date(origin.mtime)}")
    elif size > 0:
        p.line(f"Size {size} bytes")
    p.line("SHA-256 checksum " + hashlib.sha256(origin.data).hexdigest())
    p.indent(-1)


def class_summary(cf: ClassFile, p: Printer) -> None:
    """The lines between the class declaration and `Constant pool:`."""
    cp = cf.constant_pool
    p.indent(+1)
    p.line(f"minor version: {cf.minor_version}")
    p.line(f"major version: {cf.major_version}")
    p.line(flags_line(cf.access_flags, CLASS_FLAGS))
    for word, index in (("this_class", cf.this_class), ("super_class", cf.super_class)):
        if index:
            p.tab(f"{word}: #{index}", constant_value(cp, index))
        else:
            p.line(f"{word}: #{index}")
    p.line(f"interfaces: {len(cf.interfaces)}, fields: {len(cf.fields)}, "
           f"methods: {len(cf.methods)}, attributes: {len(cf.attributes)}")
    p.indent(-1)


def constant_pool(cf: ClassFile, p: Printer) -> None:
    """`Constant pool:` and one line an entry: `#n = Kind  operands  // value`."""
    cp = cf.constant_pool
    entries = cp.entries
    p.line("Constant pool:")
    width = len(str(len(entries))) + 1
    p.indent(+1)
    for i in range(1, len(entries)):
        e = entries[i]
        if e is None:
            continue  # the second slot of a Long or Double
        head = f"{'#' + str(i):>{width}} = {TAG_NAMES[e.tag]:<18} "
        if isinstance(e, ConstantClass | ConstantModule | ConstantPackage):
            args = f"#{e.name_index}"
        elif isinstance(e, ConstantString):
            args = f"#{e.string_index}"
        elif isinstance(e, ConstantFieldref | ConstantMethodref | ConstantInterfaceMethodref):
            args = f"#{e.class_index}.#{e.name_and_type_index}"
        elif isinstance(e, ConstantNameAndType):
            args = f"#{e.name_index}:#{e.descriptor_index}"
        elif isinstance(e, ConstantInvokeDynamic | ConstantDynamic):
            args = f"#{e.bootstrap_method_attr_index}:#{e.name_and_type_index}"
        elif isinstance(e, ConstantMethodHandle):
            args = f"{e.reference_kind}:#{e.reference_index}"
        elif isinstance(e, ConstantMethodType):
            # javap puts two spaces after the slashes of a MethodType's comment
            p.line(tab_pad(head + f"#{e.descriptor_index}") + "//  " + constant_value(cp, i))
            continue
        else:  # Utf8, Integer, Float, Long, Double: the value itself, no comment
            p.line(head + constant_value(cp, i))
            continue
        p.line(tab_pad(head + args) + "// " + constant_value(cp, i))
    p.indent(-1)
