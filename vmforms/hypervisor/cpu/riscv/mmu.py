"""Sv39 address translation with a software TLB (privileged spec 4.3-4.4, 3.1.6.3, 3.7).

The TLB is one dict per (privilege, data privilege, SUM, MXR) combination and access kind
(the data privilege differs from the privilege in M mode with MPRV set), mapping a
virtual page to the delta that turns the virtual address into an offset in guest RAM: the
read and write TLBs are keyed by the page's address (semantics.KEY explains why), the
fetch TLB by its page number. Only RAM pages enter it; MMIO always takes the slow path to
the bus. A page holding translated code never enters a write TLB, so stores to it reach
`store`, which invalidates the translations first. A page enters a TLB only when PMP
gives the whole page one verdict (pmp.py), and pages with a RAM hook (an HTIF mailbox)
never enter a write TLB.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from vmforms.hypervisor.cpu.riscv.trap import (
    ACCESS_FAULT,
    ACCESS_FETCH,
    ACCESS_LOAD,
    ACCESS_STORE,
    CAUSE_MISALIGNED_LOAD,
    CAUSE_MISALIGNED_STORE,
    PAGE_FAULT,
    Trap,
)
from vmforms.hypervisor.errors import BusError
from vmforms.hypervisor.memory import GuestMemory

SATP_MODE_BARE = 0
SATP_MODE_SV39 = 8
PTE_V = 1 << 0
PTE_R = 1 << 1
PTE_W = 1 << 2
PTE_X = 1 << 3
PTE_U = 1 << 4
PTE_G = 1 << 5
PTE_A = 1 << 6
PTE_D = 1 << 7
PPN_MASK = (1 << 44) - 1
SSTATUS_SUM = 1 << 18
SSTATUS_MXR = 1 << 19
PRIV_U = 0
PRIV_S = 1
PRIV_M = 3
MSTATUS_MPRV = 1 << 17
M64 = 0xFFFFFFFF_FFFFFFFF
PAGE = 0xFFFFFFFF_FFFFF000  # the page of a virtual address: the rt/wt key

Tlb = dict[int, int]
TlbSet = tuple[Tlb, Tlb, Tlb, dict[int, Any]]
# Called after a store to a hooked RAM page: (physical address, size).
RamHook = Callable[[int, int], None]


class Bus(Protocol):
    """MMIO outside RAM, provided by the machine; unmapped addresses raise BusError."""

    def read(self, addr: int, size: int) -> int: ...

    def write(self, addr: int, size: int, value: int) -> None: ...


class MmuMixin:
    """Translation, the TLBs and the slow paths of loads, stores and fetches."""

    memory: GuestMemory
    bus: Bus
    priv: int
    status: int
    satp: int
    rt: Tlb
    wt: Tlb
    xt: Tlb
    vb: dict[int, Any]
    _tlbs: dict[int, TlbSet]
    _dpriv: int
    pmp_ram_open: int
    ram_hooks: dict[int, RamHook]
    _super_vpns: set[int]
    _code_pages: dict[int, list[int]]
    _reservation: int
    _event_at: int

    if TYPE_CHECKING:  # supplied by pmp.py

        def pmp_allows(self, pa: int, size: int, access: int, priv: int) -> bool: ...

    def _init_mmu(self) -> None:
        # the fourth dict maps virtual pc -> translated block, valid while the TLB is
        self._tlbs = {}
        self.ram_hooks = {}  # RAM page offset >> 12 -> hook run after each store to it
        # Pages cached from a superpage mapping: flushing one of them means flushing all.
        self._super_vpns: set[int] = set()
        self._code_pages = {}
        self._reservation = -1
        self.select_tlb()

    def select_tlb(self) -> None:
        """Point rt/wt/xt at the TLB of the current privilege and SUM/MXR bits.

        The engines' loops hold these dicts in locals: the event makes them fetch the new ones.
        """
        status = self.status
        dpriv = (status >> 11) & 3 if self.priv == PRIV_M and status & MSTATUS_MPRV else self.priv
        self._dpriv = dpriv
        key = self.priv << 4 | dpriv << 2 | (status >> 17) & 2 | (status >> 19) & 1
        tlbs = self._tlbs.get(key)
        if tlbs is None:
            tlbs = self._tlbs[key] = ({}, {}, {}, {})
        self.rt, self.wt, self.xt, self.vb = tlbs
        self._event_at = 0

    def flush_tlb(self) -> None:
        for tlbs in self._tlbs.values():
            for tlb in tlbs:
                tlb.clear()
        self._super_vpns.clear()

    def flush_tlb_page(self, vaddr: int) -> None:
        """sfence.vma with an address: only that page, unless a superpage covers it."""
        vpn = vaddr >> 12
        if vpn in self._super_vpns:
            self.flush_tlb()
            return
        page = vaddr & PAGE
        for rt, wt, xt, vb in self._tlbs.values():
            rt.pop(page, None)
            wt.pop(page, None)
            if xt.pop(vpn, None) is not None:
                vb.clear()

    def flush_write_tlb(self) -> None:
        for tlbs in self._tlbs.values():
            tlbs[1].clear()

    def flush_block_map(self) -> None:
        for tlbs in self._tlbs.values():
            tlbs[3].clear()

    def invalidate_code(self, page: int) -> None:
        """Forget translations on RAM page `page` (offset >> 12); the translator overrides."""
        self._code_pages.pop(page, None)

    def translate(self, va: int, access: int) -> int:
        """Virtual to physical address, setting A/D bits; raises the right page fault."""
        satp = self.satp
        priv = self.priv if access == ACCESS_FETCH else self._dpriv
        if satp >> 60 != SATP_MODE_SV39 or priv == PRIV_M:
            return va
        top = va >> 38
        if top != 0 and top != (1 << 26) - 1:
            raise Trap(PAGE_FAULT[access], va)
        base = (satp & PPN_MASK) << 12
        level = 2
        while True:
            pte_addr = base + ((va >> (12 + 9 * level)) & 0x1FF) * 8
            pte = self._pte_read(pte_addr, va, access)
            if not pte & PTE_V or (pte & (PTE_R | PTE_W)) == PTE_W or pte >> 54:
                raise Trap(PAGE_FAULT[access], va)
            if pte & (PTE_R | PTE_X):
                break
            if level == 0:
                raise Trap(PAGE_FAULT[access], va)
            level -= 1
            base = ((pte >> 10) & PPN_MASK) << 12
        ppn = (pte >> 10) & PPN_MASK
        if ppn & ((1 << (9 * level)) - 1):
            raise Trap(PAGE_FAULT[access], va)
        if not self._permitted(pte, access, priv):
            raise Trap(PAGE_FAULT[access], va)
        wanted = PTE_A | (PTE_D if access == ACCESS_STORE else 0)
        if pte & wanted != wanted:
            self._pte_write(pte_addr, pte | wanted, va, access)
        if level:
            self._super_vpns.add(va >> 12)
        return (ppn << 12) + (va & ((1 << (12 + 9 * level)) - 1))

    def _permitted(self, pte: int, access: int, priv: int) -> bool:
        if priv == PRIV_U:
            if not pte & PTE_U:
                return False
        elif pte & PTE_U and (access == ACCESS_FETCH or not self.status & SSTATUS_SUM):
            return False
        if access == ACCESS_FETCH:
            return bool(pte & PTE_X)
        if access == ACCESS_LOAD:
            return bool(pte & PTE_R or (pte & PTE_X and self.status & SSTATUS_MXR))
        return bool(pte & PTE_W)

    def _pte_read(self, addr: int, va: int, access: int) -> int:
        mem = self.memory
        if not mem.base <= addr <= mem.end - 8:
            raise Trap(ACCESS_FAULT[access], va)
        if not self.pmp_ram_open >> 5 & 1 and not self.pmp_allows(addr, 8, ACCESS_LOAD, PRIV_S):
            raise Trap(ACCESS_FAULT[access], va)
        off = addr - mem.base
        return int.from_bytes(mem.data[off : off + 8], "little")

    def _pte_write(self, addr: int, pte: int, va: int, access: int) -> None:
        if not self.pmp_allows(addr, 8, ACCESS_STORE, PRIV_S):
            raise Trap(ACCESS_FAULT[access], va)
        off = addr - self.memory.base
        if off >> 12 in self._code_pages:  # a guest that runs its page tables as code
            self.invalidate_code(off >> 12)
        self.memory.data[off : off + 8] = pte.to_bytes(8, "little")

    def _ram_offset(self, pa: int, size: int) -> int:
        """Offset of [pa, pa+size) in RAM, or -1 when it is not all RAM."""
        mem = self.memory
        if mem.base <= pa and pa + size <= mem.end:
            return pa - mem.base
        return -1

    def _pmp(self, pa: int, size: int, access: int, va: int) -> bool:
        """PMP for an access; True when its whole page may be cached in a TLB."""
        priv = self.priv if access == ACCESS_FETCH else self._dpriv
        if self.pmp_ram_open >> (4 * priv + access) & 1:
            mem = self.memory
            if mem.base <= pa and pa + size <= mem.end:
                return True
        if self.pmp_allows(pa & ~0xFFF, 0x1000, access, priv):
            return True
        if not self.pmp_allows(pa, size, access, priv):
            raise Trap(ACCESS_FAULT[access], va)
        return False

    def fetch_translate(self, pc: int) -> int:
        """Fill the fetch TLB for `pc`'s page and return its delta; only RAM is executable."""
        pa = self.translate(pc, ACCESS_FETCH)
        off = self._ram_offset(pa, 2)
        if off < 0:
            raise Trap(ACCESS_FAULT[ACCESS_FETCH], pc)
        delta = off - pc
        if self._pmp(pa, 4 if pc & 0xFFF != 0xFFE else 2, ACCESS_FETCH, pc):
            self.xt[pc >> 12] = delta
        return delta

    def fetch_parcel(self, pc: int) -> int:
        """The 16-bit parcel at `pc`, through translation (for instructions crossing pages)."""
        delta = self.xt.get(pc >> 12)
        if delta is None:
            delta = self.fetch_translate(pc)
        off = pc + delta
        return int(self.memory.data[off]) | self.memory.data[off + 1] << 8

    def load(self, va: int, size: int) -> int:
        """The slow path of a load: translation, misaligned and page-crossing accesses, MMIO."""
        if (va & 0xFFF) + size > 0x1000:
            value = 0
            for k in range(size):
                value |= self.load((va + k) & M64, 1) << (8 * k)
            return value
        pa = self.translate(va, ACCESS_LOAD)
        cacheable = self._pmp(pa, size, ACCESS_LOAD, va)
        off = self._ram_offset(pa, size)
        if off >= 0:
            if cacheable:
                self.rt[va & PAGE] = off - va
            return int.from_bytes(self.memory.data[off : off + size], "little")
        try:
            return self.bus.read(pa, size)
        except BusError:
            raise Trap(ACCESS_FAULT[ACCESS_LOAD], va) from None

    def store(self, va: int, size: int, value: int) -> None:
        """The slow path of a store; also where stores to translated code are noticed."""
        if (va & 0xFFF) + size > 0x1000:
            for k in range(size):  # check every byte first: the store is all or nothing
                pa = self.translate((va + k) & M64, ACCESS_STORE)
                self._pmp(pa, 1, ACCESS_STORE, (va + k) & M64)
            for k in range(size):
                self.store((va + k) & M64, 1, (value >> (8 * k)) & 0xFF)
            return
        pa = self.translate(va, ACCESS_STORE)
        cacheable = self._pmp(pa, size, ACCESS_STORE, va)
        off = self._ram_offset(pa, size)
        if off >= 0:
            page = off >> 12
            if page in self._code_pages:
                self.invalidate_code(page)
            hook = self.ram_hooks.get(page) if self.ram_hooks else None
            if cacheable and hook is None:
                self.wt[va & PAGE] = off - va
            self.memory.data[off : off + size] = value.to_bytes(size, "little")
            if hook is not None:
                hook(pa, size)
            return
        try:
            self.bus.write(pa, size, value)
        except BusError:
            raise Trap(ACCESS_FAULT[ACCESS_STORE], va) from None

    def amo_host(self, va: int, size: int) -> int:
        """RAM offset for an AMO: aligned, writable, never MMIO (8.4)."""
        if va & (size - 1):
            raise Trap(CAUSE_MISALIGNED_STORE, va)
        delta = self.wt.get(va & PAGE)
        if delta is not None:
            return va + delta
        pa = self.translate(va, ACCESS_STORE)
        cacheable = self._pmp(pa, size, ACCESS_STORE, va)
        off = self._ram_offset(pa, size)
        if off < 0:
            raise Trap(ACCESS_FAULT[ACCESS_STORE], va)
        if off >> 12 in self._code_pages:
            self.invalidate_code(off >> 12)
        if cacheable and off >> 12 not in self.ram_hooks:
            self.wt[va & PAGE] = off - va
        return off

    def add_ram_hook(self, pa: int, hook: RamHook) -> None:
        """Run `hook` after every store to the RAM page holding `pa` (a device mailbox)."""
        off = self._ram_offset(pa, 1)
        if off < 0:
            raise ValueError(f"RAM hook at {pa:#x}: not in RAM")
        self.ram_hooks[off >> 12] = hook
        self.flush_write_tlb()

    def load_reserved(self, va: int, size: int) -> int:
        if va & (size - 1):
            raise Trap(CAUSE_MISALIGNED_LOAD, va)
        value = self.load(va, size)
        self._reservation = va
        return value

    def store_conditional(self, va: int, size: int, value: int) -> int:
        """sc: 0 on success; the reservation is consumed either way."""
        if va & (size - 1):
            raise Trap(CAUSE_MISALIGNED_STORE, va)
        if self._reservation != va:
            self._reservation = -1
            return 1
        self._reservation = -1
        self.amo_host(va, size)  # faults like a store even when the reservation holds
        self.store(va, size, value)
        return 0
