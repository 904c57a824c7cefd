"""A read-only memory on the bus: QEMU's virt mask ROM at 0x1000, where the reset vector
leaves OpenSBI's fw_dynamic_info (include/sbi/fw_dynamic.h) for the firmware to read."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


class Rom:
    def __init__(self, data: bytes, size: int) -> None:
        if len(data) > size:
            raise ValueError(f"ROM contents of {len(data)} bytes exceed its {size} bytes")
        self._data = bytes(data) + bytes(size - len(data))

    def read(self, offset: int, size: int) -> int:
        return int.from_bytes(self._data[offset : offset + size], "little")

    def write(self, offset: int, size: int, value: int) -> None:
        log.warning("guest wrote the ROM at offset %#x; ignored", offset)

    # Snapshots: the contents follow from the machine's configuration, rebuilt at restore.
    def save_state(self) -> dict[str, object]:
        return {}

    def load_state(self, state: object) -> None:
        pass
