"""The x86 boot protocols, against images built in the test: bzImage (boot.rst), PVH and a
bare ELF; every field a loader writes is read back from guest memory."""

from __future__ import annotations

import struct

import pytest

from vmforms.hypervisor.boot import x86
from vmforms.hypervisor.boot.x86 import BootError, load_kernel

MEM = 64 << 20


class Ram:
    def __init__(self, size: int = MEM) -> None:
        self.size = size
        self.data = bytearray(size)

    def load(self, addr: int, blob: bytes) -> None:
        assert addr >= 0 and addr + len(blob) <= self.size, (hex(addr), len(blob))
        self.data[addr : addr + len(blob)] = blob

    def u32(self, addr: int) -> int:
        return int(struct.unpack_from("<I", self.data, addr)[0])


def bzimage(
    *,
    setup_sects: int = 4,
    version: int = 0x20F,
    xloadflags: int = 1,
    payload: bytes = b"K" * 5000,
    init_size: int = 0x10000,
    cmdline_size: int = 2047,
) -> bytes:
    img = bytearray((setup_sects + 1) * 512)
    img[0x1F1] = setup_sects
    struct.pack_into("<H", img, 0x1FE, 0xAA55)
    img[0x200] = 0xEB
    img[0x201] = 0x6A  # the header runs to 0x26c
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, version)
    img[0x211] = 0x01
    struct.pack_into("<I", img, 0x22C, 0x7FFFFFFF)
    struct.pack_into("<H", img, 0x236, xloadflags)
    struct.pack_into("<I", img, 0x238, cmdline_size)
    struct.pack_into("<I", img, 0x260, init_size)
    return bytes(img) + payload


def test_bzimage_zero_page_e820_and_64_bit_entry() -> None:
    ram = Ram()
    initrd = b"I" * 10000
    boot = load_kernel(ram, bzimage(), b"console=ttyS0", initrd)
    assert boot.kind == "bzimage"
    entry = boot.entry
    assert (entry.mode, entry.rip, entry.rsi) == ("long", x86.KERNEL_ADDR + 0x200, x86.ZERO_PAGE)
    assert entry.cr3 == x86.PML4_ADDR and entry.code_selector == 0x10
    zp = x86.ZERO_PAGE
    assert ram.data[x86.KERNEL_ADDR : x86.KERNEL_ADDR + 5000] == b"K" * 5000
    assert ram.data[zp + 0x202 : zp + 0x206] == b"HdrS"
    assert ram.data[zp + 0x210] == 0xFF  # type_of_loader
    assert ram.data[zp + 0x211] & 0x81 == 0x81  # LOADED_HIGH | CAN_USE_HEAP
    assert ram.u32(zp + 0x228) == x86.CMDLINE_ADDR
    assert ram.data[x86.CMDLINE_ADDR : x86.CMDLINE_ADDR + 14] == b"console=ttyS0\0"
    rd_addr, rd_size = ram.u32(zp + 0x218), ram.u32(zp + 0x21C)
    assert rd_size == len(initrd) and rd_addr % 4096 == 0 and rd_addr + rd_size <= MEM
    assert ram.data[rd_addr : rd_addr + rd_size] == initrd
    n = ram.data[zp + 0x1E8]
    table = [struct.unpack_from("<QQI", ram.data, zp + 0x2D0 + 20 * i) for i in range(n)]
    assert table == [(0, 0x9FC00, 1), (0x9FC00, 0x60400, 2), (0x100000, MEM - 0x100000, 1)]
    # The identity map covers the first GiB with 2 MiB pages.
    pd = struct.unpack_from("<512Q", ram.data, x86.PD_ADDR)
    assert pd[0] == 0x83 and pd[511] == (511 << 21) | 0x83
    assert struct.unpack_from("<Q", ram.data, x86.PML4_ADDR)[0] == x86.PDPT_ADDR | 3


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (b"\0" * 4096, "no 'HdrS'"),
        (bzimage(version=0x20B), "2.12 or later"),
        (bzimage(xloadflags=0), "64-bit entry"),
        (bzimage(init_size=MEM), "MiB of RAM"),
    ],
)
def test_bzimage_refused(image: bytes, message: str) -> None:
    with pytest.raises(BootError, match=message):
        x86.load_bzimage(Ram(), image, b"", b"")


def test_bzimage_command_line_limit() -> None:
    with pytest.raises(BootError, match="exceeds the kernel's 10"):
        load_kernel(Ram(), bzimage(cmdline_size=10), b"x" * 11)


def elf(segments: list[tuple[int, bytes, int]], entry: int, note: bytes = b"") -> bytes:
    """An ELF64 x86-64 executable: PT_LOAD (paddr, data, memsz) segments and a PT_NOTE."""
    phnum = len(segments) + (1 if note else 0)
    off = 64 + 56 * phnum
    phdrs, body = b"", b""
    for paddr, data, memsz in segments:
        phdrs += struct.pack("<IIQQQQQQ", 1, 7, off + len(body), paddr, paddr, len(data), memsz, 8)
        body += data
    if note:
        phdrs += struct.pack("<IIQQQQQQ", 4, 4, off + len(body), 0, 0, len(note), len(note), 4)
        body += note
    ident = b"\x7fELF\x02\x01\x01".ljust(16, b"\0")
    fields = (ident, 2, 62, 1, entry, 64, 0, 0, 64, 56, phnum, 64, 0, 0)
    ehdr = struct.pack("<16sHHIQQQIHHHHHH", *fields)
    return ehdr + phdrs + body


def pvh_note(entry: int) -> bytes:
    return struct.pack("<III", 4, 4, 18) + b"Xen\0" + struct.pack("<I", entry)


def test_bare_elf_enters_in_real_mode_with_flags() -> None:
    ram = Ram()
    boot = load_kernel(ram, elf([(0x8000, b"\xfa\xf4", 0x3000)], 0x8000), b"", b"", boot_flags=1)
    assert boot.kind == "elf"
    assert (boot.entry.mode, boot.entry.rip, boot.entry.rsi) == ("real", 0x8000, 1)
    assert ram.data[0x8000:0x8002] == b"\xfa\xf4"


def test_pvh_start_info_modules_and_memory_map() -> None:
    ram = Ram()
    image = elf([(0x1000000, b"\x90" * 64, 0x200000)], 0x1000000, pvh_note(0x1000040))
    boot = load_kernel(ram, image, b"root=/dev/vda", b"R" * 5000)
    assert boot.kind == "pvh"
    assert (boot.entry.mode, boot.entry.rip, boot.entry.rbx) == (
        "protected", 0x1000040, x86.PVH_START_INFO
    )
    assert boot.entry.code_selector == 0x08  # flat 32-bit code in the boot GDT
    info = struct.unpack_from("<IIIIQQQQII", ram.data, x86.PVH_START_INFO)
    magic, version, _, nr_modules, modlist, cmdline, _, memmap, entries, _ = info
    assert (magic, version, nr_modules, cmdline) == (0x336EC578, 1, 1, x86.CMDLINE_ADDR)
    paddr, size, _, _ = struct.unpack_from("<QQQQ", ram.data, modlist)
    assert size == 5000 and ram.data[paddr : paddr + size] == b"R" * 5000
    assert paddr >= 0x1200000  # above the kernel's memsz
    mm = [struct.unpack_from("<QQII", ram.data, memmap + 24 * i)[:3] for i in range(entries)]
    assert mm[-1] == (0x100000, MEM - 0x100000, 1)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (b"MZ" + b"\0" * 100, "not an ELF"),
        (elf([(0x8000, b"x", 1)], 0x8000)[:64], "program headers outside"),
        (elf([(MEM - 16, b"x" * 4, 64)], 0x8000), "beyond guest RAM"),
        (elf([(0x8000, b"x", 16)], 0x20000), "below 64 KiB"),
    ],
)
def test_crafted_elf_refused(image: bytes, message: str) -> None:
    with pytest.raises(BootError, match=message):
        load_kernel(Ram(), image, b"", b"")


def test_pvh_note_parser_ignores_truncated_notes() -> None:
    assert x86._pvh_note(pvh_note(0x1234)) == 0x1234
    assert x86._pvh_note(pvh_note(0x1234)[:-4]) is None
    assert x86._pvh_note(struct.pack("<III", 4, 4, 17) + b"Xen\0\0\0\0\0") is None


def test_mp_table_announces_every_cpu() -> None:
    from vmforms.hypervisor.boot.x86_mptable import MPTABLE_ADDR, mptable

    blob = mptable(3)
    floating, table = blob[:16], blob[16:]
    assert floating[:4] == b"_MP_" and sum(floating) % 256 == 0
    assert struct.unpack_from("<I", floating, 4)[0] == MPTABLE_ADDR + 16
    assert table[:4] == b"PCMP" and sum(table) % 256 == 0
    length, _, _, _, _, _, _, count, lapic = struct.unpack_from("<HBB8s12sIHHI", table, 4)
    assert length == len(table) and lapic == 0xFEE00000
    pos, cpus, ioapics, irqs = 44, [], [], []
    for _ in range(count):
        kind = table[pos]
        if kind == 0:
            cpus.append((table[pos + 1], table[pos + 3]))
            pos += 20
        else:
            if kind == 2:
                ioapics.append(table[pos + 1])
            elif kind == 3:
                irqs.append(table[pos + 5])
            pos += 8
    assert pos == len(table)
    assert cpus == [(0, 3), (1, 1), (2, 1)]  # enabled; CPU 0 the boot processor
    assert ioapics == [3] and irqs == list(range(24))


def test_linux_kernels_get_the_mp_table() -> None:
    ram = Ram()
    load_kernel(ram, bzimage(), b"", b"", cpus=2)
    assert ram.data[0x9FC00:0x9FC04] == b"_MP_"
    with pytest.raises(BootError, match="1 to 254"):
        load_kernel(Ram(), bzimage(), b"", b"", cpus=300)
    ram = Ram()  # a board without APICs (--irqchip none) is a PC/AT: no MP table
    load_kernel(ram, bzimage(), b"", b"", apic=False)
    assert ram.data[0x9FC00:0x9FC04] == bytes(4)


def with_payload(payload: bytes) -> bytes:
    img = bytearray(bzimage(payload=payload))
    struct.pack_into("<II", img, 0x248, 0, len(payload))
    return bytes(img)


def test_vmlinux_from_a_bzimage_payload() -> None:
    import gzip
    import lzma

    from vmforms.hypervisor.boot.assets import AssetError
    from vmforms.hypervisor.boot.x86_assets import extract_vmlinux

    elf_blob = b"\x7fELF" + b"\x02" * 1000
    assert extract_vmlinux(with_payload(gzip.compress(elf_blob))) == elf_blob
    assert extract_vmlinux(with_payload(lzma.compress(elf_blob))) == elf_blob
    with pytest.raises(AssetError, match="not an ELF"):
        extract_vmlinux(with_payload(gzip.compress(b"MZ" * 10)))
    with pytest.raises(AssetError, match="not gzip or xz"):
        extract_vmlinux(with_payload(b"\x28\xb5\x2f\xfd" + b"\0" * 8))
    with pytest.raises(AssetError, match="does not decompress"):
        extract_vmlinux(with_payload(b"\x1f\x8b" + b"\xff" * 30))
    truncated = bytearray(with_payload(b"x" * 10))
    struct.pack_into("<I", truncated, 0x24C, 1 << 30)
    with pytest.raises(AssetError, match="outside the file"):
        extract_vmlinux(bytes(truncated))
