"""The CSR file, trap entry and return, interrupts (privileged spec ch. 3.1, 3.3, 4.1).

M, S and U modes. When the M-mode firmware is Python (the default, `sbi_in_python`), the
hart starts as OpenSBI leaves it: every trap but an S-mode ecall delegated to S, the S
interrupts delegated, counters and Sstc enabled, PMP open to S and U except for the CLINT;
the ecall is served in Python and never enters M mode. With real firmware the hart resets
into M mode with everything cleared, as QEMU's does. The unprivileged counters (Zicntr)
and the floating-point CSRs (11.2) live here too.
"""

from typing import TYPE_CHECKING

from vmforms.hypervisor.cpu.riscv.pmp import PmpMixin
from vmforms.hypervisor.cpu.riscv.trap import (
    CAUSE_ILLEGAL_INSTRUCTION,
    CAUSE_INTERRUPT,
    IRQ_PRIORITY,
    MIP_MEIP,
    MIP_MSIP,
    MIP_MTIP,
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
CSR_MSTATUS = 0x300
CSR_MISA = 0x301
CSR_MEDELEG = 0x302
CSR_MIDELEG = 0x303
CSR_MIE = 0x304
CSR_MTVEC = 0x305
CSR_MCOUNTEREN = 0x306
CSR_MENVCFG = 0x30A
CSR_MCOUNTINHIBIT = 0x320
CSR_MHPMEVENT3 = 0x323
CSR_MHPMEVENT31 = 0x33F
CSR_MSCRATCH = 0x340
CSR_MEPC = 0x341
CSR_MCAUSE = 0x342
CSR_MTVAL = 0x343
CSR_MIP = 0x344
CSR_PMPCFG0 = 0x3A0
CSR_PMPCFG15 = 0x3AF
CSR_PMPADDR0 = 0x3B0
CSR_PMPADDR63 = 0x3EF
CSR_TSELECT = 0x7A0
CSR_TDATA3 = 0x7A3
CSR_TINFO = 0x7A4
CSR_MCYCLE = 0xB00
CSR_MINSTRET = 0xB02
CSR_MHPMCOUNTER3 = 0xB03
CSR_MHPMCOUNTER31 = 0xB1F
CSR_MVENDORID = 0xF11
CSR_MARCHID = 0xF12
CSR_MIMPID = 0xF13
CSR_MHARTID = 0xF14
CSR_MCONFIGPTR = 0xF15

MSTATUS_SIE = 1 << 1
MSTATUS_MIE = 1 << 3
MSTATUS_SPIE = 1 << 5
MSTATUS_MPIE = 1 << 7
MSTATUS_SPP = 1 << 8
MSTATUS_MPP = 3 << 11
MSTATUS_FS = 3 << 13
MSTATUS_FS_DIRTY = 3 << 13
MSTATUS_MPRV = 1 << 17
MSTATUS_SUM = 1 << 18
MSTATUS_MXR = 1 << 19
MSTATUS_TVM = 1 << 20
MSTATUS_TW = 1 << 21
MSTATUS_TSR = 1 << 22
MSTATUS_UXL_SXL_64 = (2 << 32) | (2 << 34)
MSTATUS_SD = 1 << 63
SSTATUS_SIE = MSTATUS_SIE
SSTATUS_SPIE = MSTATUS_SPIE
SSTATUS_SPP = MSTATUS_SPP
SSTATUS_FS = MSTATUS_FS
SSTATUS_FS_DIRTY = MSTATUS_FS_DIRTY
SSTATUS_SUM = MSTATUS_SUM
SSTATUS_MXR = MSTATUS_MXR
SSTATUS_UXL_64 = 2 << 32
# The mstatus bits that choose the TLB (mmu.select_tlb).
_TLB_SELECTORS = MSTATUS_MPRV | MSTATUS_MPP | MSTATUS_SUM | MSTATUS_MXR
SSTATUS_SD = MSTATUS_SD
SSTATUS_WRITABLE = SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_FS | SSTATUS_SUM | SSTATUS_MXR
MSTATUS_WRITABLE = (
    SSTATUS_WRITABLE | MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM
    | MSTATUS_TW | MSTATUS_TSR
)
SIE_MASK = SIP_SSIP | SIP_STIP | SIP_SEIP
MIE_MASK = SIE_MASK | MIP_MSIP | MIP_MTIP | MIP_MEIP
# Exceptions M mode may hand to S: all but an ecall from M (and the reserved codes).
MEDELEG_MASK = 0xB3FF
MENVCFG_FIOM = 1
MENVCFG_STCE = 1 << 63
# RV64 with A C D F I M S U (misa is read-only, as on QEMU).
MISA = (2 << 62) | sum(1 << (ord(e) - ord("A")) for e in "ACDFIMSU")
SATP_WRITABLE = (0xF << 60) | ((1 << 44) - 1)  # no ASID bits: ASIDLEN = 0
M64 = 0xFFFFFFFF_FFFFFFFF
PRIV_U = 0
PRIV_S = 1
PRIV_M = 3
NEVER = 1 << 80
PMP_LAST = 15  # the entry OpenSBI's root domain opens everything with

# What OpenSBI leaves behind for the kernel (sbi_hart.c, sbi_trap.c): the exceptions a
# kernel handles itself delegated, and the S-level interrupts.
PYTHON_SBI_MEDELEG = MEDELEG_MASK & ~(1 << 9)
PYTHON_SBI_MIDELEG = SIE_MASK


class CsrMixin(PmpMixin):
    """The CSR file and the trap/interrupt logic around it."""

    priv: int
    pc: int
    hart_id: int
    sbi_in_python: bool
    status: int
    mie: int
    mip: int
    medeleg: int
    mideleg: int
    mtvec: int
    mepc: int
    mcause: int
    mtval: int
    mscratch: int
    mcounteren: int
    mcountinhibit: int
    menvcfg: int
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
    _cycle_off: int
    _instret_off: int
    _seip_line: bool
    _seip_soft: bool
    _idle: int
    _stimecmp: int
    _event_at: int
    _reservation: int

    if TYPE_CHECKING:  # supplied by the other parts of the Cpu

        def select_tlb(self) -> None: ...

        def flush_tlb(self) -> None: ...

        def _timer_changed(self) -> None: ...

        def time_at(self, instret: int) -> int: ...

        def python_m_trap(self, cause: int, tval: int, pc: int) -> bool: ...

    def _init_csrs(self) -> None:
        self.status = 0
        self.mie = self.mip = 0
        self._seip_line = self._seip_soft = False
        self.mtvec = self.mepc = self.mcause = self.mtval = self.mscratch = 0
        self.mcountinhibit = 0
        self.stvec = self.sepc = self.scause = self.stval = 0
        self.satp = self.sscratch = self.senvcfg = 0
        self._cycle_off = self._instret_off = 0
        self.fflags = self.frm = 0
        self._init_pmp()
        if self.sbi_in_python:
            self.medeleg, self.mideleg = PYTHON_SBI_MEDELEG, PYTHON_SBI_MIDELEG
            self.mcounteren = 0xFFFFFFFF
            self.menvcfg = MENVCFG_STCE
            # cycle, time and instret readable from U mode, as guests find them under QEMU
            # with OpenSBI: Linux 6.1 without the SBI PMU driver never writes scounteren,
            # yet its vDSO reads `time` from user space (glibc's clock_gettime).
            self.scounteren = 0x7
            # OpenSBI's root domain: the CLINT for M mode only, everything else open.
            self.pmpaddr[0] = (0x2000000 | 0x7FFF) >> 2  # NAPOT 64 KiB at 0x2000000
            self.pmpaddr[PMP_LAST] = (1 << 54) - 1
            self.pmpcfg[0] = 0x18
            self.pmpcfg[PMP_LAST] = 0x18 | 0x7
            self._pmp_update()
        else:
            self.medeleg = self.mideleg = 0
            self.mcounteren = self.scounteren = 0
            self.menvcfg = 0

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
            self.csr_write(num, new & M64, word, idx)
        return old

    def _mstatus(self) -> int:
        v = self.status | MSTATUS_UXL_SXL_64
        return v | MSTATUS_SD if v & MSTATUS_FS == MSTATUS_FS_DIRTY else v

    def _counter(self, num: int, word: int, idx: int) -> int:
        """cycle/time/instret/hpmcounterN, as mcounteren and scounteren let them be seen."""
        bit = 1 << (num & 0x1F)
        if self.priv < PRIV_M and not self.mcounteren & bit:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
        if self.priv == PRIV_U and not self.scounteren & bit:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
        if num == CSR_TIME:
            return self.time_at(self.instret + idx)
        if num == CSR_CYCLE:
            return (self.instret + idx + self._cycle_off) & M64
        if num == CSR_INSTRET:
            return (self.instret + idx + self._instret_off) & M64
        return 0

    def _stimecmp_allowed(self, word: int) -> None:
        if self.priv < PRIV_M and not (self.menvcfg & MENVCFG_STCE and self.mcounteren & 2):
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)

    def csr_read(self, num: int, word: int = 0, idx: int = 0) -> int:  # noqa: C901
        if num == CSR_SSTATUS:
            return self._mstatus() & (SSTATUS_WRITABLE | SSTATUS_UXL_64 | SSTATUS_SD)
        if num == CSR_SATP:
            if self.priv == PRIV_S and self.status & MSTATUS_TVM:
                raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
            return self.satp
        if num == CSR_SIE:
            return self.mie & self.mideleg
        if num == CSR_SIP:
            return self.mip & self.mideleg
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
            self._stimecmp_allowed(word)
            return self._stimecmp
        if CSR_CYCLE <= num <= CSR_HPMCOUNTER31:
            return self._counter(num, word, idx)
        if num in (CSR_FFLAGS, CSR_FRM, CSR_FCSR):
            self.fs_check(word)
            if num == CSR_FFLAGS:
                return self.fflags
            if num == CSR_FRM:
                return self.frm
            return self.frm << 5 | self.fflags
        if num >> 8 in (3, 7, 0xB, 0xF):
            return self._m_read(num, word, idx)
        raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)

    def _m_read(self, num: int, word: int, idx: int) -> int:  # noqa: C901
        if num == CSR_MSTATUS:
            return self._mstatus()
        if num == CSR_MISA:
            return MISA
        if num == CSR_MEDELEG:
            return self.medeleg
        if num == CSR_MIDELEG:
            return self.mideleg
        if num == CSR_MIE:
            return self.mie
        if num == CSR_MIP:
            return self.mip
        if num == CSR_MTVEC:
            return self.mtvec
        if num == CSR_MEPC:
            return self.mepc
        if num == CSR_MCAUSE:
            return self.mcause
        if num == CSR_MTVAL:
            return self.mtval
        if num == CSR_MSCRATCH:
            return self.mscratch
        if num == CSR_MCOUNTEREN:
            return self.mcounteren
        if num == CSR_MENVCFG:
            return self.menvcfg
        if num == CSR_MCOUNTINHIBIT:
            return self.mcountinhibit
        if CSR_MHPMEVENT3 <= num <= CSR_MHPMEVENT31:
            return 0
        if CSR_PMPCFG0 <= num <= CSR_PMPCFG15:
            if num & 1:  # RV64 has only the even pmpcfg registers
                raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
            return self.pmp_cfg_read(num - CSR_PMPCFG0)
        if CSR_PMPADDR0 <= num <= CSR_PMPADDR63:
            return self.pmp_addr_read(num - CSR_PMPADDR0)
        if num == CSR_MCYCLE:
            return (self.instret + idx + self._cycle_off) & M64
        if num == CSR_MINSTRET:
            return (self.instret + idx + self._instret_off) & M64
        if CSR_MHPMCOUNTER3 <= num <= CSR_MHPMCOUNTER31:
            return 0
        if num in (CSR_MVENDORID, CSR_MARCHID, CSR_MIMPID, CSR_MCONFIGPTR):
            return 0
        if num == CSR_MHARTID:
            return self.hart_id
        # Sdtrig with no trigger: tselect is 0 and holds type 0 ("none"), as tinfo says.
        if CSR_TSELECT <= num <= CSR_TDATA3:
            return 0
        if num == CSR_TINFO:
            return 1
        raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)

    def csr_write(self, num: int, value: int, word: int = 0, idx: int = 0) -> None:  # noqa: C901
        if num == CSR_SSTATUS:
            self._set_status((self.status & ~SSTATUS_WRITABLE) | (value & SSTATUS_WRITABLE))
        elif num == CSR_SATP:
            if self.priv == PRIV_S and self.status & MSTATUS_TVM:
                raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
            if value >> 60 in (0, 8):  # other modes: the write is ignored (WARL)
                self.satp = value & SATP_WRITABLE
                self.flush_tlb()
        elif num == CSR_SIE:
            self.mie = (self.mie & ~self.mideleg) | (value & self.mideleg & SIE_MASK)
            self._event_at = 0
        elif num == CSR_SIP:
            writable = SIP_SSIP & self.mideleg
            self.mip = (self.mip & ~writable) | (value & writable)
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
            self._stimecmp_allowed(word)
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
        elif num >> 8 in (3, 7, 0xB):
            self._m_write(num, value, word, idx)
        else:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)

    def _m_write(self, num: int, value: int, word: int, idx: int) -> None:  # noqa: C901
        if num == CSR_MSTATUS:
            if (value & MSTATUS_MPP) == 2 << 11:  # reserved: MPP keeps its value (WARL)
                value = (value & ~MSTATUS_MPP) | (self.status & MSTATUS_MPP)
            self._set_status(value & MSTATUS_WRITABLE)
        elif num == CSR_MISA:
            pass  # read-only, as QEMU's default
        elif num == CSR_MEDELEG:
            self.medeleg = value & MEDELEG_MASK
        elif num == CSR_MIDELEG:
            self.mideleg = value & SIE_MASK
            self._event_at = 0
        elif num == CSR_MIE:
            self.mie = value & MIE_MASK
            self._event_at = 0
        elif num == CSR_MIP:
            writable = SIP_SSIP | SIP_SEIP
            if not self.menvcfg & MENVCFG_STCE:
                writable |= SIP_STIP
            mip = (self.mip & ~writable) | (value & writable)
            if self._seip_line:  # SEIP reads as the software bit or the PLIC's line
                mip |= SIP_SEIP
            self._seip_soft = bool(value & SIP_SEIP)
            self.mip = mip
            self._event_at = 0
        elif num == CSR_MTVEC:
            self.mtvec = value & ~2
        elif num == CSR_MEPC:
            self.mepc = value & ~1
        elif num == CSR_MCAUSE:
            self.mcause = value
        elif num == CSR_MTVAL:
            self.mtval = value
        elif num == CSR_MSCRATCH:
            self.mscratch = value
        elif num == CSR_MCOUNTEREN:
            self.mcounteren = value & 0xFFFFFFFF
        elif num == CSR_MENVCFG:
            self.menvcfg = value & (MENVCFG_FIOM | MENVCFG_STCE)
            self._timer_changed()
        elif num == CSR_MCOUNTINHIBIT:
            self.mcountinhibit = value & 0xFFFFFFFD
        elif CSR_MHPMEVENT3 <= num <= CSR_MHPMEVENT31:
            pass
        elif CSR_PMPCFG0 <= num <= CSR_PMPCFG15:
            if num & 1:
                raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
            self.pmp_cfg_write(num - CSR_PMPCFG0, value)
        elif CSR_PMPADDR0 <= num <= CSR_PMPADDR63:
            self.pmp_addr_write(num - CSR_PMPADDR0, value)
        elif num == CSR_MCYCLE:
            # the written value is what the next instruction reads
            self._cycle_off = value - (self.instret + idx + 1)
        elif num == CSR_MINSTRET:
            self._instret_off = value - (self.instret + idx + 1)
        elif CSR_MHPMCOUNTER3 <= num <= CSR_MHPMCOUNTER31 or CSR_TSELECT <= num <= CSR_TINFO:
            pass
        else:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)

    def _set_status(self, status: int) -> None:
        """Only what the change can affect: the TLB choice, and interrupts newly enabled
        (Linux's local_irq_save/restore write sstatus.SIE around every critical section)."""
        changed = self.status ^ status
        self.status = status
        if changed & _TLB_SELECTORS:
            self.select_tlb()
        if status & changed & (MSTATUS_SIE | MSTATUS_MIE):
            self._event_at = 0

    def pmp_changed(self) -> None:
        if hasattr(self, "_tlbs"):
            self.flush_tlb()

    def set_seip_line(self, level: bool) -> None:
        """The PLIC's S-context line; mip.SEIP is it OR'ed with the bit M mode wrote."""
        self._seip_line = level
        if level or self._seip_soft:
            self.mip |= SIP_SEIP
        else:
            self.mip &= ~SIP_SEIP

    # --- traps ---

    def take_trap(self, cause: int, tval: int, pc: int) -> None:
        """Enter the handler of the trap: S when delegated from S or U mode, else M (3.1.8)."""
        interrupt = cause & CAUSE_INTERRUPT
        code = cause & 0x3F
        deleg = self.mideleg if interrupt else self.medeleg
        if self.priv <= PRIV_S and deleg >> code & 1:
            self._enter_s(cause, tval, pc)
        elif not self.sbi_in_python or not self.python_m_trap(cause, tval, pc):
            self._enter_m(cause, tval, pc)
        self._reservation = -1
        self.select_tlb()

    def _enter_s(self, cause: int, tval: int, pc: int) -> None:
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
        base = self.stvec & ~3
        if self.stvec & 1 and cause & CAUSE_INTERRUPT:
            base += 4 * (cause & 0x3F)
        self.pc = base & M64

    def _enter_m(self, cause: int, tval: int, pc: int) -> None:
        self.mepc = pc
        self.mcause = cause
        self.mtval = tval & M64
        status = self.status & ~(MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE)
        status |= self.priv << 11
        if self.status & MSTATUS_MIE:
            status |= MSTATUS_MPIE
        self.status = status
        self.priv = PRIV_M
        base = self.mtvec & ~3
        if self.mtvec & 1 and cause & CAUSE_INTERRUPT:
            base += 4 * (cause & 0x3F)
        self.pc = base & M64

    def sret(self, word: int) -> int:
        """Return from the S-mode handler; returns the new pc."""
        if self.priv == PRIV_U or self.priv == PRIV_S and self.status & MSTATUS_TSR:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
        status = self.status
        self.priv = PRIV_S if status & SSTATUS_SPP else PRIV_U
        status &= ~(SSTATUS_SIE | SSTATUS_SPP | MSTATUS_MPRV)
        if status & SSTATUS_SPIE:
            status |= SSTATUS_SIE
        self.status = status | SSTATUS_SPIE
        self._reservation = -1
        self._event_at = 0
        self.select_tlb()
        return self.sepc

    def mret(self, word: int) -> int:
        """Return from the M-mode handler to the mode in MPP (3.3.2); returns the new pc."""
        if self.priv != PRIV_M:
            raise Trap(CAUSE_ILLEGAL_INSTRUCTION, word)
        status = self.status
        self.priv = (status & MSTATUS_MPP) >> 11
        status &= ~(MSTATUS_MIE | MSTATUS_MPP)
        if status & MSTATUS_MPIE:
            status |= MSTATUS_MIE
        if self.priv != PRIV_M:
            status &= ~MSTATUS_MPRV
        self.status = status | MSTATUS_MPIE
        self._reservation = -1
        self._event_at = 0
        self.select_tlb()
        return self.mepc

    def pending_interrupt(self) -> int:
        """The interrupt to take now, or -1 (3.1.9): M-level ones unless M mode has MIE
        clear, then the delegated ones unless S mode has SIE clear (or M mode runs)."""
        pending = self.mip & self.mie
        if not pending:
            return -1
        m_on = self.priv < PRIV_M or self.status & MSTATUS_MIE
        s_on = self.priv < PRIV_S or self.priv == PRIV_S and self.status & SSTATUS_SIE
        deleg = self.mideleg
        for irq in IRQ_PRIORITY:
            if pending >> irq & 1:
                if deleg >> irq & 1:
                    if s_on:
                        return irq
                elif m_on:
                    return irq
        return -1

