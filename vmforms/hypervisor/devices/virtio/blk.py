"""virtio-blk over a raw image file (virtio 1.2 section 5.2), optionally read-only.

Requests are a 16-byte header, data buffers and a one-byte status the device writes.
A read-only disk offers VIRTIO_BLK_F_RO and answers writes with VIRTIO_BLK_S_IOERR.
"""

from __future__ import annotations

import logging
import os
import struct
from pathlib import Path

from vmforms.hypervisor.devices.virtio.queue import (
    Descriptor,
    DescriptorChain,
    Virtqueue,
    VirtqueueError,
)
from vmforms.hypervisor.errors import HypervisorError
from vmforms.hypervisor.state import State, StateReader

log = logging.getLogger(__name__)

VIRTIO_ID_BLOCK = 2
VIRTIO_BLK_F_SEG_MAX = 1 << 2
VIRTIO_BLK_F_RO = 1 << 5
VIRTIO_BLK_F_BLK_SIZE = 1 << 6
VIRTIO_BLK_F_FLUSH = 1 << 9

VIRTIO_BLK_T_IN = 0
VIRTIO_BLK_T_OUT = 1
VIRTIO_BLK_T_FLUSH = 4
VIRTIO_BLK_T_GET_ID = 8

VIRTIO_BLK_S_OK = 0
VIRTIO_BLK_S_IOERR = 1
VIRTIO_BLK_S_UNSUPP = 2

VIRTIO_BLK_ID_BYTES = 20
SECTOR_SIZE = 512
QUEUE_SIZE = 128
SEG_MAX = QUEUE_SIZE - 2

_HEADER = struct.Struct("<IIQ")
# struct virtio_blk_config up to blk_size: capacity, size_max, seg_max,
# geometry (cylinders u16, heads u8, sectors u8), blk_size.
_CONFIG = struct.Struct("<QIIHBBI")


class DiskError(HypervisorError):
    """A disk image that cannot be used: missing, unreadable, or not a whole sector."""


class VirtioBlk:
    """One disk: the image file stays open for the life of the machine."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self.device_id = VIRTIO_ID_BLOCK
        self.queue_max_sizes: tuple[int, ...] = (QUEUE_SIZE,)
        try:
            self._fd = os.open(path, os.O_RDONLY if read_only else os.O_RDWR)
        except OSError as exc:
            raise DiskError(
                f"open disk image '{path}': {exc.strerror}"
                + ("; add ,ro for a read-only disk" if exc.errno == 13 else "")
            ) from exc
        size = os.fstat(self._fd).st_size
        self.capacity = size // SECTOR_SIZE
        self.device_features = VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH
        if read_only:
            self.device_features |= VIRTIO_BLK_F_RO
        self._config = _CONFIG.pack(self.capacity, 0, SEG_MAX, 0, 0, 0, SECTOR_SIZE)
        self._id = path.name.encode()[:VIRTIO_BLK_ID_BYTES].ljust(VIRTIO_BLK_ID_BYTES, b"\0")

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def replace_image(self, path: Path) -> None:
        """Put another image file behind the device (of the same access: the features
        were negotiated). The caller tells the driver with a configuration-change
        interrupt, which Linux's virtio_blk takes as a new capacity (QEMU's
        block_resize); requests in flight are served by the new file."""
        new = VirtioBlk(path, read_only=self.read_only)
        self.close()
        self.path, self._fd, self.capacity = new.path, new._fd, new.capacity
        self._config, self._id = new._config, new._id
        new._fd = -1

    def config_read(self, offset: int, size: int) -> int:
        chunk = self._config[offset : offset + size]
        return int.from_bytes(chunk.ljust(size, b"\0"), "little")

    def config_write(self, offset: int, size: int, value: int) -> None:
        log.warning("virtio-blk: write of read-only config at %#x ignored", offset)

    def reset(self) -> None:
        pass

    # Snapshots: requests complete when notified; the image itself is named in the
    # snapshot's machine shape (path, size, mtime) and must be the same file at restore.
    def save_state(self) -> State:
        return {}

    def load_state(self, state: StateReader) -> None:
        pass

    def process(self, index: int, queue: Virtqueue) -> bool:
        used = False
        while (chain := queue.pop()) is not None:
            queue.push_used(chain.head, self._request(queue, chain))
            used = True
        return used

    def _request(self, queue: Virtqueue, chain: DescriptorChain) -> int:
        """Serve one request; return the bytes written into the driver's buffers."""
        descs = chain.descriptors
        if len(descs) < 2 or descs[0].len < _HEADER.size:
            raise VirtqueueError(f"virtio-blk request at {chain.head}: no header or status")
        status_desc = descs[-1]
        if not status_desc.is_write_only or status_desc.len < 1:
            raise VirtqueueError(f"virtio-blk request at {chain.head}: status not writable")
        rtype, _, sector = _HEADER.unpack(queue.read(descs[0].addr, _HEADER.size))
        data = descs[1:-1]
        written = 0
        status = VIRTIO_BLK_S_OK
        try:
            if rtype == VIRTIO_BLK_T_IN:
                status, written = self._read(queue, data, sector)
            elif rtype == VIRTIO_BLK_T_OUT:
                status = self._write(queue, data, sector)
            elif rtype == VIRTIO_BLK_T_FLUSH:
                if not self.read_only:
                    os.fsync(self._fd)
            elif rtype == VIRTIO_BLK_T_GET_ID:
                if data and data[0].is_write_only:
                    blob = self._id[: data[0].len]
                    queue.write(data[0].addr, blob)
                    written = len(blob)
                else:
                    status = VIRTIO_BLK_S_IOERR
            else:
                status = VIRTIO_BLK_S_UNSUPP
        except OSError as exc:
            log.warning("virtio-blk %s: request type %d: %s", self.path, rtype, exc)
            status = VIRTIO_BLK_S_IOERR
        queue.write(status_desc.addr, bytes([status]))
        return written + 1

    def _in_range(self, op: str, sector: int, length: int) -> bool:
        """QEMU's virtio_blk_sect_range_ok: whole sectors, all on the disk."""
        if length % SECTOR_SIZE:
            log.warning(
                "virtio-blk %s: %s of %d bytes at sector %d is not a whole number of "
                "%d-byte sectors", self.path, op, length, sector, SECTOR_SIZE,
            )
            return False
        if sector + length // SECTOR_SIZE > self.capacity:
            log.warning(
                "virtio-blk %s: %s of %d bytes at sector %d goes beyond the disk's %d sectors",
                self.path, op, length, sector, self.capacity,
            )
            return False
        return True

    def _read(self, queue: Virtqueue, data: tuple[Descriptor, ...], sector: int) -> tuple[int, int]:
        bufs = [d for d in data if d.is_write_only]
        if len(bufs) != len(data):
            return VIRTIO_BLK_S_IOERR, 0
        total = sum(d.len for d in bufs)
        if not self._in_range("read", sector, total):
            return VIRTIO_BLK_S_IOERR, 0
        pos = sector * SECTOR_SIZE
        for d in bufs:
            queue.write(d.addr, os.pread(self._fd, d.len, pos).ljust(d.len, b"\0"))
            pos += d.len
        return VIRTIO_BLK_S_OK, total

    def _write(self, queue: Virtqueue, data: tuple[Descriptor, ...], sector: int) -> int:
        if self.read_only:
            return VIRTIO_BLK_S_IOERR
        bufs = list(data)
        if any(d.is_write_only for d in bufs):
            return VIRTIO_BLK_S_IOERR
        total = sum(d.len for d in bufs)
        if not self._in_range("write", sector, total):
            return VIRTIO_BLK_S_IOERR
        pos = sector * SECTOR_SIZE
        for d in bufs:
            os.pwrite(self._fd, queue.read(d.addr, d.len), pos)
            pos += d.len
        return VIRTIO_BLK_S_OK
