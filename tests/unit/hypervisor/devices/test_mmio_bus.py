"""The MMIO bus: dispatch by range, offsets relative to the device, faults elsewhere."""

import pytest

from vmforms.hypervisor.bus import Bus, BusConflictError
from vmforms.hypervisor.errors import BusError


class Recorder:
    def __init__(self) -> None:
        self.log: list[tuple[str, int, int, int]] = []

    def read(self, offset: int, size: int) -> int:
        self.log.append(("r", offset, size, 0))
        return 0x1122334455667788

    def write(self, offset: int, size: int, value: int) -> None:
        self.log.append(("w", offset, size, value))


def test_dispatch_uses_offsets_and_masks_to_the_access_size() -> None:
    bus, a, b = Bus(), Recorder(), Recorder()
    bus.register(0x1000, 0x100, a, "a")
    bus.register(0x2000, 0x10, b, "b")
    assert bus.read(0x1004, 2) == 0x7788
    bus.write(0x200C, 4, 0x1_FFFF_FFFF)
    assert a.log == [("r", 4, 2, 0)]
    assert b.log == [("w", 0xC, 4, 0xFFFF_FFFF)]
    assert [n for _, _, n in bus.ranges()] == ["a", "b"]


@pytest.mark.parametrize("addr,size", [(0xFFF, 1), (0x1100, 4), (0x10FE, 4), (0x3000, 8)])
def test_unclaimed_addresses_raise_bus_error(addr: int, size: int) -> None:
    bus = Bus()
    bus.register(0x1000, 0x100, Recorder())
    with pytest.raises(BusError) as info:
        bus.read(addr, size)
    assert info.value.addr == addr
    with pytest.raises(BusError):
        bus.write(addr, size, 0)


def test_overlapping_registration_is_refused() -> None:
    bus = Bus()
    bus.register(0x1000, 0x100, Recorder(), "first")
    with pytest.raises(BusConflictError, match="first"):
        bus.register(0x10F0, 0x100, Recorder(), "second")
    with pytest.raises(BusConflictError):
        bus.register(0xF80, 0x100, Recorder(), "third")
    bus.register(0x1100, 0x100, Recorder(), "adjacent")
