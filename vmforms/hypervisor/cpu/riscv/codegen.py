"""Python source for a region of guest code: one function that runs many basic blocks.

A region starts at a hot block and takes in the blocks it reaches by direct jumps, taken
branches, fall-throughs and returns from calls on the same page (the Cpu picks which).
Guest registers live in Python locals for the whole region: loaded once at entry, written
back at the one exit and, when an instruction traps, by the dispatcher from the region's
frame in the traceback (translate.Block.write_back), which no copy of the write-back in
the region itself need repeat.
Blocks are labelled 0..n-1 (tested in groups of four when there are more than four); a
transfer inside the region sets the label and moves on, so a loop of blocks runs in one
Python call, and so does a call to a function on the page: an indirect jump to the
address after a call in the region is its return and stays in. Every backward transfer
checks for a due event (timer, interrupt, run limit), so a loop never delays one.
c.instret advances at each block's end; a trap reports the instruction of its traceback
line and how many instructions of its block completed before it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

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
# A region using at least this many registers loads them by unpacking the register file.
UNPACK_ALL = 8
# A region of more blocks than this tests its labels a group of this many at a time.
LABEL_GROUP = 4

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
_BASE_ONLY = re.compile(r"a = (r\d+)\n")
_A = re.compile(r"\ba\b")
# an assignment to the sink of plain arithmetic on registers and numbers: no effect at all
_SINK_WRITE = re.compile(rf"^r{X_SINK} = [0-9a-fA-Fxr +\-&|^<>*()]*$", re.MULTILINE)
_SINK_ASSIGN = f"r{X_SINK} = "
_SIGN = re.compile(r"\bS\b")


def _cached(src: str) -> str:
    """Use locals r1..r31 for the guest registers; x0 reads are the constant 0.

    The mask and sign bit are spelled as literals so that Python folds constant addresses
    and looks up no global; an added zero (registers are already in range) disappears.
    """
    # (each rewriting runs only when its text can be there: this runs for every new word)
    src = _REG.sub(r"r\1", src.replace("x[0]", "0"))
    if "+ 0)" in src:
        src = _ADD_ZERO.sub(r"\1", _ADD_ZERO_MASKED.sub(r"\1", src))
    if "(0 + " in src:
        src = _ZERO_ADD.sub(r"\1", src)
    if "KeyError" in src:
        src = _ADDRESS.sub(r"a = \1 + \2", src)
        base = _BASE_ONLY.match(src)
        if base:  # an access at offset 0 uses its base register as the address
            src = _A.sub(base.group(1), src[base.end() :])
    if "M" in src:
        src = _MASK.sub("0xFFFFFFFFFFFFFFFF", src)
    if "S" in src:
        src = _SIGN.sub("0x8000000000000000", src)
    if _SINK_ASSIGN in src:
        src = _SINK_WRITE.sub("pass", src)  # a result nobody reads: nop, jr's link
    return src


@dataclass(frozen=True, slots=True)
class _Piece:
    """One instruction's source: as templated, with registers in locals, and its registers."""

    text: str
    cached: str
    used: frozenset[int]
    written: frozenset[int]


# The region emits its own transfers for branches and jal: of their piece it takes only
# the condition and the registers, which do not depend on the address, so they are made
# at address 0 and cached by word like the rest.
_OWN_TRANSFERS = CONDITIONAL_BRANCHES | {"jal"}
_PC_DEPENDENT = frozenset(
    name for name, t in TEMPLATES.items() if "{pc}" in t or "{npc}" in t or "{idx}" in t
) - _OWN_TRANSFERS
_pieces: dict[int, _Piece] = {}


def _piece(d: Instr, pc: int, k: int) -> _Piece:
    """The source of one instruction, cached by word unless it depends on its address."""
    if d.name not in _PC_DEPENDENT:
        piece = _pieces.get(d.word)
        if piece is not None:
            return piece
        pc = k = 0
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


# Instructions a run of accesses cannot span: they end the block or call the Cpu. A
# conditional branch can be spanned: its taken side leaves, its fall-through stays.
_RUN_STOPS = _SIDE_EFFECTS | {"jal", "jalr"}


def _run_end(instrs: tuple[Instr, ...], k: int, hi: int) -> int:
    """The last access of the run that starts at instrs[k], within instrs[:hi]; -1 if none.

    A run (memcpy's unrolled loop, a struct's fields, a function's stack slots) holds two
    or more aligned accesses through one base register and needs one TLB lookup and one
    range check instead of one per access. It goes from an access to the last access
    through the same base before anything that changes the base or ends the block; other
    instructions in between (side exits included) come along unchanged.
    """
    d = instrs[k]
    reg = d.rs1
    if reg == 0 or not _in_run(d, reg):
        return -1
    end = j = k
    while instrs[j].xd != reg and j + 1 < hi:
        nxt = instrs[j + 1]
        if nxt.name in _RUN_STOPS:
            break
        if _in_run(nxt, reg):
            end = j + 1
        elif nxt.xd == reg:
            break
        j += 1
    return end if end > k else -1


_SHIFT = {1: 0, 2: 1, 4: 2, 8: 3}
MAX_NESTED = 2  # runs through different bases inside one another: each doubles the code


def _in_run(d: Instr, reg: int) -> bool:
    acc = _access(d)
    return acc is not None and d.rs1 == reg and not d.imm % acc[0]


Base = tuple[str, frozenset[int]]  # a checked base's host offset name, and its view indexes


_fast_texts: dict[tuple[int, Base], str] = {}


def _fast_access(d: Instr, base: Base) -> str:
    """The access `d` through a checked base: no lookup, no range check."""
    text = _fast_texts.get((d.word, base))
    if text is None:
        text = _fast_texts[d.word, base] = _fast_access_text(d, base)
    return text


def _fast_access_text(d: Instr, base: Base) -> str:
    hb, views = base
    size = _access(d)[0]  # type: ignore[index]

    def at(text: str) -> str:
        shift = _SHIFT[size]
        if size in views:
            index = f"{hb}_{size} + {d.imm >> shift}" if d.imm else f"{hb}_{size}"
            return text.replace(f"(a + t) >> {shift}", index)
        where = f"{hb} + {d.imm}" if d.imm else hb
        return text.replace("(a + t)", f"({where})").replace("a + t", where)

    if d.name in LOAD_FAST:
        return _cached(f"r{d.xd} = {at(LOAD_FAST[d.name][1])}")
    _, slot, value = STORE_FAST[d.name]
    return f"{at(slot)} = {_cached(value.format(rs2=d.rs2))}"


class _Accesses:
    """Emits a block's instructions, checking runs of accesses once (nested up to
    MAX_NESTED bases); `one(k, depth)` emits instruction k the usual way, `leave(k, depth)`
    leaves the region before instruction k when a run's check fails (False when k is the
    region's entry, whose block would be this region again: the run is then emitted a
    second time with a check at each access)."""

    def __init__(self, instrs: tuple[Instr, ...], emit: Callable[[str, int, int], None],
                 one: Callable[[int, int], bool], leave: Callable[[int, int], bool],
                 base: int) -> None:
        self.instrs = instrs
        self.emit = emit
        self.one = one
        self.leave = leave
        self.base = base

    def seq(self, lo: int, hi: int, depth: int, active: dict[int, Base],
            unchecked: frozenset[int] = frozenset()) -> bool:
        """Emit instrs[lo:hi]; True when the last one ends the block. Accesses through
        the `active` bases need no checks; `unchecked` bases failed theirs here."""
        instrs = self.instrs
        ended = False
        k = lo
        while k < hi:
            d = instrs[k]
            checked = active.get(d.rs1) if _in_run(d, d.rs1) else None
            if checked is not None:
                self.emit(_fast_access(d, checked), self.base + k, depth)
                k += 1
                continue
            end = -1
            if len(active) < MAX_NESTED and d.rs1 not in unchecked:
                end = _run_end(instrs, k, hi)
            if end < 0:
                ended = self.one(k, depth)
                k += 1
                continue
            self.run(k, end, depth, active, unchecked)
            k = end + 1
        return ended

    def run(self, lo: int, end: int, depth: int, active: dict[int, Base],
            unchecked: frozenset[int]) -> None:
        reg = self.instrs[lo].rs1
        mine = [d for d in self.instrs[lo : end + 1] if _in_run(d, reg)]
        sizes = [_access(d)[0] for d in mine]  # type: ignore[index]
        store = any(d.name in STORE_FAST for d in mine)
        low = max(0, -min(d.imm for d in mine))
        high = 0x1000 - max(d.imm + size for d, size in zip(mine, sizes, strict=True))
        g = self.base + lo
        hb = f"m{reg}"
        self.emit(f"t = {'wt' if store else 'rt'}.get(r{reg} & {KEY[max(sizes)]:#x})", g, depth)
        floor = f"{low} <= " if low else ""
        self.emit(f"if t is not None and {floor}(r{reg} & 0xFFF) <= {high}:", g, depth)
        self.emit(f"{hb} = r{reg} + t", g, depth + 1)
        # the base's index in each view used more than once: it is aligned to max(sizes)
        views = frozenset(size for size in sizes if size > 1 and sizes.count(size) > 1)
        for size in sorted(views):
            self.emit(f"{hb}_{size} = {hb} >> {_SHIFT[size]}", g, depth + 1)
        self.seq(lo, end + 1, depth + 1, {**active, reg: (hb, views)}, unchecked)
        self.emit("else:", g, depth)
        if not self.leave(lo, depth + 1):
            self.seq(lo, end + 1, depth + 1, active, unchecked | {reg})


# Results that are always a sign-extended 32-bit value (bits 63..31 all equal).
_SX_RESULTS = frozenset({
    "addw", "subw", "sllw", "srlw", "sraw", "mulw", "divw", "divuw", "remw", "remuw",
    "addiw", "slliw", "srliw", "sraiw", "lw", "lh", "lb", "lhu", "lbu", "lui",
    "slt", "sltu", "slti", "sltiu", "lr.w", "sc.w", "sc.d", "fmv.x.w",
})


def _sx_keeping(d: Instr, sx: set[int]) -> bool:
    """Whether `d`'s result is sign-extended given the registers `sx` that are."""
    name = d.name
    a = d.rs1 == 0 or d.rs1 in sx
    if name in ("and", "or", "xor"):
        return a and (d.rs2 == 0 or d.rs2 in sx)
    if name == "add":  # a move (c.mv)
        return d.rs1 == 0 and d.rs2 in sx or d.rs2 == 0 and d.rs1 in sx
    if name in ("ori", "xori"):  # the immediate is a sign-extended 12-bit value
        return a
    if name == "andi":
        return a or d.imm >= 0
    if name == "addi":  # a move, or a small constant
        return a and d.imm == 0 or d.rs1 == 0
    return name == "srli" and d.imm > 32


def _simplified(instrs: tuple[Instr, ...], texts: list[str]) -> None:
    """Drop sign extensions (sext.w) of values known to be sign-extended already.

    Within one block: what a register holds at its start is unknown. 32-bit code (hash
    and crypto rounds) spends a tenth of its instructions on these.
    """
    sx: set[int] = set()
    for k, d in enumerate(instrs):
        name = d.name
        if name == "addiw" and d.imm == 0 and (d.rs1 in sx or d.rs1 == 0):
            src = f"r{d.rs1}" if d.rs1 else "0"
            texts[k] = "pass" if d.rs1 == d.xd else f"r{d.xd} = {src}"
        if d.xd == X_SINK:
            continue
        if name in _SX_RESULTS or _sx_keeping(d, sx):
            sx.add(d.xd)
        else:
            sx.discard(d.xd)


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


_INDENTS = ["    " * depth for depth in range(16)]


class _Emitter:
    def __init__(self) -> None:
        self.lines = ["def block(c, x, f, rt, wt):"]
        self.index = [0]

    def __call__(self, text: str, k: int, depth: int) -> None:
        indent = _INDENTS[depth]
        if "\n" not in text:
            self.lines.append(indent + text)
            self.index.append(k)
            return
        lines = text.splitlines()
        self.lines.extend(indent + line for line in lines)
        self.index.extend([k] * len(lines))


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

    def leave_before(s: int, pcs: tuple[int, ...], base: int, k: int, depth: int) -> bool:
        """Leave for instruction k of block s, which the dispatcher finds as a block of its
        own (never a label: a block starting there would fail the same check again)."""
        if s == 0 and k == 0:
            return False
        if k:
            emit(f"c.instret += {k}", base + k, depth)
        emit(f"pc = {pcs[k]}\nbreak", base + k, depth)
        return True

    def instruction(s: int, instrs: tuple[Instr, ...], pcs: tuple[int, ...], seg: list[_Piece],
                    texts: list[str], base: int, k: int, depth: int) -> bool:
        """Emit instruction k of block s (at `base`); True when it ends the block."""
        d = instrs[k]
        pc = pcs[k]
        g = base + k
        name = d.name
        piece = seg[k]
        if name in CONDITIONAL_BRANCHES:
            emit(piece.cached.splitlines()[0], g, depth)
            transfer((pc + d.imm) & M64, k + 1, g, depth + 1, s, False)
        elif name == "jal":
            if d.xd != X_SINK:
                emit(f"r{d.xd} = {pc + d.length}", g, depth)
            transfer((pc + d.imm) & M64, k + 1, g, depth, s, False)
            return True
        elif name == "jalr":
            emit(piece.cached.replace("return a", f"c.instret += {k + 1}"), g, depth)
            for site in returns:  # a return to a call made inside the region
                emit(f"if a == {site}:\n    L = {labels[site]}\n"
                     "    if c.instret < c._event_at:\n        continue", g, depth)
            emit("pc = a\nbreak", g, depth)
            return True
        elif name in ("sret", "mret"):
            if writeback:
                emit(writeback, g, depth)
            emit(f"pc = c.{name}({d.word})\nc.instret += {k + 1}\nreturn pc", g, depth)
            return True
        elif name in _SIDE_EFFECTS:
            if writeback:
                emit(writeback, g, depth)
            emit(piece.text, g, depth)
            emit(f"c.instret += {k + 1}\nreturn {pc + d.length}", g, depth)
            return True
        else:
            emit(texts[k], g, depth)
        return False

    if len(used) >= UNPACK_ALL:
        # one unpacking of the whole file beats many subscripts; unused slots go to _
        names = ", ".join(f"r{r}" if r in used else "_" for r in range(X_SINK + 1))
        emit(f"{names} = x", 0, 1)
    else:
        for r in sorted(used):
            emit(f"r{r} = x[{r}]", 0, 1)
    if multi:
        emit("L = 0", 0, 1)
    emit("while True:", 0, 1)
    base = 0
    for s, (instrs, pcs) in enumerate(segments):
        depth = 2
        if len(segments) > LABEL_GROUP:
            # blocks in groups: a label is found past one test per group before it and
            # the tests of its own group, not one test per block before it
            if s % LABEL_GROUP == 0:
                emit(f"if L < {s + LABEL_GROUP}:", base, 2)
            emit(f"if L == {s}:", base, 3)
            depth = 4
        elif multi:
            emit(f"if L == {s}:", base, 2)
            depth = 3
        seg = pieces[s]
        texts = [piece.cached for piece in seg]
        _simplified(instrs, texts)
        n = len(instrs)
        one = partial(instruction, s, instrs, pcs, seg, texts, base)
        leave = partial(leave_before, s, pcs, base)
        ended = _Accesses(instrs, emit, one, leave, base).seq(0, len(instrs), depth, {})
        if not ended:
            transfer(pcs[-1] + instrs[-1].length, n, base + n - 1, depth, s, True)
        base += n
    if writeback:
        emit(writeback, base - 1, 1)
    emit("return pc", base - 1, 1)
    return RegionCode("\n".join(emit.lines), tuple(emit.index), tuple(all_pcs), tuple(done))
