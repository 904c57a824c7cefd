"""Translated regions: several blocks in one function, with traps, timers and code changes.

The translate engine runs with a low hot threshold here, so that blocks run cold first and
the hot one is compiled together with the blocks it leads to (codegen.py).
"""

from __future__ import annotations

import pytest

from vmforms.hypervisor.cpu.riscv import Cpu

from .rig import ENGINES, EXIT, Board, needs_binutils

pytestmark = [needs_binutils]

INT = 1 << 63
RECORD = """
    .balign 4
record:
    csrr s9, scause
    csrr s10, stval
    csrr s11, sepc
    rdinstret s8
""" + EXIT
SETUP = "la t0, record\ncsrw stvec, t0\n"

# A loop of four blocks on one page: a taken branch, a fall-through, a call and a jump back.
LOOP = """
    li s1, 0
    li s2, 0
    li t1, 0x80100000
loop:
    andi t0, s1, 1
    beqz t0, even
    addi s2, s2, 3
    j join
even:
    addi s2, s2, -1
join:
    call step
    addi s1, s1, 1
    blt s1, s3, loop
"""
STEP = """
step:
    sd s2, 0(t1)
    ld t2, 0(t1)
    add s2, s2, t2
    srli s2, s2, 1
    ret
"""


def _run(engine: str, source: str, limit: int = 200_000, threshold: int = 4) -> Cpu:
    board = Board(engine, hot_threshold=threshold)
    cpu = board.run(source, limit)
    return cpu


def _regions(cpu: Cpu) -> list[int]:
    """Sizes (in blocks) of the translated regions that hold more than one block."""
    sizes = []
    for block in cpu._known.values():
        if block.translated and len(block.pcs) > len(block.instrs):
            sizes.append(len(set(block.pcs) & set(cpu._known)))
    return sizes


def test_a_loop_of_blocks_becomes_one_region_with_the_same_results() -> None:
    source = "li s3, 500\n" + LOOP + EXIT + STEP
    results = []
    for engine in ENGINES:
        cpu = _run(engine, source)
        results.append((cpu.x[9], cpu.x[18], cpu.instret))
    assert results[0] == results[1]
    translated = _run("translate", source)
    assert max(_regions(translated), default=0) >= 3


def test_a_fault_in_a_later_block_of_a_region_is_precise() -> None:
    # after 300 iterations the store address moves to an unmapped page
    source = SETUP + "li s3, 1000\n" + LOOP.replace(
        "addi s1, s1, 1\n", "addi s1, s1, 1\nli t0, 300\nbne s1, t0, 1f\nli t1, 0x40000000\n1:\n"
    ) + EXIT + STEP + RECORD
    results = []
    for engine in ENGINES:
        cpu = _run(engine, source)
        results.append((cpu.x[9], cpu.x[18], cpu.x[24], cpu.x[25], cpu.x[26], cpu.x[27]))
    assert results[0] == results[1]
    assert results[0][0] == 300 and results[0][3] == 7 and results[0][4] == 0x40000000


@pytest.mark.parametrize("threshold", [1, 4, 128])
def test_a_timer_interrupts_a_region_loop_in_time(threshold: int) -> None:
    source = SETUP + """
        rdtime t0
        addi t0, t0, 200
        csrw 0x14d, t0
        li t1, 0x20
        csrs sie, t1
        csrsi sstatus, 2
        li s3, 0x7fffffff
    """ + LOOP + EXIT + STEP + RECORD
    counts = []
    for engine in ENGINES:
        cpu = _run(engine, source, threshold=threshold)
        assert cpu.x[25] == INT | 5
        counts.append(cpu.x[24])
    # 200 ticks of 10 instructions: taken within a loop iteration or so of the deadline
    assert all(2000 <= n <= 2100 for n in counts)


@pytest.mark.parametrize("fence", ["fence.i", "nop"])
def test_a_store_into_a_later_block_of_a_region_is_seen(fence: str) -> None:
    # the loop patches `li a0, 1` in a later block to `li a0, 2` in its 100th iteration
    source = f"""
        .option norvc
        li s1, 0
        li s2, 0
        li s3, 200
        la t3, patch
        li t4, 0x00200513
    loop:
        addi s1, s1, 1
        li t0, 100
        bne s1, t0, 1f
        sw t4, 0(t3)
        {fence}
    1:
        addi s2, s2, 0
    patch:
        li a0, 1
        add s2, s2, a0
        blt s1, s3, loop
    """ + EXIT
    for engine in ENGINES:
        cpu = _run(engine, source, threshold=8)
        if fence == "fence.i":
            assert cpu.x[18] == 99 * 1 + 101 * 2
        else:  # without the fence the 100th iteration may still run the old code
            assert cpu.x[18] in (99 * 1 + 101 * 2, 100 * 1 + 100 * 2)


def test_sign_extensions_of_known_and_unknown_values_agree() -> None:
    # sext.w after a 32-bit add (dropped) and after a 64-bit add or a block start (kept)
    source = """
        li s1, 0
        li s2, 0x7ffffff0
        li s4, 0
        li s3, 300
    loop:
        addw t0, s2, s1
        sext.w t1, t0
        add t2, s2, s2
        sext.w t2, t2
        xor t3, t0, t1
        sext.w t3, t3
        mv t4, t0
        sext.w t4, t4
        srli t5, s2, 40
        sext.w t5, t5
        add s4, s4, t1
        add s4, s4, t2
        add s4, s4, t3
        add s4, s4, t4
        add s4, s4, t5
        bnez s1, 1f
        nop
    1:
        sext.w t6, t0
        add s4, s4, t6
        addi s1, s1, 1
        blt s1, s3, loop
    """ + EXIT
    results = []
    for engine in ENGINES:
        cpu = _run(engine, source)
        results.append((cpu.x[20], cpu.x[31], cpu.instret))
    assert results[0] == results[1]


def test_a_fault_inside_a_run_of_stack_accesses_is_precise() -> None:
    # accesses through sp with other work (a side exit too) between them share one
    # lookup; one through another base faults in the middle once the loop has run hot
    source = SETUP + """
        li sp, 0x80100800
        li s1, 0
        li s3, 400
        li t1, 0x80100000
    loop:
        sd s1, 0(sp)
        andi t5, s1, 3
        beqz t5, 2f
        addi t0, s1, 5
        sd t0, 8(sp)
        ld t2, 0(t1)
        lw t3, 12(sp)
        ld t4, 0(sp)
        add s2, t3, t4
    2:
        addi s1, s1, 1
        li t0, 300
        bne s1, t0, 1f
        li t1, 0x40000000
    1:
        blt s1, s3, loop
    """ + EXIT + RECORD
    results = []
    for engine in ENGINES:
        cpu = _run(engine, source)
        results.append((cpu.x[9], cpu.x[18], cpu.x[24], cpu.x[25], cpu.x[26], cpu.x[27]))
    assert results[0] == results[1]
    assert results[0][0] == 301 and results[0][3] == 5 and results[0][4] == 0x40000000


def test_runs_through_two_bases_inside_one_another_fault_precisely() -> None:
    # an unrolled copy: loads through s4 and stores through s5 are each checked once; the
    # destination moves to an unmapped page after 200 rounds
    source = SETUP + """
        li s4, 0x80100000
        li s5, 0x80101000
        li s1, 0
        li s3, 400
        li s2, 0
    loop:
        ld t0, 0(s4)
        ld t1, 8(s4)
        sd t0, 0(s5)
        addi t0, t0, 1
        sd t1, 8(s5)
        lw t2, 16(s4)
        sd t0, 16(s5)
        sw t2, 24(s5)
        ld t3, 24(s4)
        add s2, s2, t3
        sd s1, 24(s4)
        addi s1, s1, 1
        li t0, 200
        bne s1, t0, 1f
        li s5, 0x40000000
    1:
        blt s1, s3, loop
    """ + EXIT + RECORD
    results = []
    for engine in ENGINES:
        cpu = _run(engine, source)
        results.append((cpu.x[9], cpu.x[18], cpu.x[24], cpu.x[25], cpu.x[26], cpu.x[27]))
    assert results[0] == results[1]
    assert results[0][0] == 200 and results[0][3] == 7 and results[0][4] == 0x40000000
