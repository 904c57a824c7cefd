"""RV64I, M, C: each instruction class against the unprivileged spec ch. 2, 5, 7 and 16."""

from __future__ import annotations

import pytest

from .rig import ENGINES, EXIT, needs_binutils, run, u64

pytestmark = [needs_binutils, pytest.mark.parametrize("engine", ENGINES)]


def test_alu_immediates(engine: str) -> None:
    cpu = run(engine, """
        li t0, -5
        addi s0, t0, 7
        slti s1, t0, -4
        sltiu s2, t0, 3
        xori s3, t0, 0x0f
        ori s4, zero, -2048
        andi s5, t0, 0x7f
        slli s6, t0, 60
        srli s7, t0, 60
        srai s8, t0, 1
        lui s9, 0xfffff
        la t6, 1f
    1:  auipc s10, 1
        addi zero, t0, 1
    """ + EXIT)
    x = cpu.x
    assert x[8] == 2
    assert x[9] == 1
    assert x[18] == 0
    assert x[19] == u64(-5 ^ 0xF)
    assert x[20] == u64(-2048)
    assert x[21] == 0x7B
    assert x[22] == u64(-5 << 60)
    assert x[23] == 0xF
    assert x[24] == u64(-3)
    assert x[25] == u64(-4096)
    assert x[26] == x[31] + 0x1000
    assert x[0] == 0


def test_alu_registers_and_words(engine: str) -> None:
    cpu = run(engine, """
        li t0, 0x7fffffff
        li t1, 1
        li t2, -1
        addw s0, t0, t1
        subw s1, zero, t0
        sllw s2, t2, t1
        srlw s3, t2, t1
        sraw s4, t2, t1
        addiw s5, t0, 1
        slliw s6, t1, 31
        srliw s7, t2, 4
        sraiw s8, s6, 4
        sub s9, zero, t1
        sll s10, t1, t2
        sltu s11, t1, t2
        slt a0, t1, t2
        sra a1, t2, t1
        srl a2, t2, t1
        xor a3, t0, t2
        or a4, t0, t1
        and a5, t0, t2
        li a7, 93
        mv a6, a0
        ecall
    """)
    x = cpu.x
    assert x[8] == u64(-(1 << 31))
    assert x[9] == u64(-0x7FFFFFFF)
    assert x[18] == u64(-2)
    assert x[19] == 0x7FFFFFFF
    assert x[20] == u64(-1)
    assert x[21] == u64(-(1 << 31))
    assert x[22] == u64(-(1 << 31))
    assert x[23] == 0x0FFFFFFF
    assert x[24] == u64(-(1 << 27))
    assert x[25] == u64(-1)
    assert x[26] == 1 << 63
    assert x[27] == 1
    assert x[16] == 0
    assert x[11] == u64(-1)
    assert x[12] == (1 << 63) - 1
    assert x[13] == u64(~0x7FFFFFFF)
    assert x[14] == 0x7FFFFFFF
    assert x[15] == 0x7FFFFFFF


def test_multiply_divide(engine: str) -> None:
    cpu = run(engine, """
        li t0, -7
        li t1, 2
        li t2, 0
        li t3, 1
        slli t3, t3, 63
        li t4, -1
        mul s0, t0, t1
        mulh s1, t0, t1
        mulhu s2, t0, t1
        mulhsu s3, t0, t1
        div s4, t0, t1
        divu s5, t0, t1
        rem s6, t0, t1
        remu s7, t0, t1
        div s8, t0, t2
        rem s9, t0, t2
        div s10, t3, t4
        rem s11, t3, t4
        mulw a0, t0, t0
        divw a1, t0, t1
        divuw a2, t0, t1
        remw a3, t0, t1
        remuw a4, t0, t1
        divuw a5, t0, t2
        li a7, 93
        mv a6, a0
        ecall
    """)
    x = cpu.x
    assert x[8] == u64(-14)
    assert x[9] == u64(-1)
    assert x[18] == 1
    assert x[19] == u64(-1)
    assert x[20] == u64(-3)
    assert x[21] == u64(-7) // 2
    assert x[22] == u64(-1)
    assert x[23] == 1
    assert x[24] == u64(-1)
    assert x[25] == u64(-7)
    assert x[26] == 1 << 63
    assert x[27] == 0
    assert x[16] == 49
    assert x[11] == u64(-3)
    assert x[12] == 0x7FFFFFFC
    assert x[13] == u64(-1)
    assert x[14] == 1
    assert x[15] == u64(-1)


def test_branches_and_jumps(engine: str) -> None:
    cpu = run(engine, """
        li s0, 0
        li t0, -1
        li t1, 1
        blt t0, t1, 1f
        addi s0, s0, 1
    1:  bltu t0, t1, 2f
        addi s0, s0, 2
    2:  bge t1, t0, 3f
        addi s0, s0, 4
    3:  bgeu t1, t0, 4f
        addi s0, s0, 8
    4:  beq t0, t0, 5f
        addi s0, s0, 16
    5:  bne t0, t0, 6f
        addi s0, s0, 32
    6:  jal ra, 7f
    61: addi s0, s0, 64
        j 8f
    7:  mv s1, ra
        jalr zero, 0(ra)
    8:  la t2, 9f
        jalr s2, 1(t2)
    81: addi s0, s0, 128
    9:  li s3, 10
        li s4, 0
    10: addi s4, s4, 3
        addi s3, s3, -1
        bnez s3, 10b
        la s5, 61b
        la s6, 81b
    """ + EXIT)
    x = cpu.x
    assert x[8] == 2 + 8 + 32 + 64
    assert x[9] == x[21]
    assert x[18] == x[22]
    assert x[20] == 30


def test_loads_and_stores(engine: str) -> None:
    cpu = run(engine, """
        la t0, buf
        li t1, 0x8899aabbccddeeff
        sd t1, 0(t0)
        lb s0, 0(t0)
        lbu s1, 0(t0)
        lh s2, 2(t0)
        lhu s3, 2(t0)
        lw s4, 4(t0)
        lwu s5, 4(t0)
        ld s6, 0(t0)
        sb t1, 9(t0)
        sh t1, 10(t0)
        sw t1, 12(t0)
        ld s7, 8(t0)
        sd t1, 17(t0)
        ld s8, 17(t0)
        lw s9, 19(t0)
        li t2, 0x10000000
        sw t1, 8(t2)
        lhu s10, 10(t2)
        j done
        .balign 8
    buf: .zero 64
    done:
    """ + EXIT)
    x = cpu.x
    assert x[8] == u64(-1)
    assert x[9] == 0xFF
    assert x[18] == u64(0xCCDD - 0x10000)
    assert x[19] == 0xCCDD
    assert x[20] == u64(0x8899AABB - (1 << 32))
    assert x[21] == 0x8899AABB
    assert x[22] == 0x8899AABBCCDDEEFF
    assert x[23] == 0xCCDDEEFF_EEFFFF00
    assert x[24] == 0x8899AABBCCDDEEFF
    assert x[25] == u64(0xAABBCCDD - (1 << 32))
    assert x[26] == 0xCCDD


def test_compressed(engine: str) -> None:
    cpu = run(engine, """
        .option push
        .option rvc
        c.li s0, 5
        c.addi s0, -3
        c.addiw s0, 1
        c.slli s0, 4
        c.mv s1, s0
        c.add s1, s0
        c.lui a0, 1
        c.addi16sp sp, 32
        c.addi4spn a1, sp, 8
        c.srli a0, 2
        c.srai s1, 1
        c.andi s1, 0x1f
        c.sub a0, s1
        c.xor a0, s1
        c.or a0, s1
        c.and a0, s1
        c.subw a0, s1
        c.addw a0, s1
        la a2, buf
        c.sd s0, 8(a2)
        c.ld a3, 8(a2)
        c.sw s0, 16(a2)
        c.lw a4, 16(a2)
        mv sp, a2
        c.sdsp s0, 24(sp)
        c.ldsp a5, 24(sp)
        c.swsp s0, 32(sp)
        c.lwsp s2, 32(sp)
        c.li a0, 0
        c.beqz a0, 1f
        c.li s3, 9
    1:  c.bnez s0, 2f
        c.li s3, 10
    2:  c.j 3f
        c.li s3, 11
    3:  la a1, 4f
        c.jalr a1
        j done
    4:  mv s4, ra
        c.jr ra
        .option pop
        .balign 8
    buf: .zero 64
    done:
    """ + EXIT)
    x = cpu.x
    assert x[8] == 48
    assert x[9] == 16
    assert x[13] == 48
    assert x[14] == 48
    assert x[15] == 48
    assert x[18] == 48
    assert x[19] == 0
    assert x[20] != 0 and x[20] & 1 == 0


def test_runs_of_accesses_across_a_page_boundary(engine: str) -> None:
    """Accesses through one base register straddling two pages, then the same in one page."""
    cpu = run(engine, """
        la t0, page
        li t1, 0x1000
        add t0, t0, t1
        addi t0, t0, -8
        li t2, 0x1111
        li t3, 0x2222
        sd t2, 0(t0)
        sd t3, 8(t0)
        ld s0, 0(t0)
        ld s1, 8(t0)
        lw s2, 8(t0)
        addi t0, t0, -64
        sd t3, 0(t0)
        sw t2, 8(t0)
        sh t2, 12(t0)
        sb t3, 14(t0)
        ld s3, 0(t0)
        ld s4, 8(t0)
        j done
        .balign 4096
    page: .zero 8192
    done:
    """ + EXIT)
    x = cpu.x
    assert (x[8], x[9], x[18]) == (0x1111, 0x2222, 0x2222)
    assert x[19] == 0x2222
    assert x[20] == 0x0022_1111_0000_1111


def test_compressed_floating_point_and_negative_immediates(engine: str) -> None:
    cpu = run(engine, """
        li t0, 0x2000
        csrs sstatus, t0
        la s0, buf
        mv sp, s0
        li t1, 0x400921fb54442d18
        sd t1, 8(s0)
        .option push
        .option rvc
        c.fld fa0, 8(s0)
        c.fsd fa0, 16(s0)
        c.fldsp fa1, 16(sp)
        c.fsdsp fa1, 24(sp)
        c.lui a0, 0xfffe0
        c.li a1, -32
        c.addiw a1, -1
        c.addi a1, 31
        c.andi a1, -16
        .option pop
        ld s1, 24(s0)
        fmv.x.d s2, fa1
        j 1f
        .balign 8
    buf: .zero 64
    1:
    """ + EXIT)
    x = cpu.x
    assert x[9] == x[18] == 0x400921FB54442D18
    assert x[10] == u64(-0x20 << 12)
    assert x[11] == u64(-16)
