"""A stand-in for the RISC-V CPU: registers, a clock, interrupt bits, and a scripted run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class FakeCpu:
    def __init__(self, memory: Any, bus: Any, firmware: Any, **kwargs: Any) -> None:
        self.memory, self.bus, self.firmware, self.kwargs = memory, bus, firmware, kwargs
        self.x = [0] * 32
        self.pc = 0
        self.priv = 1
        self.instret = 0
        self.time = 0
        self.stimecmp = (1 << 64) - 1
        self.halted = False
        self.pending: dict[int, bool] = {}
        self.script: list[Callable[[FakeCpu], None]] = []

    def reset(self, entry: int, a0: int, a1: int, a2: int = 0) -> None:
        self.pc, self.x[10], self.x[11], self.x[12] = entry, a0, a1, a2

    def set_mtimecmp(self, value: int) -> None:
        self.mtimecmp = value

    def add_ram_hook(self, pa: int, hook: Callable[[int, int], None]) -> None:
        self.hooks = {pa: hook}

    def run(self, max_instructions: int) -> int:
        if self.script:
            self.script.pop(0)(self)
        self.instret += max_instructions
        self.time += max_instructions
        return max_instructions

    def set_pending(self, bit: int, level: bool) -> None:
        self.pending[bit] = level

    def ecall(self, eid: int, fid: int = 0, *args: int) -> tuple[int, int]:
        """Make an SBI call as the kernel would; return (a0, a1) as signed values."""
        self.x[17], self.x[16] = eid, fid
        for i, a in enumerate(args):
            self.x[10 + i] = a & ((1 << 64) - 1)
        self.firmware.ecall(self)
        return _signed(self.x[10]), _signed(self.x[11])


def _signed(v: int) -> int:
    return v - (1 << 64) if v >> 63 else v
