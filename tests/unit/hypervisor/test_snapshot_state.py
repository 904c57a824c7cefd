"""Snapshot state of each device and of the CPU: saved, passed through JSON as a snapshot
file carries it, loaded into a fresh one, which then behaves as the original; and hostile
values refused with one clear error."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from vmforms.hypervisor.cpu.riscv import Cpu
from vmforms.hypervisor.cpu.riscv.cpu import STATE_FIELDS
from vmforms.hypervisor.devices.clint import CLINT_MTIMECMP, Clint
from vmforms.hypervisor.devices.plic import PLIC_CONTEXT_BASE, PLIC_ENABLE_BASE, Plic
from vmforms.hypervisor.devices.rtc import (
    RTC_ALARM_HIGH,
    RTC_ALARM_LOW,
    RTC_IRQ_ENABLED,
    GoldfishRtc,
)
from vmforms.hypervisor.devices.uart import (
    UART_IER,
    UART_LCR,
    UART_LSR,
    UART_RX,
    UART_SCR,
    Uart16550,
)
from vmforms.hypervisor.devices.virtio.console import RECEIVEQ, VirtioConsole
from vmforms.hypervisor.devices.virtio.mmio import VIRTIO_MMIO_QUEUE_NOTIFY, VirtioMmio
from vmforms.hypervisor.errors import SnapshotError
from vmforms.hypervisor.memory import GuestMemory
from vmforms.hypervisor.state import State, StateReader

from .devices.test_virtio_mmio_blk import Setup


def through_json(state: State, what: str = "device") -> StateReader:
    return StateReader(json.loads(json.dumps(state)), what)


def test_uart_keeps_registers_and_the_receive_fifo() -> None:
    out: list[bytes] = []
    irqs: list[bool] = []
    uart = Uart16550(out.append, irqs.append)
    uart.write(UART_LCR, 1, 0x03)
    uart.write(UART_SCR, 1, 0x5A)
    uart.write(UART_IER, 1, 0x01)
    uart.receive(b"typed")
    assert uart.read(UART_RX, 1) == ord("t")
    again = Uart16550(out.append, irqs.append)
    again.load_state(through_json(uart.save_state()))
    assert again.save_state() == uart.save_state()
    assert irqs == [True]  # loading drives no line: the PLIC's state has it
    assert again.read(UART_SCR, 1) == 0x5A and again.read(UART_LSR, 1) & 1
    assert bytes(again.read(UART_RX, 1) for _ in range(4)) == b"yped"
    assert irqs[-1] is False  # the FIFO drained: the restored device lowers its line


def test_plic_keeps_sources_and_contexts() -> None:
    lines: list[list[bool]] = [[], []]
    plic = Plic([lines[0].append, lines[1].append])
    plic.write(4 * 10, 4, 3)  # priority of source 10
    plic.write(PLIC_ENABLE_BASE + 0x80, 4, 1 << 10)  # context 1 (S mode)
    plic.write(PLIC_CONTEXT_BASE + 0x1000, 4, 1)  # threshold 1
    plic.set_level(10, True)
    assert lines[1] == [True]
    again = Plic([lines[0].append, lines[1].append])
    again.load_state(through_json(plic.save_state()))
    assert again.save_state() == plic.save_state()
    assert again.read(PLIC_CONTEXT_BASE + 0x1004, 4) == 10  # the claim finds it pending
    assert lines[1][-1] is False


def test_clint_and_rtc_keep_their_registers() -> None:
    clint = Clint(lambda: 0)
    clint.write(CLINT_MTIMECMP, 8, 12345)
    again = Clint(lambda: 0)
    again.load_state(through_json(clint.save_state()))
    assert again.mtimecmp == 12345
    irqs: list[bool] = []
    rtc = GoldfishRtc(lambda: 500, irqs.append, wall_ns=lambda: 10**18)
    rtc.write(RTC_ALARM_HIGH, 4, (10**18 + 10**9) >> 32)
    rtc.write(RTC_ALARM_LOW, 4, (10**18 + 10**9) & 0xFFFFFFFF)
    rtc.write(RTC_IRQ_ENABLED, 4, 1)
    now = [500]
    back = GoldfishRtc(lambda: now[0], irqs.append, wall_ns=lambda: 0)
    back.load_state(through_json(rtc.save_state()))
    assert back.now() == rtc.now() and back.alarm == 10**18 + 10**9 and back.irq_enabled
    now[0] = 10**9 + 500
    back.poll()
    assert irqs[-1] is True
    back.set_time(7 * 10**18)
    assert back.now() == 7 * 10**18


def test_a_virtio_transport_keeps_its_queues_and_indices() -> None:
    out: list[bytes] = []
    hvc = VirtioConsole(out.append)
    s = Setup(hvc)  # type: ignore[arg-type]
    s.start_queue()
    drv = s.drv
    drv.chain([(drv.buffer(4), 4, True)])
    hvc.receive(b"abcdef")
    s.mmio.host_notify(RECEIVEQ)
    assert drv.used() == [(0, 4)]
    state = s.mmio.save_state()
    hvc2 = VirtioConsole(out.append)
    again = VirtioMmio(drv.mem, hvc2)
    again.load_state(through_json(state, "virtio0"))
    assert again.save_state() == state
    # The restored device continues the rings where the first left them, and still holds
    # the input the driver had no buffer for.
    buf = drv.buffer(8)
    drv.chain([(buf, 8, True)])
    again.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, RECEIVEQ)
    assert drv.used() == [(0, 4), (1, 2)] and drv.mem.read(buf, 2) == b"ef"


def test_a_virtio_state_for_another_device_or_a_bad_ring_is_refused() -> None:
    s = Setup(VirtioConsole(lambda data: None))  # type: ignore[arg-type]
    s.start_queue()
    state = s.mmio.save_state()
    with pytest.raises(SnapshotError, match="another virtio device"):
        VirtioMmio(s.drv.mem, None).load_state(through_json(state))
    state["queues"][0]["ring"][1] = 0x1000  # descriptor table outside guest RAM
    fresh = VirtioMmio(s.drv.mem, VirtioConsole(lambda data: None))
    with pytest.raises(SnapshotError, match="outside guest RAM"):
        fresh.load_state(through_json(state))
    state["queues"] = [state["queues"][0]] * 1000
    with pytest.raises(SnapshotError, match="a list of 2 objects"):
        fresh.load_state(through_json(state))


RAM = 0x80000000


def make_cpu(engine: str = "interp") -> Cpu:
    return Cpu(GuestMemory(RAM, 1 << 20), _NoBus(), None, engine=engine)


class _NoBus:
    def read(self, addr: int, size: int) -> int:
        return 0

    def write(self, addr: int, size: int, value: int) -> None:
        pass


# addi x5, x5, 1; mul x6, x5, x6 (x6 starts at 3); fadd.d f1, f1, f2; csrrs x7, mscratch, x0;
# j back to the start: a loop whose registers after N instructions depend on all of them.
LOOP = [0x00128293, 0x02628333, 0x022080D3, 0x340023F3, 0xFF1FF06F]


@pytest.mark.parametrize("engine", ["interp", "translate"])
def test_the_cpu_resumes_exactly_where_it_was(engine: str) -> None:
    rng = random.Random(7)
    cpu = make_cpu(engine)
    for i, word in enumerate(LOOP):
        cpu.memory.write(RAM + 4 * i, word.to_bytes(4, "little"))
    cpu.reset(RAM, 0, 0)
    cpu.x[6] = 3
    cpu.f[1], cpu.f[2] = 0x3FF0000000000000, 0x3FF8000000000000  # 1.0, 1.5
    cpu.status |= 1 << 13  # FS on
    cpu.mscratch = rng.getrandbits(64)
    cpu.sscratch = rng.getrandbits(64)
    cpu.set_mtimecmp(1000)
    cpu.pmp_addr_write(3, 0x1234)
    cpu.run(1001)
    state = cpu.save_state()
    assert set(state) == set(STATE_FIELDS)
    twin = make_cpu(engine)
    twin.memory.data[:] = cpu.memory.data
    twin.load_state(through_json(state, "cpu"))
    assert twin.save_state() == state
    cpu.run(20_000)
    twin.run(20_000)
    assert twin.save_state() == cpu.save_state()
    assert cpu.mip & (1 << 7)  # the machine timer fired in both, at the same instruction


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"priv": 2}, "privilege 2"),
        ({"pc": -1}, "'pc' is not an integer"),
        ({"pc": True}, "'pc' is not an integer"),
        ({"x": [0] * 31}, "'x' is not a list of 32"),
        ({"x": [1 << 64] * 32}, "'x' is not a list of 32"),
        ({"_idle": 1 << 200}, "'_idle'"),
        ({"halted": 1}, "'halted' is not true or false"),
    ],
)
def test_hostile_cpu_state_is_refused_and_changes_nothing(
    change: dict[str, Any], message: str
) -> None:
    cpu = make_cpu()
    state = cpu.save_state()
    before = dict(state)
    state.update(change)
    with pytest.raises(SnapshotError, match=message):
        cpu.load_state(through_json(state, "cpu"))
    assert cpu.save_state() == before


def test_state_reader_bounds_every_field() -> None:
    with pytest.raises(SnapshotError, match="not an object"):
        StateReader([1, 2], "cpu")
    reader = StateReader({"rx": "zz", "big": "00" * 5000, "n": None}, "uart0")
    with pytest.raises(SnapshotError, match="'rx' is not a hex string"):
        reader.blob("rx", 10)
    with pytest.raises(SnapshotError, match="at most 4096 bytes"):
        reader.blob("big", 4096)
    with pytest.raises(SnapshotError, match="'missing' is missing"):
        reader.number("missing")
    assert reader.maybe_number("n") is None
    uart = Uart16550(lambda data: None)
    bad = uart.save_state() | {"rx": "41" * 5000}
    with pytest.raises(SnapshotError, match="uart0: 'rx'"):
        uart.load_state(StateReader(bad, "uart0"))
