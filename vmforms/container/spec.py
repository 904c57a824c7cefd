"""OCI runtime configuration (runtime-spec config.md, config-linux.md) as records.

`load` validates a config.json into a `Spec`, naming the field at fault; `default_spec`
builds the configuration Docker gives a container: its default mounts, capabilities,
masked and read-only paths.
"""

from __future__ import annotations

from vmforms.container.errors import InvalidOption
from vmforms.record import field, record

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

OCI_VERSION = "1.0.2"

# Docker's default capability set (moby oci/caps/defaults.go).
DEFAULT_CAPABILITIES: tuple[str, ...] = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
)
# The paths runc masks and makes read-only by default, as Docker configures them.
DEFAULT_MASKED_PATHS: tuple[str, ...] = (
    "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
)
DEFAULT_READONLY_PATHS: tuple[str, ...] = (
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
)
# The devices a container may use, as Docker allows them: creating any node (m), and
# reading and writing null, zero, full, random, urandom, tty, console, ptmx, the ptys and
# tun. Everything else, the host's disks included, is refused even to root inside.
DEFAULT_DEVICE_RULES: tuple[str, ...] = (
    "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
    "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm",
)
DEFAULT_NAMESPACES: tuple[str, ...] = ("pid", "network", "ipc", "uts", "mount", "cgroup")
NAMESPACE_TYPES = frozenset(("pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"))


@record
class User:
    uid: int = 0
    gid: int = 0
    additional_gids: tuple[int, ...] = ()


@record
class Capabilities:
    bounding: tuple[str, ...] = ()
    effective: tuple[str, ...] = ()
    permitted: tuple[str, ...] = ()
    inheritable: tuple[str, ...] = ()
    ambient: tuple[str, ...] = ()


@record
class Rlimit:
    type: str
    soft: int
    hard: int


@record
class Process:
    args: tuple[str, ...]
    env: tuple[str, ...] = ()
    cwd: str = "/"
    user: User = field(default_factory=User)
    terminal: bool = False
    console_size: tuple[int, int] | None = None  # (height, width)
    capabilities: Capabilities = field(default_factory=Capabilities)
    no_new_privileges: bool = True
    rlimits: tuple[Rlimit, ...] = ()


@record
class Mount:
    destination: str
    type: str | None = None
    source: str | None = None
    options: tuple[str, ...] = ()


@record
class Namespace:
    type: str
    path: str | None = None


@record
class Resources:
    memory_limit: int | None = None
    memory_swap: int | None = None
    cpu_quota: int | None = None
    cpu_period: int | None = None
    cpu_shares: int | None = None
    pids_limit: int | None = None


@record
class Linux:
    namespaces: tuple[Namespace, ...] = ()
    resources: Resources = field(default_factory=Resources)
    cgroups_path: str | None = None
    masked_paths: tuple[str, ...] = ()
    readonly_paths: tuple[str, ...] = ()
    sysctl: tuple[tuple[str, str], ...] = ()

    def has_namespace(self, ns_type: str) -> bool:
        return any(ns.type == ns_type and ns.path is None for ns in self.namespaces)


@record
class Spec:
    process: Process
    root_path: str = "rootfs"
    root_readonly: bool = False
    hostname: str | None = None
    mounts: tuple[Mount, ...] = ()
    linux: Linux = field(default_factory=Linux)
    annotations: tuple[tuple[str, str], ...] = ()
    oci_version: str = OCI_VERSION


def default_mounts() -> tuple[Mount, ...]:
    return (
        Mount("/proc", "proc", "proc", ("nosuid", "noexec", "nodev")),
        Mount("/dev", "tmpfs", "tmpfs", ("nosuid", "strictatime", "mode=755", "size=65536k")),
        Mount("/dev/pts", "devpts", "devpts",
              ("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
        Mount("/sys", "sysfs", "sysfs", ("nosuid", "noexec", "nodev", "ro")),
        Mount("/sys/fs/cgroup", "cgroup", "cgroup", ("ro", "nosuid", "noexec", "nodev")),
        Mount("/dev/mqueue", "mqueue", "mqueue", ("nosuid", "noexec", "nodev")),
        Mount("/dev/shm", "tmpfs", "shm",
              ("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
    )


def default_spec(args: list[str], *, env: list[str] | None = None, cwd: str = "/") -> Spec:
    """The configuration Docker gives a container running `args` as root."""
    caps = DEFAULT_CAPABILITIES
    return Spec(
        process=Process(
            args=tuple(args),
            env=tuple(env or ()),
            cwd=cwd,
            capabilities=Capabilities(caps, caps, caps, (), ()),
        ),
        mounts=default_mounts(),
        linux=Linux(
            namespaces=tuple(Namespace(t) for t in DEFAULT_NAMESPACES),
            masked_paths=DEFAULT_MASKED_PATHS,
            readonly_paths=DEFAULT_READONLY_PATHS,
        ),
    )


# --- JSON <-> Spec -------------------------------------------------------------------


def _get(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str,
         default: Any = None) -> Any:
    if key not in obj or obj[key] is None:
        return default
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidOption(f"config.json: {where}{key}: expected {_kind_name(kind)}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join({dict: "an object", list: "an array", str: "a string", int: "an integer",
                        bool: "a boolean"}.get(k, k.__name__) for k in kinds)


def _strings(obj: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    items = _get(obj, key, list, where, [])
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise InvalidOption(f"config.json: {where}{key}[{i}]: expected a string")
    return tuple(items)


def load(obj: Any) -> Spec:
    """Validate a parsed config.json; InvalidOption names the field that is wrong."""
    if not isinstance(obj, dict):
        raise InvalidOption("config.json: expected a JSON object at the top level")
    version = _get(obj, "ociVersion", str, "", None)
    if version is None:
        raise InvalidOption("config.json: ociVersion: missing")
    proc = _get(obj, "process", dict, "", None)
    if proc is None:
        raise InvalidOption("config.json: process: missing")
    args = _strings(proc, "args", "process.")
    if not args:
        raise InvalidOption("config.json: process.args: must name a command")
    cwd = _get(proc, "cwd", str, "process.", "/")
    if not cwd.startswith("/"):
        raise InvalidOption(f"config.json: process.cwd: {cwd!r} is not an absolute path")
    user_obj = _get(proc, "user", dict, "process.", {})
    user = User(
        _get(user_obj, "uid", int, "process.user.", 0),
        _get(user_obj, "gid", int, "process.user.", 0),
        tuple(_get(user_obj, "additionalGids", list, "process.user.", [])),
    )
    caps_obj = _get(proc, "capabilities", dict, "process.", {})
    caps = Capabilities(*(_strings(caps_obj, k, "process.capabilities.") for k in
                          ("bounding", "effective", "permitted", "inheritable", "ambient")))
    from vmforms.linux.process import cap_numbers

    for names in (caps.bounding, caps.effective, caps.permitted, caps.inheritable, caps.ambient):
        try:
            cap_numbers(list(names))
        except ValueError as exc:
            raise InvalidOption(f"config.json: process.capabilities: {exc}") from None
    size = _get(proc, "consoleSize", dict, "process.", None)
    rlimits = tuple(
        Rlimit(_get(r, "type", str, "process.rlimits[].", ""), _get(r, "soft", int, "", 0),
               _get(r, "hard", int, "", 0))
        for r in _get(proc, "rlimits", list, "process.", [])
    )
    process = Process(
        args=args,
        env=_strings(proc, "env", "process."),
        cwd=cwd,
        user=user,
        terminal=_get(proc, "terminal", bool, "process.", False),
        console_size=(int(size.get("height", 0)), int(size.get("width", 0))) if size else None,
        capabilities=caps,
        no_new_privileges=_get(proc, "noNewPrivileges", bool, "process.", False),
        rlimits=rlimits,
    )
    root = _get(obj, "root", dict, "", {})
    mounts = []
    for i, m in enumerate(_get(obj, "mounts", list, "", [])):
        where = f"mounts[{i}]."
        if not isinstance(m, dict):
            raise InvalidOption(f"config.json: mounts[{i}]: expected an object")
        dest = _get(m, "destination", str, where, None)
        if not dest or not dest.startswith("/"):
            raise InvalidOption(f"config.json: {where}destination: must be an absolute path")
        mounts.append(Mount(dest, _get(m, "type", str, where), _get(m, "source", str, where),
                            _strings(m, "options", where)))
    linux_obj = _get(obj, "linux", dict, "", {})
    namespaces = []
    for i, ns in enumerate(_get(linux_obj, "namespaces", list, "linux.", [])):
        ns_type = _get(ns, "type", str, f"linux.namespaces[{i}].", "")
        if ns_type not in NAMESPACE_TYPES:
            raise InvalidOption(f"config.json: linux.namespaces[{i}].type: unknown {ns_type!r}")
        namespaces.append(Namespace(ns_type, _get(ns, "path", str, f"linux.namespaces[{i}].")))
    res = _get(linux_obj, "resources", dict, "linux.", {})
    mem = _get(res, "memory", dict, "linux.resources.", {})
    cpu = _get(res, "cpu", dict, "linux.resources.", {})
    pids = _get(res, "pids", dict, "linux.resources.", {})
    resources = Resources(
        memory_limit=_get(mem, "limit", int, "linux.resources.memory."),
        memory_swap=_get(mem, "swap", int, "linux.resources.memory."),
        cpu_quota=_get(cpu, "quota", int, "linux.resources.cpu."),
        cpu_period=_get(cpu, "period", int, "linux.resources.cpu."),
        cpu_shares=_get(cpu, "shares", int, "linux.resources.cpu."),
        pids_limit=_get(pids, "limit", int, "linux.resources.pids."),
    )
    sysctl = _get(linux_obj, "sysctl", dict, "linux.", {})
    return Spec(
        process=process,
        root_path=_get(root, "path", str, "root.", "rootfs"),
        root_readonly=_get(root, "readonly", bool, "root.", False),
        hostname=_get(obj, "hostname", str, ""),
        mounts=tuple(mounts),
        linux=Linux(
            namespaces=tuple(namespaces),
            resources=resources,
            cgroups_path=_get(linux_obj, "cgroupsPath", str, "linux."),
            masked_paths=_strings(linux_obj, "maskedPaths", "linux."),
            readonly_paths=_strings(linux_obj, "readonlyPaths", "linux."),
            sysctl=tuple(sorted((str(k), str(v)) for k, v in sysctl.items())),
        ),
        annotations=tuple(sorted(_get(obj, "annotations", dict, "", {}).items())),
        oci_version=version,
    )


def dump(spec: Spec) -> dict[str, Any]:
    """The config.json form of `spec` (the inverse of `load`)."""
    p = spec.process
    process: dict[str, Any] = {
        "terminal": p.terminal,
        "user": {"uid": p.user.uid, "gid": p.user.gid},
        "args": list(p.args),
        "env": list(p.env),
        "cwd": p.cwd,
        "capabilities": {
            "bounding": list(p.capabilities.bounding),
            "effective": list(p.capabilities.effective),
            "permitted": list(p.capabilities.permitted),
            "inheritable": list(p.capabilities.inheritable),
            "ambient": list(p.capabilities.ambient),
        },
        "noNewPrivileges": p.no_new_privileges,
    }
    if p.user.additional_gids:
        process["user"]["additionalGids"] = list(p.user.additional_gids)
    if p.console_size:
        process["consoleSize"] = {"height": p.console_size[0], "width": p.console_size[1]}
    if p.rlimits:
        process["rlimits"] = [{"type": r.type, "soft": r.soft, "hard": r.hard} for r in p.rlimits]
    r = spec.linux.resources
    resources: dict[str, Any] = {}
    if r.memory_limit is not None or r.memory_swap is not None:
        resources["memory"] = {k: v for k, v in (("limit", r.memory_limit),
                                                 ("swap", r.memory_swap)) if v is not None}
    cpu = {k: v for k, v in (("quota", r.cpu_quota), ("period", r.cpu_period),
                             ("shares", r.cpu_shares)) if v is not None}
    if cpu:
        resources["cpu"] = cpu
    if r.pids_limit is not None:
        resources["pids"] = {"limit": r.pids_limit}
    linux: dict[str, Any] = {
        "namespaces": [{"type": ns.type, **({"path": ns.path} if ns.path else {})}
                       for ns in spec.linux.namespaces],
        "resources": resources,
        "maskedPaths": list(spec.linux.masked_paths),
        "readonlyPaths": list(spec.linux.readonly_paths),
    }
    if spec.linux.cgroups_path:
        linux["cgroupsPath"] = spec.linux.cgroups_path
    if spec.linux.sysctl:
        linux["sysctl"] = dict(spec.linux.sysctl)
    out: dict[str, Any] = {
        "ociVersion": spec.oci_version,
        "process": process,
        "root": {"path": spec.root_path, "readonly": spec.root_readonly},
        "mounts": [
            {"destination": m.destination,
             **({"type": m.type} if m.type else {}),
             **({"source": m.source} if m.source else {}),
             **({"options": list(m.options)} if m.options else {})}
            for m in spec.mounts
        ],
        "linux": linux,
    }
    if spec.hostname is not None:
        out["hostname"] = spec.hostname
    if spec.annotations:
        out["annotations"] = dict(spec.annotations)
    return out
