"""Shared test helpers: where the project's command lives, and the JDK/root probes."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

VMFORMS = str(Path(sys.executable).with_name("vmforms"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Anything under tests/integration is an integration test.
    for item in items:
        if "/tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


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
