"""`run` options beyond the basics, applied to the runtime config that runconfig.py
makes: --env-file, --label, --mount, --tmpfs, named volumes, --cap-add/--cap-drop,
--ulimit, --group-add, --sysctl, --cpu-shares, --cpuset-cpus, --shm-size,
--stop-signal, --stop-timeout (Docker's syntax and error wording)."""

from __future__ import annotations

import os
from pathlib import Path

from vmforms.container.errors import InvalidOption
from vmforms.container.spec import Mount, Rlimit

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

MAX_ENV_FILE = 1 << 20
_ULIMITS = {"core": "RLIMIT_CORE", "cpu": "RLIMIT_CPU", "data": "RLIMIT_DATA",
            "fsize": "RLIMIT_FSIZE", "locks": "RLIMIT_LOCKS", "memlock": "RLIMIT_MEMLOCK",
            "msgqueue": "RLIMIT_MSGQUEUE", "nice": "RLIMIT_NICE", "nofile": "RLIMIT_NOFILE",
            "nproc": "RLIMIT_NPROC", "rss": "RLIMIT_RSS", "rtprio": "RLIMIT_RTPRIO",
            "rttime": "RLIMIT_RTTIME", "sigpending": "RLIMIT_SIGPENDING",
            "stack": "RLIMIT_STACK", "as": "RLIMIT_AS"}


def read_env_file(path: str) -> list[str]:
    """Docker's --env-file: KEY=VALUE lines (KEY alone passes the caller's value on),
    `#` comments and blank lines skipped; read with a bound."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        raise InvalidOption(f"open {path}: {(exc.strerror or str(exc)).lower()}") from None
    try:
        import stat

        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InvalidOption(f"{path}: not a regular file")
        data = os.read(fd, MAX_ENV_FILE + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_ENV_FILE:
        raise InvalidOption(f"{path}: larger than {MAX_ENV_FILE} bytes")
    out = []
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        line = line.lstrip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not key or any(c.isspace() for c in key):
            raise InvalidOption(f"{path}:{n}: variable '{key}' contains whitespaces")
        if not sep:
            if key in os.environ:
                out.append(f"{key}={os.environ[key]}")
            continue
        out.append(f"{key}={value}")
    return out


def labels(items: list[str], files: list[str] | None = None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, _, value = item.partition("=")
        if not key:
            raise InvalidOption(f"invalid label: {item!r}")
        out[key] = value
    return out


def ulimit(text: str) -> Rlimit:
    name, sep, values = text.partition("=")
    if not sep or name not in _ULIMITS:
        raise InvalidOption(f"invalid ulimit argument: {text}" if sep else
                            f"invalid ulimit argument: {text}")
    soft_s, _, hard_s = values.partition(":")
    try:
        soft = int(soft_s)
        hard = int(hard_s) if hard_s else soft
    except ValueError:
        raise InvalidOption(f"invalid ulimit argument: {text}") from None
    if soft > hard and hard != -1:
        raise InvalidOption(f"ulimit soft limit must be less than or equal to hard limit: "
                            f"{soft} > {hard}")
    return Rlimit(_ULIMITS[name], soft, hard)


def tmpfs(text: str) -> Mount:
    target, _, opts = text.partition(":")
    if not target.startswith("/") or target == "/":
        raise InvalidOption(f"invalid tmpfs mount point: {target!r}")
    options = ["nosuid", "nodev", "noexec"]
    for opt in (o for o in opts.split(",") if o):
        if opt in ("exec", "suid", "dev"):
            options = [o for o in options if o != "no" + opt]
        elif opt.startswith(("size=", "mode=", "uid=", "gid=", "nr_inodes=")) or opt in (
                "ro", "rw", "noexec", "nosuid", "nodev", "noatime"):
            options.append(opt)
        else:
            raise InvalidOption(f"invalid tmpfs option {opt!r}")
    return Mount(target, "tmpfs", "tmpfs", tuple(options))


def mount(text: str, layers: list[Path], work: Path) -> Mount:
    """`--mount type=bind|volume|tmpfs,source=...,target=...[,readonly]`."""
    fields: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if key in ("readonly", "ro") and not sep:
            value = "true"
        elif not sep:
            raise InvalidOption(f"invalid field '{part}' must be a key=value pair")
        fields[{"src": "source", "dst": "target", "destination": "target", "ro":
                 "readonly"}.get(key, key)] = value
    kind = fields.pop("type", "volume")
    target = fields.pop("target", "")
    if not target:
        raise InvalidOption("invalid argument for --mount: field target must not be empty")
    ro = fields.pop("readonly", "false").lower() in ("1", "true")
    source = fields.pop("source", "")
    if kind == "tmpfs":
        opts = []
        if "tmpfs-size" in fields:
            opts.append(f"size={fields.pop('tmpfs-size')}")
        if "tmpfs-mode" in fields:
            opts.append(f"mode={fields.pop('tmpfs-mode')}")
        mnt = tmpfs(f"{target}:{','.join(opts)}")
    elif kind == "bind":
        from vmforms.container.runconfig import parse_volume

        if not source:
            raise InvalidOption("invalid argument for --mount: field source must not be empty")
        if not os.path.exists(source):
            raise InvalidOption(f"invalid mount config for type \"bind\": bind source path "
                                f"does not exist: {source}")
        mnt = parse_volume(f"{source}:{target}:{'ro' if ro else 'rw'}")
    elif kind == "volume":
        mnt = named_volume(source or None, target, ro, layers, work)
    else:
        raise InvalidOption(f"invalid argument for --mount: unknown mount type {kind!r}")
    if fields:
        raise InvalidOption(f"invalid argument for --mount: unexpected key '{next(iter(fields))}'")
    return mnt


def named_volume(name: str | None, target: str, ro: bool, layers: list[Path],
                 work: Path) -> Mount:
    from vmforms.container import volumes

    if not target.startswith("/") or target == "/":
        raise InvalidOption(f"invalid mount target {target!r}: an absolute path, not '/'")
    made, new = volumes.create(name)
    if new:
        volumes.copy_up(made, layers, target, work)
    data = volumes.volumes_dir() / made / "_data"
    return Mount(target, "bind", str(data), ("rbind", "rprivate", *(("ro",) if ro else ())))


def volume_arg(text: str, layers: list[Path], work: Path) -> Mount:
    """`-v`: a host path (HOST:CTR[:ro]) or a named volume (NAME:CTR[:ro]); a bare
    /path is an anonymous volume."""
    from vmforms.container.runconfig import parse_volume

    parts = text.split(":")
    if len(parts) == 1 and text.startswith("/"):
        return named_volume(None, text, False, layers, work)
    if parts and parts[0] and not parts[0].startswith("/") and len(parts) in (2, 3):
        mode = parts[2] if len(parts) == 3 else "rw"
        if mode not in ("rw", "ro"):
            raise InvalidOption(f"invalid mode: {mode}")
        return named_volume(parts[0], parts[1], mode == "ro", layers, work)
    return parse_volume(text)


def capabilities(current: tuple[str, ...], add: list[str], drop: list[str]) -> tuple[str, ...]:
    from vmforms.linux.process import cap_numbers

    def norm(name: str) -> str:
        name = name.upper()
        return name if name.startswith("CAP_") or name == "ALL" else "CAP_" + name

    caps = list(current)
    every = _all_caps()
    for name in map(norm, drop):
        if name == "ALL":
            caps = []
        elif name in every:
            caps = [c for c in caps if c != name]
        else:
            raise InvalidOption(f"invalid --cap-drop: unknown capability: {name!r}")
    for name in map(norm, add):
        if name == "ALL":
            caps = list(every)
        elif name in every:
            if name not in caps:
                caps.append(name)
        else:
            raise InvalidOption(f"invalid --cap-add: unknown capability: {name!r}")
    cap_numbers(caps)  # refuses a name this kernel lacks
    return tuple(caps)


def _all_caps() -> list[str]:
    from vmforms.linux.process import CAPABILITIES, last_cap

    top = last_cap()
    return [name for name, number in CAPABILITIES.items() if number <= top]


def group_ids(items: list[str], layers: list[Path]) -> list[int]:
    """--group-add: numeric ids, or names from the image's /etc/group."""
    from vmforms.container.runconfig import _read_image_file

    out: list[int] = []
    groups: list[list[str]] | None = None
    for item in items:
        if item.isdigit():
            out.append(int(item))
            continue
        if groups is None:
            text = _read_image_file(layers, "etc/group") or ""
            groups = [line.split(":") for line in text.splitlines() if line.count(":") >= 3]
        found = next((g for g in groups if g[0] == item and g[2].isdigit()), None)
        if found is None:
            raise InvalidOption(f"unable to find group {item}: no matching entries in group "
                                "file")
        out.append(int(found[2]))
    return out


def sysctls(items: list[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidOption(f"sysctl '{item}' is not allowed: expected KEY=VALUE")
        out.append((key, value))
    return tuple(out)


def cpu_shares(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise InvalidOption(f'invalid argument "{text}" for "-c, --cpu-shares" flag') from None
    return value if value > 0 else None


def check_stop(signal_name: str | None, timeout: str | None) -> None:
    from vmforms.container.units import parse_signal

    if signal_name:
        try:
            parse_signal(signal_name)
        except Exception:  # noqa: BLE001 - any refusal is the same message
            raise InvalidOption(f"invalid signal: {signal_name}") from None
    if timeout is not None:
        try:
            int(timeout)
        except ValueError:
            raise InvalidOption(f'invalid argument "{timeout}" for "--stop-timeout" flag: '
                                "strconv.ParseInt: parsing: invalid syntax") from None


def pull_policy(store: Any, ref: str, policy: str | None, platform: Any) -> Any:
    """--pull: `always` pulls first, `missing` pulls what the store lacks, `never` (and no
    --pull: a run never reaches a registry unless asked to) uses the store only."""
    import sys

    from vmforms.container.errors import ImageNotFound

    if policy not in (None, "always", "missing", "never"):
        raise InvalidOption(f"invalid pull option: '{policy}': must be one of \"always\", "
                            "\"missing\" or \"never\"")

    def fetch() -> None:
        from vmforms.container.image.registry import pull

        def out(line: str) -> None:
            sys.stderr.write(line + "\n")

        pull(store, ref, out=out, platform=platform)

    if policy == "always":
        fetch()
        return store.resolve(ref, platform)
    try:
        return store.resolve(ref, platform)
    except ImageNotFound:
        if policy != "missing":
            raise
    sys.stderr.write(f"Unable to find image '{ref}' locally\n")
    fetch()
    return store.resolve(ref, platform)


def devices(items: list[str]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """--device HOST[:CONTAINER][:PERMISSIONS]: the node made in the container and the
    device cgroup rule that lets it be used."""
    import stat

    from vmforms.container.spec import Device, DeviceRule

    nodes, rules = [], []
    for item in items:
        parts = item.split(":")
        host = parts[0]
        target = parts[1] if len(parts) > 1 and parts[1].startswith("/") else host
        perms = parts[-1] if len(parts) > 1 and not parts[-1].startswith("/") else "rwm"
        if len(parts) > 3 or not perms or set(perms) - set("rwm"):
            raise InvalidOption(f"invalid device specification: {item}")
        try:
            info = os.stat(host)
        except OSError as exc:
            raise InvalidOption(f"error gathering device information while adding custom "
                                f"device \"{host}\": {(exc.strerror or '').lower()}") from None
        if stat.S_ISCHR(info.st_mode):
            kind = "c"
        elif stat.S_ISBLK(info.st_mode):
            kind = "b"
        else:
            raise InvalidOption(f"{host} is not a device node (directories and files are "
                                "bound with -v)")
        major, minor = os.major(info.st_rdev), os.minor(info.st_rdev)
        nodes.append(Device(target, kind, major, minor, stat.S_IMODE(info.st_mode),
                            info.st_uid, info.st_gid))
        rules.append(DeviceRule(True, kind, major, minor, perms))
    return tuple(nodes), tuple(rules)


def shm_size(mounts: tuple[Mount, ...], size: str | None) -> tuple[Mount, ...]:
    if size is None:
        return mounts
    from vmforms.container.units import parse_size

    value = parse_size(size, "--shm-size")
    if value <= 0:
        raise InvalidOption(f"invalid --shm-size: {size}")
    return tuple(Mount(m.destination, m.type, m.source,
                       tuple(o for o in m.options if not o.startswith("size="))
                       + (f"size={value}",)) if m.destination == "/dev/shm" else m
                 for m in mounts)


# Under /dev, what --privileged does not copy: the container has its own of these.
_OWN_DEV = ("pts", "shm", "mqueue", "console", "ptmx", "fd", "stdin", "stdout", "stderr",
            "core")


def host_devices() -> tuple[Any, ...]:
    """Every character and block device of the host's /dev, as --privileged gives them."""
    import stat

    from vmforms.container.spec import Device

    found = []
    for top, dirs, files in os.walk("/dev"):
        rel_top = os.path.relpath(top, "/dev")
        if rel_top.split("/")[0] in _OWN_DEV:
            dirs[:] = []
            continue
        for name in files:
            path = os.path.join(top, name)
            if os.path.relpath(path, "/dev").split("/")[0] in _OWN_DEV:
                continue
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
                found.append(Device(path, "c" if stat.S_ISCHR(info.st_mode) else "b",
                                    os.major(info.st_rdev), os.minor(info.st_rdev),
                                    stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid))
    return tuple(found)


def privileged(spec: Any, uid: int) -> Any:
    """Docker's --privileged: every capability, every device (nodes and the cgroup rule),
    no seccomp filter, no masked or read-only /proc paths, /sys writable."""
    from vmforms.container.spec import DeviceRule
    from vmforms.record import replace

    caps = tuple(c for c in _all_caps() if c in _own_bounding())
    process = spec.process
    if uid == 0:
        process = replace(process, capabilities=replace(
            process.capabilities, bounding=caps, effective=caps, permitted=caps))
    else:
        process = replace(process, capabilities=replace(process.capabilities, bounding=caps))
    have = {d.path for d in spec.linux.devices}
    devices = spec.linux.devices + tuple(d for d in host_devices() if d.path not in have)
    resources = replace(spec.linux.resources, devices=(
        *spec.linux.resources.devices, DeviceRule(True, "a", None, None, "rwm")))
    linux = replace(spec.linux, seccomp=None, masked_paths=(), readonly_paths=(),
                    devices=devices, resources=resources)
    mounts = tuple(replace(m, options=tuple(o for o in m.options if o != "ro"))
                   if m.destination in ("/sys", "/sys/fs/cgroup") else m for m in spec.mounts)
    return replace(spec, process=process, linux=linux, mounts=mounts)


def _own_bounding() -> set[str]:
    """The capabilities this process may still give (its bounding set): all of them is
    more than a container can get when we run inside another one."""
    from vmforms.linux.process import CAPABILITIES

    try:
        with open("/proc/self/status") as f:
            mask = next(int(line.split()[1], 16) for line in f if line.startswith("CapBnd:"))
    except (OSError, StopIteration, ValueError):
        return set(CAPABILITIES)
    return {name for name, number in CAPABILITIES.items() if mask >> number & 1}


def memory_reservation(text: str | None) -> int:
    if not text:
        return 0
    from vmforms.container.units import parse_memory

    return parse_memory(text) or 0


def apply_memory_extras(host: dict[str, Any], cgroup: Any) -> None:
    """--memory-reservation (v1 soft limit, v2 memory.low) and --oom-kill-disable, written
    to the new cgroup; what this kernel lacks is named in one warning, as Docker does."""
    import sys

    memory: dict[str, Any] = {}
    if host.get("MemoryReservation"):
        memory["reservation"] = int(host["MemoryReservation"])
    if host.get("OomKillDisable"):
        memory["disableOOMKiller"] = True
    if not memory:
        return
    from vmforms.container.cgroups import detect
    from vmforms.container.cgroups.resources import apply, writes

    missing = apply(cgroup.paths, writes({"memory": memory}, detect().version))
    if missing:
        sys.stderr.write(f"WARNING: Your kernel does not support {', '.join(missing)}; "
                         "it is left out\n")
