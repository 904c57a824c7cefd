"""The PC's legacy port devices that a KVM guest meets: the i8042 keyboard controller's
reset line, and the probe marker port.

i8042: only what Linux and Firecracker's guests use of it (the IBM PC/AT technical
reference, "keyboard controller"): the status register, the command byte, self tests,
and command 0xFE, which pulses the CPU's reset line; Linux's reboot=k and Firecracker
turn that pulse into the end of the VM.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

I8042_DATA_PORT = 0x60
I8042_COMMAND_PORT = 0x64
I8042_STATUS_OBF = 0x01  # output buffer full: a byte waits at port 0x60
I8042_STATUS_SYS = 0x04  # system flag: self test passed
I8042_STATUS_CMD = 0x08  # the last write was a command
I8042_CMD_READ_CTR = 0x20
I8042_CMD_WRITE_CTR = 0x60
I8042_CMD_SELF_TEST = 0xAA
I8042_CMD_PORT_TEST = 0xAB
I8042_CMD_WRITE_OUTPUT = 0xD1
I8042_CMD_PULSE_RESET = 0xFE
I8042_SELF_TEST_OK = 0x55
I8042_OUTPUT_RESET_LINE = 0x01  # output port bit 0 low = reset asserted

MARKER_PORT = 0xF80


class PortDevice(Protocol):
    def read(self, offset: int, size: int) -> int: ...

    def write(self, offset: int, size: int, value: int) -> None: ...


class I8042:
    """The controller on ports 0x60 (data, offset 0) and 0x64 (status/command, offset 4)."""

    def __init__(self, on_reset: Callable[[], None]) -> None:
        self._on_reset = on_reset
        self._out: deque[int] = deque(maxlen=16)
        self._ctr = 0x61  # keyboard interrupt, system flag, translation
        self._pending: int | None = None
        self._status = I8042_STATUS_SYS

    def read(self, offset: int, size: int) -> int:
        if offset == I8042_COMMAND_PORT - I8042_DATA_PORT:
            return self._status | (I8042_STATUS_OBF if self._out else 0)
        if offset == 0:
            return self._out.popleft() if self._out else 0
        return 0xFF

    def write(self, offset: int, size: int, value: int) -> None:
        value &= 0xFF
        if offset == I8042_COMMAND_PORT - I8042_DATA_PORT:
            self._status |= I8042_STATUS_CMD
            self._command(value)
        elif offset == 0:
            self._status &= ~I8042_STATUS_CMD
            pending, self._pending = self._pending, None
            if pending == I8042_CMD_WRITE_CTR:
                self._ctr = value
            elif pending == I8042_CMD_WRITE_OUTPUT and not value & I8042_OUTPUT_RESET_LINE:
                self._on_reset()

    def _command(self, cmd: int) -> None:
        if cmd == I8042_CMD_PULSE_RESET:
            self._on_reset()
        elif cmd == I8042_CMD_READ_CTR:
            self._out.append(self._ctr)
        elif cmd in (I8042_CMD_WRITE_CTR, I8042_CMD_WRITE_OUTPUT):
            self._pending = cmd
        elif cmd == I8042_CMD_SELF_TEST:
            self._out.append(I8042_SELF_TEST_OK)
        elif cmd == I8042_CMD_PORT_TEST:
            self._out.append(0)


class MarkerPort:
    """A 32-bit write-only port: the guest's progress markers, timed on the host's clock.

    The probe guest brackets the stretches it wants measured (a kernel-mode loop, a
    user-mode loop, a run of system calls) with markers; the time between two markers
    includes the one exit that reports the second.
    """

    LIMIT = 4096  # a guest that writes markers forever cannot grow the list forever

    def __init__(self, clock: Callable[[], int] = time.perf_counter_ns) -> None:
        self._clock = clock
        self.marks: list[tuple[int, int]] = []

    def read(self, offset: int, size: int) -> int:
        return 0xFFFFFFFF

    def write(self, offset: int, size: int, value: int) -> None:
        if len(self.marks) < self.LIMIT:
            self.marks.append((value, self._clock()))

    def between(self, first: int, second: int) -> float | None:
        """Seconds from marker `first` to marker `second`, if both were written."""
        times = dict(self.marks)
        if first in times and second in times:
            return (times[second] - times[first]) / 1e9
        return None


class PortAt:
    """One register of a device, registered on a port of its own: the i8042's data (0x60)
    and command (0x64) ports have port B (0x61) between them."""

    def __init__(self, device: PortDevice, offset: int) -> None:
        self.device = device
        self.offset = offset

    def read(self, offset: int, size: int) -> int:
        return self.device.read(self.offset + offset, size)

    def write(self, offset: int, size: int, value: int) -> None:
        self.device.write(self.offset + offset, size, value)
