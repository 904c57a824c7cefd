"""The Docker-like layer: names, images, run/exec/stop/kill/rm over the runtime core.

The command that starts a container is its monitor: it holds the container's PID 1 as
its child, relays its output (to the terminal and to the json-file log), forwards the
signals it gets, and records the exit status. `run -d` forks a detached monitor first.
A monitor that dies leaves the container running; the other commands notice from the
recorded pids and clean up in its place.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from vmforms.container import state as st
from vmforms.container.errors import ContainerError, InvalidOption, NameInUse
from vmforms.container.paths import locked, state_root
from vmforms.container.runtime import Stdio, exit_status
from vmforms.container.spec import Mount, Spec
from vmforms.record import field, record

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

    from vmforms.container.cgroups.base import Cgroup
    from vmforms.container.image.records import Image

CGROUP_PARENT = "vmforms"
DEFAULT_STOP_TIMEOUT = 10
_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_ADJECTIVES = ("brave", "calm", "eager", "fervent", "gifted", "jolly", "keen", "lucid",
               "nifty", "quirky", "serene", "sharp", "stoic", "tender", "vivid", "witty")
_SURNAMES = ("babbage", "curie", "dijkstra", "hopper", "kilby", "knuth", "lamport",
             "liskov", "lovelace", "noether", "ritchie", "shannon", "thompson", "turing")


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
    entrypoint: str | None = None
    init: bool = False


def _image_store() -> Any:
    from vmforms.container.image.store import ImageStore

    return ImageStore()


def _cgroup_driver() -> Any:
    from vmforms.container.cgroups import detect

    return detect()


def cgroup_name(container_id: str) -> str:
    return f"{CGROUP_PARENT}/{container_id}"


# --- building a container --------------------------------------------------------------


def _parse_volume(text: str) -> Mount:
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


def _read_image_file(layers: list[Path], rel: str) -> str | None:
    from vmforms.container.rootfs import secure_join

    for layer in reversed(layers):
        path = secure_join(str(layer), rel)
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            continue
    return None


def _resolve_user(spec_user: str, layers: list[Path]) -> tuple[int, int, list[int], str]:
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


def _build_spec(opts: RunOptions, image: Image, layers: list[Path], cid: str,
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
    mounts = [_parse_volume(v) for v in opts.volumes]

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
    uid, gid, extra_gids, home = _resolve_user(opts.user or cfg.user or "0", layers)
    hostname = opts.hostname or cid[:12]
    env: dict[str, str] = {}
    for item in (*cfg.env, f"HOSTNAME={hostname}", *(["TERM=xterm"] if opts.tty else []),
                 *opts.env):
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
    for fname, text in (("hostname", hostname + "\n"),
                        ("hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
                                  f"ip6-loopback\n127.0.1.1\t{hostname}\n"),
                        ("resolv.conf", _host_resolv_conf())):
        (cdir / fname).write_text(text)
        mounts.insert(0, Mount(f"/etc/{fname}", "bind", str(cdir / fname),
                               ("rbind", "rprivate")))
    base = default_spec(args, env=[f"{k}={v}" for k, v in env.items()], cwd=cwd)
    caps = base.process.capabilities
    if uid != 0:  # Docker gives a non-root user no effective or permitted capabilities
        caps = replace(caps, effective=(), permitted=(), inheritable=(), ambient=())
    process = replace(base.process, user=st_user(uid, gid, extra_gids), terminal=opts.tty,
                      capabilities=caps)
    resources = Resources(
        memory_limit=memory, memory_swap=swap,
        cpu_quota=quota.quota_us if quota else None,
        cpu_period=quota.period_us if quota else None,
        pids_limit=pids,
    )
    linux = replace(base.linux, resources=resources, cgroups_path=cgroup_name(cid))
    return replace(base, process=process, hostname=hostname, root_path=str(cdir / "merged"),
                   root_readonly=opts.read_only, mounts=base.mounts + tuple(mounts), linux=linux)


def st_user(uid: int, gid: int, extra: list[int]) -> Any:
    from vmforms.container.spec import User

    return User(uid, gid, tuple(extra))


def _host_resolv_conf() -> str:
    try:
        with open("/etc/resolv.conf") as f:
            return f.read()
    except OSError:
        return ""


def _new_name(taken: set[str]) -> str:
    while True:
        a, b = os.urandom(2)
        name = f"{_ADJECTIVES[a % len(_ADJECTIVES)]}_{_SURNAMES[b % len(_SURNAMES)]}"
        if name not in taken:
            return name


def create(opts: RunOptions) -> st.Container:
    """Validate everything, then make the container's directory (status "created")."""
    from vmforms.container import spec as spec_mod

    if opts.name is not None and (not opts.name or not set(opts.name) <= _NAME_OK
                                  or not opts.name[0].isalnum()):
        raise InvalidOption(f'Invalid container name ({opts.name}), only '
                            '[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed')
    store = _image_store()
    image = store.resolve(opts.image)
    layers = list(store.layer_dirs(image))
    cid = os.urandom(32).hex()
    root = st.containers_dir()
    root.mkdir(parents=True, exist_ok=True)
    st.sweep_trash()
    with locked(state_root() / "containers.lock"):
        taken = {c.name for c in st.all_containers()}
        name = opts.name or _new_name(taken)
        if name in taken:
            other = next(c for c in st.all_containers() if c.name == name)
            raise NameInUse(f'Conflict. The container name "/{name}" is already in use by '
                            f'container "{other.id}". You have to remove (or rename) that '
                            'container to be able to reuse that name.')
        tmp = root / f".{cid}.new"
        tmp.mkdir(mode=0o700)
        try:
            spec = _build_spec(opts, image, layers, cid, tmp)
            spec = _retarget(spec, tmp, root / cid)
            for sub in ("upper", "work", "merged"):
                (tmp / sub).mkdir(mode=0o755)
            record = {
                "Id": cid, "Name": name, "Created": st.now_rfc3339(),
                "Path": spec.process.args[0], "Args": list(spec.process.args[1:]),
                "Image": image.id, "ImageRef": opts.image,
                "Layers": [str(p) for p in layers],
                "Config": {
                    "Hostname": spec.hostname, "User": opts.user or image.config.user,
                    "Env": list(spec.process.env), "Cmd": opts.command or list(
                        image.config.cmd or ()), "Image": opts.image,
                    "WorkingDir": spec.process.cwd, "Tty": opts.tty,
                    "OpenStdin": opts.interactive,
                    "Entrypoint": list(image.config.entrypoint or ()),
                    "StopSignal": image.config.stop_signal or "SIGTERM",
                },
                "HostConfig": {
                    "Binds": list(opts.volumes), "AutoRemove": opts.rm,
                    "ReadonlyRootfs": opts.read_only,
                    "Memory": spec.linux.resources.memory_limit or 0,
                    "NanoCpus": int(float(opts.cpus) * 1e9) if opts.cpus else 0,
                    "Init": opts.init,
                    "PidsLimit": spec.linux.resources.pids_limit,
                    "NetworkMode": "none",
                },
                "Spec": spec_mod.dump(spec),
            }
            st.write_json(tmp / "config.json", record)
            st.write_json(tmp / "state.json", {"Status": "created", "Pid": 0, "ExitCode": 0,
                                               "OOMKilled": False, "StartedAt": "",
                                               "FinishedAt": "", "Error": ""})
            os.rename(tmp, root / cid)
        except BaseException:
            st.remove_dir(tmp)
            raise
    c = st.load(root / cid)
    assert c is not None
    return c


def _retarget(spec: Spec, old: Path, new: Path) -> Spec:
    """Paths in the spec were made in the temporary directory; point them at the final one."""
    from vmforms.record import replace

    def fix(p: str | None) -> str | None:
        return p.replace(str(old), str(new), 1) if p and p.startswith(str(old)) else p

    return replace(spec, root_path=fix(spec.root_path) or spec.root_path,
                   mounts=tuple(replace(m, source=fix(m.source)) for m in spec.mounts))


def container_spec(c: st.Container) -> Spec:
    from vmforms.container.spec import load

    return load(c.record["Spec"])


# --- running ---------------------------------------------------------------------------


def _limits(spec: Spec) -> Any:
    from vmforms.container.cgroups import Limits

    r = spec.linux.resources
    from vmforms.container.spec import DEFAULT_DEVICE_RULES

    return Limits(memory=r.memory_limit, memory_swap=r.memory_swap, cpu_quota=r.cpu_quota,
                  cpu_period=r.cpu_period, cpu_shares=r.cpu_shares, pids=r.pids_limit,
                  devices=DEFAULT_DEVICE_RULES)


def _launch(c: st.Container, stdio: Stdio) -> tuple[int, Cgroup]:
    """Create the cgroup and start PID 1; on failure leave the container "exited"."""
    from vmforms.container import runtime

    spec = container_spec(c)
    cgroup: Cgroup | None = None
    try:
        cgroup = _cgroup_driver().create(spec.linux.cgroups_path or cgroup_name(c.id),
                                         _limits(spec))
        overlay = (list(c.record["Layers"]), str(c.path / "upper"), str(c.path / "work"))
        pid = runtime.start(spec, spec.root_path, overlay=overlay, cgroup=cgroup, stdio=stdio)
    except BaseException as exc:
        if cgroup is not None:
            cgroup.destroy()
        with c.lock():
            c.state.update({"Status": "exited", "Error": str(exc),
                            "ExitCode": getattr(exc, "exit_code", 125),
                            "FinishedAt": st.now_rfc3339()})
            if c.record["HostConfig"].get("AutoRemove"):
                st.discard_dir(c.path)
                c.drop_lock_file()
            else:
                c.save_state()
        raise
    with c.lock():
        c.state.update({"Status": "running", "Pid": pid, "PidStart": st.process_start_time(pid),
                        "MonitorPid": os.getpid(),
                        "MonitorStart": st.process_start_time(os.getpid()),
                        "StartedAt": st.now_rfc3339(), "Error": ""})
        c.save_state()
    return pid, cgroup


def _open_devnull() -> int:
    return os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)


def run(opts: RunOptions) -> int:
    c = create(opts)
    if opts.detach:
        _run_detached(c, opts)
        print(c.id)
        return 0
    return _run_attached(c, opts)


def _run_attached(c: st.Container, opts: RunOptions) -> int:
    from vmforms.container import monitor

    launched: list[Cgroup] = []

    def start(stdio: Stdio) -> int:
        pid, cgroup = _launch(c, stdio)
        launched.append(cgroup)
        return pid

    log = _log_writer(c)
    try:
        pid = _attach(start, tty=opts.tty, interactive=opts.interactive, log=log)
        status = monitor.wait_child(pid)
    finally:
        log.close()
    return monitor.finalize(c, status, launched[0])


def _attach(start: Callable[[Stdio], int], *, tty: bool, interactive: bool,
            log: Any = None) -> int:
    """Start a process with `start(stdio)` wired to this terminal (a pty when `tty`, else
    pipes), relay its I/O and forward signals to it until its output ends; its pid."""
    from vmforms.container import monitor

    relay = monitor.Relay(log)
    if tty:
        with _Console() as console:
            pid = start(Stdio(0, 1, 2, console=console.remote, console_size=_local_winsize()))
            master = console.receive()
            relay.add_output(master, "stdout", 1)
            if interactive:
                relay.set_input(0, master)
            monitor.forward_signals(pid)
            with _RawTerminal(0 if interactive else None), _WinchForward(master):
                relay.run()
        return pid
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    stdin = 0 if interactive else _open_devnull()
    try:
        pid = start(Stdio(stdin, out_w, err_w))
    except BaseException:
        os.close(out_r)
        os.close(err_r)
        raise
    finally:
        for fd in (out_w, err_w) + ((stdin,) if stdin != 0 else ()):
            os.close(fd)
    relay.add_output(out_r, "stdout", 1)
    relay.add_output(err_r, "stderr", 2)
    monitor.forward_signals(pid)
    relay.run()
    return pid


def _log_writer(c: st.Container) -> Any:
    from vmforms.container.logs import LogWriter

    return LogWriter(c.path / "ctr.log")


def _run_detached(c: st.Container, opts: RunOptions) -> None:
    """Fork a monitor that outlives this command; return once PID 1 has exec'd."""
    r, w = os.pipe2(os.O_CLOEXEC)
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fork() != 0:
        os.close(w)
        chunks = []
        while chunk := os.read(r, 65536):
            chunks.append(chunk)
        os.close(r)
        reply = b"".join(chunks).decode(errors="replace")
        if reply != "ok":
            code_text, _, message = reply.partition("\0")
            raise ContainerError(message or "container monitor failed to start",
                                 exit_code=int(code_text) if code_text.isdigit() else 125)
        return
    # The monitor: a session of its own, no terminal, reporting back once over `w`.
    os.close(r)
    code = 1
    try:
        os.setsid()
        if os.fork() != 0:  # the grandchild is reparented, so nobody waits on a zombie
            os._exit(0)
        null = _open_devnull()
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        code = _detached_monitor(c, opts, w)
    except BaseException as exc:
        try:
            os.write(w, f"{getattr(exc, 'exit_code', 125)}\0{exc}".encode())
        except OSError:
            pass
    finally:
        os._exit(code)


def _detached_monitor(c: st.Container, opts: RunOptions, report: int) -> int:
    from vmforms.container import monitor

    relay = monitor.Relay(_log_writer(c))
    keep_stdin: int | None = None
    if opts.tty:
        with _Console() as console:
            pid, cgroup = _launch(c, Stdio(0, 1, 2, console=console.remote))
            relay.add_output(console.receive(), "stdout", None)
    else:
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        if opts.interactive:  # stdin stays open, with nobody writing, as with `docker run -di`
            stdin, keep_stdin = os.pipe2(os.O_CLOEXEC)
        else:
            stdin = _open_devnull()
        pid, cgroup = _launch(c, Stdio(stdin, out_w, err_w))
        for fd in (out_w, err_w, stdin):
            os.close(fd)
        relay.add_output(out_r, "stdout", None)
        relay.add_output(err_r, "stderr", None)
    os.write(report, b"ok")
    os.close(report)
    monitor.forward_signals(pid)
    relay.run()
    status = monitor.wait_child(pid)
    if relay.log is not None:
        relay.log.close()
    if keep_stdin is not None:
        os.close(keep_stdin)
    monitor.finalize(c, status, cgroup)
    return 0


class _Console:
    """A socket pair over which the container sends back the master of its pty."""

    def __enter__(self) -> _Console:
        import socket

        self._local, remote = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.remote = remote.detach()
        return self

    def receive(self) -> int:
        import socket

        os.close(self.remote)
        self.remote = -1
        _, fds, _, _ = socket.recv_fds(self._local, 16, 1)
        if not fds:
            raise ContainerError("the container did not send its terminal")
        return fds[0]

    def __exit__(self, *_: object) -> None:
        self._local.close()
        if self.remote >= 0:
            os.close(self.remote)


def _local_winsize() -> tuple[int, int] | None:
    from vmforms.linux.tty import get_winsize

    return get_winsize(0) or get_winsize(1)


def _set_winsize(fd: int, size: tuple[int, int]) -> None:
    from vmforms.linux.tty import set_winsize

    set_winsize(fd, *size)


class _RawTerminal:
    """Put the local terminal in raw mode while attached, as `docker run -it` does."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd if fd is not None and os.isatty(fd) else None
        self.saved: Any = None

    def __enter__(self) -> _RawTerminal:
        if self.fd is not None:
            import termios
            import tty

            self.saved = termios.tcgetattr(self.fd)
            tty.setraw(self.fd)
        return self

    def __exit__(self, *_: object) -> None:
        if self.fd is not None and self.saved is not None:
            import termios

            termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)


class _WinchForward:
    """Copy the local window size to the container's terminal on every SIGWINCH."""

    def __init__(self, master: int) -> None:
        self.master = master

    def __enter__(self) -> _WinchForward:
        def handler(_signum: int, _frame: Any) -> None:
            size = _local_winsize()
            if size:
                try:
                    _set_winsize(self.master, size)
                except OSError:
                    pass

        self.previous = signal.signal(signal.SIGWINCH, handler)
        return self

    def __exit__(self, *_: object) -> None:
        signal.signal(signal.SIGWINCH, self.previous)


# --- the other commands ----------------------------------------------------------------


def _open_cgroup(c: st.Container) -> Any | None:
    """The container's cgroup, or None once it is gone (after the monitor released it)."""
    from vmforms.container.errors import CgroupNotFound

    try:
        return _cgroup_driver().open(cgroup_name(c.id))
    except CgroupNotFound:
        return None


def reconcile(c: st.Container) -> None:
    """Finish for a monitor that died: PID 1 gone, state still says running."""
    from vmforms.container import monitor

    if c.state.get("Status") != "running" or c.running or c.monitor_alive:
        return
    monitor.finalize(c, None, _open_cgroup(c))
    c.reload()


def _wait_until(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def _wait_finalized(c: st.Container, timeout: float = 5.0) -> None:
    """After PID 1 died, give its monitor time to record the exit, else do it here."""
    def done() -> bool:
        return not c.reload() or c.state.get("Status") != "running" or not c.monitor_alive

    _wait_until(done, timeout)
    if c.reload():
        reconcile(c)


def kill(ref: str, sig: int = signal.SIGKILL) -> st.Container:
    c = st.find(ref)
    if not c.running:
        reconcile(c)
        raise ContainerError(f"Cannot kill container: {ref}: Container {c.id} is not running",
                             exit_code=1)
    if sig == signal.SIGKILL:
        with c.lock():
            c.reload()
            c.state["Killed"] = True
            c.save_state()
    os.kill(int(c.state["Pid"]), sig)
    if sig == signal.SIGKILL:
        _wait_until(lambda: not c.running, 10)
        _wait_finalized(c)
    return c


def stop(ref: str, timeout: int | None = None) -> st.Container:
    from vmforms.container.units import parse_signal

    c = st.find(ref)
    if not c.running:
        reconcile(c)
        return c
    pid = int(c.state["Pid"])
    grace = DEFAULT_STOP_TIMEOUT if timeout is None else timeout
    stop_signal = parse_signal(c.record["Config"].get("StopSignal") or "SIGTERM")
    if grace != 0:
        try:
            os.kill(pid, stop_signal)
        except ProcessLookupError:
            pass
    if grace < 0:
        _wait_until(lambda: not c.running, float("inf"))
    elif not _wait_until(lambda: not c.running, grace):
        with c.lock():
            c.reload()
            c.state["Killed"] = True
            c.save_state()
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _wait_until(lambda: not c.running, 10)
    _wait_finalized(c)
    return c


def remove(ref: str, force: bool = False) -> st.Container:
    c = st.find(ref)
    if c.running:
        if not force:
            raise ContainerError(
                f"You cannot remove a running container {c.id}. Stop the container before "
                "attempting removal or force remove", exit_code=1)
        with c.lock():
            c.reload()
            c.state["Killed"] = True
            c.save_state()
        try:
            os.kill(int(c.state["Pid"]), signal.SIGKILL)
        except ProcessLookupError:
            pass
        _wait_until(lambda: not c.running, 10)
    with c.lock():
        cgroup = _open_cgroup(c)
        if cgroup is not None:
            cgroup.destroy()  # also kills what an exec left behind
        st.remove_dir(c.path)
        c.drop_lock_file()
    return c


def exec_command(ref: str, command: list[str], *, interactive: bool = False, tty: bool = False,
                 env: list[str] | None = None, workdir: str | None = None,
                 user: str | None = None) -> int:
    from vmforms.container import monitor, runtime
    from vmforms.record import replace

    c = st.find(ref)
    if not c.running:
        raise ContainerError(f"Container {c.id} is not running", exit_code=1)
    if not command:
        raise InvalidOption("exec needs a command to run")
    proc = container_spec(c).process
    envs = dict(e.partition("=")[::2] for e in proc.env)
    for item in env or ():
        key, _, value = item.partition("=")
        envs[key] = value
    if tty:
        envs.setdefault("TERM", "xterm")
    proc = replace(proc, args=tuple(command), terminal=tty, cwd=workdir or proc.cwd,
                   env=tuple(f"{k}={v}" for k, v in envs.items()))
    if user is not None:
        layers = [Path(p) for p in c.record["Layers"]]
        uid, gid, extra, _ = _resolve_user(user, layers)
        proc = replace(proc, user=st_user(uid, gid, extra))
    cgroup = _open_cgroup(c)
    init_pid = int(c.state["Pid"])

    def start(stdio: Stdio) -> int:
        size = stdio.console_size
        return runtime.exec_in(init_pid, replace(proc, console_size=size) if size else proc,
                               cgroup=cgroup, stdio=stdio)

    pid = _attach(start, tty=tty, interactive=interactive)
    return exit_status(monitor.wait_child(pid))


def logs(ref: str, follow: bool = False) -> None:
    from vmforms.container.logs import print_entries, read_entries

    c = st.find(ref)
    path = c.path / "ctr.log"

    def still_running() -> bool:
        return c.reload() and c.running

    print_entries(read_entries(path, follow=still_running if follow else None))


def inspect(ref: str) -> dict[str, Any]:
    c = st.find(ref)
    if c.state.get("Status") == "running" and not c.running:
        reconcile(c)
    s = c.state
    running = c.running
    rec = c.record
    return {
        "Id": c.id,
        "Created": rec["Created"],
        "Path": rec["Path"],
        "Args": rec["Args"],
        "State": {
            "Status": "running" if running else s.get("Status", "exited"),
            "Running": running, "Paused": False, "Restarting": False,
            "OOMKilled": bool(s.get("OOMKilled")), "Dead": False,
            "Pid": int(s.get("Pid", 0)) if running else 0,
            "ExitCode": int(s.get("ExitCode") or 0), "Error": s.get("Error", ""),
            "StartedAt": s.get("StartedAt") or "0001-01-01T00:00:00Z",
            "FinishedAt": s.get("FinishedAt") or "0001-01-01T00:00:00Z",
        },
        "Image": rec["Image"],
        "LogPath": str(c.path / "ctr.log"),
        "Name": "/" + rec["Name"],
        "HostConfig": rec["HostConfig"],
        "GraphDriver": {"Name": "overlay2", "Data": {
            "LowerDir": ":".join(reversed(rec["Layers"])),
            "UpperDir": str(c.path / "upper"), "WorkDir": str(c.path / "work"),
            "MergedDir": str(c.path / "merged")}},
        "Config": rec["Config"],
    }


def image_in_use(image_id: str) -> bool:
    return any(c.record.get("Image") == image_id for c in st.all_containers())
