"""A KVM virtual machine: the /dev/kvm and VM fds, guest RAM as one memory slot, and the
in-kernel interrupt controllers (Linux Documentation/virt/kvm/api.rst sections 4.1-4.35).

KVM_CREATE_IRQCHIP gives the guest a PIC pair, an IOAPIC and a local APIC per vCPU;
KVM_CREATE_PIT2 an i8254 timer. Where they are not offered (or not wanted) the board
serves them in user space (cpu/kvm/pic.py, cpu/kvm/pit.py) and HLT exits to the monitor.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from vmforms.hypervisor.errors import GuestMemoryError, HypervisorError
from vmforms.linux import kvm

# The 3 pages below 4 GiB that Intel's VMX needs for real-mode emulation (KVM_SET_TSS_ADDR,
# KVM_SET_IDENTITY_MAP_ADDR), where the BIOS area of a PC is: QEMU's choice too.
TSS_ADDR = 0xFFFBD000
IDENTITY_MAP_ADDR = 0xFFFBC000
PAGE_SIZE = 4096
MMIO_GAP_START = 0xC0000000  # RAM stays below the 32-bit device window


class KvmError(HypervisorError):
    """/dev/kvm is missing, refused a request, or the guest could not be run."""


class KvmMemory:
    """Guest RAM from physical address 0, an anonymous mapping KVM maps into the guest.

    It has GuestMemory's shape (base, size, data, read/write/load) so the virtio device
    models serve this CPU as they serve the software one: DMA is a copy into `data`.
    """

    __slots__ = ("base", "size", "end", "data", "host_addr", "write_watch")

    def __init__(self, size: int) -> None:
        if size <= 0 or size % PAGE_SIZE:
            raise GuestMemoryError(f"guest RAM size {size:#x}: not a positive multiple of 4 KiB")
        if size > MMIO_GAP_START:
            raise GuestMemoryError(
                f"guest RAM of {size >> 20} MiB: this board keeps RAM below "
                f"{MMIO_GAP_START >> 20} MiB; give --mem up to 3G"
            )
        self.base = 0
        self.size = size
        self.end = size
        try:
            self.data, self.host_addr = kvm.map_guest_memory(size)
        except OSError as exc:
            raise GuestMemoryError(str(exc)) from exc
        self.write_watch = None

    def contains(self, addr: int, length: int = 1) -> bool:
        return addr >= 0 and addr + length <= self.end

    def load(self, addr: int, blob: bytes) -> None:
        if not self.contains(addr, len(blob)):
            raise GuestMemoryError(
                f"load {len(blob)} bytes at {addr:#x}: outside guest RAM [0, {self.end:#x}); "
                "give the machine more --mem"
            )
        self.data[addr : addr + len(blob)] = blob

    def read(self, addr: int, length: int) -> bytes:
        if not self.contains(addr, length):
            raise GuestMemoryError(f"read {length} bytes at {addr:#x}: outside guest RAM")
        return self.data[addr : addr + length]

    def write(self, addr: int, blob: bytes) -> None:
        self.load(addr, blob)

    def close(self) -> None:
        self.data.close()


@dataclass(frozen=True, slots=True)
class KvmCapabilities:
    """What this host's KVM offers that the board cares about."""

    irqchip: bool
    pit2: bool
    max_vcpus: int
    immediate_exit: bool


def _fail(what: str, exc: OSError) -> KvmError:
    hint = ""
    if isinstance(exc, FileNotFoundError):
        hint = "; is CONFIG_KVM enabled and the kvm_intel or kvm_amd module loaded?"
    elif isinstance(exc, PermissionError):
        hint = "; is /dev/kvm readable and writable by this user (group kvm)?"
    return KvmError(f"{what}: {exc}{hint}")


class KvmVm:
    """One VM: its fds, RAM and interrupt controllers; close() releases all of them."""

    def __init__(self, mem_size: int, *, irqchip: bool = True, device: str = "/dev/kvm") -> None:
        self.fd = -1
        self.memory: KvmMemory | None = None
        try:
            self.kvm_fd = kvm.open_kvm(device)
        except OSError as exc:
            raise _fail("open /dev/kvm", exc) from exc
        try:
            version = kvm.get_api_version(self.kvm_fd)
            if version != kvm.KVM_API_VERSION:
                raise KvmError(f"KVM API version {version}, expected {kvm.KVM_API_VERSION}")
            if not kvm.check_extension(self.kvm_fd, kvm.KVM_CAP_USER_MEMORY):
                raise KvmError("KVM lacks KVM_CAP_USER_MEMORY")
            self.caps = self._capabilities()
            self.vcpu_mmap_size = kvm.get_vcpu_mmap_size(self.kvm_fd)
            self.supported_cpuid = kvm.get_supported_cpuid(self.kvm_fd)
            self.fd = kvm.create_vm(self.kvm_fd)
            kvm.set_identity_map_addr(self.fd, IDENTITY_MAP_ADDR)
            kvm.set_tss_addr(self.fd, TSS_ADDR)
            self.irqchip = irqchip and self.caps.irqchip
            self.pit2 = self.irqchip and self.caps.pit2  # else the board's own 8254
            if self.irqchip:
                kvm.create_irqchip(self.fd)
                if self.pit2:
                    kvm.create_pit2(self.fd)
            self.memory = KvmMemory(mem_size)
            kvm.set_user_memory_region(self.fd, 0, 0, mem_size, self.memory.host_addr)
        except OSError as exc:
            self.close()
            raise _fail("set up the VM", exc) from exc
        except BaseException:
            self.close()
            raise

    def _capabilities(self) -> KvmCapabilities:
        fd = self.kvm_fd
        max_vcpus = kvm.check_extension(fd, kvm.KVM_CAP_MAX_VCPUS) or kvm.check_extension(
            fd, kvm.KVM_CAP_NR_VCPUS
        )
        return KvmCapabilities(
            irqchip=bool(kvm.check_extension(fd, kvm.KVM_CAP_IRQCHIP)),
            pit2=bool(kvm.check_extension(fd, kvm.KVM_CAP_PIT2)),
            max_vcpus=max_vcpus or 1,
            immediate_exit=bool(kvm.check_extension(fd, kvm.KVM_CAP_IMMEDIATE_EXIT)),
        )

    def set_irq(self, irq: int, level: bool) -> None:
        """Drive an interrupt line of the in-kernel PIC/IOAPIC (no-op without them)."""
        if self.irqchip and self.fd >= 0:
            kvm.irq_line(self.fd, irq, level)

    def close(self) -> None:
        """The VM fd first (its vCPUs are closed already), then the RAM it mapped."""
        for name in ("fd", "kvm_fd"):
            fd = getattr(self, name, -1)
            if fd >= 0:
                os.close(fd)
                setattr(self, name, -1)
        if self.memory is not None:
            self.memory.close()
            self.memory = None

