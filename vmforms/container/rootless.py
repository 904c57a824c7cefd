"""Rootless containers, as podman runs them: a non-root user's container commands run in a
user namespace of their own (user_namespaces(7)) mapping root to the user and 1..N to the
user's subordinate ids (subuid(5), subgid(5), set by newuidmap(1) and newgidmap(1)), over
a per-user store. Inside it the engine is root of its namespaces and of the files whose
owners the namespace maps, and of nothing else: the kernel keeps root's store, the
host's cgroups, devices and network out of reach, not this code.

Each command makes the namespace afresh with the same mappings, so files keep their
owners from one command to the next. The commands that only signal or join a running
container (`exec`, `stop`, `kill`) stay in the host's user namespace: the user owns the
container's user namespace there, which gives them every capability over it, where a
sibling namespace would give none. For the same reason `rm -f` and `restart` signal from
there first, and `cp`, `export`, `commit` and `diff` of a running container join its
user namespace rather than make one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from vmforms.container.errors import ContainerError

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from collections.abc import Callable

# Set in the environment of a command re-entered in the user namespace (and its children).
MARKER = "VMFORMS_ROOTLESS"
RUN_DIR = "VMFORMS_ROOTLESS_RUN"
HOST_MARK = "host"  # MARKER's value in a rootless command that stays in the host's
# The commands that stay in the host's user namespace (see the module's docstring).
HOST_SIDE = frozenset({"exec", "stop", "kill", "top", "stats", "version"})
# podman's words on a cgroup-v1 host (libpod/runtime_ctr.go); a v2 host that delegates
# no controller to the user gets the same warning.
LIMITS_WARNING = ("WARNING: Resource limits are not supported and ignored on cgroups V1 "
                  "rootless systems")
# run's flags that need a cgroup controller.
LIMIT_FLAGS = ("memory", "memory_swap", "memory_reservation", "cpus", "cpu_shares",
               "cpu_quota", "cpu_period", "cpuset_cpus", "cpuset_mems", "pids_limit",
               "blkio_weight", "oom_kill_disable", "kernel_memory", "memory_swappiness")
MAX_SUBID_FILE = 1 << 20
# The first Linux whose overlayfs may be mounted in a user namespace (FS_USERNS_MOUNT).
OVERLAY_IN_USERNS = (5, 11)
SUBUID = Path("/etc/subuid")
SUBGID = Path("/etc/subgid")
NEWUIDMAP = "/usr/bin/newuidmap"
NEWGIDMAP = "/usr/bin/newgidmap"


def active() -> bool:
    """True in a command that runs rootless (re-entered in its user namespace)."""
    return os.environ.get(MARKER) == "1"


def user_root(env: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """The per-user store: $XDG_DATA_HOME/vmforms, else ~/.local/share/vmforms. Both are
    the user's own to choose; a relative XDG path is ignored, as the XDG spec says."""
    data = env.get("XDG_DATA_HOME", "")
    if data.startswith("/"):
        return Path(data) / "vmforms"
    home = env.get("HOME", "")
    if not home.startswith("/"):
        import pwd

        home = pwd.getpwuid(os.getuid()).pw_dir
    return Path(home) / ".local" / "share" / "vmforms"


def runtime_dir(env: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """The user's run state: $XDG_RUNTIME_DIR/vmforms when that directory is the user's
    own, else /tmp/vmforms-run-UID, made 0700 and checked to be ours (a directory that
    another user made there first is refused, not used)."""
    if env.get(RUN_DIR):  # set by enter(), whose uid our own is no more (root inside)
        return Path(env[RUN_DIR])
    uid = os.getuid()
    xdg = env.get("XDG_RUNTIME_DIR", "")
    if xdg.startswith("/"):
        try:
            st = os.stat(xdg)
            if st.st_uid == uid and not st.st_mode & 0o077:
                path = Path(xdg) / "vmforms"
                path.mkdir(mode=0o700, exist_ok=True)
                return path
        except OSError:
            pass
    path = Path(f"/tmp/vmforms-run-{uid}")
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    import stat

    if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid or st.st_mode & 0o077:
        raise ContainerError(f"{path} is not a private directory of uid {uid}: remove it or "
                             "set XDG_RUNTIME_DIR to a directory of your own (mode 700)")
    return path


def oci_root() -> str:
    """vmforms-runc's --root for a non-root user, as runc's $XDG_RUNTIME_DIR/runc."""
    return str(runtime_dir() / "runtime")


def subordinate_ranges(path: Path, user: str, uid: int) -> list[tuple[int, int]]:
    """The (start, count) ranges of /etc/subuid or /etc/subgid for `user` (by name or by
    number, as shadow's getsubids does); malformed lines are skipped."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SUBID_FILE)
    except OSError:
        return []
    ranges = []
    for line in data.decode(errors="replace").splitlines():
        fields = line.strip().split(":")
        if len(fields) != 3 or fields[0] not in (user, str(uid)):
            continue
        if not (fields[1].isdigit() and fields[2].isdigit()):
            continue
        start, count = int(fields[1]), int(fields[2])
        if count > 0 and start + count <= 1 << 32:
            ranges.append((start, count))
    return ranges


def mappings(host_id: int, ranges: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(inside, outside, count) lines: 0 is the user's own id, 1.. the ranges in order."""
    maps = [(0, host_id, 1)]
    inside = 1
    for start, count in ranges:
        maps.append((inside, start, count))
        inside += count
    return maps


def _map_text(maps: list[tuple[int, int, int]]) -> str:
    return "".join(f"{c} {h} {n}\n" for c, h, n in maps)


def write_maps(pid: int, uid_maps: list[tuple[int, int, int]],
               gid_maps: list[tuple[int, int, int]], *, helpers: bool = False) -> None:
    """Give the user namespace of `pid` its mappings. Subordinate ranges go through the
    setuid newuidmap/newgidmap, which check them against /etc/subuid; the user's own id
    alone is written directly, which the kernel allows once setgroups is denied."""
    if helpers or len(uid_maps) > 1 or len(gid_maps) > 1:
        import subprocess

        for tool, maps in ((NEWUIDMAP, uid_maps), (NEWGIDMAP, gid_maps)):
            argv = [tool, str(pid)] + [str(n) for m in maps for n in m]
            try:
                proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            except FileNotFoundError:
                raise ContainerError(f"{tool} is missing: apt-get install uidmap") from None
            if proc.returncode != 0:
                raise ContainerError(f"{os.path.basename(tool)} {pid}: "
                                     f"{proc.stderr.strip()[-300:] or proc.returncode}")
        return
    _write_direct(pid, "uid_map", uid_maps)
    _write_direct(pid, "gid_map", gid_maps)


def _write_direct(pid: int, name: str, maps: list[tuple[int, int, int]]) -> None:
    try:
        if name == "gid_map":
            with open(f"/proc/{pid}/setgroups", "w") as f:
                f.write("deny")
        with open(f"/proc/{pid}/{name}", "w") as f:
            f.write(_map_text(maps))
    except OSError as exc:
        raise ContainerError(f"write /proc/{pid}/{name}: {exc.strerror}") from None


def user_mappings() -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]], bool]:
    """The calling user's uid and gid mappings, and whether both had subordinate ranges."""
    import pwd

    uid, gid = os.getuid(), os.getgid()
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        name = str(uid)
    uids = subordinate_ranges(SUBUID, name, uid)
    gids = subordinate_ranges(SUBGID, name, uid)
    if not (uids and gids) or not (os.path.exists(NEWUIDMAP) and os.path.exists(NEWGIDMAP)):
        return [(0, uid, 1)], [(0, gid, 1)], False
    return mappings(uid, uids), mappings(gid, gids), True


def enter(command: str, args: object = None) -> None:
    """Called by a non-root user's container command: set up the per-user store's paths
    and, unless the command stays on the host side, move this process into a new user
    namespace (and a mount namespace of its own) as its root. Returns in the namespace."""
    if os.geteuid() == 0:
        return
    os.environ.pop(MARKER, None)  # not in our namespace yet, whatever the caller's env says
    os.environ.setdefault("VMFORMS_ROOT", str(user_root()))
    root = Path(os.environ["VMFORMS_ROOT"])
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ContainerError(f"rootless store {root}: {exc.strerror} (set XDG_DATA_HOME "
                             "to a directory of your own)") from None
    owner = os.stat(root).st_uid
    if owner != os.getuid():
        raise ContainerError(f"the store {root} belongs to uid {owner}, not to you: a "
                             "rootless command keeps to a store of its user's own")
    if command in HOST_SIDE:
        os.environ[MARKER] = HOST_MARK
        return
    if command in ("rm", "restart"):
        _stop_first(command, args)
    os.environ[RUN_DIR] = str(runtime_dir())
    if not _join_running(command, args):
        uid_maps, gid_maps, ranged = user_mappings()
        if not ranged:
            sys.stderr.write(f'WARNING: no subordinate ids for uid {os.getuid()} in '
                             f'{SUBUID} and {SUBGID}: only "0" (your own id) is mapped in '
                             "the container\n")
        _unshare_mapped(uid_maps, gid_maps)
    os.environ[MARKER] = "1"
    _ensure_init()


def fork_call(body: Callable[[], None], *, close: tuple[int, ...] = ()) -> int:
    """Fork a child that closes `close`, calls `body` and exits (1 if it raised); its pid."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            for fd in close:
                os.close(fd)
            body()
            code = 0
        finally:
            os._exit(code)
    return pid


def _stop_first(command: str, args: object) -> None:
    """`rm -f` and `restart` signal running containers from here, the host's user
    namespace: the user owns each container's user namespace, so may signal a process of
    any uid in it, which a root of a sibling namespace (the one we enter next) may not."""
    from vmforms.container import lifecycle
    from vmforms.container import state as st

    given: dict[str, object] = vars(args) if args is not None else {}
    if command == "rm" and not given.get("force"):
        return
    time = given.get("time")
    refs = given.get("containers")
    for ref in refs if isinstance(refs, list) else []:
        try:
            if not st.find(ref).running:
                continue
            if command == "rm":
                lifecycle.kill(ref)
            else:
                lifecycle.stop(ref, int(str(time)) if str(time).lstrip("-").isdigit() else None)
        except ContainerError:
            pass  # the command itself says what is wrong with this one


def _join_running(command: str, args: object) -> bool:
    """`cp`, `export`, `commit` and `diff` of a running container read its files through
    /proc/PID/root, which only a process with privilege over the container's user
    namespace may open: they join that namespace (the user owns it) instead of making a
    sibling, and become its root. False when there is no running container to join."""
    if command not in ("cp", "export", "commit", "diff"):
        return False
    given: dict[str, object] = vars(args) if args is not None else {}
    refs = [given.get("container")]
    if command == "cp":
        refs = [str(t).partition(":")[0] for t in (given.get("source"),
                                                   given.get("destination"))
                if ":" in str(t) and not str(t).startswith(("/", "."))]
    from vmforms.container import state as st
    from vmforms.linux import process as lp

    for ref in refs:
        try:
            c = st.find(str(ref))
            if not c.running:
                continue
            fd = os.open(lp.ns_path(int(c.state["Pid"]), "user"), os.O_RDONLY | os.O_CLOEXEC)
        except (ContainerError, OSError, ValueError):
            continue  # the command says what is wrong with it
        try:
            lp.setns(fd, lp.CLONE_NEWUSER, "the container's user namespace")
        finally:
            os.close(fd)
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
        try:
            os.setgroups([])
        except PermissionError:
            pass  # denied in a namespace that maps only the user's own gid
        lp.unshare(lp.CLONE_NEWNS)
        return True
    return False


def _unshare_mapped(uid_maps: list[tuple[int, int, int]],
                    gid_maps: list[tuple[int, int, int]]) -> None:
    """unshare(CLONE_NEWUSER) here, with a child left in the host's user namespace to run
    newuidmap on us (a process cannot map itself beyond its own id), then become root."""
    from vmforms.linux import process as lp

    go_r, go_w = os.pipe2(os.O_CLOEXEC)
    done_r, done_w = os.pipe2(os.O_CLOEXEC)
    me = os.getpid()

    def map_us() -> None:
        try:
            if os.read(go_r, 1) == b"u":
                write_maps(me, uid_maps, gid_maps)
                os.write(done_w, b"m")
        except ContainerError as exc:
            os.write(done_w, str(exc).encode(errors="replace"))
        except BaseException as exc:
            os.write(done_w, f"{type(exc).__name__}: {exc}".encode(errors="replace"))

    helper = fork_call(map_us, close=(go_w, done_r))
    os.close(go_r)
    os.close(done_w)
    try:
        try:
            lp.unshare(lp.CLONE_NEWUSER)
        except OSError as exc:
            raise ContainerError(f"rootless: unshare a user namespace: {exc.strerror} (is "
                                 "user.max_user_namespaces 0?)") from None
        os.write(go_w, b"u")
        os.close(go_w)
        go_w = -1
        reply = os.read(done_r, 4096)
    finally:
        if go_w >= 0:
            os.close(go_w)
        os.close(done_r)
        os.waitpid(helper, 0)
    if reply != b"m":
        raise ContainerError(f"rootless: {reply.decode(errors='replace') or 'map failed'}")
    os.setresgid(0, 0, 0)
    os.setresuid(0, 0, 0)
    if len(gid_maps) > 1:
        os.setgroups([])
    lp.unshare(lp.CLONE_NEWNS)


def _ensure_init() -> None:
    """The helper `exec` runs and `--init` mounts, built once into the user's store."""
    from vmforms.container.init import ensure_init, init_binary

    if not init_binary().exists():
        try:
            ensure_init()
        except ContainerError:
            pass  # no compiler: `exec` and `--init` say so when asked for


def check_run_options(a: object) -> None:
    """Refuse in one line what needs the host's privilege, and pick the network: the
    default for a rootless container is slirp4netns where installed, as podman 4's, else
    none (said once)."""
    get = a.__dict__.get
    release = tuple(int(p) if p.isdigit() else 0
                    for p in os.uname().release.split("-")[0].split(".")[:2])
    if release < OVERLAY_IN_USERNS:
        raise ContainerError(f"rootless containers need Linux 5.11 or later (overlayfs in a "
                             f"user namespace); this kernel is {os.uname().release}")
    if get("privileged"):
        raise ContainerError("--privileged: the host's devices are not available to a "
                             "rootless container")
    for dev in get("device") or get("devices") or []:
        raise ContainerError(f"--device {dev}: creating or binding host devices needs root")
    for key in (get("sysctl") or []):
        name = key.partition("=")[0]
        if not (name.startswith("net.") or name.startswith("kernel.") or
                name.startswith("fs.mqueue.")):
            raise ContainerError(f"--sysctl {name}: not in a namespace of the container's "
                                 "own (a rootless container cannot set the host's)")
    from vmforms.container.rootless_net import choose_network

    choose_network(a)  # last: its note is said only for a container that will run
    from vmforms.container.rootless_cgroup import NoCgroupDriver, cgroup_driver

    if any(get(flag) for flag in LIMIT_FLAGS) and isinstance(cgroup_driver(), NoCgroupDriver):
        sys.stderr.write(LIMITS_WARNING + "\n")




def check_build_options(a: object) -> None:
    """build's RUN containers: the same network choice as `run`'s ("default" is ours)."""
    if a.__dict__.get("network") == "default":
        a.__dict__["network"] = None
    from vmforms.container.rootless_net import choose_network

    choose_network(a)
