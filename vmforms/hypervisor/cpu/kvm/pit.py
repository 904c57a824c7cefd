"""An 8254 programmable interval timer in user space (Intel 8254 data sheet): the fallback
the KVM board uses when the kernel offers no in-kernel PIT (KVM_CREATE_PIT2), e.g. with
--irqchip none.

Ports 0x40-0x42 are counters 0-2, port 0x43 the control word (mode set, counter latch,
read-back). Port 0x61, the PC's system control port B, holds counter 2's gate and the
speaker enable, and reads back counter 2's OUT and the refresh toggle: Linux's PIT
calibration of the TSC gates counter 2 there and polls its OUT. Counter 0's OUT drives
IRQ 0.

The counters are not stepped. Each one knows the PIT clock tick (1.193182 MHz) at which it
began counting, and its count, its OUT and the number of rising OUT edges so far follow
from the clock when asked, as the data sheet's six modes describe them. The board's timer
thread (`PitTicker`) sleeps until counter 0's next rising edge and raises IRQ 0 then;
edges it finds late are one interrupt, as the 8259's one request bit per line makes them
on a PC (KVM's in-kernel PIT queues them instead).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

PIT_HZ = 1_193_182
PIT_PORT = 0x40  # counters 0-2 at 0x40-0x42, the control word at 0x43
PORT_B = 0x61
CONTROL = 3
REFRESH_NS = 15_085  # port B bit 4 toggles with each DRAM refresh request
PORT_B_GATE2 = 0x01
PORT_B_SPEAKER = 0x02
PORT_B_WRITABLE = 0x0F
PORT_B_REFRESH = 0x10
PORT_B_OUT2 = 0x20
# Control word fields.
SC_READ_BACK = 3
RW_LATCH = 0
RW_LSB = 1
RW_MSB = 2
RW_LSB_MSB = 3
READ_BACK_NO_COUNT = 0x20
READ_BACK_NO_STATUS = 0x10
STATUS_OUT = 0x80
STATUS_NULL_COUNT = 0x40
MIN_PERIOD_NS = 200_000  # the fastest IRQ 0 we raise: KVM's min_timer_period_us


def _ticks(ns: int) -> int:
    return ns * PIT_HZ // 1_000_000_000


def _ns(ticks: int) -> int:
    """The first nanosecond at which the clock has reached `ticks`."""
    return -(-ticks * 1_000_000_000 // PIT_HZ)


def _from_bcd(value: int) -> int:
    digits = [(value >> s) & 0xF for s in (12, 8, 4, 0)]
    return sum(min(d, 9) * 10**p for d, p in zip(digits, (3, 2, 1, 0), strict=True))


def _to_bcd(value: int) -> int:
    return sum(((value // 10**p) % 10) << (4 * p) for p in range(4))


class PitCounter:
    """One counter: its mode, initial count N, and when it began counting.

    `start` is the tick at which the count stood at N (None: not counting: no count
    written yet, gate low, or a one-shot not yet triggered); `held` is the clocks counted
    when a gate stopped it. `edges_base` carries OUT's rising edges of earlier countings,
    so `edges()` only grows.
    """

    def __init__(self, index: int) -> None:
        self.index = index
        self.gate = index != 2  # counters 0 and 1 are gated high; counter 2 by port B
        self.mode = 0
        self.mode_bits = 0  # as written: modes 6 and 7 are 2 and 3
        self.access = RW_LSB_MSB
        self.bcd = False
        self.count: int | None = None
        self.start: int | None = None
        self.held = 0
        self.pending: int | None = None  # a new count for modes 1, 2, 3, 5, not yet loaded
        self.reload_at = 0
        self.edges_base = 0
        self.null_count = True
        self._low: int | None = None  # the first byte of an LSB-then-MSB write
        self._read_high = False
        self._latched: list[int] = []
        self._status: int | None = None

    # Time.
    def _modulus(self) -> int:
        return 10_000 if self.bcd else 0x10000

    def _period(self) -> int:
        n = self.count or self._modulus()
        return max(n, 2) if self.mode in (2, 3) else n  # a count of 1 is illegal there

    def _settle(self, t: int) -> None:
        """Load a count written during a period of mode 2 or 3 at the period's end."""
        start, due = self.start, self.reload_at
        if self.pending is not None and start is not None and self.mode in (2, 3) and t >= due:
            self.edges_base += (due - start) // self._period()
            self.start, self.count, self.pending = due, self.pending, None

    def clocks(self, t: int) -> int:
        self._settle(t)
        return self.held if self.start is None else t - self.start

    def _edges_at(self, d: int) -> int:
        if self.count is None or (self.start is None and self.mode in (1, 2, 3, 5)):
            return 0  # not triggered, or stopped by the gate (earlier edges are in the base)
        n, mode = self._period(), self.mode
        if mode in (2, 3):
            return d // n
        if mode in (0, 1):
            return int(d >= n)
        return int(d >= n + 1)  # 4, 5: OUT low for the one clock at count 0, then high

    def edges(self, t: int) -> int:
        """Rising edges of OUT since the counter was made."""
        d = self.clocks(t)  # first: it may load a pending count into the base
        return self.edges_base + self._edges_at(d)

    def next_edge(self, t: int) -> int | None:
        """The tick of OUT's next rising edge after `t`, if one is coming."""
        d = self.clocks(t)
        if self.start is None or self.count is None:
            return None
        n = self._period()
        if self.mode in (2, 3):
            return self.start + (d // n + 1) * n
        last = n if self.mode in (0, 1) else n + 1
        return self.start + last if d < last else None

    def out(self, t: int) -> bool:
        d, mode = self.clocks(t), self.mode
        if self.count is None:
            return mode != 0  # a control word sets OUT low in mode 0, high in the others
        n = self._period()
        if mode in (2, 3) and self.start is None:
            return True  # gate low forces OUT high
        if mode in (1, 5) and self.start is None:
            return True  # waiting for a trigger
        if mode == 0 or mode == 1:
            return d >= n
        if mode == 2:
            return d % n != n - 1
        if mode == 3:
            return d % n < (n + 1) // 2
        return d != n

    def value(self, t: int) -> int:
        """The counting element, as a read or a latch sees it (binary)."""
        d, n, mode = self.clocks(t), self._period(), self.mode
        if self.count is None:
            return 0
        if self.start is None and mode in (1, 5):
            return n % self._modulus()
        if mode == 2:
            v = n - d % n
        elif mode == 3:
            # Decrements by two; an odd count spends one extra clock high, one less low.
            pos, high = d % n, (n + 1) // 2
            k, second = (pos, False) if pos < high else (pos - high, True)
            if n % 2 == 0:
                v = n - 2 * k
            elif second:
                v = n if k == 0 else n - 1 - 2 * k
            else:
                v = n if k == 0 else n + 1 - 2 * k
        else:
            v = n - d
        return v % self._modulus()

    # Programming.
    def _restart(self, t: int, *, counting: bool) -> None:
        self.edges_base = self.edges(t)
        self.start, self.held = (t if counting else None), 0

    def control(self, t: int, access: int, mode_bits: int, bcd: bool) -> None:
        self._restart(t, counting=False)
        self.access, self.mode_bits, self.bcd = access, mode_bits, bcd
        self.mode = mode_bits & 3 if mode_bits >= 6 else mode_bits
        self.count, self.pending, self.null_count = None, None, True
        self._low, self._read_high = None, False

    def write(self, t: int, value: int) -> None:
        if self.access == RW_LSB:
            self._load(t, value)
        elif self.access == RW_MSB:
            self._load(t, value << 8)
        elif self._low is None:
            self._low = value
            if self.mode == 0 and self.count is not None:
                self._restart(t, counting=False)  # the first byte stops mode 0, OUT low
        else:
            low, self._low = self._low, None
            self._load(t, low | value << 8)

    def _load(self, t: int, raw: int) -> None:
        n = _from_bcd(raw) if self.bcd else raw
        n = n or self._modulus()
        self.null_count = True
        if self.mode in (2, 3) and self.start is not None and self.count is not None:
            if self.pending is None:
                d, p = self.clocks(t), self._period()
                self.reload_at = self.start + (d // p + 1) * p
            self.pending = n  # loaded at the end of the current period
            return
        if self.mode in (1, 5) and self.count is not None:
            self.pending = n  # loaded at the next trigger
            return
        self.count = n
        if self.mode in (1, 5):
            return  # waits for a rising gate
        self._restart(t, counting=self.gate)
        self.null_count = False

    def set_gate(self, t: int, level: bool) -> None:
        if level == self.gate:
            return
        self.gate = level
        if self.count is None:
            return
        mode = self.mode
        if mode in (0, 4):
            if level:
                self.start = t - self.held  # counting resumes where it stopped
            else:
                self.held, self.start = self.clocks(t), None
        elif mode in (2, 3):
            if level:
                if self.pending is not None:
                    self.count, self.pending = self.pending, None
                self._restart(t, counting=True)
            else:
                self._restart(t, counting=False)
        elif level:  # 1, 5: a rising gate (re)triggers with the newest count
            if self.pending is not None:
                self.count, self.pending = self.pending, None
            self._restart(t, counting=True)
            self.null_count = False

    # Reading.
    def latch_count(self, t: int) -> None:
        if self._latched:
            return  # a latched count stays until it is read
        v = self.value(t)
        if self.bcd:
            v = _to_bcd(v)
        lo, hi = v & 0xFF, v >> 8 & 0xFF
        self._latched = {RW_LSB: [lo], RW_MSB: [hi]}.get(self.access, [lo, hi])

    def latch_status(self, t: int) -> None:
        if self._status is None:
            self._status = (
                (STATUS_OUT if self.out(t) else 0)
                | (STATUS_NULL_COUNT if self.null_count else 0)
                | self.access << 4 | self.mode_bits << 1 | int(self.bcd)
            )

    def read(self, t: int) -> int:
        if self._status is not None:
            status, self._status = self._status, None
            return status
        if self._latched:
            return self._latched.pop(0)
        v = self.value(t)
        if self.bcd:
            v = _to_bcd(v)
        high = self.access == RW_MSB or (self.access == RW_LSB_MSB and self._read_high)
        if self.access == RW_LSB_MSB:
            self._read_high = not self._read_high
        return v >> 8 & 0xFF if high else v & 0xFF


class Pit:
    """Three counters on ports 0x40-0x43 (offsets 0-3 of a bus registration)."""

    def __init__(self, clock: Callable[[], int] = time.monotonic_ns) -> None:
        self.clock = clock
        self.counters = [PitCounter(i) for i in range(3)]
        self.on_change: Callable[[], None] = lambda: None  # counter 0 was reprogrammed
        self.on_irq0: Callable[[], None] = lambda: None  # raise IRQ 0 (an edge of OUT 0)
        self._reported = 0

    def now(self) -> int:
        return _ticks(self.clock())

    def read(self, offset: int, size: int) -> int:
        if offset >= CONTROL:
            return 0xFF  # the control word is write-only
        return self.counters[offset].read(self.now())

    def write(self, offset: int, size: int, value: int) -> None:
        value &= 0xFF
        t = self.now()
        select, access = (offset, -1) if offset < CONTROL else (value >> 6, value >> 4 & 3)
        if select == 0 and access != RW_LATCH:
            # An edge of OUT 0 before this write reached the 8259 when it happened: raise
            # it now, before reprogramming, rather than when the timer thread looks.
            if self.take_irq0():
                self.on_irq0()
            self.on_change()
        if offset < CONTROL:
            self.counters[offset].write(t, value)
            return
        if select == SC_READ_BACK:
            for counter in self.counters:
                if value & (2 << counter.index):
                    if not value & READ_BACK_NO_STATUS:
                        counter.latch_status(t)
                    if not value & READ_BACK_NO_COUNT:
                        counter.latch_count(t)
            return
        counter = self.counters[select]
        if access == RW_LATCH:
            counter.latch_count(t)
            return
        counter.control(t, access, value >> 1 & 7, bool(value & 1))

    # IRQ 0.
    def take_irq0(self) -> bool:
        """Whether counter 0's OUT rose since the last call (IRQ 0 is edge-triggered)."""
        edges = self.counters[0].edges(self.now())
        fired, self._reported = edges > self._reported, edges
        return fired

    def next_irq0_ns(self) -> int | None:
        """The clock time of counter 0's next rising edge, if any is coming."""
        tick = self.counters[0].next_edge(self.now())
        return None if tick is None else _ns(tick)


class PortB:
    """Port 0x61: counter 2's gate and the speaker enable (written), OUT 2 and the refresh
    toggle (read)."""

    def __init__(self, pit: Pit) -> None:
        self.pit = pit
        self.latch = 0

    def read(self, offset: int, size: int) -> int:
        now = self.pit.clock()
        out2 = self.pit.counters[2].out(_ticks(now))
        refresh = (now // REFRESH_NS) & 1
        return self.latch | (PORT_B_REFRESH if refresh else 0) | (PORT_B_OUT2 if out2 else 0)

    def write(self, offset: int, size: int, value: int) -> None:
        self.latch = value & PORT_B_WRITABLE
        self.pit.counters[2].set_gate(self.pit.now(), bool(value & PORT_B_GATE2))


class PitTicker:
    """The thread that raises IRQ 0 at counter 0's rising edges, under the board's lock.

    It sleeps until the next edge, or until the guest reprograms counter 0 (`on_change`
    wakes it), and raises IRQ 0 at most once per MIN_PERIOD_NS: a guest that programs a
    count of 2 gets 5 kHz, not 600 kHz.
    """

    def __init__(self, pit: Pit, lock: threading.Lock, raise_irq0: Callable[[], None]) -> None:
        self.pit = pit
        self.lock = lock
        self.raise_irq0 = raise_irq0
        self.raised = 0
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        pit.on_change = self._wake.set
        pit.on_irq0 = self._raise

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pit", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _raise(self) -> None:
        self.raise_irq0()
        self.raised += 1

    def _run(self) -> None:
        clock = self.pit.clock
        earliest = 0
        while not self._stopping:
            self._wake.clear()
            with self.lock:
                now = clock()
                wake_at: int | None = earliest  # edges may wait: come back when allowed
                if now >= earliest:
                    if self.pit.take_irq0():
                        self._raise()
                        earliest = now + MIN_PERIOD_NS
                    due = self.pit.next_irq0_ns()
                    wake_at = None if due is None else max(due, earliest)
            if wake_at is None:
                self._wake.wait()
            else:
                self._wake.wait(max(wake_at - now, 0) / 1e9)
