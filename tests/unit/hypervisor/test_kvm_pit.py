"""The user-space 8254 the KVM board falls back to, mode by mode as the Intel 8254 data
sheet describes them, programmed the way Linux's i8253 clockevent and its PIT calibration
of the TSC program it. Time is a fake clock set to exact PIT ticks."""

from __future__ import annotations

import threading
import time

from vmforms.hypervisor.cpu.kvm.pic import PicPair
from vmforms.hypervisor.cpu.kvm.pit import (
    MIN_PERIOD_NS,
    PIT_HZ,
    PORT_B_GATE2,
    PORT_B_OUT2,
    Pit,
    PitTicker,
    PortB,
)

CONTROL = 3
LATCH = 1193  # Linux's PIT_LATCH for HZ=1000


class Clock:
    def __init__(self) -> None:
        self.ns = 10**9  # not zero: counting must not depend on where the clock starts
        self.base = self.ns * PIT_HZ // 10**9

    def at(self, ticks: int) -> None:
        """Move to `ticks` PIT clocks after the start."""
        self.ns = -(-(self.base + ticks) * 10**9 // PIT_HZ)

    def __call__(self) -> int:
        return self.ns


def pit() -> tuple[Pit, Clock]:
    clock = Clock()
    return Pit(clock), clock


def load16(p: Pit, counter: int, value: int) -> None:
    p.write(counter, 1, value & 0xFF)
    p.write(counter, 1, value >> 8)


def latched(p: Pit, counter: int) -> int:
    p.write(CONTROL, 1, counter << 6)  # counter latch command
    return p.read(counter, 1) | p.read(counter, 1) << 8


def test_mode_2_rate_generator_is_linux_periodic_tick() -> None:
    p, clock = pit()
    p.write(CONTROL, 1, 0x34)  # counter 0, LSB then MSB, mode 2, binary
    load16(p, 0, LATCH)
    c0 = p.counters[0]
    assert not p.take_irq0()
    assert p.next_irq0_ns() == -(-(clock.base + LATCH) * 10**9 // PIT_HZ)
    clock.at(LATCH - 1)
    assert latched(p, 0) == 1 and not c0.out(p.now())  # OUT low at 1
    assert not p.take_irq0()
    clock.at(LATCH)
    assert latched(p, 0) == LATCH and c0.out(p.now())  # reloaded, OUT high: the edge
    assert p.take_irq0() and not p.take_irq0()
    clock.at(LATCH * 11 + 5)  # ten periods late: one request, as the 8259 keeps one bit
    assert p.take_irq0() and not p.take_irq0()
    assert latched(p, 0) == LATCH - 5


def test_mode_2_new_count_waits_for_the_end_of_the_period() -> None:
    p, clock = pit()
    p.write(CONTROL, 1, 0x34)
    load16(p, 0, 1000)
    clock.at(400)
    load16(p, 0, 100)
    assert latched(p, 0) == 600  # still the old period
    clock.at(1000)
    assert p.take_irq0()
    assert latched(p, 0) == 100
    clock.at(1100)
    assert p.take_irq0() and latched(p, 0) == 100
    clock.at(1150)
    assert latched(p, 0) == 50


def test_mode_0_interrupt_on_terminal_count_then_wraps() -> None:
    p, clock = pit()
    p.write(CONTROL, 1, 0x30)  # mode 0: Linux's shutdown state
    c0 = p.counters[0]
    assert not c0.out(p.now())  # the control word sets OUT low
    load16(p, 0, 500)
    clock.at(499)
    assert not c0.out(p.now()) and latched(p, 0) == 1
    assert not p.take_irq0()
    clock.at(500)
    assert c0.out(p.now()) and p.take_irq0()
    assert p.next_irq0_ns() is None
    clock.at(502)
    assert latched(p, 0) == 0xFFFE and c0.out(p.now())  # counts on, OUT stays high
    clock.at(500 + 0x10000 * 3)
    assert not p.take_irq0()  # one edge only


def test_mode_0_first_byte_stops_counting() -> None:
    p, clock = pit()
    p.write(CONTROL, 1, 0x30)
    load16(p, 0, 300)
    clock.at(100)
    p.write(0, 1, 0x50)  # first byte of a new count
    clock.at(1000)
    assert not p.counters[0].out(p.now()) and not p.take_irq0()  # stopped, OUT low
    p.write(0, 1, 0x00)  # 0x0050 = 80, from now
    clock.at(1079)
    assert not p.take_irq0()
    clock.at(1080)
    assert p.take_irq0()


def test_mode_4_software_strobe_is_linux_oneshot() -> None:
    p, clock = pit()
    p.write(CONTROL, 1, 0x38)  # Linux's pit_set_oneshot
    c0 = p.counters[0]
    assert c0.out(p.now())  # mode 4 starts high
    load16(p, 0, 200)  # pit_next_event
    assert p.next_irq0_ns() == -(-(clock.base + 201) * 10**9 // PIT_HZ)
    clock.at(200)
    assert not c0.out(p.now()) and latched(p, 0) == 0  # low for the one clock at 0
    assert not p.take_irq0()
    clock.at(201)
    assert c0.out(p.now()) and p.take_irq0()
    clock.at(201 + 0x30000)
    assert not p.take_irq0() and p.next_irq0_ns() is None  # no second strobe
    load16(p, 0, 10)  # a new count restarts it
    clock.at(201 + 0x30000 + 11)
    assert p.take_irq0()


def test_mode_3_square_wave_even_and_odd() -> None:
    p, clock = pit()
    p.write(CONTROL, 1, 0x36)  # mode 3
    load16(p, 0, 6)
    c0 = p.counters[0]
    outs, values = [], []
    for tick in range(12):
        clock.at(tick)
        outs.append(c0.out(p.now()))
        values.append(c0.value(p.now()))
    assert outs == [True] * 3 + [False] * 3 + [True] * 3 + [False] * 3
    assert values == [6, 4, 2] * 4  # decrements by two, reloads each half
    assert p.take_irq0()  # the rise at tick 6
    p.write(CONTROL, 1, 0x36)
    start = 100
    clock.at(start)
    load16(p, 0, 5)
    outs, values = [], []
    for tick in range(10):
        clock.at(start + tick)
        outs.append(c0.out(p.now()))
        values.append(c0.value(p.now()))
    # Odd: high (N+1)/2 clocks, low (N-1)/2; first clock -1 then -2; low half -3 then -2.
    assert outs == [True] * 3 + [False] * 2 + [True] * 3 + [False] * 2
    assert values == [5, 4, 2, 5, 2] * 2


def test_read_back_status_and_count() -> None:
    p, clock = pit()
    p.write(CONTROL, 1, 0xB0)  # counter 2, LSB then MSB, mode 0
    p.write(CONTROL, 1, 0xE8)  # read-back: status of counter 2
    assert p.read(2, 1) == 0x40 | 0x30  # OUT low, null count, LSB+MSB, mode 0, binary
    p.write(2, 1, 0x34)  # counter 2 count 0x1234 (gate is low)
    p.write(2, 1, 0x12)
    p.write(CONTROL, 1, 0xC8)  # read-back: count and status of counter 2
    assert p.read(2, 1) == 0x30  # status first: count loaded
    assert [p.read(2, 1), p.read(2, 1)] == [0x34, 0x12]
    p.write(CONTROL, 1, 0x74)  # counter 1, mode 2
    p.write(CONTROL, 1, 0x54)  # counter 1, LSB only: a fresh control word
    p.write(1, 1, 18)  # Linux's old DRAM refresh count
    clock.at(5)
    p.write(CONTROL, 1, 0xD4)  # count only, counter 1
    assert p.read(1, 1) == 13
    p.write(CONTROL, 1, 0xE4)  # status only
    assert p.read(1, 1) == 0x80 | 0x10 | 0x04  # OUT high, LSB, mode 2


def test_latch_holds_until_read_and_live_reads_alternate() -> None:
    p, clock = pit()
    p.write(CONTROL, 1, 0x34)
    load16(p, 0, 0x1000)
    p.write(CONTROL, 1, 0x00)
    clock.at(0x100)
    p.write(CONTROL, 1, 0x00)  # a second latch before reading is ignored
    assert p.read(0, 1) == 0x00 and p.read(0, 1) == 0x10
    assert p.read(0, 1) == 0x00 and p.read(0, 1) == 0x0F  # live: 0x0F00
    assert p.read(CONTROL, 1) == 0xFF


def test_bcd_counting() -> None:
    p, clock = pit()
    p.write(CONTROL, 1, 0x31)  # mode 0, BCD
    load16(p, 0, 0x0100)  # 100 decimal
    clock.at(1)
    assert latched(p, 0) == 0x0099
    clock.at(100)
    assert p.take_irq0()
    clock.at(101)
    assert latched(p, 0) == 0x9999  # wraps within four decades


def test_port_b_gates_counter_2_as_linux_calibration_does() -> None:
    p, clock = pit()
    port_b = PortB(p)
    port_b.write(0, 1, PORT_B_GATE2)  # gate on, speaker off (pit_calibrate_tsc)
    p.write(CONTROL, 1, 0xB0)  # counter 2, mode 0
    load16(p, 2, 1000)
    clock.at(999)
    assert not port_b.read(0, 1) & PORT_B_OUT2
    assert port_b.read(0, 1) & PORT_B_GATE2
    clock.at(1000)
    assert port_b.read(0, 1) & PORT_B_OUT2
    assert not p.take_irq0()  # counter 2 is not wired to IRQ 0
    # Gate low suspends mode 0; counting resumes where it stopped.
    p.write(CONTROL, 1, 0xB0)
    load16(p, 2, 100)
    clock.at(1040)
    port_b.write(0, 1, 0)
    clock.at(5000)
    assert latched(p, 2) == 60
    port_b.write(0, 1, PORT_B_GATE2)
    clock.at(5059)
    assert not port_b.read(0, 1) & PORT_B_OUT2
    clock.at(5060)
    assert port_b.read(0, 1) & PORT_B_OUT2


def test_port_b_refresh_toggles() -> None:
    p, clock = pit()
    port_b = PortB(p)
    seen = set()
    for step in range(4):
        clock.ns = step * 15_085
        seen.add(port_b.read(0, 1) & 0x10)
    assert seen == {0, 0x10}


def test_mode_1_retriggerable_one_shot_on_the_gate() -> None:
    p, clock = pit()
    port_b = PortB(p)
    p.write(CONTROL, 1, 0xB2)  # counter 2, mode 1
    load16(p, 2, 50)
    c2 = p.counters[2]
    clock.at(500)
    assert c2.out(p.now())  # waits for a trigger
    port_b.write(0, 1, PORT_B_GATE2)
    clock.at(520)
    assert not c2.out(p.now())
    port_b.write(0, 1, 0)
    port_b.write(0, 1, PORT_B_GATE2)  # retrigger at 520: another 50
    clock.at(569)
    assert not c2.out(p.now())
    clock.at(570)
    assert c2.out(p.now())


def test_pic_takes_the_pulse_until_acknowledged() -> None:
    pic = PicPair()
    for chip, base, icw3 in ((pic.master, 0x20, 0x04), (pic.slave, 0x28, 0x02)):
        for offset, value in ((0, 0x11), (1, base), (1, icw3), (1, 0x01)):
            chip.write(offset, 1, value)
    pic.pulse(0)
    assert pic.pending() and pic.acknowledge() == 0x20
    pic.pulse(0)
    assert not pic.pending()  # IRQ 0 in service until EOI
    pic.master.write(0, 1, 0x20)
    assert pic.acknowledge() == 0x20


def test_ticker_raises_irq0_on_time_and_no_faster_than_its_floor() -> None:
    lock = threading.Lock()
    p = Pit()
    raised: list[int] = []
    ticker = PitTicker(p, lock, lambda: raised.append(time.monotonic_ns()))
    ticker.start()
    try:
        with lock:
            p.write(CONTROL, 1, 0x34)
            load16(p, 0, 11932)  # 100 Hz
        time.sleep(0.105)
        with lock:
            count = len(raised)
            p.write(CONTROL, 1, 0x34)
            load16(p, 0, 2)  # 600 kHz asked for
        assert 5 <= count <= 11
        time.sleep(0.05)
        with lock:
            p.write(CONTROL, 1, 0x30)  # stopped: mode 0 without a count
            fast = len(raised) - count
        assert 0 < fast <= 0.05 * 1e9 / MIN_PERIOD_NS + 2
        time.sleep(0.01)  # an edge found just before the control word may still come
        after = len(raised)
        time.sleep(0.03)
        assert len(raised) == after
    finally:
        ticker.stop()
    assert ticker._thread is None
