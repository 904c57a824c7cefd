"""The core-local interruptor (SiFive CLINT layout): msip, mtimecmp and mtime for hart 0.

An S-mode kernel uses the SBI timer instead; the block exists because the board
describes it, and mtime reads the CPU's instruction-derived clock.
"""

from __future__ import annotations

from collections.abc import Callable

CLINT_MSIP = 0x0000
CLINT_MTIMECMP = 0x4000
CLINT_MTIME = 0xBFF8
CLINT_SIZE = 0x10000


def _merge(old: int, offset: int, size: int, value: int) -> int:
    """Write `size` bytes at byte `offset` of a 64-bit register."""
    shift = 8 * offset
    mask = ((1 << (8 * size)) - 1) << shift
    return (old & ~mask) | ((value << shift) & mask)


class Clint:
    def __init__(self, time: Callable[[], int]) -> None:
        self._time = time
        self.msip = 0
        self.mtimecmp = (1 << 64) - 1

    def read(self, offset: int, size: int) -> int:
        if CLINT_MSIP <= offset < CLINT_MSIP + 4:
            return self.msip
        if CLINT_MTIMECMP <= offset < CLINT_MTIMECMP + 8:
            return self.mtimecmp >> (8 * (offset - CLINT_MTIMECMP))
        if CLINT_MTIME <= offset < CLINT_MTIME + 8:
            return self._time() >> (8 * (offset - CLINT_MTIME))
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        if CLINT_MSIP <= offset < CLINT_MSIP + 4:
            self.msip = value & 1
        elif CLINT_MTIMECMP <= offset < CLINT_MTIMECMP + 8:
            self.mtimecmp = _merge(self.mtimecmp, offset - CLINT_MTIMECMP, size, value)
        # mtime is kept by the CPU's instruction count; writes are ignored.
