"""runc's operations over the runtime core (runtime-spec runtime.md "Operations" and
"State"), so that podman and conmon can drive us as they drive runc.

A container is a directory `<root>/<id>` holding state.json (written once by create)
and, until `start`, the exec fifo. `create` forks the container's PID 1, which sets up
everything and then blocks opening the fifo for writing; `create` itself exits, and
PID 1 is reparented to whoever reaps orphans (conmon is a subreaper). `start` opens the
fifo for reading, which lets PID 1 exec. The status is never stored: PID 1 alive with
the fifo present is "created", alive without it "running", gone "stopped".
"""

from __future__ import annotations

import os
import select
import time

from vmforms import jsonlite
from vmforms.container.errors import CgroupNotFound, ContainerError, RuntimeFailure
from vmforms.container.statefs import (
    EXEC_FIFO,
    now_rfc3339,
    pid_alive,
    process_start_time,
    read_json,
    remove_dir,
    write_json,
)

# state, start, kill and delete run on every container podman starts: they import
# neither the runtime core (with ctypes) nor pathlib, json or re (statefs.py). The rest
# is imported by the commands that need it.
TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from vmforms.container import runtime
    from vmforms.container.cgroups.base import Cgroup
    from vmforms.container.spec import Process, Spec

DEFAULT_ROOT = "/run/vmforms-runtime"
SIGKILL = 9  # the same number on every Linux architecture
STATE_FILE = "state.json"
PAUSED = "paused"  # present while the cgroup is frozen by `pause`
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.")


class Options:
    """The global options: where state lives, the cgroup manager, and where warnings go."""

    def __init__(self, root: str = DEFAULT_ROOT, systemd_cgroup: bool = False,
                 warn: Callable[[str], None] | None = None) -> None:
        self.root = os.fspath(root)
        self.systemd_cgroup = systemd_cgroup
        self.warn = warn or (lambda _message: None)


# --- the state of one container ----------------------------------------------------------


class Container:
    """One container of the runtime: its directory and what create recorded."""

    def __init__(self, path: str, record: dict[str, Any]) -> None:
        self.path = path
        self.record = record

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def pid(self) -> int:
        return int(self.record["pid"])

    @property
    def alive(self) -> bool:
        return pid_alive(self.pid, self.record.get("pidStart"))

    def status(self) -> str:
        if not self.alive:
            return "stopped"
        if os.path.exists(os.path.join(self.path, EXEC_FIFO)):
            return "created"
        return "paused" if os.path.exists(os.path.join(self.path, PAUSED)) else "running"

    def has_hooks(self, kind: str) -> bool:
        """Whether config.json has hooks of `kind`, without validating all of it."""
        return bool((self.record["config"].get("hooks") or {}).get(kind))

    def spec(self) -> Spec:
        from vmforms.container.spec import load

        return load(self.record["config"])

    def state(self, owner: str = "") -> dict[str, Any]:
        """The runtime-spec state, with runc's extra fields, in runc's key order."""
        status = self.status()
        out: dict[str, Any] = {
            "ociVersion": self.record["ociVersion"], "id": self.id,
            "pid": self.pid if status != "stopped" else 0, "status": status,
            "bundle": self.record["bundle"], "rootfs": self.record["rootfs"],
            "created": self.record["created"],
        }
        if self.record.get("annotations"):
            out["annotations"] = self.record["annotations"]
        out["owner"] = owner
        return out


def _check_id(cid: str) -> None:
    if not cid:
        raise RuntimeFailure("container id cannot be empty")
    if not set(cid) <= _ID_CHARS or cid in (".", ".."):
        raise RuntimeFailure("invalid container ID format")


def find(opts: Options, cid: str) -> Container:
    _check_id(cid)
    path = os.path.join(opts.root, cid)
    try:
        record = read_json(os.path.join(path, STATE_FILE))
    except (FileNotFoundError, NotADirectoryError):
        raise RuntimeFailure("container does not exist") from None
    except (OSError, ValueError) as exc:
        raise RuntimeFailure(f"read state of container {cid}: {exc}") from None
    return Container(path, record)


def all_containers(opts: Options) -> list[Container]:
    try:
        names = sorted(os.listdir(opts.root))
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        try:
            found.append(find(opts, name))
        except RuntimeFailure:
            continue
    return found


def _driver() -> Any:
    from vmforms.container.cgroups import detect

    return detect()


def open_cgroup(c: Container) -> Cgroup | None:
    try:
        cgroup: Cgroup = _driver().open(c.record["cgroup"])
    except CgroupNotFound:
        return None
    return cgroup


# --- create, start, run ----------------------------------------------------------------


def _connect_console(path: str) -> int:
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as exc:
        sock.close()
        raise RuntimeFailure(f"connect to console socket {path}: {exc.strerror}") from None
    return sock.detach()


def write_pid_file(path: str, pid: int) -> None:
    """Atomically, as conmon reads the file as soon as create has exited."""
    directory, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(directory, f".{name}.{os.getpid()}")
    with open(tmp, "w") as f:
        f.write(str(pid))
    os.replace(tmp, path)


def create(opts: Options, cid: str, bundle: str, *, pid_file: str | None = None,
           console_socket: str | None = None, stdio: runtime.Stdio | None = None,
           preserve_fds: int = 0, config: str | None = None) -> int:
    """Set the container up and leave its PID 1 waiting for `start`; return that pid."""
    from vmforms.container import runtime
    from vmforms.container.bundle import cgroup_name, limits, load_bundle
    from vmforms.container.hooks import CREATE_KINDS, START_KIND

    _check_id(cid)
    bundle = os.path.abspath(bundle)
    spec, rootfs = load_bundle(bundle, config)
    spec, listened = _socket_activation(spec)
    preserve_fds += listened
    if spec.process.terminal and console_socket is None and stdio is None:
        raise RuntimeFailure("cannot allocate a tty for a detached container without "
                             "--console-socket")
    if not spec.process.terminal and console_socket is not None:
        raise RuntimeFailure("cannot use --console-socket: process.terminal is false")
    if spec.linux.resources.ignored:
        opts.warn("linux.resources: not applied: " + ", ".join(spec.linux.resources.ignored))
    seccomp = _seccomp_filter(opts, spec)
    os.makedirs(opts.root, mode=0o700, exist_ok=True)
    path = os.path.join(opts.root, cid)
    fifo = os.path.join(path, EXEC_FIFO)
    try:
        os.mkdir(path, mode=0o711)
    except FileExistsError:
        raise RuntimeFailure("container with given ID already exists") from None
    cgroup: Cgroup | None = None
    pid = 0
    fds: list[int] = []
    try:
        # Writable by all: PID 1 opens it after switching to the container's user.
        os.mkfifo(fifo, 0o622)
        os.chmod(fifo, 0o622)  # whatever our umask took away
        gate = os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        fds.append(gate)
        if stdio is None:
            stdio = runtime.Stdio(0, 1, 2)
        if console_socket is not None:
            fds.append(_connect_console(console_socket))
            stdio = runtime.Stdio(0, 1, 2, console=fds[-1])
        name = cgroup_name(spec, cid, systemd=opts.systemd_cgroup)
        driver = _driver()
        cgroup = driver.create(name, limits(spec))
        _apply_resources(opts, cgroup, spec.linux.resources.raw or {}, driver.version,
                         extra_only=True)
        if spec.process.apparmor_profile or spec.process.selinux_label:
            _check_lsm(opts, spec)
        created = now_rfc3339()

        def hooks(pid: int) -> bytes:
            """At PID 1's hook point: the runtime-namespace hooks; the state for the
            container's own."""
            state = {"ociVersion": spec.oci_version, "id": cid, "pid": pid,
                     "status": "creating", "bundle": bundle, "rootfs": rootfs,
                     "created": created,
                     **({"annotations": dict(spec.annotations)} if spec.annotations else {}),
                     "owner": ""}
            data = jsonlite.dumps(state).encode()
            from vmforms.container.hooks import run_hooks

            run_hooks(spec.hooks_for("createRuntime"), data)
            # prestart (the older kind) sees the state `start` will find, as crun gives it
            # and the runtime-tools validation asks; runc says "creating" there too.
            run_hooks(spec.hooks_for("prestart"),
                      jsonlite.dumps({**state, "status": "created"}).encode())
            return data

        wants_hooks = any(spec.hooks_for(k) for k in (*CREATE_KINDS, START_KIND))
        pid = runtime.start(spec, rootfs, cgroup=cgroup, stdio=stdio,
                            extras=runtime.Extras(gate=gate, seccomp=seccomp,
                                                  preserve_fds=preserve_fds,
                                                  hooks=hooks if wants_hooks else None))
        record = {
            "ociVersion": spec.oci_version, "id": cid, "pid": pid,
            "pidStart": process_start_time(pid), "bundle": bundle, "rootfs": rootfs,
            "created": created, "annotations": dict(spec.annotations),
            "cgroup": name, "config": _dump(spec),
            # for delete's quick path, which needs no cgroup driver when they are empty
            "cgroupDirs": list(dict.fromkeys(str(d) for d in cgroup.paths.values())),
        }
        write_json(os.path.join(path, STATE_FILE), record)
        if pid_file is not None:
            write_pid_file(pid_file, pid)
    except BaseException as exc:
        if pid:
            _kill_and_reap(pid)
        if cgroup is not None:
            cgroup.destroy()
        remove_dir(path)
        if isinstance(exc, ContainerError) and not isinstance(exc, RuntimeFailure):
            raise RuntimeFailure(str(exc)) from None
        if isinstance(exc, OSError):
            raise RuntimeFailure(f"create: {exc.strerror or exc}") from None
        raise
    finally:
        for fd in fds:
            os.close(fd)
    return pid


def _apply_resources(opts: Options, cgroup: Cgroup, res: dict[str, Any], version: int, *,
                     extra_only: bool = False, swap_first: bool = False) -> None:
    """linux.resources through cgroups/resources.py (`extra_only`: what `Limits` did not
    apply at creation); a field this kernel cannot take is named in one warning."""
    from vmforms.container.cgroups import resources

    try:
        todo = (resources.extra_writes(res, version) if extra_only else
                resources.writes(res, version, swap_first=swap_first))
    except ContainerError as exc:
        raise RuntimeFailure(str(exc)) from None
    missing = resources.apply(cgroup.paths, todo)
    if missing:
        opts.warn("linux.resources: not applied, this kernel's cgroups lack them: "
                  + ", ".join(missing))


def _socket_activation(spec: Spec) -> tuple[Spec, int]:
    """systemd's socket activation, passed on as runc does: the LISTEN_FDS given to this
    process (when LISTEN_PID is ours) stay open as fds 3.., and the container's process
    is told LISTEN_FDS=N and LISTEN_PID=1."""
    count = os.environ.get("LISTEN_FDS", "")
    if not count.isdigit() or int(count) == 0 or os.environ.get("LISTEN_PID") != str(
            os.getpid()):
        return spec, 0
    from vmforms.record import replace

    env = tuple(e for e in spec.process.env
                if not e.startswith(("LISTEN_FDS=", "LISTEN_PID=")))
    process = replace(spec.process, env=(*env, f"LISTEN_FDS={count}", "LISTEN_PID=1"))
    return replace(spec, process=process), int(count)


def _dump(spec: Spec) -> dict[str, Any]:
    from vmforms.container.spec import dump

    return dump(spec)


def _kill_and_reap(pid: int) -> None:
    try:
        os.kill(pid, SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _seccomp_filter(opts: Options, spec: Spec) -> Any:
    if spec.linux.seccomp is None:
        return None
    from pathlib import Path

    from vmforms.container import seccomp

    # '@' is in no container ID: the listing passes over this directory
    return seccomp.prepare(spec.linux.seccomp, opts.warn, Path(opts.root, "@seccomp"))


def _check_lsm(opts: Options, spec: Spec) -> None:
    """AppArmor profiles and SELinux labels need that LSM; on a host without it they are
    ignored, as runc ignores an AppArmor profile when AppArmor is disabled."""
    lsm = ""
    try:
        with open("/sys/kernel/security/lsm") as f:
            lsm = f.read()
    except OSError:
        pass
    if spec.process.apparmor_profile and "apparmor" in lsm:
        opts.warn(f"apparmor profile {spec.process.apparmor_profile!r} is not applied: "
                  "this runtime does not load AppArmor profiles")
    if spec.process.selinux_label and "selinux" in lsm:
        opts.warn(f"selinux label {spec.process.selinux_label!r} is not applied: this "
                  "runtime does not set SELinux labels")


def _wait_for_gate(c: Container) -> None:
    """Open the fifo for reading and take PID 1's byte: it then goes on to exec. Opened
    without blocking, so that a PID 1 that died meanwhile is noticed, not waited for."""
    fifo = os.path.join(c.path, EXEC_FIFO)
    try:
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise RuntimeFailure("cannot start an already running container") from None
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready and os.read(fd, 1):
                break
            if not c.alive:
                raise RuntimeFailure("cannot start a container that has stopped")
    finally:
        os.close(fd)
    os.unlink(fifo)


def start(opts: Options, cid: str) -> None:
    c = find(opts, cid)
    status = c.status()
    if status == "stopped":
        raise RuntimeFailure("cannot start a container that has stopped")
    if status == "running":
        raise RuntimeFailure("cannot start an already running container")
    _wait_for_gate(c)
    if c.has_hooks("poststart"):
        _run_hooks(c, c.spec(), "poststart", fatal=False, status="running")


def run(opts: Options, cid: str, bundle: str, *, pid_file: str | None = None,
        console_socket: str | None = None, detach: bool = False, preserve_fds: int = 0,
        config: str | None = None) -> int:
    """create + start; unless detached, wait for PID 1 and delete the container."""
    from vmforms.container import monitor, runtime
    from vmforms.container.bundle import load_bundle

    spec, _ = load_bundle(os.path.abspath(bundle), config)
    if detach or console_socket is not None or not spec.process.terminal:
        pid = create(opts, cid, bundle, pid_file=pid_file, console_socket=console_socket,
                     preserve_fds=preserve_fds, config=config)
        return _start_and_wait(opts, cid, pid, detach)

    from vmforms.container.attach import attach

    launched: list[int] = []

    def launch(stdio: runtime.Stdio) -> int:
        launched.append(create(opts, cid, bundle, pid_file=pid_file, stdio=stdio,
                               preserve_fds=preserve_fds, config=config))
        start(opts, cid)
        return launched[0]

    try:
        pid = attach(launch, tty=True, interactive=True)
        return runtime.exit_status(monitor.wait_child(pid))
    finally:
        if launched:
            delete(opts, cid, force=True)


def _start_and_wait(opts: Options, cid: str, pid: int, detach: bool) -> int:
    from vmforms.container import monitor, runtime

    try:
        start(opts, cid)
    except BaseException:
        delete(opts, cid, force=True)
        raise
    if detach:
        return 0
    monitor.forward_signals(pid)
    status = monitor.wait_child(pid)
    delete(opts, cid, force=True)
    return runtime.exit_status(status)


# --- kill, delete, exec -----------------------------------------------------------------


def parse_signal(text: str) -> int:
    """runc's signal argument: a number, or a name with or without SIG."""
    import signal

    if text.isdigit():
        number = int(text)
        if 0 < number < signal.NSIG:
            return number
    else:
        name = text.upper()
        name = name if name.startswith("SIG") else "SIG" + name
        sig = getattr(signal.Signals, name, None) if name.isidentifier() else None
        if isinstance(sig, signal.Signals):
            return int(sig)
    raise RuntimeFailure(f'unknown signal "{text}"')


def kill(opts: Options, cid: str, sig: int, *, all_processes: bool = False) -> None:
    c = find(opts, cid)
    if c.status() == "stopped":
        raise RuntimeFailure("container not running")
    if all_processes:
        cgroup = open_cgroup(c)
        if cgroup is not None:
            cgroup.kill_all(sig)
            return
    try:
        os.kill(c.pid, sig)
    except ProcessLookupError:
        raise RuntimeFailure("container not running") from None


def update(opts: Options, cid: str, changes: dict[str, Any]) -> None:
    """runc's `update`: change linux.resources of a container that is not stopped, and
    keep the new values in its record."""
    c = find(opts, cid)
    if c.status() == "stopped":
        raise RuntimeFailure(f"container {cid} is not running")
    cgroup = open_cgroup(c)
    if cgroup is None:
        raise RuntimeFailure(f"container {cid} has no cgroup")
    version = _driver().version
    _apply_resources(opts, cgroup, changes, version,
                     swap_first=version == 1 and _memsw_first(cgroup, changes))
    config = c.record["config"]
    merged = dict(config.get("linux", {}).get("resources") or {})
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    config.setdefault("linux", {})["resources"] = merged
    write_json(os.path.join(c.path, STATE_FILE), c.record)


def _memsw_first(cgroup: Cgroup, changes: dict[str, Any]) -> bool:
    """On v1 the memory limit may never exceed memory+swap: when an update raises both
    above the current memsw limit, memsw must be written first."""
    from vmforms.container.cgroups import fs

    memory = changes.get("memory") or {}
    path = cgroup.paths.get("memory")
    if path is None or not isinstance(memory.get("limit"), int) or "swap" not in memory:
        return False
    current = fs.parse_limit(fs.read_optional(path / "memory.memsw.limit_in_bytes") or "max")
    return current is not None and memory["limit"] > current


def pause(opts: Options, cid: str) -> None:
    """Freeze every process of the container (the freezer cgroup, or cgroup.freeze)."""
    c = find(opts, cid)
    if c.status() != "running":
        raise RuntimeFailure("container not running")
    cgroup = open_cgroup(c)
    if cgroup is None:
        raise RuntimeFailure(f"container {cid} has no cgroup to freeze")
    cgroup.freeze()
    with open(os.path.join(c.path, PAUSED), "w"):
        pass


def resume(opts: Options, cid: str) -> None:
    c = find(opts, cid)
    if c.status() != "paused":
        raise RuntimeFailure("container not paused")
    cgroup = open_cgroup(c)
    if cgroup is not None:
        cgroup.thaw()
    os.unlink(os.path.join(c.path, PAUSED))


def delete(opts: Options, cid: str, *, force: bool = False) -> None:
    """Remove a stopped container; with force, kill a created, running or paused one
    first. Without it, any of those is refused and left as it was (runtime.md "delete":
    crun and runc remove a created container anyway; the spec does not)."""
    try:
        c = find(opts, cid)
    except RuntimeFailure:
        if force:
            _check_id(cid)
            return
        raise
    status = c.status()
    if status != "stopped" and not force:
        raise RuntimeFailure(f"cannot delete container {cid} that is not stopped: {status}")
    cgroup = open_cgroup(c) if status == "paused" else None
    if status != "stopped":
        try:
            os.kill(c.pid, SIGKILL)
        except ProcessLookupError:
            pass
        if cgroup is not None:
            cgroup.thaw()  # a frozen process takes its SIGKILL only once thawed
        _wait_gone(c, 10.0)
    if not _remove_empty_cgroup(c):
        cgroup = cgroup or open_cgroup(c)
        if cgroup is not None:
            cgroup.destroy()  # what an exec left behind goes too
    spec = None
    if c.has_hooks("poststop"):
        try:
            spec = c.spec()
        except ContainerError:
            spec = None
    remove_dir(c.path)
    if spec is not None:
        _run_hooks(c, spec, "poststop", fatal=False, status="stopped")


def _remove_empty_cgroup(c: Container) -> bool:
    """The quick path of delete: rmdir the container's cgroup directories, which succeeds
    when they hold no process and no child cgroup. False when one refuses (a process an
    exec left, a child cgroup, a cgroup still busy with an exiting task), and for a record
    without the directories: the cgroup driver then kills what is left and waits."""
    dirs = c.record.get("cgroupDirs")
    if not isinstance(dirs, list):
        return False
    for directory in dirs:
        try:
            os.rmdir(directory)
        except FileNotFoundError:
            continue
        except OSError:
            return False
    return True


def _wait_gone(c: Container, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while c.alive and time.monotonic() < deadline:
        try:  # our own child (after `run`): reap it, else it stays a zombie forever
            if os.waitpid(c.pid, os.WNOHANG)[0]:
                return
        except ChildProcessError:
            pass
        time.sleep(0.005)


def exec_process(opts: Options, cid: str, proc: Process, *, detach: bool = False,
                 pid_file: str | None = None, console_socket: str | None = None,
                 preserve_fds: int = 0) -> int:
    """Start `proc` in the running container; its exit status, or 0 when detached."""
    from vmforms.container import monitor, runtime

    c = find(opts, cid)
    status = c.status()
    if status != "running":
        raise RuntimeFailure(f"cannot exec in a {status} container")
    if proc.terminal and console_socket is None and detach:
        raise RuntimeFailure("cannot allocate a tty for a detached process without "
                             "--console-socket")
    spec = c.spec()
    seccomp = _seccomp_filter(opts, spec)
    cgroup = open_cgroup(c)
    extras = runtime.Extras(seccomp=seccomp, preserve_fds=preserve_fds)

    def launch(stdio: runtime.Stdio) -> int:
        size = stdio.console_size
        from vmforms.record import replace

        p = replace(proc, console_size=size) if size else proc
        return runtime.exec_in(c.pid, p, cgroup=cgroup, stdio=stdio, extras=extras)

    if proc.terminal and console_socket is None:
        from vmforms.container.attach import attach

        pid = attach(launch, tty=True, interactive=True)
        return runtime.exit_status(monitor.wait_child(pid))
    sock = _connect_console(console_socket) if console_socket is not None else None
    try:
        pid = launch(runtime.Stdio(0, 1, 2, console=sock))
    except ContainerError as exc:
        raise RuntimeFailure(str(exc)) from None
    finally:
        if sock is not None:
            os.close(sock)
    if pid_file is not None:
        write_pid_file(pid_file, pid)
    if detach:
        return 0
    monitor.forward_signals(pid)
    return runtime.exit_status(monitor.wait_child(pid))


# --- hooks ---------------------------------------------------------------------------


def _run_hooks(c: Container, spec: Spec, *kinds: str, fatal: bool = True,
               status: str | None = None) -> None:
    """The hooks of `kinds`, given the container's state (with `status` as the operation
    that runs them sees it: the process may have exited already after `start`)."""
    from vmforms.container.hooks import run_hooks

    hooks = [h for kind in kinds for h in spec.hooks_for(kind)]
    if not hooks:
        return
    state = c.state()
    if status is not None:
        state.update({"status": status, "pid": c.pid if status != "stopped" else 0})
    run_hooks(hooks, jsonlite.dumps(state).encode(), fatal=fatal)


def features() -> dict[str, Any]:
    """What this runtime implements, in the shape of runc's `features` (runtime-spec
    features.md)."""
    from vmforms.container import seccomp
    from vmforms.container.spec import HOOK_KINDS, NAMESPACE_TYPES, OCI_VERSION
    from vmforms.linux.mount import MOUNT_FLAGS, PROPAGATION_FLAGS
    from vmforms.linux.process import CAPABILITIES

    return {
        "ociVersionMin": "1.0.0",
        "ociVersionMax": OCI_VERSION,
        "hooks": list(HOOK_KINDS),
        "mountOptions": sorted({*MOUNT_FLAGS, *PROPAGATION_FLAGS}),
        "linux": {
            "namespaces": sorted(NAMESPACE_TYPES - {"user"}),
            "capabilities": sorted(CAPABILITIES, key=CAPABILITIES.__getitem__),
            "cgroup": {"v1": True, "v2": True, "systemd": False, "systemdUser": False},
            "seccomp": seccomp.features(),
            "apparmor": {"enabled": False},
            "selinux": {"enabled": False},
        },
    }
