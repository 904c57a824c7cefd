"""The MMIO bus: physical address ranges outside RAM dispatched to devices.

Like kvmtool's `kvm__register_mmio`: each device claims one range and sees offsets
into it; an access nobody claims is a BusError, which the CPU turns into an access fault.
"""

from __future__ import annotations

import bisect
import logging
from typing import Protocol

from vmforms.hypervisor.errors import BusError, HypervisorError

log = logging.getLogger(__name__)


class MmioDevice(Protocol):
    """A device register block; offsets are relative to its base, sizes 1, 2, 4 or 8."""

    def read(self, offset: int, size: int) -> int: ...

    def write(self, offset: int, size: int, value: int) -> None: ...


class BusConflictError(HypervisorError):
    """Two devices asked for overlapping address ranges: a bug in the board description."""


class Bus:
    """Sorted, non-overlapping ranges; lookup is a binary search on the base address."""

    __slots__ = ("_bases", "_ends", "_devices", "_names")

    def __init__(self) -> None:
        self._bases: list[int] = []
        self._ends: list[int] = []
        self._devices: list[MmioDevice] = []
        self._names: list[str] = []

    def register(self, base: int, size: int, device: MmioDevice, name: str = "") -> None:
        if size <= 0:
            raise BusConflictError(f"register {name or device!r} at {base:#x}: empty range")
        i = bisect.bisect_right(self._bases, base)
        if i > 0 and self._ends[i - 1] > base:
            raise BusConflictError(
                f"register {name} at {base:#x}: overlaps {self._names[i - 1]} "
                f"at {self._bases[i - 1]:#x}"
            )
        if i < len(self._bases) and base + size > self._bases[i]:
            raise BusConflictError(
                f"register {name} at {base:#x}: overlaps {self._names[i]} at {self._bases[i]:#x}"
            )
        self._bases.insert(i, base)
        self._ends.insert(i, base + size)
        self._devices.insert(i, device)
        self._names.insert(i, name or type(device).__name__)

    def ranges(self) -> list[tuple[int, int, str]]:
        """(base, size, name) of every claimed range, in address order."""
        return [(b, e - b, n) for b, e, n in zip(self._bases, self._ends, self._names, strict=True)]

    def devices(self) -> list[tuple[str, MmioDevice]]:
        """(name, device) of every claimed range, in address order."""
        return list(zip(self._names, self._devices, strict=True))

    def _find(self, addr: int, size: int, operation: str) -> tuple[MmioDevice, int]:
        i = bisect.bisect_right(self._bases, addr) - 1
        if i < 0 or addr + size > self._ends[i]:
            raise BusError(operation, addr, size)
        return self._devices[i], addr - self._bases[i]

    def read(self, addr: int, size: int) -> int:
        device, offset = self._find(addr, size, "read")
        return device.read(offset, size) & ((1 << (8 * size)) - 1)

    def write(self, addr: int, size: int, value: int) -> None:
        device, offset = self._find(addr, size, "write")
        device.write(offset, size, value & ((1 << (8 * size)) - 1))
