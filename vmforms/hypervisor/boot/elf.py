"""Loading a bare-metal RISC-V ELF64 program (System V gABI ch. 4-5, RISC-V ELF psABI).

What QEMU's `-kernel prog.elf` does for firmware and test programs: copy every PT_LOAD
segment to its physical address, zero the rest of its memory size, and find the symbols a
board needs (the HTIF mailboxes `tohost` and `fromhost`). Every offset and size is checked
against the file before it is used.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from vmforms.hypervisor.errors import GuestMemoryError

ELFMAG = b"\x7fELF"
ELFCLASS64 = 2
ELFDATA2LSB = 1
ET_EXEC = 2
EM_RISCV = 243
PT_LOAD = 1
SHT_SYMTAB = 2
MAX_ELF = 256 << 20  # a test program or a firmware, never more
_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_PHDR = struct.Struct("<IIQQQQQQ")
_SHDR = struct.Struct("<IIQQQQIIQQ")
_SYM = struct.Struct("<IBBHQQ")


class ElfError(GuestMemoryError):
    """A file that is not a loadable RISC-V ELF64 executable."""


@dataclass(frozen=True, slots=True)
class Segment:
    paddr: int
    data: bytes
    mem_size: int


@dataclass(frozen=True, slots=True)
class ElfImage:
    entry: int
    segments: tuple[Segment, ...]
    symbols: dict[str, int]


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == ELFMAG
    except OSError:
        return False


def read_elf(path: Path) -> ElfImage:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_ELF + 1)
    except OSError as exc:
        raise ElfError(f"read ELF '{path}': {exc.strerror}") from exc
    if len(data) > MAX_ELF:
        raise ElfError(f"ELF '{path}': larger than {MAX_ELF >> 20} MiB")
    return parse_elf(data, str(path))


def _slice(data: bytes, off: int, size: int, what: str, name: str) -> bytes:
    if off < 0 or size < 0 or off + size > len(data):
        raise ElfError(f"ELF '{name}': {what} at {off:#x}+{size:#x} lies outside the file")
    return data[off : off + size]


def parse_elf(data: bytes, name: str = "<bytes>") -> ElfImage:
    head = _slice(data, 0, _EHDR.size, "the header", name)
    (ident, e_type, machine, _version, entry, phoff, shoff, _flags, _ehsize, phentsize,
     phnum, shentsize, shnum, _shstrndx) = _EHDR.unpack(head)
    if ident[:4] != ELFMAG:
        raise ElfError(f"'{name}': not an ELF file")
    if ident[4] != ELFCLASS64 or ident[5] != ELFDATA2LSB or machine != EM_RISCV:
        raise ElfError(f"ELF '{name}': not a little-endian 64-bit RISC-V file")
    if e_type != ET_EXEC:
        raise ElfError(f"ELF '{name}': not an executable (type {e_type}); link it statically")
    if phentsize != _PHDR.size or (shnum and shentsize != _SHDR.size):
        raise ElfError(f"ELF '{name}': unexpected header entry sizes")
    segments = []
    for k in range(phnum):
        ph = _slice(data, phoff + k * _PHDR.size, _PHDR.size, "a program header", name)
        p_type, _pflags, offset, _vaddr, paddr, filesz, memsz, _align = _PHDR.unpack(ph)
        if p_type != PT_LOAD or memsz == 0:
            continue
        if filesz > memsz:
            raise ElfError(f"ELF '{name}': a segment's file size exceeds its memory size")
        segments.append(Segment(paddr, _slice(data, offset, filesz, "a segment", name), memsz))
    if not segments:
        raise ElfError(f"ELF '{name}': no loadable segment")
    return ElfImage(entry, tuple(segments), _symbols(data, shoff, shnum, name))


def _symbols(data: bytes, shoff: int, shnum: int, name: str) -> dict[str, int]:
    """Global and local symbol values from the first SHT_SYMTAB (none when stripped)."""
    headers = [
        _SHDR.unpack(_slice(data, shoff + k * _SHDR.size, _SHDR.size, "a section header", name))
        for k in range(shnum)
    ]
    for sh in headers:
        if sh[1] != SHT_SYMTAB:
            continue
        link = sh[6]
        if link >= len(headers):
            raise ElfError(f"ELF '{name}': symbol table names a missing string table")
        strtab = _slice(data, headers[link][4], headers[link][5], "the string table", name)
        table = _slice(data, sh[4], sh[5], "the symbol table", name)
        out: dict[str, int] = {}
        for k in range(len(table) // _SYM.size):
            st_name, _info, _other, _shndx, value, _size = _SYM.unpack_from(table, k * _SYM.size)
            end = strtab.find(b"\0", st_name)
            if st_name and end > st_name:
                out.setdefault(strtab[st_name:end].decode("utf-8", "replace"), value)
        return out
    return {}
