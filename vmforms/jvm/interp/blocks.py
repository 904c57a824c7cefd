"""The shape of a translated method: basic blocks, loops, and the operand stack as values.

The translation tier (translate.py) turns each instruction into Python statements; this
module arranges them. Blocks are runs of instructions entered only at their first one,
each guarded by `if bb == start:`. A backward branch makes the range from its target
to itself a loop, emitted as a Python `while True:` nested in the method's own dispatch
loop, so going round runs the loop's own few guards instead of every block before it.
Loops whose ranges overlap without nesting stay plain blocks. Every block keeps its
guard, so any entry works: a jump from outside into a loop, an exception handler inside
one, on-stack replacement at an inner loop's head.

Within a block, LOAD and CONST only note which local or literal a stack slot holds; the
instruction that consumes the slot reads the local directly. The slot is written for
real before anything could observe the difference: a branch or the block's end (the
successor reads the slot), or a store to that local.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from vmforms.jvm.interp import decode as D

Block = tuple[int, int]  # first and last instruction index
Region = tuple[int, int]  # first instruction index of the loop head, last of the loop

_TARGET = re.compile(r"^(\s*)([ls]\d+(?:, [ls]\d+)*) = (.*)$")
_SLOT = re.compile(r"\bs(\d+)\b")
_LOCAL = re.compile(r"\bl(\d+)\b")


def blocks(code: list[tuple[Any, ...]], depth: dict[int, int], leaders: set[int]) -> list[Block]:
    """The basic blocks over the reachable instructions (those with a known stack depth)."""
    out: list[Block] = []
    start = -1
    for i in range(len(code)):
        if i not in depth:
            if start >= 0:
                out.append((start, i - 1))
                start = -1
            continue
        if i in leaders and start >= 0:
            out.append((start, i - 1))
            start = -1
        if start < 0:
            start = i
    if start >= 0:
        out.append((start, len(code) - 1))
    return out


def loops(code: list[tuple[Any, ...]], bbs: list[Block], jumps: frozenset[int]) -> list[Region]:
    """Properly nested loop regions, from the backward branches (goto and conditional)."""
    ends: dict[int, int] = {}
    for _, end in bbs:
        op, a, _ = code[end]
        if op in jumps and a <= end:
            ends[a] = max(ends.get(a, a), end)
    out: list[Region] = []
    for head, end in sorted(ends.items(), key=lambda r: (r[0], -r[1])):
        if all(end < s or head > e or (s <= head and end <= e) or (head <= s and e <= end)
               for s, e in out):
            out.append((head, end))
    return out


def merge(bbs: list[Block], entries: set[int], regions: list[Region]) -> list[Block]:
    """Join each block that is only entered from the one before it (the fall-through of
    a conditional branch) to that block, when both are in the same loops: it then needs
    no guard of its own."""
    out = bbs[:1]
    for start, end in bbs[1:]:
        first, last = out[-1]
        if start == last + 1 and start not in entries and all(
                (s <= last <= e) == (s <= start <= e) for s, e in regions):
            out[-1] = (first, end)
        else:
            out.append((start, end))
    return out


def literal(v: Any) -> str | None:
    """`v` as Python source when it is a literal int, None or finite float."""
    if v is None or type(v) is int:
        return repr(v)
    if type(v) is float and math.isfinite(v):
        return repr(v)
    return None


class Stack:
    """The symbolic operand stack of one block: slot -> the local or literal it holds."""

    def __init__(self) -> None:
        self.sym: dict[int, str] = {}

    def note(self, slot: int, expr: str) -> None:
        self.sym[slot] = expr

    def get(self, slot: int) -> str | None:
        return self.sym.get(slot)

    def drop(self, depth: int) -> None:
        """Forget the slots at and above `depth`: they have been popped."""
        for k in [k for k in self.sym if k >= depth]:
            del self.sym[k]

    def flush(self, below: int | None = None) -> list[str]:
        """Write the noted slots (those under `below`) for real."""
        out = []
        for k in sorted(self.sym):
            if below is None or k < below:
                out.append(f"s{k} = {self.sym.pop(k)}")
        return out

    def note_expression(self, slot: int, expr: str) -> None:
        """Note that `slot` now holds `expr` (which reads the slots it pops)."""
        self.sym[slot] = f"({self._reads(expr)})"

    def before_write(self, name: str, indent: str, keep: int = -1) -> list[str]:
        """Write the noted slots (but `keep`) whose expressions read variable `name`."""
        word = re.compile(rf"\b{name}\b")
        return [f"{indent}s{k} = {self.sym.pop(k)}"
                for k in [k for k, v in self.sym.items() if k != keep and word.search(v)]]

    def rewrite(self, line: str) -> list[str]:
        """`line` reading noted slots directly; a store to a variable first writes the
        noted slots whose expressions read that variable."""
        m = _TARGET.match(line)
        pre: list[str] = []
        if m:
            indent, targets, rhs = m.groups()
            names = targets.split(", ")
            moved = _SLOT.fullmatch(rhs)  # STORE: the noted expression goes to the local
            keep = int(moved.group(1)) if moved and names[0][0] == "l" else -1
            for name in names:
                # A slot's own noted value is dead once the slot is written (the line
                # may still read it, below).
                own = int(name[1:]) if name[0] == "s" else keep
                pre += self.before_write(name, indent, own)
            line = f"{indent}{targets} = {self._reads(rhs)}"
            for name in names:
                if name[0] == "s":
                    self.sym.pop(int(name[1:]), None)
            return [*pre, line]
        return [self._reads(line)]

    def _reads(self, text: str) -> str:
        sym = self.sym
        if not sym:
            return text
        return _SLOT.sub(lambda g: sym.get(int(g.group(1)), g.group(0)), text)


def emit(code: list[tuple[Any, ...]], depth: dict[int, int], bbs: list[Block],
         regions: list[Region], block: Callable[[Block, Region | None], list[str]],
         indent: int) -> list[str]:
    """The method body: guarded blocks at the top level, loops as nested `while True:`.
    `block` gives the statements of one block emitted inside `region` (None at the top)."""
    out: list[str] = []

    def level(lo: int, hi: int, region: Region | None, pad: int) -> None:
        k = 0
        inner = [r for r in regions if r != region and lo <= r[0] and r[1] <= hi]
        while k < len(bbs):
            start, end = bbs[k]
            if start < lo or start > hi:
                k += 1
                continue
            child = max((r for r in inner if r[0] == start), key=lambda r: r[1], default=None)
            if child is not None:
                out.append(" " * pad + f"if {child[0]} <= bb <= {child[1]}:")
                out.append(" " * (pad + 4) + "while True:")
                if _single(child, bbs, regions):
                    # The loop is one block, entered only at its head: no guard, and
                    # going round leaves `bb` as it is.
                    body = block(bbs[k], child)
                    out.extend(" " * (pad + 8) + s for s in _round(body, child[0]))
                else:
                    level(child[0], child[1], child, pad + 8)
                if region is not None:
                    out.append(" " * (pad + 4) + f"if bb < {region[0]} or bb > {region[1]}:")
                    out.append(" " * (pad + 8) + "break")
                while k < len(bbs) and bbs[k][0] <= child[1]:
                    k += 1
                continue
            out.append(" " * pad + f"if bb == {start}:")
            out.extend(" " * (pad + 4) + s for s in block((start, end), region))
            k += 1

    level(0, len(code), None, indent)
    return out


def _single(region: Region, bbs: list[Block], regions: list[Region]) -> bool:
    """`region` holds one block and no loop of its own."""
    lo, hi = region
    return sum(1 for start, _ in bbs if lo <= start <= hi) == 1 and not any(
        r != region and lo <= r[0] and r[1] <= hi for r in regions)


def _round(lines: list[str], head: int) -> list[str]:
    """`lines` without the `bb = head` of each jump back to the head."""
    out: list[str] = []
    for n, line in enumerate(lines):
        if line.strip() == f"bb = {head}" and n + 1 < len(lines) \
                and lines[n + 1] == line.replace(f"bb = {head}", "continue"):
            continue
        out.append(line)
    return out


def jump(target: int, region: Region | None) -> list[str]:
    """Go to instruction `target` from inside `region`."""
    if region is None or region[0] <= target <= region[1]:
        return [f"bb = {target}", "continue"]
    return [f"bb = {target}", "break"]


def dynamic_jump(expr: str, region: Region | None) -> list[str]:
    """Go to the instruction index `expr` computes (a switch)."""
    if region is None:
        return [f"bb = {expr}", "continue"]
    return [f"bb = {expr}", f"if {region[0]} <= bb <= {region[1]}:", "    continue", "break"]


FALLS_THROUGH_NOT = frozenset({0xA7, 0xAB, D.RETURN_VALUE, D.RETURN2, 0xB1, 0xBF})


# ifeq..ifle: the comparison, and the one that is true exactly when it is false
_BRANCH = {0x99: ("==", "!="), 0x9A: ("!=", "=="), 0x9B: ("<", ">="), 0x9C: (">=", "<"),
           0x9D: (">", "<="), 0x9E: ("<=", ">")}


def compare_branch(st: Stack, op: int, branch: tuple[Any, ...], d: int,
                   region: Region | None) -> list[str]:
    """fcmpl/fcmpg/dcmpl/dcmpg (`op`, at depth `d`) and the if<cond> after it as one
    Python comparison. An unordered pair (a NaN) compares as -1 (the l forms) or 1 (the g
    forms), so the branch is taken on NaN when that value meets the condition; Python's
    comparisons with a NaN are all false but `!=`, so where the two disagree the branch
    tests the negation of the opposite comparison instead."""
    w = 1 if op <= 0x96 else 2
    x, y = f"s{d - 2 * w}", f"s{d - w}"
    sym, opposite = _BRANCH[branch[0]]
    nan = -1 if op in (0x95, 0x97) else 1
    taken_on_nan = {"==": nan == 0, "!=": nan != 0, "<": nan < 0, ">=": nan >= 0,
                    ">": nan > 0, "<=": nan <= 0}[sym]
    if taken_on_nan == (sym == "!="):
        test = f"if {x} {sym} {y}:"
    else:
        test = f"if not ({x} {opposite} {y}):"
    out = st.flush(d - 2 * w)
    out += st.rewrite(test)
    return out + ["    " + line for line in jump(branch[1], region)]
