"""The Goldfish RTC, driven the way Linux's rtc-goldfish driver drives it."""

from __future__ import annotations

from vmforms.hypervisor.devices.rtc import (
    RTC_ALARM_HIGH,
    RTC_ALARM_LOW,
    RTC_ALARM_STATUS,
    RTC_CLEAR_ALARM,
    RTC_CLEAR_INTERRUPT,
    RTC_IRQ_ENABLED,
    RTC_TIME_HIGH,
    RTC_TIME_LOW,
    GoldfishRtc,
)

WALL = 1_764_000_000 * 10**9 + 123  # some November 2025 instant, in ns


class Board:
    def __init__(self) -> None:
        self.guest = 0
        self.irq: list[bool] = []
        self.rtc = GoldfishRtc(lambda: self.guest, self.irq.append, wall_ns=lambda: WALL)

    def read_time(self) -> int:
        low = self.rtc.read(RTC_TIME_LOW, 4)  # the driver reads low first: it latches high
        return self.rtc.read(RTC_TIME_HIGH, 4) << 32 | low

    def write64(self, high: int, low: int, value: int) -> None:
        self.rtc.write(high, 4, value >> 32)
        self.rtc.write(low, 4, value & 0xFFFFFFFF)


def test_time_starts_at_the_host_clock_and_follows_the_guest() -> None:
    board = Board()
    assert board.read_time() == WALL
    board.guest = 5 * 10**9
    assert board.read_time() == WALL + 5 * 10**9


def test_the_high_half_is_latched_by_the_low_read() -> None:
    board = Board()
    board.guest = (1 << 32) - (WALL & 0xFFFFFFFF) - 1  # low half about to wrap
    low = board.rtc.read(RTC_TIME_LOW, 4)
    board.guest += 10  # the clock carries into the high half between the two reads
    high = board.rtc.read(RTC_TIME_HIGH, 4)
    assert high << 32 | low == WALL + (1 << 32) - (WALL & 0xFFFFFFFF) - 1


def test_setting_the_time_moves_the_clock() -> None:
    board = Board()
    board.guest = 1000
    board.write64(RTC_TIME_HIGH, RTC_TIME_LOW, 86_400 * 10**9)
    assert board.read_time() == 86_400 * 10**9
    board.guest += 500
    assert board.read_time() == 86_400 * 10**9 + 500


def test_the_alarm_raises_the_line_until_cleared() -> None:
    board = Board()
    rtc = board.rtc
    board.write64(RTC_ALARM_HIGH, RTC_ALARM_LOW, WALL + 10**9)
    rtc.write(RTC_IRQ_ENABLED, 4, 1)
    assert rtc.read(RTC_ALARM_STATUS, 4) == 1
    rtc.poll()
    assert board.irq[-1] is False
    board.guest = 10**9
    rtc.poll()
    assert board.irq[-1] is True and rtc.read(RTC_ALARM_STATUS, 4) == 0
    rtc.write(RTC_CLEAR_INTERRUPT, 4, 1)
    assert board.irq[-1] is False


def test_a_cleared_alarm_never_fires() -> None:
    board = Board()
    rtc = board.rtc
    rtc.write(RTC_IRQ_ENABLED, 4, 1)
    board.write64(RTC_ALARM_HIGH, RTC_ALARM_LOW, WALL + 10)
    rtc.write(RTC_CLEAR_ALARM, 4, 1)
    board.guest = 10**9
    rtc.poll()
    assert True not in board.irq
