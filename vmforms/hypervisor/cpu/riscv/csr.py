"""Supervisor CSRs, trap entry and return, interrupts (privileged spec ch. 4.1, 3.1.6.1).

Only what S-mode and U-mode can see exists: M-mode is the Python SBI firmware, so every
exception and interrupt is taken in S-mode, as if medeleg/mideleg delegated them all. The
unprivileged counters (Zicntr) and the floating-point CSRs (11.2) live here too.
"""

from typing import TYPE_CHECKING

from vmforms.hypervisor.cpu.riscv.trap import (
    CAUSE_ILLEGAL_INSTRUCTION,
    CAUSE_INTERRUPT,
    IRQ_PRIORITY,
    SIP_SEIP,
    SIP_SSIP,
    SIP_STIP,
    Trap,
)

CSR_FFLAGS = 0x001
CSR_FRM = 0x002
CSR_FCSR = 0x003
CSR_CYCLE = 0xC00
CSR_TIME = 0xC01
CSR_INSTRET = 0xC02
CSR_HPMCOUNTER31 = 0xC1F
CSR_SSTATUS = 0x100
CSR_SIE = 0x104
CSR_STVEC = 0x105
CSR_SCOUNTEREN = 0x106
CSR_SENVCFG = 0x10A
CSR_SSCRATCH = 0x140
CSR_SEPC = 0x141
CSR_SCAUSE = 0x142
CSR_STVAL = 0x143
CSR_SIP = 0x144
CSR_STIMECMP = 0x14D
CSR_SATP = 0x180

SSTATUS_SIE = 1 << 1
SSTATUS_SPIE = 1 << 5
SSTATUS_SPP = 1 << 8
SSTATUS_FS = 3 << 13
SSTATUS_FS_DIRTY = 3 << 13
SSTATUS_SUM = 1 << 18
SSTATUS_MXR = 1 << 19
SSTATUS_UXL_64 = 2 << 32
SSTATUS_SD = 1 << 63
SSTATUS_WRITABLE = SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_FS | SSTATUS_SUM | SSTATUS_MXR
SIE_MASK = SIP_SSIP | SIP_STIP | SIP_SEIP
SATP_WRITABLE = (0xF << 60) | ((1 << 44) - 1)  # no ASID bits: ASIDLEN = 0
M64 = 0xFFFFFFFF_FFFFFFFF
PRIV_U = 0
PRIV_S = 1
NEVER = 1 << 80


class CsrMixin:
    """The S-level CSR file and the trap/interrupt logic around it."""

    priv: int
    pc: int
    status: int
    sie: int
    sip: int
    stvec: int
    sepc: int
    scause: int
    stval: int
    satp: int
    sscratch: int
    scounteren: int
    senvcfg: int
    fflags: int
    frm: int
    instret: int
    _idle: int
    _stimecmp: int
    _event_at: int
    _reservation: int

    if TYPE_CHECKING:  # supplied by the other parts of the Cpu

        def select_tlb(self) -> None: ...

        def flush_tlb(self) -> None: ...

        def _timer_changed(self) -> None: ...

        def time_at(self, instret: int) -> int: ...

    def _init_csrs(self) -> None:
        self.status = 0
        self.sie = self.sip = 0
        self.stvec = self.sepc = self.scause = self.stval = 0
        self.satp = self.sscratch = self.senvcfg = 0
        # cycle, time and instret readable from U mode, as guests find them under QEMU
        # with OpenSBI: Linux 6.1 without the SBI PMU driver never writes scounteren, yet
        # its vDSO reads `time` from user space (glibc's clock_gettime).
        self.scounteren = 0x7
        self.fflags = self.frm = 0

    # --- floating-point state ---

    def fs_check(self, word: int) -> None:
        if not self.status & SSTATUS_FS:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)

    def fs_dirty(self, word: int) -> None:
        if not self.status & SSTATUS_FS:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
        self.status |= SSTATUS_FS_DIRTY

    def rounding(self, rm: int, word: int) -> int:
        """The effective rounding mode; reserved encodings are illegal instructions."""
        if rm == 7:
            rm = self.frm
        if rm > 4:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
        return rm

    # --- Zicsr ---

    def csr(self, op: int, num: int, value: int, write: bool, word: int, idx: int) -> int:
        """csrrw (op 1), csrrs (2), csrrc (3): returns the old value."""
        if (num >> 8) & 3 > self.priv:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
        if write and num >> 10 == 3:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
        old = self.csr_read(num, word, idx)
        if write:
            new = value if op == 1 else old | value if op == 2 else old & ~value
            self.csr_write(num, new & M64, word)
        return old

    def csr_read(self, num: int, word: int = 0, idx: int = 0) -> int:  # noqa: C901
        if num == CSR_SSTATUS:
            v = self.status | SSTATUS_UXL_64
            return v | SSTATUS_SD if v & SSTATUS_FS == SSTATUS_FS_DIRTY else v
        if num == CSR_SATP:
            return self.satp
        if num == CSR_SIE:
            return self.sie
        if num == CSR_SIP:
            return self.sip
        if num == CSR_SSCRATCH:
            return self.sscratch
        if num == CSR_SEPC:
            return self.sepc
        if num == CSR_SCAUSE:
            return self.scause
        if num == CSR_STVAL:
            return self.stval
        if num == CSR_STVEC:
            return self.stvec
        if num == CSR_SCOUNTEREN:
            return self.scounteren
        if num == CSR_SENVCFG:
            return self.senvcfg
        if num == CSR_STIMECMP:
            return self._stimecmp
        if CSR_CYCLE <= num <= CSR_HPMCOUNTER31:
            if self.priv == PRIV_U and not (self.scounteren >> (num - CSR_CYCLE)) & 1:
                raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
            if num == CSR_TIME:
                return self.time_at(self.instret + idx)
            if num in (CSR_CYCLE, CSR_INSTRET):
                return (self.instret + idx) & M64
            return 0
        if num in (CSR_FFLAGS, CSR_FRM, CSR_FCSR):
            self.fs_check(word)
            if num == CSR_FFLAGS:
                return self.fflags
            if num == CSR_FRM:
                return self.frm
            return self.frm << 5 | self.fflags
        raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)

    def csr_write(self, num: int, value: int, word: int = 0) -> None:  # noqa: C901
        if num == CSR_SSTATUS:
            self.status = value & SSTATUS_WRITABLE
            self.select_tlb()
            self._event_at = 0
        elif num == CSR_SATP:
            if value >> 60 in (0, 8):  # other modes: the write is ignored (WARL)
                self.satp = value & SATP_WRITABLE
                self.flush_tlb()
        elif num == CSR_SIE:
            self.sie = value & SIE_MASK
            self._event_at = 0
        elif num == CSR_SIP:
            self.sip = (self.sip & ~SIP_SSIP) | (value & SIP_SSIP)
            self._event_at = 0
        elif num == CSR_SSCRATCH:
            self.sscratch = value
        elif num == CSR_SEPC:
            self.sepc = value & ~1
        elif num == CSR_SCAUSE:
            self.scause = value
        elif num == CSR_STVAL:
            self.stval = value
        elif num == CSR_STVEC:
            self.stvec = value & ~2
        elif num == CSR_SCOUNTEREN:
            self.scounteren = value & 0xFFFFFFFF
        elif num == CSR_SENVCFG:
            self.senvcfg = value & 1
        elif num == CSR_STIMECMP:
            self._stimecmp = value
            self._timer_changed()
        elif num in (CSR_FFLAGS, CSR_FRM, CSR_FCSR):
            self.fs_dirty(word)
            if num == CSR_FFLAGS:
                self.fflags = value & 0x1F
            elif num == CSR_FRM:
                self.frm = value & 7
            else:
                self.fflags = value & 0x1F
                self.frm = (value >> 5) & 7
        else:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)

    # --- traps ---

    def take_trap(self, cause: int, tval: int, pc: int) -> None:
        """Enter the S-mode handler (4.1.1-4.1.2): sepc, scause, stval, SPP, SPIE, SIE."""
        self.sepc = pc
        self.scause = cause
        self.stval = tval & M64
        status = self.status & ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE)
        if self.priv == PRIV_S:
            status |= SSTATUS_SPP
        if self.status & SSTATUS_SIE:
            status |= SSTATUS_SPIE
        self.status = status
        self.priv = PRIV_S
        self._reservation = -1
        base = self.stvec & ~3
        if self.stvec & 1 and cause & CAUSE_INTERRUPT:
            base += 4 * (cause & 0xFF)
        self.pc = base & M64
        self.select_tlb()

    def sret(self, word: int) -> int:
        """Return from the S-mode handler; returns the new pc."""
        if self.priv != PRIV_S:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
        status = self.status
        self.priv = PRIV_S if status & SSTATUS_SPP else PRIV_U
        status &= ~(SSTATUS_SIE | SSTATUS_SPP)
        if status & SSTATUS_SPIE:
            status |= SSTATUS_SIE
        self.status = status | SSTATUS_SPIE
        self._reservation = -1
        self._event_at = 0
        self.select_tlb()
        return self.sepc

    def pending_interrupt(self) -> int:
        """The interrupt to take now, or -1 (3.1.6.1: S-level ones, as seen from S)."""
        pending = self.sip & self.sie
        if not pending:
            return -1
        if self.priv == PRIV_S and not self.status & SSTATUS_SIE:
            return -1
        for irq in IRQ_PRIORITY:
            if pending >> irq & 1:
                return irq
        return -1
