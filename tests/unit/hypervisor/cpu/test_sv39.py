"""Sv39 page walks, permissions, A/D bits and page faults (privileged spec 4.3-4.4)."""

from __future__ import annotations

import pytest

from .rig import ENGINES, RAM, Board, build, needs_binutils

pytestmark = [needs_binutils, pytest.mark.parametrize("engine", ENGINES)]

V, R, W, X, U, A, D = 1, 2, 4, 8, 16, 64, 128
ROOT, L1, L0 = RAM + 0x100000, RAM + 0x101000, RAM + 0x102000
DATA = RAM + 0x200000
LOG = RAM + 0x300000
VA = 0x40000000


def pte(pa: int, flags: int) -> int:
    return (pa >> 12) << 10 | flags


class PagedBoard(Board):
    """Identity gigapage for the code at RAM, and test pages at 0x40000000."""

    def __init__(self, engine: str) -> None:
        super().__init__(engine)
        self.put(ROOT + 8 * 2, pte(RAM, V | R | W | X | A | D))
        self.put(ROOT + 8 * 1, pte(L1, V))
        self.put(L1 + 8 * 0, pte(L0, V))
        self.put(L1 + 8 * 1, pte(DATA, V | R | W | A | D))  # 2 MiB page at VA + 2 MiB
        self.put(L1 + 8 * 2, pte(DATA + 0x1000, V | R | A))  # misaligned megapage
        pages = {
            0: V | R | W,  # A and D clear: the walk sets them
            1: V | R | A,  # read-only
            2: 0,  # invalid
            3: V | R | W | U | A | D,  # user page
            4: V | X | A,  # execute-only
            5: V | W | A,  # reserved: W without R
        }
        for n, flags in pages.items():
            self.put(L0 + 8 * n, pte(DATA + n * 0x1000, flags))

    def put(self, addr: int, value: int) -> None:
        self.memory.load(addr, value.to_bytes(8, "little"))

    def get(self, addr: int) -> int:
        return int.from_bytes(self.memory.read(addr, 8), "little")

    def faults(self) -> list[tuple[int, int]]:
        out = []
        for k in range(0, 64, 2):
            cause, tval = self.get(LOG + 8 * k), self.get(LOG + 8 * k + 8)
            if cause == 0 and tval == 0:
                break
            out.append((cause, tval))
        return out


# Every fault is logged as (scause, stval) at LOG and skipped (4-byte instructions only).
PROLOGUE = f"""
    la t0, handler
    csrw stvec, t0
    li s11, {LOG:#x}
    li t0, {(8 << 60) | (ROOT >> 12):#x}
    csrw satp, t0
    sfence.vma
    li s0, {VA:#x}
    li a1, {VA + 0x1000:#x}
    li a2, {VA + 0x2000:#x}
    li a3, {VA + 0x3000:#x}
    li a4, {VA + 0x4000:#x}
    li a5, {VA + 0x5000:#x}
    .option norvc
"""
HANDLER = """
exit:
    li a7, 93
    ecall
    .option rvc
    .balign 4
    .option norvc
handler:
    csrr t5, scause
    sd t5, 0(s11)
    csrr t5, stval
    sd t5, 8(s11)
    addi s11, s11, 16
    csrr t5, scause
    li t6, 8
    beq t5, t6, exit
    csrr t5, sepc
    addi t5, t5, 4
    csrw sepc, t5
    sret
"""


def run_paged(engine: str, body: str) -> PagedBoard:
    board = PagedBoard(engine)
    board.memory.load(RAM, build(PROLOGUE + body + HANDLER).read_bytes())
    board.cpu.reset(RAM, 0, 0)
    board.cpu.run(100_000)
    assert board.cpu.halted
    return board


def test_walk_sets_accessed_and_dirty(engine: str) -> None:
    board = run_paged(engine, """
        ld t1, 0(s0)
        mv s1, t1
    """)
    assert board.get(L0) & (A | D) == A
    board = run_paged(engine, """
        li t1, 0x1234
        sd t1, 8(s0)
        ld s1, 8(s0)
    """)
    assert board.get(L0) & (A | D) == A | D
    assert board.cpu.x[9] == 0x1234
    assert board.get(DATA + 8) == 0x1234
    assert board.faults() == []


def test_page_faults_carry_the_address(engine: str) -> None:
    board = run_paged(engine, f"""
        li t1, 1
        sd t1, 0x08(a1)
        ld t2, 0x10(a2)
        ld t2, 0x00(a5)
        li t3, {VA + 0x400000:#x}
        ld t2, 0(t3)
        li t3, 0x4000000000
        ld t2, 0(t3)
        ld t2, 0x00(a1)
    """)
    assert board.faults() == [
        (15, VA + 0x1008),
        (13, VA + 0x2010),
        (13, VA + 0x5000),
        (13, VA + 0x400000),
        (13, 0x4000000000),
    ]


def test_user_pages_need_sum_and_execute_only_needs_mxr(engine: str) -> None:
    board = run_paged(engine, """
        ld t1, 0x00(a3)
        ld t1, 0x00(a4)
        li t2, 0x40000
        csrs sstatus, t2
        ld t1, 0x00(a3)
        li t2, 0x80000
        csrs sstatus, t2
        ld t1, 0x00(a4)
        csrc sstatus, t2
        ld t1, 0x00(a4)
    """)
    assert board.faults() == [(13, VA + 0x3000), (13, VA + 0x4000), (13, VA + 0x4000)]


def test_megapage_and_fetch_through_translation(engine: str) -> None:
    board = PagedBoard(engine)
    # code for the execute-only page: li a0, 42; ret
    board.memory.load(DATA + 0x4000, bytes.fromhex("1305a0026780 0000".replace(" ", "")))
    board.memory.load(RAM, build(PROLOGUE + f"""
        li t1, {VA + 0x200000:#x}
        li t2, 77
        sd t2, 0x18(t1)
        ld s1, 0x18(t1)
        li t1, {VA + 0x4000:#x}
        jalr t1
        mv s2, a0
        li t1, {VA + 0x1000:#x}
        jalr t1
    """ + HANDLER).read_bytes())
    board.cpu.reset(RAM, 0, 0)
    board.cpu.run(100_000)
    assert board.cpu.halted
    assert board.get(DATA + 0x18) == 77
    assert board.cpu.x[18] == 42
    # fetching from a page without X faults with the target address as stval
    assert board.faults()[0] == (12, VA + 0x1000)


def test_user_mode_translation(engine: str) -> None:
    board = PagedBoard(engine)
    board.put(L0 + 8 * 6, pte(RAM + 0x2000, V | R | X | U | A))
    board.put(DATA + 0x3000, 0x5555)
    board.memory.load(RAM, build(PROLOGUE + f"""
        li t0, {VA + 0x6000:#x}
        csrw sepc, t0
        li t0, 0x100
        csrc sstatus, t0
        sret
    """ + HANDLER + """
        .org 0x2000
        ld s1, 0(a3)
        ld s2, 0(s0)
        ecall
    """).read_bytes())
    board.cpu.reset(RAM, 0, 0)
    board.cpu.run(100_000)
    assert board.cpu.halted
    assert board.cpu.x[9] == 0x5555
    assert board.faults() == [(13, VA), (8, 0)]


def test_sfence_vma_of_one_page_and_of_a_superpage(engine: str) -> None:
    board = PagedBoard(engine)
    board.put(DATA + 0x5000, 0x55)
    board.put(DATA + 0x0000, 0x11)
    board.put(DATA + 0x7008, 0x77)  # what the remapped megapage shows at offset 0x7008
    new_page = pte(DATA + 0x5000, V | R | W | A | D)
    new_mega = pte(DATA + 0x200000, V | R | W | A | D)
    board.put(DATA + 0x200000 + 0x7008, 0x99)
    board.memory.load(RAM, build(PROLOGUE + f"""
        ld s1, 0(s0)
        li t1, {L0:#x}
        li t2, {new_page:#x}
        sd t2, 0(t1)
        sfence.vma s0
        ld s2, 0(s0)
        li t3, {VA + 0x200000:#x}
        li t4, {VA + 0x207008:#x}
        ld s3, 0(t4)
        ld zero, 0x100(t3)
        li t1, {L1 + 8:#x}
        li t2, {new_mega:#x}
        sd t2, 0(t1)
        sfence.vma t3
        ld s4, 0(t4)
    """ + HANDLER).read_bytes())
    board.cpu.reset(RAM, 0, 0)
    board.cpu.run(100_000)
    assert board.cpu.halted and board.faults() == []
    x = board.cpu.x
    assert (x[9], x[18]) == (0x11, 0x55)
    assert (x[19], x[20]) == (0x77, 0x99)
