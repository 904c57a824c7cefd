"""The cgroup driver interface shared by the v1 and v2 drivers, and the limits they apply
(Documentation/admin-guide/cgroup-v1/*.rst and cgroup-v2.rst; OCI config-linux.md)."""

from __future__ import annotations

import re
import signal
from collections.abc import Mapping
from pathlib import Path

from vmforms.container.errors import InvalidOption
from vmforms.record import record

# The kernel's bounds: cpu.cfs_period_us and cpu.cfs_quota_us from 1 ms (a period up
# to 1 s), cpu.shares clamped to [2, 262144] (MIN_SHARES and MAX_SHARES in sched.h).
CFS_PERIOD_MIN_US = 1_000
CFS_PERIOD_MAX_US = 1_000_000
CFS_QUOTA_MIN_US = 1_000
CPU_SHARES_MIN = 2
CPU_SHARES_MAX = 262_144


_DEVICE_RULE = re.compile(r"[abc] (\*|\d+):(\*|\d+) [rwm]{1,3}")
_CPU_LIST = re.compile(r"\d+(-\d+)?(,\d+(-\d+)?)*")


@record
class Limits:
    """Resource limits of one container; None leaves the kernel's default (no limit).

    memory_swap is Docker's --memory-swap: memory plus swap in bytes, -1 for unlimited
    swap. Left as None with a memory limit it takes Docker's default, twice the memory
    (see memsw_total). On a host without swap the memory limit alone decides when the
    OOM killer runs, whatever this value is.
    """

    memory: int | None = None
    memory_swap: int | None = None
    memory_swappiness: int | None = None
    cpu_quota: int | None = None
    cpu_period: int | None = None
    cpu_shares: int | None = None
    pids: int | None = None
    # CPUs and memory nodes the container may use, in the kernel's list format ("0-2,4").
    cpuset_cpus: str | None = None
    cpuset_mems: str | None = None
    # Device access rules as cgroup v1's devices.allow takes them ("c 1:3 rwm"); all
    # other devices are denied. None leaves device access unrestricted.
    devices: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        def bad(field: str, value: int, rule: str) -> InvalidOption:
            return InvalidOption(f"invalid cgroup limit {field}={value}: {rule}")

        if self.memory is not None and self.memory <= 0:
            raise bad("memory", self.memory, "must be a positive number of bytes")
        if self.memory_swap is not None:
            if self.memory is None:
                raise bad("memory_swap", self.memory_swap, "needs a memory limit as well")
            if self.memory_swap != -1 and self.memory_swap < self.memory:
                raise bad("memory_swap", self.memory_swap, "must be -1 or at least memory")
        if self.memory_swappiness is not None and not 0 <= self.memory_swappiness <= 100:
            raise bad("memory_swappiness", self.memory_swappiness, "must be from 0 to 100")
        if self.cpu_quota is not None and self.cpu_quota < CFS_QUOTA_MIN_US:
            raise bad("cpu_quota", self.cpu_quota, f"must be at least {CFS_QUOTA_MIN_US} us")
        period = self.cpu_period
        if period is not None and not CFS_PERIOD_MIN_US <= period <= CFS_PERIOD_MAX_US:
            raise bad(
                "cpu_period", period, f"must be from {CFS_PERIOD_MIN_US} to {CFS_PERIOD_MAX_US} us"
            )
        shares = self.cpu_shares
        if shares is not None and not CPU_SHARES_MIN <= shares <= CPU_SHARES_MAX:
            raise bad("cpu_shares", shares, f"must be from {CPU_SHARES_MIN} to {CPU_SHARES_MAX}")
        if self.pids is not None and self.pids <= 0:
            raise bad("pids", self.pids, "must be positive (None means unlimited)")
        for field, text in (("cpuset_cpus", self.cpuset_cpus), ("cpuset_mems", self.cpuset_mems)):
            if text is not None and _CPU_LIST.fullmatch(text) is None:
                raise InvalidOption(f"invalid cgroup limit {field}={text!r}: expected a list "
                                    "like '0-2,4'")
        for rule in self.devices or ():
            if _DEVICE_RULE.fullmatch(rule) is None:
                raise InvalidOption(f"invalid device rule {rule!r}: expected TYPE MAJOR:MINOR "
                                    "ACCESS, as in 'c 1:3 rwm'")

    def controllers(self) -> frozenset[str]:
        """The controllers these limits need: "memory", "cpu", "pids"."""
        needed = set()
        if self.memory is not None or self.memory_swappiness is not None:
            needed.add("memory")
        if (self.cpu_quota, self.cpu_period, self.cpu_shares) != (None, None, None):
            needed.add("cpu")
        if self.pids is not None:
            needed.add("pids")
        if self.cpuset_cpus is not None or self.cpuset_mems is not None:
            needed.add("cpuset")
        if self.devices is not None:
            needed.add("devices")
        return frozenset(needed)

    def memsw_total(self) -> int | None:
        """Memory plus swap to apply: None when there is no memory limit, -1 for unlimited
        swap, else bytes; Docker's default for an unset --memory-swap is twice --memory."""
        if self.memory is None:
            return None
        if self.memory_swap is None:
            return 2 * self.memory
        return self.memory_swap


TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Protocol, TypedDict

    class CgroupStats(TypedDict, total=False):
        """What stats() reports; a key is missing when its controller is not available.
        A limit of None means unlimited."""

        memory_usage: int
        memory_limit: int | None
        pids_current: int
        pids_limit: int | None
        cpu_usage_ns: int


    class Cgroup(Protocol):
        """One container's cgroup, in every hierarchy the driver uses."""

        @property
        def name(self) -> str: ...

        @property
        def paths(self) -> Mapping[str, Path]:
            """The directory per controller ("memory", "name=systemd"; "" on v2, as in
            /proc/<pid>/cgroup)."""
            ...

        def exists(self) -> bool:
            """Whether a directory of this cgroup is left in any hierarchy."""
            ...

        def add(self, pid: int) -> None:
            """Move process `pid` (all its threads) into the cgroup in every hierarchy; 0 is
            the calling process, as cgroupfs reads it."""
            ...

        def procs(self) -> list[int]:
            """The processes in the cgroup and its descendants, sorted."""
            ...

        def kill_all(self, sig: int = signal.SIGKILL) -> None:
            """Send `sig` to every process in the cgroup."""
            ...

        def freeze(self, timeout: float = 5.0) -> None: ...

        def thaw(self) -> None: ...

        def oom_killed(self) -> bool:
            """Whether the kernel's OOM killer has killed a process of this cgroup."""
            ...

        def stats(self) -> CgroupStats: ...

        def destroy(self, timeout: float = 10.0) -> None:
            """SIGKILL what is left, wait until it has gone and remove the directories, leaves
            first. Idempotent; works on a cgroup that is partly or wholly removed already."""
            ...


    class CgroupDriver(Protocol):
        """Creates and finds cgroups. Names like "vmforms/<id>" are paths from the root of
        each hierarchy, with or without a leading slash."""

        @property
        def version(self) -> int: ...

        def create(self, name: str, limits: Limits) -> Cgroup:
            """Make the directories, enable what is needed and write `limits`; on failure
            remove whatever this call made and raise CgroupError."""
            ...

        def open(self, name: str) -> Cgroup:
            """An existing cgroup; CgroupNotFound when no directory of it is left."""
            ...


def split_name(name: str) -> tuple[str, ...]:
    """The path components of a cgroup name; refuses empty names and `.`/`..`."""
    parts = tuple(name.strip("/").split("/"))
    if name.strip("/") == "" or any(p in ("", ".", "..") or "\0" in p for p in parts):
        raise InvalidOption(
            f"invalid cgroup name {name!r}: use a relative path like 'vmforms/<id>'"
        )
    return parts


def shares_to_weight(shares: int) -> int:
    """cpu.shares [2, 262144] to cpu.weight [1, 10000] by runc's linear map. Relative
    weights between containers keep their ratio; Docker's default 1024 becomes 39."""
    return 1 + (shares - CPU_SHARES_MIN) * 9999 // (CPU_SHARES_MAX - CPU_SHARES_MIN)
