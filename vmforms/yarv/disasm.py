"""Disassembly text of a loaded iseq, as CRuby 3.1's RubyVM::InstructionSequence#disasm
prints it (iseq.c rb_iseq_disasm_recursive, rb_iseq_disasm_insn, rb_insn_operand_intern).

Formatting only: decoding lives in iseq/, instruction facts in insns.py.
"""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.inspect import inspect, inspect_str, symname_p
from vmforms.yarv.core.string import RString
from vmforms.yarv.errors import IseqFormatError
from vmforms.yarv.insns import INSNS, MAX_NAME_LENGTH, UNIFIED_LEVEL, Op
from vmforms.yarv.iseq.loader import CallInfo, Iseq

VM_ENV_DATA_SIZE = 3

_CALL_FLAGS = (("ARGS_SPLAT", 1), ("ARGS_BLOCKARG", 2), ("FCALL", 4), ("VCALL", 8),
               ("ARGS_SIMPLE", 16), ("BLOCKISEQ", 32), ("TAILCALL", 256), ("SUPER", 512),
               ("ZSUPER", 1024), ("KWARG", 64), ("KW_SPLAT", 128), ("KW_SPLAT_MUT", 4096),
               ("OPT_SEND", 2048))
_EVENTS = (("Li", 0x1), ("Cl", 0x2), ("En", 0x4), ("Ca", 0x8), ("Re", 0x10), ("Cc", 0x20),
           ("Cr", 0x40), ("Bc", 0x100), ("Br", 0x200), ("Cli", 0x10000), ("Cbr", 0x20000))
# enum defined_type (iseq.h), as rb_iseq_defined_string names them
_DEFINED = {1: "nil", 2: "instance-variable", 3: "local-variable", 4: "global-variable",
            5: "class variable", 6: "constant", 7: "method", 8: "yield", 9: "super",
            10: "self", 11: "true", 12: "false", 13: "assignment", 14: "expression",
            15: "ref", 16: "func", 17: "constant-from"}
_DEFINED_OVERRIDE = {15: "ref", 16: "func", 17: "constant-from"}
# rb_type_str of enum ruby_value_type
_TYPES = {0x00: "T_NONE", 0x01: "T_OBJECT", 0x02: "T_CLASS", 0x03: "T_MODULE",
          0x04: "T_FLOAT", 0x05: "T_STRING", 0x06: "T_REGEXP", 0x07: "T_ARRAY",
          0x08: "T_HASH", 0x09: "T_STRUCT", 0x0A: "T_BIGNUM", 0x0B: "T_FILE", 0x0C: "T_DATA",
          0x0D: "T_MATCH", 0x0E: "T_COMPLEX", 0x0F: "T_RATIONAL", 0x11: "T_NIL",
          0x12: "T_TRUE", 0x13: "T_FALSE", 0x14: "T_SYMBOL", 0x15: "T_FIXNUM",
          0x16: "T_UNDEF", 0x1A: "T_IMEMO", 0x1B: "T_NODE", 0x1C: "T_ICLASS",
          0x1D: "T_ZOMBIE", 0x1E: "T_MOVED"}


def text(value: Any) -> str:
    if isinstance(value, RString):
        return value.text()
    return "nil" if value is None else str(value)


def _bytelen(s: str) -> int:
    """Length as CRuby measures it when padding: in bytes of the UTF-8 text."""
    return len(s.encode("utf-8", "surrogateescape"))


def iseq_inspect(iseq: Iseq) -> str:
    bl, bc, el, ec = iseq.code_location
    return f"#<ISeq:{text(iseq.label)}@{text(iseq.path)}:{bl} ({bl},{bc})-({el},{ec})>"


def local_name(iseq: Iseq, level: int, op: int) -> str:
    target: Iseq | None = iseq
    if level > 1000:  # no real nesting is this deep; a corrupt operand is not walked
        target = None
    for _ in range(level if target is not None else 0):
        target = target.parent if target is not None else None
    if target is None:
        return f"?@{op}"
    idx = len(target.local_table) - op - 1
    sym = target.local_table[idx] if 0 <= idx < len(target.local_table) else None
    if sym is None:
        name = "?"
    elif symname_p(sym.name):
        name = sym.name
    else:
        name = inspect_str(RString(sym.name))
    return f"{name}@{idx}"


def _calldata(ci: CallInfo) -> str:
    parts = []
    if ci.mid is not None:
        parts.append(f"mid:{ci.mid.name}")
    parts.append(f"argc:{ci.argc}")
    if ci.flag & 64:
        parts.append("kw:[" + ",".join(k.name for k in ci.kwargs) + "]")
    if ci.flag:
        parts.append("|".join(name for name, bit in _CALL_FLAGS if ci.flag & bit))
    return "<calldata!" + ", ".join(parts) + ">"


def operand(iseq: Iseq, name: str, kind: Op, index: int, value: Any, pos: int, length: int,
            next_value: Any, children: list[Iseq]) -> str:
    """One operand as rb_insn_operand_intern prints it."""
    if kind is Op.OFFSET:
        return str(pos + length + value)
    if kind is Op.LINDEX:
        if next_value is not None:
            return local_name(iseq, next_value, value - VM_ENV_DATA_SIZE)
        level = UNIFIED_LEVEL.get(name.removeprefix("trace_"), -1)
        if level >= 0:
            return local_name(iseq, level, value - VM_ENV_DATA_SIZE)
        return str(value)
    if kind is Op.NUM:
        base = name.removeprefix("trace_")
        if base == "defined" and index == 0:
            if value in _DEFINED_OVERRIDE:
                return _DEFINED_OVERRIDE[value]
            if value in _DEFINED:
                return _DEFINED[value]
        elif base == "checktype" and index == 0 and value in _TYPES:
            return _TYPES[value]
        return str(value)
    if kind is Op.ID:
        return "nil" if value is None else inspect(value)
    if kind is Op.VALUE:
        if name.removeprefix("trace_") == "defined" and index == 1 and type(value) is int \
                and value:
            return f":${chr(value >> 1)}" if value & 1 else f":${value >> 1}"
        return inspect(value)
    if kind is Op.ISEQ:
        if value is None:
            return "nil"
        children.append(value)
        return text(value.label)
    if kind in (Op.IC, Op.IVC, Op.ICVARC, Op.ISE):
        return f"<is:{value}>"
    if kind is Op.CALLDATA:
        return "<calldata:nil>" if value is None else _calldata(value)
    if kind is Op.CDHASH:
        return "<cdhash>"
    if kind is Op.BUILTIN:
        return f"<builtin!{value[1]}/?>"
    return str(value)


def line_at(iseq: Iseq, pos: int) -> tuple[int, int]:
    """(line, events) of the last line-table entry at or before pos (get_insn_info)."""
    positions, lines, events = iseq.insns_info
    lo, hi = 0, len(positions) - 1
    found = -1
    while lo <= hi:
        mid = (lo + hi) // 2
        if positions[mid] <= pos:
            found = mid
            lo = mid + 1
        else:
            hi = mid - 1
    if found < 0:
        return (lines[0], events[0]) if positions else (0, 0)
    return lines[found], events[found]


def insn_line(iseq: Iseq, pos: int, children: list[Iseq]) -> tuple[str, int]:
    """One instruction's line (without newline) and its length in words."""
    code = iseq.code
    opcode = code[pos]
    insn = INSNS[opcode]
    parts = [f"{pos:04d} {insn.name:<{MAX_NAME_LENGTH}} "]
    n = len(insn.operands)
    for j, kind in enumerate(insn.operands):
        nxt = None
        if kind is Op.LINDEX and j + 1 < n and insn.operands[j + 1] is Op.NUM:
            nxt = code[pos + j + 2]
        parts.append(operand(iseq, insn.name, kind, j, code[pos + j + 1], pos, insn.length,
                             nxt, children))
        if j + 1 < n:
            parts.append(", ")
    out = "".join(parts)
    line, events = line_at(iseq, pos)
    prev = line_at(iseq, pos - 1)[0] if pos else 0
    if line and line != prev:
        pad = max(0, 70 - _bytelen(out))
        out += " " * pad + f"({line:4d})"
    if events:
        out += "[" + "".join(name for name, bit in _EVENTS if events & bit) + "]"
    return out.rstrip(" "), insn.length


def _local_table(iseq: Iseq, indent: str) -> str:
    kw = iseq.keyword
    size = len(iseq.local_table)
    head = (f"{indent}local table (size: {size}, argc: {iseq.lead_num} "
            f"[opts: {iseq.opt_num}, rest: {iseq.rest_start if iseq.has_rest else -1}, "
            f"post: {iseq.post_num}, block: {iseq.block_start if iseq.has_block else -1}, "
            f"kw: {kw.num if iseq.has_kw and kw else -1}@"
            f"{kw.required_num if iseq.has_kw and kw else -1}, "
            f"kwrest: {kw.rest_start if iseq.has_kwrest and kw else -1}])\n")
    row = ""
    for li in range(size):
        i = size - li - 1
        opti = ""
        if iseq.has_opt and iseq.lead_num <= li < iseq.lead_num + iseq.opt_num:
            opti = f"Opt={iseq.opt_table[li - iseq.lead_num]}"
        argi = (("Arg" if iseq.lead_num > li else "") + opti
                + ("Rest" if iseq.has_rest and iseq.rest_start == li else "")
                + ("Post" if iseq.has_post
                   and iseq.post_start <= li < iseq.post_start + iseq.post_num else "")
                + ("Kwrest" if iseq.has_kwrest and kw and kw.rest_start == li else "")
                + ("Block" if iseq.has_block and iseq.block_start == li else ""))
        head_cell = f"[{i + 1:2d}] "
        cell = local_name(iseq, 0, i) + (f"<{argi}>" if argi else "")
        row += indent + head_cell + cell + " " * max(0, 11 - _bytelen(cell))
    return head + row.rstrip(" ") + "\n"


def disasm(iseq: Iseq, indent: str = "", done: set[int] | None = None,
           active: tuple[int, ...] = ()) -> str:
    """The text of iseq and, after it, of every iseq it refers to."""
    if done is None:
        done = set()
    if iseq.index in active or len(active) > 200:
        # only a corrupted file nests iseqs in a cycle (CRuby would recurse forever)
        raise IseqFormatError("<binary>", 0, f"iseq {iseq.index} contains itself")
    active = (*active, iseq.index)
    out = [indent]
    catch = "TRUE" if iseq.catch_except_p else "FALSE"
    out.append(f"== disasm: {iseq_inspect(iseq)} (catch: {catch})\n")
    if iseq.catch_table:
        out.append(f"{indent}== catch table\n")
        for entry in iseq.catch_table:
            out.append(f"{indent}| catch type: {entry.type:<6} st: {entry.start:04d} "
                       f"ed: {entry.end:04d} sp: {entry.sp:04d} cont: {entry.cont:04d}\n")
            if entry.iseq is not None and entry.iseq.index not in done:
                out.append(disasm(entry.iseq, indent + "| ", done, active))
                done.add(entry.iseq.index)
        out.append(f"{indent}|{'-' * 72}\n")
    if iseq.local_table:
        out.append(_local_table(iseq, indent))
    children: list[Iseq] = []
    pos = 0
    while pos < len(iseq.code):
        line, length = insn_line(iseq, pos, children)
        out.append(indent + line + "\n")
        pos += length
    for child in children:
        if child.index in done:
            continue
        out.append("\n")
        out.append(disasm(child, indent, done, active))
    return "".join(out)

