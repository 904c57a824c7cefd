"""The faster tier: each basic block of an iseq compiled to one Python function.

Inside a block the instructions follow each other without the dispatch loop: local
variables, constants, stack shuffles and Integer/Float arithmetic are written inline, any
other instruction is a direct call of its handler, and the block returns the next pc as a
handler does. Before every instruction that can raise, the block stores its pc in the
frame, so the loop finds the right catch-table entry and backtrace line. Instructions that
are not block leaders keep their plain handler tuples, so a jump into the middle of a block
(a catch table's continuation) still runs. VMFORMS_YARV_TRANSLATE=0 turns the tier off.
"""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.object import RSymbol
from vmforms.yarv.insns import INSNS
from vmforms.yarv.interp.calls import send

_ENDS = frozenset(("jump", "branchif", "branchunless", "branchnil", "leave", "throw",
                   "opt_case_dispatch", "opt_getinlinecache", "once"))
_ARITH = {"opt_plus": "+", "opt_minus": "-", "opt_mult": "*", "opt_lt": "<",
          "opt_le": "<=", "opt_gt": ">", "opt_ge": ">=", "opt_eq": "==", "opt_neq": "!="}
_SIMPLE_CONST = (int, float, bool, type(None), RSymbol)


def _leaders(iseq: Any, starts: list[int]) -> set[int]:
    code = iseq.code
    leaders = {0}
    leaders.update(iseq.opt_table)
    for e in iseq.catch_table:
        leaders.update((e.start, e.end, e.cont))
    for pc in starts:
        insn = INSNS[code[pc]]
        name = insn.name.removeprefix("trace_")
        nxt = pc + insn.length
        if name in _ENDS:
            leaders.add(nxt)
        if name in ("jump", "branchif", "branchunless", "branchnil", "opt_getinlinecache"):
            leaders.add(nxt + code[pc + 1])
        if name == "opt_case_dispatch":
            leaders.add(nxt + code[pc + 2])
            leaders.update(nxt + v for _, v in code[pc + 1].table.values())
    return leaders


def translate(vm: Any, iseq: Any, plain: list[Any]) -> list[Any]:
    """ops with each block leader's tuple replaced by the block's compiled function."""
    code = iseq.code
    starts = [pc for pc in range(len(code)) if plain[pc] is not None]
    leaders = _leaders(iseq, starts)
    fast = list(plain)
    scope: dict[str, Any] = {}
    src: list[str] = []
    for leader in sorted(p for p in leaders if p < len(code) and plain[p] is not None):
        name = f"b{leader}"
        body = _block(iseq, plain, leader, leaders, scope)
        src.append(f"def {name}(vm, f, st, op):\n    V = f.vars\n" + body)
        fast[leader] = (name, None, leader)
    if not src:
        return fast
    exec("\n".join(src), scope)  # noqa: S102 - generated from the iseq by the code above
    for pc, op in enumerate(fast):
        if op is not None and type(op[0]) is str:
            fast[pc] = (scope[op[0]], plain[pc][1], pc)
    return fast


def _block(iseq: Any, plain: list[Any], pc: int, leaders: set[int],
           scope: dict[str, Any]) -> str:
    out: list[str] = []
    code = iseq.code
    while True:
        op = plain[pc]
        insn = INSNS[code[pc]]
        name = insn.name.removeprefix("trace_")
        nxt = op[1]
        h, o = f"H{pc}", f"O{pc}"
        scope[h], scope[o] = op[0], op
        if name == "getlocal_WC_0":
            out.append(f"st.append(V[{op[3]}])")
        elif name == "setlocal_WC_0":
            out.append(f"V[{op[3]}] = st.pop()")
        elif name in ("putobject_INT2FIX_0_", "putobject_INT2FIX_1_"):
            out.append(f"st.append({name[-2]})")
        elif name == "putobject" and type(op[3]) in _SIMPLE_CONST:
            scope[f"K{pc}"] = op[3]
            out.append(f"st.append(K{pc})")
        elif name == "putnil":
            out.append("st.append(None)")
        elif name == "putself":
            out.append("st.append(f.self_)")
        elif name == "dup":
            out.append("st.append(st[-1])")
        elif name == "pop":
            out.append("st.pop()")
        elif name == "nop":
            pass
        elif name in _ARITH:
            sym = _ARITH[name]
            out.append(
                f"b = st[-1]\na = st[-2]\n"
                f"if (type(a) is int or type(a) is float) and "
                f"(type(b) is int or type(b) is float):\n"
                f"    st.pop()\n    st[-1] = a {sym} b\n"
                f"else:\n    f.pc = {pc}\n    {h}(vm, f, st, {o})")
        elif name in ("opt_send_without_block", "send"):
            scope["SEND"] = send
            blk = f"{o}[4]" if name == "send" else "None"
            out.append(f"f.pc = {pc}\nst.append(SEND(vm, f, st, {o}[3], {blk}))")
        elif name == "jump":
            out.append(f"return {op[3]}")
            break
        elif name == "branchif":
            out.append(f"v = st.pop()\nreturn {op[3]} if v is not None and v is not False "
                       f"else {nxt}")
            break
        elif name == "branchunless":
            out.append(f"v = st.pop()\nreturn {nxt} if v is not None and v is not False "
                       f"else {op[3]}")
            break
        elif name == "leave":
            out.append("return -1")
            break
        elif name in _ENDS:
            out.append(f"f.pc = {pc}\nreturn {h}(vm, f, st, {o})")
            break
        else:
            out.append(f"f.pc = {pc}\n{h}(vm, f, st, {o})")
        pc = nxt
        if pc in leaders or pc >= len(code) or plain[pc] is None:
            out.append(f"return {pc}")
            break
    lines = "\n".join(out).split("\n")
    return "".join(f"    {line}\n" for line in lines)
