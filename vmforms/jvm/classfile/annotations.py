"""Annotations in class files: JVMS 17 sections 4.7.16 to 4.7.22 (element_value, type_annotation).

The Runtime*Annotations and AnnotationDefault attributes keep their bytes and parse on
demand: a disassembler without -v never looks at them, so reading them eagerly would only
cost time.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from vmforms.jvm.errors import ClassFormatError


@dataclass(frozen=True, slots=True)
class ElementValue:
    """tag is one of B C D F I J S Z s e c @ [ (JVMS 4.7.16.1); the payload fits the tag."""

    tag: str
    const_value_index: int = 0
    type_name_index: int = 0
    const_name_index: int = 0
    class_info_index: int = 0
    annotation_value: Annotation | None = None
    values: tuple[ElementValue, ...] = ()


@dataclass(frozen=True, slots=True)
class ElementValuePair:
    element_name_index: int
    value: ElementValue


@dataclass(frozen=True, slots=True)
class Annotation:
    type_index: int
    element_value_pairs: tuple[ElementValuePair, ...]


@dataclass(frozen=True, slots=True)
class TypePathEntry:
    type_path_kind: int
    type_argument_index: int


@dataclass(frozen=True, slots=True)
class LocalvarTarget:
    start_pc: int
    length: int
    index: int


@dataclass(frozen=True, slots=True)
class TypeAnnotation:
    """target_info is decoded to a tuple of ints, or LocalvarTarget entries (JVMS 4.7.20.1)."""

    target_type: int
    target_info: tuple[int, ...] | tuple[LocalvarTarget, ...]
    target_path: tuple[TypePathEntry, ...]
    annotation: Annotation


class _Reader:
    __slots__ = ("data", "pos", "source", "base")

    def __init__(self, data: bytes, source: str, base: int) -> None:
        self.data = data
        self.pos = 0
        self.source = source
        self.base = base

    def fail(self, problem: str) -> ClassFormatError:
        return ClassFormatError(self.source, self.base + self.pos, problem)

    def u1(self) -> int:
        if self.pos >= len(self.data):
            raise self.fail("truncated annotation data")
        v = self.data[self.pos]
        self.pos += 1
        return v

    def u2(self) -> int:
        if self.pos + 2 > len(self.data):
            raise self.fail("truncated annotation data")
        (v,) = struct.unpack_from(">H", self.data, self.pos)
        self.pos += 2
        return int(v)

    def done(self) -> None:
        if self.pos != len(self.data):
            raise self.fail("attribute length does not match its contents")


def _element_value(r: _Reader, depth: int) -> ElementValue:
    if depth > 64:
        raise r.fail("annotation nesting too deep")
    tag = chr(r.u1())
    if tag in "BCDFIJSZs":
        return ElementValue(tag, const_value_index=r.u2())
    if tag == "e":
        return ElementValue(tag, type_name_index=r.u2(), const_name_index=r.u2())
    if tag == "c":
        return ElementValue(tag, class_info_index=r.u2())
    if tag == "@":
        return ElementValue(tag, annotation_value=_annotation(r, depth + 1))
    if tag == "[":
        n = r.u2()
        return ElementValue(tag, values=tuple(_element_value(r, depth + 1) for _ in range(n)))
    raise r.fail(f"unknown element_value tag {tag!r}")


def _annotation(r: _Reader, depth: int = 0) -> Annotation:
    type_index = r.u2()
    n = r.u2()
    pairs = tuple(ElementValuePair(r.u2(), _element_value(r, depth)) for _ in range(n))
    return Annotation(type_index, pairs)


def parse_annotations(data: bytes, source: str, base: int) -> tuple[Annotation, ...]:
    """RuntimeVisibleAnnotations / RuntimeInvisibleAnnotations contents."""
    r = _Reader(data, source, base)
    result = tuple(_annotation(r) for _ in range(r.u2()))
    r.done()
    return result


def parse_parameter_annotations(
    data: bytes, source: str, base: int
) -> tuple[tuple[Annotation, ...], ...]:
    """Runtime(In)VisibleParameterAnnotations contents: one tuple per parameter."""
    r = _Reader(data, source, base)
    result = tuple(tuple(_annotation(r) for _ in range(r.u2())) for _ in range(r.u1()))
    r.done()
    return result


def parse_element_value(data: bytes, source: str, base: int) -> ElementValue:
    """AnnotationDefault contents."""
    r = _Reader(data, source, base)
    value = _element_value(r, 0)
    r.done()
    return value


def _target_info(r: _Reader, target_type: int) -> tuple[int, ...] | tuple[LocalvarTarget, ...]:
    if target_type in (0x00, 0x01):  # type_parameter_target
        return (r.u1(),)
    if target_type == 0x10:  # supertype_target
        return (r.u2(),)
    if target_type in (0x11, 0x12):  # type_parameter_bound_target
        return (r.u1(), r.u1())
    if target_type in (0x13, 0x14, 0x15):  # empty_target
        return ()
    if target_type == 0x16:  # formal_parameter_target
        return (r.u1(),)
    if target_type == 0x17:  # throws_target
        return (r.u2(),)
    if target_type in (0x40, 0x41):  # localvar_target
        return tuple(LocalvarTarget(r.u2(), r.u2(), r.u2()) for _ in range(r.u2()))
    if target_type == 0x42:  # catch_target
        return (r.u2(),)
    if 0x43 <= target_type <= 0x46:  # offset_target
        return (r.u2(),)
    if 0x47 <= target_type <= 0x4B:  # type_argument_target
        return (r.u2(), r.u1())
    raise r.fail(f"unknown type annotation target_type 0x{target_type:02x}")


def parse_type_annotations(data: bytes, source: str, base: int) -> tuple[TypeAnnotation, ...]:
    """Runtime(In)VisibleTypeAnnotations contents (JVMS 4.7.20)."""
    r = _Reader(data, source, base)
    out = []
    for _ in range(r.u2()):
        target_type = r.u1()
        info = _target_info(r, target_type)
        path = tuple(TypePathEntry(r.u1(), r.u1()) for _ in range(r.u1()))
        out.append(TypeAnnotation(target_type, info, path, _annotation(r)))
    r.done()
    return tuple(out)


@dataclass(frozen=True, slots=True)
class AnnotationsAttribute:
    """RuntimeVisibleAnnotations or RuntimeInvisibleAnnotations (`name` tells which)."""

    name: str
    data: bytes
    offset: int
    source: str

    def annotations(self) -> tuple[Annotation, ...]:
        return parse_annotations(self.data, self.source, self.offset)


@dataclass(frozen=True, slots=True)
class ParameterAnnotationsAttribute:
    name: str
    data: bytes
    offset: int
    source: str

    def parameter_annotations(self) -> tuple[tuple[Annotation, ...], ...]:
        return parse_parameter_annotations(self.data, self.source, self.offset)


@dataclass(frozen=True, slots=True)
class TypeAnnotationsAttribute:
    name: str
    data: bytes
    offset: int
    source: str

    def annotations(self) -> tuple[TypeAnnotation, ...]:
        return parse_type_annotations(self.data, self.source, self.offset)


@dataclass(frozen=True, slots=True)
class AnnotationDefaultAttribute:
    data: bytes
    offset: int
    source: str

    def default_value(self) -> ElementValue:
        return parse_element_value(self.data, self.source, self.offset)
