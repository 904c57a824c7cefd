"""virtio-rng: buffers filled from os.urandom, bounded, and misuse is a driver error."""

from __future__ import annotations

from vmforms.hypervisor.devices.virtio.mmio import (
    VIRTIO_CONFIG_S_NEEDS_RESET,
    VIRTIO_MMIO_DEVICE_ID,
    VIRTIO_MMIO_QUEUE_NOTIFY,
    VIRTIO_MMIO_STATUS,
)
from vmforms.hypervisor.devices.virtio.rng import MAX_REQUEST, VirtioRng

from .test_virtio_mmio_blk import Setup


def test_buffers_come_back_full_of_random_bytes() -> None:
    s = Setup(VirtioRng())  # type: ignore[arg-type]
    assert s.mmio.read(VIRTIO_MMIO_DEVICE_ID, 4) == 4
    s.start_queue()
    drv = s.drv
    a, b = drv.buffer(64), drv.buffer(32)
    drv.chain([(a, 64, True), (b, 32, True)])
    s.mmio.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0)
    assert drv.used() == [(0, 96)]
    first, second = drv.mem.read(a, 64), drv.mem.read(b, 32)
    assert first != bytes(64) and second != bytes(32) and first[:32] != second
    assert s.irqs[-1] is True


def test_a_huge_buffer_is_served_in_part() -> None:
    s = Setup(VirtioRng())  # type: ignore[arg-type]
    s.start_queue()
    drv = s.drv
    big = drv.buffer(2 * MAX_REQUEST)
    drv.chain([(big, 2 * MAX_REQUEST, True)])
    s.mmio.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0)
    assert drv.used() == [(0, MAX_REQUEST)]
    assert drv.mem.read(big + MAX_REQUEST, 16) == bytes(16)  # not written


def test_a_buffer_the_device_may_not_write_is_a_driver_error() -> None:
    s = Setup(VirtioRng())  # type: ignore[arg-type]
    s.start_queue()
    drv = s.drv
    drv.chain([(drv.buffer(b"secret"), 6, False)])
    s.mmio.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0)
    assert s.mmio.read(VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_NEEDS_RESET
    assert drv.used() == []
