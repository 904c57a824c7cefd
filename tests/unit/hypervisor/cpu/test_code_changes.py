"""Code that changes under the CPU: fence.i, stores into translated pages, device DMA (Zifencei)."""

from __future__ import annotations

import pytest

from .rig import ENGINES, EXIT, RAM, Board, build, needs_binutils, run

pytestmark = [needs_binutils]

# addi a0, zero, 2
LI_A0_2 = 0x00200513

PATCHER = """
    .option norvc
    call func
    mv s1, a0
    la t0, func
    li t1, {new:#x}
    sw t1, 0(t0)
    {fence}
    call func
    mv s2, a0
""" + EXIT + """
    .balign 64
func:
    li a0, 1
    ret
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_fence_i_makes_new_code_visible(engine: str) -> None:
    cpu = run(engine, PATCHER.format(new=LI_A0_2, fence="fence.i"))
    assert (cpu.x[9], cpu.x[18]) == (1, 2)


@pytest.mark.parametrize("engine", ENGINES)
def test_store_into_translated_code_invalidates_it(engine: str) -> None:
    cpu = run(engine, PATCHER.format(new=LI_A0_2, fence="nop"))
    assert (cpu.x[9], cpu.x[18]) == (1, 2)


@pytest.mark.parametrize("engine", ENGINES)
def test_device_writes_to_code_are_seen(engine: str) -> None:
    board = Board(engine)
    board.memory.load(RAM, build("""
    .option norvc
    loop:
        li a0, 1
        j loop
    """ + EXIT).read_bytes())
    cpu = board.cpu
    cpu.reset(RAM, 0, 0)
    cpu.run(1000)
    assert cpu.x[10] == 1 and not cpu.halted
    # a DMA write replaces `li a0, 1` with `li a7, 93` and `j loop` with `ecall`
    board.memory.write(RAM, (0x05D00893).to_bytes(4, "little") + (0x73).to_bytes(4, "little"))
    cpu.pc = RAM
    cpu.run(1000)
    assert cpu.halted


def test_engines_agree_on_counts_and_fault_point() -> None:
    """A loop that walks off the end of RAM: same fault, same pc, same instret in both."""
    source = """
        la t0, handler
        csrw stvec, t0
        li t1, 0x807ff000
        li s1, 0
    loop:
        ld t0, 0(t1)
        addi t1, t1, 8
        addi s1, s1, 1
        j loop
        .balign 4
    handler:
        csrr s2, sepc
        csrr s3, stval
        rdinstret s4
    """ + EXIT
    results = []
    for engine in ENGINES:
        cpu = run(engine, source)
        results.append((cpu.x[9], cpu.x[18], cpu.x[19], cpu.x[20], cpu.instret))
    assert results[0] == results[1]
    assert results[0][0] == 512 and results[0][2] == 0x80800000
