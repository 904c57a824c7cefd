"""Shared test helpers: where the project's command lives, and the JDK/root probes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

VMFORMS = str(Path(sys.executable).with_name("vmforms"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Anything under tests/integration is an integration test.
    for item in items:
        if "/tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    """A temporary directory of the test's own. pytest's shared one (/tmp/pytest-of-USER,
    numbered per session) is pruned by other pytest sessions on the same host, which
    pulls it from under a test that is still running. `--one-file-system` keeps the
    removal off anything a failed test left mounted inside it."""
    path = Path(tempfile.mkdtemp(prefix="vmforms-tmp-"))
    yield path
    subprocess.run(["rm", "-rf", "--one-file-system", str(path)], check=False)


@pytest.fixture(scope="session", autouse=True)
def _default_bridge_as_found() -> Iterator[None]:
    """Tests that run the demo run containers in the default store, and the default
    bridge they bring up stays up between containers, as docker0 does: a session that
    found it down takes it down again, unless the store has networks of a user's (which
    `network prune` would take too; prune leaves a network in use alone)."""
    up = Path("/sys/class/net/vmforms0").exists()
    yield
    if up or os.geteuid() != 0 or not Path("/sys/class/net/vmforms0").exists():
        return
    table = subprocess.run([VMFORMS, "container", "network", "ls"], capture_output=True,
                           text=True, timeout=60).stdout.splitlines()[1:]
    if {line.split()[1] for line in table if line.strip()} <= {"bridge", "host", "none"}:
        subprocess.run([VMFORMS, "container", "network", "prune", "-f"], capture_output=True,
                       timeout=60)


@pytest.fixture(scope="session")
def vmforms_bin() -> str:
    if not os.access(VMFORMS, os.X_OK):
        pytest.fail(f"{VMFORMS} is missing: run `make setup` first")
    return VMFORMS


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (make setup installs it)")
    return path
