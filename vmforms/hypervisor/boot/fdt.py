"""A flattened device tree writer (Devicetree Specification v0.4, chapter 5).

Build a tree of Node objects, then `Node.to_dtb()` lays out the header, the memory
reservation block, the structure block and the strings block, all big-endian.
"""

from __future__ import annotations

import struct

FDT_MAGIC = 0xD00DFEED
FDT_BEGIN_NODE = 0x1
FDT_END_NODE = 0x2
FDT_PROP = 0x3
FDT_END = 0x9
FDT_VERSION = 17
FDT_LAST_COMP_VERSION = 16

_HEADER = struct.Struct(">10I")


def _pad4(blob: bytes) -> bytes:
    return blob + b"\0" * (-len(blob) % 4)


class Node:
    """One device tree node: properties in insertion order, then children."""

    def __init__(self, name: str = "") -> None:
        if "/" in name:
            raise ValueError(f"device tree node name {name!r} contains '/'")
        self.name = name
        self.props: dict[str, bytes] = {}
        self.children: list[Node] = []

    def child(self, name: str) -> Node:
        node = Node(name)
        self.children.append(node)
        return node

    def prop(self, name: str, value: bytes = b"") -> Node:
        self.props[name] = value
        return self

    def u32(self, name: str, *values: int) -> Node:
        return self.prop(name, struct.pack(f">{len(values)}I", *values))

    def u64(self, name: str, *values: int) -> Node:
        return self.prop(name, struct.pack(f">{len(values)}Q", *values))

    def string(self, name: str, *values: str) -> Node:
        return self.prop(name, b"".join(v.encode() + b"\0" for v in values))

    def to_dtb(self, *, boot_cpuid: int = 0, reserve: tuple[tuple[int, int], ...] = ()) -> bytes:
        strings = bytearray()
        offsets: dict[str, int] = {}
        out = bytearray()

        def emit(node: Node) -> None:
            out.extend(struct.pack(">I", FDT_BEGIN_NODE) + _pad4(node.name.encode() + b"\0"))
            for name, value in node.props.items():
                if name not in offsets:
                    offsets[name] = len(strings)
                    strings.extend(name.encode() + b"\0")
                out.extend(struct.pack(">III", FDT_PROP, len(value), offsets[name]))
                out.extend(_pad4(value))
            for child in node.children:
                emit(child)
            out.extend(struct.pack(">I", FDT_END_NODE))

        emit(self)
        out.extend(struct.pack(">I", FDT_END))
        rsv = b"".join(struct.pack(">QQ", a, s) for a, s in reserve) + bytes(16)
        off_rsv = _HEADER.size
        off_struct = off_rsv + len(rsv)
        off_strings = off_struct + len(out)
        total = off_strings + len(strings)
        header = _HEADER.pack(
            FDT_MAGIC,
            total + (-total % 8),
            off_struct,
            off_strings,
            off_rsv,
            FDT_VERSION,
            FDT_LAST_COMP_VERSION,
            boot_cpuid,
            len(strings),
            len(out),
        )
        blob = header + rsv + bytes(out) + bytes(strings)
        return blob + b"\0" * (-len(blob) % 8)
