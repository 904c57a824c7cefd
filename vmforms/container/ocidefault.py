"""The sample config.json of `vmforms-runc spec` (runc's `spec`): a container running
`sh` on a terminal with three capabilities, the usual mounts and namespaces, and the
kernel paths masked; `--rootless` swaps the network namespace for a user namespace that
maps the caller, and binds /sys instead of mounting a sysfs it could not mount."""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
_MASKED = ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
           "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
           "/proc/sched_debug", "/sys/firmware", "/proc/scsi"]
_READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]


def _mount(destination: str, kind: str, source: str, *options: str) -> dict[str, Any]:
    out: dict[str, Any] = {"destination": destination, "type": kind, "source": source}
    if options:
        out["options"] = list(options)
    return out


def sample_config(version: str, *, rootless: bool = False, uid: int = 0,
                  gid: int = 0) -> dict[str, Any]:
    devpts = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]
    sysfs = (_mount("/sys", "none", "/sys", "rbind", "nosuid", "noexec", "nodev", "ro")
             if rootless else _mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev",
                                     "ro"))
    mounts = [
        _mount("/proc", "proc", "proc"),
        _mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
        _mount("/dev/pts", "devpts", "devpts", *devpts, *([] if rootless else ["gid=5"])),
        _mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777",
               "size=65536k"),
        _mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
        sysfs,
        _mount("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime",
               "ro"),
    ]
    linux: dict[str, Any] = {}
    if rootless:
        linux["uidMappings"] = [{"containerID": 0, "hostID": uid, "size": 1}]
        linux["gidMappings"] = [{"containerID": 0, "hostID": gid, "size": 1}]
        namespaces = ["pid", "ipc", "uts", "mount", "user"]
    else:
        linux["resources"] = {"devices": [{"allow": False, "access": "rwm"}]}
        namespaces = ["pid", "network", "ipc", "uts", "mount"]
    linux["namespaces"] = [{"type": t} for t in namespaces]
    linux["maskedPaths"] = list(_MASKED)
    linux["readonlyPaths"] = list(_READONLY)
    return {
        "ociVersion": version,
        "process": {
            "terminal": True, "user": {"uid": 0, "gid": 0}, "args": ["sh"],
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "TERM=xterm"],
            "cwd": "/",
            "capabilities": {k: list(_CAPS) for k in
                             ("bounding", "effective", "permitted", "ambient")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "vmforms",
        "mounts": mounts,
        "linux": linux,
    }
