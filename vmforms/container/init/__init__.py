"""The init process for `run --init`, compiled from init.c at setup time."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from vmforms.container.errors import ContainerError
from vmforms.container.paths import state_root

SOURCE = Path(__file__).with_name("init.c")
CONTAINER_PATH = "/sbin/vmforms-init"


def init_binary() -> Path:
    return state_root() / "assets" / "init" / "vmforms-init"


def ensure_init() -> str:
    """`vmforms setup` step: build the static init binary if it is missing or stale."""
    target = init_binary()
    if target.exists() and target.stat().st_mtime >= SOURCE.stat().st_mtime:
        return f"{target} (cached)"
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise ContainerError("building the container init needs a C compiler: "
                             "apt-get install gcc libc6-dev")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    proc = subprocess.run([compiler, "-static", "-O2", "-s", "-o", str(tmp), str(SOURCE)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise ContainerError(f"compile {SOURCE.name}: {proc.stderr.strip()[-300:]}")
    os.replace(tmp, target)
    return str(target)


def exec_helper() -> Path:
    """The same binary as the helper `exec_in` runs from a sealed memfd: the state root's,
    or the default root's for an OCI runtime started without VMFORMS_ROOT."""
    from vmforms.container.paths import DEFAULT_ROOT

    for target in (init_binary(), Path(DEFAULT_ROOT) / "assets" / "init" / "vmforms-init"):
        if target.exists():
            return target
    raise ContainerError(f"exec: {init_binary()} is not built; run `vmforms setup`")


def require_init() -> Path:
    target = init_binary()
    if not target.exists():
        raise ContainerError(f"--init: {target} is not built; run `vmforms setup`")
    return target
