"""The cgroups of a rootless command (Documentation/admin-guide/cgroup-v2.rst,
"Delegation"): a v2 driver over the subtree delegated to the user where there is one,
else a stand-in that limits nothing."""

from __future__ import annotations

import os
from pathlib import Path

from vmforms.container.errors import ContainerError


class NoCgroup:
    """A rootless container's stand-in for a cgroup where none is delegated: it holds no
    process (PID 1's pid namespace takes the others with it when it dies) and limits
    nothing (the warning said so). Opened for a running container, it knows PID 1: its
    processes are those of PID 1's pid namespace, and their use of CPU and memory is
    read from /proc (for `top` and `stats`)."""

    def __init__(self, name: str, pid: int = 0) -> None:
        self._name = name
        self._pid = pid

    @property
    def name(self) -> str:
        return self._name

    @property
    def paths(self) -> dict[str, Path]:
        return {}

    def exists(self) -> bool:
        return False

    def add(self, pid: int) -> None:
        pass

    def procs(self) -> list[int]:
        if not self._pid:
            return []
        try:
            ns = os.stat(f"/proc/{self._pid}/ns/pid").st_ino
        except OSError:
            return []
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.stat(f"/proc/{entry}/ns/pid").st_ino == ns:
                        found.append(int(entry))
                except OSError:
                    continue  # gone, or not ours to see
        return sorted(found)

    def kill_all(self, sig: int = 9) -> None:
        pass

    def freeze(self, timeout: float = 5.0) -> None:
        raise ContainerError("pause needs the freezer cgroup, which is not delegated to "
                             "rootless containers on this host")

    def thaw(self) -> None:
        pass

    def oom_killed(self) -> bool:
        return False

    def stats(self) -> dict[str, int]:
        """CPU time and resident memory summed over the processes, from /proc/PID/stat
        (utime and stime, fields 14 and 15, in clock ticks) and statm (pages)."""
        procs = self.procs()
        ticks = os.sysconf("SC_CLK_TCK")
        page = os.sysconf("SC_PAGE_SIZE")
        cpu = memory = 0
        for pid in procs:
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    fields = f.read(4096).rpartition(b")")[2].split()
                with open(f"/proc/{pid}/statm", "rb") as f:
                    resident = f.read(4096).split()[1]
                cpu += (int(fields[11]) + int(fields[12])) * 1_000_000_000 // ticks
                memory += int(resident) * page
            except (OSError, IndexError, ValueError):
                continue
        return {"cpu_usage_ns": cpu, "memory_usage": memory, "pids_current": len(procs)}

    def destroy(self, timeout: float = 10.0) -> None:
        pass


class NoCgroupDriver:
    """The cgroup driver of a rootless command on a host that delegates none."""

    version = 0

    def create(self, name: str, limits: object) -> NoCgroup:
        """No cgroup; limits asked for are said not to be applied, as runc rootless does,
        by the OCI runtime (the engine's `run` has said it before starting)."""
        from vmforms.container.rootless import LIMITS_WARNING, active

        if not active() and any(getattr(limits, field, None) is not None for field in (
                "memory", "memory_swap", "cpu_quota", "cpu_shares", "pids", "cpuset_cpus",
                "cpuset_mems")):
            import sys

            sys.stderr.write(LIMITS_WARNING + "\n")
        return NoCgroup(name)

    def open(self, name: str) -> NoCgroup:
        """The stand-in of the engine's running container ("vmforms/ID"); CgroupNotFound
        otherwise (the OCI runtime's containers, stopped ones), as for a cgroup whose
        directory is gone."""
        from vmforms.container import state as st
        from vmforms.container.errors import CgroupNotFound
        from vmforms.container.rootless import HOST_MARK, MARKER, active

        cid = name.rstrip("/").rpartition("/")[2]
        c = None
        engine = active() or os.environ.get(MARKER) == HOST_MARK
        if engine and cid and cid not in (".", ".."):
            try:
                c = st.load(st.containers_dir() / cid)
            except OSError:
                c = None
        if c is None or not c.running:
            raise CgroupNotFound(f"cgroup {name}: rootless containers have none on this host")
        return NoCgroup(name, int(c.state["Pid"]))


def cgroup_driver(base: Path = Path("/sys/fs/cgroup"),
                  own_cgroup: Path = Path("/proc/self/cgroup")) -> object:
    """On a cgroup-v2 host that delegates a subtree to the user (systemd's user@UID.service
    with Delegate=yes), a v2 driver rooted there, as podman's cgroupfs manager uses it;
    else (cgroup v1, or nothing delegated) no cgroups at all."""
    if (base / "cgroup.controllers").exists():
        try:
            with open(own_cgroup, "rb") as f:
                lines = f.read(65536).decode(errors="replace").splitlines()
        except OSError:
            lines = []
        own = next((line[3:] for line in lines if line.startswith("0::/")), None)
        if own is not None:
            # Our own cgroup holds processes, so children go beside it, in the nearest
            # ancestor that is ours to write (no internal processes: cgroup-v2.rst).
            path = (base / own.lstrip("/")).parent
            while path != base and base in path.parents:
                try:
                    ours = all(os.stat(path / f).st_uid == os.geteuid()
                               for f in ("", "cgroup.procs", "cgroup.subtree_control"))
                except OSError:
                    ours = False
                if ours:
                    from vmforms.container.cgroups.v2 import V2Driver

                    return V2Driver(path)
                path = path.parent
    return NoCgroupDriver()
