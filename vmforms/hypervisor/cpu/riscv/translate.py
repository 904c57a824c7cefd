"""Building executable Python from the semantic templates: handlers and basic blocks.

The interpreter's handler for a mnemonic is its template compiled once with the fields
read from the decoded `Instr`. The translator concatenates the templates of a basic block
(up to a control transfer, a CSR access or the end of the page) with every field and
address folded in as a literal, so one Python call executes the whole block. When an
instruction inside a block traps, the traceback's line number says which one it was.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vmforms.hypervisor.cpu.riscv.decoder import X_SINK, Instr
from vmforms.hypervisor.cpu.riscv.semantics import LOAD_FAST, STORE_FAST, TEMPLATES, TERMINATORS
from vmforms.hypervisor.cpu.riscv.trap import Trap

Handler = Callable[..., int]
HandlerFactory = Callable[..., Handler]
BlockFn = Callable[..., int]

MAX_BLOCK = 64
M64 = 0xFFFFFFFF_FFFFFFFF

_FIELDS = ("xd", "rd", "rs1", "rs2", "rs3", "imm", "rm", "word", "length")
_INTERP_FIELDS = {name: name for name in _FIELDS} | {"npc": "(pc + length)", "pc": "pc", "idx": "0"}


def _indent(src: str, prefix: str = "    ") -> str:
    return "".join(prefix + line + "\n" for line in src.splitlines())


def compile_handlers(namespace: dict[str, Any]) -> dict[str, HandlerFactory]:
    """One factory per mnemonic, making handler(c, x, f, rt, wt, pc) -> next pc.

    The factory binds the decoded fields of one instruction word as closure variables,
    so the handler reads them as cheaply as locals.
    """
    parts = []
    names = {}
    params = ", ".join(_FIELDS)
    for k, (name, template) in enumerate(sorted(TEMPLATES.items())):
        fn = f"make{k}"
        names[name] = fn
        body = template.format(**_INTERP_FIELDS)
        parts.append(
            f"def {fn}({params}):\n    def handler(c, x, f, rt, wt, pc):\n"
            f"{_indent(body, '        ')}        return pc + length\n    return handler\n"
        )
    exec(compile("\n".join(parts), "<riscv handlers>", "exec"), namespace)
    return {name: namespace[fn] for name, fn in names.items()}


def bind_handler(factories: dict[str, HandlerFactory], d: Instr) -> Handler:
    """The handler of one decoded instruction."""
    return factories[d.name](d.xd, d.rd, d.rs1, d.rs2, d.rs3, d.imm, d.rm, d.word, d.length)


@dataclass(slots=True)
class Block:
    """A basic block of the translate engine, cold (interpreted) or translated.

    It starts cold: `fn` runs the decoded instructions through the interpreter's handlers
    and counts `heat`; once hot, the Cpu compiles it and swaps in the translated `fn`,
    `first_line` and `line_index` in place, so every cache that holds the block sees the
    change. `raw` holds the instruction bytes, to recognise the same code when it comes
    back after an invalidation.
    """

    pc: int
    fn: BlockFn
    count: int
    ends_with_terminator: bool
    pcs: tuple[int, ...]
    instrs: tuple[Instr, ...]
    raw: bytes = b""
    first_line: int = 0
    line_index: tuple[int, ...] = ()
    heat: int = 0
    fault_index: int = 0  # for a cold block: how many instructions completed before a trap

    @property
    def translated(self) -> bool:
        return bool(self.line_index)

    def index_of(self, tb: Any) -> int:
        """How many instructions of this block completed before the traceback's fault."""
        if not self.line_index:
            return self.fault_index
        code = self.fn.__code__
        while tb is not None:
            if tb.tb_frame.f_code is code:
                line: int = tb.tb_lineno
                return self.line_index[line - self.first_line]
            tb = tb.tb_next
        return 0


def cold_block(
    instrs: list[Instr], pcs: list[int], handlers: list[Handler], raw: bytes
) -> Block:
    """A block that interprets its instructions and asks to be compiled once hot."""
    # each item: the handler, its address, and the address that continues the block
    items = tuple(zip(handlers, pcs, [*pcs[1:], -1], strict=True))
    n = len(items)

    def run(c: Any, x: list[int], f: list[int], rt: Any, wt: Any) -> int:
        k = 0
        npc = 0
        try:
            for handler, pc, nxt in items:
                npc = handler(c, x, f, rt, wt, pc)
                k += 1
                if npc != nxt:
                    break  # a taken branch: a side exit
        except Trap:
            block.fault_index = k
            raise
        c.instret += k
        block.heat += 1
        if block.heat >= c.hot_threshold:
            c.promote(block)
        return npc

    block = Block(
        pcs[0], run, n, is_terminator(instrs[-1].name), tuple(pcs), tuple(instrs), raw
    )
    return block


def is_terminator(name: str) -> bool:
    return name in TERMINATORS


# Terminators whose semantics call into the Cpu with the register file in hand (the
# firmware reads and writes x on ecall): the block's cached registers are written back
# before them, and they use the list itself.
_SIDE_EFFECTS = frozenset({
    "ecall", "ebreak", "sret", "mret", "wfi", "fence.i", "sfence.vma", "illegal",
    "csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci",
})
_BRANCHES = frozenset({"beq", "bne", "blt", "bge", "bltu", "bgeu", "jal"})
_REG = re.compile(r"x\[(\d+)\]")
_WRITE = re.compile(r"^\s*x\[(\d+)\] = ")


def _fields(d: Instr, pc: int, k: int) -> dict[str, int]:
    return {
        "xd": d.xd, "rd": d.rd, "rs1": d.rs1, "rs2": d.rs2, "rs3": d.rs3, "imm": d.imm,
        "rm": d.rm, "word": d.word, "pc": pc, "npc": pc + d.length, "idx": k,
    }


_ADD_ZERO = re.compile(r"\((r\d+) \+ 0\) & M\b")
_MASK = re.compile(r"\bM\b")


def _cached(src: str) -> str:
    """Use locals r1..r31 for the guest registers; x0 reads are the constant 0.

    The mask is spelled as a literal so that Python folds constant addresses, and an
    added zero offset (registers are already in range) disappears.
    """
    src = _REG.sub(lambda m: "0" if m.group(1) == "0" else f"r{m.group(1)}", src)
    src = _ADD_ZERO.sub(r"\1", src)
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
    text = TEMPLATES[d.name].format(**_fields(d, pc, k))
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


def _emit_run(run: list[Instr], pieces: list[_Piece], emit: Callable[[str, int, int], None],
              first: int, depth: int) -> None:
    """One checked lookup for a run of accesses, with the per-access code as the fallback."""
    base = run[0].rs1
    sizes = [_access(d) for d in run]
    store = any(acc[1] for acc in sizes if acc)
    lo = max(0, -min(d.imm for d in run))
    hi = 0x1000 - max(d.imm + (acc[0] if acc else 8) for d, acc in zip(run, sizes, strict=True))
    align = max(acc[0] for acc in sizes if acc) - 1
    emit(f"a = r{base}", first, depth)
    emit(f"t = {'wt' if store else 'rt'}.get(a >> 12)", first, depth)
    emit(f"if t is not None and not a & {align} and {lo} <= (a & 0xFFF) <= {hi}:", first, depth)
    emit("hb = a + t", first, depth + 1)
    for j, d in enumerate(run):
        at = f"hb + {d.imm}"
        if d.name in LOAD_FAST:
            expr = LOAD_FAST[d.name][1].replace("(a + t)", f"({at})").replace("a + t", at)
            emit(f"r{d.xd} = {expr}", first + j, depth + 1)
        else:
            _, slot, value = STORE_FAST[d.name]
            slot = slot.replace("(a + t)", f"({at})").replace("a + t", at)
            emit(f"{slot} = {_cached(value.format(rs2=d.rs2))}", first + j, depth + 1)
    emit("else:", first, depth)
    for j in range(len(run)):
        emit(pieces[first + j].cached, first + j, depth + 1)


def compile_block(
    instrs: list[Instr], pcs: list[int], namespace: dict[str, Any]
) -> tuple[BlockFn, tuple[int, ...]]:
    """Translate a straight-line run of instructions into one function fn(c, x, f, rt, wt).

    Guest registers live in Python locals for the length of the block: loaded once at
    entry, written back at every exit and, when an instruction traps, by the handler
    around the body. The block adds its length to c.instret when it completes. A block
    with a branch back to its own start loops inside the function until the loop ends or
    an event (timer, interrupt, run limit) is due. Conditional branches inside the block
    are side exits: taken, they count the instructions so far and return.
    """
    n = len(instrs)
    last = instrs[-1]
    pieces = [_piece(d, pc, k) for k, (d, pc) in enumerate(zip(instrs, pcs, strict=True))]
    side_effect_end = last.name in _SIDE_EFFECTS
    used: set[int] = set()
    written: set[int] = set()
    for piece in pieces[: n - 1 if side_effect_end else n]:
        used |= piece.used
        written |= piece.written
    loops = any(
        d.name in _BRANCHES and (pc + d.imm) & M64 == pcs[0]
        for d, pc in zip(instrs, pcs, strict=True)
    )
    writeback = [f"x[{r}] = r{r}" for r in sorted(written)]
    lines = ["def block(c, x, f, rt, wt):"]
    index = [0]

    def emit(text: str, k: int, depth: int) -> None:
        for line in text.splitlines():
            lines.append("    " * depth + line)
            index.append(k)

    for r in sorted(used):
        emit(f"r{r} = x[{r}]", 0, 1)
    emit("try:", 0, 1)
    depth = 2
    if loops:
        emit("while True:", 0, 2)
        depth = 3
    count = f"c.instret += {n}"
    exits = [count, *writeback]
    runs = _memory_runs(instrs if not side_effect_end else instrs[:-1])
    skip_to = 0
    for k in range(n):
        if k < skip_to:
            continue
        if k in runs:
            _emit_run(instrs[k : runs[k] + 1], pieces, emit, k, depth)
            skip_to = runs[k] + 1
            if runs[k] == n - 1:
                break
            continue
        piece = pieces[k]
        if k == n - 1 and side_effect_end:
            for wb in writeback:
                emit(wb, k, depth)
            exits = [count]
            text = piece.text
        else:
            exits = [count, *writeback]
            text = piece.cached
        if "return " in text:
            d = instrs[k]
            back = d.name in _BRANCHES and (pcs[k] + d.imm) & M64 == pcs[0]
            done = f"c.instret += {k + 1}"
            for line in text.splitlines():
                stripped = line.lstrip()
                pad = line[: len(line) - len(stripped)]
                if stripped.startswith("return "):
                    emit(pad + done, k, depth)
                    if back:
                        emit(pad + "if c.instret < c._event_at:", k, depth)
                        emit(pad + "    continue", k, depth)
                    for e in exits[1:]:
                        emit(pad + e, k, depth)
                emit(line, k, depth)
        else:
            emit(text, k, depth)
    if last.name not in ("jal", "jalr", "sret"):  # those always return
        for e in exits:
            emit(e, n - 1, depth)
        emit(f"return {pcs[-1] + last.length}", n - 1, depth)
    emit("except BaseException:", n - 1, 1)
    for wb in writeback:
        emit(wb, n - 1, 2)
    emit("raise", n - 1, 2)
    exec(compile("\n".join(lines), f"<block {pcs[0]:#x}>", "exec"), namespace)
    fn: BlockFn = namespace.pop("block")
    return fn, tuple(index)


def translate_block(block: Block, namespace: dict[str, Any]) -> None:
    """Compile a hot block in place."""
    fn, index = compile_block(list(block.instrs), list(block.pcs), namespace)
    block.fn = fn
    block.first_line = 1
    block.line_index = index
