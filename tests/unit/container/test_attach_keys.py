"""The detach sequence of `attach` (Docker's escape proxy) and --detach-keys parsing."""

from __future__ import annotations

import pytest

from vmforms.container.attach import DETACH_KEYS, parse_detach_keys, scan_detach
from vmforms.container.errors import ContainerError


def test_scan_detach_across_reads() -> None:
    assert scan_detach(b"", b"ls\n") == (b"ls\n", b"", False)
    assert scan_detach(b"", b"ab\x10") == (b"ab", b"\x10", False)  # held: maybe the start
    assert scan_detach(b"\x10", b"\x11rest") == (b"", b"", True)
    assert scan_detach(b"\x10", b"x") == (b"\x10x", b"", False)  # not the sequence: sent
    assert scan_detach(b"", b"\x10\x10\x11") == (b"\x10", b"", True)
    assert scan_detach(b"", b"a\x01x", b"\x01x") == (b"a", b"", True)


def test_parse_detach_keys() -> None:
    assert parse_detach_keys("ctrl-p,ctrl-q") == DETACH_KEYS
    assert parse_detach_keys("ctrl-a,x") == b"\x01x"
    assert parse_detach_keys("ctrl-@,ctrl-_") == b"\x00\x1f"
    for bad in ("", "ctrl-", "ctrl-pq", "alt-x", "ab"):
        with pytest.raises(ContainerError, match="Invalid detach keys"):
            parse_detach_keys(bad)
