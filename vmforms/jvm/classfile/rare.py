"""Attributes outside JVMS 17 4.7 that the JDK writes or reads: ModuleHashes, ModuleTarget
and ModuleResolution (jlink's, in the JDK's own module-info classes), CharacterRangeTable
(javac -Xjcov) and the CLDC StackMap. They stay UnknownAttribute in a parsed class, for
the runtime ignores them; a disassembler decodes them here on request.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from vmforms.jvm.classfile.stackmap import StackMapFrame, VerificationTypeInfo


class RareAttributeError(ValueError):
    """The bytes do not fit the attribute's layout."""


class _Bytes:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple[int, ...]:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise RareAttributeError("truncated")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def u1(self) -> int:
        return self.take(">B")[0]

    def u2(self) -> int:
        return self.take(">H")[0]

    def raw(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise RareAttributeError("truncated")
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def done(self) -> None:
        if self.pos != len(self.data):
            raise RareAttributeError("length does not match the contents")


@dataclass(frozen=True, slots=True)
class ModuleHash:
    module_name_index: int
    hash: bytes


@dataclass(frozen=True, slots=True)
class ModuleHashes:
    algorithm_index: int
    hashes: tuple[ModuleHash, ...]


def parse_module_hashes(data: bytes) -> ModuleHashes:
    r = _Bytes(data)
    algorithm = r.u2()
    hashes = []
    for _ in range(r.u2()):
        name = r.u2()
        hashes.append(ModuleHash(name, r.raw(r.u2())))
    r.done()
    return ModuleHashes(algorithm, tuple(hashes))


def parse_u2(data: bytes) -> int:
    """ModuleTarget (target_platform_index), ModuleResolution (resolution_flags),
    CompilationID and SourceID: one u2."""
    r = _Bytes(data)
    value = r.u2()
    r.done()
    return value


@dataclass(frozen=True, slots=True)
class CharacterRange:
    start_pc: int
    end_pc: int
    character_range_start: int
    character_range_end: int
    flags: int


def parse_character_range_table(data: bytes) -> tuple[CharacterRange, ...]:
    r = _Bytes(data)
    out = tuple(CharacterRange(*r.take(">HHIIH")) for _ in range(r.u2()))
    r.done()
    return out


def parse_cldc_stack_map(data: bytes) -> tuple[StackMapFrame, ...]:
    """The CLDC StackMap: every frame a full frame with an absolute offset (frame_type 255)."""
    r = _Bytes(data)

    def types() -> tuple[VerificationTypeInfo, ...]:
        out = []
        for _ in range(r.u2()):
            tag = r.u1()
            if tag == 7:
                out.append(VerificationTypeInfo(tag, cpool_index=r.u2()))
            elif tag == 8:
                out.append(VerificationTypeInfo(tag, offset=r.u2()))
            elif tag > 8:
                raise RareAttributeError(f"unknown verification_type_info tag {tag}")
            else:
                out.append(VerificationTypeInfo(tag))
        return tuple(out)

    frames = []
    for _ in range(r.u2()):
        offset = r.u2()
        frames.append(StackMapFrame(255, offset, types(), types()))
    r.done()
    return tuple(frames)
