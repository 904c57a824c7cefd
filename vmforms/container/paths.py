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

DEFAULT_ROOT = "/var/lib/vmforms"
# In the OCI runtime's directory of a container until `start`: PID 1 waits to open it.
EXEC_FIFO = "exec.fifo"


def state_root() -> Path:
    return Path(os.environ.get("VMFORMS_ROOT") or DEFAULT_ROOT)


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
