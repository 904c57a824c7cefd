"""Pre-decoding a Code attribute for the interpreter (JVMS 4.7.3, 6.5).

The bytecode becomes a dense list of (op, a, b) tuples, one per instruction, branch
targets turned into list indices. Families that share a handler are folded into one
op (iload_2, fload 7 and aload_0 are all LOAD), constants become CONST with the value.
Instructions that need the constant pool keep their JVM opcode until their first run,
when the interpreter resolves them and rewrites the tuple with a quick op (as HotSpot's
bytecode rewriter does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vmforms.jvm.classfile.code import decode_code
from vmforms.jvm.classfile.constants import (
    ConstantClass,
    ConstantDouble,
    ConstantFloat,
    ConstantInteger,
    ConstantLong,
)
from vmforms.jvm.runtime.values import bits_to_double, bits_to_float

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JMethod

# Folded and quick ops, in the opcode space JVMS leaves unassigned (0xcb-0xfd).
CONST = 0x12
LDC = 0x13  # a: constant-pool index of a String, Class, MethodType or MethodHandle
CONST2 = 0x14
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
    code: list[tuple[Any, ...]] = []
    for ins in insns:
        op = ins.opcode
        a: Any = ins.operand
        b: Any = ins.operand2
        short = _short_form(op)
        if short is not None:
            code.append((short[0], short[1], 0))
            continue
        if op in _LOADS:
            code.append((_LOADS[op], a, 0))
        elif op in _STORES:
            code.append((_STORES[op], a, 0))
        elif op == 0x01:
            code.append((CONST, None, 0))
        elif 0x02 <= op <= 0x08:
            code.append((CONST, op - 0x03, 0))
        elif op in (0x09, 0x0A):
            code.append((CONST2, op - 0x09, 0))
        elif 0x0B <= op <= 0x0D:
            code.append((CONST, float(op - 0x0B), 0))
        elif op in (0x0E, 0x0F):
            code.append((CONST2, float(op - 0x0E), 0))
        elif op in (0x10, 0x11):
            code.append((CONST, a, 0))
        elif op in (0x12, 0x13):
            e = cp.entry(a)
            if isinstance(e, ConstantInteger):
                code.append((CONST, e.value, 0))
            elif isinstance(e, ConstantFloat):
                code.append((CONST, bits_to_float(e.bits), 0))
            else:
                code.append((LDC, a, 0))
        elif op == 0x14:
            e = cp.entry(a)
            if isinstance(e, ConstantLong):
                code.append((CONST2, e.value, 0))
            elif isinstance(e, ConstantDouble):
                code.append((CONST2, bits_to_double(e.bits), 0))
            else:
                code.append((0x14, a, 0))  # a CONSTANT_Dynamic of category 2
        elif op in (0x2E, 0x30, 0x32, 0x33, 0x34, 0x35):
            code.append((XALOAD, 0, 0))
        elif op in (0x2F, 0x31):
            code.append((XALOAD2, 0, 0))
        elif op in (0x4F, 0x51):
            code.append((XASTORE, 0, 0))
        elif op in (0x50, 0x52):
            code.append((XASTORE2, 0, 0))
        elif op in (0xAC, 0xAE, 0xB0):
            code.append((RETURN_VALUE, 0, 0))
        elif op in (0xAD, 0xAF):
            code.append((RETURN2, 0, 0))
        elif op in _BRANCHES or op == 0xA7:
            code.append((op, index[a], 0))
        elif op in (0xAA, 0xAB):
            table = {match: index[t] for match, t in ins.targets}
            code.append((0xAB, index[a], table))
        elif op == 0xC0 or op == 0xC1 or op == 0xBB or op == 0xBD:
            e = cp.entry(a)
            assert isinstance(e, ConstantClass)
            code.append((op, cp.class_name(a), 0))
        elif op == 0xC5:
            code.append((op, cp.class_name(a), b))
        elif op in (0xA8, 0xC9):
            code.append((op, index.get(a, a), 0))
        else:
            code.append((op, a, b))
    handlers = []
    for h in info.exception_table:
        catch = cp.class_name(h.catch_type) if h.catch_type else None
        handlers.append((index[h.start_pc], index[h.end_pc], index[h.handler_pc], catch))
    m.pcs = [ins.pc for ins in insns]
    m.handlers = handlers
    m.code = code
