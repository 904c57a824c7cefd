"""The translate engine: basic blocks keyed by RAM address, cold until hot, then compiled.

Blocks are found by virtual pc in a map that lives with the TLB (flushed with it), and
behind that by their RAM offset, which survives address-space switches. A RAM page that
holds blocks is kept out of the write TLBs, so a store to it reaches the slow path and
drops the page's blocks (Zifencei allows less; Linux relies on fence.i anyway).
"""

import marshal
from types import FunctionType
from typing import TYPE_CHECKING, Any

from vmforms.hypervisor.cpu.riscv.decoder import Instr
from vmforms.hypervisor.cpu.riscv.semantics import BLOCK_ENDS
from vmforms.hypervisor.cpu.riscv.tcache import TranslationCache
from vmforms.hypervisor.cpu.riscv.translate import (
    MAX_BLOCK,
    Block,
    Handler,
    cold_block,
    translate_block,
)
from vmforms.hypervisor.cpu.riscv.trap import Trap
from vmforms.hypervisor.memory import GuestMemory

MAX_KNOWN = 200_000  # blocks kept for reuse after an invalidation

Tlb = dict[int, int]


class BlockEngineMixin:
    """Block lookup, promotion and the run loop of the translate engine."""

    memory: GuestMemory
    x: list[int]
    f: list[int]
    pc: int
    instret: int
    hot_threshold: int
    xt: Tlb
    rt: Tlb
    wt: Tlb
    vb: dict[int, Any]
    _event_at: int
    _H: memoryview
    _namespace: dict[str, Any]
    _blocks: dict[int, Block]
    _known: dict[int, Block]
    translation_cache: TranslationCache | None
    compiled_blocks: int
    _decoded: dict[int, tuple[Handler, Instr, bool]]
    _code_pages: dict[int, list[int]]

    if TYPE_CHECKING:

        def fetch_translate(self, pc: int) -> int: ...

        def flush_write_tlb(self) -> None: ...

        def flush_block_map(self) -> None: ...

        def take_trap(self, cause: int, tval: int, pc: int) -> None: ...

        def _fetch_word(self, pc: int) -> int: ...

        def _service(self, limit: int) -> bool: ...

        def _decode_entry(self, word: int) -> tuple[Handler, Instr, bool]: ...

    def flush_icache(self) -> None:
        """Forget every block (fence.i, or an SBI remote fence.i)."""
        self._blocks.clear()
        self._code_pages.clear()
        self.flush_block_map()

    def invalidate_code(self, page: int) -> None:
        keys = self._code_pages.pop(page, None)
        if keys:
            for key in keys:
                self._blocks.pop(key, None)
            self.flush_block_map()

    def promote(self, block: Block) -> None:
        """Compile a block that became hot; it keeps its identity in every cache."""
        cache = self.translation_cache
        stored = cache.get((block.pc, block.raw)) if cache is not None and block.raw else None
        if stored is not None:
            block.fn = FunctionType(marshal.loads(stored[0]), self._namespace)
            block.first_line = 1
            block.line_index = stored[1]
            return
        translate_block(block, self._namespace)
        self.compiled_blocks += 1
        if cache is not None and block.raw:
            cache.put((block.pc, block.raw), marshal.dumps(block.fn.__code__), block.line_index)

    def _decode_block(
        self, pc: int, delta: int
    ) -> tuple[list[Instr], list[int], list[Handler], bool, int]:
        """Decode from `pc` to the block's end: instructions, addresses, handlers, whether
        it may be cached (it stays in one page), and the address after it."""
        instrs: list[Instr] = []
        pcs: list[int] = []
        addr = pc
        cacheable = True
        hw = self._H
        decoded = self._decoded
        handlers: list[Handler] = []
        while len(instrs) < MAX_BLOCK:
            if addr & 0xFFF == 0xFFE and hw[(addr + delta) >> 1] & 3 == 3:
                if instrs:
                    break
                w = self._fetch_word(addr)  # crosses into the next page: never cached
                cacheable = False
            else:
                w = hw[(addr + delta) >> 1]
                if w & 3 == 3:
                    w |= hw[((addr + delta) >> 1) + 1] << 16
            entry = decoded.get(w)
            if entry is None:
                entry = self._decode_entry(w)
            d = entry[1]
            handlers.append(entry[0])
            instrs.append(d)
            pcs.append(addr)
            addr += d.length
            if d.name in BLOCK_ENDS or not cacheable or addr & 0xFFF == 0:
                break
        return instrs, pcs, handlers, cacheable, addr

    def _install(self, key: int, block: Block) -> None:
        """Make `block` the one at RAM offset `key`; its page leaves the write TLBs."""
        self._blocks[key] = block
        page = key >> 12
        if page not in self._code_pages:
            self._code_pages[page] = []
            self.flush_write_tlb()
        self._code_pages[page].append(key)

    def _block_at(self, pc: int) -> Block:
        """The block for virtual `pc`: cached, seen before at this pc, or a new cold one.

        A block dropped by fence.i or by a store to its page is taken back, heat and
        translation included, when the same bytes are found at the same address again.
        """
        delta = self.xt.get(pc >> 12)
        if delta is None:
            delta = self.fetch_translate(pc)
        key = pc + delta
        block = self._blocks.get(key)
        if block is None or block.pc != pc:
            old = self._known.get(pc)
            data = self.memory.data
            if old is not None and data[key : key + len(old.raw)] == old.raw:
                block = old
            else:
                instrs, pcs, handlers, cacheable, end = self._decode_block(pc, delta)
                raw = bytes(data[key : key + (end - pc)]) if cacheable else b""
                block = cold_block(instrs, pcs, handlers, raw)
                cache = self.translation_cache
                if self.hot_threshold <= 1 or (
                    cache is not None and raw and cache.get((pc, raw)) is not None
                ):
                    self.promote(block)
                if not cacheable:
                    return block
                if len(self._known) >= MAX_KNOWN:
                    self._known.clear()
                self._known[pc] = block
            self._install(key, block)
        self.vb[pc] = block
        return block

    def _run_blocks(self, limit: int) -> None:
        x, f = self.x, self.f
        rt, wt, vb = self.rt, self.wt, self.vb
        pc = self.pc
        while True:
            if self.instret >= self._event_at:
                self.pc = pc
                if self._service(limit):
                    return
                pc = self.pc
                rt, wt, vb = self.rt, self.wt, self.vb
            block = vb.get(pc)
            try:
                if block is None:
                    block = self._block_at(pc)
                    wt = self.wt
                pc = block.fn(self, x, f, rt, wt)
                if block.ends_with_terminator:
                    rt, wt, vb = self.rt, self.wt, self.vb
            except Trap as trap:
                if block is None:  # the fetch itself faulted
                    self.take_trap(trap.cause, trap.tval, pc)
                else:
                    done = block.index_of(trap.__traceback__)
                    self.instret += done
                    self.take_trap(trap.cause, trap.tval, block.pcs[done])
                pc = self.pc
                rt, wt, vb = self.rt, self.wt, self.vb
                limit -= 1  # a handler that faults forever still ends the run
                self._event_at = 0
