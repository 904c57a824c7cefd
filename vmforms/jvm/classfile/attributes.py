"""Attributes of classes, fields, methods and Code: JVMS 17 section 4.7, every predefined one.

Attributes that only some readers need (StackMapTable, annotations, the line and local
variable tables) keep their bytes and decode on request; the rest are decoded when read.
An attribute this reader does not know is kept as `UnknownAttribute` (JVMS 4.7.1).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from vmforms.jvm.classfile.annotations import (
    AnnotationDefaultAttribute,
    AnnotationsAttribute,
    ParameterAnnotationsAttribute,
    TypeAnnotationsAttribute,
)
from vmforms.jvm.classfile.constants import ConstantClass, ConstantPool, ConstantUtf8
from vmforms.jvm.classfile.module import ModuleAttribute, parse_module
from vmforms.jvm.classfile.stackmap import StackMapFrame, parse_stack_map_frames
from vmforms.jvm.errors import ClassFormatError

_H = struct.Struct(">H").unpack_from
_HI = struct.Struct(">HI").unpack_from
_HHHH = struct.Struct(">HHHH").unpack_from
_HHHHH = struct.Struct(">HHHHH").unpack_from
_HHI = struct.Struct(">HHI").unpack_from


@dataclass(frozen=True, slots=True)
class UnknownAttribute:
    name: str
    info: bytes


@dataclass(frozen=True, slots=True)
class ConstantValueAttribute:
    constantvalue_index: int


@dataclass(frozen=True, slots=True)
class ExceptionTableEntry:
    start_pc: int
    end_pc: int
    handler_pc: int
    catch_type: int


@dataclass(frozen=True, slots=True)
class CodeAttribute:
    """`code_offset` is where the bytecode starts in the class file, for error messages."""

    max_stack: int
    max_locals: int
    code: bytes
    exception_table: tuple[ExceptionTableEntry, ...]
    attributes: tuple[Attribute, ...]
    code_offset: int = 0


@dataclass(frozen=True, slots=True)
class StackMapTableAttribute:
    data: bytes
    offset: int
    source: str

    def entries(self) -> tuple[StackMapFrame, ...]:
        return parse_stack_map_frames(self.data, self.source, self.offset)


@dataclass(frozen=True, slots=True)
class BootstrapMethod:
    bootstrap_method_ref: int
    bootstrap_arguments: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BootstrapMethodsAttribute:
    bootstrap_methods: tuple[BootstrapMethod, ...]


@dataclass(frozen=True, slots=True)
class NestHostAttribute:
    host_class_index: int


@dataclass(frozen=True, slots=True)
class NestMembersAttribute:
    classes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PermittedSubclassesAttribute:
    classes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ExceptionsAttribute:
    exception_index_table: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class InnerClass:
    inner_class_info_index: int
    outer_class_info_index: int
    inner_name_index: int
    inner_class_access_flags: int


@dataclass(frozen=True, slots=True)
class InnerClassesAttribute:
    classes: tuple[InnerClass, ...]


@dataclass(frozen=True, slots=True)
class EnclosingMethodAttribute:
    class_index: int
    method_index: int


@dataclass(frozen=True, slots=True)
class SyntheticAttribute:
    pass


@dataclass(frozen=True, slots=True)
class DeprecatedAttribute:
    pass


@dataclass(frozen=True, slots=True)
class SignatureAttribute:
    signature_index: int
    signature: str


@dataclass(frozen=True, slots=True)
class RecordComponent:
    name_index: int
    descriptor_index: int
    attributes: tuple[Attribute, ...]


@dataclass(frozen=True, slots=True)
class RecordAttribute:
    components: tuple[RecordComponent, ...]


@dataclass(frozen=True, slots=True)
class SourceFileAttribute:
    sourcefile_index: int
    sourcefile: str


@dataclass(frozen=True, slots=True)
class SourceDebugExtensionAttribute:
    debug_extension: bytes


@dataclass(frozen=True, slots=True)
class LineNumber:
    start_pc: int
    line_number: int


@dataclass(frozen=True, slots=True)
class LineNumberTableAttribute:
    data: bytes

    def entries(self) -> tuple[LineNumber, ...]:
        d = self.data
        return tuple(LineNumber(*_HH(d, i)) for i in range(2, len(d), 4))


@dataclass(frozen=True, slots=True)
class LocalVariable:
    """descriptor_or_signature_index: a descriptor in LocalVariableTable, a signature in
    LocalVariableTypeTable."""

    start_pc: int
    length: int
    name_index: int
    descriptor_or_signature_index: int
    index: int


@dataclass(frozen=True, slots=True)
class LocalVariableTableAttribute:
    data: bytes

    def entries(self) -> tuple[LocalVariable, ...]:
        d = self.data
        return tuple(LocalVariable(*_HHHHH(d, i)) for i in range(2, len(d), 10))


@dataclass(frozen=True, slots=True)
class LocalVariableTypeTableAttribute:
    data: bytes

    def entries(self) -> tuple[LocalVariable, ...]:
        d = self.data
        return tuple(LocalVariable(*_HHHHH(d, i)) for i in range(2, len(d), 10))


@dataclass(frozen=True, slots=True)
class MethodParameter:
    name_index: int
    access_flags: int


@dataclass(frozen=True, slots=True)
class MethodParametersAttribute:
    parameters: tuple[MethodParameter, ...]


@dataclass(frozen=True, slots=True)
class ModulePackagesAttribute:
    package_index: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ModuleMainClassAttribute:
    main_class_index: int


Attribute = (
    UnknownAttribute | ConstantValueAttribute | CodeAttribute | StackMapTableAttribute
    | BootstrapMethodsAttribute | NestHostAttribute | NestMembersAttribute
    | PermittedSubclassesAttribute | ExceptionsAttribute | InnerClassesAttribute
    | EnclosingMethodAttribute | SyntheticAttribute | DeprecatedAttribute | SignatureAttribute
    | RecordAttribute | SourceFileAttribute | SourceDebugExtensionAttribute
    | LineNumberTableAttribute | LocalVariableTableAttribute | LocalVariableTypeTableAttribute
    | AnnotationsAttribute | ParameterAnnotationsAttribute | TypeAnnotationsAttribute
    | AnnotationDefaultAttribute | MethodParametersAttribute | ModuleAttribute
    | ModulePackagesAttribute | ModuleMainClassAttribute
)

_HH = struct.Struct(">HH").unpack_from


class _Ctx:
    """What an attribute decoder needs besides its bytes: the pool and where it is."""

    __slots__ = ("data", "cp", "source")

    def __init__(self, data: bytes, cp: ConstantPool, source: str) -> None:
        self.data = data
        self.cp = cp
        self.source = source


def _fail(ctx: _Ctx, pos: int, problem: str) -> ClassFormatError:
    return ClassFormatError(ctx.source, pos, problem)


def _expect_len(ctx: _Ctx, name: str, pos: int, length: int, want: int) -> None:
    if length != want:
        raise _fail(ctx, pos, f"{name} attribute has length {length}, expected {want}")


def _u2_list(ctx: _Ctx, name: str, pos: int, length: int) -> tuple[int, ...]:
    if length < 2:
        raise _fail(ctx, pos, f"{name} attribute too short")
    (n,) = _H(ctx.data, pos)
    _expect_len(ctx, name, pos, length, 2 + 2 * n)
    return struct.unpack_from(f">{n}H", ctx.data, pos + 2)


def _check_utf8(ctx: _Ctx, pos: int, index: int, what: str) -> str:
    e = ctx.cp.entries[index] if 0 < index < len(ctx.cp.entries) else None
    if type(e) is not ConstantUtf8:
        raise _fail(ctx, pos, f"{what} #{index} is not a CONSTANT_Utf8")
    return e.value


def _check_class(ctx: _Ctx, pos: int, index: int, what: str, zero_ok: bool = False) -> None:
    if index == 0 and zero_ok:
        return
    e = ctx.cp.entries[index] if 0 < index < len(ctx.cp.entries) else None
    if type(e) is not ConstantClass:
        raise _fail(ctx, pos, f"{what} #{index} is not a CONSTANT_Class")


def _code(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    end = pos + length
    if length < 12:
        raise _fail(ctx, pos, "Code attribute too short")
    max_stack, max_locals, code_length = _HHI(ctx.data, pos)
    p = pos + 8
    if code_length == 0 or p + code_length + 4 > end:
        raise _fail(ctx, pos + 4, f"bad code_length {code_length}")
    code = ctx.data[p:p + code_length]
    code_offset = p
    p += code_length
    (n,) = _H(ctx.data, p)
    p += 2
    if p + 8 * n + 2 > end:
        raise _fail(ctx, p - 2, f"exception_table_length {n} runs past the Code attribute")
    table = []
    for _ in range(n):
        start, stop, handler, catch = _HHHH(ctx.data, p)
        if not (start < stop <= code_length and handler < code_length):
            raise _fail(ctx, p, "exception table entry outside the code")
        if catch:
            _check_class(ctx, p + 6, catch, "catch_type")
        table.append(ExceptionTableEntry(start, stop, handler, catch))
        p += 8
    attrs, p = read_attributes(ctx.data, p, ctx.cp, ctx.source, end)
    if p != end:
        raise _fail(ctx, p, "Code attribute length does not match its contents")
    return CodeAttribute(max_stack, max_locals, code, tuple(table), attrs, code_offset)


def _constant_value(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    _expect_len(ctx, name, pos, length, 2)
    (idx,) = _H(ctx.data, pos)
    if not (0 < idx < len(ctx.cp.entries) and ctx.cp.entries[idx] is not None):
        raise _fail(ctx, pos, f"ConstantValue index #{idx} out of range")
    return ConstantValueAttribute(idx)


def _bootstrap_methods(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    data = ctx.data
    end = pos + length
    (n,) = _H(data, pos)
    p = pos + 2
    methods = []
    for _ in range(n):
        if p + 4 > end:
            raise _fail(ctx, p, "truncated BootstrapMethods attribute")
        ref, argc = _HH(data, p)
        p += 4
        if p + 2 * argc > end:
            raise _fail(ctx, p, "truncated BootstrapMethods attribute")
        args = struct.unpack_from(f">{argc}H", data, p)
        for a in (ref, *args):
            if not (0 < a < len(ctx.cp.entries) and ctx.cp.entries[a] is not None):
                raise _fail(ctx, p, f"bootstrap method constant #{a} out of range")
        p += 2 * argc
        methods.append(BootstrapMethod(ref, args))
    if p != end:
        raise _fail(ctx, p, "BootstrapMethods length does not match its contents")
    return BootstrapMethodsAttribute(tuple(methods))


def _class_list(kind: type[NestMembersAttribute | PermittedSubclassesAttribute]) -> _Decoder:
    def decode(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
        classes = _u2_list(ctx, name, pos, length)
        for c in classes:
            _check_class(ctx, pos, c, f"{name} entry")
        return kind(classes)
    return decode


def _nest_host(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    _expect_len(ctx, name, pos, length, 2)
    (idx,) = _H(ctx.data, pos)
    _check_class(ctx, pos, idx, "host_class_index")
    return NestHostAttribute(idx)


def _exceptions(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    classes = _u2_list(ctx, name, pos, length)
    for c in classes:
        _check_class(ctx, pos, c, "exception_index_table entry")
    return ExceptionsAttribute(classes)


def _inner_classes(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    (n,) = _H(ctx.data, pos)
    _expect_len(ctx, name, pos, length, 2 + 8 * n)
    out = []
    for i in range(n):
        p = pos + 2 + 8 * i
        inner, outer, iname, flags = _HHHH(ctx.data, p)
        _check_class(ctx, p, inner, "inner_class_info_index")
        _check_class(ctx, p, outer, "outer_class_info_index", zero_ok=True)
        if iname:
            _check_utf8(ctx, p, iname, "inner_name_index")
        out.append(InnerClass(inner, outer, iname, flags))
    return InnerClassesAttribute(tuple(out))


def _enclosing_method(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    _expect_len(ctx, name, pos, length, 4)
    cls, method = _HH(ctx.data, pos)
    _check_class(ctx, pos, cls, "class_index")
    if method:
        ctx.cp.name_and_type(method)
    return EnclosingMethodAttribute(cls, method)


def _marker(kind: type[SyntheticAttribute | DeprecatedAttribute]) -> _Decoder:
    def decode(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
        _expect_len(ctx, name, pos, length, 0)
        return kind()
    return decode


def _signature(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    _expect_len(ctx, name, pos, length, 2)
    (idx,) = _H(ctx.data, pos)
    return SignatureAttribute(idx, _check_utf8(ctx, pos, idx, "signature_index"))


def _record(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    end = pos + length
    (n,) = _H(ctx.data, pos)
    p = pos + 2
    comps = []
    for _ in range(n):
        if p + 4 > end:
            raise _fail(ctx, p, "truncated Record attribute")
        ni, di = _HH(ctx.data, p)
        _check_utf8(ctx, p, ni, "record component name_index")
        _check_utf8(ctx, p, di, "record component descriptor_index")
        attrs, p = read_attributes(ctx.data, p + 4, ctx.cp, ctx.source, end)
        comps.append(RecordComponent(ni, di, attrs))
    if p != end:
        raise _fail(ctx, p, "Record attribute length does not match its contents")
    return RecordAttribute(tuple(comps))


def _source_file(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    _expect_len(ctx, name, pos, length, 2)
    (idx,) = _H(ctx.data, pos)
    return SourceFileAttribute(idx, _check_utf8(ctx, pos, idx, "sourcefile_index"))


def _source_debug(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    return SourceDebugExtensionAttribute(ctx.data[pos:pos + length])


def _table(size: int, kind: type[LineNumberTableAttribute | LocalVariableTableAttribute
                                  | LocalVariableTypeTableAttribute]) -> _Decoder:
    def decode(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
        if length < 2:
            raise _fail(ctx, pos, f"{name} attribute too short")
        (n,) = _H(ctx.data, pos)
        _expect_len(ctx, name, pos, length, 2 + size * n)
        if size == 10:
            cp = len(ctx.cp.entries)
            for i in range(n):
                p = pos + 2 + 10 * i
                _, _, ni, di, _ = _HHHHH(ctx.data, p)
                if not (0 < ni < cp and 0 < di < cp):
                    raise _fail(ctx, p, f"{name} entry names constant out of range")
        return kind(ctx.data[pos:pos + length])
    return decode


def _lazy(kind: type[AnnotationsAttribute | ParameterAnnotationsAttribute
                     | TypeAnnotationsAttribute]) -> _Decoder:
    def decode(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
        return kind(name, ctx.data[pos:pos + length], pos, ctx.source)
    return decode


def _stack_map(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    return StackMapTableAttribute(ctx.data[pos:pos + length], pos, ctx.source)


def _annotation_default(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    return AnnotationDefaultAttribute(ctx.data[pos:pos + length], pos, ctx.source)


def _method_parameters(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    if length < 1:
        raise _fail(ctx, pos, "MethodParameters attribute too short")
    n = ctx.data[pos]
    _expect_len(ctx, name, pos, length, 1 + 4 * n)
    params = []
    for i in range(n):
        ni, flags = _HH(ctx.data, pos + 1 + 4 * i)
        if ni:
            _check_utf8(ctx, pos, ni, "parameter name_index")
        params.append(MethodParameter(ni, flags))
    return MethodParametersAttribute(tuple(params))


def _module(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    return parse_module(ctx.data, pos, length, ctx.source)


def _module_packages(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    return ModulePackagesAttribute(_u2_list(ctx, name, pos, length))


def _module_main_class(ctx: _Ctx, name: str, pos: int, length: int) -> Attribute:
    _expect_len(ctx, name, pos, length, 2)
    (idx,) = _H(ctx.data, pos)
    _check_class(ctx, pos, idx, "main_class_index")
    return ModuleMainClassAttribute(idx)


_Decoder = Callable[[_Ctx, str, int, int], Attribute]

DECODERS: dict[str, _Decoder] = {
    "ConstantValue": _constant_value,
    "Code": _code,
    "StackMapTable": _stack_map,
    "BootstrapMethods": _bootstrap_methods,
    "NestHost": _nest_host,
    "NestMembers": _class_list(NestMembersAttribute),
    "PermittedSubclasses": _class_list(PermittedSubclassesAttribute),
    "Exceptions": _exceptions,
    "InnerClasses": _inner_classes,
    "EnclosingMethod": _enclosing_method,
    "Synthetic": _marker(SyntheticAttribute),
    "Deprecated": _marker(DeprecatedAttribute),
    "Signature": _signature,
    "Record": _record,
    "SourceFile": _source_file,
    "SourceDebugExtension": _source_debug,
    "LineNumberTable": _table(4, LineNumberTableAttribute),
    "LocalVariableTable": _table(10, LocalVariableTableAttribute),
    "LocalVariableTypeTable": _table(10, LocalVariableTypeTableAttribute),
    "RuntimeVisibleAnnotations": _lazy(AnnotationsAttribute),
    "RuntimeInvisibleAnnotations": _lazy(AnnotationsAttribute),
    "RuntimeVisibleParameterAnnotations": _lazy(ParameterAnnotationsAttribute),
    "RuntimeInvisibleParameterAnnotations": _lazy(ParameterAnnotationsAttribute),
    "RuntimeVisibleTypeAnnotations": _lazy(TypeAnnotationsAttribute),
    "RuntimeInvisibleTypeAnnotations": _lazy(TypeAnnotationsAttribute),
    "AnnotationDefault": _annotation_default,
    "MethodParameters": _method_parameters,
    "Module": _module,
    "ModulePackages": _module_packages,
    "ModuleMainClass": _module_main_class,
}


def read_attributes(
    data: bytes, pos: int, cp: ConstantPool, source: str, limit: int
) -> tuple[tuple[Attribute, ...], int]:
    """Read attributes_count and the attributes at `pos`, none reaching past `limit`."""
    if pos + 2 > limit:
        raise ClassFormatError(source, pos, "truncated class file: no attributes_count")
    (count,) = _H(data, pos)
    pos += 2
    if not count:
        return (), pos
    ctx = _Ctx(data, cp, source)
    entries = cp.entries
    n_entries = len(entries)
    out: list[Attribute] = []
    for _ in range(count):
        if pos + 6 > limit:
            raise ClassFormatError(source, pos, "truncated class file in attribute header")
        name_index, length = _HI(data, pos)
        e = entries[name_index] if 0 < name_index < n_entries else None
        if type(e) is not ConstantUtf8:
            raise ClassFormatError(
                source, pos, f"attribute_name_index #{name_index} is not a CONSTANT_Utf8")
        name = e.value
        start = pos + 6
        end = start + length
        if end > limit:
            raise ClassFormatError(
                source, pos, f"attribute {name} of length {length} runs past its container")
        decoder = DECODERS.get(name)
        if decoder is None:
            out.append(UnknownAttribute(name, data[start:end]))
        else:
            try:
                out.append(decoder(ctx, name, start, length))
            except struct.error:
                raise ClassFormatError(source, start, f"truncated {name} attribute") from None
        pos = end
    return tuple(out), pos
