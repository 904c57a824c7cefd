"""The cgroup v2 driver: one directory in the unified hierarchy
(Documentation/admin-guide/cgroup-v2.rst: "Controlling Controllers", "Core Interface
Files", "Memory", "CPU", "PID").

A controller's files appear in a cgroup only once every ancestor has it in
cgroup.subtree_control, so create() enables controllers top-down. Only the leaf holds
processes: "no internal processes" forbids enabling controllers in a cgroup that has any.
"""

from __future__ import annotations

import signal
from collections.abc import Mapping
from pathlib import Path

from vmforms.container.cgroups import fs
from vmforms.container.cgroups.base import Limits, shares_to_weight, split_name
from vmforms.container.errors import CgroupError, CgroupNotFound

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    import logging

    from vmforms.container.cgroups.base import CgroupStats


def _log() -> logging.Logger:
    import logging  # only on the rare warning path: it costs start-up time

    return logging.getLogger(__name__)

# Enabled when available even without a limit, for stats and later updates.
OPTIONAL_CONTROLLERS = ("cpu", "memory", "pids")


class V2Cgroup:
    def __init__(self, name: str, path: Path) -> None:
        self._name = name
        self.path = path

    def __repr__(self) -> str:
        return f"V2Cgroup({self._name!r})"

    @property
    def name(self) -> str:
        return self._name

    @property
    def paths(self) -> Mapping[str, Path]:
        return {"": self.path}

    def exists(self) -> bool:
        return self.path.is_dir()

    def add(self, pid: int) -> None:
        fs.write(self.path / "cgroup.procs", pid)

    def procs(self) -> list[int]:
        return fs.read_procs([self.path])

    def kill_all(self, sig: int = signal.SIGKILL) -> None:
        # cgroup.kill (Linux 5.14) SIGKILLs the whole subtree in the kernel, with no race
        # against fork(); other signals, and older kernels, go pid by pid.
        kill = self.path / "cgroup.kill"
        if sig == signal.SIGKILL and kill.exists():
            fs.write(kill, 1)
        else:
            fs.signal_pids(self.procs(), sig)

    def freeze(self, timeout: float = 5.0) -> None:
        fs.write(self.path / "cgroup.freeze", 1)
        events = self.path / "cgroup.events"

        def frozen() -> bool:
            return fs.parse_keyed(fs.read_text(events)).get("frozen") == 1

        if not fs.wait_until(frozen, timeout):
            fs.write(self.path / "cgroup.freeze", 0)
            raise CgroupError(f"freeze {self._name}: {events} not frozen after {timeout}s")

    def thaw(self) -> None:
        if fs.read_optional(self.path / "cgroup.freeze") is not None:
            fs.write(self.path / "cgroup.freeze", 0)

    def oom_killed(self) -> bool:
        text = fs.read_optional(self.path / "memory.events")
        return text is not None and fs.parse_keyed(text).get("oom_kill", 0) > 0

    def stats(self) -> CgroupStats:
        stats: CgroupStats = {}
        if (usage := fs.read_optional(self.path / "memory.current")) is not None:
            stats["memory_usage"] = int(usage)
        if (limit := fs.read_optional(self.path / "memory.max")) is not None:
            stats["memory_limit"] = fs.parse_limit(limit)
        if (current := fs.read_optional(self.path / "pids.current")) is not None:
            stats["pids_current"] = int(current)
        if (limit := fs.read_optional(self.path / "pids.max")) is not None:
            stats["pids_limit"] = fs.parse_limit(limit)
        if (cpu := fs.read_optional(self.path / "cpu.stat")) is not None:
            stats["cpu_usage_ns"] = fs.parse_keyed(cpu).get("usage_usec", 0) * 1000
        return stats

    def destroy(self, timeout: float = 10.0) -> None:
        if not fs.wait_until(self._killed, timeout):
            raise CgroupError(
                f"destroy {self._name}: processes {self.procs()} did not exit "
                f"within {timeout}s of SIGKILL (stuck in uninterruptible sleep?)"
            )
        fs.remove_tree(self.path, timeout)

    def _killed(self) -> bool:
        if not self.procs():
            return True
        self.kill_all(signal.SIGKILL)
        return not self.procs()


class V2Driver:
    """Creates cgroups below the cgroup2 mount `root`."""

    version = 2

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"V2Driver({str(self.root)!r})"

    def open(self, name: str) -> V2Cgroup:
        cgroup = V2Cgroup(name, self.root.joinpath(*split_name(name)))
        if not cgroup.exists():
            raise CgroupNotFound(f"cgroup {name} does not exist under {self.root}")
        return cgroup

    def create(self, name: str, limits: Limits) -> V2Cgroup:
        parts = split_name(name)
        # v2 has no devices file: device rules there are an eBPF program attached to the
        # cgroup (BPF_CGROUP_DEVICE), which this driver does not load.
        required_set = set(limits.controllers()) - {"devices"}
        available = set(fs.read_text(self.root / "cgroup.controllers").split())
        if missing := sorted(required_set - available):
            raise CgroupError(
                f"create cgroup {name}: controller {', '.join(missing)} is not available "
                f"in {self.root / 'cgroup.controllers'}"
            )
        wanted = required_set | (set(OPTIONAL_CONTROLLERS) & available)
        created: list[Path] = []
        try:
            path = self.root
            for depth, part in enumerate(parts, 1):
                _enable(path, wanted, required_set)
                path = path / part
                try:
                    fs.mkdir(path)
                except FileExistsError:
                    if depth == len(parts):
                        raise CgroupError(f"create cgroup: {path} already exists") from None
                except OSError as e:
                    raise CgroupError(f"create cgroup: mkdir {path}: {e.strerror}") from e
                else:
                    created.append(path)
            cgroup = V2Cgroup(name, path)
            _apply(path, limits)
        except BaseException:
            for directory in reversed(created):
                try:
                    fs.rmdir(directory)
                except OSError:
                    pass  # a parent another container is using, or already gone
            raise
        return cgroup


def _enable(parent: Path, wanted: set[str], required: set[str]) -> None:
    """Enable `wanted` for the children of `parent`, one controller per write so that one
    refusal (cpu while a real-time task sits in the parent) does not block the others."""
    available = set(fs.read_text(parent / "cgroup.controllers").split())
    enabled = set(fs.read_text(parent / "cgroup.subtree_control").split())
    for controller in sorted(wanted - enabled):
        if controller not in available and controller not in required:
            continue
        try:
            fs.write(parent / "cgroup.subtree_control", f"+{controller}")
        except CgroupError:
            if controller in required:
                raise
            _log().debug("could not enable %s in %s", controller, parent)


def _apply(path: Path, limits: Limits) -> None:
    if limits.memory is not None:
        fs.write(path / "memory.max", limits.memory)
        # memory.swap.max counts swap alone, Docker's --memory-swap memory plus swap.
        total = limits.memsw_total()
        swap = path / "memory.swap.max"
        if fs.read_optional(swap) is not None:
            fs.write(swap, "max" if total is None or total == -1 else total - limits.memory)
        elif limits.memory_swap is not None:
            _log().warning("%s is missing: memory is limited without swap", swap)
    if limits.memory_swappiness is not None:
        _log().warning("cgroup v2 has no memory.swappiness: ignoring %d", limits.memory_swappiness)
    if limits.cpu_quota is not None or limits.cpu_period is not None:
        quota = "max" if limits.cpu_quota is None else str(limits.cpu_quota)
        fs.write(path / "cpu.max", f"{quota} {limits.cpu_period or 100_000}")
    if limits.cpu_shares is not None:
        fs.write(path / "cpu.weight", shares_to_weight(limits.cpu_shares))
    if limits.pids is not None:
        fs.write(path / "pids.max", limits.pids)
    if limits.cpuset_mems is not None:
        fs.write(path / "cpuset.mems", limits.cpuset_mems)
    if limits.cpuset_cpus is not None:
        fs.write(path / "cpuset.cpus", limits.cpuset_cpus)
    if limits.devices is not None:
        from vmforms.container.cgroups import devicefilter

        try:
            devicefilter.apply(str(path), limits.devices)
        except OSError as exc:
            raise CgroupError(f"cgroup v2 device rules for {path}: {exc.strerror}") from None


def driver_from_mounts(mounts: list[fs.Mount], root: Path) -> V2Driver | None:
    """A driver when `root` itself is a cgroup2 mount (the last mount on it wins)."""
    on_root = [m for m in mounts if m.mount_point == root]
    if on_root and on_root[-1].fstype == "cgroup2":
        return V2Driver(root)
    return None
