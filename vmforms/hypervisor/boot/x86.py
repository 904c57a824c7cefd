"""Booting an x86-64 guest: the Linux x86 boot protocol (Documentation/arch/x86/boot.rst,
64-bit entry with boot_params and an e820 map), the PVH entry of an ELF vmlinux (Xen's
arch/x86/include/asm/xen/hvm/start_info.h), and a bare ELF entered in real mode.

Every field read from the image is checked against the image's size and the guest's RAM
before anything is copied: a crafted kernel file gets an error, never a write outside RAM.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Protocol

from vmforms.hypervisor.boot.x86_mptable import MAX_CPUS, MPTABLE_ADDR, mptable
from vmforms.hypervisor.cpu.kvm.vcpu import EntryState
from vmforms.hypervisor.errors import HypervisorError

# Guest-physical layout of what the monitor writes (below the 640 KiB of low RAM).
GDT_ADDR = 0x500
PVH_START_INFO = 0x6000
ZERO_PAGE = 0x7000
BOOT_STACK = 0x8FF0
PML4_ADDR = 0x9000
PDPT_ADDR = 0xA000
PD_ADDR = 0xB000
CMDLINE_ADDR = 0x20000
KERNEL_ADDR = 0x100000  # HIMEM: the protected-mode kernel of a bzImage
EBDA_START = 0x9FC00
LOW_RAM_END = 0x100000

E820_RAM = 1
E820_RESERVED = 2
E820_MAX_ENTRIES = 128  # boot_params.e820_table[]

# struct setup_header (boot.rst "The real-mode kernel header"), offsets in the file.
HDR_SETUP_SECTS = 0x1F1
HDR_BOOT_FLAG = 0x1FE
HDR_HEADER = 0x202
HDR_VERSION = 0x206
HDR_TYPE_OF_LOADER = 0x210
HDR_LOADFLAGS = 0x211
HDR_RAMDISK_IMAGE = 0x218
HDR_RAMDISK_SIZE = 0x21C
HDR_HEAP_END_PTR = 0x224
HDR_CMD_LINE_PTR = 0x228
HDR_INITRD_ADDR_MAX = 0x22C
HDR_CMDLINE_SIZE = 0x238
HDR_XLOADFLAGS = 0x236
HDR_INIT_SIZE = 0x260
BOOT_FLAG = 0xAA55
HDRS_MAGIC = b"HdrS"
MIN_BOOT_VERSION = 0x20C  # 2.12: xloadflags and the 64-bit entry
LOADED_HIGH = 0x01
CAN_USE_HEAP = 0x80
XLF_KERNEL_64 = 0x01
TYPE_OF_LOADER_UNDEFINED = 0xFF
# struct boot_params (arch/x86/include/uapi/asm/bootparam.h).
BP_EXT_RAMDISK_IMAGE = 0x0C0
BP_EXT_RAMDISK_SIZE = 0x0C4
BP_EXT_CMD_LINE_PTR = 0x0C8
BP_E820_ENTRIES = 0x1E8
BP_E820_TABLE = 0x2D0
_E820 = struct.Struct("<QQI")

# PVH.
XEN_ELFNOTE_PHYS32_ENTRY = 18
HVM_START_MAGIC = 0x336EC578
_START_INFO = struct.Struct("<IIIIQQQQII")
_MODLIST_ENTRY = struct.Struct("<QQQQ")
_MEMMAP_ENTRY = struct.Struct("<QQII")

# ELF64.
_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_PHDR = struct.Struct("<IIQQQQQQ")
PT_LOAD = 1
PT_NOTE = 4

# The boot GDT: flat 32-bit code at 0x08, flat 64-bit code at 0x10 (__BOOT_CS), data 0x18.
BOOT_GDT = (0, 0x00CF9A000000FFFF, 0x00AF9A000000FFFF, 0x00CF92000000FFFF)
PAGE_PRESENT_RW = 0x3
PAGE_PS = 0x80


class BootError(HypervisorError):
    """A kernel image that is not one this board can boot, or does not fit its RAM."""


class BootMemory(Protocol):
    size: int

    def load(self, addr: int, blob: bytes) -> None: ...


@dataclass(frozen=True, slots=True)
class BootImage:
    """What was found in the kernel file: its kind and how to enter it."""

    kind: str  # "bzimage", "pvh" or "elf"
    entry: EntryState


def e820_map(mem_size: int) -> list[tuple[int, int, int]]:
    """(address, size, type): low RAM, the EBDA/BIOS hole, then RAM from 1 MiB up."""
    table = [(0, EBDA_START, E820_RAM), (EBDA_START, LOW_RAM_END - EBDA_START, E820_RESERVED)]
    if mem_size > LOW_RAM_END:
        table.append((LOW_RAM_END, mem_size - LOW_RAM_END, E820_RAM))
    return table


def write_boot_gdt(memory: BootMemory) -> None:
    memory.load(GDT_ADDR, struct.pack(f"<{len(BOOT_GDT)}Q", *BOOT_GDT))


def write_identity_map(memory: BootMemory) -> None:
    """The first GiB mapped 1:1 with 2 MiB pages, as the 64-bit boot protocol requires for
    the kernel, boot_params and command line."""
    memory.load(PML4_ADDR, struct.pack("<Q", PDPT_ADDR | PAGE_PRESENT_RW).ljust(4096, b"\0"))
    memory.load(PDPT_ADDR, struct.pack("<Q", PD_ADDR | PAGE_PRESENT_RW).ljust(4096, b"\0"))
    entries = [(i << 21) | PAGE_PRESENT_RW | PAGE_PS for i in range(512)]
    memory.load(PD_ADDR, struct.pack("<512Q", *entries))


def _long_mode_entry(rip: int, rsi: int) -> EntryState:
    return EntryState(
        "long", rip, rsi=rsi, rsp=BOOT_STACK, cr3=PML4_ADDR, gdt_base=GDT_ADDR,
        gdt_limit=8 * len(BOOT_GDT) - 1, code_selector=0x10, data_selector=0x18,
    )


def _place_initrd(mem_size: int, limit: int, size: int, after: int) -> int:
    """The initrd's address: page-aligned, as high as RAM and the kernel's limit allow."""
    top = min(mem_size, limit + 1)
    addr = (top - size) & ~0xFFF
    if size and addr < after:
        raise BootError(f"initrd of {size} bytes does not fit in RAM above the kernel; add --mem")
    return addr


def load_bzimage(
    memory: BootMemory,
    image: bytes,
    cmdline: bytes,
    initrd: bytes,
    cpus: int = 1,
    *,
    apic: bool = True,
) -> BootImage:
    """Linux's 64-bit boot protocol: protected-mode kernel at 1 MiB, zero page, e820."""
    if len(image) < 0x400 or image[HDR_HEADER : HDR_HEADER + 4] != HDRS_MAGIC:
        raise BootError("not a bzImage: no 'HdrS' setup header")
    if struct.unpack_from("<H", image, HDR_BOOT_FLAG)[0] != BOOT_FLAG:
        raise BootError("not a bzImage: no 0xAA55 boot flag")
    if not 1 <= cpus <= MAX_CPUS:
        raise BootError(f"{cpus} CPUs: the MP table announces 1 to {MAX_CPUS}")
    version = struct.unpack_from("<H", image, HDR_VERSION)[0]
    if version < MIN_BOOT_VERSION:
        raise BootError(f"boot protocol {version >> 8}.{version & 0xFF}: 2.12 or later needed")
    if not struct.unpack_from("<H", image, HDR_XLOADFLAGS)[0] & XLF_KERNEL_64:
        raise BootError("bzImage has no 64-bit entry point (XLF_KERNEL_64)")
    setup_sects = image[HDR_SETUP_SECTS] or 4
    kernel_off = (setup_sects + 1) * 512
    if kernel_off >= len(image):
        raise BootError(f"bzImage: setup of {setup_sects} sectors is the whole file")
    kernel = image[kernel_off:]
    init_size = struct.unpack_from("<I", image, HDR_INIT_SIZE)[0]
    kernel_end = KERNEL_ADDR + max(len(kernel), init_size)
    if kernel_end > memory.size:
        raise BootError(f"kernel needs {kernel_end >> 20} MiB of RAM; add --mem")
    cmdline_max = struct.unpack_from("<I", image, HDR_CMDLINE_SIZE)[0] or 255
    if len(cmdline) > cmdline_max:
        raise BootError(f"command line of {len(cmdline)} bytes exceeds the kernel's {cmdline_max}")
    initrd_max = struct.unpack_from("<I", image, HDR_INITRD_ADDR_MAX)[0] or 0x37FFFFFF
    initrd_addr = _place_initrd(memory.size, initrd_max, len(initrd), kernel_end)

    # The zero page starts as a copy of the setup header (boot.rst: "...copy the header").
    header_end = 0x202 + image[0x201]
    params = bytearray(4096)
    params[HDR_SETUP_SECTS:header_end] = image[HDR_SETUP_SECTS:header_end]
    params[HDR_TYPE_OF_LOADER] = TYPE_OF_LOADER_UNDEFINED
    params[HDR_LOADFLAGS] |= LOADED_HIGH | CAN_USE_HEAP
    struct.pack_into("<H", params, HDR_HEAP_END_PTR, 0xFE00)
    struct.pack_into("<I", params, HDR_CMD_LINE_PTR, CMDLINE_ADDR)
    struct.pack_into("<I", params, BP_EXT_CMD_LINE_PTR, 0)
    if initrd:
        struct.pack_into("<I", params, HDR_RAMDISK_IMAGE, initrd_addr & 0xFFFFFFFF)
        struct.pack_into("<I", params, HDR_RAMDISK_SIZE, len(initrd) & 0xFFFFFFFF)
        struct.pack_into("<I", params, BP_EXT_RAMDISK_IMAGE, initrd_addr >> 32)
        struct.pack_into("<I", params, BP_EXT_RAMDISK_SIZE, len(initrd) >> 32)
    table = e820_map(memory.size)
    params[BP_E820_ENTRIES] = len(table)
    for i, entry in enumerate(table):
        _E820.pack_into(params, BP_E820_TABLE + i * _E820.size, *entry)

    memory.load(KERNEL_ADDR, kernel)
    memory.load(CMDLINE_ADDR, cmdline + b"\0")
    if initrd:
        memory.load(initrd_addr, initrd)
    memory.load(ZERO_PAGE, bytes(params))
    if apic:
        memory.load(MPTABLE_ADDR, mptable(cpus))
    write_boot_gdt(memory)
    write_identity_map(memory)
    # The 64-bit entry is 0x200 past the start of the protected-mode kernel.
    return BootImage("bzimage", _long_mode_entry(KERNEL_ADDR + 0x200, ZERO_PAGE))


@dataclass(frozen=True, slots=True)
class ElfSegment:
    paddr: int
    data: bytes
    memsz: int


def parse_elf(image: bytes) -> tuple[int, list[ElfSegment], int | None]:
    """An ELF64 x86-64 executable: entry, loadable segments, and the PVH entry if noted."""
    if len(image) < _EHDR.size or image[:4] != b"\x7fELF":
        raise BootError("not an ELF file or a bzImage")
    ident, etype, machine, _, entry, phoff, _, _, _, phentsize, phnum, *_ = _EHDR.unpack_from(
        image
    )
    if ident[4] != 2 or ident[5] != 1 or machine != 62:
        raise BootError("ELF kernel is not 64-bit little-endian x86-64")
    if phentsize != _PHDR.size or phoff + phnum * phentsize > len(image):
        raise BootError("ELF program headers outside the file")
    segments: list[ElfSegment] = []
    pvh_entry = None
    for i in range(phnum):
        ptype, _, offset, _, paddr, filesz, memsz, _ = _PHDR.unpack_from(image, phoff + i * 56)
        if offset + filesz > len(image) or filesz > memsz:
            raise BootError(f"ELF segment {i} outside the file")
        if ptype == PT_LOAD and memsz:
            segments.append(ElfSegment(paddr, image[offset : offset + filesz], memsz))
        elif ptype == PT_NOTE:
            pvh_entry = _pvh_note(image[offset : offset + filesz]) or pvh_entry
    return entry, segments, pvh_entry


def _pvh_note(notes: bytes) -> int | None:
    """XEN_ELFNOTE_PHYS32_ENTRY from a PT_NOTE segment: the 32-bit PVH entry point."""
    pos = 0
    while pos + 12 <= len(notes):
        namesz, descsz, ntype = struct.unpack_from("<III", notes, pos)
        name_end = pos + 12 + ((namesz + 3) & ~3)
        desc_end = name_end + ((descsz + 3) & ~3)
        if desc_end > len(notes):
            return None
        name = notes[pos + 12 : pos + 12 + namesz].rstrip(b"\0")
        if name == b"Xen" and ntype == XEN_ELFNOTE_PHYS32_ENTRY and descsz >= 4:
            return int(struct.unpack_from("<I", notes, name_end)[0])
        pos = desc_end
    return None


def load_elf(
    memory: BootMemory,
    image: bytes,
    cmdline: bytes,
    initrd: bytes,
    boot_flags: int = 0,
    cpus: int = 1,
    *,
    apic: bool = True,
) -> BootImage:
    """An ELF vmlinux with a PVH note enters in 32-bit protected mode with start_info in
    EBX; any other ELF enters at e_entry in real mode with `boot_flags` in ESI."""
    entry, segments, pvh_entry = parse_elf(image)
    if not 1 <= cpus <= MAX_CPUS:
        raise BootError(f"{cpus} CPUs: the MP table announces 1 to {MAX_CPUS}")
    for seg in segments:
        if seg.paddr + seg.memsz > memory.size:
            raise BootError(
                f"ELF segment at {seg.paddr:#x} (+{seg.memsz:#x}) beyond guest RAM; add --mem"
            )
        memory.load(seg.paddr, seg.data + bytes(seg.memsz - len(seg.data)))
    if pvh_entry is None:
        if entry >= 0x10000:
            raise BootError(f"ELF entry {entry:#x}: a real-mode entry must be below 64 KiB")
        return BootImage("elf", EntryState("real", entry, rsi=boot_flags))
    kernel_end = max((s.paddr + s.memsz for s in segments), default=KERNEL_ADDR)
    initrd_addr = _place_initrd(memory.size, 0xBFFFFFFF, len(initrd), kernel_end)
    table = e820_map(memory.size)
    modlist = PVH_START_INFO + _START_INFO.size
    memmap = modlist + _MODLIST_ENTRY.size
    info = _START_INFO.pack(
        HVM_START_MAGIC, 1, 0, 1 if initrd else 0, modlist if initrd else 0, CMDLINE_ADDR, 0,
        memmap, len(table), 0,
    )
    blob = info + _MODLIST_ENTRY.pack(initrd_addr if initrd else 0, len(initrd), 0, 0)
    blob += b"".join(_MEMMAP_ENTRY.pack(a, s, t, 0) for a, s, t in table)
    memory.load(PVH_START_INFO, blob)
    if apic:
        memory.load(MPTABLE_ADDR, mptable(cpus))
    memory.load(CMDLINE_ADDR, cmdline + b"\0")
    if initrd:
        memory.load(initrd_addr, initrd)
    write_boot_gdt(memory)
    return BootImage(
        "pvh",
        EntryState(
            "protected", pvh_entry, rbx=PVH_START_INFO, gdt_base=GDT_ADDR,
            gdt_limit=8 * len(BOOT_GDT) - 1, code_selector=0x08, data_selector=0x18,
        ),
    )


def load_kernel(
    memory: BootMemory,
    image: bytes,
    cmdline: bytes,
    initrd: bytes = b"",
    boot_flags: int = 0,
    cpus: int = 1,
    *,
    apic: bool = True,
) -> BootImage:
    """Whichever the file is: a bzImage, a PVH vmlinux, or a bare ELF; a Linux kernel also
    gets an MP table announcing `cpus` processors, unless the board has no APICs (`apic`
    False: a PC/AT with its 8259s, where the table would promise what is not there)."""
    if len(image) > HDR_HEADER + 4 and image[HDR_HEADER : HDR_HEADER + 4] == HDRS_MAGIC:
        return load_bzimage(memory, image, cmdline, initrd, cpus, apic=apic)
    return load_elf(memory, image, cmdline, initrd, boot_flags, cpus, apic=apic)
