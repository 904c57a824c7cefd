"""From `run` options and an image to the runtime configuration (OCI config.md) of a
container: volumes, user lookup in the image's /etc/passwd, environment, limits."""

from __future__ import annotations

import os
from pathlib import Path

from vmforms.container.errors import CommandNotInvokable, ContainerError, InvalidOption
from vmforms.container.spec import Mount, Spec, User
from vmforms.record import field, record

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

    from vmforms.container.image.records import Image

CGROUP_PARENT = "vmforms"


@record
class RunOptions:
    image: str
    command: list[str] = field(default_factory=list)
    detach: bool = False
    interactive: bool = False
    tty: bool = False
    rm: bool = False
    name: str | None = None
    env: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    workdir: str | None = None
    user: str | None = None
    hostname: str | None = None
    memory: str | None = None
    memory_swap: str | None = None
    cpus: str | None = None
    pids_limit: str | None = None
    read_only: bool = False
    security_opt: list[str] = field(default_factory=list)
    entrypoint: str | None = None
    init: bool = False
    network: str | None = None  # --network: bridge, none, host, container:NAME, NETWORK
    network_aliases: list[str] = field(default_factory=list)
    publish: list[str] = field(default_factory=list)
    publish_all: bool = False
    add_hosts: list[str] = field(default_factory=list)
    dns: list[str] = field(default_factory=list)
    dns_search: list[str] = field(default_factory=list)
    dns_options: list[str] = field(default_factory=list)
    ip: str | None = None  # --ip: a fixed address on a user network
    env_file: list[str] = field(default_factory=list)
    label: list[str] = field(default_factory=list)
    mount: list[str] = field(default_factory=list)
    tmpfs: list[str] = field(default_factory=list)
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    ulimit: list[str] = field(default_factory=list)
    group_add: list[str] = field(default_factory=list)
    sysctl: list[str] = field(default_factory=list)
    cpu_shares: str | None = None
    cpuset_cpus: str | None = None
    stop_signal: str | None = None
    stop_timeout: str | None = None
    platform: str | None = None  # --platform: os/arch[/variant] of an image index's manifest
    pull: str | None = None  # --pull always|missing|never (unset: never, see runopts.pull)
    device: list[str] = field(default_factory=list)
    restart: str | None = None  # --restart no|on-failure[:N]|always|unless-stopped
    health_cmd: str | None = None
    health_interval: str | None = None
    health_timeout: str | None = None
    health_retries: str | None = None
    health_start_period: str | None = None
    no_healthcheck: bool = False
    privileged: bool = False
    memory_reservation: str | None = None
    oom_kill_disable: bool = False
    shm_size: str | None = None
    isolation: str | None = None  # --isolation default|process|vm (vmisolation/)


def resolve_image(store: Any, opts: RunOptions) -> Image:
    """The image `run` starts: with --platform, that platform's manifest (an index's entry,
    or a single-platform image that must match), refused in one line when this host cannot
    execute its programs. As Docker, the personality is left alone: an i386 program on an
    x86-64 kernel sees `uname -m` = x86_64 (`linux32` inside gives i686)."""
    from vmforms.container.image.platform import (
        check_executable,
        host_platform,
        parse_platform,
        platform_of,
    )

    wanted = parse_platform(opts.platform) if opts.platform is not None else None
    from vmforms.container.runopts import pull_policy

    image: Image = pull_policy(store, opts.image, opts.pull, wanted)
    if wanted is not None or image.architecture != host_platform().architecture:
        check_executable(wanted or platform_of({"os": image.os, "architecture":
                                                image.architecture}), opts.image)
    return image


def cgroup_name(container_id: str) -> str:
    return f"{CGROUP_PARENT}/{container_id}"


def parse_volume(text: str) -> Mount:
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise InvalidOption(f"invalid volume specification: '{text}'")
    source, target = parts[0], parts[1]
    mode = parts[2] if len(parts) == 3 else "rw"
    if not source.startswith("/"):
        raise InvalidOption(f"invalid volume specification: '{text}': "
                            "named volumes are not supported, give an absolute host path")
    if not target.startswith("/") or target == "/":
        raise InvalidOption(f"invalid volume specification: '{text}': "
                            "the container path must be absolute and not '/'")
    if mode not in ("rw", "ro"):
        raise InvalidOption(f"invalid mode: {mode}")
    if not os.path.exists(source):
        raise InvalidOption(f"invalid volume specification: '{text}': "
                            f"bind source path does not exist: {source}")
    options = ["rbind", "rprivate"] + (["ro"] if mode == "ro" else [])
    return Mount(target, "bind", os.path.realpath(source), tuple(options))


# The most of an image's /etc/passwd or /etc/group that is read; a larger one is refused.
MAX_ACCOUNT_FILE = 4 << 20


def _read_image_file(layers: list[Path], rel: str) -> str | None:
    """A regular file of the image, looked up from the top layer down, each resolved
    inside its layer; a device, FIFO, loop or oversized file is an error (exit 126)."""
    from vmforms.container.inroot import read_file

    for layer in reversed(layers):
        fd = os.open(layer, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            data = read_file(fd, rel, MAX_ACCOUNT_FILE)
        except ContainerError as exc:
            raise CommandNotInvokable(f"unable to look up the user: {exc}") from None
        finally:
            os.close(fd)
        if data is not None:
            return data.decode("utf-8", errors="replace")
    return None


def resolve_user(spec_user: str, layers: list[Path]) -> tuple[int, int, list[int], str]:
    """Docker's -u: NAME|UID[:GROUP|GID] against the image's /etc/passwd and /etc/group."""
    user, _, group = spec_user.partition(":")
    passwd = _read_image_file(layers, "etc/passwd") or ""
    groups = _read_image_file(layers, "etc/group") or ""
    entries = [line.split(":") for line in passwd.splitlines() if line.count(":") >= 6]
    home = "/"
    match = next((e for e in entries if e[0] == user or (user.isdigit() and e[2] == user)), None)
    if match is not None:
        uid, gid, home = int(match[2]), int(match[3]), match[5] or "/"
    elif user.isdigit():
        uid, gid = int(user), 0
    else:
        raise ContainerError(f"unable to find user {user}: no matching entries in passwd file")
    group_entries = [line.split(":") for line in groups.splitlines() if line.count(":") >= 3]
    if group:
        g = next((e for e in group_entries if e[0] == group or e[2] == group), None)
        if g is not None:
            gid = int(g[2])
        elif group.isdigit():
            gid = int(group)
        else:
            raise ContainerError(f"unable to find group {group}: no matching entries in group file")
    name = match[0] if match else ""
    extra = sorted({int(e[2]) for e in group_entries
                    if name and name in e[3].split(",") and e[2].isdigit() and int(e[2]) != gid})
    return uid, gid, extra, home


def build_spec(opts: RunOptions, image: Image, layers: list[Path], cid: str,
                cdir: Path) -> Spec:
    from vmforms.container.spec import Resources, default_spec
    from vmforms.container.units import (
        parse_cpus,
        parse_memory,
        parse_memory_swap,
        parse_pids_limit,
    )
    from vmforms.record import replace

    memory = parse_memory(opts.memory) if opts.memory else None
    swap = parse_memory_swap(opts.memory_swap, memory) if opts.memory_swap else None
    quota = parse_cpus(opts.cpus) if opts.cpus else None
    pids = parse_pids_limit(opts.pids_limit) if opts.pids_limit else None
    from vmforms.container import runopts

    volume_work = cdir / "volume-work"
    mounts = [runopts.volume_arg(v, layers, volume_work) for v in opts.volumes]
    mounts += [runopts.mount(m, layers, volume_work) for m in opts.mount]
    mounts += [runopts.tmpfs(t) for t in opts.tmpfs]

    cfg = image.config
    entrypoint = list(cfg.entrypoint or ())
    if opts.entrypoint is not None:
        entrypoint = [opts.entrypoint] if opts.entrypoint else []
    cmd = list(opts.command) if opts.command else (
        list(cfg.cmd or ()) if opts.entrypoint is None else [])
    args = entrypoint + cmd
    if not args:
        raise ContainerError("no command specified")
    if opts.init:
        from vmforms.container.init import CONTAINER_PATH, require_init

        mounts.append(Mount(CONTAINER_PATH, "bind", str(require_init()), ("rbind", "ro")))
        args = [CONTAINER_PATH, "--", *args]
    uid, gid, extra_gids, home = resolve_user(opts.user or cfg.user or "0", layers)
    # Docker: with the host's network, the host's name too (in a UTS namespace of its own)
    hostname = opts.hostname or (os.uname().nodename if opts.network == "host" else cid[:12])
    env: dict[str, str] = {}
    env_files = [e for path in opts.env_file for e in runopts.read_env_file(path)]
    for item in (*cfg.env, f"HOSTNAME={hostname}", *(["TERM=xterm"] if opts.tty else []),
                 *env_files, *opts.env):
        key, sep, value = item.partition("=")
        if not key:
            raise InvalidOption(f"invalid environment variable: {item}")
        if not sep:  # `-e KEY` passes the caller's value through, as Docker does
            if key not in os.environ:
                continue
            value = os.environ[key]
        env[key] = value
    env.setdefault("HOME", home)
    env.setdefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    cwd = opts.workdir or cfg.working_dir or "/"
    if not cwd.startswith("/"):
        raise InvalidOption(f"the working directory '{cwd}' is invalid, it needs to be an "
                            "absolute path")
    from vmforms.container.network import options as net_options

    for fname, text in net_options.etc_files(opts.network, hostname, opts.add_hosts, opts.dns,
                                             opts.dns_search, opts.dns_options):
        (cdir / fname).write_text(text)
        mounts.insert(0, Mount(f"/etc/{fname}", "bind", str(cdir / fname),
                               ("rbind", "rprivate")))
    base = default_spec(args, env=[f"{k}={v}" for k, v in env.items()], cwd=cwd)
    caps = base.process.capabilities
    if opts.cap_add or opts.cap_drop:
        chosen = runopts.capabilities(caps.bounding, opts.cap_add, opts.cap_drop)
        caps = replace(caps, bounding=chosen, effective=chosen, permitted=chosen)
    if uid != 0:  # Docker gives a non-root user no effective or permitted capabilities
        caps = replace(caps, effective=(), permitted=(), inheritable=(), ambient=())
    extra_gids += runopts.group_ids(opts.group_add, layers)
    rlimits = {r.type: r for r in base.process.rlimits}
    rlimits.update({r.type: r for r in (runopts.ulimit(u) for u in opts.ulimit)})
    process = replace(base.process, user=st_user(uid, gid, extra_gids), terminal=opts.tty,
                      capabilities=caps, rlimits=tuple(rlimits.values()))
    resources = Resources(
        memory_limit=memory, memory_swap=swap,
        cpu_quota=quota.quota_us if quota else None,
        cpu_period=quota.period_us if quota else None,
        pids_limit=pids,
        cpu_shares=runopts.cpu_shares(opts.cpu_shares), cpuset_cpus=opts.cpuset_cpus,
    )
    devices, rules = runopts.devices(opts.device)
    resources = replace(resources, devices=rules)
    linux = replace(base.linux, resources=resources, cgroups_path=cgroup_name(cid),
                    sysctl=runopts.sysctls(opts.sysctl), devices=base.linux.devices + devices,
                    seccomp=security_options(opts.security_opt,
                                             base.process.capabilities.bounding),
                    namespaces=net_options.namespaces(base.linux.namespaces, opts.network))
    base_mounts = runopts.shm_size(base.mounts, opts.shm_size)
    spec = replace(base, process=process, hostname=hostname, root_path=str(cdir / "merged"),
                   root_readonly=opts.read_only, mounts=base_mounts + tuple(mounts), linux=linux)
    return runopts.privileged(spec, uid) if opts.privileged else spec


# The most of a --security-opt seccomp=FILE profile that is read.
MAX_SECCOMP_PROFILE = 1 << 20


def security_options(options: list[str], bounding: tuple[str, ...]) -> dict[str, Any] | None:
    """Docker's --security-opt: the seccomp profile to apply (Docker's default unless
    `seccomp=unconfined` or `seccomp=FILE`), or None for none."""
    import json

    from vmforms.container.seccomp_default import profile

    chosen: dict[str, Any] | None = profile(bounding, os.uname().machine)
    for opt in options:
        if opt in ("no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"):
            continue  # the containers of this runtime always run with no_new_privs
        key, sep, value = opt.replace(":", "=", 1).partition("=")
        if key in ("label", "apparmor") and sep and value:
            _lsm_option(key, value)
            continue
        if key != "seccomp" or not sep or not value:
            raise InvalidOption(f"invalid --security-opt: {opt!r} (this runtime takes "
                                "seccomp=unconfined or seccomp=PROFILE.json)")
        if value == "unconfined":
            chosen = None
            continue
        try:
            with open(value, "rb") as f:
                text = f.read(MAX_SECCOMP_PROFILE + 1)
        except OSError as exc:
            raise InvalidOption(f"opening seccomp profile ({value}) failed: "
                                f"{exc.strerror}") from None
        if len(text) > MAX_SECCOMP_PROFILE:
            raise InvalidOption(f"seccomp profile {value} is larger than "
                                f"{MAX_SECCOMP_PROFILE} bytes")
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise InvalidOption(f"decoding seccomp profile {value} failed: {exc}") from None
        if not isinstance(loaded, dict):
            raise InvalidOption(f"seccomp profile {value} is not a JSON object")
        chosen = loaded
    return chosen


def _lsm_option(key: str, value: str) -> None:
    """`label=...` (SELinux) and `apparmor=...`: there is nothing to apply where the
    host runs neither, which Docker accepts silently; where it does, say it is ignored."""
    import sys

    lsm = "selinux" if key == "label" else "apparmor"
    try:
        with open("/sys/kernel/security/lsm") as f:
            active = f.read(4096).split(",")
    except OSError:
        active = []
    if lsm in active and value not in ("disable", "unconfined"):
        sys.stderr.write(f"WARNING: --security-opt {key}={value} is not applied by this "
                         f"runtime ({lsm} profiles are not supported)\n")


def st_user(uid: int, gid: int, extra: list[int]) -> User:
    return User(uid, gid, tuple(extra))


def _host_resolv_conf() -> str:
    try:
        with open("/etc/resolv.conf") as f:
            return f.read()
    except OSError:
        return ""


def retarget(spec: Spec, old: Path, new: Path) -> Spec:
    """Paths in the spec were made in the temporary directory; point them at the final one."""
    from vmforms.record import replace

    def fix(p: str | None) -> str | None:
        return p.replace(str(old), str(new), 1) if p and p.startswith(str(old)) else p

    return replace(spec, root_path=fix(spec.root_path) or spec.root_path,
                   mounts=tuple(replace(m, source=fix(m.source)) for m in spec.mounts))
