"""The rest of linux.resources (config-linux.md "Control groups") as cgroup files, for v1
and v2: memory reservation, kernel memory and the OOM killer, real-time CPU and idle,
block I/O weights and throttles, hugepage limits, network class and priorities, RDMA,
and v2's `unified` map. Each field becomes (controller, file, value) writes, in the
order the kernel needs them; `apply` writes them and returns what this kernel lacks
(a controller not mounted, a file it does not have), for a warning, as runc warns.

The fields `Limits` covers (memory limit and swap, CPU quota, period, shares and sets,
pids, devices) are mapped too, so that `update` can change any of them on a running
container with the same code.
"""

from __future__ import annotations

import errno
from pathlib import Path

from vmforms.container.cgroups import fs
from vmforms.container.errors import CgroupError, InvalidOption

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    Write = tuple[str, str, str, str]  # controller, file, value, the field it comes from

# Fields that `Limits` applies at creation; `extra_writes` leaves them out.
LIMITS_FIELDS = frozenset({"memory.limit", "memory.swap", "memory.swappiness", "cpu.quota",
                           "cpu.period", "cpu.shares", "cpu.cpus", "cpu.mems", "pids.limit",
                           "devices"})


def _int(obj: Mapping[str, Any], key: str, where: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOption(f"linux.resources.{where}{key}: expected an integer")
    return value


def _device(entry: Any, where: str) -> str:
    if not isinstance(entry, dict):
        raise InvalidOption(f"linux.resources.{where}: expected an object")
    major, minor = _int(entry, "major", where + "."), _int(entry, "minor", where + ".")
    if major is None or minor is None:
        raise InvalidOption(f"linux.resources.{where}: needs major and minor")
    return f"{major}:{minor}"


def writes(resources: Mapping[str, Any], version: int, *,
           swap_first: bool = False) -> list[Write]:
    """Every write the resources ask for, on a cgroup `version` (1 or 2); `swap_first`:
    v1's memsw limit before the memory limit (raising both above the current memsw)."""
    out: list[Write] = []

    def add(controller: str, name: str, value: object, field: str) -> None:
        out.append((controller, name, str(value), field))

    mem = resources.get("memory") or {}
    cpu = resources.get("cpu") or {}
    limit, swap = _int(mem, "limit", "memory."), _int(mem, "swap", "memory.")
    if version == 1:
        # memsw may never be below the limit: the limit goes first, as on a new cgroup
        # (both unlimited), unless both rise above the memsw limit in force.
        memory_writes = [("memory.limit_in_bytes", limit, "memory.limit"),
                         ("memory.memsw.limit_in_bytes", swap, "memory.swap")]
        for name, value, field in reversed(memory_writes) if swap_first else memory_writes:
            if value is not None:
                add("memory", name, value, field)
        for key, name in (("reservation", "memory.soft_limit_in_bytes"),
                          ("kernel", "memory.kmem.limit_in_bytes"),
                          ("kernelTCP", "memory.kmem.tcp.limit_in_bytes"),
                          ("swappiness", "memory.swappiness")):
            value = _int(mem, key, "memory.")
            if value is not None:
                add("memory", name, value, f"memory.{key}")
        if mem.get("disableOOMKiller"):
            add("memory", "memory.oom_control", 1, "memory.disableOOMKiller")
        for key, name in (("shares", "cpu.shares"), ("period", "cpu.cfs_period_us"),
                          ("quota", "cpu.cfs_quota_us"),
                          ("realtimePeriod", "cpu.rt_period_us"),
                          ("realtimeRuntime", "cpu.rt_runtime_us"), ("idle", "cpu.idle")):
            value = _int(cpu, key, "cpu.")
            if value is not None:
                add("cpu", name, value, f"cpu.{key}")
        if cpu.get("mems"):
            add("cpuset", "cpuset.mems", cpu["mems"], "cpu.mems")
        if cpu.get("cpus"):
            add("cpuset", "cpuset.cpus", cpu["cpus"], "cpu.cpus")
    else:
        if limit is not None:
            add("", "memory.max", "max" if limit == -1 else limit, "memory.limit")
        if swap is not None:
            # v2 counts swap alone; the spec's swap is memory plus swap, as v1's memsw.
            swap_max = "max" if swap == -1 or limit is None or limit == -1 else swap - limit
            add("", "memory.swap.max", swap_max, "memory.swap")
        reservation = _int(mem, "reservation", "memory.")
        if reservation is not None:
            add("", "memory.low", reservation, "memory.reservation")
        for key in ("kernel", "kernelTCP", "swappiness", "disableOOMKiller"):
            if mem.get(key) not in (None, False):
                out.append(("", "", "", f"memory.{key}"))  # no such thing on v2
        shares = _int(cpu, "shares", "cpu.")
        if shares is not None:  # the 2-262144 shares onto 1-10000 weights, as runc maps
            add("", "cpu.weight", 1 + ((shares - 2) * 9999) // 262142, "cpu.shares")
        quota, period = _int(cpu, "quota", "cpu."), _int(cpu, "period", "cpu.")
        if quota is not None or period is not None:
            q = "max" if quota is None or quota <= 0 else quota
            add("", "cpu.max", f"{q} {period or 100000}", "cpu.quota")
        idle = _int(cpu, "idle", "cpu.")
        if idle is not None:
            add("", "cpu.idle", idle, "cpu.idle")
        for key in ("realtimeRuntime", "realtimePeriod"):
            if cpu.get(key):
                out.append(("", "", "", f"cpu.{key}"))
        if cpu.get("mems"):
            add("", "cpuset.mems", cpu["mems"], "cpu.mems")
        if cpu.get("cpus"):
            add("", "cpuset.cpus", cpu["cpus"], "cpu.cpus")
    pids = _int(resources.get("pids") or {}, "limit", "pids.")
    if pids is not None:
        add("pids" if version == 1 else "", "pids.max", "max" if pids <= 0 else pids,
            "pids.limit")
    out += _block_io(resources.get("blockIO") or {}, version)
    for i, page in enumerate(resources.get("hugepageLimits") or ()):
        size = page.get("pageSize") if isinstance(page, dict) else None
        value = _int(page, "limit", f"hugepageLimits[{i}].") if size else None
        if not isinstance(size, str) or value is None or "/" in size:
            raise InvalidOption(f"linux.resources.hugepageLimits[{i}]: needs pageSize and "
                                "limit")
        name = f"hugetlb.{size}.limit_in_bytes" if version == 1 else f"hugetlb.{size}.max"
        add("hugetlb" if version == 1 else "", name, value, "hugepageLimits")
    net = resources.get("network") or {}
    class_id = _int(net, "classID", "network.")
    if class_id is not None:
        add("net_cls" if version == 1 else "", "net_cls.classid" if version == 1 else "",
            class_id, "network.classID")
    for i, prio in enumerate(net.get("priorities") or ()):
        if not isinstance(prio, dict) or not isinstance(prio.get("name"), str):
            raise InvalidOption(f"linux.resources.network.priorities[{i}]: needs a name")
        add("net_prio" if version == 1 else "", "net_prio.ifpriomap" if version == 1
            else "", f"{prio['name']} {_int(prio, 'priority', 'network.') or 0}",
            "network.priorities")
    for device, limits in sorted((resources.get("rdma") or {}).items()):
        parts = [f"{k}={v}" for k, v in (("hca_handle", limits.get("hcaHandles")),
                                          ("hca_object", limits.get("hcaObjects")))
                 if v is not None]
        add("rdma" if version == 1 else "", "rdma.max", f"{device} {' '.join(parts)}",
            "rdma")
    unified = resources.get("unified") or {}
    if unified and version == 1:
        raise InvalidOption("linux.resources.unified: cgroup v2 files, but this host "
                            "has cgroup v1")
    for name, value in sorted(unified.items()):
        if "/" in name or name.startswith("."):
            raise InvalidOption(f"linux.resources.unified: invalid file name {name!r}")
        add("", name, value, f"unified.{name}")
    return out


def _block_io(blkio: Mapping[str, Any], version: int) -> list[Write]:
    out: list[Write] = []
    weight = _int(blkio, "weight", "blockIO.")
    if version == 1:
        if weight is not None:
            out.append(("blkio", "blkio.weight", str(weight), "blockIO.weight"))
        leaf = _int(blkio, "leafWeight", "blockIO.")
        if leaf is not None:
            out.append(("blkio", "blkio.leaf_weight", str(leaf), "blockIO.leafWeight"))
        for i, dev in enumerate(blkio.get("weightDevice") or ()):
            w = _int(dev, "weight", f"blockIO.weightDevice[{i}].")
            if w is not None:
                out.append(("blkio", "blkio.weight_device",
                            f"{_device(dev, f'blockIO.weightDevice[{i}]')} {w}",
                            "blockIO.weightDevice"))
        for key, name in (("throttleReadBpsDevice", "blkio.throttle.read_bps_device"),
                          ("throttleWriteBpsDevice", "blkio.throttle.write_bps_device"),
                          ("throttleReadIOPSDevice", "blkio.throttle.read_iops_device"),
                          ("throttleWriteIOPSDevice", "blkio.throttle.write_iops_device")):
            for i, dev in enumerate(blkio.get(key) or ()):
                rate = _int(dev, "rate", f"blockIO.{key}[{i}].")
                out.append(("blkio", name, f"{_device(dev, f'blockIO.{key}[{i}]')} "
                            f"{rate or 0}", f"blockIO.{key}"))
        return out
    if weight is not None:  # blkio's 10-1000 onto io's 1-10000, as runc maps it
        out.append(("", "io.weight", str(1 + ((weight - 10) * 9999) // 990),
                    "blockIO.weight"))
    per_device: dict[str, list[str]] = {}
    for key, word in (("throttleReadBpsDevice", "rbps"), ("throttleWriteBpsDevice", "wbps"),
                      ("throttleReadIOPSDevice", "riops"),
                      ("throttleWriteIOPSDevice", "wiops")):
        for i, dev in enumerate(blkio.get(key) or ()):
            rate = _int(dev, "rate", f"blockIO.{key}[{i}].")
            per_device.setdefault(_device(dev, f"blockIO.{key}[{i}]"), []).append(
                f"{word}={rate or 'max'}")
    for device, words in sorted(per_device.items()):
        out.append(("", "io.max", f"{device} {' '.join(words)}", "blockIO.throttle"))
    return out


def extra_writes(resources: Mapping[str, Any], version: int) -> list[Write]:
    """The writes of the fields `Limits` does not apply at creation."""
    return [w for w in writes(resources, version) if w[3] not in LIMITS_FIELDS]


def apply(paths: Mapping[str, Path], todo: list[Write]) -> list[str]:
    """Write each (controller, file, value); return, for a warning, the fields this
    kernel cannot take (no such controller or file). Any other refusal is an error."""
    missing: list[str] = []
    for controller, name, value, field in todo:
        base = paths.get(controller)
        if base is None or not name:
            missing.append(field)
            continue
        try:
            fs.write(base / name, value)
        except CgroupError as exc:
            cause = exc.__cause__
            if isinstance(cause, OSError) and cause.errno in (errno.ENOENT,
                                                              errno.EOPNOTSUPP):
                if field == "hugepageLimits" and cause.errno == errno.ENOENT:
                    # The controller is there: it is the page size that does not exist.
                    raise CgroupError(f"linux.resources.hugepageLimits: this host has no "
                                      f"such huge page size ({name} is missing)") from None
                missing.append(field)
                continue
            raise
    return list(dict.fromkeys(missing))
