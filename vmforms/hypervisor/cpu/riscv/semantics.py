"""The meaning of every instruction, written once as Python source templates.

Both engines are built from these templates (unprivileged spec ch. 2-13, privileged 3.3
and 4.2): the interpreter compiles each template once into a handler whose fields come
from the decoded `Instr`, the translator pastes the templates of a basic block together
with the fields as literals. Placeholders: {xd} integer destination (x0 -> sink), {rd}
float destination, {rs1} {rs2} {rs3} {imm} {rm} {word}, {pc} and {npc} (this and the next
instruction's address) and {idx} (position in the block, for counter reads).

Names in scope: c (the Cpu), x and f (register files), rt and wt (the read and write TLB
of the current mode: virtual page -> host offset delta), the memory views B b H h I i Q,
and the helpers defined below. Registers hold unsigned 64-bit values.
"""

from collections.abc import Callable
from typing import Any

from vmforms.hypervisor.cpu.riscv import fpu
from vmforms.hypervisor.cpu.riscv.trap import Trap

M = 0xFFFFFFFF_FFFFFFFF
S = 1 << 63

# Instructions after which a block must end: control transfers and anything that can
# change privilege, translation, interrupt enables or the code itself.
TERMINATORS = frozenset({
    "jal", "jalr", "beq", "bne", "blt", "bge", "bltu", "bgeu", "ecall", "ebreak", "sret",
    "mret", "wfi", "fence.i", "sfence.vma", "illegal",
    "csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci",
})


# Where a translated block must end. A conditional branch need not: its taken side leaves
# the block through a return, the fall-through carries on (a block with side exits).
CONDITIONAL_BRANCHES = frozenset({"beq", "bne", "blt", "bge", "bltu", "bgeu"})
BLOCK_ENDS = TERMINATORS - CONDITIONAL_BRANCHES


def sx32(v: int) -> int:
    return (((v & 0xFFFFFFFF) ^ 0x80000000) + 0xFFFFFFFF80000000) & M


def sx16(v: int) -> int:
    return (((v & 0xFFFF) ^ 0x8000) + 0xFFFFFFFFFFFF8000) & M


def sx8(v: int) -> int:
    return (((v & 0xFF) ^ 0x80) + 0xFFFFFFFFFFFFFF80) & M


def _signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _div(a: int, b: int, bits: int, signed: bool, rem: bool) -> int:
    """M-extension division (7.2): x/0 is all ones, x%0 is x, overflow wraps; truncating."""
    if signed:
        a, b = _signed(a, bits), _signed(b, bits)
    else:
        a &= (1 << bits) - 1
        b &= (1 << bits) - 1
    if b == 0:
        r = a if rem else -1
    else:
        q = abs(a) // abs(b)
        if (a < 0) != (b < 0):
            q = -q
        r = a - q * b if rem else q
    return sx32(r) if bits == 32 else r & M


def div_(a: int, b: int) -> int:
    return _div(a, b, 64, True, False)


def divu(a: int, b: int) -> int:
    return _div(a, b, 64, False, False)


def rem_(a: int, b: int) -> int:
    return _div(a, b, 64, True, True)


def remu(a: int, b: int) -> int:
    return _div(a, b, 64, False, True)


def divw(a: int, b: int) -> int:
    return _div(a, b, 32, True, False)


def divuw(a: int, b: int) -> int:
    return _div(a, b, 32, False, False)


def remw(a: int, b: int) -> int:
    return _div(a, b, 32, True, True)


def remuw(a: int, b: int) -> int:
    return _div(a, b, 32, False, True)


# --- floating point: FS check, rounding mode, NaN-boxing and fflags around fpu.py ---

FpOp2 = Callable[[fpu.Fmt, int, int, int], tuple[int, int]]


def _unbox(fmt: fpu.Fmt, v: int) -> int:
    return fpu.unbox(v) if fmt is fpu.F32 else v


def _box(fmt: fpu.Fmt, v: int) -> int:
    return v | fpu.BOX if fmt is fpu.F32 else v


def fp2(c: Any, op: FpOp2, fmt: fpu.Fmt, a: int, b: int, rm: int, word: int) -> int:
    c.fs_dirty(word)
    r, flags = op(fmt, _unbox(fmt, a), _unbox(fmt, b), c.rounding(rm, word))
    c.fflags |= flags
    return _box(fmt, r)


def fsqrt(c: Any, fmt: fpu.Fmt, a: int, rm: int, word: int) -> int:
    c.fs_dirty(word)
    r, flags = fpu.sqrt(fmt, _unbox(fmt, a), c.rounding(rm, word))
    c.fflags |= flags
    return _box(fmt, r)


def ffma(c: Any, fmt: fpu.Fmt, a: int, b: int, d: int, rm: int, word: int, neg: int) -> int:
    c.fs_dirty(word)
    r, flags = fpu.fma(
        fmt, _unbox(fmt, a), _unbox(fmt, b), _unbox(fmt, d), c.rounding(rm, word),
        bool(neg & 2), bool(neg & 1),
    )
    c.fflags |= flags
    return _box(fmt, r)


def fsgnj(c: Any, fmt: fpu.Fmt, a: int, b: int, mode: int, word: int) -> int:
    c.fs_dirty(word)
    return _box(fmt, fpu.sign_inject(fmt, _unbox(fmt, a), _unbox(fmt, b), mode))


def fminmax(c: Any, fmt: fpu.Fmt, a: int, b: int, want_max: int, word: int) -> int:
    c.fs_dirty(word)
    r, flags = fpu.min_max(fmt, _unbox(fmt, a), _unbox(fmt, b), bool(want_max))
    c.fflags |= flags
    return _box(fmt, r)


def fcmp(c: Any, fmt: fpu.Fmt, a: int, b: int, kind: int, word: int) -> int:
    c.fs_check(word)
    r, flags = fpu.compare(fmt, _unbox(fmt, a), _unbox(fmt, b), kind)
    if flags:
        c.fs_dirty(word)
        c.fflags |= flags
    return r


def fclass(c: Any, fmt: fpu.Fmt, a: int, word: int) -> int:
    c.fs_check(word)
    return fpu.classify(fmt, _unbox(fmt, a))


def fcvt_to_int(c: Any, fmt: fpu.Fmt, a: int, rm: int, width: int, signed: int, word: int) -> int:
    c.fs_check(word)
    r, flags = fpu.to_int(fmt, _unbox(fmt, a), c.rounding(rm, word), width, bool(signed))
    if flags:
        c.fs_dirty(word)
        c.fflags |= flags
    return r


def fcvt_from_int(c: Any, fmt: fpu.Fmt, v: int, rm: int, width: int, signed: int, word: int) -> int:
    c.fs_dirty(word)
    r, flags = fpu.from_int(fmt, v, c.rounding(rm, word), width, bool(signed))
    c.fflags |= flags
    return _box(fmt, r)


def fcvt_ff(c: Any, src: fpu.Fmt, dst: fpu.Fmt, a: int, rm: int, word: int) -> int:
    c.fs_dirty(word)
    r, flags = fpu.convert(src, dst, _unbox(src, a), c.rounding(rm, word))
    c.fflags |= flags
    return _box(dst, r)


# --- the templates ---

def _w(expr: str) -> str:
    """x[{xd}] = the low 32 bits of `expr`, sign-extended to an unsigned 64-bit value.

    A test and one addition on the negative side: cheaper than flipping and re-adding bit 31.
    """
    return (
        f"w = ({expr}) & 0xFFFFFFFF\n"
        "x[{xd}] = w if w < 0x80000000 else w + 0xFFFFFFFF00000000"
    )


def _s32(expr: str) -> str:
    return f"((({expr}) & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000"


def _s64(expr: str) -> str:
    return f"((({expr}) ^ S) - S)"


A = "a = (x[{rs1}] + {imm}) & M\n"
T: dict[str, str] = {
    "lui": "x[{xd}] = {imm} & M",
    "auipc": "x[{xd}] = ({pc} + {imm}) & M",
    "jal": "x[{xd}] = {npc}\nreturn ({pc} + {imm}) & M",
    "jalr": "a = (x[{rs1}] + {imm}) & 0xFFFFFFFFFFFFFFFE\nx[{xd}] = {npc}\nreturn a",
    "addi": "x[{xd}] = (x[{rs1}] + {imm}) & M",
    "slti": "x[{xd}] = 1 if (x[{rs1}] ^ S) < (({imm} & M) ^ S) else 0",
    "sltiu": "x[{xd}] = 1 if x[{rs1}] < ({imm} & M) else 0",
    "xori": "x[{xd}] = x[{rs1}] ^ ({imm} & M)",
    "ori": "x[{xd}] = x[{rs1}] | ({imm} & M)",
    "andi": "x[{xd}] = x[{rs1}] & ({imm} & M)",
    "slli": "x[{xd}] = (x[{rs1}] << {imm}) & M",
    "srli": "x[{xd}] = x[{rs1}] >> {imm}",
    "srai": "x[{xd}] = (" + _s64("x[{rs1}]") + " >> {imm}) & M",
    "addiw": _w("x[{rs1}] + {imm}"),
    "slliw": _w("x[{rs1}] << {imm}"),
    "srliw": _w("(x[{rs1}] & 0xFFFFFFFF) >> {imm}"),
    # negative: the shifted value plus the ones shifted in above it
    "sraiw": (
        "w = x[{rs1}] & 0xFFFFFFFF\nx[{xd}] = w >> {imm} if w < 0x80000000 "
        "else (w >> {imm}) + (M ^ ((1 << (32 - {imm})) - 1))"
    ),
    "add": "x[{xd}] = (x[{rs1}] + x[{rs2}]) & M",
    "sub": "x[{xd}] = (x[{rs1}] - x[{rs2}]) & M",
    "sll": "x[{xd}] = (x[{rs1}] << (x[{rs2}] & 63)) & M",
    "slt": "x[{xd}] = 1 if (x[{rs1}] ^ S) < (x[{rs2}] ^ S) else 0",
    "sltu": "x[{xd}] = 1 if x[{rs1}] < x[{rs2}] else 0",
    "xor": "x[{xd}] = x[{rs1}] ^ x[{rs2}]",
    "srl": "x[{xd}] = x[{rs1}] >> (x[{rs2}] & 63)",
    "sra": "x[{xd}] = (" + _s64("x[{rs1}]") + " >> (x[{rs2}] & 63)) & M",
    "or": "x[{xd}] = x[{rs1}] | x[{rs2}]",
    "and": "x[{xd}] = x[{rs1}] & x[{rs2}]",
    "addw": _w("x[{rs1}] + x[{rs2}]"),
    "subw": _w("x[{rs1}] - x[{rs2}]"),
    "sllw": _w("x[{rs1}] << (x[{rs2}] & 31)"),
    "srlw": _w("(x[{rs1}] & 0xFFFFFFFF) >> (x[{rs2}] & 31)"),
    "sraw": "x[{xd}] = (" + _s32("x[{rs1}]") + " >> (x[{rs2}] & 31)) & M",
    "mul": "x[{xd}] = (x[{rs1}] * x[{rs2}]) & M",
    "mulh": "x[{xd}] = ((" + _s64("x[{rs1}]") + " * " + _s64("x[{rs2}]") + ") >> 64) & M",
    "mulhsu": "x[{xd}] = ((" + _s64("x[{rs1}]") + " * x[{rs2}]) >> 64) & M",
    "mulhu": "x[{xd}] = (x[{rs1}] * x[{rs2}]) >> 64",
    "mulw": _w("x[{rs1}] * x[{rs2}]"),
    "div": "x[{xd}] = div_(x[{rs1}], x[{rs2}])",
    "divu": "x[{xd}] = divu(x[{rs1}], x[{rs2}])",
    "rem": "x[{xd}] = rem_(x[{rs1}], x[{rs2}])",
    "remu": "x[{xd}] = remu(x[{rs1}], x[{rs2}])",
    "divw": "x[{xd}] = divw(x[{rs1}], x[{rs2}])",
    "divuw": "x[{xd}] = divuw(x[{rs1}], x[{rs2}])",
    "remw": "x[{xd}] = remw(x[{rs1}], x[{rs2}])",
    "remuw": "x[{xd}] = remuw(x[{rs1}], x[{rs2}])",
    "fence": "pass",
    "fence.i": "c.fence_i()",
    "sfence.vma": "c.sfence_vma({rs1}, x[{rs1}], {word})",
    "ecall": "c.ecall()",
    "ebreak": "raise Trap(3, {pc})",
    "sret": "return c.sret({word})",
    "mret": "return c.mret({word})",
    "wfi": "c.wfi({word})",
    "illegal": "raise Trap(2, {word})",
    "csrrw": "x[{xd}] = c.csr(1, {imm}, x[{rs1}], True, {word}, {idx})",
    "csrrs": "x[{xd}] = c.csr(2, {imm}, x[{rs1}], {rs1} != 0, {word}, {idx})",
    "csrrc": "x[{xd}] = c.csr(3, {imm}, x[{rs1}], {rs1} != 0, {word}, {idx})",
    "csrrwi": "x[{xd}] = c.csr(1, {imm}, {rs1}, True, {word}, {idx})",
    "csrrsi": "x[{xd}] = c.csr(2, {imm}, {rs1}, {rs1} != 0, {word}, {idx})",
    "csrrci": "x[{xd}] = c.csr(3, {imm}, {rs1}, {rs1} != 0, {word}, {idx})",
}

for _name, _op in (("beq", "=="), ("bne", "!="), ("bltu", "<"), ("bgeu", ">=")):
    T[_name] = f"if x[{{rs1}}] {_op} x[{{rs2}}]:\n    return ({{pc}} + {{imm}}) & M"
for _name, _op in (("blt", "<"), ("bge", ">=")):
    T[_name] = f"if (x[{{rs1}}] ^ S) {_op} (x[{{rs2}}] ^ S):\n    return ({{pc}} + {{imm}}) & M"

# Loads and stores: the read and write TLBs are keyed by the page's virtual address, and
# an access looks itself up with the address masked by KEY[size], which keeps the page
# number, the bits above 64 and the bits that must be zero for alignment: one dict lookup
# then proves the page is RAM and the access aligned. A hit goes straight to a memoryview
# of RAM; a KeyError (miss, MMIO, misaligned, a page of translated code for a store)
# takes the Cpu's slow path. The key keeps bit 64 so that the translator may drop the
# wrap-around mask of a non-negative offset: an address past 2**64 then misses.
PAGE = 0xFFFFFFFF_FFFFF000
KEY = {size: 0x1_FFFFFFFF_FFFFF000 | (size - 1) for size in (1, 2, 4, 8)}
_LOADS = {
    "lb": (1, "b[a + t] & M", "sx8(c.load(a & M, 1))"),
    "lbu": (1, "B[a + t]", "c.load(a & M, 1)"),
    "lh": (2, "h[(a + t) >> 1] & M", "sx16(c.load(a & M, 2))"),
    "lhu": (2, "H[(a + t) >> 1]", "c.load(a & M, 2)"),
    "lw": (4, "i[(a + t) >> 2] & M", "sx32(c.load(a & M, 4))"),
    "lwu": (4, "I[(a + t) >> 2]", "c.load(a & M, 4)"),
    "ld": (8, "Q[(a + t) >> 3]", "c.load(a & M, 8)"),
}


def _fast(expr: str, table: str, size: int) -> str:
    """`expr` with the host offset (a + t) looked up inline: raises KeyError on a miss."""
    return expr.replace("a + t", f"a + {table}[a & {KEY[size]:#x}]")


for _name, (_size, _fast_expr, _slow) in _LOADS.items():
    T[_name] = (
        A + f"try: x[{{xd}}] = {_fast(_fast_expr, 'rt', _size)}\n"
        f"except KeyError: x[{{xd}}] = {_slow}"
    )
T["flw"] = (
    "c.fs_dirty({word})\n" + A + "try: "
    f"f[{{rd}}] = {_fast('I[(a + t) >> 2]', 'rt', 4)} | 0xFFFFFFFF00000000\n"
    "except KeyError: f[{rd}] = c.load(a & M, 4) | 0xFFFFFFFF00000000"
)
T["fld"] = (
    "c.fs_dirty({word})\n" + A + "try: "
    f"f[{{rd}}] = {_fast('Q[(a + t) >> 3]', 'rt', 8)}\n"
    "except KeyError: f[{rd}] = c.load(a & M, 8)"
)
_STORES = {
    "sb": (1, "B[a + t]", "x[{rs2}] & 0xFF"),
    "sh": (2, "H[(a + t) >> 1]", "x[{rs2}] & 0xFFFF"),
    "sw": (4, "I[(a + t) >> 2]", "x[{rs2}] & 0xFFFFFFFF"),
    "sd": (8, "Q[(a + t) >> 3]", "x[{rs2}]"),
    "fsw": (4, "I[(a + t) >> 2]", "f[{rs2}] & 0xFFFFFFFF"),
    "fsd": (8, "Q[(a + t) >> 3]", "f[{rs2}]"),
}
for _name, (_size, _slot, _value) in _STORES.items():
    _check = "c.fs_check({word})\n" if _name.startswith("f") else ""
    T[_name] = (
        _check + A + f"try: {_fast(_slot, 'wt', _size)} = {_value}\n"
        f"except KeyError: c.store(a & M, {_size}, {_value})"
    )

# A extension (8.4): the read-modify-write happens on RAM found by a store translation.
_AMO_OPS = {
    "amoswap": "s",
    "amoadd": "v + s",
    "amoxor": "v ^ s",
    "amoand": "v & s",
    "amoor": "v | s",
    "amomin": "v if {sv} < {ss} else s",
    "amomax": "v if {sv} > {ss} else s",
    "amominu": "v if v < s else s",
    "amomaxu": "v if v > s else s",
}
for _name, _expr in _AMO_OPS.items():
    for _sfx, _size, _view, _sh, _mask in ((".w", 4, "I", 2, "0xFFFFFFFF"), (".d", 8, "Q", 3, "M")):
        _sv, _ss = (_s32("v"), _s32("s")) if _size == 4 else ("(v ^ S)", "(s ^ S)")
        _new = _expr.replace("{sv}", _sv).replace("{ss}", _ss)
        _result = _w("v") if _size == 4 else "x[{xd}] = v"
        T[_name + _sfx] = (
            f"a = x[{{rs1}}]\ntry: u = (a + wt[a & {KEY[_size]:#x}]) >> {_sh}\n"
            f"except KeyError: u = c.amo_host(a, {_size}) >> {_sh}\nv = {_view}[u]\n"
            f"s = x[{{rs2}}] & {_mask}\n{_view}[u] = ({_new}) & {_mask}\n{_result}"
        )
# LR/SC (8.2): a hit in the read (LR) or write (SC) TLB is an aligned access to plain RAM,
# which the slow paths (misaligned traps, translation, MMIO) would only confirm.
for _sfx, _size, _view, _sh, _mask, _sx in (
    (".w", 4, "i", 2, "0xFFFFFFFF", " & M"), (".d", 8, "Q", 3, "M", ""),
):
    _slow = "sx32(c.load_reserved(a, 4))" if _size == 4 else "c.load_reserved(a, 8)"
    T["lr" + _sfx] = (
        f"a = x[{{rs1}}]\ntry: v = {_view}[(a + rt[a & {KEY[_size]:#x}]) >> {_sh}]{_sx}\n"
        f"except KeyError: v = {_slow}\nelse: c._reservation = a\nx[{{xd}}] = v"
    )
    _value = f"x[{{rs2}}] & {_mask}" if _size == 4 else "x[{rs2}]"
    T["sc" + _sfx] = (
        f"a = x[{{rs1}}]\ns = {_value}\nif c._reservation == a:\n"
        f"    try: {_view.upper()}[(a + wt[a & {KEY[_size]:#x}]) >> {_sh}] = s\n"
        f"    except KeyError: s = c.store_conditional(a, {_size}, s)\n"
        "    else:\n        c._reservation = -1\n        s = 0\n"
        f"else: s = c.store_conditional(a, {_size}, s)\nx[{{xd}}] = s"
    )

# F and D extensions.
for _sfx, _fmt in ((".s", "F32"), (".d", "F64")):
    for _name, _fn in (("fadd", "add"), ("fsub", "sub"), ("fmul", "mul"), ("fdiv", "div")):
        T[_name + _sfx] = (
            f"f[{{rd}}] = fp2(c, fpu.{_fn}, {_fmt}, f[{{rs1}}], f[{{rs2}}], {{rm}}, {{word}})"
        )
    T["fsqrt" + _sfx] = f"f[{{rd}}] = fsqrt(c, {_fmt}, f[{{rs1}}], {{rm}}, {{word}})"
    for _neg, _name in enumerate(("fmadd", "fmsub", "fnmadd", "fnmsub")):
        # neg bit 1 negates the product, bit 0 the addend
        _code = {0: 0, 1: 1, 2: 3, 3: 2}[_neg]
        T[_name + _sfx] = (
            f"f[{{rd}}] = ffma(c, {_fmt}, f[{{rs1}}], f[{{rs2}}], f[{{rs3}}], {{rm}}, "
            f"{{word}}, {_code})"
        )
    for _mode, _name in enumerate(("fsgnj", "fsgnjn", "fsgnjx")):
        T[_name + _sfx] = f"f[{{rd}}] = fsgnj(c, {_fmt}, f[{{rs1}}], f[{{rs2}}], {_mode}, {{word}})"
    for _want, _name in enumerate(("fmin", "fmax")):
        T[_name + _sfx] = (
            f"f[{{rd}}] = fminmax(c, {_fmt}, f[{{rs1}}], f[{{rs2}}], {_want}, {{word}})"
        )
    for _kind, _name in enumerate(("feq", "flt", "fle")):
        T[_name + _sfx] = f"x[{{xd}}] = fcmp(c, {_fmt}, f[{{rs1}}], f[{{rs2}}], {_kind}, {{word}})"
    T["fclass" + _sfx] = f"x[{{xd}}] = fclass(c, {_fmt}, f[{{rs1}}], {{word}})"
    for _int, _width, _sgn in (("w", 32, 1), ("wu", 32, 0), ("l", 64, 1), ("lu", 64, 0)):
        T[f"fcvt.{_int}{_sfx}"] = (
            f"x[{{xd}}] = fcvt_to_int(c, {_fmt}, f[{{rs1}}], {{rm}}, {_width}, {_sgn}, {{word}})"
        )
        T[f"fcvt{_sfx}.{_int}"] = (
            f"f[{{rd}}] = fcvt_from_int(c, {_fmt}, x[{{rs1}}], {{rm}}, {_width}, {_sgn}, "
            "{word})"
        )
T["fcvt.s.d"] = "f[{rd}] = fcvt_ff(c, F64, F32, f[{rs1}], {rm}, {word})"
T["fcvt.d.s"] = "f[{rd}] = fcvt_ff(c, F32, F64, f[{rs1}], {rm}, {word})"
T["fmv.x.w"] = "c.fs_check({word})\n" + _w("f[{rs1}]")
T["fmv.x.d"] = "c.fs_check({word})\nx[{xd}] = f[{rs1}]"
T["fmv.w.x"] = "c.fs_dirty({word})\nf[{rd}] = (x[{rs1}] & 0xFFFFFFFF) | 0xFFFFFFFF00000000"
T["fmv.d.x"] = "c.fs_dirty({word})\nf[{rd}] = x[{rs1}]"

TEMPLATES: dict[str, str] = T

# Shorter spellings the translator uses when a field makes them exact: a logical right
# shift of a 32-bit value by at least one leaves bit 31 clear, so it needs no sign extension.
NONZERO_IMM: dict[str, str] = {"srliw": "x[{xd}] = (x[{rs1}] & 0xFFFFFFFF) >> {imm}"}

# The RAM side of the integer loads and stores, with the host offset spelled (a + t): the
# translator reuses them when it has checked a whole run of accesses at once.
LOAD_FAST: dict[str, tuple[int, str]] = {
    name: (size, fast) for name, (size, fast, _) in _LOADS.items()
}
STORE_FAST: dict[str, tuple[int, str, str]] = {
    name: spec for name, spec in _STORES.items() if not name.startswith("f")
}


def helper_namespace() -> dict[str, Any]:
    """The names every compiled handler and block sees, apart from the memory views."""
    ns: dict[str, Any] = {
        "M": M, "S": S, "Trap": Trap, "fpu": fpu, "F32": fpu.F32, "F64": fpu.F64,
        "sx8": sx8, "sx16": sx16, "sx32": sx32,
        "div_": div_, "divu": divu, "rem_": rem_, "remu": remu,
        "divw": divw, "divuw": divuw, "remw": remw, "remuw": remuw,
        "fp2": fp2, "fsqrt": fsqrt, "ffma": ffma, "fsgnj": fsgnj, "fminmax": fminmax,
        "fcmp": fcmp, "fclass": fclass, "fcvt_to_int": fcvt_to_int,
        "fcvt_from_int": fcvt_from_int, "fcvt_ff": fcvt_ff,
    }
    return ns
