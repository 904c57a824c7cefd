"""Where the container form keeps its state, and the file lock that serialises writers.

Everything lives under VMFORMS_ROOT (default /var/lib/vmforms): images/ holds the
content-addressed store, containers/ one directory per container.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vmforms.container.statefs import EXEC_FIFO as EXEC_FIFO

DEFAULT_ROOT = "/var/lib/vmforms"


def state_root() -> Path:
    return Path(os.environ.get("VMFORMS_ROOT") or DEFAULT_ROOT)


def ensure_private_root() -> str:
    """Make the state root, or check it, as podman keeps its store: owned by its user
    (root, or a rootless user: rootless.py), mode 0700. Below it lie image layers with
    setuid binaries, device nodes and world-writable directories that no other local user
    may reach; a looser mode (an older store) is repaired here, by every container
    command and by `vmforms setup`."""
    from vmforms.container.errors import ContainerError

    root = state_root()
    if os.geteuid() != 0 and str(root) == DEFAULT_ROOT:
        raise ContainerError(f"{root} is root's store: run this command as root, or as "
                             "yourself without VMFORMS_ROOT (a store of your own)")
    root.parent.mkdir(parents=True, exist_ok=True)
    try:
        root.mkdir(mode=0o700)
    except FileExistsError:
        pass
    st = os.stat(root)
    if st.st_uid != os.geteuid():
        raise ContainerError(f"the state root {root} is owned by uid {st.st_uid}, not "
                             f"{os.geteuid()}: refusing to keep images there")
    if st.st_mode & 0o077:
        os.chmod(root, 0o700)
        return f"{root} (mode {st.st_mode & 0o777:o} repaired to 700)"
    return f"{root} (mode 700)"


@contextmanager
def locked(lock_file: Path, *, shared: bool = False) -> Iterator[None]:
    """Hold an flock on `lock_file` (created if missing) for the duration of the block.

    flock locks belong to the open file description, so a process killed while holding
    one releases it: a crashed command never leaves the store locked.
    """
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
