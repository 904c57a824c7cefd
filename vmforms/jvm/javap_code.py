"""javap's listing of a Code attribute's instructions and exception table (JVMS 17 4.7.3,
6.5): `%4d: mnemonic operands` and constant pool comments at the tab column."""

from __future__ import annotations

from vmforms.jvm.classfile.attributes import CodeAttribute
from vmforms.jvm.classfile.classfile import ClassFile
from vmforms.jvm.classfile.code import Instruction, decode_code
from vmforms.jvm.errors import ClassFormatError
from vmforms.jvm.javap_text import constant_comment, constant_value
from vmforms.jvm.opcodes import ARRAY_TYPES, OPCODES, Operands

_COMMENT_COLUMN = 40  # javap pads an instruction to this width before its `// ` comment


def _decode(code: CodeAttribute, source: str, unknown: dict[int, int]) -> list[Instruction]:
    """The instructions; an opcode no JVM defines is, as javap reads it, one byte long and
    printed as `bytecode N`: it is decoded as a nop and its pc and value kept in UNKNOWN."""
    data = code.code
    while True:
        try:
            return list(decode_code(data, source, code.code_offset))
        except ClassFormatError as exc:
            pc = exc.offset - code.code_offset
            if not (0 <= pc < len(data) and OPCODES[data[pc]] is None) or pc in unknown:
                raise
            unknown[pc] = data[pc]
            data = data[:pc] + b"\x00" + data[pc + 1:]


def instructions(cf: ClassFile, code: CodeAttribute, out: list[str], ind: str = "    ") -> None:
    """One line an instruction (switches take several), each starting with `ind`."""
    cp = cf.constant_pool
    this_class = cf.this_class
    comments: dict[int, str] = {}
    Ops = Operands
    unknown: dict[int, int] = {}
    for ins in _decode(code, cf.source, unknown):
        op = ins.opcode
        info = OPCODES[op]
        assert info is not None
        mnemonic = info.mnemonic + "_w" if ins.wide else info.mnemonic
        kind = info.operands
        head = f"{ins.pc:4d}: "
        if ins.pc in unknown:
            out.append(f"{ind}{head}bytecode {unknown[ins.pc]}\n")
            continue
        if kind is Ops.NONE:
            out.append(f"{ind}{head}{mnemonic}\n")
            continue
        if kind is Ops.CPOOL or kind is Ops.CPOOL_U1:
            text = f"{head}{mnemonic:<13} #{ins.operand}"
        elif kind is Ops.INVOKEINTERFACE or kind is Ops.INVOKEDYNAMIC or kind is Ops.MULTIANEWARRAY:
            text = f"{head}{mnemonic:<13} #{ins.operand},  {ins.operand2}"
        elif kind is Ops.IINC:
            out.append(f"{ind}{head}{mnemonic:<13} {ins.operand}, {ins.operand2}\n")
            continue
        elif kind is Ops.ATYPE:
            out.append(f"{ind}{head}{mnemonic:<13}  {ARRAY_TYPES.get(ins.operand, '?')}\n")
            continue
        elif kind is Ops.TABLESWITCH or kind is Ops.LOOKUPSWITCH:
            if kind is Ops.TABLESWITCH:
                lines = [f"{ind}{head}{mnemonic:<13} {{ // {ins.low} to {ins.high}\n"]
            else:
                lines = [f"{ind}{head}{mnemonic:<13} {{ // {ins.high}\n"]
            lines += [f"{ind}      {match:12d}: {target}\n" for match, target in ins.targets]
            lines.append(f"{ind}           default: {ins.operand}\n{ind}      }}\n")
            out.append("".join(lines))
            continue
        else:
            out.append(f"{ind}{head}{mnemonic:<13} {ins.operand}\n")
            continue
        comment = comments.get(ins.operand)
        if comment is None:
            reported = len(out)
            try:
                comment = constant_comment(cp, ins.operand, this_class)
            except ClassFormatError as exc:
                raise ClassFormatError(cf.source, code.code_offset + ins.pc,
                                       f"{info.mnemonic} at pc {ins.pc}: {exc.problem}") from None
            if len(out) == reported:  # javap reports a bad constant at every use
                comments[ins.operand] = comment
        pad = _COMMENT_COLUMN - len(text)
        line = f"{ind}{text}{' ' * (pad if pad > 0 else 1)}// {comment}"
        if line[-1] == " ":
            line = line.rstrip(" ")  # javap never ends a line with spaces
        out.append(line + "\n")


def exception_table(cf: ClassFile, code: CodeAttribute, out: list[str], ind: str = "    ") -> None:
    if not code.exception_table:
        return
    cp = cf.constant_pool
    out.append(f"{ind}Exception table:\n{ind}   from    to  target type\n")
    for e in code.exception_table:
        kind = "Class " + constant_value(cp, e.catch_type) if e.catch_type else "any"
        out.append(f"{ind}  {e.start_pc:6d}{e.end_pc:6d}{e.handler_pc:6d}   {kind}\n")
