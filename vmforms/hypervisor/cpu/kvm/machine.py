"""The x86-64 KVM board: RAM from 0, COM1 and the i8042 on ports, virtio-mmio slots at
0xd0000000 (as Firecracker places them), one thread per vCPU; the 8259 pair and the 8254
timer in user space when KVM has none in the kernel, the timer raising IRQ 0 from a
thread of its own.

The slots hold what the RISC-V board's do, from the same device models: the disks from
slot 0, then virtio-net (--net), virtio-console (hvc0) in slot 6 and virtio-rng in slot 7.

Data flows as on the RISC-V board: config -> memory + devices + boot protocol -> vCPU
loops -> exits dispatched through a bus to a device -> KVM_IRQ_LINE. Port I/O has a bus of
its own. The board's lock serialises the devices between vCPU threads and the console.
"""

from __future__ import annotations

import logging
import os
import signal
import stat
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vmforms.hypervisor.boot.x86 import BootImage, load_kernel
from vmforms.hypervisor.bus import Bus
from vmforms.hypervisor.cpu.kvm.legacy import (
    I8042,
    I8042_COMMAND_PORT,
    I8042_DATA_PORT,
    MARKER_PORT,
    MarkerPort,
    PortAt,
)
from vmforms.hypervisor.cpu.kvm.pic import MASTER_PORT, SLAVE_PORT, PicPair
from vmforms.hypervisor.cpu.kvm.pit import PIT_PORT, PORT_B, Pit, PitTicker, PortB
from vmforms.hypervisor.cpu.kvm.vcpu import KICK_SIGNAL, Vcpu
from vmforms.hypervisor.cpu.kvm.vm import KvmError, KvmVm
from vmforms.hypervisor.devices.uart import Uart16550
from vmforms.hypervisor.devices.virtio.blk import VirtioBlk
from vmforms.hypervisor.devices.virtio.console import RECEIVEQ, VirtioConsole
from vmforms.hypervisor.devices.virtio.mmio import VirtioDevice, VirtioMmio
from vmforms.hypervisor.devices.virtio.net import RECEIVEQ as NET_RECEIVEQ
from vmforms.hypervisor.devices.virtio.net import VirtioNet
from vmforms.hypervisor.devices.virtio.rng import VirtioRng
from vmforms.hypervisor.errors import BusError, GuestMemoryError

log = logging.getLogger(__name__)

COM1_PORT = 0x3F8
COM1_IRQ = 4
TIMER_IRQ = 0
VIRTIO_MMIO_BASE = 0xD0000000
VIRTIO_MMIO_STRIDE = 0x1000
VIRTIO_MMIO_IRQ = 5
VIRTIO_SLOTS = 8
CONSOLE_SLOT = VIRTIO_SLOTS - 2
RNG_SLOT = VIRTIO_SLOTS - 1
NET_WAIT = 0.02  # seconds the main thread waits for a frame from the host at a time
STOP_JOIN_SECONDS = 5.0
GUEST_ERRORS_LOGGED = 10


@dataclass(frozen=True, slots=True)
class X86Config:
    kernel: Path
    initrd: Path | None = None
    cmdline: str = ""
    mem_size: int = 128 << 20
    disks: tuple[tuple[Path, bool], ...] = ()  # (image, read-only)
    cpus: int = 1
    irqchip: bool = True  # the in-kernel PIC/IOAPIC/LAPIC and PIT, where KVM offers them
    boot_flags: int = 0  # for a bare ELF guest: ESI at entry


@dataclass(frozen=True, slots=True)
class X86RunResult:
    """Why the run ended ("poweroff", "reset", "halt", "triple-fault", "timeout") and its
    cost: exits by reason name, wall time, the time to the first exit, and the time the
    board took to build (KVM fds, RAM, devices, loading the kernel, vCPU registers)."""

    reason: str
    seconds: float
    exits: dict[str, int]
    first_exit_seconds: float | None
    setup_seconds: float = 0.0
    first_exit_cpu_seconds: float | None = None  # the process's CPU from exec to then


def virtio_cmdline(slots: int | list[int]) -> str:
    """Linux's virtio_mmio.device=<size>@<base>:<irq> for each populated slot (a count:
    the first ones)."""
    indices = range(slots) if isinstance(slots, int) else slots
    return " ".join(
        f"virtio_mmio.device=4K@{VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_STRIDE:#x}:"
        f"{VIRTIO_MMIO_IRQ + i}"
        for i in indices
    )


def _read_image(path: Path, what: str, limit: int) -> bytes:
    """A kernel or initrd: a regular file no larger than guest RAM, read in one go."""
    try:
        with path.open("rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise GuestMemoryError(f"{what} '{path}': not a regular file")
            if st.st_size > limit:
                raise GuestMemoryError(
                    f"{what} '{path}' of {st.st_size >> 20} MiB does not fit in "
                    f"{limit >> 20} MiB of guest RAM; add --mem"
                )
            return f.read(limit + 1)[:limit]
    except OSError as exc:
        raise GuestMemoryError(f"read {what} '{path}': {exc.strerror}") from exc


class X86Machine:
    """Builds the board; every input is checked before a vCPU exists. close() frees all."""

    def __init__(
        self, config: X86Config, console: Callable[[bytes], None], net: VirtioNet | None = None
    ) -> None:
        self.created = time.perf_counter()
        if config.cpus < 1:
            raise KvmError(f"--cpus {config.cpus}: at least one vCPU")
        free = CONSOLE_SLOT - (net is not None)
        if len(config.disks) > free:
            raise GuestMemoryError(
                f"{len(config.disks)} disks: the board has {free} virtio slots for disks"
                + (" beside the network" if net is not None else "")
            )
        image = _read_image(config.kernel, "kernel", config.mem_size)
        initrd = _read_image(config.initrd, "initrd", config.mem_size) if config.initrd else b""
        self.config = config
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.reason = ""
        self.vcpus: list[Vcpu] = []
        self.disks: list[VirtioBlk] = []
        self.net = net
        self.net_slot = len(config.disks)
        self.hvc = VirtioConsole(console)
        self._first_exit: float | None = None
        self._first_exit_cpu: float | None = None
        self.guest_errors = 0
        self.vm = KvmVm(config.mem_size, irqchip=config.irqchip)
        try:
            if config.cpus > self.vm.caps.max_vcpus:
                raise KvmError(f"--cpus {config.cpus}: this KVM allows {self.vm.caps.max_vcpus}")
            memory = self.vm.memory
            assert memory is not None
            self.memory = memory
            self.disks = [VirtioBlk(path, read_only=ro) for path, ro in config.disks]
            self.ports = Bus()
            # The kernel's irqchip serves ports 0x20/0xa0 itself; without it, ours does.
            self.pic = None if self.vm.irqchip else PicPair()
            self.mmio = Bus()
            self.uart = Uart16550(console, self._irq_line(COM1_IRQ))
            self.i8042 = I8042(lambda: self._power("reset"))
            self.markers = MarkerPort()
            self.ports.register(COM1_PORT, 8, self.uart, "com1")
            self.ports.register(I8042_DATA_PORT, 1, self.i8042, "i8042")
            command = PortAt(self.i8042, I8042_COMMAND_PORT - I8042_DATA_PORT)
            self.ports.register(I8042_COMMAND_PORT, 1, command, "i8042-command")
            self.ports.register(MARKER_PORT, 4, self.markers, "marker")
            if self.pic is not None:
                self.ports.register(MASTER_PORT, 2, self.pic.master, "pic-master")
                self.ports.register(SLAVE_PORT, 2, self.pic.slave, "pic-slave")
            # Likewise KVM's PIT serves 0x40-0x43 and port B (0x61); without it, ours.
            self.pit = None if self.vm.pit2 else Pit()
            if self.pit is not None:
                self.ports.register(PIT_PORT, 4, self.pit, "pit")
                self.ports.register(PORT_B, 1, PortB(self.pit), "port-b")
            self.virtio: list[VirtioMmio] = []
            extra: dict[int, VirtioDevice] = {CONSOLE_SLOT: self.hvc, RNG_SLOT: VirtioRng()}
            if net is not None:
                extra[self.net_slot] = net
            for slot in range(VIRTIO_SLOTS):
                device: VirtioDevice | None = self.disks[slot] if slot < len(self.disks) else None
                device = extra.get(slot, device)
                transport = VirtioMmio(memory, device, self._irq_line(VIRTIO_MMIO_IRQ + slot))
                self.virtio.append(transport)
                base = VIRTIO_MMIO_BASE + slot * VIRTIO_MMIO_STRIDE
                self.mmio.register(base, VIRTIO_MMIO_STRIDE, transport, f"virtio{slot}")
            used = [i for i, t in enumerate(self.virtio) if t.device is not None]
            cmdline = " ".join(w for w in (config.cmdline, virtio_cmdline(used)) if w)
            self.boot: BootImage = load_kernel(
                memory, image, cmdline.encode(), initrd, config.boot_flags, config.cpus,
                apic=self.vm.irqchip,
            )
            for index in range(config.cpus):
                self.vcpus.append(Vcpu(self.vm, index, config.cpus))
            # The boot CPU enters the kernel; the others wait for INIT/SIPI in the irqchip.
            self.vcpus[0].enter(self.boot.entry)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for vcpu in self.vcpus:
            vcpu.close()
        self.vcpus = []
        for disk in self.disks:
            disk.close()
        self.disks = []
        self.vm.close()

    def _irq_line(self, irq: int) -> Callable[[bool], None]:
        def line(level: bool) -> None:
            if self.pic is None:
                self.vm.set_irq(irq, level)
                return
            # Called with the board's lock held; the boot vCPU takes PIC interrupts.
            self.pic.set_irq(irq, level)
            if level and self.vcpus:
                self.vcpus[0].poke()

        return line

    def _timer_irq(self) -> None:
        """A rising edge of the user-space PIT's OUT 0 (the timer thread, lock held)."""
        if self.pic is None:
            self.vm.set_irq(TIMER_IRQ, True)  # the in-kernel PIC latches the edge
            self.vm.set_irq(TIMER_IRQ, False)
            return
        self.pic.pulse(TIMER_IRQ)
        if self.vcpus:
            self.vcpus[0].poke()

    # Exits, called from vCPU threads with self.lock held.
    def port_in(self, port: int, size: int) -> int:
        self._note_exit()
        try:
            return self.ports.read(port, size)
        except BusError:
            return (1 << (8 * size)) - 1  # nothing drives the bus: all ones, as on a PC

    def port_out(self, port: int, size: int, value: int) -> None:
        self._note_exit()
        try:
            self.ports.write(port, size, value)
        except BusError:
            pass  # Linux probes ports (0x80 delays, absent UARTs); silence is the answer

    def mmio_read(self, addr: int, size: int) -> int:
        self._note_exit()
        try:
            return self.mmio.read(addr, size)
        except BusError as exc:
            self._guest_error(exc)
            return (1 << (8 * size)) - 1

    def mmio_write(self, addr: int, size: int, value: int) -> None:
        self._note_exit()
        try:
            self.mmio.write(addr, size, value)
        except BusError as exc:
            self._guest_error(exc)

    def _guest_error(self, exc: Exception) -> None:
        """A guest touching nothing is logged, a few times: a loop of them must not
        flood the console or slow every exit with a write to stderr."""
        self.guest_errors += 1
        if self.guest_errors <= GUEST_ERRORS_LOGGED:
            log.warning("guest: %s", exc)
            if self.guest_errors == GUEST_ERRORS_LOGGED:
                log.warning("guest: further accesses to unclaimed addresses not logged")

    def _note_exit(self) -> None:
        if self._first_exit is None:
            self._first_exit = time.perf_counter()
            self._first_exit_cpu = time.process_time()

    def _power(self, reason: str) -> None:
        if not self.reason:
            self.reason = reason
        self.stop.set()
        for vcpu in self.vcpus:
            vcpu.kick()

    # Running.
    def run(
        self, timeout: float | None = None, poll: Callable[[bool], None] | None = None
    ) -> X86RunResult:
        """Run every vCPU in its own thread until the guest powers off or resets, a vCPU
        fails, or `timeout` passes; `poll(True)` feeds console input meanwhile."""
        errors: list[BaseException] = []
        previous = signal.signal(KICK_SIGNAL, lambda signum, frame: None)
        start = time.perf_counter()

        def body(vcpu: Vcpu) -> None:
            try:
                outcome = vcpu.run(self, self.stop)
                if outcome != "stopped":
                    with self.lock:
                        self._power("poweroff" if outcome == "halt" else outcome)
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
                self._power("error")

        # Without the in-kernel LAPIC nothing can send the other vCPUs INIT/SIPI: they
        # would start at the reset vector with no firmware there, so only the boot CPU runs.
        running = self.vcpus if self.vm.irqchip else self.vcpus[:1]
        threads = [
            threading.Thread(target=body, args=(v,), name=f"vcpu{v.index}", daemon=True)
            for v in running
        ]
        ticker = None if self.pit is None else PitTicker(self.pit, self.lock, self._timer_irq)
        try:
            if ticker is not None:
                ticker.start()
            for t in threads:
                t.start()
            deadline = None if timeout is None else start + timeout
            while not self.stop.is_set():
                if deadline is not None and time.perf_counter() > deadline:
                    self._power("timeout")
                    break
                if poll is not None:
                    poll(self.net is None)
                if self.net is not None:
                    self._net_step()
                elif poll is None:
                    self.stop.wait(0.05)
        finally:
            self._power(self.reason or "stopped")
            if ticker is not None:
                ticker.stop(STOP_JOIN_SECONDS)
            for t in threads:
                t.join(STOP_JOIN_SECONDS)
            signal.signal(KICK_SIGNAL, previous)
        if errors:
            raise errors[0]
        elapsed = time.perf_counter() - start
        exits: Counter[str] = Counter()
        from vmforms.hypervisor.cpu.kvm.vcpu import EXIT_NAMES

        for vcpu in self.vcpus:
            for code, n in vcpu.exits.items():
                exits[EXIT_NAMES.get(code, str(code))] += n
        first = None if self._first_exit is None else self._first_exit - start
        return X86RunResult(
            self.reason, elapsed, dict(exits), first, start - self.created, self._first_exit_cpu
        )

    def _net_step(self) -> None:
        """Frames from the host for virtio-net, waited for here in the main thread (the
        vCPU threads send the guest's frames as they notify)."""
        assert self.net is not None
        self.net.wait(NET_WAIT)
        with self.lock:
            if self.net.pull() or self.net.backlog:
                self.virtio[self.net_slot].host_notify(NET_RECEIVEQ)

    def receive(self, data: bytes) -> None:
        """Console input for COM1 and hvc0 alike."""
        with self.lock:
            self.uart.receive(data)
            self.hvc.receive(data)
            self.virtio[CONSOLE_SLOT].host_notify(RECEIVEQ)
