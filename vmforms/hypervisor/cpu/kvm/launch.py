"""`vmforms vm run --accel kvm`: from command-line values to a finished x86-64 KVM run.

Without --kernel the guest is the project's x86 probe (real mode -> long mode -> ring 3);
a bzImage or PVH vmlinux boots Linux on the same board, its console on COM1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vmforms.hypervisor.cpu.kvm.machine import X86Config, X86Machine, X86RunResult
from vmforms.hypervisor.devices.virtio.net import VirtioNet
from vmforms.hypervisor.errors import HypervisorError
from vmforms.hypervisor.guests import x86_probe

LINUX_APPEND = "console=ttyS0 reboot=k panic=1 pci=off nomodule i8042.noaux"
# Without KVM's irqchip the board is a PC/AT: 8259s and the 8254, no local APIC or IOAPIC
# (CPUID and the missing MP table say so too; this spares Linux probing them anyway).
NO_APIC_APPEND = "nolapic noapic"
COMMAND_LINE_SIZE = 2048  # arch/x86/include/asm/setup.h


@dataclass(frozen=True, slots=True)
class KvmRun:
    """The result and what was measured: per-marker times of the probe, if it ran."""

    result: X86RunResult
    kind: str  # the guest's boot kind: "elf" (the probe), "bzimage" or "pvh"
    marks: list[tuple[int, int]]


def build_config(
    kernel: Path | None,
    initrd: Path | None,
    append: str,
    mem_size: int,
    disks: list[tuple[Path, bool]],
    cpus: int,
    irqchip: bool,
) -> X86Config:
    named = [(kernel, "kernel"), (initrd, "initrd")] + [(d, "disk image") for d, _ in disks]
    for path, what in named:
        if path is not None and not path.is_file():
            problem = "not a regular file" if path.exists() else "no such file"
            raise HypervisorError(f"{what} '{path}': {problem}")
    if kernel is None:
        if initrd is not None:
            raise HypervisorError("--initrd needs a Linux --kernel (bzImage or PVH vmlinux)")
        kernel = x86_probe.probe_path()
        cmdline = append
    else:
        cmdline = " ".join(
            w for w in (LINUX_APPEND, "" if irqchip else NO_APIC_APPEND, append) if w
        )
    if len(cmdline) >= COMMAND_LINE_SIZE:
        raise HypervisorError(f"kernel command line of {len(cmdline)} bytes is too long")
    return X86Config(
        kernel=kernel,
        initrd=initrd,
        cmdline=cmdline,
        mem_size=mem_size,
        disks=tuple(disks),
        cpus=cpus,
        irqchip=irqchip,
        boot_flags=(
            x86_probe.BOOT_FLAG_PIT
            | (0 if irqchip else x86_probe.BOOT_FLAG_HLT_POWEROFF)
            | (x86_probe.BOOT_FLAG_START_AP if irqchip and cpus > 1 else 0)
        ),
    )


def launch(
    config: X86Config,
    console: Callable[[bytes], None],
    timeout: float | None,
    poller: Callable[[Callable[[bytes], None]], Callable[[bool], None]] | None = None,
    net: VirtioNet | None = None,
) -> KvmRun:
    """Build the board, run it to the end, release everything (fds, RAM, threads)."""
    machine = X86Machine(config, console, net)
    try:
        poll = poller(machine.receive) if poller is not None else None
        result = machine.run(timeout, poll)
        return KvmRun(result, machine.boot.kind, list(machine.markers.marks))
    finally:
        machine.close()


def probe_rates(marks: list[tuple[int, int]]) -> dict[str, float]:
    """What the probe's markers measure: guest instructions/s in kernel and user mode,
    and seconds per system call (each stretch includes the exit that reports its end)."""
    times = dict(marks)
    out: dict[str, float] = {}

    def span(pair: tuple[int, int]) -> float | None:
        a, b = pair
        return (times[b] - times[a]) / 1e9 if a in times and b in times else None

    kernel, user, calls, exits = (
        span(x86_probe.MARK_KERNEL_LOOP),
        span(x86_probe.MARK_USER_LOOP),
        span(x86_probe.MARK_SYSCALLS),
        span(x86_probe.MARK_EXIT_BURST),
    )
    if kernel:
        out["kernel_insns_per_s"] = x86_probe.KERNEL_LOOP_INSNS / kernel
    if user:
        out["user_insns_per_s"] = x86_probe.USER_LOOP_INSNS / user
    if calls:
        out["syscall_seconds"] = calls / x86_probe.USER_SYSCALLS
    if exits:
        out["exit_seconds"] = exits / x86_probe.EXIT_BURST
    ticks, counter2 = span(x86_probe.MARK_PIT_TICKS), span(x86_probe.MARK_PIT_COUNTER2)
    if ticks:
        out["pit_tick_hz"] = x86_probe.PIT_TICKS / ticks
    if counter2:
        out["pit_counter2_seconds"] = counter2
    return out
