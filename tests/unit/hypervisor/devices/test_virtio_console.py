"""virtio-console (one port): the guest's output reaches the console, host input waits for
the driver's buffers and then fills them, and misuse is a driver error."""

from __future__ import annotations

from vmforms.hypervisor.devices.virtio.console import (
    MAX_PENDING_INPUT,
    RECEIVEQ,
    TRANSMITQ,
    VirtioConsole,
)
from vmforms.hypervisor.devices.virtio.mmio import (
    VIRTIO_CONFIG_S_NEEDS_RESET,
    VIRTIO_MMIO_DEVICE_ID,
    VIRTIO_MMIO_QUEUE_NOTIFY,
    VIRTIO_MMIO_STATUS,
)
from vmforms.hypervisor.devices.virtio.queue import Virtqueue

from .test_virtio_mmio_blk import Setup
from .virtio_driver import AVAIL, DESC, USED


def make() -> tuple[Setup, VirtioConsole, list[bytes]]:
    out: list[bytes] = []
    hvc = VirtioConsole(out.append)
    s = Setup(hvc)  # type: ignore[arg-type]
    s.start_queue()  # queue 0: receiveq
    return s, hvc, out


def test_output_goes_to_the_console() -> None:
    out: list[bytes] = []
    hvc = VirtioConsole(out.append)
    s = Setup(hvc)  # type: ignore[arg-type]
    assert s.mmio.read(VIRTIO_MMIO_DEVICE_ID, 4) == 3
    assert hvc.process(TRANSMITQ, _queue(s)) is False  # nothing queued yet
    drv = s.drv
    drv.chain([(drv.buffer(b"hello "), 6, False), (drv.buffer(b"hvc0\n"), 5, False)])
    assert hvc.process(TRANSMITQ, _queue(s)) is True
    assert out == [b"hello hvc0\n"]
    assert drv.used() == [(0, 0)]


def test_input_waits_for_buffers_then_fills_them() -> None:
    s, hvc, _ = make()
    drv = s.drv
    hvc.receive(b"typed")
    s.mmio.host_notify(RECEIVEQ)  # no buffers posted yet: kept
    assert drv.used() == [] and hvc.has_input
    buf = drv.buffer(4)
    drv.chain([(buf, 4, True)])
    s.mmio.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, RECEIVEQ)
    assert drv.used() == [(0, 4)] and drv.mem.read(buf, 4) == b"type"
    buf2 = drv.buffer(16)
    drv.chain([(buf2, 16, True)])
    s.mmio.host_notify(RECEIVEQ)
    assert drv.used()[-1] == (1, 1) and drv.mem.read(buf2, 1) == b"d"
    assert not hvc.has_input


def test_input_nobody_reads_is_bounded() -> None:
    _, hvc, _ = make()
    hvc.receive(b"x" * (MAX_PENDING_INPUT + 100))
    hvc.receive(b"more")
    assert len(hvc._input) == MAX_PENDING_INPUT


def test_a_read_only_receive_buffer_is_a_driver_error() -> None:
    s, hvc, _ = make()
    drv = s.drv
    drv.chain([(drv.buffer(b"ro"), 2, False)])
    hvc.receive(b"in")
    s.mmio.host_notify(RECEIVEQ)
    assert s.mmio.read(VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_NEEDS_RESET


def _queue(s: Setup) -> Virtqueue:
    """A view of the driver's rings, as the transport would build for the transmit queue."""
    return Virtqueue(s.drv.mem, s.drv.size, DESC, AVAIL, USED)
