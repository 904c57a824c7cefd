"""The on-disk translation cache: compiled blocks reused by the next run, never stale code."""

from __future__ import annotations

from pathlib import Path

from vmforms.hypervisor.cpu.riscv import Cpu
from vmforms.hypervisor.cpu.riscv.tcache import TranslationCache

from .rig import EXIT, RAM, ExitFirmware, ScratchBus, build, needs_binutils

pytestmark = [needs_binutils]

PROGRAM = """
    li s0, 0
    li s1, 100
loop:
    addi s0, s0, 3
    addi s1, s1, -1
    bnez s1, loop
""" + EXIT


def _run(source: str, cache: Path, hot_threshold: int = 1) -> Cpu:
    from vmforms.hypervisor.memory import GuestMemory

    memory = GuestMemory(RAM, 1 << 20)
    memory.load(RAM, build(source).read_bytes())
    cpu = Cpu(memory, ScratchBus(), ExitFirmware(memory), engine="translate",
              hot_threshold=hot_threshold, translation_cache=cache)
    cpu.reset(RAM, 0, 0)
    cpu.run(100_000)
    assert cpu.halted
    return cpu


def test_second_run_compiles_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "riscv.tcache"
    first = _run(PROGRAM, cache)
    assert first.compiled_blocks > 0 and cache.exists()
    second = _run(PROGRAM, cache)
    assert second.compiled_blocks == 0
    assert second.x[8] == first.x[8] == 300


def test_changed_code_at_the_same_address_is_recompiled(tmp_path: Path) -> None:
    cache = tmp_path / "riscv.tcache"
    _run(PROGRAM, cache)
    cpu = _run(PROGRAM.replace("addi s0, s0, 3", "addi s0, s0, 5"), cache)
    assert cpu.x[8] == 500
    assert cpu.compiled_blocks > 0


def test_a_cache_from_another_generator_is_ignored(tmp_path: Path) -> None:
    import marshal

    cache = tmp_path / "riscv.tcache"
    cache.write_bytes(marshal.dumps({"version": "something else", "blocks": {(1, b""): 2}}))
    assert len(TranslationCache(cache)) == 0
    cache.write_bytes(b"not marshal data")
    assert len(TranslationCache(cache)) == 0


# Two blocks in a loop, a call between them: compiled as one region once hot.
REGION = """
    li s0, 0
    li s1, 100
loop:
    andi t0, s1, 1
    beqz t0, 1f
    addi s0, s0, 2
1:
    call bump
    addi s1, s1, -1
    bnez s1, loop
""" + EXIT + """
bump:
    addi s0, s0, 1
    ret
"""


def test_regions_come_back_from_the_cache_without_decoding(tmp_path: Path) -> None:
    cache = tmp_path / "riscv.tcache"
    first = _run(REGION, cache, hot_threshold=4)
    assert first.compiled_blocks > 0 and first.x[8] == 200
    assert any(len(b.pcs) > len(b.instrs) for b in first._known.values() if b.translated)
    second = _run(REGION, cache, hot_threshold=4)
    assert second.compiled_blocks == 0 and second.x[8] == 200
    assert second.instret == first.instret
    # the loop's region was found by address and bytes, not decoded again
    assert any(b.translated and not b.instrs for b in second._known.values())
    assert TranslationCache(cache).decoded  # and so were the instruction words


def test_a_region_changed_after_its_first_block_is_recompiled(tmp_path: Path) -> None:
    cache = tmp_path / "riscv.tcache"
    _run(REGION, cache, hot_threshold=4)
    cpu = _run(REGION.replace("addi s0, s0, 1\n    ret", "addi s0, s0, 3\n    ret"), cache,
               hot_threshold=4)
    assert cpu.x[8] == 400
    assert cpu.compiled_blocks > 0


def test_a_save_cut_short_by_sigkill_leaves_nothing_behind(tmp_path: Path) -> None:
    import subprocess
    import sys

    cache = tmp_path / "riscv.tcache"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = tmp_path / f".riscv.tcache.{dead.stdout.strip()}"
    stale.write_bytes(b"half a cache")
    mine = tmp_path / ".riscv.tcache.1"  # pid 1 runs: not ours to remove
    mine.write_bytes(b"")
    TranslationCache(cache)
    assert not stale.exists() and mine.exists()


def test_a_few_new_blocks_do_not_rewrite_a_large_cache(tmp_path: Path) -> None:
    from vmforms.hypervisor.cpu.riscv.tcache import SAVE_SHARE

    path = tmp_path / "riscv.tcache"
    cache = TranslationCache(path)
    entry = (b"", (), (), ())
    for pc in range(SAVE_SHARE * 3):
        cache.put((pc, b"x"), entry)
    cache.save()
    loaded = TranslationCache(path)
    assert len(loaded) == SAVE_SHARE * 3
    written = path.stat().st_mtime_ns
    loaded.put((1 << 40, b"y"), entry)  # one more: below 1/SAVE_SHARE of the file
    assert not loaded.worth_saving()
    loaded.save()
    assert path.stat().st_mtime_ns == written
    for pc in range(2, 4):
        loaded.put((pc << 40, b"y"), entry)
    assert loaded.worth_saving()  # three of 300: the file is rewritten
    loaded.save()
    assert len(TranslationCache(path)) == SAVE_SHARE * 3 + 3


def test_entries_are_read_when_reached_and_a_damaged_one_is_a_miss(tmp_path: Path) -> None:
    """The file is mapped and a block unmarshalled only when found: one whose record is
    damaged is compiled again, the others still come from the file."""
    path = tmp_path / "riscv.tcache"
    cache = TranslationCache(path)
    for pc in (0x1000, 0x2000):
        cache.put((pc, b"\x13\x00\x00\x00"), (bytes([pc >> 12]) * 32, (0,), (0,), (0,)))
    cache.remember(0x13, ("addi", 4, 0, 0, 0, 0, 0, 0))
    cache.save()
    blob = bytearray(path.read_bytes())
    at = blob.index(b"\x02" * 32)  # the second block's marshalled code
    blob[at - 8 : at + 8] = b"\xff" * 16
    path.write_bytes(bytes(blob))
    loaded = TranslationCache(path)
    ram = bytearray(b"\x13\x00\x00\x00")
    assert loaded.find(0x1000, ram, 0) == (bytes(ram), (b"\x01" * 32, (0,), (0,), (0,)))
    assert loaded.find(0x2000, ram, 0) is None
    assert loaded.find(0x1000, bytearray(b"\x93\x00\x00\x00"), 0) is None  # other bytes
    assert loaded.decoded.get(0x13) == ("addi", 4, 0, 0, 0, 0, 0, 0)
    assert loaded.decoded.get(0x93) is None
    path.write_bytes(bytes(blob[: blob.index(b"\x01" * 32) + 8]))  # cut in a record
    assert TranslationCache(path).find(0x1000, ram, 0) is None
    path.write_bytes(bytes(blob[:40]))  # cut in the header
    assert len(TranslationCache(path)) == 0
