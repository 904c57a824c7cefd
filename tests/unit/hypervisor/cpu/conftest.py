"""The assembled test programs go under pytest's base directory, which the test run
removes whatever happens to the process (a killed run leaves no directory of its own)."""

from __future__ import annotations

import pytest

from . import rig


@pytest.fixture(scope="session", autouse=True)
def _assembled_programs(tmp_path_factory: pytest.TempPathFactory) -> None:
    rig.set_cache_dir(tmp_path_factory.mktemp("riscv-asm"))
