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
    umask: int | None = None


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
    oom_score_adj: int | None = None
    # LSM labels: applied by nothing here; a host without AppArmor or SELinux ignores them.
    apparmor_profile: str | None = None
    selinux_label: str | None = None


@record
class Mount:
    destination: str
    type: str | None = None
    source: str | None = None
    options: tuple[str, ...] = ()
    # An idmapped mount's uidMappings and gidMappings: (containerID, hostID, size).
    uid_mappings: tuple[tuple[int, int, int], ...] = ()
    gid_mappings: tuple[tuple[int, int, int], ...] = ()


@record
class Namespace:
    type: str
    path: str | None = None


@record
class Device:
    """A device node made in the container's /dev (config-linux.md "Devices")."""

    path: str
    type: str  # c, b, u or p
    major: int = 0
    minor: int = 0
    file_mode: int | None = None
    uid: int | None = None
    gid: int | None = None


@record
class DeviceRule:
    """One entry of linux.resources.devices: allow or deny access to devices."""

    allow: bool
    type: str = "a"
    major: int | None = None
    minor: int | None = None
    access: str = "rwm"

    def cgroup_rule(self) -> str:
        """The rule as cgroup v1's devices.allow and devices.deny take it: "c 1:3 rwm"."""
        major = "*" if self.major is None or self.major < 0 else str(self.major)
        minor = "*" if self.minor is None or self.minor < 0 else str(self.minor)
        if self.type == "a":
            return "a"
        return f"{self.type} {major}:{minor} {self.access}"


@record
class Resources:
    memory_limit: int | None = None
    memory_swap: int | None = None
    memory_swappiness: int | None = None
    cpu_quota: int | None = None
    cpu_period: int | None = None
    cpu_shares: int | None = None
    cpuset_cpus: str | None = None
    cpuset_mems: str | None = None
    pids_limit: int | None = None
    devices: tuple[DeviceRule, ...] = ()
    # Fields of linux.resources given but unknown to this runtime, for a warning.
    ignored: tuple[str, ...] = ()
    # linux.resources as config.json gives it: cgroups/resources.py applies the fields
    # above that `Limits` does not (block I/O, hugepages, ...); `dump` writes it back.
    raw: dict[str, Any] | None = None


@record
class Linux:
    namespaces: tuple[Namespace, ...] = ()
    resources: Resources = field(default_factory=Resources)
    cgroups_path: str | None = None
    masked_paths: tuple[str, ...] = ()
    readonly_paths: tuple[str, ...] = ()
    sysctl: tuple[tuple[str, str], ...] = ()
    devices: tuple[Device, ...] = ()
    rootfs_propagation: str | None = None
    # The seccomp profile as config.json gives it (config-linux.md "Seccomp"); seccomp.py
    # turns it into a filter.
    seccomp: dict[str, Any] | None = None
    # linux.uidMappings and gidMappings: (containerID, hostID, size) for a user namespace.
    uid_mappings: tuple[tuple[int, int, int], ...] = ()
    gid_mappings: tuple[tuple[int, int, int], ...] = ()

    def has_namespace(self, ns_type: str) -> bool:
        return any(ns.type == ns_type and ns.path is None for ns in self.namespaces)

    def in_namespace(self, ns_type: str) -> bool:
        """A namespace of this type, new or joined by path (not the caller's)."""
        return any(ns.type == ns_type for ns in self.namespaces)


@record
class Hook:
    path: str
    args: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    timeout: int | None = None


@record
class Spec:
    process: Process
    root_path: str = "rootfs"
    root_readonly: bool = False
    hostname: str | None = None
    domainname: str | None = None
    mounts: tuple[Mount, ...] = ()
    linux: Linux = field(default_factory=Linux)
    annotations: tuple[tuple[str, str], ...] = ()
    oci_version: str = OCI_VERSION
    # config.md "POSIX-platform Hooks": hook kind (prestart, createRuntime, ...) -> hooks.
    hooks: tuple[tuple[str, tuple[Hook, ...]], ...] = ()

    def hooks_for(self, kind: str) -> tuple[Hook, ...]:
        return next((h for k, h in self.hooks if k == kind), ())


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


def _int(obj: dict[str, Any], key: str, where: str, default: Any = None) -> Any:
    return _get(obj, key, int, where, default)


def _object(obj: Any, where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise InvalidOption(f"config.json: {where}: expected an object")
    return obj


def load_process(proc: Any, where: str = "process.") -> Process:
    """Validate a `process` object: config.json's, or the one `exec --process` reads."""
    proc = _object(proc, where.rstrip("."))
    args = _strings(proc, "args", where)
    if not args:
        raise InvalidOption(f"config.json: {where}args: must name a command")
    cwd = _get(proc, "cwd", str, where, "/")
    if not cwd.startswith("/"):
        raise InvalidOption(f"config.json: {where}cwd: {cwd!r} is not an absolute path")
    user_obj = _get(proc, "user", dict, where, {})
    gids = _get(user_obj, "additionalGids", list, where + "user.", [])
    if not all(isinstance(g, int) and not isinstance(g, bool) for g in gids):
        raise InvalidOption(f"config.json: {where}user.additionalGids: expected integers")
    user = User(
        _int(user_obj, "uid", where + "user.", 0),
        _int(user_obj, "gid", where + "user.", 0),
        tuple(gids),
        _int(user_obj, "umask", where + "user."),
    )
    caps_obj = _get(proc, "capabilities", dict, where, {})
    caps = Capabilities(*(_strings(caps_obj, k, where + "capabilities.") for k in
                          ("bounding", "effective", "permitted", "inheritable", "ambient")))
    from vmforms.linux.process import RLIMITS, cap_numbers

    for names in (caps.bounding, caps.effective, caps.permitted, caps.inheritable, caps.ambient):
        try:
            cap_numbers(list(names))
        except ValueError as exc:
            raise InvalidOption(f"config.json: {where}capabilities: {exc}") from None
    size = _get(proc, "consoleSize", dict, where, None)
    rlimits = []
    for i, r in enumerate(_get(proc, "rlimits", list, where, [])):
        at = f"{where}rlimits[{i}]."
        r = _object(r, at.rstrip("."))
        kind = _get(r, "type", str, at, "")
        if kind not in RLIMITS:
            raise InvalidOption(f"config.json: {at}type: unknown resource {kind!r}")
        rlimits.append(Rlimit(kind, _int(r, "soft", at, 0), _int(r, "hard", at, 0)))
    return Process(
        args=args,
        env=_strings(proc, "env", where),
        cwd=cwd,
        user=user,
        terminal=_get(proc, "terminal", bool, where, False),
        console_size=(_int(size, "height", where + "consoleSize.", 0),
                      _int(size, "width", where + "consoleSize.", 0)) if size else None,
        capabilities=caps,
        no_new_privileges=_get(proc, "noNewPrivileges", bool, where, False),
        rlimits=tuple(rlimits),
        oom_score_adj=_int(proc, "oomScoreAdj", where),
        apparmor_profile=_get(proc, "apparmorProfile", str, where),
        selinux_label=_get(proc, "selinuxLabel", str, where),
    )


def _load_mounts(obj: dict[str, Any]) -> tuple[Mount, ...]:
    mounts = []
    for i, m in enumerate(_get(obj, "mounts", list, "", [])):
        where = f"mounts[{i}]."
        m = _object(m, f"mounts[{i}]")
        dest = _get(m, "destination", str, where, None)
        if not dest or not dest.startswith("/"):
            raise InvalidOption(f"config.json: {where}destination: must be an absolute path")
        uids = _id_mappings(m, "uidMappings", where)
        gids = _id_mappings(m, "gidMappings", where)
        if bool(uids) != bool(gids):
            raise InvalidOption(f"config.json: {where}uidMappings and gidMappings: one "
                                "without the other")
        mounts.append(Mount(dest, _get(m, "type", str, where), _get(m, "source", str, where),
                            _strings(m, "options", where), uids, gids))
    return tuple(mounts)


def _load_resources(linux_obj: dict[str, Any]) -> Resources:
    where = "linux.resources."
    res = _get(linux_obj, "resources", dict, "linux.", {})
    mem = _get(res, "memory", dict, where, {})
    cpu = _get(res, "cpu", dict, where, {})
    pids = _get(res, "pids", dict, where, {})
    rules = []
    for i, d in enumerate(_get(res, "devices", list, where, [])):
        at = f"{where}devices[{i}]."
        d = _object(d, at.rstrip("."))
        allow = _get(d, "allow", bool, at, None)
        if allow is None:
            raise InvalidOption(f"config.json: {at}allow: missing")
        kind = _get(d, "type", str, at, "a")
        access = _get(d, "access", str, at, "rwm")
        if kind not in ("a", "b", "c") or not access or set(access) - set("rwm"):
            raise InvalidOption(f"config.json: {at[:-1]}: bad type {kind!r} or access "
                                f"{access!r}")
        rules.append(DeviceRule(allow, kind, _int(d, "major", at), _int(d, "minor", at), access))
    handled = {"memory": ("limit", "swap", "swappiness", "reservation", "kernel",
                          "kernelTCP", "disableOOMKiller"),
               "cpu": ("quota", "period", "shares", "cpus", "mems", "realtimeRuntime",
                       "realtimePeriod", "idle"),
               "pids": ("limit",), "devices": (), "blockIO": (), "hugepageLimits": (),
               "network": (), "rdma": (), "unified": ()}
    ignored = []
    for key, value in sorted(res.items()):
        if value in (None, {}, []):
            continue
        if key not in handled:
            ignored.append(key)
        elif isinstance(value, dict) and handled[key]:
            ignored += [f"{key}.{k}" for k, v in sorted(value.items())
                        if k not in handled[key] and v not in (None, 0, "")]
    return Resources(
        memory_limit=_int(mem, "limit", where + "memory."),
        memory_swap=_int(mem, "swap", where + "memory."),
        memory_swappiness=_int(mem, "swappiness", where + "memory."),
        cpu_quota=_int(cpu, "quota", where + "cpu."),
        cpu_period=_int(cpu, "period", where + "cpu."),
        cpu_shares=_int(cpu, "shares", where + "cpu."),
        cpuset_cpus=_get(cpu, "cpus", str, where + "cpu.") or None,
        cpuset_mems=_get(cpu, "mems", str, where + "cpu.") or None,
        pids_limit=_int(pids, "limit", where + "pids."),
        devices=tuple(rules),
        ignored=tuple(ignored),
        raw=res or None,
    )


def _load_devices(linux_obj: dict[str, Any]) -> tuple[Device, ...]:
    devices = []
    for i, d in enumerate(_get(linux_obj, "devices", list, "linux.", [])):
        at = f"linux.devices[{i}]."
        d = _object(d, at.rstrip("."))
        path = _get(d, "path", str, at, "")
        kind = _get(d, "type", str, at, "")
        if not path.startswith("/") or kind not in ("c", "b", "u", "p"):
            raise InvalidOption(f"config.json: {at[:-1]}: needs an absolute path and a type "
                                "of c, b, u or p")
        devices.append(Device(path, kind, _int(d, "major", at, 0), _int(d, "minor", at, 0),
                              _int(d, "fileMode", at), _int(d, "uid", at), _int(d, "gid", at)))
    return tuple(devices)


HOOK_KINDS = ("prestart", "createRuntime", "createContainer", "startContainer", "poststart",
              "poststop")


def _load_hooks(obj: dict[str, Any]) -> tuple[tuple[str, tuple[Hook, ...]], ...]:
    hooks_obj = _get(obj, "hooks", dict, "", {})
    out = []
    for kind in HOOK_KINDS:
        hooks = []
        for i, h in enumerate(_get(hooks_obj, kind, list, "hooks.", [])):
            at = f"hooks.{kind}[{i}]."
            h = _object(h, at.rstrip("."))
            path = _get(h, "path", str, at, "")
            if not path.startswith("/"):
                raise InvalidOption(f"config.json: {at}path: must be an absolute path")
            hooks.append(Hook(path, _strings(h, "args", at), _strings(h, "env", at),
                              _int(h, "timeout", at)))
        if hooks:
            out.append((kind, tuple(hooks)))
    return tuple(out)


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
    process = load_process(proc)
    root = _get(obj, "root", dict, "", {})
    linux_obj = _get(obj, "linux", dict, "", {})
    namespaces = []
    for i, ns in enumerate(_get(linux_obj, "namespaces", list, "linux.", [])):
        ns = _object(ns, f"linux.namespaces[{i}]")
        ns_type = _get(ns, "type", str, f"linux.namespaces[{i}].", "")
        if ns_type not in NAMESPACE_TYPES:
            raise InvalidOption(f"config.json: linux.namespaces[{i}].type: unknown {ns_type!r}")
        namespaces.append(Namespace(ns_type, _get(ns, "path", str, f"linux.namespaces[{i}].")))
    sysctl = _get(linux_obj, "sysctl", dict, "linux.", {})
    seccomp = _get(linux_obj, "seccomp", dict, "linux.")
    if seccomp is not None and seccomp.get("listenerPath"):
        # The caller would wait on that socket for a notify fd this runtime never sends.
        raise InvalidOption("config.json: linux.seccomp.listenerPath: seccomp user "
                            "notification is not supported by this runtime")
    return Spec(
        process=process,
        root_path=_get(root, "path", str, "root.", "rootfs"),
        root_readonly=_get(root, "readonly", bool, "root.", False),
        hostname=_get(obj, "hostname", str, ""),
        domainname=_get(obj, "domainname", str, ""),
        mounts=_load_mounts(obj),
        linux=Linux(
            namespaces=tuple(namespaces),
            resources=_load_resources(linux_obj),
            cgroups_path=_get(linux_obj, "cgroupsPath", str, "linux."),
            masked_paths=_strings(linux_obj, "maskedPaths", "linux."),
            readonly_paths=_strings(linux_obj, "readonlyPaths", "linux."),
            sysctl=tuple(sorted((str(k), str(v)) for k, v in sysctl.items())),
            devices=_load_devices(linux_obj),
            rootfs_propagation=_propagation(_get(linux_obj, "rootfsPropagation", str,
                                                 "linux.")),
            uid_mappings=_id_mappings(linux_obj, "uidMappings", "linux."),
            gid_mappings=_id_mappings(linux_obj, "gidMappings", "linux."),
            seccomp=seccomp,
        ),
        annotations=tuple(sorted(_get(obj, "annotations", dict, "", {}).items())),
        oci_version=version,
        hooks=_load_hooks(obj),
    )


def _id_mappings(obj: dict[str, Any], key: str, where: str
                 ) -> tuple[tuple[int, int, int], ...]:
    out = []
    for i, m in enumerate(_get(obj, key, list, where, [])):
        at = f"{where}{key}[{i}]."
        m = _object(m, at.rstrip("."))
        ids = (_int(m, "containerID", at), _int(m, "hostID", at), _int(m, "size", at))
        if any(v is None or v < 0 for v in ids) or ids[2] == 0:
            raise InvalidOption(f"config.json: {at[:-1]}: needs containerID, hostID and a "
                                "size above 0")
        out.append((int(ids[0] or 0), int(ids[1] or 0), int(ids[2] or 0)))
    return tuple(out)


def _propagation(value: str | None) -> str | None:
    from vmforms.linux.mount import PROPAGATION_FLAGS

    if value and value not in PROPAGATION_FLAGS:
        raise InvalidOption(f"config.json: linux.rootfsPropagation: unknown {value!r}")
    return value or None


def _dump_mappings(mappings: tuple[tuple[int, int, int], ...]) -> list[dict[str, int]]:
    return [{"containerID": c, "hostID": h, "size": n} for c, h, n in mappings]


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
    if p.user.umask is not None:
        process["user"]["umask"] = p.user.umask
    for key, value in (("oomScoreAdj", p.oom_score_adj), ("apparmorProfile", p.apparmor_profile),
                       ("selinuxLabel", p.selinux_label)):
        if value is not None:
            process[key] = value
    r = spec.linux.resources
    resources: dict[str, Any] = {}
    if r.memory_limit is not None or r.memory_swap is not None:
        resources["memory"] = {k: v for k, v in (("limit", r.memory_limit),
                                                 ("swap", r.memory_swap)) if v is not None}
    cpu = {k: v for k, v in (("quota", r.cpu_quota), ("period", r.cpu_period),
                             ("shares", r.cpu_shares), ("cpus", r.cpuset_cpus),
                             ("mems", r.cpuset_mems)) if v is not None}
    if cpu:
        resources["cpu"] = cpu
    if r.memory_swappiness is not None:
        resources.setdefault("memory", {})["swappiness"] = r.memory_swappiness
    if r.pids_limit is not None:
        resources["pids"] = {"limit": r.pids_limit}
    if r.devices:
        resources["devices"] = [
            {"allow": d.allow, "type": d.type, "access": d.access,
             **{k: v for k, v in (("major", d.major), ("minor", d.minor)) if v is not None}}
            for d in r.devices]
    linux: dict[str, Any] = {
        "namespaces": [{"type": ns.type, **({"path": ns.path} if ns.path else {})}
                       for ns in spec.linux.namespaces],
        "resources": r.raw if r.raw is not None else resources,
        "maskedPaths": list(spec.linux.masked_paths),
        "readonlyPaths": list(spec.linux.readonly_paths),
    }
    if spec.linux.cgroups_path:
        linux["cgroupsPath"] = spec.linux.cgroups_path
    for key, mappings in (("uidMappings", spec.linux.uid_mappings),
                          ("gidMappings", spec.linux.gid_mappings)):
        if mappings:
            linux[key] = _dump_mappings(mappings)
    if spec.linux.sysctl:
        linux["sysctl"] = dict(spec.linux.sysctl)
    if spec.linux.devices:
        linux["devices"] = [
            {"path": d.path, "type": d.type, "major": d.major, "minor": d.minor,
             **{k: v for k, v in (("fileMode", d.file_mode), ("uid", d.uid), ("gid", d.gid))
                if v is not None}}
            for d in spec.linux.devices]
    if spec.linux.rootfs_propagation is not None:
        linux["rootfsPropagation"] = spec.linux.rootfs_propagation
    if spec.linux.seccomp is not None:
        linux["seccomp"] = spec.linux.seccomp
    out: dict[str, Any] = {
        "ociVersion": spec.oci_version,
        "process": process,
        "root": {"path": spec.root_path, "readonly": spec.root_readonly},
        "mounts": [
            {"destination": m.destination,
             **({"type": m.type} if m.type else {}),
             **({"source": m.source} if m.source else {}),
             **({"options": list(m.options)} if m.options else {}),
             **({"uidMappings": _dump_mappings(m.uid_mappings),
                 "gidMappings": _dump_mappings(m.gid_mappings)} if m.uid_mappings else {})}
            for m in spec.mounts
        ],
        "linux": linux,
    }
    if spec.hostname is not None:
        out["hostname"] = spec.hostname
    if spec.domainname is not None:
        out["domainname"] = spec.domainname
    if spec.annotations:
        out["annotations"] = dict(spec.annotations)
    if spec.hooks:
        out["hooks"] = {kind: [{"path": h.path,
                                **({"args": list(h.args)} if h.args else {}),
                                **({"env": list(h.env)} if h.env else {}),
                                **({"timeout": h.timeout} if h.timeout is not None else {})}
                               for h in hooks] for kind, hooks in spec.hooks}
    return out
