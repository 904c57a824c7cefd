"""The shape of generated regions: what the translator emits once, and where it leaves.

Behaviour is compared with the interpreter (the reference); the shape is checked on the
generated source, since a second copy of the code costs compile time and cache space
without changing any result.
"""

from __future__ import annotations

import pytest

from vmforms.hypervisor.cpu.riscv.codegen import LABEL_GROUP, region_source
from vmforms.hypervisor.cpu.riscv.decoder import decode

from .rig import ENGINES, EXIT, MMIO, RAM, Board, build, needs_binutils

ADDI_T0 = 0x00128293  # addi t0, t0, 1
LD_A0 = 0x00013503  # ld a0, 0(sp)
LD_A1 = 0x00813583  # ld a1, 8(sp)


def _source(words: list[int], pc: int = 0x1000) -> str:
    instrs = tuple(decode(w) for w in words)
    pcs = tuple(pc + 4 * k for k in range(len(words)))
    return region_source([(instrs, pcs)]).source


def test_a_run_after_the_entry_leaves_the_region_when_its_check_fails() -> None:
    src = _source([ADDI_T0, LD_A0, LD_A1])
    assert src.count("Q[") == 2  # the run once, no per-access copy
    assert "c.instret += 1\n" in src and "pc = 4100\n" in src  # before the first load
    assert "c.load" not in src


def test_a_run_at_the_entry_keeps_its_checked_copy() -> None:
    # leaving for the entry's own address would come straight back to the same check
    src = _source([LD_A0, LD_A1])
    assert "c.load" in src and "break" in src


def _run(engine: str, source: str) -> tuple[object, ...]:
    board = Board(engine, hot_threshold=4)
    cpu = board.run(source, 400_000)
    return (*cpu.x[5:32], cpu.instret, cpu.pc, tuple(board.bus.log))


def _agree(source: str) -> list[tuple[object, ...]]:
    """Run `source` on both engines; their registers, counts and device accesses agree."""
    results = [_run(engine, source) for engine in ENGINES]
    assert results[0] == results[1]
    return results


@needs_binutils
def test_runs_that_cross_pages_or_reach_mmio_agree_with_the_interpreter() -> None:
    # the base walks across a page boundary (the run's range check fails there) and,
    # for some rounds, is the MMIO window (never in a TLB): the region leaves before
    # the run each time and the instructions before it are counted once
    source = f"""
        li s1, 0
        li s3, 600
        li s4, 0x80100f80
        li s6, {MMIO:#x}
        li s2, 0
    loop:
        addi t3, s1, 7
        mv t4, s4
        andi t5, s1, 31
        bnez t5, 1f
        mv t4, s6
    1:
        addi s2, s2, 1
        ld t0, 0(t4)
        ld t1, 8(t4)
        add s2, s2, t0
        sd t3, 16(t4)
        add s2, s2, t1
        addi s4, s4, 8
        addi s1, s1, 1
        blt s1, s3, loop
        li a0, 0
    """ + EXIT
    results = _agree(source)
    assert len(results[0][-1]) == 3 * 19  # each MMIO round: two reads and a write, once


@needs_binutils
def test_a_region_of_many_blocks_finds_each_label() -> None:
    # a loop over eight blocks (a chain of two-way branches) becomes one region whose
    # labels are tested in groups; every path through it agrees with the interpreter
    arms = "".join(f"""
        andi t0, s1, {1 << k}
        beqz t0, 1{k}f
        addi s2, s2, {k + 1}
        xori s2, s2, {3 * k + 1}
    1{k}:""" for k in range(7))
    source = f"""
        li s1, 0
        li s2, 0
        li s3, 700
    loop:{arms}
        addi s1, s1, 1
        blt s1, s3, loop
        li a0, 0
    """ + EXIT
    _agree(source)
    board = Board("translate", hot_threshold=4)
    cpu = board.run(source, 400_000)
    blocks = [len(set(b.pcs) & set(cpu._known)) for b in cpu._known.values() if b.translated]
    assert max(blocks) > LABEL_GROUP


class _Unplugged(Exception):
    pass


@needs_binutils
@pytest.mark.parametrize("engine", ENGINES)
def test_an_error_out_of_a_region_leaves_the_registers_it_wrote(engine: str) -> None:
    # not a guest trap: the device raises an error of the host's, which ends the run;
    # the register file still holds what the region computed before the access
    board = Board(engine, hot_threshold=1)
    board.bus.read = _unplugged  # type: ignore[method-assign]
    source = f"""
        li t0, 5
        li t1, 7
        add t2, t0, t1
        li t3, {MMIO:#x}
        slli t4, t2, 2
        ld t5, 8(t3)
        li t6, 99
    """ + EXIT
    board.memory.load(RAM, build(source).read_bytes())
    board.cpu.reset(RAM, 0, 0)
    with pytest.raises(_Unplugged):
        board.cpu.run(1000)
    x = board.cpu.x
    assert (x[5], x[6], x[7], x[28], x[29], x[30], x[31]) == (5, 7, 12, MMIO, 48, 0, 0)


def _unplugged(addr: int, size: int) -> int:
    raise _Unplugged(f"{addr:#x}")
