"""The Supervisor Binary Interface in Python (RISC-V SBI specification v2.0).

Implemented: Base, TIME, IPI, RFENCE, HSM, SRST, DBCN (chapters 4, 6-10, 12) and the
legacy extensions 0x00-0x08 (chapter 5). The kernel's ecall from S mode lands here with
the extension in a7, the function in a6 and arguments in a0-a5; the error goes back in
a0 and the value in a1 (legacy calls return only a0).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from vmforms.hypervisor.errors import GuestMemoryError

log = logging.getLogger(__name__)

SBI_SPEC_VERSION = (2 << 24) | 0
SBI_IMPL_ID = 0x766D66  # "vmf": not in the spec's registry of implementation IDs
SBI_IMPL_VERSION = 1

SBI_SUCCESS = 0
SBI_ERR_FAILED = -1
SBI_ERR_NOT_SUPPORTED = -2
SBI_ERR_INVALID_PARAM = -3
SBI_ERR_DENIED = -4
SBI_ERR_INVALID_ADDRESS = -5
SBI_ERR_ALREADY_AVAILABLE = -6

SBI_EXT_0_1_SET_TIMER = 0x00
SBI_EXT_0_1_CONSOLE_PUTCHAR = 0x01
SBI_EXT_0_1_CONSOLE_GETCHAR = 0x02
SBI_EXT_0_1_CLEAR_IPI = 0x03
SBI_EXT_0_1_SEND_IPI = 0x04
SBI_EXT_0_1_REMOTE_FENCE_I = 0x05
SBI_EXT_0_1_REMOTE_SFENCE_VMA = 0x06
SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID = 0x07
SBI_EXT_0_1_SHUTDOWN = 0x08
SBI_EXT_BASE = 0x10
SBI_EXT_TIME = 0x54494D45
SBI_EXT_IPI = 0x735049
SBI_EXT_RFENCE = 0x52464E43
SBI_EXT_HSM = 0x48534D
SBI_EXT_SRST = 0x53525354
SBI_EXT_DBCN = 0x4442434E

SBI_HSM_STATE_STARTED = 0
SBI_SRST_RESET_TYPE_SHUTDOWN = 0
SBI_SRST_RESET_TYPE_COLD_REBOOT = 1
SBI_SRST_RESET_TYPE_WARM_REBOOT = 2

MIP_SSIP = 1
MIP_STIP = 5
XLEN_MASK = (1 << 64) - 1

SUPPORTED_EXTENSIONS = frozenset(
    {
        SBI_EXT_BASE,
        SBI_EXT_TIME,
        SBI_EXT_IPI,
        SBI_EXT_RFENCE,
        SBI_EXT_HSM,
        SBI_EXT_SRST,
        SBI_EXT_DBCN,
        *range(SBI_EXT_0_1_SET_TIMER, SBI_EXT_0_1_SHUTDOWN + 1),
    }
)


class SbiCpu(Protocol):
    """What the firmware sees of the hart that trapped."""

    x: list[int]
    time: int
    stimecmp: int
    halted: bool

    def set_pending(self, bit: int, level: bool) -> None: ...


class SbiMemory(Protocol):
    def read(self, addr: int, length: int) -> bytes: ...

    def write(self, addr: int, blob: bytes) -> None: ...


class Sbi:
    """One hart's firmware; `on_reset(kind, reason)` hears shutdown / cold / warm reboot."""

    def __init__(
        self,
        memory: SbiMemory,
        console_write: Callable[[bytes], None],
        console_read: Callable[[int], bytes],
        on_reset: Callable[[str, int], None],
        *,
        hart_id: int = 0,
    ) -> None:
        self._memory = memory
        self._write = console_write
        self._read = console_read
        self._on_reset = on_reset
        self.hart_id = hart_id
        self.calls = 0

    def ecall(self, cpu: SbiCpu) -> None:
        self.calls += 1
        x = cpu.x
        eid, fid = x[17], x[16]
        if eid <= SBI_EXT_0_1_SHUTDOWN:
            x[10] = self._legacy(cpu, eid) & XLEN_MASK
            return
        handler = self._handlers.get(eid)
        if handler is None:
            error, value = SBI_ERR_NOT_SUPPORTED, 0
        else:
            error, value = handler(self, cpu, fid, x[10:16])
        x[10] = error & XLEN_MASK
        x[11] = value & XLEN_MASK

    def _reset(self, cpu: SbiCpu, kind: str, reason: int) -> None:
        cpu.halted = True
        self._on_reset(kind, reason)

    def _set_timer(self, cpu: SbiCpu, value: int) -> None:
        # Programming the timer clears its pending interrupt until the new deadline.
        cpu.stimecmp = value
        cpu.set_pending(MIP_STIP, cpu.time >= value)

    def _legacy(self, cpu: SbiCpu, eid: int) -> int:
        a0 = cpu.x[10]
        if eid == SBI_EXT_0_1_SET_TIMER:
            self._set_timer(cpu, a0)
        elif eid == SBI_EXT_0_1_CONSOLE_PUTCHAR:
            self._write(bytes([a0 & 0xFF]))
        elif eid == SBI_EXT_0_1_CONSOLE_GETCHAR:
            got = self._read(1)
            return got[0] if got else -1
        elif eid == SBI_EXT_0_1_CLEAR_IPI:
            cpu.set_pending(MIP_SSIP, False)
        elif eid == SBI_EXT_0_1_SEND_IPI:
            # a0 points to a hart mask in S-mode virtual memory; with one hart the only
            # possible target is ourselves.
            cpu.set_pending(MIP_SSIP, True)
        elif eid == SBI_EXT_0_1_SHUTDOWN:
            self._reset(cpu, "shutdown", 0)
        elif eid in (SBI_EXT_0_1_REMOTE_SFENCE_VMA, SBI_EXT_0_1_REMOTE_SFENCE_VMA_ASID):
            self._fence(cpu, instruction_cache=False)
        elif eid == SBI_EXT_0_1_REMOTE_FENCE_I:
            self._fence(cpu, instruction_cache=True)
        return SBI_SUCCESS

    def _base(self, cpu: SbiCpu, fid: int, a: list[int]) -> tuple[int, int]:
        values = {
            0: SBI_SPEC_VERSION,
            1: SBI_IMPL_ID,
            2: SBI_IMPL_VERSION,
            4: 0,  # mvendorid
            5: 0,  # marchid
            6: 0,  # mimpid
        }
        if fid == 3:
            return SBI_SUCCESS, int(a[0] in SUPPORTED_EXTENSIONS)
        if fid in values:
            return SBI_SUCCESS, values[fid]
        return SBI_ERR_NOT_SUPPORTED, 0

    def _time(self, cpu: SbiCpu, fid: int, a: list[int]) -> tuple[int, int]:
        if fid != 0:
            return SBI_ERR_NOT_SUPPORTED, 0
        self._set_timer(cpu, a[0])
        return SBI_SUCCESS, 0

    def _targets_self(self, mask: int, base: int) -> bool:
        if base == XLEN_MASK:  # hart_mask_base -1: every hart
            return True
        shift = self.hart_id - base
        return 0 <= shift < 64 and bool(mask >> shift & 1)

    def _ipi(self, cpu: SbiCpu, fid: int, a: list[int]) -> tuple[int, int]:
        if fid != 0:
            return SBI_ERR_NOT_SUPPORTED, 0
        if self._targets_self(a[0], a[1]):
            cpu.set_pending(MIP_SSIP, True)
        return SBI_SUCCESS, 0

    @staticmethod
    def _fence(cpu: SbiCpu, instruction_cache: bool) -> None:
        # One hart, but the "remote" hart set includes the caller: Linux's flush_tlb_all()
        # relies on SBI alone, so the fence must reach our own TLB (or code cache).
        flush = getattr(cpu, "flush_icache" if instruction_cache else "flush_tlb", None)
        if flush is not None:
            flush()

    def _rfence(self, cpu: SbiCpu, fid: int, a: list[int]) -> tuple[int, int]:
        if fid > 2:
            return SBI_ERR_NOT_SUPPORTED, 0  # the hypervisor-extension fences
        self._fence(cpu, instruction_cache=fid == 0)
        return SBI_SUCCESS, 0

    def _hsm(self, cpu: SbiCpu, fid: int, a: list[int]) -> tuple[int, int]:
        if fid == 0:  # hart_start
            return (SBI_ERR_ALREADY_AVAILABLE if a[0] == self.hart_id else SBI_ERR_INVALID_PARAM), 0
        if fid == 1:  # hart_stop: the last hart stopping is a power-off
            self._reset(cpu, "shutdown", 0)
            return SBI_SUCCESS, 0
        if fid == 2:  # hart_get_status
            if a[0] != self.hart_id:
                return SBI_ERR_INVALID_PARAM, 0
            return SBI_SUCCESS, SBI_HSM_STATE_STARTED
        if fid == 3:  # hart_suspend: a retentive suspend returns like WFI
            if a[0] & 0xFFFFFFFF == 0:
                return SBI_SUCCESS, 0
            return SBI_ERR_NOT_SUPPORTED, 0
        return SBI_ERR_NOT_SUPPORTED, 0

    def _srst(self, cpu: SbiCpu, fid: int, a: list[int]) -> tuple[int, int]:
        if fid != 0:
            return SBI_ERR_NOT_SUPPORTED, 0
        kinds = {
            SBI_SRST_RESET_TYPE_SHUTDOWN: "shutdown",
            SBI_SRST_RESET_TYPE_COLD_REBOOT: "cold_reboot",
            SBI_SRST_RESET_TYPE_WARM_REBOOT: "warm_reboot",
        }
        reset_type = a[0] & 0xFFFFFFFF
        if reset_type not in kinds or a[1] & 0xFFFFFFFF > 1 and a[1] & 0xFFFFFFFF < 0xE0000000:
            return SBI_ERR_INVALID_PARAM, 0
        self._reset(cpu, kinds[reset_type], a[1] & 0xFFFFFFFF)
        return SBI_SUCCESS, 0

    def _dbcn(self, cpu: SbiCpu, fid: int, a: list[int]) -> tuple[int, int]:
        if fid == 2:  # console_write_byte
            self._write(bytes([a[0] & 0xFF]))
            return SBI_SUCCESS, 0
        if fid not in (0, 1):
            return SBI_ERR_NOT_SUPPORTED, 0
        length, addr = a[0], a[1] | (a[2] << 64)
        try:
            if fid == 0:
                self._write(self._memory.read(addr, length))
                return SBI_SUCCESS, length
            got = self._read(length)
            self._memory.write(addr, got)
            return SBI_SUCCESS, len(got)
        except GuestMemoryError:
            log.warning("sbi: debug console buffer %#x+%d outside RAM", addr, length)
            return SBI_ERR_INVALID_PARAM, 0

    _Handler = Callable[["Sbi", SbiCpu, int, list[int]], tuple[int, int]]
    _handlers: dict[int, _Handler] = {
        SBI_EXT_BASE: _base,
        SBI_EXT_TIME: _time,
        SBI_EXT_IPI: _ipi,
        SBI_EXT_RFENCE: _rfence,
        SBI_EXT_HSM: _hsm,
        SBI_EXT_SRST: _srst,
        SBI_EXT_DBCN: _dbcn,
    }
