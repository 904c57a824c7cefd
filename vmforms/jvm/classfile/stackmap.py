"""StackMapTable frames: JVMS 17 section 4.7.4, decoded on demand from the attribute bytes."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from vmforms.jvm.errors import ClassFormatError

ITEM_Top = 0
ITEM_Integer = 1
ITEM_Float = 2
ITEM_Double = 3
ITEM_Long = 4
ITEM_Null = 5
ITEM_UninitializedThis = 6
ITEM_Object = 7
ITEM_Uninitialized = 8


@dataclass(frozen=True, slots=True)
class VerificationTypeInfo:
    """tag is an ITEM_*; cpool_index for ITEM_Object, offset for ITEM_Uninitialized."""

    tag: int
    cpool_index: int = 0
    offset: int = 0


@dataclass(frozen=True, slots=True)
class StackMapFrame:
    """One frame; frame_type picks the kind (same, same_locals_1_stack_item, chop, ...)."""

    frame_type: int
    offset_delta: int
    locals: tuple[VerificationTypeInfo, ...] = ()
    stack: tuple[VerificationTypeInfo, ...] = ()


def parse_stack_map_frames(data: bytes, source: str, base: int) -> tuple[StackMapFrame, ...]:
    pos = 0
    size = len(data)

    def fail(problem: str) -> ClassFormatError:
        return ClassFormatError(source, base + pos, problem)

    def u1() -> int:
        nonlocal pos
        if pos >= size:
            raise fail("truncated StackMapTable")
        v = data[pos]
        pos += 1
        return v

    def u2() -> int:
        nonlocal pos
        if pos + 2 > size:
            raise fail("truncated StackMapTable")
        (v,) = struct.unpack_from(">H", data, pos)
        pos += 2
        return int(v)

    def vti() -> VerificationTypeInfo:
        tag = u1()
        if tag == ITEM_Object:
            return VerificationTypeInfo(tag, cpool_index=u2())
        if tag == ITEM_Uninitialized:
            return VerificationTypeInfo(tag, offset=u2())
        if tag > ITEM_Uninitialized:
            raise fail(f"unknown verification_type_info tag {tag}")
        return VerificationTypeInfo(tag)

    frames = []
    for _ in range(u2()):
        ft = u1()
        if ft < 64:  # same_frame
            frames.append(StackMapFrame(ft, ft))
        elif ft < 128:  # same_locals_1_stack_item_frame
            frames.append(StackMapFrame(ft, ft - 64, stack=(vti(),)))
        elif ft < 247:
            raise fail(f"reserved stack map frame_type {ft}")
        elif ft == 247:  # same_locals_1_stack_item_frame_extended
            delta = u2()
            frames.append(StackMapFrame(ft, delta, stack=(vti(),)))
        elif ft < 251 or ft == 251:  # chop_frame
            frames.append(StackMapFrame(ft, u2()))
        elif ft < 255:  # append_frame
            delta = u2()
            frames.append(StackMapFrame(ft, delta, locals=tuple(vti() for _ in range(ft - 251))))
        else:  # full_frame
            delta = u2()
            locs = tuple(vti() for _ in range(u2()))
            stack = tuple(vti() for _ in range(u2()))
            frames.append(StackMapFrame(ft, delta, locs, stack))
    if pos != size:
        raise fail("StackMapTable length does not match its frames")
    return tuple(frames)
