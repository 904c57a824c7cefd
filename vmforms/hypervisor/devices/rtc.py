"""The Goldfish real-time clock of QEMU's virt board (google,goldfish-rtc; Android emulator
docs GOLDFISH-VIRTUAL-HARDWARE.TXT, Linux drivers/rtc/rtc-goldfish.c).

Time is nanoseconds since the Unix epoch. It starts at the host's wall clock when the
board is made and then follows the guest's own clock (the CPU's instruction count), so a
guest sees the real date and, within a run, a clock as deterministic as its timer. Reading
TIME_LOW latches the high half for the TIME_HIGH read that follows; writing TIME_LOW sets
the clock from it and the TIME_HIGH written before. One alarm raises the IRQ line once the
clock passes it, noticed when the board polls the device between CPU slices.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from vmforms.hypervisor.devices import IrqLine
from vmforms.hypervisor.state import State, StateReader

RTC_TIME_LOW = 0x00
RTC_TIME_HIGH = 0x04
RTC_ALARM_LOW = 0x08
RTC_ALARM_HIGH = 0x0C
RTC_IRQ_ENABLED = 0x10
RTC_CLEAR_ALARM = 0x14
RTC_ALARM_STATUS = 0x18
RTC_CLEAR_INTERRUPT = 0x1C
RTC_SIZE = 0x1000
NSEC_PER_SEC = 1_000_000_000
U32 = 0xFFFFFFFF


class GoldfishRtc:
    """`guest_ns()` is the guest's own clock in nanoseconds since the board started."""

    def __init__(
        self,
        guest_ns: Callable[[], int],
        irq: IrqLine,
        *,
        wall_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self._guest_ns = guest_ns
        self._irq = irq
        self._offset = wall_ns()  # epoch nanoseconds at guest time 0
        self._time_high = 0  # latched by a TIME_LOW read, or written before a TIME_LOW write
        self._alarm_high = 0
        self.alarm: int | None = None  # epoch nanoseconds, while armed
        self.irq_enabled = False
        self.irq_pending = False

    def now(self) -> int:
        return self._offset + self._guest_ns()

    def read(self, offset: int, size: int) -> int:
        if offset == RTC_TIME_LOW:
            now = self.now()
            self._time_high = now >> 32
            return now & U32
        if offset == RTC_TIME_HIGH:
            return self._time_high & U32
        if offset == RTC_ALARM_LOW:
            return (self.alarm or 0) & U32
        if offset == RTC_ALARM_HIGH:
            return ((self.alarm or 0) >> 32) & U32
        if offset == RTC_IRQ_ENABLED:
            return int(self.irq_enabled)
        if offset == RTC_ALARM_STATUS:
            return int(self.alarm is not None)
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        value &= U32
        if offset == RTC_TIME_HIGH:
            self._time_high = value
        elif offset == RTC_TIME_LOW:
            self._offset = (self._time_high << 32 | value) - self._guest_ns()
        elif offset == RTC_ALARM_HIGH:
            self._alarm_high = value
        elif offset == RTC_ALARM_LOW:
            self.alarm = self._alarm_high << 32 | value
            self.poll()
        elif offset == RTC_IRQ_ENABLED:
            self.irq_enabled = bool(value & 1)
            self._update()
        elif offset == RTC_CLEAR_ALARM:
            self.alarm = None
        elif offset == RTC_CLEAR_INTERRUPT:
            self.irq_pending = False
            self._update()

    def poll(self) -> None:
        """Fire the alarm once the clock has passed it."""
        if self.alarm is not None and self.now() >= self.alarm:
            self.alarm = None
            self.irq_pending = True
            self._update()

    # Snapshots.
    def save_state(self) -> State:
        return {
            "offset": self._offset, "time_high": self._time_high,
            "alarm_high": self._alarm_high, "alarm": self.alarm,
            "irq_enabled": self.irq_enabled, "irq_pending": self.irq_pending,
        }

    def load_state(self, state: StateReader) -> None:
        offset = state.number("offset", -(1 << 64), 1 << 64)
        high, alarm_high = state.number("time_high", 0, U32), state.number("alarm_high", 0, U32)
        alarm = state.maybe_number("alarm")
        enabled, pending = state.flag("irq_enabled"), state.flag("irq_pending")
        self._offset, self._time_high, self._alarm_high = offset, high, alarm_high
        self.alarm, self.irq_enabled, self.irq_pending = alarm, enabled, pending

    def set_time(self, epoch_ns: int) -> None:
        """Set the clock, as a battery-backed clock reads after the machine was off."""
        self._offset = epoch_ns - self._guest_ns()

    def _update(self) -> None:
        self._irq(self.irq_pending and self.irq_enabled)
