"""Decoding the code array of a Code attribute into instructions: JVMS 17 4.7.3 and 6.5.

`decode_code` is a generator of immutable records; the opcode facts come from
vmforms.jvm.opcodes. Instructions are NamedTuples rather than dataclasses because a
large class has hundreds of thousands of them and a tuple is several times cheaper.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import NamedTuple

from vmforms.jvm.errors import ClassFormatError
from vmforms.jvm.opcodes import LENGTHS, OPCODES, WIDENABLE, Operands

_b = struct.Struct(">b").unpack_from
_h = struct.Struct(">h").unpack_from
_H = struct.Struct(">H").unpack_from
_i = struct.Struct(">i").unpack_from
_iii = struct.Struct(">iii").unpack_from
_ii = struct.Struct(">ii").unpack_from
_Hh = struct.Struct(">Hh").unpack_from
_HB = struct.Struct(">HB").unpack_from
_BB = struct.Struct(">Bb").unpack_from


class Instruction(NamedTuple):
    """One instruction. `operand` is the first operand, whatever its kind: a local variable
    index, a constant pool index, an immediate value, an atype, or an absolute branch
    target. `operand2` is the second: the iinc constant, the invokeinterface count or the
    multianewarray dimensions. Switches put (match, target) pairs in `targets`, their
    default target in `operand` and their low/high bounds in `low`/`high`."""

    pc: int
    opcode: int
    operand: int = 0
    operand2: int = 0
    wide: bool = False
    targets: tuple[tuple[int, int], ...] = ()
    low: int = 0
    high: int = 0


def decode_code(code: bytes, source: str = "<code>", base: int = 0) -> Iterator[Instruction]:
    """Yield the instructions of `code`; `base` is its offset in the class file for errors."""
    n = len(code)
    pc = 0
    Ops = Operands
    try:
        while pc < n:
            op = code[pc]
            length = LENGTHS[op]
            if pc + length > n:
                raise ClassFormatError(source, base + pc, f"truncated instruction at pc {pc}")
            info = OPCODES[op]
            if info is None:
                raise ClassFormatError(source, base + pc, f"unknown opcode {op} at pc {pc}")
            kind = info.operands
            if kind is Ops.NONE:
                yield Instruction(pc, op)
            elif kind is Ops.CPOOL:
                yield Instruction(pc, op, _H(code, pc + 1)[0])
            elif kind is Ops.LOCAL or kind is Ops.CPOOL_U1 or kind is Ops.ATYPE:
                yield Instruction(pc, op, code[pc + 1])
            elif kind is Ops.BRANCH:
                yield Instruction(pc, op, pc + _h(code, pc + 1)[0])
            elif kind is Ops.BYTE:
                yield Instruction(pc, op, _b(code, pc + 1)[0])
            elif kind is Ops.SHORT:
                yield Instruction(pc, op, _h(code, pc + 1)[0])
            elif kind is Ops.IINC:
                yield Instruction(pc, op, *_BB(code, pc + 1))
            elif kind is Ops.BRANCH_W:
                yield Instruction(pc, op, pc + _i(code, pc + 1)[0])
            elif (kind is Ops.INVOKEINTERFACE or kind is Ops.MULTIANEWARRAY
                  or kind is Ops.INVOKEDYNAMIC):
                yield Instruction(pc, op, *_HB(code, pc + 1))
            elif kind is Ops.TABLESWITCH:
                p = (pc + 4) & ~3
                default, low, high = _iii(code, p)
                if high < low or (high - low) > n:
                    raise ClassFormatError(
                        source, base + pc, f"tableswitch at pc {pc} has low {low} > high {high}")
                count = high - low + 1
                offsets = struct.unpack_from(f">{count}i", code, p + 12)
                targets = tuple((low + k, pc + off) for k, off in enumerate(offsets))
                yield Instruction(pc, op, pc + default, 0, False, targets, low, high)
                length = p + 12 + 4 * count - pc
            elif kind is Ops.LOOKUPSWITCH:
                p = (pc + 4) & ~3
                default, npairs = _ii(code, p)
                if npairs < 0 or npairs > n:
                    raise ClassFormatError(
                        source, base + pc, f"lookupswitch at pc {pc} has npairs {npairs}")
                flat = struct.unpack_from(f">{2 * npairs}i", code, p + 8)
                targets = tuple((flat[k], pc + flat[k + 1]) for k in range(0, 2 * npairs, 2))
                yield Instruction(pc, op, pc + default, 0, False, targets, 0, npairs)
                length = p + 8 + 8 * npairs - pc
            elif kind is Ops.WIDE:
                if pc + 1 >= n:
                    raise ClassFormatError(source, base + pc, f"truncated wide at pc {pc}")
                op2 = code[pc + 1]
                if op2 not in WIDENABLE:
                    raise ClassFormatError(
                        source, base + pc, f"wide applied to opcode {op2} at pc {pc}")
                if op2 == 0x84:  # iinc
                    index, const = _Hh(code, pc + 2)
                    yield Instruction(pc, op2, index, const, True)
                    length = 6
                else:
                    yield Instruction(pc, op2, _H(code, pc + 2)[0], 0, True)
                    length = 4
            else:
                raise ClassFormatError(source, base + pc, f"reserved opcode {op} at pc {pc}")
            pc += length
    except struct.error:
        raise ClassFormatError(source, base + pc, f"truncated instruction at pc {pc}") from None
