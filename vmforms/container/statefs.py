"""The files of container state, with nothing but `os` beneath them: records written
atomically as JSON, pids that count only while their start time matches, and directories
removed without following a link.

`vmforms-runc` runs once for every create, start, state and delete an engine asks for;
its state, start and delete need only this module, so none of them pays for importing
pathlib, json or re (about 12 ms of CPU a process).
"""

from __future__ import annotations

import os
import time

from vmforms import jsonlite

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from os import PathLike
    from typing import Any

RECORD_LIMIT = 64 << 20  # a container's record holds its whole config.json
# In the OCI runtime's directory of a container until `start`: PID 1 waits to open it.
EXEC_FIFO = "exec.fifo"


def now_rfc3339() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1e9):09d}Z"


def process_start_time(pid: int) -> int | None:
    """The start time of `pid` in clock ticks, or None if it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(b")") + 2:].split()
    if fields[0] in (b"Z", b"X"):
        return None
    return int(fields[19])


def pid_alive(pid: int, start: int | None) -> bool:
    return pid > 0 and start is not None and process_start_time(pid) == start


def write_json(path: str | PathLike[str], data: Any) -> None:
    """Write `data` compactly to a file beside `path`, then rename it into place."""
    directory, name = os.path.split(os.fspath(path))
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.tmp")
    with open(tmp, "w") as f:
        f.write(jsonlite.dumps(data))
    os.replace(tmp, path)


def read_json(path: str | PathLike[str]) -> Any:
    """A record of ours (a malformed one is a ValueError, as json gives it)."""
    return jsonlite.read(os.fspath(path), RECORD_LIMIT)


def remove_dir(path: str | PathLike[str]) -> None:
    """Remove a container directory, whatever the container left in its upper dir.

    Walks with file descriptors and never follows a symlink (the upper dir holds what
    the container wrote, links to anywhere included). shutil.rmtree would do, but
    importing it (with bz2, lzma and fnmatch) costs every `run --rm` start-up time.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        _clear_dir(fd)
    finally:
        os.close(fd)
    os.rmdir(path)


def _clear_dir(dir_fd: int) -> None:
    with os.scandir(dir_fd) as entries:
        names = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
    for name, is_dir in names:
        if not is_dir:
            os.unlink(name, dir_fd=dir_fd)
            continue
        # overlayfs leaves its work dir mode 000: open it as root does regardless.
        fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                     dir_fd=dir_fd)
        try:
            _clear_dir(fd)
        finally:
            os.close(fd)
        os.rmdir(name, dir_fd=dir_fd)
