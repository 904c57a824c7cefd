"""Building executable Python from the semantic templates: handlers and blocks.

The interpreter's handler for a mnemonic is its template compiled once with the fields
read from the decoded `Instr`. The translate engine's blocks (up to a jump, a CSR access or
the end of the page; conditional branches leave through side exits) start cold, run by
those handlers, and once hot are compiled together with the blocks they lead to into one
Python function (`codegen.py`). When an instruction inside a translated block traps, the
traceback's line number says which one it was.
"""

# (annotations stay text: the closures cold_block makes for every new block would otherwise
# evaluate theirs each time, objects the collector then tracks for the block's lifetime)
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vmforms.hypervisor.cpu.riscv.codegen import Segment, region_source
from vmforms.hypervisor.cpu.riscv.decoder import Instr
from vmforms.hypervisor.cpu.riscv.semantics import TEMPLATES
from vmforms.hypervisor.cpu.riscv.trap import Trap

Handler = Callable[..., int]
HandlerFactory = Callable[..., Handler]
BlockFn = Callable[..., int]

MAX_BLOCK = 64
CSR_ACCESSES = frozenset({"csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci"})

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
    and counts `heat`; once hot, the Cpu compiles it, with the blocks it leads to, and swaps
    in the translated `fn`, `first_line`, `line_index`, `pcs` and `done` in place, so every
    cache that holds the block sees the change. `raw` holds the instruction bytes (from pc
    to the end of the region once translated), to recognise the same code when it comes
    back after an invalidation.
    """

    pc: int
    fn: BlockFn
    count: int
    pcs: tuple[int, ...]
    instrs: tuple[Instr, ...]
    raw: bytes = b""
    first_line: int = 0
    line_index: tuple[int, ...] = ()
    heat: int = 0
    fault_index: int = 0  # for a cold block: how many instructions completed before a trap
    fault_done: int = 0  # ... and how many of them are not yet counted in instret
    # translated: for each instruction of `pcs`, how many of its own block precede it
    done: tuple[int, ...] = ()

    @property
    def translated(self) -> bool:
        return bool(self.line_index)

    def ran(self, c: Any, k: int) -> None:
        """A cold run of `k` instructions ended: count them; compile the block once hot."""
        c.instret += k
        self.heat += 1
        if self.heat >= c.hot_threshold:
            c.promote(self)

    def fault_point(self, tb: Any) -> tuple[int, int]:
        """The faulting instruction's address, and how many instructions of its block
        completed before it (a translated region has counted the blocks before)."""
        if not self.line_index:
            return self.pcs[self.fault_index], self.fault_done
        code = self.fn.__code__
        while tb is not None:
            if tb.tb_frame.f_code is code:
                line: int = tb.tb_lineno
                k = self.line_index[line - self.first_line]
                return self.pcs[k], self.done[k]
            tb = tb.tb_next
        return self.pc, 0

    def write_back(self, tb: Any, x: list[int]) -> None:
        """After an exception out of a translated region: store the guest registers it
        held in locals (r1..r31 of its frame in the traceback) into `x`. Registers it
        only read still hold what it loaded from `x`."""
        if not self.line_index:
            return  # cold: the handlers work on x itself
        code = self.fn.__code__
        while tb is not None:
            frame = tb.tb_frame
            if frame.f_code is code:
                for name, value in frame.f_locals.items():
                    n = _LOCAL_REGISTERS.get(name)
                    if n is not None:
                        x[n] = value
                return
            tb = tb.tb_next


_LOCAL_REGISTERS = {f"r{n}": n for n in range(1, 32)}


def cold_block(
    instrs: list[Instr], pcs: list[int], handlers: list[Handler], raw: bytes
) -> Block:
    """A block that interprets its instructions and asks to be compiled once hot."""
    # each item: the handler, its address, and the address that continues the block
    items = tuple(zip(handlers, pcs, [*pcs[1:], -1], strict=True))
    n = len(items)
    block = Block(pcs[0], _no_code, n, tuple(pcs), tuple(instrs), raw)
    if instrs[-1].name not in CSR_ACCESSES:

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
                block.fault_index = block.fault_done = k
                raise
            block.ran(c, k)
            return npc

        block.fn = run
        return block

    body = items[:-1]
    last, last_pc = handlers[-1], pcs[-1]

    def run_to_csr(c: Any, x: list[int], f: list[int], rt: Any, wt: Any) -> int:
        """`run` for a block that ends in a CSR access, which may read or write the
        counters: the instructions before it are counted first."""
        k = 0
        npc = 0
        tail = False
        try:
            for handler, pc, nxt in body:
                npc = handler(c, x, f, rt, wt, pc)
                k += 1
                if npc != nxt:
                    break
            else:
                c.instret += k
                tail = True
                npc = last(c, x, f, rt, wt, last_pc)
                k = 1
        except Trap:
            block.fault_index, block.fault_done = (n - 1, 0) if tail else (k, k)
            raise
        block.ran(c, k)
        return npc

    block.fn = run_to_csr
    return block


def _no_code(c: Any, x: list[int], f: list[int], rt: Any, wt: Any) -> int:
    raise AssertionError("a block ran before its code was set")


def translate_block(block: Block, segments: list[Segment], namespace: dict[str, Any]) -> None:
    """Compile a hot block, with the blocks it leads to (`segments`, itself first), in place."""
    code = region_source(segments)
    exec(compile(code.source, f"<block {block.pc:#x}>", "exec"), namespace)
    block.fn = namespace.pop("block")
    block.first_line = 1
    block.line_index = code.line_index
    block.pcs = code.pcs
    block.done = code.done
    block.count = len(code.pcs)
