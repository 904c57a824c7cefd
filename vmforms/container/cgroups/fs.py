"""cgroupfs file access shared by both drivers, and the mount table (proc(5) mountinfo).

Interface files are written with one write(2) and no O_CREAT: the kernel parses each
write whole and cgroupfs cannot create files, so a missing file is a missing feature.
mkdir and rmdir go through this module so that tests can stand in for the kernel.
"""

from __future__ import annotations

import errno
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from vmforms.container.errors import CgroupError
from vmforms.record import record

# Reading a file of a cgroup removed under us fails with ENODEV rather than ENOENT.
_GONE = (errno.ENOENT, errno.ENODEV)


@record
class Mount:
    """One line of /proc/self/mountinfo, the fields the drivers need."""

    mount_point: Path
    fstype: str
    super_options: tuple[str, ...]


_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    # The kernel escapes space, tab, newline and backslash in paths as \ooo.
    return _OCTAL_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> list[Mount]:
    """Mounts in mountinfo order. Fields: id, parent, major:minor, root, mount point,
    options, optional fields up to "-", then fstype, source, super options."""
    mounts = []
    for line in text.splitlines():
        fields = line.split(" ")
        if "-" not in fields[6:]:
            continue
        sep = fields.index("-", 6)
        if len(fields) < sep + 4:
            continue
        mounts.append(
            Mount(
                mount_point=Path(_unescape(fields[4])),
                fstype=fields[sep + 1],
                super_options=tuple(fields[sep + 3].split(",")),
            )
        )
    return mounts


def read_mounts(mountinfo: Path) -> list[Mount]:
    try:
        return parse_mountinfo(mountinfo.read_text())
    except OSError as e:
        raise CgroupError(f"read {mountinfo}: {e.strerror}") from e


def read_text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as e:
        raise CgroupError(f"read {path}: {e.strerror}") from e


def read_optional(path: Path) -> str | None:
    """The file's text, or None when it (or its cgroup) does not exist."""
    try:
        return path.read_text()
    except OSError as e:
        if e.errno in _GONE:
            return None
        raise CgroupError(f"read {path}: {e.strerror}") from e


def parse_limit(text: str) -> int | None:
    """A v2 limit file ("max" or bytes) or a v1 one, where "unlimited" is LONG_MAX rounded
    down to a page (9223372036854771712): anything from 2**62 on counts as unlimited."""
    value = text.strip()
    if value == "max":
        return None
    number = int(value)
    return None if number >= 1 << 62 or number < 0 else number


def parse_keyed(text: str) -> dict[str, int]:
    """Flat keyed files: "key value" per line (memory.events, memory.oom_control, cpu.stat)."""
    result = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            result[key] = int(value)
    return result


# What the kernel means by an errno on a given file, where that is not obvious.
_HINTS = {
    ("cgroup.procs", errno.ESRCH): "the process has exited",
    ("cgroup.procs", errno.ENOSPC): "cpuset.cpus or cpuset.mems of the cgroup is empty",
    ("cgroup.procs", errno.EBUSY): "cgroup v2 admits processes only to leaf cgroups",
    ("cgroup.subtree_control", errno.ENOENT): "the controller is not in cgroup.controllers",
    ("cgroup.subtree_control", errno.EBUSY): "the cgroup holds processes of its own",
    ("memory.limit_in_bytes", errno.EBUSY): "the usage is already above that limit",
    ("memory.limit_in_bytes", errno.EINVAL): "it may not exceed memory.memsw.limit_in_bytes",
}


def write(path: Path, value: str | int, hint: str = "") -> None:
    data = str(value).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    except OSError as e:
        message = f"write {str(value)!r} to {path}: {e.strerror}"
        hint = hint or _HINTS.get((path.name, e.errno or 0), "")
        raise CgroupError(f"{message} ({hint})" if hint else message) from e


def mkdir(path: Path) -> None:
    os.mkdir(path, 0o755)


def rmdir(path: Path) -> None:
    os.rmdir(path)


def descendants_first(top: Path) -> list[Path]:
    """`top` and every cgroup below it, children before their parents."""
    if not top.is_dir():
        return []
    return [Path(d) for d, _, _ in os.walk(top, topdown=False)]


def read_procs(tops: Iterable[Path]) -> list[int]:
    """The pids in cgroup.procs of every cgroup under `tops`, sorted, without duplicates."""
    pids: set[int] = set()
    for top in tops:
        for cgroup in descendants_first(top):
            text = read_optional(cgroup / "cgroup.procs")
            if text is not None:
                pids.update(int(line) for line in text.split())
    return sorted(pids)


def signal_pids(pids: Iterable[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
        except OSError as e:
            raise CgroupError(f"kill {pid} with signal {sig}: {e.strerror}") from e


def wait_until(done: Callable[[], bool], timeout: float) -> bool:
    """Poll `done` with a growing pause (1 ms to 50 ms) until it holds or time runs out."""
    deadline = time.monotonic() + timeout
    pause = 0.001
    while not done():
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    return True


def remove_tree(top: Path, timeout: float) -> None:
    """rmdir `top` and its child cgroups, leaves first. A cgroup whose last task has just
    exited can refuse with EBUSY for a moment, so that is retried until `timeout`."""
    deadline = time.monotonic() + timeout
    for cgroup in descendants_first(top):
        pause = 0.001
        while True:
            try:
                rmdir(cgroup)
                break
            except FileNotFoundError:
                break
            except OSError as e:
                if e.errno != errno.EBUSY or time.monotonic() >= deadline:
                    raise CgroupError(f"rmdir {cgroup}: {e.strerror}") from e
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
