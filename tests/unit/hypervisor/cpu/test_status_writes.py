"""Writes to sstatus: an interrupt waiting on SIE is taken right after the write that sets
it, and a write that changes nothing an interrupt or the TLB depends on changes nothing."""

from __future__ import annotations

import pytest

from .rig import ENGINES, EXIT, needs_binutils, run

pytestmark = [needs_binutils, pytest.mark.parametrize("engine", ENGINES)]

INT = 1 << 63
PROGRAM = """
    la t0, record
    csrw stvec, t0
    li t0, 2
    csrs sie, t0
    csrs sip, t0
    li s1, 0
    li s2, 0x40000
    csrs sstatus, s2
    csrc sstatus, s2
    csrci sstatus, 2
    addi s1, s1, 1
    li t1, 0x20
    csrs sstatus, t1
    addi s1, s1, 1
enable:
    csrsi sstatus, 2
after:
    addi s1, s1, 1
spin: j spin
    .balign 4
record:
    csrr s9, scause
    csrr s11, sepc
    la s3, after
""" + EXIT


def test_interrupt_taken_right_after_sie_is_set(engine: str) -> None:
    cpu = run(engine, PROGRAM)
    assert cpu.x[25] == INT | 1
    assert cpu.x[27] == cpu.x[19]  # sepc: the instruction after the enabling write
    assert cpu.x[9] == 2  # the pending interrupt waited through the other writes
