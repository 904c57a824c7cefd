"""Pre-decoding a Code attribute for the interpreter (JVMS 4.7.3, 6.5).

The bytecode becomes a dense list of (op, a, b) tuples, one per instruction, branch
targets turned into list indices. Families that share a handler are folded into one
op (iload_2, fload 7 and aload_0 are all LOAD), constants become CONST with the value.
Instructions that need the constant pool keep their JVM opcode until their first run,
when the interpreter resolves them and rewrites the tuple with a quick op (as HotSpot's
bytecode rewriter does).

Frequent short sequences are then fused into superinstructions (as HotSpot's fast
bytecodes and CPython's superinstructions do): the first instruction of the sequence is
replaced by the fused op and the rest stay in place, so a branch into the middle of a
sequence runs the plain instructions and instruction indices keep meaning the same
thing. `plain` gives the translation tier back the instruction a fused op replaced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vmforms.jvm.classfile.code import Instruction, decode_code
from vmforms.jvm.classfile.constants import (
    ConstantClass,
    ConstantDouble,
    ConstantFloat,
    ConstantInteger,
    ConstantLong,
)
from vmforms.jvm.opcodes import OPCODES, Operands
from vmforms.jvm.runtime.values import bits_to_double, bits_to_float

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JMethod

# Folded and quick ops, in the opcode space JVMS leaves unassigned (0xcb-0xfd).
CONST = 0x12
LDC = 0x13  # a: constant-pool index of a String, Class, MethodType or MethodHandle
CONST2 = 0x14
LDC2 = 0xCA  # a: constant-pool index of a category-2 CONSTANT_Dynamic (linked on first use;
#   0xca is the reserved breakpoint opcode, never in a class file)
LOAD = 0x15
LOAD2 = 0x16
STORE = 0x36
STORE2 = 0x37
XALOAD = 0x2E  # iaload faload aaload baload caload saload
XALOAD2 = 0x2F  # laload daload
XASTORE = 0x4F  # iastore fastore (values already in range)
XASTORE2 = 0x50  # lastore dastore
GETFIELD_Q = 0xCB
GETFIELD2_Q = 0xCC
PUTFIELD_Q = 0xCD
PUTFIELD2_Q = 0xCE
GETSTATIC_Q = 0xCF
GETSTATIC2_Q = 0xD0
PUTSTATIC_Q = 0xD1
PUTSTATIC2_Q = 0xD2
INVOKEVIRTUAL_Q = 0xD3
INVOKESTATIC_Q = 0xD4
INVOKESPECIAL_Q = 0xD5
NEW_Q = 0xD6
CHECKCAST_Q = 0xD7
INSTANCEOF_Q = 0xD8
ANEWARRAY_Q = 0xD9
INVOKEDYNAMIC_Q = 0xDA
# Superinstructions (0xdb-0xeb), each standing for the plain instructions that follow it;
# a fused op fetches what it needs beyond its two operands from those instructions.
F_XALOAD_LL = 0xDB  # LOAD a; LOAD b; XALOAD
F_XALOAD2_LL = 0xDC  # LOAD a; LOAD b; XALOAD2
F_IFGE_LL = 0xDD  # LOAD a; LOAD b; if_icmpge (target in the branch)
F_IFLT_LL = 0xDE  # LOAD a; LOAD b; if_icmplt, or if_icmpgt with a and b swapped
F_IFLE_LL = 0xDF  # LOAD a; LOAD b; if_icmple
F_IFGE_LC = 0xE0  # LOAD a; CONST b; if_icmpge, or if_icmpgt with b + 1
F_IFLT_LC = 0xE1  # LOAD a; CONST b; if_icmplt, or if_icmple with b + 1
F_IADD_LC = 0xE2  # LOAD a; CONST b; iadd (or isub with -b)
F_IINC_GOTO = 0xE3  # iinc a b; goto
F_LOAD_LOAD = 0xE4  # LOAD a; LOAD b
F_LOAD_CONST = 0xE5  # LOAD a; CONST b
F_LOAD_GETFIELD = 0xE6  # LOAD a; GETFIELD_Q b (fused when the getfield is linked)
F_STORE_LOAD = 0xE7  # STORE a; LOAD b
F_DUP_STORE = 0xE8  # dup; STORE a
F_LOAD_IFNULL = 0xE9  # LOAD a; ifnull
F_LOAD_IFNONNULL = 0xEA  # LOAD a; ifnonnull
F_LOAD_ARRAYLENGTH = 0xEB  # LOAD a; arraylength
FUSED_FIRST = 0xDB
IF_ACMPEQ = 0xA5
RETURN_VALUE = 0xAC  # ireturn freturn areturn
RETURN2 = 0xAD  # lreturn dreturn

_LOADS = {0x15: LOAD, 0x17: LOAD, 0x19: LOAD, 0x16: LOAD2, 0x18: LOAD2}
_STORES = {0x36: STORE, 0x38: STORE, 0x3A: STORE, 0x37: STORE2, 0x39: STORE2}
_BRANCHES = frozenset(range(0x99, 0xA9)) | {0xC6, 0xC7, 0xC8}


def _short_form(op: int) -> tuple[int, int] | None:
    """iload_0 .. astore_3 as (folded op, local index)."""
    if 0x1A <= op <= 0x2D:
        kind, n = divmod(op - 0x1A, 4)
        return (LOAD2 if kind in (1, 3) else LOAD), n
    if 0x3B <= op <= 0x4E:
        kind, n = divmod(op - 0x3B, 4)
        return (STORE2 if kind in (1, 3) else STORE), n
    return None


def decode_method(m: JMethod) -> None:
    """Fill m.code, m.pcs and m.handlers from the method's Code attribute."""
    info = m.info.code
    assert info is not None
    cf = m.klass.cf
    assert cf is not None
    cp = cf.constant_pool
    insns = list(decode_code(info.code, cf.source, info.code_offset))
    index = {ins.pc: i for i, ins in enumerate(insns)}
    index[len(info.code)] = len(insns)
    fixed = _FIXED.get
    code: list[tuple[Any, ...]] = []
    append = code.append
    for ins in insns:
        t = fixed(ins.opcode)
        append(t if t is not None else _decode(ins, cp, index))
    handlers = []
    for h in info.exception_table:
        catch = cp.class_name(h.catch_type) if h.catch_type else None
        handlers.append((index[h.start_pc], index[h.end_pc], index[h.handler_pc], catch))
    m.pcs = [ins.pc for ins in insns]
    m.handlers = handlers
    m.code = fuse(code)


def _decode(ins: Instruction, cp: Any, index: dict[int, int]) -> tuple[Any, ...]:
    op = ins.opcode
    a: Any = ins.operand
    b: Any = ins.operand2
    short = _short_form(op)
    if short is not None:
        return (short[0], short[1], 0)
    if op in _LOADS:
        return (_LOADS[op], a, 0)
    if op in _STORES:
        return (_STORES[op], a, 0)
    if op == 0x01:
        return (CONST, None, 0)
    if 0x02 <= op <= 0x08:
        return (CONST, op - 0x03, 0)
    if op in (0x09, 0x0A):
        return (CONST2, op - 0x09, 0)
    if 0x0B <= op <= 0x0D:
        return (CONST, float(op - 0x0B), 0)
    if op in (0x0E, 0x0F):
        return (CONST2, float(op - 0x0E), 0)
    if op in (0x10, 0x11):
        return (CONST, a, 0)
    if op in (0x12, 0x13):
        e = cp.entry(a)
        if isinstance(e, ConstantInteger):
            return (CONST, e.value, 0)
        if isinstance(e, ConstantFloat):
            return (CONST, bits_to_float(e.bits), 0)
        return (LDC, a, 0)
    if op == 0x14:
        e = cp.entry(a)
        if isinstance(e, ConstantLong):
            return (CONST2, e.value, 0)
        if isinstance(e, ConstantDouble):
            return (CONST2, bits_to_double(e.bits), 0)
        return (LDC2, a, 0)  # a CONSTANT_Dynamic of category 2
    if op in (0x2E, 0x30, 0x32, 0x33, 0x34, 0x35):
        return (XALOAD, 0, 0)
    if op in (0x2F, 0x31):
        return (XALOAD2, 0, 0)
    if op in (0x4F, 0x51):
        return (XASTORE, 0, 0)
    if op in (0x50, 0x52):
        return (XASTORE2, 0, 0)
    if op in (0xAC, 0xAE, 0xB0):
        return (RETURN_VALUE, 0, 0)
    if op in (0xAD, 0xAF):
        return (RETURN2, 0, 0)
    if op == 0xC8:  # goto_w
        return (0xA7, index[a], 0)
    if op in _BRANCHES or op == 0xA7:
        return (op, index[a], 0)
    if op in (0xAA, 0xAB):
        table = {match: index[t] for match, t in ins.targets}
        return (0xAB, index[a], table)
    if op == 0xC0 or op == 0xC1 or op == 0xBB or op == 0xBD:
        e = cp.entry(a)
        assert isinstance(e, ConstantClass)
        return (op, cp.class_name(a), 0)
    if op == 0xC5:
        return (op, cp.class_name(a), b)
    if op in (0xA8, 0xC9):
        return (op, index.get(a, a), 0)
    return (op, a, b)


# The decoded form of every instruction without operands, shared between methods.
_FIXED = {op: _decode(Instruction(0, op), None, {}) for op, info in enumerate(OPCODES)
          if info is not None and info.operands is Operands.NONE}


_SWAPPED = {0xA3: F_IFLT_LL, 0xA4: F_IFGE_LL}  # a > b is b < a; a <= b is b >= a
_IF_LL = {0xA2: F_IFGE_LL, 0xA1: F_IFLT_LL, 0xA4: F_IFLE_LL}
_IF_LC = {0xA2: (F_IFGE_LC, 0), 0xA1: (F_IFLT_LC, 0), 0xA3: (F_IFGE_LC, 1),
          0xA4: (F_IFLT_LC, 1)}
_AFTER_LOAD = {0xC6: F_LOAD_IFNULL, 0xC7: F_LOAD_IFNONNULL, 0xBE: F_LOAD_ARRAYLENGTH}


def fuse(code: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Replace the first instruction of each frequent sequence by its superinstruction."""
    out = list(code)
    last = len(code) - 1
    for i in range(last):
        op, a, b = code[i]
        if op == LOAD:
            nop, na, _ = code[i + 1]
            third = code[i + 2][0] if i + 1 < last else 0
            if nop == LOAD:
                if third == XALOAD:
                    out[i] = (F_XALOAD_LL, a, na)
                elif third == XALOAD2:
                    out[i] = (F_XALOAD2_LL, a, na)
                elif third in _SWAPPED:
                    out[i] = (_SWAPPED[third], na, a)
                elif third in _IF_LL:
                    out[i] = (_IF_LL[third], a, na)
                else:
                    out[i] = (F_LOAD_LOAD, a, na)
            elif nop == CONST:
                if type(na) is int and third in _IF_LC:
                    fused, bump = _IF_LC[third]
                    out[i] = (fused, a, na + bump)
                elif type(na) is int and (third == 0x60 or third == 0x64):
                    out[i] = (F_IADD_LC, a, na if third == 0x60 else -na)
                else:
                    out[i] = (F_LOAD_CONST, a, na)
            elif nop in _AFTER_LOAD:
                out[i] = (_AFTER_LOAD[nop], a, 0)
        elif op == STORE:
            if code[i + 1][0] == LOAD:
                out[i] = (F_STORE_LOAD, a, code[i + 1][1])
        elif op == 0x84:
            if code[i + 1][0] == 0xA7:
                out[i] = (F_IINC_GOTO, a, b)
        elif op == 0x59 and code[i + 1][0] == STORE:
            out[i] = (F_DUP_STORE, code[i + 1][1], 0)
    return out


def fuse_linked(code: list[tuple[Any, ...]], i: int) -> None:
    """Instruction `i` has just been linked: fuse it with a LOAD before it if it can be."""
    if i and code[i][0] == GETFIELD_Q:
        before = code[i - 1]
        if before[0] == LOAD:
            code[i - 1] = (F_LOAD_GETFIELD, before[1], code[i][1])


def plain(code: list[tuple[Any, ...]], i: int) -> tuple[Any, ...]:
    """Instruction `i` of `code` as it was before fusion."""
    ins = code[i]
    op = ins[0]
    if op < FUSED_FIRST or op > F_LOAD_ARRAYLENGTH:
        return ins
    if op == F_IINC_GOTO:
        return (0x84, ins[1], ins[2])
    if op == F_STORE_LOAD:
        return (STORE, ins[1], 0)
    if op == F_DUP_STORE:
        return (0x59, 0, 0)
    if op in (F_IFLT_LL, F_IFGE_LL) and code[i + 2][0] in _SWAPPED:
        return (LOAD, ins[2], 0)
    return (LOAD, ins[1], 0)
