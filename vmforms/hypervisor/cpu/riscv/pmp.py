"""Physical memory protection as QEMU's virt hart has it (privileged spec 3.7).

Sixteen entries with a grain of four bytes, configured by pmpcfg0/pmpcfg2 and
pmpaddr0-15; pmpcfg4-14 and pmpaddr16-63 exist and read as zero. An S- or U-mode access
that no entry matches fails, because entries are implemented; an M-mode access fails only
on a locked entry. A TLB entry is filled only when the whole page has one verdict, so the
fast paths never look at PMP; a page split between rules is checked on every access.
"""

from vmforms.hypervisor.cpu.riscv.trap import ACCESS_FETCH, ACCESS_LOAD, ACCESS_STORE
from vmforms.hypervisor.memory import GuestMemory

PMP_ENTRIES = 16
PMP_R = 0x01
PMP_W = 0x02
PMP_X = 0x04
PMP_A = 0x18
PMP_A_OFF = 0x00
PMP_A_TOR = 0x08
PMP_A_NA4 = 0x10
PMP_A_NAPOT = 0x18
PMP_L = 0x80
PMPADDR_MASK = (1 << 54) - 1  # physical address bits 55:2
PRIV_M = 3
# The permission an access needs, by access kind.
NEEDS = {ACCESS_FETCH: PMP_X, ACCESS_LOAD: PMP_R, ACCESS_STORE: PMP_W}

Rule = tuple[int, int, int, bool]  # first byte, end (exclusive), R/W/X bits, locked


def napot_range(addr: int) -> tuple[int, int]:
    """The bytes a NAPOT pmpaddr covers: its trailing ones give the size (3.7.1.1)."""
    ones = 0
    while ones < 54 and (addr >> ones) & 1:
        ones += 1
    size = 1 << (ones + 3)
    lo = (addr & ~((1 << ones) - 1)) << 2
    return lo, lo + size


class PmpMixin:
    """The PMP CSRs and the check made when a TLB entry is filled."""

    memory: GuestMemory
    pmpcfg: list[int]
    pmpaddr: list[int]
    _pmp_rules: list[Rule]
    _pmp_locked: bool
    # bit 4 * privilege + access kind: all of RAM has the verdict "allowed" (the usual
    # case, which the slow paths then check with one test)
    pmp_ram_open: int

    def _init_pmp(self) -> None:
        self.pmpcfg = [0] * PMP_ENTRIES
        self.pmpaddr = [0] * PMP_ENTRIES
        self._pmp_update()

    def pmp_changed(self) -> None:
        """A rule changed: cached translations may now be wrong (the Cpu flushes)."""

    def pmp_cfg_read(self, reg: int) -> int:
        """pmpcfg`reg` (even on RV64): eight entries' bytes, entry 4*reg first."""
        value = 0
        for k in range(8):
            entry = 4 * reg + k
            if entry < PMP_ENTRIES:
                value |= self.pmpcfg[entry] << (8 * k)
        return value

    def pmp_cfg_write(self, reg: int, value: int) -> None:
        for k in range(8):
            entry = 4 * reg + k
            if entry >= PMP_ENTRIES or self.pmpcfg[entry] & PMP_L:
                continue  # a locked entry ignores writes until reset
            cfg = (value >> (8 * k)) & (PMP_L | PMP_A | PMP_X | PMP_W | PMP_R)
            if cfg & (PMP_R | PMP_W) == PMP_W:  # R=0 W=1 is reserved: no access
                cfg &= ~PMP_W
            self.pmpcfg[entry] = cfg
        self._pmp_update()

    def pmp_addr_read(self, entry: int) -> int:
        return self.pmpaddr[entry] if entry < PMP_ENTRIES else 0

    def pmp_addr_write(self, entry: int, value: int) -> None:
        if entry >= PMP_ENTRIES or self.pmpcfg[entry] & PMP_L:
            return
        nxt = self.pmpcfg[entry + 1] if entry + 1 < PMP_ENTRIES else 0
        if nxt & PMP_L and nxt & PMP_A == PMP_A_TOR:  # the top of a locked TOR range
            return
        self.pmpaddr[entry] = value & PMPADDR_MASK
        self._pmp_update()

    def _pmp_update(self) -> None:
        rules: list[Rule] = []
        for entry, cfg in enumerate(self.pmpcfg):
            mode = cfg & PMP_A
            if mode == PMP_A_OFF:
                continue
            addr = self.pmpaddr[entry]
            if mode == PMP_A_TOR:
                lo = self.pmpaddr[entry - 1] << 2 if entry else 0
                hi = addr << 2
            elif mode == PMP_A_NA4:
                lo, hi = addr << 2, (addr << 2) + 4
            else:
                lo, hi = napot_range(addr)
            if lo < hi:
                rules.append((lo, hi, cfg & (PMP_R | PMP_W | PMP_X), bool(cfg & PMP_L)))
        self._pmp_rules = rules
        self._pmp_locked = any(rule[3] for rule in rules)
        ram = self.memory
        self.pmp_ram_open = sum(
            1 << (4 * priv + access)
            for priv in (0, 1, PRIV_M)
            for access in NEEDS
            if self.pmp_allows(ram.base, ram.size, access, priv)
        )
        self.pmp_changed()

    def pmp_allows(self, pa: int, size: int, access: int, priv: int) -> bool:
        """May a `size`-byte access at physical `pa` by `priv` go ahead?

        The lowest-numbered entry that matches any byte decides; one that matches only
        some of the bytes fails the access (3.7.1.3).
        """
        if priv == PRIV_M and not self._pmp_locked:
            return True
        end = pa + size
        for lo, hi, perms, locked in self._pmp_rules:
            if end <= lo or pa >= hi:
                continue
            if pa < lo or end > hi:
                return False
            if priv == PRIV_M and not locked:
                return True
            return bool(perms & NEEDS[access])
        return priv == PRIV_M
