"""Instruction decoding for RV64IMAFDC + Zicsr + Zifencei (unprivileged spec ch. 2-16, 26-27).

`decode(word)` returns one immutable `Instr`; compressed instructions (chapter 16) are
expanded to the 32-bit instruction they stand for, keeping `length == 2`, so the engines
know a single set of mnemonics. Unknown encodings decode to the mnemonic "illegal".
"""

from dataclasses import dataclass, field

# The register written by an instruction whose rd is x0: writes land here and are never
# read, which spares every handler a test for rd == 0.
X_SINK = 32


@dataclass(frozen=True, slots=True)
class Instr:
    """One decoded instruction; `imm` is sign-extended, `imm` holds the CSR number for Zicsr."""

    name: str
    word: int
    length: int
    rd: int = 0
    rs1: int = 0
    rs2: int = 0
    rs3: int = 0
    imm: int = 0
    rm: int = 0
    # The integer destination actually written: rd, or the sink register for x0.
    xd: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "xd", self.rd if self.rd else X_SINK)


def _sext(value: int, bits: int) -> int:
    sign = 1 << (bits - 1)
    return (value & (sign - 1)) - (value & sign)


_BRANCH = {0: "beq", 1: "bne", 4: "blt", 5: "bge", 6: "bltu", 7: "bgeu"}
_LOAD = {0: "lb", 1: "lh", 2: "lw", 3: "ld", 4: "lbu", 5: "lhu", 6: "lwu"}
_STORE = {0: "sb", 1: "sh", 2: "sw", 3: "sd"}
_OP_IMM = {0: "addi", 2: "slti", 3: "sltiu", 4: "xori", 6: "ori", 7: "andi"}
_OP = {
    (0, 0): "add", (0x20, 0): "sub", (0, 1): "sll", (0, 2): "slt", (0, 3): "sltu",
    (0, 4): "xor", (0, 5): "srl", (0x20, 5): "sra", (0, 6): "or", (0, 7): "and",
    (1, 0): "mul", (1, 1): "mulh", (1, 2): "mulhsu", (1, 3): "mulhu",
    (1, 4): "div", (1, 5): "divu", (1, 6): "rem", (1, 7): "remu",
}
_OP32 = {
    (0, 0): "addw", (0x20, 0): "subw", (0, 1): "sllw", (0, 5): "srlw", (0x20, 5): "sraw",
    (1, 0): "mulw", (1, 4): "divw", (1, 5): "divuw", (1, 6): "remw", (1, 7): "remuw",
}
_AMO = {
    0x02: "lr", 0x03: "sc", 0x01: "amoswap", 0x00: "amoadd", 0x04: "amoxor",
    0x0C: "amoand", 0x08: "amoor", 0x10: "amomin", 0x14: "amomax",
    0x18: "amominu", 0x1C: "amomaxu",
}
_CSR = {1: "csrrw", 2: "csrrs", 3: "csrrc", 5: "csrrwi", 6: "csrrsi", 7: "csrrci"}
_FMA = {0x43: "fmadd", 0x47: "fmsub", 0x4B: "fnmsub", 0x4F: "fnmadd"}
_FP_BINARY = {0x00: "fadd", 0x04: "fsub", 0x08: "fmul", 0x0C: "fdiv"}
_FMT = {0: ".s", 1: ".d"}
_FCVT_INT = {0: "w", 1: "wu", 2: "l", 3: "lu"}

_SYSTEM_WORDS = {
    0x00000073: "ecall", 0x00100073: "ebreak", 0x10200073: "sret",
    0x30200073: "mret", 0x10500073: "wfi",
}


def decode(word: int) -> Instr:
    """Decode one instruction: a 32-bit word, or a 16-bit parcel when its low bits are not 11."""
    if word & 3 != 3:
        return _decode_compressed(word & 0xFFFF)
    return _decode32(word & 0xFFFFFFFF, 4)


def _decode32(w: int, length: int) -> Instr:  # noqa: C901 - one switch on the major opcode
    op = w & 0x7F
    rd = (w >> 7) & 0x1F
    f3 = (w >> 12) & 7
    rs1 = (w >> 15) & 0x1F
    rs2 = (w >> 20) & 0x1F
    f7 = w >> 25
    i_imm = _sext(w >> 20, 12)
    bad = Instr("illegal", w, length)
    if op == 0x37 or op == 0x17:
        name = "lui" if op == 0x37 else "auipc"
        return Instr(name, w, length, rd=rd, imm=_sext(w & 0xFFFFF000, 32))
    if op == 0x6F:
        imm = (
            ((w >> 31) & 1) << 20 | ((w >> 12) & 0xFF) << 12
            | ((w >> 20) & 1) << 11 | ((w >> 21) & 0x3FF) << 1
        )
        return Instr("jal", w, length, rd=rd, imm=_sext(imm, 21))
    if op == 0x67:
        return Instr("jalr", w, length, rd=rd, rs1=rs1, imm=i_imm) if f3 == 0 else bad
    if op == 0x63:
        if f3 not in _BRANCH:
            return bad
        imm = (
            ((w >> 31) & 1) << 12 | ((w >> 7) & 1) << 11
            | ((w >> 25) & 0x3F) << 5 | ((w >> 8) & 0xF) << 1
        )
        return Instr(_BRANCH[f3], w, length, rs1=rs1, rs2=rs2, imm=_sext(imm, 13))
    if op == 0x03:
        return Instr(_LOAD[f3], w, length, rd=rd, rs1=rs1, imm=i_imm) if f3 in _LOAD else bad
    if op == 0x23:
        if f3 not in _STORE:
            return bad
        imm = _sext((f7 << 5) | rd, 12)
        return Instr(_STORE[f3], w, length, rs1=rs1, rs2=rs2, imm=imm)
    if op == 0x13:
        if f3 in _OP_IMM:
            return Instr(_OP_IMM[f3], w, length, rd=rd, rs1=rs1, imm=i_imm)
        shamt = (w >> 20) & 0x3F
        f6 = w >> 26
        if f3 == 1 and f6 == 0:
            return Instr("slli", w, length, rd=rd, rs1=rs1, imm=shamt)
        if f3 == 5 and f6 in (0, 0x10):
            return Instr("srli" if f6 == 0 else "srai", w, length, rd=rd, rs1=rs1, imm=shamt)
        return bad
    if op == 0x1B:
        if f3 == 0:
            return Instr("addiw", w, length, rd=rd, rs1=rs1, imm=i_imm)
        if f3 == 1 and f7 == 0:
            return Instr("slliw", w, length, rd=rd, rs1=rs1, imm=rs2)
        if f3 == 5 and f7 in (0, 0x20):
            return Instr("srliw" if f7 == 0 else "sraiw", w, length, rd=rd, rs1=rs1, imm=rs2)
        return bad
    if op == 0x33 or op == 0x3B:
        alu = (_OP if op == 0x33 else _OP32).get((f7, f3), "")
        return Instr(alu, w, length, rd=rd, rs1=rs1, rs2=rs2) if alu else bad
    if op == 0x0F:
        if f3 == 0:
            return Instr("fence", w, length)
        return Instr("fence.i", w, length) if f3 == 1 else bad
    if op == 0x73:
        return _decode_system(w, length, rd, f3, rs1, rs2, f7)
    if op == 0x2F:
        amo = _AMO.get(w >> 27, "")
        if not amo or f3 not in (2, 3) or (amo == "lr" and rs2 != 0):
            return bad
        return Instr(amo + (".w" if f3 == 2 else ".d"), w, length, rd=rd, rs1=rs1, rs2=rs2)
    if op == 0x07 or op == 0x27:
        if f3 not in (2, 3):
            return bad
        width = "w" if f3 == 2 else "d"
        if op == 0x07:
            return Instr("fl" + width, w, length, rd=rd, rs1=rs1, imm=i_imm)
        return Instr("fs" + width, w, length, rs1=rs1, rs2=rs2, imm=_sext((f7 << 5) | rd, 12))
    if op in _FMA:
        fmt = (w >> 25) & 3
        if fmt not in _FMT:
            return bad
        return Instr(
            _FMA[op] + _FMT[fmt], w, length, rd=rd, rs1=rs1, rs2=rs2, rs3=w >> 27, rm=f3
        )
    if op == 0x53:
        return _decode_op_fp(w, length, rd, f3, rs1, rs2, f7)
    return bad


def _decode_system(w: int, length: int, rd: int, f3: int, rs1: int, rs2: int, f7: int) -> Instr:
    if f3 == 0:
        name = _SYSTEM_WORDS.get(w)
        if name:
            return Instr(name, w, length)
        if f7 == 0x09 and rd == 0:
            return Instr("sfence.vma", w, length, rs1=rs1, rs2=rs2)
        return Instr("illegal", w, length)
    if f3 not in _CSR:
        return Instr("illegal", w, length)
    return Instr(_CSR[f3], w, length, rd=rd, rs1=rs1, imm=w >> 20)


def _decode_op_fp(w: int, length: int, rd: int, f3: int, rs1: int, rs2: int, f7: int) -> Instr:
    fmt = f7 & 3
    bad = Instr("illegal", w, length)
    if fmt not in _FMT:
        return bad
    sfx = _FMT[fmt]
    group = f7 & ~3

    def mk(name: str) -> Instr:
        return Instr(name, w, length, rd=rd, rs1=rs1, rs2=rs2, rm=f3)

    if group in _FP_BINARY:
        return mk(_FP_BINARY[group] + sfx)
    if group == 0x2C and rs2 == 0:
        return mk("fsqrt" + sfx)
    if group == 0x10 and f3 < 3:
        return mk(("fsgnj", "fsgnjn", "fsgnjx")[f3] + sfx)
    if group == 0x14 and f3 < 2:
        return mk(("fmin", "fmax")[f3] + sfx)
    if f7 == 0x20 and rs2 == 1:
        return mk("fcvt.s.d")
    if f7 == 0x21 and rs2 == 0:
        return mk("fcvt.d.s")
    if group == 0x50 and f3 < 3:
        return mk(("fle", "flt", "feq")[f3] + sfx)
    if group == 0x60 and rs2 < 4:
        return mk("fcvt." + _FCVT_INT[rs2] + sfx)
    if group == 0x68 and rs2 < 4:
        return mk("fcvt" + sfx + "." + _FCVT_INT[rs2])
    if group == 0x70 and rs2 == 0 and f3 == 0:
        return mk("fmv.x." + ("w" if fmt == 0 else "d"))
    if group == 0x70 and rs2 == 0 and f3 == 1:
        return mk("fclass" + sfx)
    if group == 0x78 and rs2 == 0 and f3 == 0:
        return mk("fmv." + ("w" if fmt == 0 else "d") + ".x")
    return bad


def _bits(w: int, hi: int, lo: int) -> int:
    return (w >> lo) & ((1 << (hi - lo + 1)) - 1)


def _decode_compressed(w: int) -> Instr:  # noqa: C901 - the RVC opcode map, quadrant by quadrant
    """Expand a 16-bit RVC parcel (unprivileged spec 16.8, RV64 column)."""
    quadrant = w & 3
    f3 = w >> 13
    rdp = _bits(w, 4, 2) + 8
    rs1p = _bits(w, 9, 7) + 8
    rd = _bits(w, 11, 7)
    rs2 = _bits(w, 6, 2)
    imm6 = _sext(_bits(w, 12, 12) << 5 | _bits(w, 6, 2), 6)
    bad = Instr("illegal", w, 2)
    lsw = _bits(w, 12, 10) << 3 | _bits(w, 6, 6) << 2 | _bits(w, 5, 5) << 6
    lsd = _bits(w, 12, 10) << 3 | _bits(w, 6, 5) << 6
    if quadrant == 0:
        if f3 == 0:
            imm = (
                _bits(w, 12, 11) << 4 | _bits(w, 10, 7) << 6
                | _bits(w, 6, 6) << 2 | _bits(w, 5, 5) << 3
            )
            return Instr("addi", w, 2, rd=rdp, rs1=2, imm=imm) if imm else bad
        loads = {1: ("fld", lsd), 2: ("lw", lsw), 3: ("ld", lsd)}
        stores = {5: ("fsd", lsd), 6: ("sw", lsw), 7: ("sd", lsd)}
        if f3 in loads:
            name, imm = loads[f3]
            return Instr(name, w, 2, rd=rdp, rs1=rs1p, imm=imm)
        if f3 in stores:
            name, imm = stores[f3]
            return Instr(name, w, 2, rs1=rs1p, rs2=rdp, imm=imm)
        return bad
    if quadrant == 1:
        if f3 == 0:
            return Instr("addi", w, 2, rd=rd, rs1=rd, imm=imm6)
        if f3 == 1:
            return Instr("addiw", w, 2, rd=rd, rs1=rd, imm=imm6) if rd else bad
        if f3 == 2:
            return Instr("addi", w, 2, rd=rd, rs1=0, imm=imm6)
        if f3 == 3:
            if rd == 2:
                imm = _sext(
                    _bits(w, 12, 12) << 9 | _bits(w, 6, 6) << 4 | _bits(w, 5, 5) << 6
                    | _bits(w, 4, 3) << 7 | _bits(w, 2, 2) << 5,
                    10,
                )
                return Instr("addi", w, 2, rd=2, rs1=2, imm=imm) if imm else bad
            return Instr("lui", w, 2, rd=rd, imm=imm6 << 12) if imm6 else bad
        if f3 == 4:
            sel = _bits(w, 11, 10)
            shamt = _bits(w, 12, 12) << 5 | rs2
            if sel == 0:
                return Instr("srli", w, 2, rd=rs1p, rs1=rs1p, imm=shamt)
            if sel == 1:
                return Instr("srai", w, 2, rd=rs1p, rs1=rs1p, imm=shamt)
            if sel == 2:
                return Instr("andi", w, 2, rd=rs1p, rs1=rs1p, imm=imm6)
            names = ("sub", "xor", "or", "and", "subw", "addw", "", "")
            alu = names[_bits(w, 12, 12) << 2 | _bits(w, 6, 5)]
            return Instr(alu, w, 2, rd=rs1p, rs1=rs1p, rs2=rdp) if alu else bad
        if f3 == 5:
            imm = (
                _bits(w, 12, 12) << 11 | _bits(w, 11, 11) << 4 | _bits(w, 10, 9) << 8
                | _bits(w, 8, 8) << 10 | _bits(w, 7, 7) << 6 | _bits(w, 6, 6) << 7
                | _bits(w, 5, 3) << 1 | _bits(w, 2, 2) << 5
            )
            return Instr("jal", w, 2, rd=0, imm=_sext(imm, 12))
        imm = (
            _bits(w, 12, 12) << 8 | _bits(w, 11, 10) << 3 | _bits(w, 6, 5) << 6
            | _bits(w, 4, 3) << 1 | _bits(w, 2, 2) << 5
        )
        return Instr("beq" if f3 == 6 else "bne", w, 2, rs1=rs1p, rs2=0, imm=_sext(imm, 9))
    if quadrant == 2:
        if f3 == 0:
            return Instr("slli", w, 2, rd=rd, rs1=rd, imm=_bits(w, 12, 12) << 5 | rs2)
        spd = _bits(w, 12, 12) << 5 | _bits(w, 6, 5) << 3 | _bits(w, 4, 2) << 6
        spw = _bits(w, 12, 12) << 5 | _bits(w, 6, 4) << 2 | _bits(w, 3, 2) << 6
        if f3 == 1:
            return Instr("fld", w, 2, rd=rd, rs1=2, imm=spd)
        if f3 == 2:
            return Instr("lw", w, 2, rd=rd, rs1=2, imm=spw) if rd else bad
        if f3 == 3:
            return Instr("ld", w, 2, rd=rd, rs1=2, imm=spd) if rd else bad
        if f3 == 4:
            if _bits(w, 12, 12) == 0:
                if rs2 == 0:
                    return Instr("jalr", w, 2, rd=0, rs1=rd, imm=0) if rd else bad
                return Instr("add", w, 2, rd=rd, rs1=0, rs2=rs2)
            if rs2 == 0:
                if rd == 0:
                    return Instr("ebreak", w, 2)
                return Instr("jalr", w, 2, rd=1, rs1=rd, imm=0)
            return Instr("add", w, 2, rd=rd, rs1=rd, rs2=rs2)
        ssd = _bits(w, 12, 10) << 3 | _bits(w, 9, 7) << 6
        ssw = _bits(w, 12, 9) << 2 | _bits(w, 8, 7) << 6
        if f3 == 5:
            return Instr("fsd", w, 2, rs1=2, rs2=rs2, imm=ssd)
        if f3 == 6:
            return Instr("sw", w, 2, rs1=2, rs2=rs2, imm=ssw)
        return Instr("sd", w, 2, rs1=2, rs2=rs2, imm=ssd)
    return bad
