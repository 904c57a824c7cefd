"""The PLIC: gateways, priorities, thresholds, claim and complete (riscv-plic-spec)."""

import pytest

from vmforms.hypervisor.devices.plic import Plic
from vmforms.hypervisor.errors import BusError

CTX_S = 1
ENABLE_S = 0x2000 + 0x80 * CTX_S
THRESHOLD_S = 0x200000 + 0x1000 * CTX_S
CLAIM_S = THRESHOLD_S + 4


def make() -> tuple[Plic, list[bool], list[bool]]:
    m, s = [], []
    plic = Plic([m.append, s.append])
    return plic, m, s


def test_enabled_prioritised_source_reaches_only_its_context() -> None:
    plic, m, s = make()
    plic.write(4 * 10, 4, 1)
    plic.set_level(10, True)
    assert s == [] and plic.read(0x1000, 4) == 1 << 10
    plic.write(ENABLE_S, 4, 1 << 10)
    assert s == [True] and m == []


def test_claim_complete_and_level_semantics() -> None:
    plic, _, s = make()
    for src in (1, 10):
        plic.write(4 * src, 4, 1)
    plic.write(4 * 1, 4, 3)  # source 1 outranks source 10
    plic.write(ENABLE_S, 4, (1 << 1) | (1 << 10))
    plic.set_level(10, True)
    plic.set_level(1, True)
    assert plic.read(CLAIM_S, 4) == 1
    assert plic.read(CLAIM_S, 4) == 10
    assert plic.read(CLAIM_S, 4) == 0
    assert s[-1] is False
    plic.write(CLAIM_S, 4, 10)  # still raised: pends again after completion
    assert s[-1] is True and plic.read(CLAIM_S, 4) == 10
    plic.set_level(10, False)
    plic.write(CLAIM_S, 4, 10)
    plic.set_level(1, False)
    plic.write(CLAIM_S, 4, 1)
    assert plic.read(CLAIM_S, 4) == 0 and s[-1] is False


def test_threshold_masks_lower_priorities() -> None:
    plic, _, s = make()
    plic.write(4 * 5, 4, 2)
    plic.write(ENABLE_S, 4, 1 << 5)
    plic.write(THRESHOLD_S, 4, 2)
    plic.set_level(5, True)
    assert s == [] and plic.read(CLAIM_S, 4) == 0
    plic.write(THRESHOLD_S, 4, 1)
    assert s == [True]


def test_priority_zero_never_interrupts_and_bad_accesses_are_harmless() -> None:
    plic, _, s = make()
    plic.write(ENABLE_S, 4, 0xFFFFFFFF)
    plic.set_level(3, True)
    assert s == []
    plic.set_level(99, True)
    for offset, size in ((4 * 3, 2), (4 * 3, 8), (4 * 3 + 1, 4), (4 * 3, 1)):
        # QEMU's PLIC takes aligned 32-bit accesses only: others are access faults
        with pytest.raises(BusError):
            plic.write(offset, size, 7)
        with pytest.raises(BusError):
            plic.read(offset, size)
    assert plic.read(4 * 3, 4) == 0
    assert plic.read(0x3FFF000, 4) == 0
    plic.write(0x3FFF004, 4, 1)
    assert plic.read(ENABLE_S, 4) == 0xFFFFFFFE
