"""The single opcode table (JVMS 17 chapter 7) and the instruction decoder over it."""

from __future__ import annotations

import struct

import pytest

from vmforms.jvm.classfile.code import decode_code
from vmforms.jvm.errors import ClassFormatError
from vmforms.jvm.opcodes import BY_MNEMONIC, LENGTHS, OPCODES, VARIES, WIDENABLE, Operands


def test_table_covers_jvms_chapter_7() -> None:
    defined = [op for op in OPCODES if op is not None]
    assert len(defined) == 205  # 0x00-0xc9 and breakpoint, impdep1, impdep2
    assert all(OPCODES[c] is not None for c in range(0xCA + 1))
    assert all(OPCODES[c] is None for c in range(0xCB, 0xFE))
    assert len(BY_MNEMONIC) == 205
    assert BY_MNEMONIC["invokeinterface"].code == 0xB9
    assert BY_MNEMONIC["ldc2_w"].operands is Operands.CPOOL
    assert LENGTHS[0xB9] == 5 and LENGTHS[0xC5] == 4 and LENGTHS[0xAA] == 0
    assert {OPCODES[c].mnemonic for c in WIDENABLE} == {  # type: ignore[union-attr]
        "iload", "lload", "fload", "dload", "aload", "istore", "lstore", "fstore",
        "dstore", "astore", "iinc", "ret"}


@pytest.mark.parametrize(("mnemonic", "pops", "pushes"), [
    ("ladd", 4, 2), ("dup2_x2", 4, 6), ("lcmp", 4, 1), ("lshl", 3, 2), ("i2l", 1, 2),
    ("invokevirtual", VARIES, VARIES), ("aload_0", 0, 1), ("lastore", 4, 0),
])
def test_stack_effects(mnemonic: str, pops: int, pushes: int) -> None:
    op = BY_MNEMONIC[mnemonic]
    assert (op.pops, op.pushes) == (pops, pushes)


def test_decode_every_operand_format() -> None:
    code = bytes([
        0x10, 0xFF,  # 0 bipush -1
        0x11, 0x80, 0x00,  # 2 sipush -32768
        0x84, 0x01, 0xFE,  # 5 iinc 1, -2
        0xC4, 0x84, 0x01, 0x00, 0xFF, 0xFF,  # 8 wide iinc 256, -1
        0xC4, 0x15, 0x01, 0x2C,  # 14 wide iload 300
        0xA7, 0xFF, 0xEE,  # 18 goto -18 -> 0
        0xC8, 0x00, 0x00, 0x00, 0x05,  # 21 goto_w 26
        0xBC, 0x0A,  # 26 newarray int
        0xB9, 0x00, 0x07, 0x02, 0x00,  # 28 invokeinterface #7, 2
        0xBA, 0x00, 0x08, 0x00, 0x00,  # 33 invokedynamic #8
        0xC5, 0x00, 0x09, 0x03,  # 38 multianewarray #9, 3
        0xAA, 0x00,  # 42 tableswitch, padding to 44
    ]) + struct.pack(">iiiii", 30, 1, 3, 10, 20) + struct.pack(">i", 40) + bytes([
        0xAB, 0x00, 0x00, 0x00,  # 68 lookupswitch, padding to 72
    ]) + struct.pack(">iiiiii", 4, 2, -5, 8, 7, 0) + b"\xb1"
    ins = list(decode_code(code))
    assert [i.pc for i in ins] == [0, 2, 5, 8, 14, 18, 21, 26, 28, 33, 38, 42, 68, 96]
    assert ins[0].operand == -1 and ins[1].operand == -32768
    assert (ins[2].operand, ins[2].operand2, ins[2].wide) == (1, -2, False)
    assert (ins[3].opcode, ins[3].operand, ins[3].operand2, ins[3].wide) == (0x84, 256, -1, True)
    assert (ins[4].opcode, ins[4].operand, ins[4].wide) == (0x15, 300, True)
    assert ins[5].operand == 0 and ins[6].operand == 26
    assert ins[7].operand == 10
    assert (ins[8].operand, ins[8].operand2) == (7, 2)
    assert ins[9].operand == 8
    assert (ins[10].operand, ins[10].operand2) == (9, 3)
    table = ins[11]
    assert (table.operand, table.low, table.high) == (72, 1, 3)
    assert table.targets == ((1, 52), (2, 62), (3, 82))
    lookup = ins[12]
    assert lookup.operand == 72 and lookup.targets == ((-5, 76), (7, 68))


@pytest.mark.parametrize(("code", "problem"), [
    (b"\x11\x00", "truncated instruction at pc 0"),
    (b"\x00\xcb", "unknown opcode 203 at pc 1"),
    (b"\xc4\x60", "wide applied to opcode 96"),
    (b"\xaa\x00\x00\x00" + struct.pack(">iii", 0, 5, 1), "low 5 > high 1"),
    (b"\xab\x00\x00\x00" + struct.pack(">ii", 0, 3), "truncated instruction"),
])
def test_decode_errors(code: bytes, problem: str) -> None:
    with pytest.raises(ClassFormatError, match=problem) as info:
        list(decode_code(code, "X.class", 100))
    assert info.value.offset >= 100
