"""Test programs for the RISC-V CPU: assembled with binutils at test time, run on a tiny board.

The board has RAM at 0x80000000, a scratch MMIO window at 0x10000000 and a firmware whose
only call (a7 = 93, as Linux's exit) halts the hart with a0 as the exit code; a7 = 64
(Linux's write) appends guest bytes to `out`, so the same program also runs under
qemu-riscv64.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from vmforms.hypervisor.cpu.riscv import Cpu
from vmforms.hypervisor.errors import BusError
from vmforms.hypervisor.memory import GuestMemory

RAM = 0x80000000
RAM_SIZE = 1 << 23
MMIO = 0x10000000
TOOLS = ("riscv64-linux-gnu-as", "riscv64-linux-gnu-ld", "riscv64-linux-gnu-objcopy")
HAVE_TOOLS = all(shutil.which(t) for t in TOOLS)
needs_binutils = pytest.mark.skipif(
    not HAVE_TOOLS, reason="needs binutils-riscv64-linux-gnu (apt-get install it)"
)
ENGINES = ("interp", "translate")
# Assembled programs, shared by the tests of one run: under pytest's base directory (the
# conftest sets it), else a directory of this process's own removed when it ends.
_CACHE: Path | None = None


def set_cache_dir(path: Path) -> None:
    global _CACHE
    _CACHE = path


def _cache_dir() -> Path:
    global _CACHE
    if _CACHE is None:
        _CACHE = Path(tempfile.mkdtemp(prefix="vmforms-riscv-test-asm-"))
        atexit.register(shutil.rmtree, _CACHE, True)
    return _CACHE


def build(source: str, *, elf: bool = False, ld_args: tuple[str, ...] = ()) -> Path:
    """Assemble and link `source` at RAM; returns the raw binary (or the ELF)."""
    key = " ".join(TOOLS + ld_args) + "no-relax\n" + source
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    cache = _cache_dir()
    out = cache / digest
    binary = out / "prog.bin"
    if not binary.exists():
        # Build in a private directory and rename it into place: parallel test runs may
        # assemble the same program at the same time.
        cache.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=cache))
        src = work / "prog.S"
        src.write_text(".globl _start\n.text\n_start:\n" + source + "\n")
        _tool(TOOLS[0], "-march=rv64gc", "-mabi=lp64d", "-mno-relax", "-o", str(work / "prog.o"),
              str(src))
        _tool(TOOLS[1], "-static", "--no-relax", *ld_args, "-Ttext", hex(RAM), "-o",
              str(work / "prog.elf"), str(work / "prog.o"))
        _tool(TOOLS[2], "-O", "binary", str(work / "prog.elf"), str(work / "prog.bin"))
        try:
            work.rename(out)
        except OSError:  # another run got there first
            shutil.rmtree(work, ignore_errors=True)
    return out / "prog.elf" if elf else binary


def _tool(*argv: str) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode:
        raise AssertionError(f"{argv[0]} failed:\n{proc.stderr}")


class ScratchBus:
    """A 4 KiB MMIO window of plain bytes; every other address is unmapped."""

    def __init__(self) -> None:
        self.data = bytearray(4096)
        self.log: list[tuple[str, int, int, int]] = []

    def read(self, addr: int, size: int) -> int:
        if not MMIO <= addr < MMIO + 4096:
            raise BusError("read", addr, size)
        off = addr - MMIO
        value = int.from_bytes(self.data[off : off + size], "little")
        self.log.append(("r", addr, size, value))
        return value

    def write(self, addr: int, size: int, value: int) -> None:
        if not MMIO <= addr < MMIO + 4096:
            raise BusError("write", addr, size)
        off = addr - MMIO
        self.data[off : off + size] = value.to_bytes(size, "little")
        self.log.append(("w", addr, size, value))


class ExitFirmware:
    """a7 = 93: halt with a0; a7 = 64: write(a0, a1, a2); a7 = SBI TIME: set_timer(a0);
    anything else: a0 = -2."""

    def __init__(self, memory: GuestMemory) -> None:
        self.memory = memory
        self.exit_code: int | None = None
        self.out = bytearray()
        self.calls = 0

    def ecall(self, cpu: Cpu) -> None:
        self.calls += 1
        a7 = cpu.x[17]
        if a7 == 93:
            self.exit_code = cpu.x[10]
            cpu.halted = True
        elif a7 == SBI_EXT_TIME:
            cpu.stimecmp = cpu.x[10]
            cpu.x[10] = 0
        elif a7 == 64:
            self.out += self.memory.read(cpu.x[11], cpu.x[12])
            cpu.x[10] = cpu.x[12]
        else:
            cpu.x[10] = (1 << 64) - 2


class Board:
    def __init__(self, engine: str, *, hot_threshold: int = 1) -> None:
        # hot_threshold=1 translates every block before its first run, so the translate
        # engine's runs test translated code rather than its cold-code interpreter.
        self.memory = GuestMemory(RAM, RAM_SIZE)
        self.bus = ScratchBus()
        self.firmware = ExitFirmware(self.memory)
        self.cpu = Cpu(self.memory, self.bus, self.firmware, engine=engine,
                       hot_threshold=hot_threshold)

    def run(self, source: str, max_instructions: int = 200_000) -> Cpu:
        self.memory.load(RAM, build(source).read_bytes())
        self.cpu.reset(RAM, 0, 0)
        self.cpu.run(max_instructions)
        assert self.cpu.halted, f"program did not halt; pc={self.cpu.pc:#x}"
        return self.cpu


def run(engine: str, source: str, max_instructions: int = 200_000) -> Cpu:
    return Board(engine).run(source, max_instructions)


EXIT = "\nli a7, 93\necall\n"
SBI_EXT_TIME = 0x54494D45
M64 = (1 << 64) - 1


def u64(v: int) -> int:
    return v & M64
