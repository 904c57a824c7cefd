"""The SBI in Python: each extension as the kernel calls it (SBI spec v2.0)."""

from __future__ import annotations

from typing import Any

import pytest

from vmforms.hypervisor.firmware.sbi import (
    SBI_ERR_ALREADY_AVAILABLE,
    SBI_ERR_INVALID_PARAM,
    SBI_ERR_NOT_SUPPORTED,
    SBI_EXT_BASE,
    SBI_EXT_DBCN,
    SBI_EXT_HSM,
    SBI_EXT_IPI,
    SBI_EXT_RFENCE,
    SBI_EXT_SRST,
    SBI_EXT_TIME,
    Sbi,
)
from vmforms.hypervisor.memory import GuestMemory

from .fake_cpu import FakeCpu

RAM = 0x80000000


class Rig:
    def __init__(self) -> None:
        self.mem = GuestMemory(RAM, 1 << 16)
        self.out = bytearray()
        self.inp = bytearray(b"typed")
        self.resets: list[tuple[str, int]] = []
        self.sbi = Sbi(self.mem, self.out.extend, self._read, self._reset)
        self.cpu = FakeCpu(self.mem, None, self.sbi)

    def _read(self, n: int) -> bytes:
        got = bytes(self.inp[:n])
        del self.inp[:n]
        return got

    def _reset(self, kind: str, reason: int) -> None:
        self.resets.append((kind, reason))

    def call(self, eid: int, fid: int = 0, *args: int) -> Any:
        return self.cpu.ecall(eid, fid, *args)


@pytest.fixture
def rig() -> Rig:
    return Rig()


def test_base_extension(rig: Rig) -> None:
    assert rig.call(SBI_EXT_BASE, 0) == (0, 2 << 24)
    for ext in (SBI_EXT_TIME, SBI_EXT_IPI, SBI_EXT_RFENCE, SBI_EXT_HSM, SBI_EXT_SRST, SBI_EXT_DBCN):
        assert rig.call(SBI_EXT_BASE, 3, ext) == (0, 1)
    assert rig.call(SBI_EXT_BASE, 3, 0x504D55) == (0, 0)  # PMU is not there
    assert rig.call(SBI_EXT_BASE, 4) == (0, 0)
    assert rig.call(SBI_EXT_BASE, 99)[0] == SBI_ERR_NOT_SUPPORTED
    assert rig.call(0x12345678, 0)[0] == SBI_ERR_NOT_SUPPORTED


def test_set_timer_programs_stimecmp_and_clears_stip(rig: Rig) -> None:
    rig.cpu.time = 1000
    assert rig.call(SBI_EXT_TIME, 0, 5000) == (0, 0)
    assert rig.cpu.stimecmp == 5000 and rig.cpu.pending[5] is False
    rig.call(SBI_EXT_TIME, 0, 10)
    assert rig.cpu.pending[5] is True
    rig.call(0x00, 0, 7000)  # legacy set_timer
    assert rig.cpu.stimecmp == 7000 and rig.cpu.pending[5] is False


def test_ipi_to_self_sets_ssip(rig: Rig) -> None:
    assert rig.call(SBI_EXT_IPI, 0, 0b10, 0) == (0, 0)
    assert 1 not in rig.cpu.pending
    rig.call(SBI_EXT_IPI, 0, 1, 0)
    assert rig.cpu.pending[1] is True
    rig.call(0x03)  # legacy clear_ipi
    assert rig.cpu.pending[1] is False
    rig.call(SBI_EXT_IPI, 0, 0, -1)  # hart_mask_base -1: all harts
    assert rig.cpu.pending[1] is True


def test_rfence_and_hsm(rig: Rig) -> None:
    for fid in (0, 1, 2):
        assert rig.call(SBI_EXT_RFENCE, fid, 1, 0, 0, 4096)[0] == 0
    assert rig.call(SBI_EXT_RFENCE, 3)[0] == SBI_ERR_NOT_SUPPORTED
    assert rig.call(SBI_EXT_HSM, 2, 0) == (0, 0)
    assert rig.call(SBI_EXT_HSM, 2, 1)[0] == SBI_ERR_INVALID_PARAM
    assert rig.call(SBI_EXT_HSM, 0, 0, 0x80200000, 0)[0] == SBI_ERR_ALREADY_AVAILABLE
    assert rig.call(SBI_EXT_HSM, 0, 3, 0x80200000, 0)[0] == SBI_ERR_INVALID_PARAM


def test_debug_console(rig: Rig) -> None:
    rig.mem.write(RAM + 0x100, b"hello")
    assert rig.call(SBI_EXT_DBCN, 0, 5, RAM + 0x100, 0) == (0, 5)
    assert rig.call(SBI_EXT_DBCN, 2, ord("!")) == (0, 0)
    assert rig.call(SBI_EXT_DBCN, 1, 3, RAM + 0x200, 0) == (0, 3)
    assert rig.mem.read(RAM + 0x200, 3) == b"typ"
    assert rig.call(SBI_EXT_DBCN, 0, 16, 0x1000, 0)[0] == SBI_ERR_INVALID_PARAM
    assert rig.out == b"hello!"


def test_legacy_console(rig: Rig) -> None:
    rig.call(0x01, 0, ord("A"))
    assert rig.out == b"A"
    assert rig.call(0x02)[0] == ord("t")
    rig.inp.clear()
    assert rig.call(0x02)[0] == -1


@pytest.mark.parametrize(
    "eid,args,expect",
    [
        (SBI_EXT_SRST, (0, 0), ("shutdown", 0)),
        (SBI_EXT_SRST, (1, 0), ("cold_reboot", 0)),
        (SBI_EXT_SRST, (2, 1), ("warm_reboot", 1)),
        (0x08, (), ("shutdown", 0)),
    ],
)
def test_system_reset_halts_the_hart(
    rig: Rig, eid: int, args: tuple[int, ...], expect: tuple[str, int]
) -> None:
    rig.call(eid, 0, *args)
    assert rig.cpu.halted and rig.resets == [expect]


def test_bad_reset_type_is_refused(rig: Rig) -> None:
    assert rig.call(SBI_EXT_SRST, 0, 7, 0)[0] == SBI_ERR_INVALID_PARAM
    assert not rig.cpu.halted and rig.resets == []
