"""Every JVM opcode: JVMS 17 chapter 6 (instruction set) and 7 (opcode mnemonics by opcode).

One table, read by the disassembler and the interpreter alike. Each row gives the opcode,
its mnemonic, the operand format that follows it in the code array, and its effect on the
operand stack in slots (long and double take two). VARIES marks an effect that depends on
the operand (a field or method descriptor, a dimension count).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Operands(IntEnum):
    """The layout of the bytes after the opcode."""

    NONE = 0
    BYTE = 1  # s1 immediate (bipush)
    SHORT = 2  # s2 immediate (sipush)
    LOCAL = 3  # u1 local variable index (u2 after wide)
    CPOOL_U1 = 4  # u1 constant pool index (ldc)
    CPOOL = 5  # u2 constant pool index
    IINC = 6  # u1 index, s1 constant (u2, s2 after wide)
    BRANCH = 7  # s2 branch offset
    BRANCH_W = 8  # s4 branch offset
    ATYPE = 9  # u1 array type code (newarray)
    INVOKEINTERFACE = 10  # u2 index, u1 count, u1 zero
    INVOKEDYNAMIC = 11  # u2 index, u2 zero
    MULTIANEWARRAY = 12  # u2 index, u1 dimensions
    TABLESWITCH = 13  # padding, s4 default, s4 low, s4 high, s4 offsets
    LOOKUPSWITCH = 14  # padding, s4 default, s4 npairs, (s4 match, s4 offset) pairs
    WIDE = 15  # an opcode and a widened operand follow
    RESERVED = 16


VARIES = -1


@dataclass(frozen=True, slots=True)
class Opcode:
    code: int
    mnemonic: str
    operands: Operands
    pops: int
    pushes: int


Ops = Operands
_TABLE: tuple[tuple[int, str, Operands, int, int], ...] = (
    (0x00, "nop", Ops.NONE, 0, 0),
    (0x01, "aconst_null", Ops.NONE, 0, 1),
    (0x02, "iconst_m1", Ops.NONE, 0, 1),
    (0x03, "iconst_0", Ops.NONE, 0, 1),
    (0x04, "iconst_1", Ops.NONE, 0, 1),
    (0x05, "iconst_2", Ops.NONE, 0, 1),
    (0x06, "iconst_3", Ops.NONE, 0, 1),
    (0x07, "iconst_4", Ops.NONE, 0, 1),
    (0x08, "iconst_5", Ops.NONE, 0, 1),
    (0x09, "lconst_0", Ops.NONE, 0, 2),
    (0x0A, "lconst_1", Ops.NONE, 0, 2),
    (0x0B, "fconst_0", Ops.NONE, 0, 1),
    (0x0C, "fconst_1", Ops.NONE, 0, 1),
    (0x0D, "fconst_2", Ops.NONE, 0, 1),
    (0x0E, "dconst_0", Ops.NONE, 0, 2),
    (0x0F, "dconst_1", Ops.NONE, 0, 2),
    (0x10, "bipush", Ops.BYTE, 0, 1),
    (0x11, "sipush", Ops.SHORT, 0, 1),
    (0x12, "ldc", Ops.CPOOL_U1, 0, 1),
    (0x13, "ldc_w", Ops.CPOOL, 0, 1),
    (0x14, "ldc2_w", Ops.CPOOL, 0, 2),
    (0x15, "iload", Ops.LOCAL, 0, 1),
    (0x16, "lload", Ops.LOCAL, 0, 2),
    (0x17, "fload", Ops.LOCAL, 0, 1),
    (0x18, "dload", Ops.LOCAL, 0, 2),
    (0x19, "aload", Ops.LOCAL, 0, 1),
    (0x1A, "iload_0", Ops.NONE, 0, 1),
    (0x1B, "iload_1", Ops.NONE, 0, 1),
    (0x1C, "iload_2", Ops.NONE, 0, 1),
    (0x1D, "iload_3", Ops.NONE, 0, 1),
    (0x1E, "lload_0", Ops.NONE, 0, 2),
    (0x1F, "lload_1", Ops.NONE, 0, 2),
    (0x20, "lload_2", Ops.NONE, 0, 2),
    (0x21, "lload_3", Ops.NONE, 0, 2),
    (0x22, "fload_0", Ops.NONE, 0, 1),
    (0x23, "fload_1", Ops.NONE, 0, 1),
    (0x24, "fload_2", Ops.NONE, 0, 1),
    (0x25, "fload_3", Ops.NONE, 0, 1),
    (0x26, "dload_0", Ops.NONE, 0, 2),
    (0x27, "dload_1", Ops.NONE, 0, 2),
    (0x28, "dload_2", Ops.NONE, 0, 2),
    (0x29, "dload_3", Ops.NONE, 0, 2),
    (0x2A, "aload_0", Ops.NONE, 0, 1),
    (0x2B, "aload_1", Ops.NONE, 0, 1),
    (0x2C, "aload_2", Ops.NONE, 0, 1),
    (0x2D, "aload_3", Ops.NONE, 0, 1),
    (0x2E, "iaload", Ops.NONE, 2, 1),
    (0x2F, "laload", Ops.NONE, 2, 2),
    (0x30, "faload", Ops.NONE, 2, 1),
    (0x31, "daload", Ops.NONE, 2, 2),
    (0x32, "aaload", Ops.NONE, 2, 1),
    (0x33, "baload", Ops.NONE, 2, 1),
    (0x34, "caload", Ops.NONE, 2, 1),
    (0x35, "saload", Ops.NONE, 2, 1),
    (0x36, "istore", Ops.LOCAL, 1, 0),
    (0x37, "lstore", Ops.LOCAL, 2, 0),
    (0x38, "fstore", Ops.LOCAL, 1, 0),
    (0x39, "dstore", Ops.LOCAL, 2, 0),
    (0x3A, "astore", Ops.LOCAL, 1, 0),
    (0x3B, "istore_0", Ops.NONE, 1, 0),
    (0x3C, "istore_1", Ops.NONE, 1, 0),
    (0x3D, "istore_2", Ops.NONE, 1, 0),
    (0x3E, "istore_3", Ops.NONE, 1, 0),
    (0x3F, "lstore_0", Ops.NONE, 2, 0),
    (0x40, "lstore_1", Ops.NONE, 2, 0),
    (0x41, "lstore_2", Ops.NONE, 2, 0),
    (0x42, "lstore_3", Ops.NONE, 2, 0),
    (0x43, "fstore_0", Ops.NONE, 1, 0),
    (0x44, "fstore_1", Ops.NONE, 1, 0),
    (0x45, "fstore_2", Ops.NONE, 1, 0),
    (0x46, "fstore_3", Ops.NONE, 1, 0),
    (0x47, "dstore_0", Ops.NONE, 2, 0),
    (0x48, "dstore_1", Ops.NONE, 2, 0),
    (0x49, "dstore_2", Ops.NONE, 2, 0),
    (0x4A, "dstore_3", Ops.NONE, 2, 0),
    (0x4B, "astore_0", Ops.NONE, 1, 0),
    (0x4C, "astore_1", Ops.NONE, 1, 0),
    (0x4D, "astore_2", Ops.NONE, 1, 0),
    (0x4E, "astore_3", Ops.NONE, 1, 0),
    (0x4F, "iastore", Ops.NONE, 3, 0),
    (0x50, "lastore", Ops.NONE, 4, 0),
    (0x51, "fastore", Ops.NONE, 3, 0),
    (0x52, "dastore", Ops.NONE, 4, 0),
    (0x53, "aastore", Ops.NONE, 3, 0),
    (0x54, "bastore", Ops.NONE, 3, 0),
    (0x55, "castore", Ops.NONE, 3, 0),
    (0x56, "sastore", Ops.NONE, 3, 0),
    (0x57, "pop", Ops.NONE, 1, 0),
    (0x58, "pop2", Ops.NONE, 2, 0),
    (0x59, "dup", Ops.NONE, 1, 2),
    (0x5A, "dup_x1", Ops.NONE, 2, 3),
    (0x5B, "dup_x2", Ops.NONE, 3, 4),
    (0x5C, "dup2", Ops.NONE, 2, 4),
    (0x5D, "dup2_x1", Ops.NONE, 3, 5),
    (0x5E, "dup2_x2", Ops.NONE, 4, 6),
    (0x5F, "swap", Ops.NONE, 2, 2),
    (0x60, "iadd", Ops.NONE, 2, 1),
    (0x61, "ladd", Ops.NONE, 4, 2),
    (0x62, "fadd", Ops.NONE, 2, 1),
    (0x63, "dadd", Ops.NONE, 4, 2),
    (0x64, "isub", Ops.NONE, 2, 1),
    (0x65, "lsub", Ops.NONE, 4, 2),
    (0x66, "fsub", Ops.NONE, 2, 1),
    (0x67, "dsub", Ops.NONE, 4, 2),
    (0x68, "imul", Ops.NONE, 2, 1),
    (0x69, "lmul", Ops.NONE, 4, 2),
    (0x6A, "fmul", Ops.NONE, 2, 1),
    (0x6B, "dmul", Ops.NONE, 4, 2),
    (0x6C, "idiv", Ops.NONE, 2, 1),
    (0x6D, "ldiv", Ops.NONE, 4, 2),
    (0x6E, "fdiv", Ops.NONE, 2, 1),
    (0x6F, "ddiv", Ops.NONE, 4, 2),
    (0x70, "irem", Ops.NONE, 2, 1),
    (0x71, "lrem", Ops.NONE, 4, 2),
    (0x72, "frem", Ops.NONE, 2, 1),
    (0x73, "drem", Ops.NONE, 4, 2),
    (0x74, "ineg", Ops.NONE, 1, 1),
    (0x75, "lneg", Ops.NONE, 2, 2),
    (0x76, "fneg", Ops.NONE, 1, 1),
    (0x77, "dneg", Ops.NONE, 2, 2),
    (0x78, "ishl", Ops.NONE, 2, 1),
    (0x79, "lshl", Ops.NONE, 3, 2),
    (0x7A, "ishr", Ops.NONE, 2, 1),
    (0x7B, "lshr", Ops.NONE, 3, 2),
    (0x7C, "iushr", Ops.NONE, 2, 1),
    (0x7D, "lushr", Ops.NONE, 3, 2),
    (0x7E, "iand", Ops.NONE, 2, 1),
    (0x7F, "land", Ops.NONE, 4, 2),
    (0x80, "ior", Ops.NONE, 2, 1),
    (0x81, "lor", Ops.NONE, 4, 2),
    (0x82, "ixor", Ops.NONE, 2, 1),
    (0x83, "lxor", Ops.NONE, 4, 2),
    (0x84, "iinc", Ops.IINC, 0, 0),
    (0x85, "i2l", Ops.NONE, 1, 2),
    (0x86, "i2f", Ops.NONE, 1, 1),
    (0x87, "i2d", Ops.NONE, 1, 2),
    (0x88, "l2i", Ops.NONE, 2, 1),
    (0x89, "l2f", Ops.NONE, 2, 1),
    (0x8A, "l2d", Ops.NONE, 2, 2),
    (0x8B, "f2i", Ops.NONE, 1, 1),
    (0x8C, "f2l", Ops.NONE, 1, 2),
    (0x8D, "f2d", Ops.NONE, 1, 2),
    (0x8E, "d2i", Ops.NONE, 2, 1),
    (0x8F, "d2l", Ops.NONE, 2, 2),
    (0x90, "d2f", Ops.NONE, 2, 1),
    (0x91, "i2b", Ops.NONE, 1, 1),
    (0x92, "i2c", Ops.NONE, 1, 1),
    (0x93, "i2s", Ops.NONE, 1, 1),
    (0x94, "lcmp", Ops.NONE, 4, 1),
    (0x95, "fcmpl", Ops.NONE, 2, 1),
    (0x96, "fcmpg", Ops.NONE, 2, 1),
    (0x97, "dcmpl", Ops.NONE, 4, 1),
    (0x98, "dcmpg", Ops.NONE, 4, 1),
    (0x99, "ifeq", Ops.BRANCH, 1, 0),
    (0x9A, "ifne", Ops.BRANCH, 1, 0),
    (0x9B, "iflt", Ops.BRANCH, 1, 0),
    (0x9C, "ifge", Ops.BRANCH, 1, 0),
    (0x9D, "ifgt", Ops.BRANCH, 1, 0),
    (0x9E, "ifle", Ops.BRANCH, 1, 0),
    (0x9F, "if_icmpeq", Ops.BRANCH, 2, 0),
    (0xA0, "if_icmpne", Ops.BRANCH, 2, 0),
    (0xA1, "if_icmplt", Ops.BRANCH, 2, 0),
    (0xA2, "if_icmpge", Ops.BRANCH, 2, 0),
    (0xA3, "if_icmpgt", Ops.BRANCH, 2, 0),
    (0xA4, "if_icmple", Ops.BRANCH, 2, 0),
    (0xA5, "if_acmpeq", Ops.BRANCH, 2, 0),
    (0xA6, "if_acmpne", Ops.BRANCH, 2, 0),
    (0xA7, "goto", Ops.BRANCH, 0, 0),
    (0xA8, "jsr", Ops.BRANCH, 0, 1),
    (0xA9, "ret", Ops.LOCAL, 0, 0),
    (0xAA, "tableswitch", Ops.TABLESWITCH, 1, 0),
    (0xAB, "lookupswitch", Ops.LOOKUPSWITCH, 1, 0),
    (0xAC, "ireturn", Ops.NONE, 1, 0),
    (0xAD, "lreturn", Ops.NONE, 2, 0),
    (0xAE, "freturn", Ops.NONE, 1, 0),
    (0xAF, "dreturn", Ops.NONE, 2, 0),
    (0xB0, "areturn", Ops.NONE, 1, 0),
    (0xB1, "return", Ops.NONE, 0, 0),
    (0xB2, "getstatic", Ops.CPOOL, 0, VARIES),
    (0xB3, "putstatic", Ops.CPOOL, VARIES, 0),
    (0xB4, "getfield", Ops.CPOOL, 1, VARIES),
    (0xB5, "putfield", Ops.CPOOL, VARIES, 0),
    (0xB6, "invokevirtual", Ops.CPOOL, VARIES, VARIES),
    (0xB7, "invokespecial", Ops.CPOOL, VARIES, VARIES),
    (0xB8, "invokestatic", Ops.CPOOL, VARIES, VARIES),
    (0xB9, "invokeinterface", Ops.INVOKEINTERFACE, VARIES, VARIES),
    (0xBA, "invokedynamic", Ops.INVOKEDYNAMIC, VARIES, VARIES),
    (0xBB, "new", Ops.CPOOL, 0, 1),
    (0xBC, "newarray", Ops.ATYPE, 1, 1),
    (0xBD, "anewarray", Ops.CPOOL, 1, 1),
    (0xBE, "arraylength", Ops.NONE, 1, 1),
    (0xBF, "athrow", Ops.NONE, 1, 0),
    (0xC0, "checkcast", Ops.CPOOL, 1, 1),
    (0xC1, "instanceof", Ops.CPOOL, 1, 1),
    (0xC2, "monitorenter", Ops.NONE, 1, 0),
    (0xC3, "monitorexit", Ops.NONE, 1, 0),
    (0xC4, "wide", Ops.WIDE, VARIES, VARIES),
    (0xC5, "multianewarray", Ops.MULTIANEWARRAY, VARIES, 1),
    (0xC6, "ifnull", Ops.BRANCH, 1, 0),
    (0xC7, "ifnonnull", Ops.BRANCH, 1, 0),
    (0xC8, "goto_w", Ops.BRANCH_W, 0, 0),
    (0xC9, "jsr_w", Ops.BRANCH_W, 0, 1),
    (0xCA, "breakpoint", Ops.NONE, 0, 0),
    (0xFE, "impdep1", Ops.NONE, 0, 0),
    (0xFF, "impdep2", Ops.NONE, 0, 0),
)

OPCODES: tuple[Opcode | None, ...] = tuple(
    (lambda row: Opcode(*row) if row else None)(next((r for r in _TABLE if r[0] == c), None))
    for c in range(256)
)
"""Indexed by opcode byte; None where JVMS 17 assigns no instruction."""

BY_MNEMONIC: dict[str, Opcode] = {op.mnemonic: op for op in OPCODES if op is not None}

# The opcodes `wide` may modify (JVMS 6.5.wide), and how javap names the widened form.
WIDENABLE = frozenset({0x15, 0x16, 0x17, 0x18, 0x19, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x84, 0xA9})

# JVMS 6.5.newarray: the atype operand.
T_BOOLEAN = 4
T_CHAR = 5
T_FLOAT = 6
T_DOUBLE = 7
T_BYTE = 8
T_SHORT = 9
T_INT = 10
T_LONG = 11
ARRAY_TYPES = {T_BOOLEAN: "boolean", T_CHAR: "char", T_FLOAT: "float", T_DOUBLE: "double",
               T_BYTE: "byte", T_SHORT: "short", T_INT: "int", T_LONG: "long"}

# The fixed length of each instruction (opcode included); 0 for the variable ones.
LENGTHS: tuple[int, ...] = tuple(
    0 if op is None else {
        Ops.NONE: 1, Ops.BYTE: 2, Ops.SHORT: 3, Ops.LOCAL: 2, Ops.CPOOL_U1: 2, Ops.CPOOL: 3,
        Ops.IINC: 3, Ops.BRANCH: 3, Ops.BRANCH_W: 5, Ops.ATYPE: 2, Ops.INVOKEINTERFACE: 5,
        Ops.INVOKEDYNAMIC: 5, Ops.MULTIANEWARRAY: 4, Ops.TABLESWITCH: 0, Ops.LOOKUPSWITCH: 0,
        Ops.WIDE: 0, Ops.RESERVED: 1,
    }[op.operands]
    for op in OPCODES
)
