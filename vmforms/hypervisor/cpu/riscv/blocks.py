"""The translate engine: basic blocks keyed by RAM address, cold until hot, then compiled
with the warm blocks they lead to on their page into one region (codegen.py).

Blocks are found by virtual pc in a map that lives with the TLB (flushed with it), and
behind that by their RAM offset, which survives address-space switches. A RAM page that
holds blocks is kept out of the write TLBs, so a store to it reaches the slow path and
drops the page's blocks (Zifencei allows less; Linux relies on fence.i anyway).
"""

import marshal
from types import FunctionType
from typing import TYPE_CHECKING, Any

from vmforms.hypervisor.cpu.riscv.codegen import Segment
from vmforms.hypervisor.cpu.riscv.decoder import Instr
from vmforms.hypervisor.cpu.riscv.semantics import BLOCK_ENDS, CONDITIONAL_BRANCHES
from vmforms.hypervisor.cpu.riscv.tcache import Entry, TranslationCache
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
# A region takes in blocks that ran at least 1/REGION_HEAT as often as the hot one, up to
# MAX_SEGMENTS blocks and MAX_REGION instructions: beyond, compiling costs more than it saves.
REGION_HEAT = 4
MAX_SEGMENTS = 16
MAX_REGION = 256


def _successors(seg: Segment) -> list[int]:
    """The addresses a block may continue at that are known before it runs."""
    instrs, pcs = seg
    out = [
        (pc + d.imm) & 0xFFFFFFFF_FFFFFFFF
        for d, pc in zip(instrs, pcs, strict=True)
        if d.name in CONDITIONAL_BRANCHES or d.name == "jal"
    ]
    last = instrs[-1]
    if last.name not in BLOCK_ENDS or last.name == "jal" and last.rd:
        out.append(pcs[-1] + last.length)  # falls through, or a call returns there
    return out

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
        """fence.i, or an SBI remote fence.i: nothing to do.

        Translations never go stale: a page that holds blocks is kept out of the write
        TLBs, so every store to it (and every DMA write, through the memory's write watch)
        drops its blocks at once. Code changes are visible even before the fence, which
        Zifencei allows; dropping every block here would only cost a re-lookup of each
        (Linux fences once for every page it maps executable).
        """

    def drop_blocks(self) -> None:
        """Forget every block (a reset)."""
        self._blocks.clear()
        self._code_pages.clear()
        self.flush_block_map()

    def invalidate_code(self, page: int) -> None:
        keys = self._code_pages.pop(page, None)
        if keys:
            for key in keys:
                self._blocks.pop(key, None)
            self.flush_block_map()
            # a region looping over the old code leaves at its next backward jump
            self._event_at = 0

    def promote(self, block: Block) -> None:
        """Compile a block that became hot; it keeps its identity in every cache."""
        segments = self._region(block)
        translate_block(block, segments, self._namespace)
        self.compiled_blocks += 1
        cache = self.translation_cache
        if cache is not None and block.raw:
            offsets = tuple(pc - block.pc for pc in block.pcs)
            code = marshal.dumps(block.fn.__code__)
            cache.put((block.pc, block.raw), (code, block.line_index, offsets, block.done))

    def _region(self, block: Block) -> list[Segment]:
        """`block` and the blocks on its page it leads to that have run often enough.

        Only blocks at or after its address are taken, so that `raw` (widened here to the
        end of the region) covers them all: reaching back as well makes regions larger
        without making a boot faster. Without a translation for the page (the block itself
        flushed it) the region is the block alone.
        """
        head: Segment = (block.instrs, block.pcs[: len(block.instrs)])
        delta = self.xt.get(block.pc >> 12)
        if delta is None or not block.raw:
            return [head]
        data = self.memory.data
        base = block.pc & ~0xFFF
        start = block.pc
        end = start + len(block.raw)
        segments = [head]
        size = len(head[0])
        seen = {start}
        queue = list(_successors(head))
        warm = max(1, self.hot_threshold // REGION_HEAT)
        while queue and len(segments) < MAX_SEGMENTS:
            target = queue.pop(0)
            if target in seen or not start <= target < base + 0x1000:
                continue
            seen.add(target)
            other = self._known.get(target)
            if other is None or not other.instrs or not other.raw:
                continue
            if other.heat < warm and not other.translated:
                continue
            key = target + delta
            if data[key : key + len(other.raw)] != other.raw:
                continue
            seg: Segment = (other.instrs, other.pcs[: len(other.instrs)])
            if size + len(seg[0]) > MAX_REGION:
                continue
            segments.append(seg)
            size += len(seg[0])
            end = max(end, seg[1][-1] + seg[0][-1].length)
            queue.extend(_successors(seg))
        if len(segments) > 1:
            block.raw = bytes(data[start + delta : end + delta])
        return segments

    def _stored_block(self, pc: int, raw: bytes, entry: Entry) -> Block:
        """A translated block from the disk cache: no decoding, no cold runs."""
        code, index, offsets, done = entry
        fn = FunctionType(marshal.loads(code), self._namespace)
        pcs = tuple(pc + o for o in offsets)
        return Block(pc, fn, len(pcs), pcs, (), raw, 1, index, done=done)

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

        A block dropped by a store to its page is taken back, heat and translation
        included, when the same bytes are found at the same address again; one translated
        in an earlier run comes from the disk cache, found by its address and bytes.
        """
        delta = self.xt.get(pc >> 12)
        if delta is None:
            delta = self.fetch_translate(pc)
        key = pc + delta
        block = self._blocks.get(key)
        if block is None or block.pc != pc:
            old = self._known.get(pc)
            data = self.memory.data
            cache = self.translation_cache
            if old is not None and data[key : key + len(old.raw)] == old.raw:
                block = old
            else:
                if cache is not None and (stored := cache.find(pc, data, key)) is not None:
                    block = self._stored_block(pc, *stored)
                else:
                    instrs, pcs, handlers, cacheable, end = self._decode_block(pc, delta)
                    raw = bytes(data[key : key + (end - pc)]) if cacheable else b""
                    block = cold_block(instrs, pcs, handlers, raw)
                    if self.hot_threshold <= 1:
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
                pc = block.fn(self, x, f, rt, wt)
            except Trap as trap:
                if block is None:  # the fetch itself faulted
                    self.take_trap(trap.cause, trap.tval, pc)
                else:
                    block.write_back(trap.__traceback__, x)
                    at, done = block.fault_point(trap.__traceback__)
                    self.instret += done
                    self.take_trap(trap.cause, trap.tval, at)
                pc = self.pc
                rt, wt, vb = self.rt, self.wt, self.vb
                limit -= 1  # a handler that faults forever still ends the run
                self._event_at = 0
            except BaseException as exc:  # not the guest's: x as it stood, then leave
                if block is not None:
                    block.write_back(exc.__traceback__, x)
                raise
