"""Containers on disk: one directory each under VMFORMS_ROOT/containers, a record
(config.json, written once) and a state (state.json, rewritten atomically).

A container's processes may outlive whichever command started them, so the state
records the host pid of PID 1 with its start time (field 22 of /proc/PID/stat): a pid
counts as the container's only while both match, which survives pid reuse.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vmforms.container.errors import ContainerNotFound
from vmforms.container.paths import locked, state_root
from vmforms.container.statefs import now_rfc3339 as now_rfc3339
from vmforms.container.statefs import pid_alive as pid_alive
from vmforms.container.statefs import process_start_time as process_start_time
from vmforms.container.statefs import read_json as read_json
from vmforms.container.statefs import remove_dir as remove_dir
from vmforms.container.statefs import write_json as write_json

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

ID_PREFIX_MIN = 1


def containers_dir() -> Path:
    return state_root() / "containers"


def lock_dir() -> Path:
    return state_root() / "locks"


def parse_rfc3339(text: str) -> float:
    if not text or text.startswith("0001"):
        return 0.0
    main, _, frac = text.rstrip("Z").partition(".")
    import calendar

    return calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S")) + float("0." + (frac or "0"))


class Container:
    """A container directory with its record and current state."""

    __slots__ = ("id", "path", "record", "state")

    def __init__(self, id: str, path: Path, record: dict[str, Any], state: dict[str, Any]
                 ) -> None:
        self.id = id
        self.path = path
        self.record = record
        self.state = state

    @property
    def name(self) -> str:
        return str(self.record["Name"])

    @property
    def running(self) -> bool:
        return self.state.get("Status") == "running" and pid_alive(
            int(self.state.get("Pid", 0)), self.state.get("PidStart"))

    @property
    def monitor_alive(self) -> bool:
        return pid_alive(int(self.state.get("MonitorPid", 0)), self.state.get("MonitorStart"))

    def save_state(self) -> None:
        write_json(self.path / "state.json", self.state)

    @property
    def lock_path(self) -> Path:
        return lock_dir() / f"{self.id}.lock"

    @contextmanager
    def lock(self) -> Iterator[None]:
        with locked(self.lock_path):
            yield

    def drop_lock_file(self) -> None:
        """Remove the lock file once the container itself is gone (under its lock)."""
        try:
            os.unlink(self.lock_path)
        except FileNotFoundError:
            pass

    def reload(self) -> bool:
        """Re-read the state; False when the container has been removed meanwhile."""
        try:
            self.state = read_json(self.path / "state.json")
        except FileNotFoundError:
            return False
        return True


def load(path: Path) -> Container | None:
    try:
        record = read_json(path / "config.json")
        state = read_json(path / "state.json")
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    return Container(path.name, path, record, state)


def all_containers() -> list[Container]:
    try:
        names = os.listdir(containers_dir())
    except FileNotFoundError:
        return []
    found = [load(containers_dir() / n) for n in names if not n.startswith(".")]
    return sorted((c for c in found if c), key=lambda c: c.record.get("Created", ""),
                  reverse=True)


def find(ref: str) -> Container:
    """A container by full id, name, or unique id prefix, as Docker looks them up."""
    if not ref:
        raise ContainerNotFound("No such container: (empty name)")
    direct = containers_dir() / ref
    if len(ref) == 64:
        c = load(direct)
        if c:
            return c
    everything = all_containers()
    for c in everything:
        if c.name == ref.lstrip("/"):
            return c
    matches = [c for c in everything if c.id.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ContainerNotFound(f"multiple containers found with provided prefix: {ref}")
    raise ContainerNotFound(f"No such container: {ref}")


def trash_dir() -> Path:
    return state_root() / "trash"


def discard_dir(path: Path) -> None:
    """Make a container directory vanish at once, and delete it in the background.

    Right after a container's last process exits, the kernel is still tearing down its
    mount namespace, and deleting the overlay's work directory waits for that (tens of
    milliseconds). `run --rm` need not wait: the directory is renamed out of the way (so
    the container is gone), and a detached process deletes it. Whatever a killed
    deleter leaves in trash/ is swept by the next container's creation.
    """
    trash = trash_dir()
    trash.mkdir(parents=True, exist_ok=True)
    target = trash / f"{path.name}.{os.getpid()}"
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return
    pid = os.fork()
    if pid == 0:  # first child: start the deleter in a session of its own, then go
        try:
            os.setsid()
            if os.fork() == 0:
                try:
                    remove_dir(target)
                finally:
                    os._exit(0)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def sweep_trash(older_than: float = 60.0) -> None:
    """Delete what a deleter that died left behind."""
    try:
        names = os.listdir(trash_dir())
    except FileNotFoundError:
        return
    now = time.time()
    for name in names:
        path = trash_dir() / name
        try:
            if now - os.lstat(path).st_mtime > older_than:
                remove_dir(path)
        except OSError:
            continue
