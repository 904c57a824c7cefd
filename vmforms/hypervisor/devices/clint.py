"""The core-local interruptor (SiFive CLINT layout): msip, mtimecmp and mtime for hart 0.

M-mode firmware (OpenSBI, a test program) programs it: msip drives the hart's MSIP and
mtimecmp its MTIP. An S-mode kernel uses the SBI timer instead; under the Python SBI the
block is M-mode only, as OpenSBI's PMP makes it, so an S-mode access is an access fault.
mtime reads the CPU's instruction-derived clock; like QEMU, odd-size and unaligned
accesses read and write the bytes they cover.
"""

from __future__ import annotations

from collections.abc import Callable

from vmforms.hypervisor.state import State, StateReader

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
    def __init__(
        self,
        time: Callable[[], int],
        on_mtimecmp: Callable[[int], None] | None = None,
        on_msip: Callable[[bool], None] | None = None,
    ) -> None:
        self._time = time
        self._on_mtimecmp = on_mtimecmp
        self._on_msip = on_msip
        self.msip = 0
        self.mtimecmp = (1 << 64) - 1

    def read(self, offset: int, size: int) -> int:
        mask = (1 << (8 * size)) - 1
        if CLINT_MSIP <= offset < CLINT_MSIP + 4:
            return (self.msip >> (8 * (offset - CLINT_MSIP))) & mask
        if CLINT_MTIMECMP <= offset < CLINT_MTIMECMP + 8:
            return (self.mtimecmp >> (8 * (offset - CLINT_MTIMECMP))) & mask
        if CLINT_MTIME <= offset < CLINT_MTIME + 8:
            return (self._time() >> (8 * (offset - CLINT_MTIME))) & mask
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        if CLINT_MSIP <= offset < CLINT_MSIP + 4:
            if offset == CLINT_MSIP:  # bit 0 of the word; the other bytes are zero
                self.msip = value & 1
                if self._on_msip is not None:
                    self._on_msip(bool(self.msip))
        elif CLINT_MTIMECMP <= offset < CLINT_MTIMECMP + 8:
            self.mtimecmp = _merge(self.mtimecmp, offset - CLINT_MTIMECMP, size, value)
            if self._on_mtimecmp is not None:
                self._on_mtimecmp(self.mtimecmp)
        # mtime is kept by the CPU's instruction count; writes are ignored.

    # Snapshots: mtime is the CPU's clock, saved with the CPU, as is its copy of mtimecmp.
    def save_state(self) -> State:
        return {"msip": self.msip, "mtimecmp": self.mtimecmp}

    def load_state(self, state: StateReader) -> None:
        msip, mtimecmp = state.number("msip", 0, 1), state.number("mtimecmp")
        self.msip, self.mtimecmp = msip, mtimecmp
