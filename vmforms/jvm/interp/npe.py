"""Helpful NullPointerException messages (JEP 358, as JDK 17's bytecodeUtils prints them):
the action that failed and, when the bytecode shows it, where the null came from.

A small data-flow pass over the method records, for every operand-stack slot, the pc of
the instruction that pushed it; slots whose producers differ on merging paths are
unknown, and then the message has no "because" part, like HotSpot's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vmforms.jvm.classfile.attributes import LocalVariableTableAttribute
from vmforms.jvm.classfile.code import Instruction, decode_code
from vmforms.jvm.opcodes import OPCODES, VARIES
from vmforms.jvm.runtime.klass import PRIMITIVE_NAMES, parse_arguments

if TYPE_CHECKING:
    from vmforms.jvm.classfile.constants import ConstantPool
    from vmforms.jvm.runtime.klass import JMethod

_ARRAY_KIND = {0x2E: "int", 0x2F: "long", 0x30: "float", 0x31: "double", 0x32: "object",
               0x33: "byte/boolean", 0x34: "char", 0x35: "short"}
_UNKNOWN = -1


def _klass_name(internal: str) -> str:
    name = internal.replace("/", ".")
    return {"java.lang.Object": "Object", "java.lang.String": "String"}.get(name, name)


def _type_name(desc: str) -> str:
    dims = len(desc) - len(desc.lstrip("["))
    base = desc[dims:]
    name = _klass_name(base[1:-1]) if base[0] == "L" else PRIMITIVE_NAMES[base[0]]
    return name + "[]" * dims


def _method_text(cp: ConstantPool, index: int) -> str:
    e = cp.entry(index)
    cls = cp.class_name(e.class_index)  # type: ignore[union-attr]
    name, desc = cp.name_and_type(e.name_and_type_index)  # type: ignore[union-attr]
    args, _ = parse_arguments(desc)
    return f"{_klass_name(cls)}.{name}({', '.join(_type_name(a) for a in args)})"


def _slots(desc: str) -> int:
    return 2 if desc in ("J", "D") else 0 if desc == "V" else 1


def _effect(ins: Instruction, cp: ConstantPool) -> tuple[int, int]:
    """(slots popped, slots pushed) of an instruction."""
    op = ins.opcode
    info = OPCODES[op]
    assert info is not None
    if info.pops != VARIES and info.pushes != VARIES:
        return info.pops, info.pushes
    if op in (0xB2, 0xB3, 0xB4, 0xB5):
        _, desc = cp.name_and_type(cp.entry(ins.operand).name_and_type_index)  # type: ignore
        n = _slots(desc)
        return {0xB2: (0, n), 0xB3: (n, 0), 0xB4: (1, n), 0xB5: (1 + n, 0)}[op]
    if op in (0xB6, 0xB7, 0xB8, 0xB9, 0xBA):
        _, desc = cp.name_and_type(cp.entry(ins.operand).name_and_type_index)  # type: ignore
        args, ret = parse_arguments(desc)
        pops = sum(_slots(a) for a in args) + (0 if op in (0xB8, 0xBA) else 1)
        return pops, _slots(ret)
    if op == 0xC5:
        return ins.operand2, 1
    return 0, 0


def _flow(m: JMethod) -> tuple[dict[int, Instruction], dict[int, list[int]]]:
    info = m.info.code
    cf = m.klass.cf
    assert info is not None and cf is not None
    cp = cf.constant_pool
    insns = {i.pc: i for i in decode_code(info.code, cf.source)}
    order = sorted(insns)
    nxt = {pc: order[k + 1] for k, pc in enumerate(order[:-1])}
    states: dict[int, list[int]] = {0: []}
    work = [0]
    for h in info.exception_table:
        states[h.handler_pc] = [_UNKNOWN]
        work.append(h.handler_pc)
    while work:
        pc = work.pop()
        ins = insns[pc]
        stack = list(states[pc])
        op = ins.opcode
        if op in (0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F):
            _stack_op(op, stack)
        elif op == 0xC0:
            pass  # checkcast: the value keeps its source, as HotSpot's message builder sees it
        else:
            pops, pushes = _effect(ins, cp)
            if pops:
                del stack[-pops:]
            stack.extend([pc] * pushes)
        succ: list[int] = []
        if op in (0xA7, 0xC8):
            succ = [ins.operand]
        elif op in (0xAA, 0xAB):
            succ = [ins.operand, *(t for _, t in ins.targets)]
        elif 0x99 <= op <= 0xA6 or op in (0xC6, 0xC7):
            succ = [ins.operand, nxt.get(pc, -1)]
        elif not (0xAC <= op <= 0xB1 or op in (0xBF, 0xA8, 0xA9, 0xC9)):
            succ = [nxt.get(pc, -1)]
        for s in succ:
            if s < 0:
                continue
            old = states.get(s)
            if old is None:
                states[s] = stack
                work.append(s)
            elif old != stack and len(old) == len(stack):
                merged = [a if a == b else _UNKNOWN for a, b in zip(old, stack, strict=True)]
                if merged != old:
                    states[s] = merged
                    work.append(s)
    return insns, states


def _stack_op(op: int, s: list[int]) -> None:
    if op == 0x59:
        s.append(s[-1])
    elif op == 0x5A:
        s.insert(-2, s[-1])
    elif op == 0x5B:
        s.insert(-3, s[-1])
    elif op == 0x5C:
        s.extend(s[-2:])
    elif op == 0x5D:
        s[-3:-3] = s[-2:]
    elif op == 0x5E:
        s[-4:-4] = s[-2:]
    else:
        s[-1], s[-2] = s[-2], s[-1]


def _local_name(m: JMethod, slot: int, pc: int) -> str:
    info = m.info.code
    assert info is not None and m.klass.cf is not None
    for a in info.attributes:
        if isinstance(a, LocalVariableTableAttribute):
            for v in a.entries():
                if v.index == slot and v.start_pc <= pc < v.start_pc + v.length + 3:
                    return m.klass.cf.constant_pool.utf8(v.name_index)
    if not m.is_static and slot == 0:
        return "this"
    params = 0 if m.is_static else 1
    for k, arg in enumerate(m.args):
        if params == slot:
            return f"<parameter{k + 1}>"
        params += _slots(arg)
    return f"<local{slot}>"


def _describe(m: JMethod, insns: dict[int, Instruction], states: dict[int, list[int]],
              pc: int, depth: int = 0) -> str | None:
    """A source expression for the value instruction `pc` pushed, or None."""
    if pc < 0 or depth > 4:
        return None
    ins = insns[pc]
    op = ins.opcode
    cp = m.klass.cf.constant_pool  # type: ignore[union-attr]
    if op in (0x19, 0x15) or 0x2A <= op <= 0x2D or 0x1A <= op <= 0x1D:
        slot = ins.operand if op in (0x19, 0x15) else (op - 0x2A if op >= 0x2A else op - 0x1A)
        return _local_name(m, slot, pc)
    if op == 0x01:
        return "null"
    if 0x02 <= op <= 0x08:
        return str(op - 0x03)
    if op in (0x10, 0x11):
        return str(ins.operand)
    if op == 0xB2:
        e = cp.entry(ins.operand)
        name, _ = cp.name_and_type(e.name_and_type_index)  # type: ignore[union-attr]
        cls = cp.class_name(e.class_index)  # type: ignore[union-attr]
        return f"{_klass_name(cls).rpartition('.')[2]}.{name}"
    if op == 0xB4:
        e = cp.entry(ins.operand)
        name, _ = cp.name_and_type(e.name_and_type_index)  # type: ignore[union-attr]
        st = states.get(pc, [])
        obj = _describe(m, insns, states, st[-1], depth + 1) if st else None
        return f"{obj}.{name}" if obj else name
    if op == 0x32:
        st = states.get(pc, [])
        if len(st) >= 2:
            arr = _describe(m, insns, states, st[-2], depth + 1)
            idx = _describe(m, insns, states, st[-1], depth + 1)
            if arr:
                return f"{arr}[{idx or '...'}]"
        return None
    if op == 0xC0:
        st = states.get(pc, [])
        return _describe(m, insns, states, st[-1], depth) if st else None
    return None


def npe_message(m: JMethod, pc: int) -> str | None:
    if m.info.code is None or m.klass.cf is None:
        return None
    try:
        insns, states = _flow(m)
    except (KeyError, IndexError, ValueError):
        return None
    ins = insns.get(pc)
    if ins is None or pc not in states:
        return None
    cp = m.klass.cf.constant_pool
    op = ins.opcode
    stack = states[pc]
    if op == 0xB4 or op == 0xB5:
        name, desc = cp.name_and_type(cp.entry(ins.operand).name_and_type_index)  # type: ignore
        action = f'Cannot {"read" if op == 0xB4 else "assign"} field "{name}"'
        depth = 0 if op == 0xB4 else _slots(desc)
    elif op in (0xB6, 0xB7, 0xB9):
        action = f'Cannot invoke "{_method_text(cp, ins.operand)}"'
        depth = _effect(ins, cp)[0] - 1
    elif op in _ARRAY_KIND:
        action = f"Cannot load from {_ARRAY_KIND[op]} array"
        depth = 1
    elif 0x4F <= op <= 0x56:
        action = f"Cannot store to {_ARRAY_KIND[op - 0x21]} array"
        depth = 3 if op in (0x50, 0x52) else 2
    elif op == 0xBE:
        action, depth = "Cannot read the array length", 0
    elif op == 0xBF:
        action, depth = "Cannot throw exception", 0
    elif op == 0xC2:
        action, depth = "Cannot enter synchronized block", 0
    elif op == 0xC3:
        action, depth = "Cannot exit synchronized block", 0
    else:
        return None
    if depth >= len(stack):
        return action
    src = stack[len(stack) - 1 - depth]
    if src >= 0 and insns[src].opcode in (0xB6, 0xB7, 0xB8, 0xB9):
        return f'{action} because the return value of "{_method_text(cp, insns[src].operand)}"' \
               " is null"
    what = _describe(m, insns, states, src)
    if what is None:
        return action
    return f'{action} because "{what}" is null'
