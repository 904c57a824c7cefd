"""virtio-net: frames cross between the rings and the host link with the 12-byte header,
host frames wait (bounded) for receive buffers, and misuse is a driver error; the /30 plan
and the TAP helpers refuse what they should."""

from __future__ import annotations

import ipaddress
import os
import select
import socket
import struct
import time
from collections import deque
from pathlib import Path

import pytest

from vmforms.hypervisor.devices.virtio.mmio import (
    VIRTIO_CONFIG_S_NEEDS_RESET,
    VIRTIO_MMIO_CONFIG,
    VIRTIO_MMIO_DEVICE_ID,
    VIRTIO_MMIO_QUEUE_NOTIFY,
    VIRTIO_MMIO_STATUS,
)
from vmforms.hypervisor.devices.virtio.net import (
    MAX_BACKLOG,
    RECEIVEQ,
    TRANSMITQ,
    VIRTIO_NET_F_MAC,
    VIRTIO_NET_HDR_SIZE,
    NetPlan,
    VirtioNet,
    plan_subnet,
)
from vmforms.hypervisor.devices.virtio.queue import Virtqueue, VirtqueueError
from vmforms.hypervisor.errors import GuestMemoryError, HypervisorError
from vmforms.hypervisor.machine import VIRT_VIRTIO, DiskSpec, Machine, MachineConfig
from vmforms.linux.tap import open_tap, set_interface_sysctl

from .devices.test_virtio_mmio_blk import Setup
from .devices.virtio_driver import AVAIL, DESC, USED

MAC = bytes.fromhex("525400d50002")
FRAME = bytes.fromhex("ffffffffffff" "525400d50002" "0806") + bytes(range(46))


class FakeLink:
    """Frames in memory; `wait` selects on a pipe."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.incoming: deque[bytes] = deque()
        self._r, self._w = os.pipe()

    def send(self, frame: bytes) -> None:
        self.sent.append(frame)

    def recv(self) -> bytes | None:
        return self.incoming.popleft() if self.incoming else None

    def wait(self, timeout: float) -> None:
        select.select([self._r], [], [], timeout)

    def close(self) -> None:
        os.close(self._r)
        os.close(self._w)


@pytest.fixture
def link() -> FakeLink:
    fake = FakeLink()
    yield fake  # type: ignore[misc]
    fake.close()


def make(link: FakeLink) -> tuple[Setup, VirtioNet]:
    net = VirtioNet(link, MAC)
    s = Setup(net)  # type: ignore[arg-type]
    s.start_queue()  # queue 0: receiveq1
    return s, net


def txq(s: Setup) -> Virtqueue:
    return Virtqueue(s.drv.mem, s.drv.size, DESC, AVAIL, USED)


def test_identity_features_and_mac(link: FakeLink) -> None:
    s, _ = make(link)
    assert s.mmio.read(VIRTIO_MMIO_DEVICE_ID, 4) == 1
    assert s.device_features() & VIRTIO_NET_F_MAC
    mac = bytes(s.mmio.read(VIRTIO_MMIO_CONFIG + i, 1) for i in range(6))
    assert mac == MAC
    assert s.mmio.read(VIRTIO_MMIO_CONFIG + 4, 2) == 0x0200  # little-endian halves
    s.mmio.write(VIRTIO_MMIO_CONFIG, 1, 0xFF)  # the MAC is read-only
    assert s.mmio.read(VIRTIO_MMIO_CONFIG, 1) == 0x52
    assert s.mmio.read(VIRTIO_MMIO_CONFIG + 0x40, 4) == 0  # beyond the config: zero


def test_multicast_mac_refused(link: FakeLink) -> None:
    with pytest.raises(HypervisorError, match="unicast"):
        VirtioNet(link, bytes.fromhex("010000000001"))


def test_transmit_strips_the_header_across_descriptors(link: FakeLink) -> None:
    s, net = make(link)
    drv = s.drv
    hdr = bytes(VIRTIO_NET_HDR_SIZE)
    drv.chain([(drv.buffer(hdr + FRAME[:20]), 32, False), (drv.buffer(FRAME[20:]), 40, False)])
    assert net.process(TRANSMITQ, txq(s)) is True
    assert link.sent == [FRAME]
    assert drv.used() == [(0, 0)] and net.tx_frames == 1


def test_a_runt_frame_is_dropped_not_sent(link: FakeLink) -> None:
    s, net = make(link)
    drv = s.drv
    drv.chain([(drv.buffer(bytes(VIRTIO_NET_HDR_SIZE + 4)), VIRTIO_NET_HDR_SIZE + 4, False)])
    assert net.process(TRANSMITQ, txq(s)) is True
    assert link.sent == [] and net.dropped == 1 and drv.used() == [(0, 0)]


def test_a_writable_transmit_buffer_is_a_driver_error(link: FakeLink) -> None:
    s, net = make(link)
    drv = s.drv
    drv.chain([(drv.buffer(64), 64, True)])
    with pytest.raises(VirtqueueError, match="writable"):
        net.process(TRANSMITQ, txq(s))
    assert link.sent == []


def test_a_read_only_receive_buffer_is_a_driver_error(link: FakeLink) -> None:
    s, net = make(link)
    drv = s.drv
    drv.chain([(drv.buffer(b"x" * 64), 64, False)])
    link.incoming.append(FRAME)
    net.pull()
    s.mmio.host_notify(RECEIVEQ)
    assert s.mmio.read(VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_NEEDS_RESET
    assert drv.used() == []


def test_host_frames_wait_for_buffers_then_fill_them(link: FakeLink) -> None:
    s, net = make(link)
    drv = s.drv
    link.incoming.extend([FRAME, FRAME[::-1]])
    assert net.pull() == 2
    s.mmio.host_notify(RECEIVEQ)  # no buffers posted yet: kept
    assert drv.used() == [] and len(net.backlog) == 2
    buf = drv.buffer(1526)
    drv.chain([(buf, 1526, True)])
    s.mmio.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, RECEIVEQ)
    size = VIRTIO_NET_HDR_SIZE + len(FRAME)
    assert drv.used() == [(0, size)]
    hdr = drv.mem.read(buf, VIRTIO_NET_HDR_SIZE)
    assert struct.unpack("<BBHHHHH", hdr) == (0, 0, 0, 0, 0, 0, 1)  # num_buffers = 1
    assert drv.mem.read(buf + VIRTIO_NET_HDR_SIZE, len(FRAME)) == FRAME
    assert s.irqs[-1] is True and len(net.backlog) == 1 and net.rx_frames == 1


def test_a_frame_larger_than_the_buffer_is_dropped_and_the_buffer_kept(
    link: FakeLink,
) -> None:
    s, net = make(link)
    drv = s.drv
    buf = drv.buffer(64)
    drv.chain([(buf, 64, True)])
    link.incoming.extend([bytes(100), FRAME[:40]])
    net.pull()
    s.mmio.host_notify(RECEIVEQ)
    assert net.dropped == 1
    assert drv.used() == [(0, VIRTIO_NET_HDR_SIZE + 40)]  # the same buffer, next frame
    assert drv.mem.read(buf + VIRTIO_NET_HDR_SIZE, 40) == FRAME[:40]


def test_the_backlog_is_bounded_and_reset_drops_it(link: FakeLink) -> None:
    _, net = make(link)
    link.incoming.extend(FRAME for _ in range(MAX_BACKLOG + 10))
    while net.pull():
        pass
    assert len(net.backlog) == MAX_BACKLOG and net.dropped == 10
    net.reset()
    assert net.backlog == []


def test_wait_returns_when_a_frame_is_readable() -> None:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with a, b:
        net = VirtioNet(_SocketLink(a), MAC)
        start = time.monotonic()
        net.wait(0.05)  # nothing to read: the full wait
        assert time.monotonic() - start >= 0.04
        b.send(FRAME)
        start = time.monotonic()
        net.wait(5.0)
        assert time.monotonic() - start < 1.0
        assert net.pull() == 1 and net.backlog == [FRAME]


class _SocketLink:
    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self.sock = sock

    def send(self, frame: bytes) -> None:
        self.sock.send(frame)

    def recv(self) -> bytes | None:
        try:
            return self.sock.recv(65536)
        except BlockingIOError:
            return None

    def wait(self, timeout: float) -> None:
        select.select([self.sock], [], [], timeout)


def test_plan_takes_the_first_free_30() -> None:
    plan = plan_subnet([])
    assert str(plan.host) == "10.213.0.1/30" and str(plan.guest) == "10.213.0.2/30"
    taken = [ipaddress.IPv4Network("10.213.0.0/30"), ipaddress.IPv4Network("10.213.0.4/31")]
    plan = plan_subnet(taken)
    assert str(plan.host) == "10.213.0.9/30"
    assert plan.guest_parameter() == "vmforms_net=10.213.0.10/30,10.213.0.9"
    assert plan.mac == bytes.fromhex("525400d5000a")
    with pytest.raises(HypervisorError, match="in use"):
        plan_subnet([ipaddress.IPv4Network("10.0.0.0/8")])


def test_two_plans_never_share_a_mac() -> None:
    macs = {NetPlan(ipaddress.IPv4Interface(f"10.213.{i}.{j + 1}/30"),
                    ipaddress.IPv4Interface(f"10.213.{i}.{j + 2}/30")).mac
            for i in range(4) for j in range(0, 256, 4)}
    assert len(macs) == 4 * 64


def test_tap_helpers_refuse_names_that_escape() -> None:
    for bad in ("../../x", "a/b", "..", ""):
        with pytest.raises(OSError, match="invalid"):
            set_interface_sysctl("ipv4", bad, "forwarding", "0")
    with pytest.raises(OSError, match="invalid"):
        set_interface_sysctl("../ipv4", "lo", "forwarding", "0")
    with pytest.raises(OSError, match="invalid"):
        open_tap("a-name-far-too-long%d")


def test_snapshot_keeps_the_mac_and_drops_frames_in_flight(link: FakeLink) -> None:
    from vmforms.hypervisor.errors import SnapshotError
    from vmforms.hypervisor.state import StateReader

    s, net = make(link)
    link.incoming.append(FRAME)
    net.pull()
    state = s.mmio.save_state()
    assert state["device"] == {"mac": MAC.hex()}
    other = VirtioNet(link, bytes.fromhex("525400000001"))
    restored = Setup(other)  # type: ignore[arg-type]
    other.backlog.append(FRAME)
    restored.mmio.load_state(StateReader(state, "virtio5"))
    assert other.mac == MAC and other.backlog == []
    assert bytes(restored.mmio.read(VIRTIO_MMIO_CONFIG + i, 1) for i in range(6)) == MAC
    with pytest.raises(SnapshotError, match="mac"):
        other.load_state(StateReader({"mac": "01" * 6}, "virtio5"))


def _board(tmp_path: Path, link: FakeLink, disks: int = 0) -> Machine:
    from .boot.fake_cpu import FakeCpu
    from .boot.test_virt_machine import kernel_file

    specs = []
    for i in range(disks):
        (tmp_path / f"d{i}").write_bytes(bytes(512))
        specs.append(DiskSpec(tmp_path / f"d{i}"))
    cfg = MachineConfig(kernel=kernel_file(tmp_path), cmdline="", disks=tuple(specs))
    return Machine(cfg, lambda _: None, cpu_factory=FakeCpu, net=VirtioNet(link, MAC))


def test_the_board_puts_the_network_after_the_disks(tmp_path: Path, link: FakeLink) -> None:
    m = _board(tmp_path, link, disks=2)
    ids = [m.bus.read(VIRT_VIRTIO + slot * 0x1000 + VIRTIO_MMIO_DEVICE_ID, 4) for slot in range(8)]
    assert ids == [2, 2, 1, 0, 0, 0, 3, 4]
    assert m.cpu.host_paced is True  # type: ignore[attr-defined]
    m.close()
    with pytest.raises(GuestMemoryError, match="5 virtio slots for disks beside the network"):
        _board(tmp_path, link, disks=6)


def test_console_input_reaches_the_uart_and_hvc0(tmp_path: Path, link: FakeLink) -> None:
    from vmforms.cli.vm import _console_input

    m = _board(tmp_path, link)
    _console_input(m)(b"ls\r")
    assert m.uart.take(16) == b"ls\r"
    assert m.hvc.has_input
    m.close()


def test_the_kvm_board_announces_only_populated_slots() -> None:
    from vmforms.hypervisor.cpu.kvm.machine import virtio_cmdline

    assert virtio_cmdline([0, 6]) == (
        "virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0006000:11"
    )
    assert virtio_cmdline(1) == "virtio_mmio.device=4K@0xd0000000:5"
