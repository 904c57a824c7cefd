"""The spike board: RAM, a CLINT and HTIF, for bare-metal M-mode programs (QEMU's -M spike).

Memory map (hw/riscv/spike.c): CLINT 0x2000000, RAM 0x80000000. The program is an ELF
whose PT_LOAD segments are copied to RAM; the hart starts at its entry in M mode with
a0 = hart id, with no firmware of ours in the way, and the `tohost`/`fromhost` symbols
locate the HTIF mailboxes. This is what riscv-tests' `p` environment expects.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vmforms.hypervisor.boot.elf import ElfError, read_elf
from vmforms.hypervisor.bus import Bus
from vmforms.hypervisor.devices.clint import CLINT_SIZE, Clint
from vmforms.hypervisor.devices.htif import Htif
from vmforms.hypervisor.machine import (
    IRQ_M_SOFT,
    SLICE,
    TIMEBASE_HZ,
    VIRT_CLINT,
    VIRT_DRAM,
    CpuFactory,
    RunResult,
    default_cpu_factory,
)
from vmforms.hypervisor.memory import GuestMemory

SPIKE_CLINT = VIRT_CLINT
SPIKE_DRAM = VIRT_DRAM


@dataclass(frozen=True, slots=True)
class SpikeConfig:
    program: Path
    mem_size: int = 128 << 20
    engine: str = "interp"
    timebase_hz: int = TIMEBASE_HZ


class SpikeMachine:
    def __init__(
        self,
        config: SpikeConfig,
        console: Callable[[bytes], None],
        *,
        cpu_factory: CpuFactory = default_cpu_factory,
    ) -> None:
        self.config = config
        image = read_elf(config.program)
        tohost = image.symbols.get("tohost")
        if tohost is None:
            raise ElfError(
                f"ELF '{config.program}': no 'tohost' symbol: the spike machine talks to a "
                "program through HTIF (link it with riscv-tests' env/p or define tohost)"
            )
        self.memory = GuestMemory(SPIKE_DRAM, config.mem_size)
        for seg in image.segments:
            if not self.memory.contains(seg.paddr, seg.mem_size):
                raise ElfError(
                    f"ELF '{config.program}': a segment at {seg.paddr:#x}+{seg.mem_size:#x} "
                    f"is outside RAM [{SPIKE_DRAM:#x}, {self.memory.end:#x}); use more --mem"
                )
            self.memory.load(seg.paddr, seg.data)
        if not self.memory.contains(tohost, 8):
            raise ElfError(f"ELF '{config.program}': tohost at {tohost:#x} is not in RAM")
        self.exit_code: int | None = None
        self.bus = Bus()
        self.clint = Clint(
            lambda: self.cpu.time,
            lambda value: self.cpu.set_mtimecmp(value),
            lambda level: self.cpu.set_pending(IRQ_M_SOFT, level),
        )
        self.bus.register(SPIKE_CLINT, CLINT_SIZE, self.clint, "clint")
        self.htif = Htif(self.memory, tohost, image.symbols.get("fromhost"), console, self._exit)
        self.cpu = cpu_factory(
            self.memory, self.bus, None, hart_id=0, timebase_hz=config.timebase_hz,
            engine=config.engine,
        )
        self.cpu.reset(image.entry, 0, 0)
        self.cpu.add_ram_hook(tohost, self.htif.stored)

    def _exit(self, code: int) -> None:
        if self.exit_code is None:
            self.exit_code = code
        self.cpu.halted = True

    def close(self) -> None:
        """Nothing to release: the board holds no files."""

    def run(self, timeout: float | None = None, max_instructions: int | None = None) -> RunResult:
        """Run until the program exits through HTIF, or `timeout` seconds pass."""
        start = time.monotonic()
        deadline = None if timeout is None else start + timeout
        cpu = self.cpu
        while not cpu.halted:
            budget = SLICE
            if max_instructions is not None:
                budget = min(budget, max_instructions - cpu.instret)
                if budget <= 0:
                    break
            if cpu.run(budget) < budget and not cpu.halted:
                time.sleep(0.01)  # WFI with nothing that could wake it: only the timeout
            if deadline is not None and time.monotonic() > deadline:
                break
        reason = "shutdown" if self.exit_code is not None else "timeout"
        return RunResult(reason, cpu.instret, time.monotonic() - start, self.exit_code or 0)
