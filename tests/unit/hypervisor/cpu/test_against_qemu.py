"""One program, two machines: our CPU and QEMU's user-mode riscv64 must print the same bytes.

The program loops over tables of operands, applies each instruction (F and D in every
rounding mode, and the integer ALU), and writes result bits and fflags with the Linux
write call; on our CPU the test firmware serves write and exit. QEMU's softfloat is the
reference for IEEE results and flags.
"""

from __future__ import annotations

import shutil
import struct
import subprocess

import pytest

from vmforms.hypervisor.cpu.riscv.cpu import HOT_THRESHOLD

from .rig import ENGINES, RAM, Board, build, needs_binutils

pytestmark = [
    needs_binutils,
    pytest.mark.skipif(not shutil.which("qemu-riscv64"), reason="needs qemu-user (qemu-riscv64)"),
]

D_VALUES = [
    0.0, -0.0, 1.0, -1.0, 1.5, 2.5, -2.5, 3.0, 0.1, 1 / 3, 3.141592653589793, 1e308, -1e308,
    5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, float("inf"), float("-inf"),
    2.0**63, -(2.0**63), 2.0**64, 4294967295.5, -0.5, 1e-310,
]
D_BITS = [struct.unpack("<Q", struct.pack("<d", v))[0] for v in D_VALUES] + [
    0x7FF8000000000000, 0x7FF0000000000001, 0xFFF8000000000123,
]
S_VALUES = [
    0.0, -0.0, 1.0, -1.0, 1.5, 2.5, -2.5, 3.0, 0.1, 1 / 3, 3e38, -3e38, 1e-45, 1.1754942e-38,
    float("inf"), float("-inf"), 2.0**31, 2.0**32, 16777217.0, -0.5, 0.75,
]
S_BITS = [0xFFFFFFFF_00000000 | struct.unpack("<I", struct.pack("<f", v))[0] for v in S_VALUES] + [
    0xFFFFFFFF_7FC00000, 0xFFFFFFFF_7F800001, 0x00000000_3F800000,  # the last is not NaN-boxed
]
INT_BITS = [
    0, 1, 2, 3, 7, 0xFFFFFFFFFFFFFFFF, 0x8000000000000000, 0x7FFFFFFFFFFFFFFF, 0x80000000,
    0x7FFFFFFF, 0xFFFFFFFF, 0x123456789ABCDEF0, 0xFEDCBA9876543210, 0xFFFFFFFF80000000, 63, 64,
]
RMS = ("rne", "rtz", "rdn", "rup", "rmm")
FP_OUT = '"fmv.x.d t2, fa2"'

MACROS = """
    .macro TABLE reg, label
    la \\reg, \\label
    .endm
    # out: s4; tables: s0 (first operands) s1 (second), counts s5 s6
    .macro BIN insn, tab, n, out
    TABLE s0, \\tab
    li s5, \\n
1:  TABLE s1, \\tab
    li s6, \\n
2:  ld t0, 0(s0)
    ld t1, 0(s1)
    fmv.d.x fa0, t0
    fmv.d.x fa1, t1
    csrw fflags, zero
    \\insn
    \\out
    csrr t3, fflags
    sd t2, 0(s4)
    sd t3, 8(s4)
    addi s4, s4, 16
    addi s1, s1, 8
    addi s6, s6, -1
    bnez s6, 2b
    addi s0, s0, 8
    addi s5, s5, -1
    bnez s5, 1b
    .endm
    .macro UN insn, tab, n, out
    TABLE s0, \\tab
    li s5, \\n
1:  ld t0, 0(s0)
    fmv.d.x fa0, t0
    csrw fflags, zero
    \\insn
    \\out
    csrr t3, fflags
    sd t2, 0(s4)
    sd t3, 8(s4)
    addi s4, s4, 16
    addi s0, s0, 8
    addi s5, s5, -1
    bnez s5, 1b
    .endm
"""


def _table(label: str, values: list[int]) -> str:
    return f"{label}:\n" + "".join(f"    .dword {v:#x}\n" for v in values)


def _fp_program() -> tuple[str, int]:
    body = []
    count = 0
    nd, ns = len(D_BITS), len(S_BITS)
    for sfx, tab, n in ((".d", "dvals", nd), (".s", "svals", ns)):
        for op in ("fadd", "fsub", "fmul", "fdiv"):
            for rm in RMS:
                body.append(f"BIN \"{op}{sfx} fa2, fa0, fa1, {rm}\", {tab}, {n}, {FP_OUT}")
                count += n * n
        for op in ("fmin", "fmax", "fsgnj", "fsgnjn", "fsgnjx"):
            body.append(f"BIN \"{op}{sfx} fa2, fa0, fa1\", {tab}, {n}, \"fmv.x.d t2, fa2\"")
            count += n * n
        for op in ("feq", "flt", "fle"):
            body.append(f"BIN \"{op}{sfx} t2, fa0, fa1\", {tab}, {n}, nop")
            count += n * n
        for op in ("fmadd", "fmsub", "fnmadd", "fnmsub"):
            for rm in ("rne", "rdn"):
                body.append(
                    f"BIN \"{op}{sfx} fa2, fa0, fa1, fa0, {rm}\", {tab}, {n}, \"fmv.x.d t2, fa2\""
                )
                count += n * n
                body.append(
                    f"BIN \"{op}{sfx} fa2, fa1, fa0, fa1, {rm}\", {tab}, {n}, \"fmv.x.d t2, fa2\""
                )
                count += n * n
        for rm in RMS:
            body.append(f"UN \"fsqrt{sfx} fa2, fa0, {rm}\", {tab}, {n}, \"fmv.x.d t2, fa2\"")
            count += n
            for to in ("w", "wu", "l", "lu"):
                body.append(f"UN \"fcvt.{to}{sfx} t2, fa0, {rm}\", {tab}, {n}, nop")
                count += n
                exact = sfx == ".d" and to in ("w", "wu")
                if exact and rm != "rne":
                    continue
                suffix = "" if exact else f", {rm}"
                body.append(
                    f"UN \"fcvt{sfx}.{to} fa2, t0{suffix}\", ivals, {len(INT_BITS)}, "
                    "\"fmv.x.d t2, fa2\""
                )
                count += len(INT_BITS)
        body.append(f"UN \"fclass{sfx} t2, fa0\", {tab}, {n}, nop")
        count += n
    for rm in RMS:
        body.append(f"UN \"fcvt.s.d fa2, fa0, {rm}\", dvals, {nd}, \"fmv.x.d t2, fa2\"")
        count += nd
    body.append("UN \"fcvt.d.s fa2, fa0\", svals, " + f"{ns}, \"fmv.x.d t2, fa2\"")
    body.append("UN \"fmv.x.w t2, fa0\", svals, " + f"{ns}, nop")
    body.append("UN \"fmv.w.x fa2, t0\", ivals, " + f"{len(INT_BITS)}, \"fmv.x.d t2, fa2\"")
    body.append("UN \"fsw fa0, 0(sp); ld t2, 0(sp)\", svals, " + f"{ns}, nop")
    body.append("UN \"sd t0, 0(sp); flw fa2, 0(sp)\", ivals, " + f"{len(INT_BITS)}, {FP_OUT}")
    count += nd + 2 * ns + 2 * len(INT_BITS)
    return "\n".join(body), count


def _int_program() -> tuple[str, int]:
    ops = [
        "add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and", "mul", "mulh",
        "mulhsu", "mulhu", "div", "divu", "rem", "remu", "addw", "subw", "sllw", "srlw", "sraw",
        "mulw", "divw", "divuw", "remw", "remuw",
    ]
    n = len(INT_BITS)
    body = [f"BIN \"{op} t2, t0, t1\", ivals, {n}, nop" for op in ops]
    return "\n".join(body), len(ops) * n * n


def _program(body: str, count: int) -> str:
    return MACROS + f"""
    la sp, stack_top
    la s4, out
    {body}
    li a0, 1
    la a1, out
    li a2, {count * 16}
    li a7, 64
    ecall
    li a0, 0
    li a7, 93
    ecall
    .data
    .balign 8
{_table("dvals", D_BITS)}
{_table("svals", S_BITS)}
{_table("ivals", INT_BITS)}
    .balign 16
stack: .zero 256
stack_top:
    .bss
    .balign 8
out: .zero {count * 16}
"""


def _reference(source: str) -> bytes:
    elf = build(source, elf=True)
    proc = subprocess.run(["qemu-riscv64", str(elf)], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _ours(source: str, engine: str) -> bytes:
    board = Board(engine, hot_threshold=HOT_THRESHOLD)  # cold and hot code both run
    # the raw binary spans .text, .data and .bss from RAM on
    board.memory.load(RAM, build(source).read_bytes())
    board.cpu.reset(RAM, 0, 0)
    board.cpu.csr_write(0x100, 1 << 13)  # FS = Initial, as Linux leaves it for user code
    board.cpu.run(20_000_000)
    assert board.cpu.halted, f"pc={board.cpu.pc:#x}"
    return bytes(board.firmware.out)


def _compare(ours: bytes, ref: bytes) -> None:
    assert len(ours) == len(ref)
    if ours != ref:
        for k in range(0, len(ref), 16):
            if ours[k : k + 16] != ref[k : k + 16]:
                got = struct.unpack("<QQ", ours[k : k + 16])
                want = struct.unpack("<QQ", ref[k : k + 16])
                raise AssertionError(
                    f"case {k // 16}: ours (value, fflags) = {got[0]:#x}, {got[1]:#x}; "
                    f"qemu {want[0]:#x}, {want[1]:#x}"
                )


@pytest.mark.parametrize("engine", ENGINES)
def test_integer_alu_matches_qemu(engine: str) -> None:
    source = _program(*_int_program())
    _compare(_ours(source, engine), _reference(source))


@pytest.mark.parametrize("engine", ENGINES)
def test_floating_point_matches_qemu(engine: str) -> None:
    source = _program(*_fp_program())
    _compare(_ours(source, engine), _reference(source))
