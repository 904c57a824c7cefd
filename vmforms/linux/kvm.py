"""The KVM API (Linux Documentation/virt/kvm/api.rst), x86-64: one named call per ioctl.

Every call raises OSError whose message names the ioctl and the errno, e.g.
"KVM_CREATE_VCPU 3: Invalid argument". Structures are packed with `struct` as the uapi
headers (include/uapi/linux/kvm.h, arch/x86/include/uapi/asm/kvm.h) lay them out.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import mmap
import os
import struct
from dataclasses import dataclass

from vmforms.linux.libc import libc as _libc

KVMIO = 0xAE
KVM_API_VERSION = 12


def _ioc(direction: int, nr: int, size: int) -> int:
    return (direction << 30) | (size << 16) | (KVMIO << 8) | nr


def _io(nr: int) -> int:
    return _ioc(0, nr, 0)


def _iow(nr: int, size: int) -> int:
    return _ioc(1, nr, size)


def _ior(nr: int, size: int) -> int:
    return _ioc(2, nr, size)


def _iowr(nr: int, size: int) -> int:
    return _ioc(3, nr, size)


# struct kvm_regs: 18 u64; kvm_sregs: 8 segments, 2 dtables, 7 u64, the interrupt bitmap.
_REGS = struct.Struct("<18Q")
_SEGMENT = struct.Struct("<QIH9Bx")  # base limit selector type present dpl db s l g avl unusable
_DTABLE = struct.Struct("<QH6x")
_SREGS_SIZE = 8 * _SEGMENT.size + 2 * _DTABLE.size + 7 * 8 + 4 * 8
_MEM_REGION = struct.Struct("<IIQQQ")  # slot flags guest_phys_addr memory_size userspace_addr
_CPUID_ENTRY = struct.Struct("<7I12x")  # function index flags eax ebx ecx edx padding[3]
_IRQ_LEVEL = struct.Struct("<II")
_PIT_CONFIG = struct.Struct("<I60x")
_MSR_ENTRY = struct.Struct("<IIQ")

KVM_GET_API_VERSION = _io(0x00)
KVM_CREATE_VM = _io(0x01)
KVM_CHECK_EXTENSION = _io(0x03)
KVM_GET_VCPU_MMAP_SIZE = _io(0x04)
KVM_GET_SUPPORTED_CPUID = _iowr(0x05, 8)
KVM_CREATE_VCPU = _io(0x41)
KVM_SET_USER_MEMORY_REGION = _iow(0x46, _MEM_REGION.size)
KVM_SET_TSS_ADDR = _io(0x47)
KVM_SET_IDENTITY_MAP_ADDR = _iow(0x48, 8)
KVM_CREATE_IRQCHIP = _io(0x60)
KVM_IRQ_LINE = _iow(0x61, _IRQ_LEVEL.size)
KVM_CREATE_PIT2 = _iow(0x77, _PIT_CONFIG.size)
KVM_RUN = _io(0x80)
KVM_GET_REGS = _ior(0x81, _REGS.size)
KVM_SET_REGS = _iow(0x82, _REGS.size)
KVM_GET_SREGS = _ior(0x83, _SREGS_SIZE)
KVM_SET_SREGS = _iow(0x84, _SREGS_SIZE)
KVM_SET_MSRS = _iow(0x89, 8)
KVM_SET_CPUID2 = _iow(0x90, 8)
KVM_INTERRUPT = _iow(0x86, 4)

KVM_PIT_SPEAKER_DUMMY = 1

KVM_CAP_IRQCHIP = 0
KVM_CAP_HLT = 1
KVM_CAP_USER_MEMORY = 3
KVM_CAP_SET_TSS_ADDR = 4
KVM_CAP_EXT_CPUID = 7
KVM_CAP_NR_VCPUS = 9
KVM_CAP_PIT2 = 33
KVM_CAP_SET_IDENTITY_MAP_ADDR = 37
KVM_CAP_MAX_VCPUS = 66
KVM_CAP_IMMEDIATE_EXIT = 136

KVM_EXIT_UNKNOWN = 0
KVM_EXIT_EXCEPTION = 1
KVM_EXIT_IO = 2
KVM_EXIT_HYPERCALL = 3
KVM_EXIT_DEBUG = 4
KVM_EXIT_HLT = 5
KVM_EXIT_MMIO = 6
KVM_EXIT_IRQ_WINDOW_OPEN = 7
KVM_EXIT_SHUTDOWN = 8
KVM_EXIT_FAIL_ENTRY = 9
KVM_EXIT_INTR = 10
KVM_EXIT_INTERNAL_ERROR = 17
KVM_EXIT_SYSTEM_EVENT = 24

KVM_EXIT_IO_IN = 0
KVM_EXIT_IO_OUT = 1
KVM_MAX_CPUID_ENTRIES = 256
KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1

# struct kvm_run: the fields the loop reads, at their offsets.
KVM_RUN_REQUEST_INTERRUPT_WINDOW = 0
KVM_RUN_IMMEDIATE_EXIT = 1
KVM_RUN_EXIT_REASON = 8
KVM_RUN_READY_FOR_INTERRUPT_INJECTION = 12
KVM_RUN_IF_FLAG = 13
KVM_RUN_EXIT = 32  # the union of per-reason exit information
_RUN_IO = struct.Struct("<BBHIQ")  # direction size port count data_offset
_RUN_MMIO = struct.Struct("<Q8sIB")  # phys_addr data[8] len is_write
_RUN_INTERNAL = struct.Struct("<II")  # suberror ndata
_RUN_FAIL_ENTRY = struct.Struct("<QI")


def _ioctl(fd: int, name: str, request: int, arg: int | bytes | bytearray = 0) -> int:
    """One ioctl, EINTR retried; the error names the ioctl and the errno."""
    while True:
        try:
            if isinstance(arg, int):
                # fcntl.ioctl takes a C int; KVM's scalar arguments are unsigned longs.
                ret = int(_libc.ioctl(fd, ctypes.c_ulong(request), ctypes.c_ulong(arg)))
                if ret == -1:
                    err = ctypes.get_errno()
                    raise OSError(err, os.strerror(err))
                return ret
            # A mutable buffer: the kernel's answer lands in it and the return value is kept.
            buf = arg if isinstance(arg, bytearray) else bytearray(arg)
            return int(fcntl.ioctl(fd, request, buf, True))
        except InterruptedError:
            continue
        except OSError as exc:
            code = exc.errno or errno.EIO
            raise OSError(code, f"{name}: {os.strerror(code)}") from None


# The system fd.
def open_kvm(path: str = "/dev/kvm") -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        code = exc.errno or errno.EIO
        raise OSError(code, f"open {path!r}: {os.strerror(code)}") from None


def get_api_version(kvm: int) -> int:
    return _ioctl(kvm, "KVM_GET_API_VERSION", KVM_GET_API_VERSION)


def check_extension(fd: int, cap: int) -> int:
    """0 when the capability is absent, else its value (some are counts)."""
    return _ioctl(fd, f"KVM_CHECK_EXTENSION {cap}", KVM_CHECK_EXTENSION, cap)


def get_vcpu_mmap_size(kvm: int) -> int:
    return _ioctl(kvm, "KVM_GET_VCPU_MMAP_SIZE", KVM_GET_VCPU_MMAP_SIZE)


@dataclass(frozen=True, slots=True)
class CpuidEntry:
    """struct kvm_cpuid_entry2."""

    function: int
    index: int
    flags: int
    eax: int
    ebx: int
    ecx: int
    edx: int


def get_supported_cpuid(kvm: int) -> list[CpuidEntry]:
    buf = bytearray(8 + KVM_MAX_CPUID_ENTRIES * _CPUID_ENTRY.size)
    struct.pack_into("<I", buf, 0, KVM_MAX_CPUID_ENTRIES)
    _ioctl(kvm, "KVM_GET_SUPPORTED_CPUID", KVM_GET_SUPPORTED_CPUID, buf)
    (count,) = struct.unpack_from("<I", buf, 0)
    entries = []
    for i in range(min(count, KVM_MAX_CPUID_ENTRIES)):
        f, idx, flags, a, b, c, d = _CPUID_ENTRY.unpack_from(buf, 8 + i * _CPUID_ENTRY.size)
        entries.append(CpuidEntry(f, idx, flags, a, b, c, d))
    return entries


def create_vm(kvm: int) -> int:
    fd = _ioctl(kvm, "KVM_CREATE_VM", KVM_CREATE_VM, 0)
    os.set_inheritable(fd, False)
    return fd


# The VM fd.
def set_user_memory_region(vm: int, slot: int, guest_phys: int, size: int, host: int) -> None:
    arg = _MEM_REGION.pack(slot, 0, guest_phys, size, host)
    _ioctl(vm, f"KVM_SET_USER_MEMORY_REGION slot {slot}", KVM_SET_USER_MEMORY_REGION, arg)


def set_tss_addr(vm: int, addr: int) -> None:
    _ioctl(vm, "KVM_SET_TSS_ADDR", KVM_SET_TSS_ADDR, addr)


def set_identity_map_addr(vm: int, addr: int) -> None:
    _ioctl(vm, "KVM_SET_IDENTITY_MAP_ADDR", KVM_SET_IDENTITY_MAP_ADDR, struct.pack("<Q", addr))


def create_irqchip(vm: int) -> None:
    _ioctl(vm, "KVM_CREATE_IRQCHIP", KVM_CREATE_IRQCHIP)


def create_pit2(vm: int, flags: int = KVM_PIT_SPEAKER_DUMMY) -> None:
    """The in-kernel 8254. With KVM_PIT_SPEAKER_DUMMY the kernel serves port 0x61 too
    (counter 2's gate in, its OUT back), which Linux's PIT calibration of the TSC polls;
    without it that port exits to user space, which would need KVM_GET_PIT2 to answer."""
    _ioctl(vm, "KVM_CREATE_PIT2", KVM_CREATE_PIT2, _PIT_CONFIG.pack(flags))


def irq_line(vm: int, irq: int, level: bool) -> None:
    _ioctl(vm, f"KVM_IRQ_LINE {irq}", KVM_IRQ_LINE, _IRQ_LEVEL.pack(irq, int(level)))


def create_vcpu(vm: int, index: int) -> int:
    fd = _ioctl(vm, f"KVM_CREATE_VCPU {index}", KVM_CREATE_VCPU, index)
    os.set_inheritable(fd, False)
    return fd


# Guest memory: anonymous shared mappings whose address KVM is given.
def map_guest_memory(size: int) -> tuple[mmap.mmap, int]:
    """An anonymous mapping for guest RAM and its host address."""
    try:
        mem = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    except OSError as exc:
        code = exc.errno or errno.ENOMEM
        raise OSError(code, f"mmap guest RAM of {size} bytes: {os.strerror(code)}") from None
    view = ctypes.c_char.from_buffer(mem)
    addr = ctypes.addressof(view)
    del view  # the buffer export would keep the mapping from ever being closed
    return mem, addr


def map_vcpu_run(vcpu: int, size: int) -> mmap.mmap:
    """The vCPU's struct kvm_run, shared with the kernel."""
    try:
        return mmap.mmap(vcpu, size, flags=mmap.MAP_SHARED,
                         prot=mmap.PROT_READ | mmap.PROT_WRITE)
    except OSError as exc:
        code = exc.errno or errno.EIO
        raise OSError(code, f"mmap kvm_run: {os.strerror(code)}") from None


# The vCPU fd.
def run(vcpu: int) -> bool:
    """KVM_RUN once; False when it returned without running the guest: a signal (EINTR),
    or EAGAIN, which a vCPU waiting for INIT/SIPI gets when an event woke it up."""
    try:
        fcntl.ioctl(vcpu, KVM_RUN, 0)
    except (InterruptedError, BlockingIOError):
        return False
    except OSError as exc:
        code = exc.errno or errno.EIO
        raise OSError(code, f"KVM_RUN: {os.strerror(code)}") from None
    return True


@dataclass(slots=True)
class Regs:
    """struct kvm_regs, in its order."""

    rax: int = 0
    rbx: int = 0
    rcx: int = 0
    rdx: int = 0
    rsi: int = 0
    rdi: int = 0
    rsp: int = 0
    rbp: int = 0
    r8: int = 0
    r9: int = 0
    r10: int = 0
    r11: int = 0
    r12: int = 0
    r13: int = 0
    r14: int = 0
    r15: int = 0
    rip: int = 0
    rflags: int = 2


def get_regs(vcpu: int) -> Regs:
    buf = bytearray(_REGS.size)
    _ioctl(vcpu, "KVM_GET_REGS", KVM_GET_REGS, buf)
    return Regs(*_REGS.unpack(buf))


def set_regs(vcpu: int, regs: Regs) -> None:
    values = [getattr(regs, name) for name in Regs.__slots__]
    _ioctl(vcpu, "KVM_SET_REGS", KVM_SET_REGS, _REGS.pack(*values))


@dataclass(slots=True)
class Segment:
    """struct kvm_segment."""

    base: int = 0
    limit: int = 0xFFFF
    selector: int = 0
    type: int = 3
    present: int = 1
    dpl: int = 0
    db: int = 0
    s: int = 1
    l: int = 0  # noqa: E741 - the field's name in the uapi header
    g: int = 0
    avl: int = 0
    unusable: int = 0


@dataclass(slots=True)
class Sregs:
    """struct kvm_sregs: cs ds es fs gs ss tr ldt, gdt idt, control registers, EFER."""

    segments: list[Segment]
    gdt: tuple[int, int]
    idt: tuple[int, int]
    cr0: int
    cr2: int
    cr3: int
    cr4: int
    cr8: int
    efer: int
    apic_base: int
    interrupt_bitmap: bytes

    SEGMENT_NAMES = ("cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt")

    def segment(self, name: str) -> Segment:
        return self.segments[self.SEGMENT_NAMES.index(name)]


def get_sregs(vcpu: int) -> Sregs:
    buf = bytearray(_SREGS_SIZE)
    _ioctl(vcpu, "KVM_GET_SREGS", KVM_GET_SREGS, buf)
    segs = [Segment(*_SEGMENT.unpack_from(buf, i * _SEGMENT.size)) for i in range(8)]
    off = 8 * _SEGMENT.size
    gdt = _DTABLE.unpack_from(buf, off)
    idt = _DTABLE.unpack_from(buf, off + _DTABLE.size)
    off += 2 * _DTABLE.size
    cr0, cr2, cr3, cr4, cr8, efer, apic = struct.unpack_from("<7Q", buf, off)
    bitmap = bytes(buf[off + 56 : off + 88])
    return Sregs(segs, gdt, idt, cr0, cr2, cr3, cr4, cr8, efer, apic, bitmap)


def set_sregs(vcpu: int, sregs: Sregs) -> None:
    buf = bytearray(_SREGS_SIZE)
    for i, seg in enumerate(sregs.segments):
        _SEGMENT.pack_into(
            buf, i * _SEGMENT.size, seg.base, seg.limit, seg.selector, seg.type, seg.present,
            seg.dpl, seg.db, seg.s, seg.l, seg.g, seg.avl, seg.unusable,
        )
    off = 8 * _SEGMENT.size
    _DTABLE.pack_into(buf, off, *sregs.gdt)
    _DTABLE.pack_into(buf, off + _DTABLE.size, *sregs.idt)
    off += 2 * _DTABLE.size
    struct.pack_into(
        "<7Q", buf, off, sregs.cr0, sregs.cr2, sregs.cr3, sregs.cr4, sregs.cr8, sregs.efer,
        sregs.apic_base,
    )
    buf[off + 56 : off + 88] = sregs.interrupt_bitmap.ljust(32, b"\0")[:32]
    _ioctl(vcpu, "KVM_SET_SREGS", KVM_SET_SREGS, bytes(buf))


def interrupt(vcpu: int, vector: int) -> None:
    """Inject an external interrupt (only without an in-kernel irqchip)."""
    _ioctl(vcpu, f"KVM_INTERRUPT {vector}", KVM_INTERRUPT, struct.pack("<I", vector))


def set_cpuid2(vcpu: int, entries: list[CpuidEntry]) -> None:
    buf = bytearray(8 + len(entries) * _CPUID_ENTRY.size)
    struct.pack_into("<I", buf, 0, len(entries))
    for i, e in enumerate(entries):
        _CPUID_ENTRY.pack_into(
            buf, 8 + i * _CPUID_ENTRY.size, e.function, e.index, e.flags,
            e.eax, e.ebx, e.ecx, e.edx,
        )
    _ioctl(vcpu, "KVM_SET_CPUID2", KVM_SET_CPUID2, bytes(buf))


def set_msrs(vcpu: int, msrs: dict[int, int]) -> None:
    buf = bytearray(8 + len(msrs) * _MSR_ENTRY.size)
    struct.pack_into("<I", buf, 0, len(msrs))
    for i, (index, value) in enumerate(msrs.items()):
        _MSR_ENTRY.pack_into(buf, 8 + i * _MSR_ENTRY.size, index, 0, value)
    done = _ioctl(vcpu, "KVM_SET_MSRS", KVM_SET_MSRS, bytes(buf))
    if done != len(msrs):
        index = list(msrs)[done]
        raise OSError(errno.EINVAL, f"KVM_SET_MSRS: MSR {index:#x} refused")


# Reading struct kvm_run after an exit.
def exit_reason(run_area: mmap.mmap) -> int:
    return int(struct.unpack_from("<I", run_area, KVM_RUN_EXIT_REASON)[0])


def exit_io(run_area: mmap.mmap) -> tuple[int, int, int, int, int]:
    """direction, size, port, count, data_offset of a KVM_EXIT_IO."""
    d, s, p, c, o = _RUN_IO.unpack_from(run_area, KVM_RUN_EXIT)
    return int(d), int(s), int(p), int(c), int(o)


def exit_mmio(run_area: mmap.mmap) -> tuple[int, bytes, int, bool]:
    """phys_addr, data, len, is_write of a KVM_EXIT_MMIO."""
    addr, data, length, is_write = _RUN_MMIO.unpack_from(run_area, KVM_RUN_EXIT)
    return int(addr), bytes(data), int(length), bool(is_write)


def set_mmio_data(run_area: mmap.mmap, data: bytes) -> None:
    """The value a guest MMIO read returns, written before the next KVM_RUN."""
    run_area[KVM_RUN_EXIT + 8 : KVM_RUN_EXIT + 16] = data.ljust(8, b"\0")[:8]


def exit_internal(run_area: mmap.mmap) -> tuple[int, int]:
    sub, ndata = _RUN_INTERNAL.unpack_from(run_area, KVM_RUN_EXIT)
    return int(sub), int(ndata)


def exit_fail_entry(run_area: mmap.mmap) -> int:
    return int(_RUN_FAIL_ENTRY.unpack_from(run_area, KVM_RUN_EXIT)[0])


def set_immediate_exit(run_area: mmap.mmap, value: bool) -> None:
    run_area[KVM_RUN_IMMEDIATE_EXIT] = int(value)


def set_request_interrupt_window(run_area: mmap.mmap, value: bool) -> None:
    run_area[KVM_RUN_REQUEST_INTERRUPT_WINDOW] = int(value)


def can_inject(run_area: mmap.mmap) -> bool:
    """After an exit: the guest accepts an interrupt now (IF set, no interrupt shadow)."""
    return bool(run_area[KVM_RUN_READY_FOR_INTERRUPT_INJECTION] and run_area[KVM_RUN_IF_FLAG])


def interrupts_enabled(run_area: mmap.mmap) -> bool:
    return bool(run_area[KVM_RUN_IF_FLAG])
