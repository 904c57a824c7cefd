"""The SiFive test finisher that QEMU's virt board exposes as a syscon for power-off/reset.

Linux's syscon-poweroff and syscon-reboot drivers write 0x5555 or 0x7777 to offset 0;
0x3333 with an exit code in the upper half reports a failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from vmforms.hypervisor.state import State, StateReader

log = logging.getLogger(__name__)

FINISHER_FAIL = 0x3333
FINISHER_PASS = 0x5555
FINISHER_RESET = 0x7777
POWER_SIZE = 0x1000


class PowerDevice:
    """Calls `on_event("poweroff" | "reset", code)` when the guest writes a command."""

    def __init__(self, on_event: Callable[[str, int], None]) -> None:
        self._on_event = on_event

    def read(self, offset: int, size: int) -> int:
        return 0

    # Snapshots: a command takes effect at once, so there is nothing between two.
    def save_state(self) -> State:
        return {}

    def load_state(self, state: StateReader) -> None:
        pass

    def write(self, offset: int, size: int, value: int) -> None:
        if offset != 0:
            return
        cmd = value & 0xFFFF
        if cmd == FINISHER_PASS:
            self._on_event("poweroff", 0)
        elif cmd == FINISHER_FAIL:
            self._on_event("poweroff", (value >> 16) & 0xFFFF)
        elif cmd == FINISHER_RESET:
            self._on_event("reset", 0)
        else:
            log.warning("power: unknown command %#x ignored", value)
