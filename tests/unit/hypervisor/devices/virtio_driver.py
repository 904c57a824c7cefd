"""A tiny virtio driver over guest RAM for the device tests: it lays out a split queue
and fills descriptors the way Linux's virtio_ring does."""

from __future__ import annotations

import struct

from vmforms.hypervisor.devices.virtio.queue import VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE
from vmforms.hypervisor.memory import GuestMemory

RAM = 0x80000000
DESC = RAM + 0x1000
AVAIL = RAM + 0x2000
USED = RAM + 0x3000
BUFFERS = RAM + 0x10000


class Driver:
    def __init__(self, size: int = 8, ram_size: int = 1 << 20) -> None:
        self.mem = GuestMemory(RAM, ram_size)
        self.size = size
        self.avail_idx = 0
        self.next_desc = 0
        self.next_buf = BUFFERS

    def buffer(self, data: bytes | int) -> int:
        """Place bytes (or reserve n zero bytes) in RAM; return the address."""
        blob = bytes(data) if isinstance(data, int) else data
        addr = self.next_buf
        self.mem.write(addr, blob)
        self.next_buf += (len(blob) + 15) & ~15
        return addr

    def set_desc(self, index: int, addr: int, length: int, flags: int, nxt: int = 0) -> None:
        self.mem.write(DESC + 16 * index, struct.pack("<QIHH", addr, length, flags, nxt))

    def chain(self, parts: list[tuple[int, int, bool]]) -> int:
        """Descriptors for (addr, len, device-writable) parts; make the head available."""
        head = self.next_desc
        for i, (addr, length, writable) in enumerate(parts):
            index = (head + i) % self.size
            last = i == len(parts) - 1
            flags = (0 if last else VIRTQ_DESC_F_NEXT) | (VIRTQ_DESC_F_WRITE if writable else 0)
            self.set_desc(index, addr, length, flags, (index + 1) % self.size)
        self.next_desc = (head + len(parts)) % self.size
        self.make_available(head)
        return head

    def make_available(self, head: int) -> None:
        self.mem.write(AVAIL + 4 + 2 * (self.avail_idx % self.size), struct.pack("<H", head))
        self.avail_idx = (self.avail_idx + 1) & 0xFFFF
        self.mem.write(AVAIL + 2, struct.pack("<H", self.avail_idx))

    def used(self) -> list[tuple[int, int]]:
        (idx,) = struct.unpack("<H", self.mem.read(USED + 2, 2))
        return [
            struct.unpack("<II", self.mem.read(USED + 4 + 8 * (i % self.size), 8))
            for i in range(idx)
        ]
