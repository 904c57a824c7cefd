"""Guest RAM: one private anonymous mapping at a physical base (RAM at 0x80000000 on the
`virt` board).

The CPU reads and writes it through typed memoryviews for speed; devices that do DMA
(virtio) use `read`/`write`, which check bounds. An anonymous mapping costs nothing until
a page is touched (the kernel maps its zero page on reads), where a bytearray of the same
size is zero-filled up front: a tenth of a second for 128 MiB, paid by every boot and
restore. `discard` gives pages back, reading as zeros again (madvise(2) MADV_DONTNEED).
"""

import mmap
from collections.abc import Callable

from vmforms.hypervisor.errors import GuestMemoryError

# The views cast to 8-byte items, so the size must be a multiple of a page anyway.
PAGE_SIZE = 4096


class GuestMemory:
    """A contiguous block of guest-physical RAM starting at `base`."""

    __slots__ = ("base", "size", "data", "end", "write_watch")

    def __init__(self, base: int, size: int) -> None:
        if size <= 0 or size % PAGE_SIZE:
            raise GuestMemoryError(
                f"guest RAM size {size:#x}: must be a positive multiple of 4 KiB"
            )
        if base % PAGE_SIZE:
            raise GuestMemoryError(f"guest RAM base {base:#x}: must be 4 KiB aligned")
        self.base = base
        self.size = size
        self.end = base + size
        self.data = mmap.mmap(-1, size, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        # Told of every write through `load`/`write`, so the CPU can drop stale translations.
        self.write_watch: Callable[[int, int], None] | None = None

    def contains(self, addr: int, length: int = 1) -> bool:
        return self.base <= addr and addr + length <= self.end

    def load(self, addr: int, blob: bytes) -> None:
        """Copy an image (kernel, initramfs, device tree) into RAM at `addr`."""
        if not self.contains(addr, len(blob)):
            raise GuestMemoryError(
                f"load {len(blob)} bytes at {addr:#x}: outside guest RAM "
                f"[{self.base:#x}, {self.end:#x}); give the machine more memory"
            )
        off = addr - self.base
        self.data[off : off + len(blob)] = blob
        if self.write_watch is not None:
            self.write_watch(addr, len(blob))

    def read(self, addr: int, length: int) -> bytes:
        if not self.contains(addr, length):
            raise GuestMemoryError(f"read {length} bytes at {addr:#x}: outside guest RAM")
        off = addr - self.base
        return bytes(self.data[off : off + length])

    def write(self, addr: int, blob: bytes) -> None:
        if not self.contains(addr, len(blob)):
            raise GuestMemoryError(f"write {len(blob)} bytes at {addr:#x}: outside guest RAM")
        off = addr - self.base
        self.data[off : off + len(blob)] = blob
        if self.write_watch is not None:
            self.write_watch(addr, len(blob))

    def discard(self, offset: int, length: int) -> None:
        """Zero [offset, offset+length) of RAM by giving its whole pages back."""
        start = -(-offset // PAGE_SIZE) * PAGE_SIZE
        end = max(start, (offset + length) // PAGE_SIZE * PAGE_SIZE)
        if end > start:
            self.data.madvise(mmap.MADV_DONTNEED, start, end - start)
        for a, b in ((offset, min(start, offset + length)), (max(end, offset), offset + length)):
            if b > a:
                self.data[a:b] = bytes(b - a)
