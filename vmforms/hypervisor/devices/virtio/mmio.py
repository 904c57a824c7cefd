"""The virtio-mmio transport, version 2 (virtio 1.2 section 4.2.2).

One transport per slot; a slot without a device answers DeviceID 0, which drivers skip.
Every virtio device has the same shape (VirtioDevice) and never sees the registers.
A driver that misprograms a queue is logged and the device is marked DEVICE_NEEDS_RESET.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from vmforms.hypervisor.devices import IrqLine, no_irq
from vmforms.hypervisor.devices.virtio.queue import GuestRam, Virtqueue, VirtqueueError
from vmforms.hypervisor.errors import SnapshotError
from vmforms.hypervisor.state import State, StateReader

log = logging.getLogger(__name__)

VIRTIO_MMIO_MAGIC_VALUE = 0x000
VIRTIO_MMIO_VERSION = 0x004
VIRTIO_MMIO_DEVICE_ID = 0x008
VIRTIO_MMIO_VENDOR_ID = 0x00C
VIRTIO_MMIO_DEVICE_FEATURES = 0x010
VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014
VIRTIO_MMIO_DRIVER_FEATURES = 0x020
VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024
VIRTIO_MMIO_QUEUE_SEL = 0x030
VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034
VIRTIO_MMIO_QUEUE_NUM = 0x038
VIRTIO_MMIO_QUEUE_READY = 0x044
VIRTIO_MMIO_QUEUE_NOTIFY = 0x050
VIRTIO_MMIO_INTERRUPT_STATUS = 0x060
VIRTIO_MMIO_INTERRUPT_ACK = 0x064
VIRTIO_MMIO_STATUS = 0x070
VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080
VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084
VIRTIO_MMIO_QUEUE_AVAIL_LOW = 0x090  # "QueueDriver"
VIRTIO_MMIO_QUEUE_AVAIL_HIGH = 0x094
VIRTIO_MMIO_QUEUE_USED_LOW = 0x0A0  # "QueueDevice"
VIRTIO_MMIO_QUEUE_USED_HIGH = 0x0A4
VIRTIO_MMIO_QUEUE_RESET = 0x0C0
VIRTIO_MMIO_CONFIG_GENERATION = 0x0FC
VIRTIO_MMIO_CONFIG = 0x100
VIRTIO_MMIO_SIZE = 0x200

VIRTIO_MMIO_MAGIC = 0x74726976  # "virt"
VIRTIO_VENDOR_ID = 0x554D4551  # "QEMU", as drivers and tools expect of this board

VIRTIO_CONFIG_S_ACKNOWLEDGE = 1
VIRTIO_CONFIG_S_DRIVER = 2
VIRTIO_CONFIG_S_DRIVER_OK = 4
VIRTIO_CONFIG_S_FEATURES_OK = 8
VIRTIO_CONFIG_S_NEEDS_RESET = 0x40
VIRTIO_CONFIG_S_FAILED = 0x80

VIRTIO_MMIO_INT_VRING = 1
VIRTIO_MMIO_INT_CONFIG = 2

VIRTIO_F_VERSION_1 = 1 << 32


class VirtioDevice(Protocol):
    """The one shape of every virtio device behind a transport."""

    device_id: int
    device_features: int
    queue_max_sizes: tuple[int, ...]

    def config_read(self, offset: int, size: int) -> int: ...

    def config_write(self, offset: int, size: int, value: int) -> None: ...

    def process(self, index: int, queue: Virtqueue) -> bool:
        """Serve what the driver queued; True if used buffers were returned."""
        ...

    def reset(self) -> None: ...


@dataclass(slots=True)
class QueueState:
    """What the driver has written for one queue before and after QueueReady."""

    max_size: int
    num: int = 0
    ready: bool = False
    desc: int = 0
    avail: int = 0
    used: int = 0
    queue: Virtqueue | None = None


def _set_half(value: int, high: bool, half: int) -> int:
    return (value & 0xFFFFFFFF) | (half << 32) if high else (value & ~0xFFFFFFFF) | half


class VirtioMmio:
    """The register block of one slot, with `device` None for an empty slot."""

    def __init__(self, memory: GuestRam, device: VirtioDevice | None, irq: IrqLine = no_irq):
        self.memory = memory
        self.device = device
        self._irq = irq
        self._reset_state()

    def _reset_state(self) -> None:
        sizes = self.device.queue_max_sizes if self.device else ()
        self.queues = [QueueState(s) for s in sizes]
        self.status = 0
        self.device_features_sel = 0
        self.driver_features_sel = 0
        self.driver_features = 0
        self.queue_sel = 0
        self.interrupt_status = 0
        self._irq(False)

    @property
    def _features(self) -> int:
        return (self.device.device_features | VIRTIO_F_VERSION_1) if self.device else 0

    def _selected(self) -> QueueState | None:
        return self.queues[self.queue_sel] if self.queue_sel < len(self.queues) else None

    def read(self, offset: int, size: int) -> int:
        if size == 8:  # QEMU's memory core splits it into two 32-bit accesses
            return self.read(offset, 4) | self.read(offset + 4, 4) << 32
        if offset >= VIRTIO_MMIO_CONFIG:
            return self.device.config_read(offset - VIRTIO_MMIO_CONFIG, size) if self.device else 0
        if size != 4:
            log.warning("virtio-mmio: %d-byte read of register %#x", size, offset)
            return 0
        q = self._selected()
        if offset == VIRTIO_MMIO_MAGIC_VALUE:
            return VIRTIO_MMIO_MAGIC
        if offset == VIRTIO_MMIO_VERSION:
            return 2
        if offset == VIRTIO_MMIO_DEVICE_ID:
            return self.device.device_id if self.device else 0
        if offset == VIRTIO_MMIO_VENDOR_ID:
            return VIRTIO_VENDOR_ID
        if offset == VIRTIO_MMIO_DEVICE_FEATURES:
            return (self._features >> (32 * self.device_features_sel)) & 0xFFFFFFFF
        if offset == VIRTIO_MMIO_QUEUE_NUM_MAX:
            return q.max_size if q else 0
        if offset == VIRTIO_MMIO_QUEUE_READY:
            return int(q.ready) if q else 0
        if offset == VIRTIO_MMIO_INTERRUPT_STATUS:
            return self.interrupt_status
        if offset == VIRTIO_MMIO_STATUS:
            return self.status
        if offset == VIRTIO_MMIO_CONFIG_GENERATION:
            return 0
        if q is not None:
            for low, attr in (
                (VIRTIO_MMIO_QUEUE_DESC_LOW, "desc"),
                (VIRTIO_MMIO_QUEUE_AVAIL_LOW, "avail"),
                (VIRTIO_MMIO_QUEUE_USED_LOW, "used"),
            ):
                if offset in (low, low + 4):
                    return int(getattr(q, attr) >> (32 * (offset - low) // 4)) & 0xFFFFFFFF
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        if size == 8:
            self.write(offset, 4, value & 0xFFFFFFFF)
            self.write(offset + 4, 4, value >> 32)
            return
        if offset >= VIRTIO_MMIO_CONFIG:
            if self.device:
                self.device.config_write(offset - VIRTIO_MMIO_CONFIG, size, value)
            return
        if size != 4:
            log.warning("virtio-mmio: %d-byte write of register %#x ignored", size, offset)
            return
        q = self._selected()
        if offset == VIRTIO_MMIO_DEVICE_FEATURES_SEL:
            self.device_features_sel = value
        elif offset == VIRTIO_MMIO_DRIVER_FEATURES_SEL:
            self.driver_features_sel = value
        elif offset == VIRTIO_MMIO_DRIVER_FEATURES:
            if self.driver_features_sel < 2:
                shift = 32 * self.driver_features_sel
                mask = 0xFFFFFFFF << shift
                self.driver_features = (self.driver_features & ~mask) | (value << shift)
        elif offset == VIRTIO_MMIO_QUEUE_SEL:
            self.queue_sel = value
        elif offset == VIRTIO_MMIO_QUEUE_NUM:
            if q is not None:
                q.num = value
        elif offset == VIRTIO_MMIO_QUEUE_READY:
            if q is not None:
                self._set_ready(q, bool(value & 1))
        elif offset == VIRTIO_MMIO_QUEUE_NOTIFY:
            self._notify(value & 0xFFFF)
        elif offset == VIRTIO_MMIO_INTERRUPT_ACK:
            self.interrupt_status &= ~value
            if not self.interrupt_status:
                self._irq(False)
        elif offset == VIRTIO_MMIO_STATUS:
            self._write_status(value & 0xFF)
        elif offset == VIRTIO_MMIO_QUEUE_RESET:
            if q is not None and value == 1:
                q.ready, q.queue, q.num = False, None, 0
        elif q is not None and not q.ready:
            for low, attr in (
                (VIRTIO_MMIO_QUEUE_DESC_LOW, "desc"),
                (VIRTIO_MMIO_QUEUE_AVAIL_LOW, "avail"),
                (VIRTIO_MMIO_QUEUE_USED_LOW, "used"),
            ):
                if offset in (low, low + 4):
                    setattr(q, attr, _set_half(getattr(q, attr), offset != low, value))

    def _write_status(self, value: int) -> None:
        if value == 0:
            if self.device:
                self.device.reset()
            self._reset_state()
            return
        if value & VIRTIO_CONFIG_S_FEATURES_OK and not self.status & VIRTIO_CONFIG_S_FEATURES_OK:
            # Refuse FEATURES_OK (it will not read back) unless the driver's features are a
            # subset of ours and include VERSION_1, which the modern transport requires.
            ok = not self.driver_features & ~self._features
            if not ok or not self.driver_features & VIRTIO_F_VERSION_1:
                log.warning(
                    "virtio-mmio: driver features %#x not acceptable (device offers %#x)",
                    self.driver_features,
                    self._features,
                )
                value &= ~VIRTIO_CONFIG_S_FEATURES_OK
        self.status = value | (self.status & VIRTIO_CONFIG_S_NEEDS_RESET)

    def _set_ready(self, q: QueueState, ready: bool) -> None:
        """QueueReady. As in QEMU, the device keeps its ring indices until a device or
        queue reset: rewriting 1 (or 0 then 1) must not replay requests already served."""
        if not ready or q.ready:
            q.ready = ready
            return
        old = q.queue
        try:
            q.queue = Virtqueue(self.memory, q.num, q.desc, q.avail, q.used)
        except VirtqueueError as exc:
            self._guest_error(f"queue {self.queue_sel} setup", exc)
            return
        if old is not None:
            q.queue.last_avail, q.queue.used_idx = old.last_avail, old.used_idx
        q.ready = True

    def _notify(self, index: int) -> None:
        if self.device is None or index >= len(self.queues):
            log.warning("virtio-mmio: notify of nonexistent queue %d", index)
            return
        q = self.queues[index]
        if q.queue is None or not q.ready or self.status & VIRTIO_CONFIG_S_NEEDS_RESET:
            return
        try:
            used = self.device.process(index, q.queue)
        except VirtqueueError as exc:
            self._guest_error(f"queue {index}", exc)
            return
        if used and q.queue.needs_interrupt():
            self.raise_interrupt(VIRTIO_MMIO_INT_VRING)

    def host_notify(self, index: int) -> None:
        """The host side has something for queue `index` (console input): serve it as a
        driver's notify would."""
        self._notify(index)

    def raise_interrupt(self, bits: int) -> None:
        self.interrupt_status |= bits
        self._irq(True)

    # Snapshots: the registers, each queue as the driver set it up and the device's ring
    # indices, then the device's own state (its save_state/load_state).
    def save_state(self) -> State:
        queues = []
        for q in self.queues:
            vq = q.queue
            ring = None if vq is None else [
                vq.size, vq.desc_addr, vq.avail_addr, vq.used_addr, vq.last_avail, vq.used_idx
            ]
            queues.append({"num": q.num, "ready": q.ready, "desc": q.desc, "avail": q.avail,
                           "used": q.used, "ring": ring})
        device: State = {}
        if self.device is not None:
            save = getattr(self.device, "save_state", None)
            if save is None:
                raise SnapshotError(
                    f"snapshot of {type(self.device).__name__}: the device has no "
                    "save_state/load_state"
                )
            device = save()
        return {
            "device_id": self.device.device_id if self.device else 0, "status": self.status,
            "device_features_sel": self.device_features_sel,
            "driver_features_sel": self.driver_features_sel,
            "driver_features": self.driver_features, "queue_sel": self.queue_sel,
            "interrupt_status": self.interrupt_status, "queues": queues, "device": device,
        }

    def load_state(self, state: StateReader) -> None:
        device_id = self.device.device_id if self.device else 0
        if state.number("device_id", 0, 0xFFFFFFFF) != device_id:
            raise SnapshotError(f"snapshot state of {state.what}: another virtio device")
        regs = {name: state.number(name, 0, hi) for name, hi in (
            ("status", 0xFF), ("device_features_sel", 0xFFFFFFFF),
            ("driver_features_sel", 0xFFFFFFFF), ("driver_features", (1 << 64) - 1),
            ("queue_sel", 0xFFFFFFFF), ("interrupt_status", 3),
        )}
        queues = []
        for saved, q in zip(state.children("queues", len(self.queues)), self.queues, strict=True):
            new = QueueState(q.max_size, saved.number("num", 0, 0xFFFFFFFF), saved.flag("ready"),
                             saved.number("desc"), saved.number("avail"), saved.number("used"))
            raw = saved.maybe_numbers("ring", 6)
            if raw is not None:
                size, desc, avail, used, last_avail, used_idx = raw
                try:
                    new.queue = Virtqueue(self.memory, size, desc, avail, used)
                except VirtqueueError as exc:
                    raise SnapshotError(f"snapshot state of {saved.what}: {exc}") from None
                if last_avail > 0xFFFF or used_idx > 0xFFFF:
                    raise SnapshotError(f"snapshot state of {saved.what}: ring index > 0xffff")
                new.queue.last_avail, new.queue.used_idx = last_avail, used_idx
            queues.append(new)
        if self.device is not None:
            load = getattr(self.device, "load_state", None)
            if load is None:
                raise SnapshotError(
                    f"restore of {type(self.device).__name__}: the device has no load_state"
                )
            load(state.child("device"))
        self.queues = queues
        for name, value in regs.items():
            setattr(self, name, value)

    def _guest_error(self, what: str, exc: Exception) -> None:
        """A driver bug: log it, stop the device and tell the driver (virtio 1.2 2.1.2)."""
        name = type(self.device).__name__ if self.device else "empty slot"
        log.warning("virtio-mmio %s: %s: %s; device needs reset", name, what, exc)
        self.status |= VIRTIO_CONFIG_S_NEEDS_RESET
        for q in self.queues:
            q.queue = None
            q.ready = False
        if self.status & VIRTIO_CONFIG_S_DRIVER_OK:
            self.raise_interrupt(VIRTIO_MMIO_INT_CONFIG)
