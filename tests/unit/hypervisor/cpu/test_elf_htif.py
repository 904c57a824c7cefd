"""The ELF64 loader of the spike board: segments, symbols, and files that lie."""

from __future__ import annotations

import struct

import pytest

from vmforms.hypervisor.boot.elf import ElfError, parse_elf
from vmforms.hypervisor.devices.htif import Htif
from vmforms.hypervisor.memory import GuestMemory

from .rig import build, needs_binutils

PROGRAM = """
    la t0, tohost
    j _start
.data
.globl tohost
tohost: .dword 0
"""


@needs_binutils
def test_segments_entry_and_symbols_of_a_linked_program() -> None:
    image = parse_elf(build(PROGRAM, elf=True, ld_args=("-N",)).read_bytes())
    assert image.entry == 0x80000000
    assert image.segments[0].paddr == 0x80000000
    assert image.symbols["_start"] == 0x80000000
    assert image.symbols["tohost"] > 0x80000000


@needs_binutils
def test_truncated_and_corrupt_files_are_one_clear_error() -> None:
    data = build(PROGRAM, elf=True, ld_args=("-N",)).read_bytes()
    with pytest.raises(ElfError, match="outside the file"):
        parse_elf(data[:100])
    with pytest.raises(ElfError, match="not an ELF"):
        parse_elf(b"\0" * 64)
    wrong_machine = data[:18] + struct.pack("<H", 62) + data[20:]
    with pytest.raises(ElfError, match="RISC-V"):
        parse_elf(wrong_machine)
    # a program header whose segment runs past the end of the file
    phoff = struct.unpack_from("<Q", data, 32)[0]
    while struct.unpack_from("<I", data, phoff)[0] != 1:  # the first PT_LOAD
        phoff += 56
    bad = bytearray(data)
    struct.pack_into("<Q", bad, phoff + 32, 1 << 40)  # p_filesz
    struct.pack_into("<Q", bad, phoff + 40, 1 << 40)  # p_memsz
    with pytest.raises(ElfError, match="outside the file"):
        parse_elf(bytes(bad))


def test_htif_runs_a_command_when_the_upper_half_is_written() -> None:
    mem = GuestMemory(0x80000000, 1 << 16)
    out: list[bytes] = []
    codes: list[int] = []
    htif = Htif(mem, 0x80001000, 0x80001040, out.append, codes.append)
    mem.write(0x80001000, ((1 << 56) | (1 << 48) | ord("x")).to_bytes(8, "little"))
    htif.stored(0x80001000, 4)  # the lower half alone does nothing
    assert out == []
    htif.stored(0x80001004, 4)
    assert out == [b"x"]
    assert mem.read(0x80001000, 8) == bytes(8)  # consumed
    assert int.from_bytes(mem.read(0x80001040, 8), "little") == (1 << 56) | (1 << 48)
    mem.write(0x80001000, ((7 << 1) | 1).to_bytes(8, "little"))
    htif.stored(0x80001000, 8)
    assert codes == [7]


def test_htif_syscall_write_and_a_block_outside_ram() -> None:
    mem = GuestMemory(0x80000000, 1 << 16)
    out: list[bytes] = []
    htif = Htif(mem, 0x80001000, None, out.append, lambda code: None)
    mem.write(0x80002000, b"hello")
    block = b"".join(v.to_bytes(8, "little") for v in (64, 1, 0x80002000, 5))
    mem.write(0x80003000, block)
    mem.write(0x80001000, (0x80003000).to_bytes(8, "little"))
    htif.stored(0x80001000, 8)
    assert out == [b"hello"]
    assert int.from_bytes(mem.read(0x80003000, 8), "little") == 5
    mem.write(0x80001000, (0x70000000).to_bytes(8, "little"))  # not RAM: logged, survived
    htif.stored(0x80001000, 8)
