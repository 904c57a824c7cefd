"""The device rules' eBPF program, instruction by instruction (struct bpf_insn)."""

from __future__ import annotations

import struct

import pytest

from vmforms.container.cgroups import devicefilter
from vmforms.container.errors import InvalidOption


def _insns(program: bytes) -> list[tuple[int, int, int, int, int]]:
    out = []
    for i in range(0, len(program), 8):
        code, regs, off, imm = struct.unpack_from("<BBhi", program, i)
        out.append((code, regs & 0xF, regs >> 4, off, imm))
    return out


def test_rules_become_checks_that_skip_to_the_next_rule() -> None:
    prog = _insns(devicefilter.program(("c 1:3 rwm", "b *:* m")))
    prologue, rest = prog[:6], prog[6:]
    assert [p[0] for p in prologue] == [0x61, 0x57, 0x61, 0x77, 0x61, 0x61]
    # rule 1: type, major, minor (all access: no mask check), then r0 = 1; exit
    assert rest[0] == (0x55, 2, 0, 4, 2)   # type != char: skip 4
    assert rest[1] == (0x55, 4, 0, 3, 1)   # major != 1: skip 3
    assert rest[2] == (0x55, 5, 0, 2, 3)   # minor != 3: skip 2
    assert rest[3][0] == 0xB7 and rest[3][4] == 1 and rest[4][0] == 0x95
    # rule 2: type block, access within m (mov, and, jne), no major/minor
    assert rest[5] == (0x55, 2, 0, 5, 1)
    assert rest[6][0] == 0xBF and rest[7] == (0x57, 6, 0, 0, 1) and rest[8] == (0x5D, 6, 3, 2, 0)
    # default deny
    assert rest[-2][0] == 0xB7 and rest[-2][4] == 0 and rest[-1][0] == 0x95


@pytest.mark.parametrize("rule", ["c 1:3", "x 1:3 r", "c one:3 r", "c 1:3 rq", "c 1-3 r"])
def test_bad_rules_are_refused(rule: str) -> None:
    with pytest.raises(InvalidOption, match="device rule"):
        devicefilter.program((rule,))
