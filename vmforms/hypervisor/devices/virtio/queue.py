"""Split virtqueues (virtio 1.2 section 2.7), read from guest RAM with every index checked.

The guest owns these structures and may scribble anything into them; every address,
length and index is bounds-checked and a bad one raises VirtqueueError, which the
transport logs before it marks the device as needing reset. The monitor never crashes.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from vmforms.hypervisor.errors import HypervisorError

VIRTQ_DESC_F_NEXT = 1
VIRTQ_DESC_F_WRITE = 2
VIRTQ_DESC_F_INDIRECT = 4
VIRTQ_AVAIL_F_NO_INTERRUPT = 1
VIRTQ_DESC_SIZE = 16
QUEUE_SIZE_MAX = 256

_DESC = struct.Struct("<QIHH")
_U16 = struct.Struct("<H")
_USED_ELEM = struct.Struct("<II")


class VirtqueueError(HypervisorError):
    """The guest programmed a virtqueue that cannot be followed (bad address, loop...)."""


class GuestRam(Protocol):
    """What a queue needs of guest memory: one block of bytes at a physical base (a
    bytearray for the software CPU, the mapping KVM shares with the guest for KVM)."""

    base: int
    size: int

    @property
    def data(self) -> bytearray | mmap.mmap: ...


@dataclass(frozen=True, slots=True)
class Descriptor:
    """One element of a chain: a guest-physical buffer, device-writable or not."""

    addr: int
    len: int
    flags: int

    @property
    def is_write_only(self) -> bool:
        return bool(self.flags & VIRTQ_DESC_F_WRITE)


@dataclass(frozen=True, slots=True)
class DescriptorChain:
    head: int
    descriptors: tuple[Descriptor, ...]


class Virtqueue:
    """The device's view of one queue once the driver has set it up and made it ready."""

    def __init__(
        self, memory: GuestRam, size: int, desc_addr: int, avail_addr: int, used_addr: int
    ) -> None:
        if not 0 < size <= QUEUE_SIZE_MAX or size & (size - 1):
            raise VirtqueueError(
                f"queue size {size}: must be a power of two up to {QUEUE_SIZE_MAX}"
            )
        self.memory = memory
        self.size = size
        self.desc_addr = desc_addr
        self.avail_addr = avail_addr
        self.used_addr = used_addr
        self._check(desc_addr, VIRTQ_DESC_SIZE * size, "descriptor table", 16)
        self._check(avail_addr, 6 + 2 * size, "available ring", 2)
        self._check(used_addr, 6 + 8 * size, "used ring", 4)
        self.last_avail = 0
        self.used_idx = 0

    def _check(self, addr: int, length: int, what: str, align: int = 1) -> int:
        """The offset of [addr, addr+length) in RAM, or VirtqueueError."""
        mem = self.memory
        if addr % align:
            raise VirtqueueError(f"{what} at {addr:#x}: not {align}-byte aligned")
        if length < 0 or addr < mem.base or addr + length > mem.base + mem.size:
            raise VirtqueueError(f"{what} at {addr:#x} (+{length:#x}): outside guest RAM")
        return addr - mem.base

    # Buffers.
    def read(self, addr: int, length: int) -> bytes:
        off = self._check(addr, length, "buffer")
        return bytes(self.memory.data[off : off + length])

    def read_chain(self, chain: DescriptorChain, limit: int, what: str) -> bytes:
        """The driver-written bytes of a chain, at most `limit`; a device-writable buffer
        in it is a driver error."""
        out = bytearray()
        for desc in chain.descriptors:
            if desc.is_write_only:
                raise VirtqueueError(f"{what} {chain.head}: writable buffer")
            take = min(desc.len, limit - len(out))
            if take > 0:
                out += self.read(desc.addr, take)
        return bytes(out)

    def write(self, addr: int, blob: bytes) -> None:
        off = self._check(addr, len(blob), "buffer")
        self.memory.data[off : off + len(blob)] = blob
        self._written(addr, len(blob))

    def _written(self, addr: int, length: int) -> None:
        # DMA into RAM may overwrite code the CPU has translated: tell it, as a store would.
        watch = getattr(self.memory, "write_watch", None)
        if watch is not None:
            watch(addr, length)

    # Rings.
    def _avail_idx(self) -> int:
        off = self.avail_addr - self.memory.base
        return int(_U16.unpack_from(self.memory.data, off + 2)[0])

    def _avail_flags(self) -> int:
        return int(_U16.unpack_from(self.memory.data, self.avail_addr - self.memory.base)[0])

    def has_available(self) -> bool:
        return self._avail_idx() != self.last_avail

    def pop(self) -> DescriptorChain | None:
        """The next chain the driver made available, or None."""
        avail = self._avail_idx()
        if avail == self.last_avail:
            return None
        if (avail - self.last_avail) & 0xFFFF > self.size:
            raise VirtqueueError(
                f"available index {avail} is {(avail - self.last_avail) & 0xFFFF} ahead "
                f"of the device in a queue of {self.size}"
            )
        slot = self.last_avail % self.size
        off = self.avail_addr - self.memory.base + 4 + 2 * slot
        head = int(_U16.unpack_from(self.memory.data, off)[0])
        self.last_avail = (self.last_avail + 1) & 0xFFFF
        return DescriptorChain(head, tuple(self.walk(head)))

    def walk(self, head: int) -> Iterator[Descriptor]:
        """Follow a chain from `head`; a chain longer than the table is a loop."""
        index = head
        for _ in range(self.size):
            if index >= self.size:
                raise VirtqueueError(f"descriptor index {index} beyond queue size {self.size}")
            off = self.desc_addr - self.memory.base + VIRTQ_DESC_SIZE * index
            addr, length, flags, nxt = _DESC.unpack_from(self.memory.data, off)
            if flags & VIRTQ_DESC_F_INDIRECT:
                raise VirtqueueError(f"descriptor {index}: indirect descriptors not negotiated")
            if length == 0:  # QEMU's virtqueue_map_desc: the device needs a reset
                raise VirtqueueError(f"descriptor {index}: zero sized buffers are not allowed")
            self._check(addr, length, f"descriptor {index} buffer")
            yield Descriptor(addr, length, flags)
            if not flags & VIRTQ_DESC_F_NEXT:
                return
            index = nxt
        raise VirtqueueError(f"descriptor chain from {head} loops (longer than {self.size})")

    def push_used(self, head: int, written: int) -> None:
        """Return a chain to the driver with `written` bytes placed in its writable buffers."""
        base = self.used_addr - self.memory.base
        slot = self.used_idx % self.size
        _USED_ELEM.pack_into(self.memory.data, base + 4 + 8 * slot, head, written)
        self.used_idx = (self.used_idx + 1) & 0xFFFF
        _U16.pack_into(self.memory.data, base + 2, self.used_idx)
        self._written(self.used_addr, 4 + 8 * self.size)

    def needs_interrupt(self) -> bool:
        return not self._avail_flags() & VIRTQ_AVAIL_F_NO_INTERRUPT
