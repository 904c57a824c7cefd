"""LR/SC and AMOs on a data page the TLBs know: the inline paths agree with the slow ones.

The data sits on a page of its own (a page holding code never enters the write TLB), so
after the first accesses LR, SC and AMOs take their inline paths; the same loop run hot
(translated) and cold (interpreted) must count the same successes and failures.
"""

from __future__ import annotations

import pytest

from .rig import ENGINES, EXIT, Board, needs_binutils, u64

pytestmark = [needs_binutils]

LOOP = """
    la t0, done
    csrw stvec, t0
    la t0, data
    li s0, 0
    li s1, 0
    li t3, 50
1:  lr.w t1, (t0)
    addi t1, t1, 1
    sc.w t2, t1, (t0)
    bnez t2, 2f
    addi s0, s0, 1
2:  sc.w t2, t1, (t0)
    add s1, s1, t2
    addi a0, t0, 8
    lr.d t4, (a0)
    addi t5, t0, 16
    sc.d t2, t4, (t5)
    add s1, s1, t2
    li t6, 3
    addi a1, t0, 24
    amoadd.d a2, t6, (a1)
    addi a3, t0, 32
    amoadd.w a4, t6, (a3)
    addi t3, t3, -1
    bnez t3, 1b
    lr.w s2, (t0)
    ld s3, 16(t0)
    ld s4, 24(t0)
    lw s5, 32(t0)
    addi a5, t0, 2
    lr.w s6, (a5)
    .balign 4
done:""" + EXIT + """
    .balign 4096
data:
    .word 0x7fffffe0, 0
    .dword 0x1234, 7, 10
    .word 0x7ffffff0, 0
"""


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("threshold", [1, 1000])
def test_lr_sc_and_amos_on_a_known_page(engine: str, threshold: int) -> None:
    board = Board(engine, hot_threshold=threshold)
    cpu = board.run(LOOP)
    x = cpu.x
    assert x[8] == 50  # every first SC after its LR succeeded
    assert x[9] == 100  # the second SC, and the SC to another address, failed
    assert x[18] == u64(0x7FFFFFE0 + 50 - (1 << 32))  # lr.w sign-extends
    assert x[19] == 7  # the failed sc.d stored nothing
    assert x[20] == 10 + 150 and x[12] == 10 + 147  # amoadd.d: the sum, the old value
    assert x[21] == u64(0x7FFFFFF0 + 150 - (1 << 32))
    assert x[14] == u64(0x7FFFFFF0 + 147 - (1 << 32))  # amoadd.w's old value, sign-extended
    # the misaligned lr.w at the end traps (load address misaligned) with its address
    assert cpu.scause == 4 and cpu.stval == x[5] + 2
