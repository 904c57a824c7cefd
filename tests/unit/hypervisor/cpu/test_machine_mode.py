"""M mode: traps and delegation, mret, PMP, misaligned accesses, illegal instructions,
counters and M-level interrupts (privileged spec ch. 3), on the spike board.

Each program starts in M mode at RAM, as a bare-metal program under QEMU's -M spike, and
ends by writing its exit code to HTIF's tohost; registers are inspected afterwards.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vmforms.hypervisor.cpu.riscv import Cpu
from vmforms.hypervisor.spike import SpikeConfig, SpikeMachine

from .rig import ENGINES, build, needs_binutils, u64

pytestmark = [needs_binutils, pytest.mark.parametrize("engine", ENGINES)]

INT = 1 << 63
# Exit with status a0 through HTIF; the mailboxes live in .data.
M_EXIT = """
m_exit:
    slli a0, a0, 1
    ori a0, a0, 1
    la t6, tohost
    sd a0, 0(t6)
1:  j 1b
"""
TAIL = """
.data
.balign 64
.globl tohost
tohost: .dword 0
.globl fromhost
fromhost: .dword 0
.balign 4096
guarded: .dword 0x1122334455667788
"""
# An M-mode handler that records mcause, mtval, mepc in s9, s10, s11 and exits 0.
M_RECORD = """
    .balign 4
m_record:
    csrr s9, mcause
    csrr s10, mtval
    csrr s11, mepc
    li a0, 0
    j m_exit
"""
# The same for S mode: scause, stval, sepc.
S_RECORD = """
    .balign 4
s_record:
    csrr s9, scause
    csrr s10, stval
    csrr s11, sepc
    li a0, 0
    j m_exit_from_s
m_exit_from_s:
    li a0, 1
    la t6, tohost
    sd a0, 0(t6)
1:  j 1b
"""
SETUP = "la t0, m_record\ncsrw mtvec, t0\n"
# Give S and U mode all of memory through the last PMP entry, as firmware does.
OPEN_PMP = "li t0, -1\ncsrw pmpaddr15, t0\nli t0, 0x1f << 56\ncsrw pmpcfg2, t0\n"


def to_mode(mode: int) -> str:
    """mret to label `lower` in `mode` (0 U, 1 S)."""
    return f"""
    li t0, 3 << 11
    csrc mstatus, t0
    li t0, {mode} << 11
    csrs mstatus, t0
    la t0, lower
    csrw mepc, t0
    mret
"""


def m_run(engine: str, source: str, tmp: Path | None = None) -> SpikeMachine:
    # -N: one segment from RAM's start, with no ELF headers loaded below it
    elf = build(source + M_RECORD + S_RECORD + M_EXIT + TAIL, elf=True, ld_args=("-N",))
    out: list[bytes] = []
    # every block translated before its first run, so that translated code is what runs
    machine = SpikeMachine(
        SpikeConfig(elf, mem_size=1 << 23, engine=engine), out.append,
        cpu_factory=lambda *args, **kwargs: Cpu(*args, hot_threshold=1, **kwargs),
    )
    machine.console_out = out  # type: ignore[attr-defined]
    result = machine.run(max_instructions=200_000)
    assert result.reason == "shutdown", f"no exit; pc={machine.cpu.pc:#x}"
    return machine


def test_reset_state_is_machine_mode(engine: str) -> None:
    m = m_run(engine, """
    csrr s1, misa
    csrr s2, mhartid
    csrr s3, mstatus
    csrr s4, medeleg
    li a0, 0
    j m_exit
    """)
    x = m.cpu.x
    assert m.cpu.priv == 3
    assert x[9] == (2 << 62) | sum(1 << (ord(c) - 65) for c in "ACDFIMSU")
    assert x[18] == 0 and x[20] == 0
    assert x[19] == (2 << 32) | (2 << 34)  # UXL = SXL = 64, all else clear


def test_trap_from_supervisor_goes_to_machine_unless_delegated(engine: str) -> None:
    m = m_run(engine, "la s7, bad\n" + SETUP + OPEN_PMP + to_mode(1) + """
    lower:
    bad: .word 0xffffffff
    """)
    x = m.cpu.x
    assert (x[25], x[26], x[27]) == (2, 0xFFFFFFFF, x[23])
    assert (m.cpu.status >> 11) & 3 == 1  # MPP = S
    m = m_run(engine, "la s7, bad\n" + SETUP + OPEN_PMP + """
    la t0, s_record
    csrw stvec, t0
    li t0, 1 << 2
    csrw medeleg, t0
    """ + to_mode(1) + """
    lower:
    bad: .word 0xffffffff
    """)
    assert m.exit_code == 0 and m.cpu.priv == 1  # exited from the S handler
    assert (m.cpu.x[25], m.cpu.x[27]) == (2, m.cpu.x[23])
    assert m.cpu.mcause == 0


def test_machine_traps_are_never_delegated(engine: str) -> None:
    m = m_run(engine, "la s7, bad\n" + SETUP + """
    la t0, s_record
    csrw stvec, t0
    li t0, -1
    csrw medeleg, t0
    csrr s1, medeleg
    bad: ebreak
    """)
    assert m.cpu.x[25] == 3 and m.cpu.x[27] == m.cpu.x[23] and m.cpu.priv == 3
    assert m.cpu.x[9] == 0xB3FF  # an ecall from M cannot be delegated


def test_ecall_causes_by_mode(engine: str) -> None:
    for mode, cause in ((0, 8), (1, 9)):
        m = m_run(engine, SETUP + OPEN_PMP + to_mode(mode) + "lower: ecall\n")
        assert m.cpu.x[25] == cause
    m = m_run(engine, SETUP + "ecall\n")
    assert m.cpu.x[25] == 11


def test_mret_restores_mie_and_drops_mprv(engine: str) -> None:
    m = m_run(engine, SETUP + OPEN_PMP + """
    li t0, (1 << 7) | (1 << 17)
    csrs mstatus, t0
    """ + to_mode(1) + """
    lower:
    csrr s1, sstatus
    ecall
    """)
    status = m.cpu.status
    # after mret: MIE = old MPIE (1), MPIE = 1, MPRV cleared; then the ecall trap saved MIE
    assert status & (1 << 7) and not status & (1 << 17)
    assert m.cpu.x[25] == 9


def test_mret_and_m_csrs_are_illegal_below_machine_mode(engine: str) -> None:
    for insn in ("mret", "csrr t1, mstatus", "csrr t1, pmpaddr0", "csrw mscratch, zero"):
        m = m_run(engine, SETUP + OPEN_PMP + to_mode(1) + "lower:\n" + insn + "\n")
        assert m.cpu.x[25] == 2, insn
    for insn in ("csrw mhartid, zero", "csrr t1, pmpcfg1", "csrr t1, 0x7c0", "sret"):
        m = m_run(engine, SETUP + "li t0, 1 << 22\ncsrs mstatus, t0\n" + OPEN_PMP
                  + to_mode(1) + "lower:\n" + insn + "\n" if insn == "sret"
                  else SETUP + insn + "\n")
        assert m.cpu.x[25] == 2, insn


def test_pmp_denies_supervisor_without_a_matching_entry(engine: str) -> None:
    m = m_run(engine, "la s7, lower\n" + SETUP + to_mode(1) + "lower: nop\n")
    assert (m.cpu.x[25], m.cpu.x[26]) == (1, m.cpu.x[23])  # instruction access fault


def test_pmp_napot_region_without_read_permission(engine: str) -> None:
    m = m_run(engine, SETUP + """
    la s1, guarded
    srli t0, s1, 2
    ori t0, t0, 0x1ff        # NAPOT 4 KiB: 9 trailing ones
    csrw pmpaddr0, t0
    li t0, 0x18              # NAPOT, no R/W/X
    csrw pmpcfg0, t0
    ld s2, 0(s1)             # M mode: an unlocked entry does not apply
    """ + OPEN_PMP + to_mode(1) + """
    lower:
    ld s3, 8(s1)
    """)
    x = m.cpu.x
    assert x[18] == 0x1122334455667788
    assert (x[25], x[26]) == (5, x[9] + 8)  # load access fault at the address
    assert x[19] == 0


def test_pmp_locked_entry_binds_machine_mode(engine: str) -> None:
    m = m_run(engine, SETUP + """
    la s1, guarded
    srli t0, s1, 2
    csrw pmpaddr0, t0
    li t0, 0x80 | 0x10 | 0x1  # locked NA4, read only
    csrw pmpcfg0, t0
    csrw pmpaddr0, zero      # ignored: the entry is locked
    csrr s4, pmpaddr0
    lw s2, 0(s1)
    sw zero, 0(s1)
    """)
    x = m.cpu.x
    assert x[20] == x[9] >> 2
    assert x[18] == 0x55667788
    assert (x[25], x[26]) == (7, x[9])  # store access fault


def test_pmp_tor_range_and_mprv(engine: str) -> None:
    m = m_run(engine, SETUP + """
    la s1, guarded
    srli t0, s1, 2
    csrw pmpaddr0, t0
    addi t0, t0, 2           # TOR [guarded, guarded + 8): read/write for S and U
    csrw pmpaddr1, t0
    li t0, 0x0b << 8
    csrw pmpcfg0, t0
    li t0, (1 << 17) | (1 << 11)  # MPRV with MPP = S: loads and stores checked as S
    csrs mstatus, t0
    ld s2, 0(s1)
    ld s3, 8(s1)
    """)
    x = m.cpu.x
    assert x[18] == 0x1122334455667788
    assert (x[25], x[26]) == (5, x[9] + 8)


def test_misaligned_loads_work_and_amos_trap(engine: str) -> None:
    m = m_run(engine, SETUP + """
    la s1, guarded
    ld s2, 1(s1)
    lw s3, 3(s1)
    addi s4, s1, -3
    ld s5, 0(s4)             # across a page boundary
    addi t0, s1, 2
    amoadd.w s6, zero, (t0)
    """)
    x = m.cpu.x
    assert x[18] == 0x0011223344556677
    assert x[19] == 0x0000000022334455
    assert x[21] == 0x4455667788000000  # three zero bytes of padding, then guarded
    assert (x[25], x[26]) == (6, x[9] + 2)


def test_counters_and_their_enables(engine: str) -> None:
    m = m_run(engine, SETUP + """
    li t0, 1000
    csrw minstret, t0
    csrr s1, minstret
    csrr s2, minstret
    csrw mcycle, zero
    nop
    csrr s3, mcycle
    csrr s4, mhpmcounter3
    csrw mcounteren, zero
    """ + OPEN_PMP + to_mode(1) + "lower: rdcycle t1\n")
    x = m.cpu.x
    assert (x[9], x[18]) == (1000, 1001)
    assert x[19] == 1 and x[20] == 0
    assert x[25] == 2  # rdcycle from S with mcounteren.CY clear


def test_machine_timer_interrupt_from_the_clint(engine: str) -> None:
    m = m_run(engine, SETUP + """
    li t1, 0x200bff8
    ld s1, 0(t1)             # mtime
    addi t0, s1, 100
    li t1, 0x2004000
    sd t0, 0(t1)             # mtimecmp
    li t0, 1 << 7
    csrs mie, t0
    csrsi mstatus, 8
    wfi
    1: j 1b
    """)
    assert m.cpu.x[25] == INT | 7
    assert m.cpu.time >= m.cpu.x[9] + 100


def test_software_interrupt_and_delegated_supervisor_timer(engine: str) -> None:
    m = m_run(engine, SETUP + """
    li t0, 1 << 3
    csrs mie, t0
    li t1, 0x2000000
    li t0, 1
    sw t0, 0(t1)             # msip
    csrsi mstatus, 8
    1: j 1b
    """)
    assert m.cpu.x[25] == INT | 3
    m = m_run(engine, SETUP + OPEN_PMP + """
    la t0, s_record
    csrw stvec, t0
    li t0, 1 << 5
    csrw mideleg, t0
    csrs mie, t0
    csrs mip, t0             # M mode raises STIP, as firmware without Sstc does
    li t0, 2
    csrs mstatus, t0         # SIE
    """ + to_mode(1) + "lower: j lower\n")
    assert m.cpu.x[25] == INT | 5 and m.cpu.priv == 1


def test_htif_console_and_exit_code(engine: str) -> None:
    m = m_run(engine, """
    la t1, tohost
    li t0, (1 << 56) | (1 << 48) | 0x41
    sd t0, 0(t1)
    la t2, fromhost
    ld s1, 0(t2)
    li a0, 21
    j m_exit
    """)
    assert m.exit_code == 21
    assert b"".join(m.console_out) == b"A"  # type: ignore[attr-defined]
    assert m.cpu.x[9] == (1 << 56) | (1 << 48)
    assert u64(m.cpu.x[9]) >> 56 == 1
