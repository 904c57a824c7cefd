"""Traps, CSRs, privilege and interrupts as S-mode sees them (privileged spec ch. 4.1, 3.3)."""

from __future__ import annotations

import pytest

from vmforms.hypervisor.cpu.riscv import IRQ_S_EXT

from .rig import ENGINES, EXIT, Board, needs_binutils, run, u64

pytestmark = [needs_binutils, pytest.mark.parametrize("engine", ENGINES)]

INT = 1 << 63
# A handler that records scause, stval and sepc in s9, s10, s11 and exits.
RECORD = """
    .balign 4
record:
    csrr s9, scause
    csrr s10, stval
    csrr s11, sepc
""" + EXIT
SETUP = "la t0, record\ncsrw stvec, t0\n"
# Drop to U-mode at label `user`.
TO_USER = """
    li t0, 0x100
    csrc sstatus, t0
    la t0, user
    csrw sepc, t0
    sret
"""


def test_illegal_instruction(engine: str) -> None:
    cpu = run(engine, "la s7, fault\n" + SETUP + "fault: .word 0xffffffff\n" + RECORD)
    assert (cpu.x[25], cpu.x[26]) == (2, 0xFFFFFFFF)
    assert cpu.x[27] == cpu.x[23]


def test_ecall_from_user_traps_to_supervisor(engine: str) -> None:
    cpu = run(engine, "la s7, uecall\n" + SETUP + TO_USER + """
    user:
        li a0, 7
    uecall:
        ecall
    """ + RECORD)
    assert cpu.x[25] == 8
    assert cpu.x[27] == cpu.x[23]
    assert cpu.csr_read(0x100) & 0x100 == 0  # SPP = U
    assert cpu.priv == 1


def test_user_cannot_touch_supervisor_state(engine: str) -> None:
    for insn, cause in (("csrr t1, sstatus", 2), ("sret", 2), ("sfence.vma", 2), ("wfi", 2),
                        ("rdcycle t1", 2)):
        cpu = run(engine, SETUP + TO_USER + "user:\n" + insn + "\n" + RECORD)
        assert cpu.x[25] == cause, insn


def test_counters_readable_from_user_when_enabled(engine: str) -> None:
    cpu = run(engine, SETUP + "li t0, 7\ncsrw scounteren, t0\n" + TO_USER + """
    user:
        rdinstret s1
        rdcycle s2
        rdtime s3
        ecall
    """ + RECORD)
    assert cpu.x[25] == 8
    assert 0 < cpu.x[9] <= cpu.x[18] + 1


def test_csr_readback_and_warl(engine: str) -> None:
    cpu = run(engine, """
        li t0, 0x12345678
        csrw sscratch, t0
        csrr s0, sscratch
        li t0, -1
        csrw stvec, t0
        csrr s1, stvec
        csrw sepc, t0
        csrr s2, sepc
        csrw sie, t0
        csrr s3, sie
        csrw sip, t0
        csrr s4, sip
        csrw sip, zero
        li t0, 1
        slli t0, t0, 60
        csrw satp, t0
        csrr s5, satp
        csrrwi s6, sscratch, 5
        csrrsi s7, sscratch, 2
        csrrci s8, sscratch, 1
        csrr s9, sscratch
        csrr s10, sstatus
    """ + EXIT)
    x = cpu.x
    assert x[8] == 0x12345678
    assert x[18] == u64(-2)
    assert x[19] == 0x222
    assert x[20] & 0x2 == 0x2 and x[20] & ~0x222 == 0
    assert x[21] == 0  # mode 1 (Sv32) is not supported: the write is ignored
    assert (x[22], x[23], x[24], x[25]) == (0x12345678, 5, 7, 6)
    assert x[26] >> 32 & 3 == 2  # UXL = 64
    assert x[9] & 3 in (0, 1)


BUF = "j 2f\n.balign 8\nbuf: .zero 16\n2:"


def test_access_faults_and_breakpoints(engine: str) -> None:
    cases = [
        ("li t1, 0x20000000\nfault: ld t2, 0(t1)", 5, 0x20000000),
        ("li t1, 0x20000000\nfault: sw t2, 4(t1)", 7, 0x20000004),
        ("li t1, 0x20000000\nfault: jr t1", 1, 0x20000000),
        ("fault: ebreak", 3, None),
        ("fault: c.ebreak", 3, None),
        ("la t1, buf\naddi t1, t1, 4\nfault: lr.d t2, (t1)\n" + BUF, 4, None),
        ("la t1, buf\naddi t1, t1, 2\nfault: amoadd.w t2, t2, (t1)\n" + BUF, 6, None),
    ]
    for body, cause, tval in cases:
        cpu = run(engine, "la s7, fault\n" + SETUP + body + "\n" + RECORD)
        assert cpu.x[25] == cause, body
        if tval is not None:
            assert cpu.x[26] == tval, body
        if cause == 1:
            assert cpu.x[27] == tval
        else:
            assert cpu.x[27] == cpu.x[23], body


def test_misaligned_accesses_are_done_in_hardware(engine: str) -> None:
    cpu = run(engine, """
        la t0, buf
        li t1, 0x1122334455667788
        sd t1, 3(t0)
        ld s0, 3(t0)
        lw s1, 5(t0)
        lhu s2, 3(t0)
        j 1f
        .balign 8
    buf: .zero 32
    1:
    """ + EXIT)
    assert cpu.x[8] == 0x1122334455667788
    assert cpu.x[9] == 0x33445566
    assert cpu.x[18] == 0x7788


def test_software_interrupt_direct_and_vectored(engine: str) -> None:
    for vectored in (0, 1):
        cpu = run(engine, f"""
            la s7, after
            la t0, vec
            ori t0, t0, {vectored}
            csrw stvec, t0
            li t0, 2
            csrs sie, t0
            csrsi sstatus, 2
            csrs sip, t0
        after:
            li s1, 1
            j spin
            .balign 256
            .option push
            .option norvc
        vec:
            j record
            j softirq
            j record
            j record
            j record
            j record
            .option pop
        softirq:
            li s2, 1
            j record
        spin: j spin
        """ + RECORD)
        assert cpu.x[25] == INT | 1
        assert cpu.x[18] == vectored
        assert cpu.x[27] == cpu.x[23]
        assert cpu.x[9] == 0  # the interrupt came before `li s1, 1`
        status = cpu.csr_read(0x100)
        assert status & 2 == 0 and status & 0x20  # SIE cleared, SPIE kept the old SIE
        assert status & 0x100  # SPP = S


def test_timer_interrupt_from_stimecmp(engine: str) -> None:
    cpu = run(engine, SETUP + """
        rdtime t0
        addi t0, t0, 100
        csrw 0x14d, t0
        li t1, 0x20
        csrs sie, t1
        csrsi sstatus, 2
        li s1, 0
    spin:
        addi s1, s1, 1
        j spin
    """ + RECORD, max_instructions=100_000)
    assert cpu.x[25] == INT | 5
    assert cpu.time >= cpu.stimecmp
    assert 400 <= cpu.x[9] <= 600  # 100 ticks of 10 instructions, two per iteration


def test_wfi_skips_ahead_to_the_timer(engine: str) -> None:
    cpu = run(engine, """
        rdtime s0
        li t0, 1000000
        add t0, s0, t0
        csrw 0x14d, t0
        li t1, 0x20
        csrs sie, t1
        wfi
        rdtime s1
        csrr s2, sip
        rdinstret s3
    """ + EXIT)
    assert cpu.x[9] - cpu.x[8] >= 1_000_000
    assert cpu.x[18] & 0x20
    assert cpu.x[19] < 100


def test_external_interrupt_from_the_machine(engine: str) -> None:
    board = Board(engine)
    board.memory.load(0x80000000, b"")
    from .rig import build

    board.memory.load(0x80000000, build(SETUP + """
        li t1, 0x200
        csrs sie, t1
        csrsi sstatus, 2
    spin: j spin
    """ + RECORD).read_bytes())
    cpu = board.cpu
    cpu.reset(0x80000000, 0, 0)
    assert cpu.run(1000) >= 1000
    assert not cpu.halted
    cpu.set_pending(IRQ_S_EXT, True)
    cpu.run(1000)
    assert cpu.halted and cpu.x[25] == INT | 9


def test_precise_exception_inside_a_block(engine: str) -> None:
    cpu = run(engine, "la s7, fault\n" + SETUP + """
        li s1, 1
        li s2, 2
        li t1, 0x20000000
    fault:
        ld s3, 0(t1)
        li s4, 4
    """ + RECORD)
    assert (cpu.x[9], cpu.x[18], cpu.x[19], cpu.x[20]) == (1, 2, 0, 0)
    assert cpu.x[25] == 5
    assert cpu.x[27] == cpu.x[23]


def test_floating_point_off_is_illegal_and_use_marks_dirty(engine: str) -> None:
    cpu = run(engine, SETUP + "fadd.d f1, f2, f3\n" + RECORD)
    assert cpu.x[25] == 2
    cpu = run(engine, """
        li t0, 0x2000
        csrs sstatus, t0
        csrr s0, sstatus
        fadd.d f1, f2, f3
        csrr s1, sstatus
    """ + EXIT)
    assert cpu.x[8] >> 13 & 3 == 1
    assert cpu.x[9] >> 13 & 3 == 3 and cpu.x[9] >> 63


def test_atomics(engine: str) -> None:
    cpu = run(engine, """
        la t0, buf
        li t1, 5
        sd t1, 0(t0)
        li t2, -3
        amoadd.d s0, t2, (t0)
        ld s1, 0(t0)
        amomin.d s2, t2, (t0)
        amomaxu.d s3, t2, (t0)
        ld s4, 0(t0)
        li t1, 0x80000000
        sw t1, 8(t0)
        addi t3, t0, 8
        amoswap.w s5, zero, (t3)
        amomax.w s6, t2, (t3)
        lw s7, 8(t3)
        lr.d s8, (t0)
        addi s8, s8, 1
        sc.d s9, s8, (t0)
        sc.d s10, s8, (t0)
        ld s11, 0(t0)
        amoor.w a0, t1, (t3)
        amoxor.d a1, t2, (t0)
        amoand.d a2, t2, (t0)
        j 1f
        .balign 8
    buf: .zero 32
    1:
        li a7, 93
        mv a6, a0
        ecall
    """)
    x = cpu.x
    assert (x[8], x[9], x[18], x[19], x[20]) == (5, 2, 2, u64(-3), u64(-3))
    assert x[21] == u64(-(1 << 31))
    assert x[22] == 0
    assert (x[24], x[25], x[26], x[27]) == (u64(-2), 0, 1, u64(-2))
    assert x[16] == 0


def test_sbi_style_timer_through_the_python_api(engine: str) -> None:
    """The firmware sets cpu.stimecmp (SBI set_timer); STIP follows time >= stimecmp."""
    cpu = run(engine, SETUP + """
        rdtime a0
        li t0, 5000
        add a0, a0, t0
        mv s1, a0
        li a7, 0x54494d45
        ecall
        csrr s2, sip
        li t1, 0x20
        csrs sie, t1
        csrsi sstatus, 2
        wfi
    spin: j spin
    """ + RECORD)
    assert cpu.x[25] == INT | 5
    assert cpu.x[18] & 0x20 == 0  # not pending right after set_timer
    assert cpu.stimecmp == cpu.x[9] and cpu.time >= cpu.x[9]
    cpu.stimecmp = cpu.time + 10
    assert cpu.csr_read(0x144) & 0x20 == 0
    cpu.stimecmp = 0
    assert cpu.csr_read(0x144) & 0x20


def test_python_sbi_leaves_pmp_as_opensbi_does(engine: str) -> None:
    """The CLINT is M-mode only (an S-mode store to it faults), the rest is open to S and U."""
    cpu = Board(engine).cpu
    assert not cpu.pmp_allows(0x2004000, 8, 2, 1)
    assert not cpu.pmp_allows(0x200BFF8, 8, 1, 0)
    assert cpu.pmp_allows(0x10000000, 4, 2, 1) and cpu.pmp_allows(0x80000000, 8, 0, 0)
    assert cpu.mideleg == 0x222 and cpu.medeleg == 0xB1FF  # all but ecalls from S and M
