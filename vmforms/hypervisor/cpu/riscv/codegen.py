"""Python source for a region of guest code: one function that runs many basic blocks.

A region starts at a hot block and takes in the blocks it reaches by direct jumps, taken
branches, fall-throughs and returns from calls on the same page (the Cpu picks which).
Guest registers live in Python locals for the whole region: loaded once at entry, written
back at the one exit and, when an instruction traps, by the handler around the body.
Blocks are labelled 0..n-1; a transfer inside the region sets the label and moves on, so
a loop of blocks runs in one Python call, and so does a call to a function on the page:
an indirect jump to the address after a call in the region is its return and stays in.
Every backward transfer checks for a due event (timer, interrupt, run limit), so a loop
never delays one. c.instret advances at each block's end; a trap reports the instruction
of its traceback line and how many instructions of its block completed before it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from vmforms.hypervisor.cpu.riscv.decoder import X_SINK, Instr
from vmforms.hypervisor.cpu.riscv.semantics import (
    CONDITIONAL_BRANCHES,
    KEY,
    LOAD_FAST,
    NONZERO_IMM,
    STORE_FAST,
    TEMPLATES,
)

M64 = 0xFFFFFFFF_FFFFFFFF

Segment = tuple[tuple[Instr, ...], tuple[int, ...]]  # one basic block: instructions, addresses


# Terminators whose semantics call into the Cpu with the register file in hand (the
# firmware reads and writes x on ecall): the block's cached registers are written back
# before them, and they use the list itself.
_SIDE_EFFECTS = frozenset({
    "ecall", "ebreak", "sret", "mret", "wfi", "fence.i", "sfence.vma", "illegal",
    "csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci",
})
_REG = re.compile(r"x\[(\d+)\]")
_WRITE = re.compile(r"^\s*(?:try: |except KeyError: )?x\[(\d+)\] = ")


def _fields(d: Instr, pc: int, k: int) -> dict[str, int]:
    return {
        "xd": d.xd, "rd": d.rd, "rs1": d.rs1, "rs2": d.rs2, "rs3": d.rs3, "imm": d.imm,
        "rm": d.rm, "word": d.word, "pc": pc, "npc": pc + d.length, "idx": k,
    }


_ADD_ZERO_MASKED = re.compile(r"\((r\d+) \+ 0\) & M\b")
_ADD_ZERO = re.compile(r"\((r\d+) \+ 0\)")
_ZERO_ADD = re.compile(r"\(0 \+ (r\d+)\) & M\b")
# an address with a non-negative offset needs no wrap-around mask: semantics.KEY catches it
_ADDRESS = re.compile(r"^a = \((r\d+) \+ (\d+)\) & M$", re.MULTILINE)
_MASK = re.compile(r"\bM\b")


def _cached(src: str) -> str:
    """Use locals r1..r31 for the guest registers; x0 reads are the constant 0.

    The mask is spelled as a literal so that Python folds constant addresses; an added
    zero (registers are already in range) disappears.
    """
    src = _REG.sub(lambda m: "0" if m.group(1) == "0" else f"r{m.group(1)}", src)
    src = _ADD_ZERO_MASKED.sub(r"\1", src)
    src = _ADD_ZERO.sub(r"\1", src)
    src = _ZERO_ADD.sub(r"\1", src)
    if "KeyError" in src:
        src = _ADDRESS.sub(r"a = \1 + \2", src)
    return _MASK.sub("0xFFFFFFFFFFFFFFFF", src)


@dataclass(frozen=True, slots=True)
class _Piece:
    """One instruction's source: as templated, with registers in locals, and its registers."""

    text: str
    cached: str
    used: frozenset[int]
    written: frozenset[int]


_PC_DEPENDENT = frozenset(
    name for name, t in TEMPLATES.items() if "{pc}" in t or "{npc}" in t or "{idx}" in t
)
_pieces: dict[int, _Piece] = {}


def _piece(d: Instr, pc: int, k: int) -> _Piece:
    """The source of one instruction, cached by word unless it depends on its address."""
    if d.name not in _PC_DEPENDENT:
        piece = _pieces.get(d.word)
        if piece is not None:
            return piece
    template = NONZERO_IMM.get(d.name) if d.imm else None
    text = (template or TEMPLATES[d.name]).format(**_fields(d, pc, k))
    written = set()
    for line in text.splitlines():
        m = _WRITE.match(line)
        if m:
            written.add(int(m.group(1)))
    used = {int(r) for r in _REG.findall(text)} - {0, X_SINK}
    piece = _Piece(text, _cached(text), frozenset(used), frozenset(written - {0, X_SINK}))
    if d.name not in _PC_DEPENDENT:
        _pieces[d.word] = piece
    return piece


def _access(d: Instr) -> tuple[int, bool] | None:
    """(size, is_store) of an integer load or store, else None."""
    if d.name in LOAD_FAST:
        return LOAD_FAST[d.name][0], False
    if d.name in STORE_FAST:
        return STORE_FAST[d.name][0], True
    return None


def _memory_runs(instrs: list[Instr]) -> dict[int, int]:
    """Runs of two or more aligned accesses through one base register: start -> end.

    Such a run (memcpy's unrolled loop, a struct's fields) needs one TLB lookup and one
    range check instead of one per access.
    """
    runs: dict[int, int] = {}
    k = 0
    while k < len(instrs):
        d = instrs[k]
        acc = _access(d)
        if acc is None or d.rs1 == 0 or d.imm % acc[0]:
            k += 1
            continue
        end = k
        while end + 1 < len(instrs) and instrs[end].xd != d.rs1:
            nxt = instrs[end + 1]
            nacc = _access(nxt)
            if nacc is None or nxt.rs1 != d.rs1 or nxt.imm % nacc[0]:
                break
            end += 1
        if end > k:
            runs[k] = end
        k = end + 1
    return runs


def _emit_run(run: tuple[Instr, ...], pieces: list[_Piece],
              emit: Callable[[str, int, int], None], first: int, base: int, depth: int) -> None:
    """One checked lookup for a run of accesses, with the per-access code as the fallback."""
    reg = run[0].rs1
    sizes = [_access(d) for d in run]
    store = any(acc[1] for acc in sizes if acc)
    lo = max(0, -min(d.imm for d in run))
    hi = 0x1000 - max(d.imm + (acc[0] if acc else 8) for d, acc in zip(run, sizes, strict=True))
    align = max(acc[0] for acc in sizes if acc)
    g = base + first
    emit(f"a = r{reg}", g, depth)
    emit(f"t = {'wt' if store else 'rt'}.get(a & {KEY[align]:#x})", g, depth)
    emit(f"if t is not None and {lo} <= (a & 0xFFF) <= {hi}:", g, depth)
    emit("hb = a + t", g, depth + 1)
    for j, d in enumerate(run):
        at = f"hb + {d.imm}" if d.imm else "hb"
        if d.name in LOAD_FAST:
            expr = LOAD_FAST[d.name][1].replace("(a + t)", f"({at})").replace("a + t", at)
            emit(_cached(f"r{d.xd} = {expr}"), g + j, depth + 1)
        else:
            _, slot, value = STORE_FAST[d.name]
            slot = slot.replace("(a + t)", f"({at})").replace("a + t", at)
            emit(f"{slot} = {_cached(value.format(rs2=d.rs2))}", g + j, depth + 1)
    emit("else:", g, depth)
    for j in range(len(run)):
        emit(pieces[first + j].cached, g + j, depth + 1)


@dataclass(frozen=True, slots=True)
class RegionCode:
    """The source of a region and, for each of its lines, the instruction it belongs to.

    `pcs` lists every instruction of the region (block after block), `done` how many
    instructions of its own block precede each one; `line_index[line - 1]` indexes both.
    """

    source: str
    line_index: tuple[int, ...]
    pcs: tuple[int, ...]
    done: tuple[int, ...]


class _Emitter:
    def __init__(self) -> None:
        self.lines = ["def block(c, x, f, rt, wt):"]
        self.index = [0]

    def __call__(self, text: str, k: int, depth: int) -> None:
        for line in text.splitlines():
            self.lines.append("    " * depth + line)
            self.index.append(k)


def region_source(segments: list[Segment]) -> RegionCode:  # noqa: C901 - one walk over the code
    """Generate the function fn(c, x, f, rt, wt) -> next pc for `segments` (entry first)."""
    labels = {pcs[0]: s for s, (_, pcs) in enumerate(segments)}
    multi = len(segments) > 1
    all_pcs: list[int] = []
    done: list[int] = []
    pieces: list[list[_Piece]] = []
    used: set[int] = set()
    written: set[int] = set()
    for instrs, pcs in segments:
        seg = [_piece(d, pc, k) for k, (d, pc) in enumerate(zip(instrs, pcs, strict=True))]
        pieces.append(seg)
        for d, piece in zip(instrs, seg, strict=True):
            if d.name not in _SIDE_EFFECTS:
                used |= piece.used
                written |= piece.written
        all_pcs.extend(pcs)
        done.extend(range(len(pcs)))
    writeback = "\n".join(f"x[{r}] = r{r}" for r in sorted(written))
    # where calls inside the region return to, when that is in the region too
    returns = sorted(
        {pc + d.length for instrs, pcs in segments for d, pc in zip(instrs, pcs, strict=True)
         if d.name == "jal" and d.xd != X_SINK} & labels.keys()
    )
    emit = _Emitter()

    def transfer(target: int, count: int, k: int, depth: int, cur: int, last: bool) -> None:
        """Leave block `cur` for `target` after `count` of its instructions."""
        emit(f"c.instret += {count}", k, depth)
        lab = labels.get(target)
        if lab is None:
            emit(f"pc = {target}\nbreak", k, depth)
        elif lab <= cur:
            if multi:
                emit(f"L = {lab}", k, depth)
            emit(f"if c.instret >= c._event_at:\n    pc = {target}\n    break\ncontinue", k, depth)
        elif last and lab == cur + 1:
            emit(f"L = {lab}", k, depth)  # falls into the next block's test
        else:
            emit(f"L = {lab}\ncontinue", k, depth)

    for r in sorted(used):
        emit(f"r{r} = x[{r}]", 0, 1)
    emit("try:", 0, 1)
    if multi:
        emit("L = 0", 0, 2)
    emit("while True:", 0, 2)
    base = 0
    for s, (instrs, pcs) in enumerate(segments):
        depth = 3
        if multi:
            emit(f"if L == {s}:", base, 3)
            depth = 4
        seg = pieces[s]
        n = len(instrs)
        runs = _memory_runs([d for d in instrs if d.name not in _SIDE_EFFECTS])
        skip_to = 0
        ended = False
        for k, (d, pc) in enumerate(zip(instrs, pcs, strict=True)):
            g = base + k
            if k < skip_to:
                continue
            if k in runs:
                _emit_run(instrs[k : runs[k] + 1], seg, emit, k, base, depth)
                skip_to = runs[k] + 1
                continue
            name = d.name
            piece = seg[k]
            if name in CONDITIONAL_BRANCHES:
                emit(piece.cached.splitlines()[0], g, depth)
                transfer((pc + d.imm) & M64, k + 1, g, depth + 1, s, False)
            elif name == "jal":
                if d.xd != X_SINK:
                    emit(f"r{d.xd} = {pc + d.length}", g, depth)
                transfer((pc + d.imm) & M64, k + 1, g, depth, s, False)
                ended = True
            elif name == "jalr":
                emit(piece.cached.replace("return a", f"c.instret += {k + 1}"), g, depth)
                for site in returns:  # a return to a call made inside the region
                    emit(f"if a == {site}:\n    L = {labels[site]}\n"
                         "    if c.instret < c._event_at:\n        continue", g, depth)
                emit("pc = a\nbreak", g, depth)
                ended = True
            elif name == "sret":
                if writeback:
                    emit(writeback, g, depth)
                emit(f"pc = c.sret({d.word})\nc.instret += {k + 1}\nreturn pc", g, depth)
                ended = True
            elif name in _SIDE_EFFECTS:
                if writeback:
                    emit(writeback, g, depth)
                emit(piece.text, g, depth)
                emit(f"c.instret += {k + 1}\nreturn {pc + d.length}", g, depth)
                ended = True
            else:
                emit(piece.cached, g, depth)
        if not ended:
            transfer(pcs[-1] + instrs[-1].length, n, base + n - 1, depth, s, True)
        base += n
    if writeback:
        emit(writeback, base - 1, 2)
    emit("return pc", base - 1, 2)
    emit("except BaseException:", base - 1, 1)
    if writeback:
        emit(writeback, base - 1, 2)
    emit("raise", base - 1, 2)
    return RegionCode("\n".join(emit.lines), tuple(emit.index), tuple(all_pcs), tuple(done))
