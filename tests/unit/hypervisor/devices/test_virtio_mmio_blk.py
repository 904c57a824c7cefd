"""virtio-mmio v2 register protocol and virtio-blk requests over a raw image file."""

from __future__ import annotations

import logging
import struct
from pathlib import Path

import pytest

from vmforms.hypervisor.devices.virtio.blk import (
    VIRTIO_BLK_F_RO,
    VIRTIO_BLK_S_IOERR,
    VIRTIO_BLK_S_OK,
    VIRTIO_BLK_S_UNSUPP,
    VIRTIO_BLK_T_FLUSH,
    VIRTIO_BLK_T_GET_ID,
    VIRTIO_BLK_T_IN,
    VIRTIO_BLK_T_OUT,
    DiskError,
    VirtioBlk,
)
from vmforms.hypervisor.devices.virtio.mmio import (
    VIRTIO_CONFIG_S_ACKNOWLEDGE,
    VIRTIO_CONFIG_S_DRIVER,
    VIRTIO_CONFIG_S_DRIVER_OK,
    VIRTIO_CONFIG_S_FEATURES_OK,
    VIRTIO_CONFIG_S_NEEDS_RESET,
    VIRTIO_MMIO_CONFIG,
    VIRTIO_MMIO_DEVICE_FEATURES,
    VIRTIO_MMIO_DEVICE_FEATURES_SEL,
    VIRTIO_MMIO_DEVICE_ID,
    VIRTIO_MMIO_DRIVER_FEATURES,
    VIRTIO_MMIO_DRIVER_FEATURES_SEL,
    VIRTIO_MMIO_INTERRUPT_ACK,
    VIRTIO_MMIO_INTERRUPT_STATUS,
    VIRTIO_MMIO_MAGIC_VALUE,
    VIRTIO_MMIO_QUEUE_AVAIL_LOW,
    VIRTIO_MMIO_QUEUE_DESC_HIGH,
    VIRTIO_MMIO_QUEUE_DESC_LOW,
    VIRTIO_MMIO_QUEUE_NOTIFY,
    VIRTIO_MMIO_QUEUE_NUM,
    VIRTIO_MMIO_QUEUE_NUM_MAX,
    VIRTIO_MMIO_QUEUE_READY,
    VIRTIO_MMIO_QUEUE_SEL,
    VIRTIO_MMIO_QUEUE_USED_LOW,
    VIRTIO_MMIO_STATUS,
    VIRTIO_MMIO_VERSION,
    VirtioMmio,
)
from vmforms.hypervisor.devices.virtio.queue import VIRTQ_DESC_F_NEXT

from .virtio_driver import AVAIL, DESC, USED, Driver

SECTOR = 512


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "disk.img"
    path.write_bytes(b"".join(bytes([i]) * SECTOR for i in range(16)))
    return path


class Setup:
    """A driver that brings a transport up the way Linux's virtio_mmio does."""

    def __init__(self, device: VirtioBlk | None, *, features: int | None = None) -> None:
        self.drv = Driver(size=8)
        self.irqs: list[bool] = []
        self.mmio = VirtioMmio(self.drv.mem, device, self.irqs.append)
        m = self.mmio
        m.write(VIRTIO_MMIO_STATUS, 4, 0)
        m.write(VIRTIO_MMIO_STATUS, 4, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER)
        offered = self.device_features()
        want = offered if features is None else features
        for sel in (0, 1):
            m.write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, sel)
            m.write(VIRTIO_MMIO_DRIVER_FEATURES, 4, (want >> (32 * sel)) & 0xFFFFFFFF)
        status = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK
        m.write(VIRTIO_MMIO_STATUS, 4, status)

    def device_features(self) -> int:
        value = 0
        for sel in (0, 1):
            self.mmio.write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 4, sel)
            value |= self.mmio.read(VIRTIO_MMIO_DEVICE_FEATURES, 4) << (32 * sel)
        return value

    def start_queue(self, desc: int = DESC, avail: int = AVAIL, used: int = USED) -> None:
        m = self.mmio
        m.write(VIRTIO_MMIO_QUEUE_SEL, 4, 0)
        assert m.read(VIRTIO_MMIO_QUEUE_NUM_MAX, 4) >= self.drv.size
        m.write(VIRTIO_MMIO_QUEUE_NUM, 4, self.drv.size)
        for low, addr in (
            (VIRTIO_MMIO_QUEUE_DESC_LOW, desc),
            (VIRTIO_MMIO_QUEUE_AVAIL_LOW, avail),
            (VIRTIO_MMIO_QUEUE_USED_LOW, used),
        ):
            m.write(low, 4, addr & 0xFFFFFFFF)
            m.write(low + 4, 4, addr >> 32)
        m.write(VIRTIO_MMIO_QUEUE_READY, 4, 1)
        m.write(VIRTIO_MMIO_STATUS, 4, m.read(VIRTIO_MMIO_STATUS, 4) | VIRTIO_CONFIG_S_DRIVER_OK)

    def request(self, rtype: int, sector: int, data: bytes | int) -> tuple[int, bytes]:
        """One virtio-blk request; returns (status, data buffer after)."""
        drv = self.drv
        header = drv.buffer(struct.pack("<IIQ", rtype, 0, sector))
        parts = [(header, 16, False)]
        if rtype == VIRTIO_BLK_T_OUT:
            assert isinstance(data, bytes)
            buf, length = drv.buffer(data), len(data)
            parts.append((buf, length, False))
        else:
            length = data if isinstance(data, int) else len(data)
            buf = drv.buffer(length)
            if length:
                parts.append((buf, length, True))
        status = drv.buffer(1)
        drv.mem.write(status, b"\xff")
        parts.append((status, 1, True))
        drv.chain(parts)
        self.mmio.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0)
        return drv.mem.read(status, 1)[0], drv.mem.read(buf, length)


def test_empty_slot_identifies_as_device_zero() -> None:
    s = Setup(None)
    assert s.mmio.read(VIRTIO_MMIO_MAGIC_VALUE, 4) == 0x74726976
    assert s.mmio.read(VIRTIO_MMIO_VERSION, 4) == 2
    assert s.mmio.read(VIRTIO_MMIO_DEVICE_ID, 4) == 0
    s.mmio.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0)  # harmless


def test_blk_identifies_and_reports_capacity(image: Path) -> None:
    s = Setup(VirtioBlk(image))
    m = s.mmio
    assert m.read(VIRTIO_MMIO_DEVICE_ID, 4) == 2
    assert s.device_features() >> 32 & 1  # VIRTIO_F_VERSION_1
    assert m.read(VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_FEATURES_OK
    assert m.read(VIRTIO_MMIO_CONFIG, 4) == 16 and m.read(VIRTIO_MMIO_CONFIG + 4, 4) == 0
    assert m.read(VIRTIO_MMIO_CONFIG, 8) == 16


def test_features_without_version_1_are_refused(image: Path) -> None:
    s = Setup(VirtioBlk(image), features=0)
    assert not s.mmio.read(VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_FEATURES_OK


def test_read_write_flush_and_get_id(image: Path) -> None:
    blk = VirtioBlk(image)
    s = Setup(blk)
    s.start_queue()
    status, data = s.request(VIRTIO_BLK_T_IN, 3, 2 * SECTOR)
    assert status == VIRTIO_BLK_S_OK and data == b"\x03" * SECTOR + b"\x04" * SECTOR
    assert s.irqs[-1] is True and s.mmio.read(VIRTIO_MMIO_INTERRUPT_STATUS, 4) == 1
    s.mmio.write(VIRTIO_MMIO_INTERRUPT_ACK, 4, 1)
    assert s.irqs[-1] is False
    status, _ = s.request(VIRTIO_BLK_T_OUT, 5, b"new!" * (SECTOR // 4))
    assert status == VIRTIO_BLK_S_OK
    assert s.request(VIRTIO_BLK_T_FLUSH, 0, 0)[0] == VIRTIO_BLK_S_OK
    status, ident = s.request(VIRTIO_BLK_T_GET_ID, 0, 20)
    assert status == VIRTIO_BLK_S_OK and ident.rstrip(b"\0") == b"disk.img"
    assert s.request(99, 0, 0)[0] == VIRTIO_BLK_S_UNSUPP
    blk.close()
    assert image.read_bytes()[5 * SECTOR : 6 * SECTOR] == b"new!" * (SECTOR // 4)
    used = s.drv.used()
    assert used[0][1] == 2 * SECTOR + 1 and used[1][1] == 1


def test_out_of_range_requests_fail_with_ioerr(image: Path) -> None:
    s = Setup(VirtioBlk(image))
    s.start_queue()
    assert s.request(VIRTIO_BLK_T_IN, 15, 2 * SECTOR)[0] == VIRTIO_BLK_S_IOERR
    assert s.request(VIRTIO_BLK_T_OUT, 16, b"x" * SECTOR)[0] == VIRTIO_BLK_S_IOERR
    assert s.request(VIRTIO_BLK_T_IN, 0, 100)[0] == VIRTIO_BLK_S_IOERR


def test_read_only_disk_refuses_writes(image: Path) -> None:
    before = image.read_bytes()
    blk = VirtioBlk(image, read_only=True)
    s = Setup(blk)
    assert s.device_features() & VIRTIO_BLK_F_RO
    s.start_queue()
    assert s.request(VIRTIO_BLK_T_OUT, 0, b"z" * SECTOR)[0] == VIRTIO_BLK_S_IOERR
    assert s.request(VIRTIO_BLK_T_IN, 0, SECTOR) == (VIRTIO_BLK_S_OK, b"\0" * SECTOR)
    blk.close()
    assert image.read_bytes() == before


def test_missing_image_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DiskError, match="no-such.img"):
        VirtioBlk(tmp_path / "no-such.img")


def test_bad_queue_address_is_logged_and_survived(
    image: Path, caplog: pytest.LogCaptureFixture
) -> None:
    s = Setup(VirtioBlk(image))
    with caplog.at_level(logging.WARNING):
        s.start_queue(desc=0x1000)
    assert "outside guest RAM" in caplog.text
    assert s.mmio.read(VIRTIO_MMIO_QUEUE_READY, 4) == 0
    assert s.mmio.read(VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_NEEDS_RESET
    s.mmio.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0)
    # A reset clears the condition and the device works again.
    s.mmio.write(VIRTIO_MMIO_STATUS, 4, 0)
    assert s.mmio.read(VIRTIO_MMIO_STATUS, 4) == 0
    s2 = Setup(VirtioBlk(image))
    s2.start_queue()
    assert s2.request(VIRTIO_BLK_T_IN, 1, SECTOR)[0] == VIRTIO_BLK_S_OK


def test_descriptor_loop_is_logged_and_survived(
    image: Path, caplog: pytest.LogCaptureFixture
) -> None:
    s = Setup(VirtioBlk(image))
    s.start_queue()
    buf = s.drv.buffer(16)
    s.drv.set_desc(0, buf, 16, VIRTQ_DESC_F_NEXT, 1)
    s.drv.set_desc(1, buf, 16, VIRTQ_DESC_F_NEXT, 0)
    s.drv.make_available(0)
    with caplog.at_level(logging.WARNING):
        s.mmio.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0)
    assert "loops" in caplog.text
    assert s.mmio.read(VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_NEEDS_RESET
    assert s.mmio.read(VIRTIO_MMIO_INTERRUPT_STATUS, 4) & 2  # configuration change
    s.mmio.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0)  # further kicks are ignored


def test_request_without_status_descriptor_is_a_guest_error(image: Path) -> None:
    s = Setup(VirtioBlk(image))
    s.start_queue()
    header = s.drv.buffer(struct.pack("<IIQ", VIRTIO_BLK_T_IN, 0, 0))
    s.drv.chain([(header, 16, False)])
    s.mmio.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0)
    assert s.mmio.read(VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_NEEDS_RESET


def test_queue_address_registers_read_back(image: Path) -> None:
    s = Setup(VirtioBlk(image))
    s.mmio.write(VIRTIO_MMIO_QUEUE_SEL, 4, 0)
    s.mmio.write(VIRTIO_MMIO_QUEUE_DESC_LOW, 4, 0x1234_5000)
    s.mmio.write(VIRTIO_MMIO_QUEUE_DESC_HIGH, 4, 0x1)
    assert s.mmio.read(VIRTIO_MMIO_QUEUE_DESC_LOW, 4) == 0x1234_5000
    assert s.mmio.read(VIRTIO_MMIO_QUEUE_DESC_HIGH, 4) == 1
    s.mmio.write(VIRTIO_MMIO_QUEUE_SEL, 4, 7)
    assert s.mmio.read(VIRTIO_MMIO_QUEUE_NUM_MAX, 4) == 0


def test_rewriting_queue_ready_does_not_replay_requests(image: Path) -> None:
    """virtio 1.2 4.2.2 and QEMU: the ring indices survive QueueReady until a reset."""
    blk = VirtioBlk(image)
    s = Setup(blk)
    s.start_queue()
    assert s.request(VIRTIO_BLK_T_OUT, 5, b"A" * SECTOR)[0] == VIRTIO_BLK_S_OK
    with image.open("r+b") as f:  # the host changes the sector afterwards
        f.seek(5 * SECTOR)
        f.write(b"B" * SECTOR)
    m = s.mmio
    for ready in (1, 0, 1):
        m.write(VIRTIO_MMIO_QUEUE_READY, 4, ready)
        m.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0)
    assert len(s.drv.used()) == 1
    assert image.read_bytes()[5 * SECTOR : 6 * SECTOR] == b"B" * SECTOR
    assert s.request(VIRTIO_BLK_T_IN, 5, SECTOR) == (VIRTIO_BLK_S_OK, b"B" * SECTOR)
    assert [u[0] for u in s.drv.used()] == [0, 3]
    blk.close()


def test_a_zero_sized_buffer_is_a_driver_error_as_in_qemu(
    image: Path, caplog: pytest.LogCaptureFixture
) -> None:
    s = Setup(VirtioBlk(image))
    s.start_queue()
    drv = s.drv
    header = drv.buffer(struct.pack("<IIQ", VIRTIO_BLK_T_IN, 0, 0))
    data, status = drv.buffer(16), drv.buffer(1)
    drv.chain([(header, 16, False), (data, 0, True), (status, 1, True)])
    with caplog.at_level(logging.WARNING):
        s.mmio.write(VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0)
    assert s.mmio.read(VIRTIO_MMIO_STATUS, 4) & VIRTIO_CONFIG_S_NEEDS_RESET
    assert "zero sized buffers are not allowed" in caplog.text
    assert s.drv.used() == []


def test_a_partial_sector_is_not_reported_as_beyond_the_disk(
    image: Path, caplog: pytest.LogCaptureFixture
) -> None:
    s = Setup(VirtioBlk(image))
    s.start_queue()
    with caplog.at_level(logging.WARNING):
        assert s.request(VIRTIO_BLK_T_IN, 0, 100)[0] == VIRTIO_BLK_S_IOERR
    assert "not a whole number of 512-byte sectors" in caplog.text
    assert "beyond" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert s.request(VIRTIO_BLK_T_IN, 16, SECTOR)[0] == VIRTIO_BLK_S_IOERR
    assert "beyond the disk's 16 sectors" in caplog.text


def test_a_64_bit_register_access_is_two_32_bit_ones(image: Path) -> None:
    s = Setup(VirtioBlk(image))
    m = s.mmio
    m.write(VIRTIO_MMIO_QUEUE_SEL, 4, 0)
    m.write(VIRTIO_MMIO_QUEUE_DESC_LOW, 8, 0x1_2345_6000)
    assert m.read(VIRTIO_MMIO_QUEUE_DESC_HIGH, 4) == 1
    assert m.read(VIRTIO_MMIO_QUEUE_DESC_LOW, 8) == 0x1_2345_6000
    assert m.read(VIRTIO_MMIO_QUEUE_DESC_LOW, 2) == 0  # other sizes: 0, as QEMU's
