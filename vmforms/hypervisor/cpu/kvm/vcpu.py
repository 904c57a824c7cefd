"""One KVM vCPU: its registers at entry, and the run loop (api.rst 4.10 KVM_RUN, 5 kvm_run).

The loop is one dispatch on the exit reason, as in kvmtool and Firecracker. Port and MMIO
exits are served by the board's devices under the board's lock, in this vCPU's thread;
the guest resumes at the next KVM_RUN. A signal (see `kick`) makes KVM_RUN return EINTR,
and `immediate_exit` closes the race with a signal that arrives just before it.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from vmforms.hypervisor.cpu.kvm.cpuid import guest_cpuid
from vmforms.hypervisor.cpu.kvm.vm import KvmError, KvmVm
from vmforms.linux import kvm

KICK_SIGNAL = signal.SIGUSR1
HLT_POLL_SECONDS = 0.05  # a halted vCPU is woken by poke(); this only bounds a lost one

# Exit names for messages and statistics.
EXIT_NAMES = {
    getattr(kvm, n): n for n in dir(kvm) if n.startswith("KVM_EXIT_") and n[9:10].isalpha()
    and n not in ("KVM_EXIT_IO_IN", "KVM_EXIT_IO_OUT")
}
KVM_SYSTEM_EVENT_SHUTDOWN = 1
KVM_SYSTEM_EVENT_RESET = 2

CR0_PE = 1 << 0
CR0_MP = 1 << 1
CR0_ET = 1 << 4
CR0_NE = 1 << 5
CR0_WP = 1 << 16
CR0_PG = 1 << 31
CR4_PAE = 1 << 5
EFER_LME = 1 << 8
EFER_LMA = 1 << 10
SEG_TYPE_CODE = 0xB  # execute/read, accessed
SEG_TYPE_DATA = 0x3  # read/write, accessed


@dataclass(frozen=True, slots=True)
class EntryState:
    """Where and how a vCPU starts: the mode, the instruction pointer and the registers the
    boot protocol names (rsi: boot_params or boot flags; rbx: PVH's start_info)."""

    mode: str  # "real", "protected" or "long"
    rip: int
    rsi: int = 0
    rbx: int = 0
    rsp: int = 0
    cr3: int = 0
    gdt_base: int = 0
    gdt_limit: int = 0
    code_selector: int = 0x10
    data_selector: int = 0x18


class InterruptController(Protocol):
    """A user-space interrupt controller (the 8259 pair) the loop injects from."""

    def pending(self) -> bool: ...

    def acknowledge(self) -> int | None: ...


class ExitDevices(Protocol):
    """What the loop needs of the board: ports, MMIO, the lock around them, and the
    user-space interrupt controller when KVM has none in the kernel."""

    lock: threading.Lock

    @property
    def pic(self) -> InterruptController | None: ...

    def port_in(self, port: int, size: int) -> int: ...

    def port_out(self, port: int, size: int, value: int) -> None: ...

    def mmio_read(self, addr: int, size: int) -> int: ...

    def mmio_write(self, addr: int, size: int, value: int) -> None: ...


class Vcpu:
    """vCPU `index` of `count`; its fd and kvm_run mapping are released by close()."""

    def __init__(self, vm: KvmVm, index: int, count: int) -> None:
        self.index = index
        self.exits: Counter[int] = Counter()
        self.thread_id: int | None = None  # set only while run() is on a thread
        self._thread_lock = threading.Lock()
        self._wake = threading.Event()  # a halted vCPU (no in-kernel LAPIC) waits on it
        try:
            self.fd = kvm.create_vcpu(vm.fd, index)
        except OSError as exc:
            raise KvmError(str(exc)) from exc
        try:
            self.run_area = kvm.map_vcpu_run(self.fd, vm.vcpu_mmap_size)
            cpuid = guest_cpuid(vm.supported_cpuid, index, count, apic=vm.irqchip)
            kvm.set_cpuid2(self.fd, cpuid)
        except OSError as exc:
            os.close(self.fd)
            raise KvmError(f"vCPU {index}: {exc}") from exc

    def close(self) -> None:
        if self.fd >= 0:
            self.run_area.close()
            os.close(self.fd)
            self.fd = -1

    # Entry.
    def enter(self, state: EntryState) -> None:
        try:
            sregs = kvm.get_sregs(self.fd)
            code_seg, data_segs = sregs.segment("cs"), [
                sregs.segment(n) for n in ("ds", "es", "fs", "gs", "ss")
            ]
            if state.mode == "real":
                for seg in [code_seg, *data_segs]:
                    seg.base, seg.selector, seg.limit = 0, 0, 0xFFFF
                    seg.present, seg.s, seg.db, seg.g, seg.l, seg.dpl = 1, 1, 0, 0, 0, 0
                    seg.type = SEG_TYPE_DATA
                code_seg.type = SEG_TYPE_CODE
            else:
                long_mode = state.mode == "long"
                for seg, sel in [(code_seg, state.code_selector)] + [
                    (s, state.data_selector) for s in data_segs
                ]:
                    seg.base, seg.limit, seg.selector = 0, 0xFFFFFFFF, sel
                    seg.present, seg.s, seg.g, seg.dpl = 1, 1, 1, 0
                    seg.type, seg.db, seg.l = SEG_TYPE_DATA, 1, 0
                code_seg.type = SEG_TYPE_CODE
                if long_mode:
                    code_seg.db, code_seg.l = 0, 1
                sregs.gdt = (state.gdt_base, state.gdt_limit)
                sregs.cr0 |= CR0_PE | CR0_MP | CR0_ET | CR0_NE
                if long_mode:
                    sregs.cr3 = state.cr3
                    sregs.cr4 |= CR4_PAE
                    sregs.cr0 |= CR0_PG | CR0_WP
                    sregs.efer |= EFER_LME | EFER_LMA
            kvm.set_sregs(self.fd, sregs)
            regs = kvm.Regs(rip=state.rip, rsi=state.rsi, rbx=state.rbx, rsp=state.rsp)
            kvm.set_regs(self.fd, regs)
        except OSError as exc:
            raise KvmError(f"vCPU {self.index}: {exc}") from exc

    # Running.
    def kick(self) -> None:
        """Make the vCPU leave KVM_RUN now, or not enter it again."""
        if self.fd < 0:
            return
        kvm.set_immediate_exit(self.run_area, True)
        self._wake.set()
        # Only a thread still inside run(): a finished Python thread's id may be reused,
        # and a signal to the wrong thread after the handler is gone would kill us.
        with self._thread_lock:
            if self.thread_id is not None:
                signal.pthread_kill(self.thread_id, KICK_SIGNAL)

    def run(self, devices: ExitDevices, stop: threading.Event) -> str:
        """Run until the guest halts or resets, or `stop` is set; return why it ended."""
        with self._thread_lock:
            self.thread_id = threading.get_ident()
        try:
            return self._loop(devices, stop)
        finally:
            with self._thread_lock:
                self.thread_id = None

    def _loop(self, devices: ExitDevices, stop: threading.Event) -> str:
        area, fd, exits, lock, pic = (
            self.run_area, self.fd, self.exits, devices.lock, devices.pic
        )
        while not stop.is_set():
            if pic is not None:
                with lock:
                    self._inject(pic)
            try:
                ran = kvm.run(fd)
            except OSError as exc:
                raise KvmError(f"vCPU {self.index}: {exc}") from exc
            if not ran:
                kvm.set_immediate_exit(area, False)
                continue
            reason = kvm.exit_reason(area)
            exits[reason] += 1
            if reason == kvm.KVM_EXIT_IO:
                direction, size, port, count, off = kvm.exit_io(area)
                with lock:
                    for i in range(count):
                        at = off + i * size
                        if direction == kvm.KVM_EXIT_IO_OUT:
                            value = int.from_bytes(area[at : at + size], "little")
                            devices.port_out(port, size, value)
                        else:
                            area[at : at + size] = devices.port_in(port, size).to_bytes(
                                size, "little"
                            )
            elif reason == kvm.KVM_EXIT_MMIO:
                addr, data, length, is_write = kvm.exit_mmio(area)
                with lock:
                    if is_write:
                        devices.mmio_write(addr, length, int.from_bytes(data[:length], "little"))
                    else:
                        value = devices.mmio_read(addr, length)
                        kvm.set_mmio_data(area, value.to_bytes(8, "little"))
            elif reason == kvm.KVM_EXIT_HLT:
                # Without an in-kernel LAPIC, HLT comes here: with interrupts off it is the
                # end; with them on, wait for the user-space PIC to have something.
                if pic is None or not kvm.interrupts_enabled(area):
                    return "halt"
                while not stop.is_set():
                    self._wake.clear()
                    with lock:
                        if pic.pending():
                            break
                    self._wake.wait(HLT_POLL_SECONDS)
            elif reason == kvm.KVM_EXIT_IRQ_WINDOW_OPEN:
                pass  # the guest can take the interrupt now: injected before the next run
            elif reason == kvm.KVM_EXIT_SHUTDOWN:
                return "triple-fault"
            elif reason == kvm.KVM_EXIT_SYSTEM_EVENT:
                (kind,) = kvm.exit_internal(area)[:1]
                return "reset" if kind == KVM_SYSTEM_EVENT_RESET else "shutdown"
            elif reason == kvm.KVM_EXIT_INTR:
                kvm.set_immediate_exit(area, False)
            elif reason == kvm.KVM_EXIT_FAIL_ENTRY:
                raise KvmError(
                    f"vCPU {self.index}: KVM_EXIT_FAIL_ENTRY, hardware reason "
                    f"{kvm.exit_fail_entry(area):#x} at rip {self._rip():#x}"
                )
            elif reason == kvm.KVM_EXIT_INTERNAL_ERROR:
                sub, _ = kvm.exit_internal(area)
                raise KvmError(
                    f"vCPU {self.index}: KVM_EXIT_INTERNAL_ERROR suberror {sub} at rip "
                    f"{self._rip():#x} (an instruction KVM could not emulate)"
                )
            else:
                name = EXIT_NAMES.get(reason, str(reason))
                raise KvmError(f"vCPU {self.index}: unexpected exit {name} at rip {self._rip():#x}")
        return "stopped"

    def _inject(self, pic: InterruptController) -> None:
        """KVM_INTERRUPT when the guest can take one, else ask KVM for the window."""
        area = self.run_area
        if not pic.pending():
            kvm.set_request_interrupt_window(area, False)
        elif kvm.can_inject(area):
            vector = pic.acknowledge()
            if vector is not None:
                kvm.interrupt(self.fd, vector)
            kvm.set_request_interrupt_window(area, False)
        else:
            kvm.set_request_interrupt_window(area, True)

    def poke(self) -> None:
        """Make the vCPU look at its interrupts again, unless it is the caller."""
        if threading.get_ident() != self.thread_id:
            self.kick_once()

    def kick_once(self) -> None:
        self._wake.set()
        with self._thread_lock:
            if self.thread_id is not None:
                kvm.set_immediate_exit(self.run_area, True)
                signal.pthread_kill(self.thread_id, KICK_SIGNAL)

    def _rip(self) -> int:
        try:
            return kvm.get_regs(self.fd).rip
        except OSError:
            return -1
