"""The RV64IMAFDC hart in M, S and U mode, with two engines over one decoder.

`engine="interp"` decodes each instruction word once and runs one handler per
instruction; `engine="translate"` runs basic blocks: interpreted while cold, compiled once
hot into one Python function with the blocks they lead to on their page (a region),
optionally kept on disk (`translation_cache`). Guest time is derived from the
instruction count at a nominal rate, so runs are deterministic; WFI skips ahead to the
next timer event (privileged spec 3.3.3, 4.1.3). With a Python `firmware` the hart starts
in S mode and its SBI calls are served in Python; without one it starts in M mode and runs
the guest's own firmware (OpenSBI, or a bare-metal test program).
"""

import gc
from pathlib import Path
from typing import Protocol

from vmforms.hypervisor.cpu.riscv.blocks import BlockEngineMixin
from vmforms.hypervisor.cpu.riscv.csr import (
    MENVCFG_STCE,
    MSTATUS_TVM,
    MSTATUS_TW,
    NEVER,
    PRIV_M,
    PRIV_S,
    PRIV_U,
    CsrMixin,
)
from vmforms.hypervisor.cpu.riscv.decoder import X_SINK, Instr, decode
from vmforms.hypervisor.cpu.riscv.mmu import Bus, MmuMixin
from vmforms.hypervisor.cpu.riscv.pmp import PMP_ENTRIES
from vmforms.hypervisor.cpu.riscv.semantics import TERMINATORS, helper_namespace
from vmforms.hypervisor.cpu.riscv.tcache import TranslationCache
from vmforms.hypervisor.cpu.riscv.translate import (
    Block,
    Handler,
    bind_handler,
    compile_handlers,
)
from vmforms.hypervisor.cpu.riscv.trap import (
    CAUSE_ILLEGAL_INSTRUCTION,
    CAUSE_INTERRUPT,
    CAUSE_MACHINE_ECALL,
    CAUSE_SUPERVISOR_ECALL,
    CAUSE_USER_ECALL,
    IRQ_S_EXT,
    MIP_MTIP,
    SIP_STIP,
    Trap,
)
from vmforms.hypervisor.errors import CpuError, SnapshotError
from vmforms.hypervisor.memory import GuestMemory
from vmforms.hypervisor.state import State, StateReader

ENGINES = ("interp", "translate")
# Instructions per second the guest believes it runs at; with the 10 MHz timebase one
# timer tick is ten instructions.
NOMINAL_IPS = 100_000_000
GC_THRESHOLD = 100_000  # allocations between young-generation collections while running
# A block is compiled after this many runs: compiling costs about a hundred interpretations.
HOT_THRESHOLD = 128
# With a translation cache on disk compiling is paid once, and a later run loads the code
# for the cost of a few interpretations (and no decoding): worth it for blocks that run
# only a few times. Measured on the boot to `uname -r` (CPU seconds, quieter host): from 4
# to 16 the first boot (empty cache) compiles 5,980 regions, not 10,872, in 10.7 s, not
# 12.3, and a boot from the cache takes 4.2-4.6 s either way (runs vary by 5%); from 32 it
# is 7% slower. Compiling at 4 once a cache exists made the second boot 3.7 s slower and
# no later boot measurably faster.
CACHED_HOT_THRESHOLD = 16
ECALL_CAUSE = {
    PRIV_U: CAUSE_USER_ECALL, PRIV_S: CAUSE_SUPERVISOR_ECALL, PRIV_M: CAUSE_MACHINE_ECALL,
}
# A timer compare value this far away (29,000 years at 10 MHz) is a timer switched off.
FAR = 1 << 63
# The layout of save_state: a snapshot records it and is refused by a Cpu of another one.
# Raise it when a field changes meaning; a field added or removed changes STATE_FIELDS.
STATE_VERSION = 1
# The 64-bit registers and CSRs, by attribute name.
STATE_U64 = (
    "pc", "status", "mie", "mip", "medeleg", "mideleg", "mtvec", "mepc", "mcause", "mtval",
    "mscratch", "mcounteren", "mcountinhibit", "menvcfg", "stvec", "sepc", "scause", "stval",
    "satp", "sscratch", "scounteren", "senvcfg", "fflags", "frm", "instret",
)
# Counters' offsets from instret (may be negative), the clock and its compare values.
STATE_WIDE = ("_cycle_off", "_instret_off", "_idle", "_stimecmp", "_mtimecmp", "_reservation")
STATE_FIELDS = (
    *STATE_U64, *STATE_WIDE, "priv", "x", "f", "pmpcfg", "pmpaddr", "seip_line", "seip_soft",
    "halted",
)


class Firmware(Protocol):
    """The SBI implementation: reads cpu.x[10..17], writes cpu.x[10] and cpu.x[11]."""

    def ecall(self, cpu: "Cpu") -> None: ...


class Cpu(BlockEngineMixin, MmuMixin, CsrMixin):
    """One RISC-V hart. `x` has a 33rd register that absorbs writes to x0."""

    def __init__(
        self,
        memory: GuestMemory,
        bus: Bus,
        firmware: Firmware | None,
        *,
        hart_id: int = 0,
        timebase_hz: int = 10_000_000,
        engine: str = "interp",
        nominal_ips: int = NOMINAL_IPS,
        hot_threshold: int | None = None,
        translation_cache: Path | None = None,
    ) -> None:
        if engine not in ENGINES:
            raise CpuError(f"CPU engine {engine!r}: unknown; choose one of {', '.join(ENGINES)}")
        if memory.base % 4096 or memory.size % 8:
            raise CpuError("guest RAM must start on a page boundary")
        self.memory = memory
        self.bus = bus
        self.firmware = firmware
        self.sbi_in_python = firmware is not None
        self.hart_id = hart_id
        self.timebase_hz = timebase_hz
        self.nominal_ips = nominal_ips
        if hot_threshold is None:
            hot_threshold = HOT_THRESHOLD if translation_cache is None else CACHED_HOT_THRESHOLD
        self.hot_threshold = hot_threshold
        self.engine = engine
        self.x = [0] * (X_SINK + 1)
        self.f = [0] * 32
        self.pc = 0
        self.priv = PRIV_S if firmware is not None else PRIV_M
        self.instret = 0
        self._halted = False
        self.idle = False  # set when WFI has nothing to wait for: only an external event helps
        self._idle = 0  # timer ticks skipped by WFI, in instruction units
        # A board with host input (the network) sets host_paced: WFI then stops the run
        # with the wake-up in wake_at and the board lets time pass (skip_idle) as it waits.
        self.host_paced = False
        self.wake_at = NEVER
        self._stimecmp = NEVER
        self._mtimecmp = NEVER
        self._stimer_at = self._mtimer_at = self._timer_at = NEVER
        self._event_at = 0
        self._init_csrs()
        self._init_mmu()
        view = memoryview(memory.data)
        self._namespace = helper_namespace()
        self._namespace.update(
            B=view, b=view.cast("b"), H=view.cast("H"), h=view.cast("h"),
            I=view.cast("I"), i=view.cast("i"), Q=view.cast("Q"),
        )
        self._H = view.cast("H")
        self._handlers = compile_handlers(self._namespace)
        self._decoded: dict[int, tuple[Handler, Instr, bool]] = {}
        self._blocks: dict[int, Block] = {}
        self._known: dict[int, Block] = {}
        # Compiled blocks kept on disk across runs (translate engine); saved on halt.
        self.translation_cache = (
            TranslationCache(translation_cache) if translation_cache is not None else None
        )
        self.compiled_blocks = 0
        memory.write_watch = self._ram_written

    # --- the interface of the machine ---

    def reset(self, entry: int, a0: int, a1: int, a2: int = 0) -> None:
        """Start at `entry` with a0-a2 set: in S mode with the MMU off as the SBI boot
        protocol says, or in M mode (real firmware) as QEMU's reset vector leaves a hart."""
        self.x[:] = [0] * (X_SINK + 1)
        self.f[:] = [0] * 32
        self.priv = PRIV_S if self.sbi_in_python else PRIV_M
        self._init_csrs()
        self.x[10] = a0
        self.x[11] = a1
        self.x[12] = a2
        self.pc = entry
        self._halted = False
        self.idle = False
        self._stimecmp = self._mtimecmp = NEVER
        self._reservation = -1
        self._timer_changed()
        self.select_tlb()
        self.flush_tlb()
        self.drop_blocks()

    @property
    def halted(self) -> bool:
        return self._halted

    @halted.setter
    def halted(self, value: bool) -> None:
        """Set by a device or the firmware (power off, HTIF exit): the run stops at once."""
        self._halted = value
        self._event_at = 0

    @property
    def time(self) -> int:
        return self.time_at(self.instret)

    def time_at(self, instret: int) -> int:
        return (instret + self._idle) * self.timebase_hz // self.nominal_ips

    @property
    def stimecmp(self) -> int:
        return self._stimecmp

    @stimecmp.setter
    def stimecmp(self, value: int) -> None:
        self._stimecmp = value
        self._timer_changed()

    def set_mtimecmp(self, value: int) -> None:
        """The CLINT's mtimecmp changed: MTIP follows time >= mtimecmp."""
        self._mtimecmp = value
        self._timer_changed()

    def _deadline(self, compare: int) -> int:
        """The instruction count at which time reaches `compare`."""
        if compare >= FAR:
            return NEVER
        return -(-compare * self.nominal_ips // self.timebase_hz) - self._idle

    def _timer_changed(self) -> None:
        """Re-arm the timers: MTIP follows time >= mtimecmp, and with Sstc enabled (always,
        under the Python SBI) STIP follows time >= stimecmp."""
        now = self.time_at(self.instret)
        self._stimer_at = NEVER
        if self.menvcfg & MENVCFG_STCE:
            if now >= self._stimecmp:
                self.mip |= SIP_STIP
            else:
                self.mip &= ~SIP_STIP
                self._stimer_at = self._deadline(self._stimecmp)
        if now >= self._mtimecmp:
            self.mip |= MIP_MTIP
            self._mtimer_at = NEVER
        else:
            self.mip &= ~MIP_MTIP
            self._mtimer_at = self._deadline(self._mtimecmp)
        self._timer_at = min(self._stimer_at, self._mtimer_at)
        self._event_at = 0

    def set_pending(self, bit: int, level: bool) -> None:
        """Raise or lower interrupt `bit` of mip (1 SSIP, 3 MSIP, 5 STIP, 9 SEIP, 11 MEIP)."""
        if bit == IRQ_S_EXT:
            self.set_seip_line(level)
        elif level:
            self.mip |= 1 << bit
        else:
            self.mip &= ~(1 << bit)
        self.idle = False
        self._event_at = 0

    def _ram_written(self, addr: int, length: int) -> None:
        """A device wrote guest RAM (DMA): drop translations of the pages it touched."""
        first = (addr - self.memory.base) >> 12
        last = (addr + max(length, 1) - 1 - self.memory.base) >> 12
        for page in range(first, last + 1):
            if page in self._code_pages:
                self.invalidate_code(page)

    # --- snapshots ---

    def save_state(self) -> State:
        """Everything architectural (registers, CSRs, privilege, pending interrupts, the
        clock, timers and the LR reservation); the TLBs and translations are caches."""
        state: State = {name: getattr(self, name) for name in (*STATE_U64, *STATE_WIDE)}
        state.update(
            priv=self.priv, x=self.x[:32], f=list(self.f), pmpcfg=list(self.pmpcfg),
            pmpaddr=list(self.pmpaddr), seip_line=self._seip_line, seip_soft=self._seip_soft,
            halted=self.halted,
        )
        return state

    def load_state(self, state: StateReader) -> None:
        wide = 1 << 81  # NEVER and the counters' offsets fit; a hostile value does not
        values = {name: state.number(name) for name in STATE_U64}
        values.update({name: state.number(name, -wide, wide) for name in STATE_WIDE})
        priv = state.number("priv", PRIV_U, PRIV_M)
        if priv not in ECALL_CAUSE:
            raise SnapshotError(f"snapshot state of {state.what}: privilege {priv} does not exist")
        x, f = state.numbers("x", 32), state.numbers("f", 32)
        pmpcfg, pmpaddr = state.numbers("pmpcfg", PMP_ENTRIES, 0, 0xFF), state.numbers(
            "pmpaddr", PMP_ENTRIES
        )
        seip_line, seip_soft = state.flag("seip_line"), state.flag("seip_soft")
        halted = state.flag("halted")
        for name, value in values.items():
            setattr(self, name, value)
        self.priv = priv
        self.x[:32] = x
        self.x[0] = 0
        self.f[:] = f
        self.pmpcfg[:], self.pmpaddr[:] = pmpcfg, pmpaddr
        self._seip_line, self._seip_soft = seip_line, seip_soft
        self.halted = halted
        self.idle = False
        self._pmp_update()
        self._timer_changed()
        self.select_tlb()
        self.flush_tlb()
        self.drop_blocks()
        self._known.clear()

    # --- instructions with effects outside the register file ---

    def ecall(self) -> None:
        if self.priv == PRIV_S and self.firmware is not None:
            self.firmware.ecall(self)  # the Python SBI: no trip through M mode
            self._event_at = 0
            return
        raise Trap(ECALL_CAUSE[self.priv], 0)

    def python_m_trap(self, cause: int, tval: int, pc: int) -> bool:
        """A trap M mode would take when M mode is Python code: an ecall from S is an SBI
        call; anything else goes to S mode, where the kernel sees it as it would have
        from OpenSBI's redirect."""
        if cause == CAUSE_SUPERVISOR_ECALL and self.firmware is not None:
            self.firmware.ecall(self)
            self.pc = (pc + 4) & 0xFFFFFFFF_FFFFFFFF
            return True
        self._enter_s(cause, tval, pc)
        return True

    def wfi(self, word: int) -> None:
        if self.priv == PRIV_U or self.priv == PRIV_S and self.status & MSTATUS_TW:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
        if self.mip & self.mie:
            return
        wake = NEVER
        if self.mie & SIP_STIP:
            wake = self._stimer_at
        if self.mie & MIP_MTIP:
            wake = min(wake, self._mtimer_at)
        self.wake_at = wake
        if wake < NEVER and not self.host_paced:
            self._idle += max(0, wake - self.instret)
            self._timer_changed()
        else:
            self.idle = True
        self._event_at = 0

    def skip_idle(self, instructions: int) -> None:
        """Let up to `instructions` of guest time pass in WFI, never beyond its wake-up."""
        self._idle += max(0, min(instructions, self.wake_at - self.instret))
        self._timer_changed()

    def fence_i(self) -> None:
        self.flush_icache()

    def sfence_vma(self, rs1: int, vaddr: int, word: int) -> None:
        """Flush translations: all of them, or those of the page holding `vaddr` (4.2.1)."""
        if self.priv == PRIV_U or self.priv == PRIV_S and self.status & MSTATUS_TVM:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
        if rs1 == 0:
            self.flush_tlb()
        else:
            self.flush_tlb_page(vaddr)

    # --- the run loops ---

    def run(self, max_instructions: int) -> int:
        """Execute up to about `max_instructions`; stop early when halted or idle."""
        start = self.instret
        limit = start + max_instructions
        self.idle = False
        self._event_at = 0
        # The engines create many long-lived objects (blocks, handlers) and few short-lived
        # ones; the default collector thresholds spend a tenth of a boot rescanning them.
        thresholds = gc.get_threshold()
        gc.set_threshold(GC_THRESHOLD, thresholds[1], thresholds[2])
        try:
            if self.engine == "translate":
                self._run_blocks(limit)
                if self.halted and self.translation_cache is not None:
                    self.translation_cache.save()
            else:
                self._run_interp(limit)
        finally:
            gc.set_threshold(*thresholds)
        return self.instret - start

    def _service(self, limit: int) -> bool:
        """Between instructions: timer, interrupts, limits. True means stop running."""
        if self.halted or self.idle or self.instret >= limit:
            return True
        if self.instret >= self._timer_at:
            self._timer_changed()
        irq = self.pending_interrupt()
        if irq >= 0:
            self.take_trap(CAUSE_INTERRUPT | irq, 0, self.pc)
        self._event_at = min(limit, self._timer_at)
        return False

    def _decode_entry(self, word: int) -> tuple[Handler, Instr, bool]:
        cache = self.translation_cache
        if cache is None:
            d = decode(word)
        else:
            fields = cache.decoded.get(word)
            if fields is None:
                d = decode(word)
                cache.remember(word, (d.name, d.length, d.rd, d.rs1, d.rs2, d.rs3, d.imm, d.rm))
            else:
                name, length, rd, rs1, rs2, rs3, imm, rm = fields
                d = Instr(name, word, length, rd, rs1, rs2, rs3, imm, rm)
        entry = (bind_handler(self._handlers, d), d, d.name in TERMINATORS)
        self._decoded[word] = entry
        return entry

    def _fetch_word(self, pc: int) -> int:
        """The instruction word at `pc` (a 16-bit parcel when compressed)."""
        delta = self.xt.get(pc >> 12)
        if delta is None:
            delta = self.fetch_translate(pc)
        w = self._H[(pc + delta) >> 1]
        if w & 3 == 3:
            if pc & 0xFFF == 0xFFE:
                w |= self.fetch_parcel(pc + 2) << 16
            else:
                w |= self._H[((pc + delta) >> 1) + 1] << 16
        return w

    def _run_interp(self, limit: int) -> None:
        x, f, hw, decoded = self.x, self.f, self._H, self._decoded
        rt, wt, xt = self.rt, self.wt, self.xt
        while True:
            if self.instret >= self._event_at:
                if self._service(limit):
                    return
                rt, wt, xt = self.rt, self.wt, self.xt
            pc = self.pc
            try:
                delta = xt.get(pc >> 12)
                if delta is None:
                    delta = self.fetch_translate(pc)
                w = hw[(pc + delta) >> 1]
                if w & 3 == 3:
                    if pc & 0xFFF == 0xFFE:
                        w |= self.fetch_parcel(pc + 2) << 16
                    else:
                        w |= hw[((pc + delta) >> 1) + 1] << 16
                entry = decoded.get(w)
                if entry is None:
                    entry = self._decode_entry(w)
                self.pc = entry[0](self, x, f, rt, wt, pc)
                self.instret += 1
                if entry[2]:
                    rt, wt, xt = self.rt, self.wt, self.xt
            except Trap as trap:
                self.take_trap(trap.cause, trap.tval, pc)
                rt, wt, xt = self.rt, self.wt, self.xt
                limit -= 1  # a handler that faults forever still ends the run
                self._event_at = 0
