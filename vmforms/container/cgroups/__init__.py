"""Cgroups for containers: a v2 driver and a v1 driver behind one interface, chosen by
what the host mounts (Documentation/admin-guide/cgroup-v2.rst, cgroup-v1/cgroups.rst).

Names are paths from the root of each hierarchy, like Docker's cgroupfs driver with its
"/docker/<id>". runc resolves a relative path against its caller's own cgroup instead;
that would make a later `rm` from another shell, in another cgroup, miss the directory.
"""

from __future__ import annotations

from pathlib import Path

from vmforms.container.cgroups import fs, v1, v2
from vmforms.container.cgroups.base import Limits, shares_to_weight, split_name
from vmforms.container.cgroups.v1 import V1Cgroup, V1Driver
from vmforms.container.cgroups.v2 import V2Cgroup, V2Driver
from vmforms.container.errors import CgroupError

TYPE_CHECKING = False  # the interfaces are typing Protocols: only the type checker needs them
if TYPE_CHECKING:
    from vmforms.container.cgroups.base import Cgroup, CgroupDriver, CgroupStats

__all__ = [
    "Cgroup",
    "CgroupDriver",
    "CgroupStats",
    "Limits",
    "V1Cgroup",
    "V1Driver",
    "V2Cgroup",
    "V2Driver",
    "detect",
    "shares_to_weight",
    "split_name",
]


def detect(
    root: Path = Path("/sys/fs/cgroup"), mountinfo: Path = Path("/proc/self/mountinfo")
) -> CgroupDriver:
    """The driver for this host: v2 when `root` is itself a cgroup2 mount, else v1 over
    the cgroup hierarchies mounted directly below `root`, as /proc/self/mountinfo lists
    them. A hybrid host (tmpfs root, cgroup2 only at root/unified) is v1. A rootless
    command gets only what is delegated to its user (rootless_cgroup.py)."""
    from os import environ, geteuid

    if environ.get("VMFORMS_ROOTLESS") == "1" or geteuid() != 0:
        from vmforms.container.rootless_cgroup import cgroup_driver

        return cgroup_driver()  # type: ignore[return-value]
    mounts = fs.read_mounts(mountinfo)
    driver: CgroupDriver | None = v2.driver_from_mounts(mounts, root)
    if driver is None:
        driver = v1.driver_from_mounts(mounts, root)
    if driver is None:
        raise CgroupError(
            f"no cgroup hierarchy is mounted at or below {root}: "
            f"mount one with 'mount -t cgroup2 none {root}'"
        )
    return driver
