"""The CLINT's registers and the test finisher's power events."""

from vmforms.hypervisor.devices.clint import CLINT_MTIME, CLINT_MTIMECMP, Clint
from vmforms.hypervisor.devices.power import PowerDevice


def test_clint_mtime_follows_the_clock_and_mtimecmp_takes_halves() -> None:
    now = [123456789012]
    clint = Clint(lambda: now[0])
    assert clint.read(CLINT_MTIME, 8) == 123456789012
    assert clint.read(CLINT_MTIME + 4, 4) == 123456789012 >> 32
    clint.write(CLINT_MTIMECMP, 4, 0xDEADBEEF)
    clint.write(CLINT_MTIMECMP + 4, 4, 0x1)
    assert clint.read(CLINT_MTIMECMP, 8) & 0xFFFFFFFF_FFFFFFFF == 0x1_DEADBEEF
    clint.write(0, 4, 3)
    assert clint.read(0, 4) == 1


def test_power_device_reports_poweroff_failure_and_reset() -> None:
    events: list[tuple[str, int]] = []
    dev = PowerDevice(lambda kind, code: events.append((kind, code)))
    dev.write(0, 4, 0x5555)
    dev.write(0, 4, (3 << 16) | 0x3333)
    dev.write(0, 4, 0x7777)
    dev.write(0, 4, 0x1234)
    dev.write(8, 4, 0x5555)
    assert events == [("poweroff", 0), ("poweroff", 3), ("reset", 0)]
