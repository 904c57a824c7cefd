"""The demo's Ruby column: the probe runs on our interpreter and reports the host kernel
through Etc.uname, the instructions executed, and the seed's `puts 2+2` disassembled."""

from __future__ import annotations

import os
import shutil

import pytest

from vmforms.yarv import probe

pytestmark = pytest.mark.integration


def test_ruby_probe_column(vmforms_bin: str) -> None:
    if shutil.which("ruby") is None:
        pytest.skip("ruby is not installed (make setup installs Debian's ruby 3.1)")
    values = probe.measure(vmforms_bin)
    assert values["kernel"] == os.uname().release
    assert values["cpus"] == (os.cpu_count() or 1)
    assert values["instructions"] > probe.CALLS * 5  # the call loop alone is 7 a turn
    assert values["call_ns"] > 0
    assert "0005 opt_plus" in values["insns"] and values["insns"].startswith("== disasm:")
