"""The virt board: QEMU's `virt` memory map, its device tree, and the loop that runs the CPU.

Memory map (hw/riscv/virt.c): mask ROM 0x1000, test/power 0x100000, RTC 0x101000 (irq 11),
CLINT 0x2000000, PLIC 0xc000000, UART0 0x10000000 (irq 10), virtio-mmio 0x10001000 +
n*0x1000 (irq 1 + n), RAM 0x80000000.
Data flows one way: config -> memory + devices + device tree -> CPU loop -> bus -> device
-> interrupt line -> PLIC -> the CPU's SEIP.

Firmware: by default SBI is Python code and the kernel starts in S mode. With `bios`
(QEMU's -bios) the firmware image goes at the start of RAM and the hart starts there in
M mode with a0 = hart id, a1 = DTB and a2 = fw_dynamic_info in the ROM, as QEMU's reset
vector leaves it; the kernel stays 2 MiB in, where fw_dynamic (next_addr) and fw_jump
(FW_JUMP_ADDR) look for it.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from vmforms.hypervisor.boot.elf import is_elf, read_elf
from vmforms.hypervisor.boot.fdt import Node
from vmforms.hypervisor.boot.riscv import MIB_2, BootLayout, plan_layout, read_kernel
from vmforms.hypervisor.bus import Bus
from vmforms.hypervisor.devices.clint import CLINT_SIZE, Clint
from vmforms.hypervisor.devices.plic import PLIC_NUM_SOURCES, Plic
from vmforms.hypervisor.devices.power import POWER_SIZE, PowerDevice
from vmforms.hypervisor.devices.rom import Rom
from vmforms.hypervisor.devices.rtc import NSEC_PER_SEC, RTC_SIZE, GoldfishRtc
from vmforms.hypervisor.devices.uart import Uart16550
from vmforms.hypervisor.devices.virtio.blk import VirtioBlk
from vmforms.hypervisor.devices.virtio.console import RECEIVEQ, VirtioConsole
from vmforms.hypervisor.devices.virtio.mmio import VirtioDevice, VirtioMmio
from vmforms.hypervisor.devices.virtio.net import RECEIVEQ as NET_RECEIVEQ
from vmforms.hypervisor.devices.virtio.net import VirtioNet
from vmforms.hypervisor.devices.virtio.rng import VirtioRng
from vmforms.hypervisor.errors import GuestMemoryError
from vmforms.hypervisor.firmware.sbi import Sbi
from vmforms.hypervisor.memory import GuestMemory
from vmforms.hypervisor.panic import PANIC_GRACE, ConsoleWatch

log = logging.getLogger(__name__)

VIRT_MROM = 0x1000
VIRT_MROM_SIZE = 0xF000
VIRT_TEST = 0x100000
VIRT_RTC = 0x101000
VIRT_RTC_IRQ = 11
VIRT_CLINT = 0x2000000
VIRT_PLIC = 0xC000000
VIRT_PLIC_SIZE = 0x600000
VIRT_UART0 = 0x10000000
VIRT_UART0_SIZE = 0x100
VIRT_UART0_IRQ = 10
VIRT_VIRTIO = 0x10001000
VIRT_VIRTIO_STRIDE = 0x1000
VIRT_VIRTIO_COUNT = 8
# Disks from the first virtio slot, then virtio-net (--net); virtio-console (hvc0) and
# virtio-rng in the last two.
VIRT_CONSOLE_SLOT = VIRT_VIRTIO_COUNT - 2
VIRT_RNG_SLOT = VIRT_VIRTIO_COUNT - 1
VIRT_VIRTIO_IRQ = 1
VIRT_DRAM = 0x80000000
UART_CLOCK_HZ = 3686400

TIMEBASE_HZ = 10_000_000
RISCV_ISA = "rv64imafdc"
RISCV_ISA_EXTENSIONS = ("i", "m", "a", "f", "d", "c", "zicsr", "zifencei")
IRQ_S_EXT = 9
IRQ_M_EXT = 11
IRQ_S_TIMER = 5
IRQ_M_TIMER = 7
IRQ_S_SOFT = 1
IRQ_M_SOFT = 3
PHANDLE_CPU_INTC = 1
PHANDLE_PLIC = 2
PHANDLE_TEST = 3

SLICE = 200_000  # instructions between looks at the console and the clock
NET_IDLE_WAIT = 0.02  # seconds an idle guest with a network waits for a frame at a time
MAX_FIRMWARE = 32 << 20
# struct fw_dynamic_info (OpenSBI include/sbi/fw_dynamic.h), version 2
FW_DYNAMIC_INFO_MAGIC = 0x4942534F  # "OSBI"
FW_DYNAMIC_INFO_VERSION = 2
FW_DYNAMIC_INFO_NEXT_MODE_S = 1
FW_DYNAMIC_INFO_OFFSET = 0x40  # in the ROM, after where QEMU's reset vector code sits


class CpuBackend(Protocol):
    """What the board needs of a CPU (vmforms.hypervisor.cpu.riscv implements it)."""

    x: list[int]
    pc: int
    instret: int
    stimecmp: int
    halted: bool

    @property
    def time(self) -> int: ...

    def reset(self, entry: int, a0: int, a1: int, a2: int = 0) -> None: ...

    def run(self, max_instructions: int) -> int: ...

    def set_pending(self, bit: int, level: bool) -> None: ...

    def set_mtimecmp(self, value: int) -> None: ...

    def add_ram_hook(self, pa: int, hook: Callable[[int, int], None]) -> None: ...


CpuFactory = Callable[..., CpuBackend]


class _PacedCpu(CpuBackend, Protocol):
    """What the board needs of the CPU to pace an idle guest by the wall clock (--net)."""

    nominal_ips: int
    host_paced: bool
    wake_at: int
    idle: bool  # the last run stopped in WFI, waiting for an event

    def skip_idle(self, instructions: int) -> None: ...


def default_cpu_factory(*args: Any, **kwargs: Any) -> CpuBackend:
    from vmforms.hypervisor.cpu.riscv import Cpu

    cpu: CpuBackend = Cpu(*args, **kwargs)
    return cpu


@dataclass(frozen=True, slots=True)
class DiskSpec:
    path: Path
    read_only: bool = False

    @classmethod
    def parse(cls, text: str) -> DiskSpec:
        """FILE or FILE,ro as given to --disk."""
        path, _, opts = text.partition(",")
        return cls(Path(path), read_only=opts == "ro")


@dataclass(frozen=True, slots=True)
class MachineConfig:
    kernel: Path
    initrd: Path | None = None
    cmdline: str = ""
    mem_size: int = 128 << 20
    disks: tuple[DiskSpec, ...] = ()
    engine: str = "interp"
    timebase_hz: int = TIMEBASE_HZ
    translation_cache: Path | None = None  # compiled blocks kept across runs (translate)
    rtc_start_ns: int | None = None  # the RTC's date at boot; None: the host's clock
    bios: Path | None = None  # M-mode firmware (OpenSBI fw_dynamic/fw_jump); None: Python SBI


@dataclass(frozen=True, slots=True)
class RunResult:
    """Why the loop stopped: "shutdown", "reboot", "panic" (the guest kernel's) or
    "timeout"; and what it cost."""

    reason: str
    instructions: int
    seconds: float
    exit_code: int = 0


@dataclass(slots=True)
class _PowerState:
    reason: str = ""
    code: int = 0
    events: list[str] = field(default_factory=list)


class Machine:
    """Builds the board from a MachineConfig; every input is checked before any guest code runs."""

    def __init__(
        self,
        config: MachineConfig,
        console: Callable[[bytes], None],
        *,
        cpu_factory: CpuFactory = default_cpu_factory,
        net: VirtioNet | None = None,
    ) -> None:
        self.config = config
        header, kernel = read_kernel(config.kernel)
        initrd = b""
        if config.initrd is not None:
            try:
                initrd = config.initrd.read_bytes()
            except OSError as exc:
                raise GuestMemoryError(f"read initrd '{config.initrd}': {exc.strerror}") from exc
        free = VIRT_CONSOLE_SLOT - (net is not None)
        if len(config.disks) > free:
            raise GuestMemoryError(
                f"{len(config.disks)} disks: the board has {free} virtio slots for disks"
                + (" beside the network" if net is not None else "")
            )
        self.net = net
        self.net_slot = len(config.disks)
        # Size the DTB before placing it: its size does not depend on the addresses.
        probe = self._device_tree(BootLayout(0, 0, 0, 0, 0), bool(initrd))
        self.layout = plan_layout(
            VIRT_DRAM, config.mem_size, header, len(initrd), len(probe),
            dtb_align=MIB_2 if config.bios is not None else 4096,
        )
        firmware = self._read_firmware(config.bios) if config.bios is not None else None
        self.disks = [VirtioBlk(d.path, read_only=d.read_only) for d in config.disks]
        self.rng = VirtioRng()
        self.memory = GuestMemory(VIRT_DRAM, config.mem_size)
        self.power = _PowerState()
        self.watch = ConsoleWatch(console)
        self.console = console = self.watch.write
        self.bus = Bus()
        self.plic = Plic([self._m_external, self._s_external])
        self.uart = Uart16550(console, self.plic.line(VIRT_UART0_IRQ))
        self.hvc = VirtioConsole(console)
        self.clint = Clint(
            lambda: self.cpu.time,
            lambda value: self.cpu.set_mtimecmp(value),
            lambda level: self.cpu.set_pending(IRQ_M_SOFT, level),
        )
        start = config.rtc_start_ns
        self.rtc = GoldfishRtc(
            lambda: self.cpu.time * NSEC_PER_SEC // config.timebase_hz,
            self.plic.line(VIRT_RTC_IRQ),
            **({} if start is None else {"wall_ns": lambda: start}),
        )
        self.sbi = Sbi(self.memory, console, self.uart.take, self._power_event)
        self.bus.register(VIRT_TEST, POWER_SIZE, PowerDevice(self._power_event), "test")
        self.bus.register(VIRT_RTC, RTC_SIZE, self.rtc, "rtc")
        self.bus.register(VIRT_CLINT, CLINT_SIZE, self.clint, "clint")
        self.bus.register(VIRT_PLIC, VIRT_PLIC_SIZE, self.plic, "plic")
        self.bus.register(VIRT_UART0, VIRT_UART0_SIZE, self.uart, "uart0")
        self.virtio: list[VirtioMmio] = []
        for slot in range(VIRT_VIRTIO_COUNT):
            device: VirtioDevice | None = self.disks[slot] if slot < len(self.disks) else None
            if slot == self.net_slot and net is not None:
                device = net
            elif slot == VIRT_RNG_SLOT:
                device = self.rng
            elif slot == VIRT_CONSOLE_SLOT:
                device = self.hvc
            transport = VirtioMmio(self.memory, device, self.plic.line(VIRT_VIRTIO_IRQ + slot))
            self.virtio.append(transport)
            base = VIRT_VIRTIO + slot * VIRT_VIRTIO_STRIDE
            self.bus.register(base, VIRT_VIRTIO_STRIDE, transport, f"virtio{slot}")
        self.dtb = self._device_tree(self.layout, bool(initrd))
        self.memory.load(self.layout.kernel, kernel)
        if initrd:
            self.memory.load(self.layout.initrd, initrd)
        self.memory.load(self.layout.dtb, self.dtb)
        self.cpu = cpu_factory(
            self.memory,
            self.bus,
            self.sbi if firmware is None else None,
            hart_id=0,
            timebase_hz=config.timebase_hz,
            engine=config.engine,
            **({"translation_cache": config.translation_cache}
               if config.translation_cache is not None and config.engine == "translate"
               else {}),
        )
        if firmware is None:
            self.cpu.reset(self.layout.kernel, 0, self.layout.dtb)
        else:
            for addr, blob in firmware:
                self.memory.load(addr, blob)
            info = struct.pack(
                "<6Q", FW_DYNAMIC_INFO_MAGIC, FW_DYNAMIC_INFO_VERSION, self.layout.kernel,
                FW_DYNAMIC_INFO_NEXT_MODE_S, 0, 0,
            )
            rom = bytes(FW_DYNAMIC_INFO_OFFSET) + info
            self.bus.register(VIRT_MROM, VIRT_MROM_SIZE, Rom(rom, VIRT_MROM_SIZE), "mrom")
            self.cpu.reset(VIRT_DRAM, 0, self.layout.dtb, VIRT_MROM + FW_DYNAMIC_INFO_OFFSET)
        if net is not None:
            cast(_PacedCpu, self.cpu).host_paced = True

    def _read_firmware(self, path: Path) -> list[tuple[int, bytes]]:
        """The -bios image as (address, bytes) pieces: an ELF's segments, or a raw binary
        at the start of RAM; it must end below the kernel."""
        if is_elf(path):
            segments = read_elf(path).segments
            pieces = [(seg.paddr, seg.data) for seg in segments]
            ends = [seg.paddr + seg.mem_size for seg in segments]  # .bss included
        else:
            try:
                with path.open("rb") as f:
                    blob = f.read(MAX_FIRMWARE + 1)
            except OSError as exc:
                raise GuestMemoryError(f"read firmware '{path}': {exc.strerror}") from exc
            if len(blob) > MAX_FIRMWARE:
                raise GuestMemoryError(f"firmware '{path}': larger than {MAX_FIRMWARE >> 20} MiB")
            pieces = [(VIRT_DRAM, blob)]
            ends = [VIRT_DRAM + len(blob)]
        for (addr, _), end in zip(pieces, ends, strict=True):
            if addr < VIRT_DRAM or end > self.layout.kernel:
                raise GuestMemoryError(
                    f"firmware '{path}': [{addr:#x}, {end:#x}) is not between "
                    f"the start of RAM {VIRT_DRAM:#x} and the kernel at {self.layout.kernel:#x}"
                )
        return pieces

    def hvc_receive(self, data: bytes) -> None:
        """Input for the guest's hvc0 (virtio-console)."""
        self.hvc.receive(data)
        self.virtio[VIRT_CONSOLE_SLOT].host_notify(RECEIVEQ)

    def _net_step(self, idle: bool) -> None:
        """Frames from the host for virtio-net. With a network the guest's clock follows
        the wall clock while it waits in WFI: the host answers in wall time, and a clock
        that jumped to the next timer would expire ARP and TCP timers before any reply
        could come. So the board waits for a frame until the wake-up (at most
        NET_IDLE_WAIT, to keep the console and --timeout responsive) and lets only the
        time it waited pass for the guest."""
        assert self.net is not None
        cpu = cast(_PacedCpu, self.cpu)
        if idle:
            start = time.monotonic()
            ahead = max(0, cpu.wake_at - cpu.instret) / cpu.nominal_ips
            self.net.wait(min(NET_IDLE_WAIT, ahead))
            if ahead:
                cpu.skip_idle(int((time.monotonic() - start) * cpu.nominal_ips) + 1)
        if self.net.pull() or self.net.backlog:
            self.virtio[self.net_slot].host_notify(NET_RECEIVEQ)

    def close(self) -> None:
        for disk in self.disks:
            disk.close()

    # Snapshots (snapshot.py): between two runs, the CPU between two instructions.
    def save_snapshot(self, directory: Path, extra: dict[str, Any] | None = None) -> None:
        from vmforms.hypervisor.snapshot import save_snapshot

        save_snapshot(self, directory, extra)

    @classmethod
    def restore_snapshot(
        cls, directory: Path, console: Callable[[bytes], None], **options: Any
    ) -> tuple[Machine, dict[str, Any]]:
        """The machine a snapshot saved, and its `extra`; options as restore_snapshot's."""
        from vmforms.hypervisor.snapshot import restore_snapshot

        return restore_snapshot(directory, console, **options)

    # Wiring.
    def _m_external(self, level: bool) -> None:
        self.cpu.set_pending(IRQ_M_EXT, level)

    def _s_external(self, level: bool) -> None:
        self.cpu.set_pending(IRQ_S_EXT, level)

    def _power_event(self, kind: str, code: int) -> None:
        self.power.events.append(kind)
        if not self.power.reason:
            self.power.reason = "shutdown" if kind in ("shutdown", "poweroff") else "reboot"
            self.power.code = code
        if hasattr(self, "cpu"):
            self.cpu.halted = True

    # Running.
    def run(
        self,
        timeout: float | None = None,
        poll: Callable[[bool], None] | None = None,
        max_instructions: int | None = None,
    ) -> RunResult:
        """Run until the guest powers off or resets, or `timeout` seconds pass.

        `poll(idle)` is called between slices to feed console input; idle says the CPU
        stopped early without halting (waiting for an interrupt), so it may block briefly.
        """
        start = time.monotonic()
        deadline = None if timeout is None else start + timeout
        cpu = self.cpu
        base = cpu.instret
        watch = self.watch
        panic_at = None
        while not cpu.halted:
            budget = SLICE
            if max_instructions is not None:
                budget = min(budget, max_instructions - (cpu.instret - base))
                if budget <= 0:
                    break
            done = cpu.run(budget)
            self.rtc.poll()
            if watch.panicked:
                # let the kernel finish its report; a reboot or the closing line ends it
                panic_at = cpu.instret if panic_at is None else panic_at
                if watch.panic_ended or cpu.instret - panic_at > PANIC_GRACE:
                    break
            idle = done < budget and not cpu.halted
            if self.net is None:
                if poll is not None:
                    poll(idle)
            else:
                if poll is not None:
                    poll(False)
                # WFI says the guest waits (a slice also ends a few instructions short)
                self._net_step(cast(_PacedCpu, cpu).idle)
            if deadline is not None and time.monotonic() > deadline:
                break
        elapsed = time.monotonic() - start
        reason = "panic" if watch.panicked else self.power.reason or "timeout"
        return RunResult(reason, cpu.instret - base, elapsed, self.power.code)

    # The device tree.
    def _device_tree(self, layout: BootLayout, has_initrd: bool) -> bytes:
        cfg = self.config
        root = Node()
        root.u32("#address-cells", 2).u32("#size-cells", 2)
        root.string("compatible", "riscv-virtio").string("model", "riscv-virtio,vmforms")
        chosen = root.child("chosen")
        chosen.string("bootargs", cfg.cmdline)
        chosen.string("stdout-path", f"/soc/serial@{VIRT_UART0:x}")
        if has_initrd:
            chosen.u64("linux,initrd-start", layout.initrd)
            chosen.u64("linux,initrd-end", layout.initrd_end)
        mem = root.child(f"memory@{VIRT_DRAM:x}")
        mem.string("device_type", "memory").u64("reg", VIRT_DRAM, cfg.mem_size)

        cpus = root.child("cpus")
        cpus.u32("#address-cells", 1).u32("#size-cells", 0)
        cpus.u32("timebase-frequency", cfg.timebase_hz)
        cpu = cpus.child("cpu@0")
        cpu.string("device_type", "cpu").u32("reg", 0).string("status", "okay")
        cpu.string("compatible", "riscv").string("riscv,isa", RISCV_ISA)
        cpu.string("riscv,isa-base", "rv64i").string("riscv,isa-extensions", *RISCV_ISA_EXTENSIONS)
        cpu.string("mmu-type", "riscv,sv39")
        intc = cpu.child("interrupt-controller")
        intc.u32("#address-cells", 0).u32("#interrupt-cells", 1).prop("interrupt-controller")
        intc.string("compatible", "riscv,cpu-intc").u32("phandle", PHANDLE_CPU_INTC)

        soc = root.child("soc")
        soc.u32("#address-cells", 2).u32("#size-cells", 2)
        soc.string("compatible", "simple-bus").prop("ranges")
        test = soc.child(f"test@{VIRT_TEST:x}")
        test.string("compatible", "sifive,test1", "sifive,test0", "syscon")
        test.u64("reg", VIRT_TEST, POWER_SIZE).u32("phandle", PHANDLE_TEST)
        for name, compatible, value in (
            ("poweroff", "syscon-poweroff", 0x5555),
            ("reboot", "syscon-reboot", 0x7777),
        ):
            node = root.child(name)
            node.string("compatible", compatible).u32("regmap", PHANDLE_TEST)
            node.u32("offset", 0).u32("value", value)
        rtc = soc.child(f"rtc@{VIRT_RTC:x}")
        rtc.string("compatible", "google,goldfish-rtc").u64("reg", VIRT_RTC, RTC_SIZE)
        rtc.u32("interrupt-parent", PHANDLE_PLIC).u32("interrupts", VIRT_RTC_IRQ)
        clint = soc.child(f"clint@{VIRT_CLINT:x}")
        clint.string("compatible", "sifive,clint0", "riscv,clint0")
        clint.u64("reg", VIRT_CLINT, CLINT_SIZE)
        clint.u32(
            "interrupts-extended", PHANDLE_CPU_INTC, IRQ_M_SOFT, PHANDLE_CPU_INTC, IRQ_M_TIMER
        )
        plic = soc.child(f"plic@{VIRT_PLIC:x}")
        plic.string("compatible", "sifive,plic-1.0.0", "riscv,plic0")
        plic.u32("#address-cells", 0).u32("#interrupt-cells", 1).prop("interrupt-controller")
        plic.u64("reg", VIRT_PLIC, VIRT_PLIC_SIZE).u32("riscv,ndev", PLIC_NUM_SOURCES - 1)
        plic.u32("interrupts-extended", PHANDLE_CPU_INTC, IRQ_M_EXT, PHANDLE_CPU_INTC, IRQ_S_EXT)
        plic.u32("phandle", PHANDLE_PLIC)
        uart = soc.child(f"serial@{VIRT_UART0:x}")
        uart.string("compatible", "ns16550a").u64("reg", VIRT_UART0, VIRT_UART0_SIZE)
        uart.u32("clock-frequency", UART_CLOCK_HZ)
        uart.u32("interrupt-parent", PHANDLE_PLIC).u32("interrupts", VIRT_UART0_IRQ)
        for slot in range(VIRT_VIRTIO_COUNT):
            base = VIRT_VIRTIO + slot * VIRT_VIRTIO_STRIDE
            node = soc.child(f"virtio_mmio@{base:x}")
            node.string("compatible", "virtio,mmio").u64("reg", base, VIRT_VIRTIO_STRIDE)
            node.u32("interrupt-parent", PHANDLE_PLIC).u32("interrupts", VIRT_VIRTIO_IRQ + slot)
        return root.to_dtb()
