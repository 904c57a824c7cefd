"""The cgroup v1 driver: one directory per mounted hierarchy
(Documentation/admin-guide/cgroup-v1/cgroups.rst, memory.rst, cpusets.rst, pids.rst,
freezer-subsystem.rst; Documentation/scheduler/sched-bwc.rst for the CFS quota).

Like runc's fs driver, a container joins every mounted v1 hierarchy, name=systemd
included, so that each controller and systemd's own tools see it apart from the shell
that started it. A hybrid host's cgroup2 mount (/sys/fs/cgroup/unified) belongs to
systemd and is left alone.
"""

from __future__ import annotations

import signal
from collections.abc import Mapping
from pathlib import Path

from vmforms.container.cgroups import fs
from vmforms.container.cgroups.base import Limits, split_name
from vmforms.container.errors import CgroupError, CgroupNotFound

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    import logging

    from vmforms.container.cgroups.base import CgroupStats


def _log() -> logging.Logger:
    import logging  # only on the rare warning path: it costs start-up time

    return logging.getLogger(__name__)

# Controllers a v1 mount can carry (Documentation/admin-guide/cgroup-v1/); other
# super options (rw, clone_children, release_agent=...) are mount flags.
V1_CONTROLLERS = frozenset(
    {
        "blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "hugetlb", "memory",
        "misc", "net_cls", "net_prio", "perf_event", "pids", "rdma", "debug",
    }
)  # fmt: skip


def hierarchy_controllers(super_options: tuple[str, ...]) -> list[str]:
    """The controllers of one v1 mount: its controller options and its name=."""
    return [o for o in super_options if o in V1_CONTROLLERS or o.startswith("name=")]


class V1Cgroup:
    """A container's directory in each v1 hierarchy, keyed by controller."""

    def __init__(self, name: str, paths: Mapping[str, Path]) -> None:
        self._name = name
        self._paths = dict(paths)

    def __repr__(self) -> str:
        return f"V1Cgroup({self._name!r})"

    @property
    def name(self) -> str:
        return self._name

    @property
    def paths(self) -> Mapping[str, Path]:
        return dict(self._paths)

    def _dirs(self) -> list[Path]:
        # Co-mounted controllers (cpu,cpuacct) share one directory; cpuset first, because
        # a task can only enter a cpuset that has CPUs and memory nodes.
        unique = dict.fromkeys(self._paths[c] for c in sorted(self._paths, key=_cpuset_first))
        return list(unique)

    def exists(self) -> bool:
        return any(d.is_dir() for d in self._dirs())

    def add(self, pid: int) -> None:
        for directory in self._dirs():
            fs.write(directory / "cgroup.procs", pid)

    def procs(self) -> list[int]:
        return fs.read_procs(self._dirs())

    def kill_all(self, sig: int = signal.SIGKILL) -> None:
        # A SIGKILL sent pid by pid races with fork(); frozen tasks cannot fork, and the
        # kill is delivered as soon as they thaw (runc's signalAllProcesses does this too).
        freezer = self._paths.get("freezer")
        if sig != signal.SIGKILL or freezer is None or not freezer.is_dir():
            fs.signal_pids(self.procs(), sig)
            return
        try:
            self.freeze(timeout=1.0)
        except CgroupError:
            pass  # a task stuck in D state keeps FREEZING: kill it anyway
        try:
            fs.signal_pids(self.procs(), sig)
        finally:
            self.thaw()

    def freeze(self, timeout: float = 5.0) -> None:
        state = self._controller_dir("freezer") / "freezer.state"
        fs.write(state, "FROZEN")
        if not fs.wait_until(lambda: fs.read_text(state).strip() == "FROZEN", timeout):
            fs.write(state, "THAWED")
            raise CgroupError(f"freeze {self._name}: {state} still FREEZING after {timeout}s")

    def thaw(self) -> None:
        state = self._controller_dir("freezer") / "freezer.state"
        if fs.read_optional(state) is not None:
            fs.write(state, "THAWED")

    def _controller_dir(self, controller: str) -> Path:
        directory = self._paths.get(controller)
        if directory is None:
            raise CgroupError(f"cgroup {self._name}: the {controller} hierarchy is not mounted")
        return directory

    def oom_killed(self) -> bool:
        memory = self._paths.get("memory")
        text = None if memory is None else fs.read_optional(memory / "memory.oom_control")
        return text is not None and fs.parse_keyed(text).get("oom_kill", 0) > 0

    def stats(self) -> CgroupStats:
        stats: CgroupStats = {}
        if (memory := self._paths.get("memory")) is not None:
            if (usage := fs.read_optional(memory / "memory.usage_in_bytes")) is not None:
                stats["memory_usage"] = int(usage)
            if (limit := fs.read_optional(memory / "memory.limit_in_bytes")) is not None:
                stats["memory_limit"] = fs.parse_limit(limit)
        if (pids := self._paths.get("pids")) is not None:
            if (current := fs.read_optional(pids / "pids.current")) is not None:
                stats["pids_current"] = int(current)
            if (limit := fs.read_optional(pids / "pids.max")) is not None:
                stats["pids_limit"] = fs.parse_limit(limit)
        cpuacct = self._paths.get("cpuacct")
        usage = None if cpuacct is None else fs.read_optional(cpuacct / "cpuacct.usage")
        if usage is not None:
            stats["cpu_usage_ns"] = int(usage)
        return stats

    def destroy(self, timeout: float = 10.0) -> None:
        if not fs.wait_until(self._killed, timeout):
            raise CgroupError(
                f"destroy {self._name}: processes {self.procs()} did not exit "
                f"within {timeout}s of SIGKILL (stuck in uninterruptible sleep?)"
            )
        for directory in self._dirs():
            fs.remove_tree(directory, timeout)

    def _killed(self) -> bool:
        if not self.procs():
            return True
        self.kill_all(signal.SIGKILL)
        return not self.procs()


def _cpuset_first(controller: str) -> tuple[bool, str]:
    return (controller != "cpuset", controller)


class V1Driver:
    """Creates cgroups as the same relative path in every mounted v1 hierarchy."""

    version = 1

    def __init__(self, hierarchies: Mapping[str, Path]) -> None:
        """`hierarchies` maps each controller (and "name=systemd") to its mount point."""
        self.hierarchies = dict(hierarchies)

    def __repr__(self) -> str:
        return f"V1Driver({sorted(self.hierarchies)})"

    def _paths(self, name: str) -> dict[str, Path]:
        parts = split_name(name)
        return {c: mount.joinpath(*parts) for c, mount in self.hierarchies.items()}

    def _mounts(self) -> list[Path]:
        ordered = sorted(self.hierarchies, key=_cpuset_first)
        return list(dict.fromkeys(self.hierarchies[c] for c in ordered))

    def open(self, name: str) -> V1Cgroup:
        cgroup = V1Cgroup(name, self._paths(name))
        if not cgroup.exists():
            raise CgroupNotFound(f"cgroup {name} does not exist in any v1 hierarchy")
        return cgroup

    def create(self, name: str, limits: Limits) -> V1Cgroup:
        parts = split_name(name)
        if missing := sorted(limits.controllers() - self.hierarchies.keys()):
            raise CgroupError(
                f"create cgroup {name}: {', '.join(missing)} limits were asked for but no "
                f"such hierarchy is mounted (mount -t cgroup -o {missing[0]} ...)"
            )
        created: list[Path] = []
        try:
            cpuset = self.hierarchies.get("cpuset")
            for mount in self._mounts():
                _make_path(mount, parts, created, cpuset=mount == cpuset)
            cgroup = V1Cgroup(name, self._paths(name))
            _apply(cgroup, limits)
        except BaseException:
            for directory in reversed(created):
                try:
                    fs.rmdir(directory)
                except OSError:
                    pass  # a parent another container is using, or already gone
            raise
        return cgroup


def _make_path(mount: Path, parts: tuple[str, ...], created: list[Path], *, cpuset: bool) -> None:
    """mkdir each missing component below `mount`; the last one must be new."""
    for attempt in range(3):
        path = mount
        try:
            for depth, part in enumerate(parts, 1):
                path = path / part
                try:
                    fs.mkdir(path)
                except FileExistsError:
                    if depth == len(parts):
                        raise CgroupError(f"create cgroup: {path} already exists") from None
                else:
                    created.append(path)
                if cpuset:
                    _init_cpuset(path)
            return
        except FileNotFoundError:
            # A concurrent destroy or rollback removed an empty parent we were about to
            # use: build the path again.
            if attempt == 2:
                raise CgroupError(f"create cgroup: mkdir {path}: parent keeps vanishing") from None
        except OSError as e:
            raise CgroupError(f"create cgroup: mkdir {path}: {e.strerror}") from e


def _init_cpuset(path: Path) -> None:
    # A new cpuset starts with no CPUs and no memory nodes unless the parent has
    # cgroup.clone_children set, and refuses tasks (ENOSPC) until both are filled in.
    for name in ("cpuset.cpus", "cpuset.mems"):
        if fs.read_text(path / name).strip() == "":
            fs.write(path / name, fs.read_text(path.parent / name).strip())


def _apply(cgroup: V1Cgroup, limits: Limits) -> None:
    paths = cgroup.paths
    memory = paths.get("memory")
    if memory is not None and limits.memory is not None:
        # memsw must never be below the memory limit: on a new cgroup both are unlimited,
        # so the memory limit goes first and memsw second.
        fs.write(memory / "memory.limit_in_bytes", limits.memory)
        memsw = memory / "memory.memsw.limit_in_bytes"
        if fs.read_optional(memsw) is not None:
            fs.write(memsw, limits.memsw_total() or -1)
        elif limits.memory_swap is not None:
            _log().warning(
                "%s is missing (no swap accounting: boot with swapaccount=1); "
                "memory is limited without swap",
                memsw,
            )
    if memory is not None and limits.memory_swappiness is not None:
        fs.write(memory / "memory.swappiness", limits.memory_swappiness)
    cpu = paths.get("cpu")
    if cpu is not None:
        # The period first: a quota is checked against the period in force.
        if limits.cpu_period is not None:
            fs.write(cpu / "cpu.cfs_period_us", limits.cpu_period)
        if limits.cpu_quota is not None:
            fs.write(cpu / "cpu.cfs_quota_us", limits.cpu_quota)
        if limits.cpu_shares is not None:
            fs.write(cpu / "cpu.shares", limits.cpu_shares)
    cpuset = paths.get("cpuset")
    if cpuset is not None:
        # Memory nodes first: a task needs both, and the CPUs are the common case.
        if limits.cpuset_mems is not None:
            fs.write(cpuset / "cpuset.mems", limits.cpuset_mems)
        if limits.cpuset_cpus is not None:
            fs.write(cpuset / "cpuset.cpus", limits.cpuset_cpus)
    pids = paths.get("pids")
    if pids is not None and limits.pids is not None:
        fs.write(pids / "pids.max", limits.pids)
    devices = paths.get("devices")
    if devices is not None and limits.devices is not None:
        # Deny everything, then allow the listed devices (cgroup-v1/devices.rst).
        fs.write(devices / "devices.deny", "a")
        for rule in limits.devices:
            fs.write(devices / "devices.allow", rule)


def driver_from_mounts(mounts: list[fs.Mount], root: Path) -> V1Driver | None:
    """A driver over the v1 hierarchies mounted under `root`, or None when there are none.
    The first mount of a hierarchy wins, as a later one is a bind mount of it."""
    hierarchies: dict[str, Path] = {}
    for mount in mounts:
        if mount.fstype != "cgroup" or mount.mount_point.parent != root:
            continue
        for controller in hierarchy_controllers(mount.super_options):
            hierarchies.setdefault(controller, mount.mount_point)
    return V1Driver(hierarchies) if hierarchies else None
