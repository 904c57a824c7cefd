"""The platform-level interrupt controller, SiFive's layout (riscv-plic-spec 1.0.0).

Sources are level-triggered through gateways: a raised line becomes pending once, a claim
makes it in flight, and completion lets a still-raised line pend again. Context 0 is
hart 0's M mode and context 1 its S mode, in the order of interrupts-extended.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from vmforms.hypervisor.devices import IrqLine
from vmforms.hypervisor.errors import BusError
from vmforms.hypervisor.state import State, StateReader

log = logging.getLogger(__name__)

PLIC_NUM_SOURCES = 32  # source 0 is "no interrupt"; riscv,ndev = 31
PLIC_PRIORITY_BASE = 0x000000
PLIC_PENDING_BASE = 0x001000
PLIC_ENABLE_BASE = 0x002000
PLIC_ENABLE_STRIDE = 0x80
PLIC_CONTEXT_BASE = 0x200000
PLIC_CONTEXT_STRIDE = 0x1000
PLIC_CONTEXT_THRESHOLD = 0x0
PLIC_CONTEXT_CLAIM = 0x4
PLIC_SIZE = 0x4000000
PLIC_MAX_PRIORITY = 7


class Plic:
    """`set_level(source, level)` is the device side; `outputs[c]` drives context c's line."""

    def __init__(self, outputs: Sequence[IrqLine]) -> None:
        self._outputs = list(outputs)
        n = len(self._outputs)
        self.priority = [0] * PLIC_NUM_SOURCES
        self.level = [False] * PLIC_NUM_SOURCES
        self.pending = [False] * PLIC_NUM_SOURCES
        self.in_flight = [False] * PLIC_NUM_SOURCES
        self.enable = [0] * n
        self.threshold = [0] * n
        self._out_level = [False] * n

    # The device side.
    def set_level(self, source: int, level: bool) -> None:
        if not 0 < source < PLIC_NUM_SOURCES:
            return
        self.level[source] = level
        if level and not self.in_flight[source]:
            self.pending[source] = True
        elif not level:
            # A level-triggered gateway forgets a request whose line dropped before the claim.
            self.pending[source] = False
        self._update()

    def line(self, source: int) -> IrqLine:
        """The interrupt wire of one source, to hand to a device."""
        return lambda level: self.set_level(source, level)

    # The guest side.
    def read(self, offset: int, size: int) -> int:
        if size != 4 or offset % 4:
            # QEMU's sifive_plic accepts aligned 32-bit accesses only; others fail as an
            # access fault, never as a silently different register.
            raise BusError("PLIC read", offset, size)
        if offset < PLIC_PENDING_BASE:
            src = offset // 4
            return self.priority[src] if src < PLIC_NUM_SOURCES else 0
        if offset < PLIC_ENABLE_BASE:
            word = (offset - PLIC_PENDING_BASE) // 4
            return self._bits(self.pending, word)
        if offset < PLIC_CONTEXT_BASE:
            ctx, rest = divmod(offset - PLIC_ENABLE_BASE, PLIC_ENABLE_STRIDE)
            if ctx < len(self.enable) and rest == 0:
                return self.enable[ctx]
            return 0
        ctx, reg = divmod(offset - PLIC_CONTEXT_BASE, PLIC_CONTEXT_STRIDE)
        if ctx >= len(self.threshold):
            return 0
        if reg == PLIC_CONTEXT_THRESHOLD:
            return self.threshold[ctx]
        if reg == PLIC_CONTEXT_CLAIM:
            return self.claim(ctx)
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        if size != 4 or offset % 4:
            raise BusError("PLIC write", offset, size)
        if offset < PLIC_PENDING_BASE:
            src = offset // 4
            if 0 < src < PLIC_NUM_SOURCES:
                self.priority[src] = value & PLIC_MAX_PRIORITY
        elif offset < PLIC_ENABLE_BASE:
            return  # pending bits are read-only
        elif offset < PLIC_CONTEXT_BASE:
            ctx, rest = divmod(offset - PLIC_ENABLE_BASE, PLIC_ENABLE_STRIDE)
            if ctx < len(self.enable) and rest == 0:
                self.enable[ctx] = value & 0xFFFFFFFE  # source 0 does not exist
        else:
            ctx, reg = divmod(offset - PLIC_CONTEXT_BASE, PLIC_CONTEXT_STRIDE)
            if ctx >= len(self.threshold):
                return
            if reg == PLIC_CONTEXT_THRESHOLD:
                self.threshold[ctx] = value & PLIC_MAX_PRIORITY
            elif reg == PLIC_CONTEXT_CLAIM:
                self.complete(ctx, value)
        self._update()

    def claim(self, ctx: int) -> int:
        best = self._best(ctx)
        if best:
            self.pending[best] = False
            self.in_flight[best] = True
            self._update()
        return best

    def complete(self, ctx: int, source: int) -> None:
        if not 0 < source < PLIC_NUM_SOURCES or not self.enable[ctx] >> source & 1:
            return  # the spec says completions of sources not enabled are ignored
        self.in_flight[source] = False
        if self.level[source]:
            self.pending[source] = True
        self._update()

    def _best(self, ctx: int) -> int:
        best, best_prio = 0, self.threshold[ctx]
        enabled = self.enable[ctx]
        for src in range(1, PLIC_NUM_SOURCES):
            if self.pending[src] and enabled >> src & 1 and self.priority[src] > best_prio:
                best, best_prio = src, self.priority[src]
        return best

    # Snapshots.
    def save_state(self) -> State:
        return {
            "priority": list(self.priority), "level": list(self.level),
            "pending": list(self.pending), "in_flight": list(self.in_flight),
            "enable": list(self.enable), "threshold": list(self.threshold),
            "out_level": list(self._out_level),
        }

    def load_state(self, state: StateReader) -> None:
        """Every source and context as saved; the CPU's pending bits are restored with the
        CPU, so the outputs are not driven again."""
        n, contexts = PLIC_NUM_SOURCES, len(self._outputs)
        priority = state.numbers("priority", n, 0, PLIC_MAX_PRIORITY)
        level, pending = state.flags("level", n), state.flags("pending", n)
        in_flight = state.flags("in_flight", n)
        enable = state.numbers("enable", contexts, 0, 0xFFFFFFFF)
        threshold = state.numbers("threshold", contexts, 0, PLIC_MAX_PRIORITY)
        out_level = state.flags("out_level", contexts)
        self.priority, self.level, self.pending, self.in_flight = (
            priority, level, pending, in_flight
        )
        self.enable, self.threshold, self._out_level = enable, threshold, out_level

    @staticmethod
    def _bits(flags: list[bool], word: int) -> int:
        if word != 0:
            return 0
        return sum(1 << i for i, f in enumerate(flags) if f)

    def _update(self) -> None:
        for ctx, output in enumerate(self._outputs):
            level = self._best(ctx) != 0
            if level != self._out_level[ctx]:
                self._out_level[ctx] = level
                output(level)
