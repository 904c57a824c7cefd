"""The OCI runtime core: start a process in new namespaces, or join a running container.

The caller forks once. The child becomes the container's PID 1 (the caller unshares
CLONE_NEWPID around the fork, which only changes where its children land), unshares the
other namespaces and builds the root filesystem while the caller moves it into its
cgroup, then unshares the cgroup namespace, drops privileges and execs.
Failures before exec travel back over a close-on-exec pipe, as subprocess does it: EOF
with no data means the exec succeeded.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from vmforms.container import rootfs
from vmforms.container.errors import CommandNotFound, CommandNotInvokable, ContainerError
from vmforms.container.spec import NAMESPACE_TYPES, Process, Spec
from vmforms.container.statefs import EXEC_FIFO
from vmforms.linux import process as lp
from vmforms.record import record

EXIT_SETUP_FAILED = 125
EXIT_NOT_INVOKABLE = 126
EXIT_NOT_FOUND = 127
# argv[0] and memfd name of the helper that execs an `exec`'d command (see exec_in).
EXEC_HELPER_NAME = "vmforms-exec"
# Namespaces joined by exec, in the order runc joins them: the user namespace first (it
# gives the privilege over the others), mount last (it changes /proc).
JOIN_ORDER = ("user", "cgroup", "ipc", "uts", "network", "pid", "mount")


TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import NoReturn, Protocol

    class CgroupHandle(Protocol):
        def add(self, pid: int) -> None: ...

    class SeccompFilter(Protocol):
        def load(self) -> None: ...


@record
class Stdio:
    """What the process gets as fds 0, 1, 2; or a terminal sent back over `console`."""

    stdin: int
    stdout: int
    stderr: int
    console: int | None = None  # a unix socket: the pty master is sent back over it
    console_size: tuple[int, int] | None = None  # (rows, columns) of the caller's terminal


@record
class Extras:
    """What only the OCI runtime asks for: a start gate, a seccomp filter, fds to pass."""

    gate: int | None = None  # a directory fd holding EXEC_FIFO: wait there before exec
    seccomp: SeccompFilter | None = None
    preserve_fds: int = 0  # fds 3 .. 3+n-1 stay open across exec (runc's --preserve-fds)
    # Called in the caller with PID 1's pid once its mounts are made, before pivot_root:
    # runs the runtime-namespace hooks, returns the state for the container's (hooks.py).
    hooks: Callable[[int], bytes] | None = None

    def kept_fds(self) -> set[int]:
        return set(range(3, 3 + self.preserve_fds))


def exit_status(wait_status: int) -> int:
    """A wait status as a shell reports it: the exit code, or 128 + the signal number."""
    code = os.waitstatus_to_exitcode(wait_status)
    return 128 - code if code < 0 else code


def _describe(exc: OSError) -> str:
    """An OSError as one line: the wrappers in vmforms.linux put the operation and the
    object into strerror; os functions leave the path in filename."""
    if exc.filename is not None:
        return f"{exc.strerror}: {exc.filename}"
    return str(exc.strerror or exc)


def _fail(errfd: int, code: int, message: str) -> NoReturn:
    try:
        if errfd < 0:  # after create has returned, the error can only go to stderr
            os.write(2, f"{message}\n".encode(errors="replace"))
        else:
            os.write(errfd, f"{code}\0{message}".encode(errors="replace"))
    finally:
        os._exit(code)


def _wait_exec(pid: int, errfd: int, *, reap: bool = True) -> None:
    """Block until the child execs (EOF) or reports why it could not (raise; the child
    reaped first unless it was already)."""
    chunks = []
    while chunk := os.read(errfd, 65536):
        chunks.append(chunk)
    os.close(errfd)
    if not chunks:
        return
    if reap:
        os.waitpid(pid, 0)
    code_text, _, message = b"".join(chunks).decode(errors="replace").partition("\0")
    code = int(code_text) if code_text.isdigit() else EXIT_SETUP_FAILED
    if code == EXIT_NOT_FOUND:
        raise CommandNotFound(message)
    if code == EXIT_NOT_INVOKABLE:
        raise CommandNotInvokable(message)
    raise ContainerError(message)


def _close_fds(keep: set[int], inherit: set[int] | None = None) -> None:
    # Only fds 0-2, the error pipe and the fds to pass on may survive into the container.
    inherit = inherit or set()
    for fd in inherit:
        try:
            os.set_inheritable(fd, True)
        except OSError:
            pass  # not open: nothing to pass on
    keep = keep | inherit
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _setup_stdio(stdio: Stdio, size: tuple[int, int] | None) -> str | None:
    """Wire fds 0-2; with a console, return the path of the terminal's slave."""
    if stdio.console is None:
        for target, fd in enumerate((stdio.stdin, stdio.stdout, stdio.stderr)):
            if fd != target:
                os.dup2(fd, target)
        return None
    import socket

    from vmforms.linux import tty

    master, slave = tty.open_pty_pair("/dev/pts/ptmx", "/dev/pts")
    size = stdio.console_size or size
    if size and size[0] and size[1]:
        tty.set_winsize(master, *size)
    name = os.ttyname(slave)
    with socket.socket(fileno=os.dup(stdio.console)) as sock:
        # The name travels with the fd, as runc sends it; conmon reads only the fd.
        socket.send_fds(sock, [name.encode()], [master])
    os.close(master)
    tty.make_controlling(slave)
    for target in (0, 1, 2):
        os.dup2(slave, target)
    if slave > 2:
        os.close(slave)
    return name


def _find_executable(name: str, env: tuple[str, ...]) -> str:
    if "/" in name:
        return name
    path = next((e[5:] for e in env if e.startswith("PATH=")), "/usr/bin:/bin")
    denied = None
    for directory in path.split(":"):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate):
            if os.access(candidate, os.X_OK):
                return candidate
            denied = candidate
    if denied:
        return denied
    raise FileNotFoundError(name)


def _home_of(uid: int) -> str:
    """The home directory of `uid` in the container's /etc/passwd (read after
    pivot_root: "/" is the container's root), or "/"."""
    from vmforms.container.inroot import read_file

    try:
        root = os.open("/", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            data = read_file(root, "/etc/passwd", 4 << 20) or b""
        finally:
            os.close(root)
    except (ContainerError, OSError):
        return "/"
    for line in data.decode(errors="replace").splitlines():
        fields = line.split(":")
        if len(fields) >= 7 and fields[2] == str(uid):
            return fields[5] or "/"
    return "/"


def become(proc: Process, errfd: int, gate: int | None = None,
           seccomp: SeccompFilter | None = None, via: int | None = None,
           after_gate: Callable[[], None] | None = None) -> NoReturn:
    """Drop to the process's user and capabilities, chdir, and exec. Never returns.

    With a `gate` (a directory fd holding the exec fifo, see `wait_gate`), everything is
    done and reported before the exec waits for `start`; only the exec itself follows.
    With `via` (a sealed memfd of vmforms-init), the command is exec'd by that helper in
    a child: see `exec_in`.
    """
    for rlimit in proc.rlimits:
        lp.set_rlimit(rlimit.type, rlimit.soft, rlimit.hard)
    if seccomp is not None and not proc.no_new_privileges:
        seccomp.load()  # without no_new_privs, loading a filter needs CAP_SYS_ADMIN
    caps = proc.capabilities
    bounding = lp.cap_numbers(list(caps.bounding))
    lp.drop_bounding(bounding)
    user = proc.user
    try:
        os.setgroups(list(user.additional_gids))
    except PermissionError:
        # A user namespace that maps only its creator's gid has setgroups denied (the
        # kernel's rule for an unprivileged gid_map); with no groups to set, as runc, go on.
        if user.additional_gids:
            raise
    lp.set_keepcaps(True)
    os.setresgid(user.gid, user.gid, user.gid)
    os.setresuid(user.uid, user.uid, user.uid)
    lp.set_keepcaps(False)
    effective = lp.cap_numbers(list(caps.effective))
    permitted = lp.cap_numbers(list(caps.permitted))
    lp.capset(effective, permitted, lp.cap_numbers(list(caps.inheritable)))
    # The kernel keeps an ambient capability only while it is permitted and inheritable;
    # runc's own default config asks for more, and skips what cannot be raised.
    ambient = lp.cap_numbers(list(caps.ambient)) & permitted & lp.cap_numbers(
        list(caps.inheritable))
    if ambient:
        lp.set_ambient(ambient)
    if proc.no_new_privileges:
        lp.set_no_new_privs()
    if proc.user.umask is not None:
        os.umask(proc.user.umask)
    try:
        os.chdir(proc.cwd)
    except OSError as exc:
        _fail(errfd, EXIT_SETUP_FAILED, f"chdir to cwd {proc.cwd!r} set in config.json failed: "
              f"{exc.strerror}")
    env = dict(e.partition("=")[::2] for e in proc.env)
    if "HOME" not in env:  # as runc: the user's home in the container's passwd, or /
        env["HOME"] = _home_of(proc.user.uid)
    for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM, signal.SIGQUIT,
                signal.SIGHUP, signal.SIGCHLD, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH):
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    name = proc.args[0]
    try:
        path = _find_executable(name, proc.env)
        if gate is not None or via is not None:
            # Found now, so that a missing command fails `create` (as runc reports it), or
            # `exec` before the helper runs.
            if not os.path.isfile(path):
                raise FileNotFoundError(path)
            if not os.access(path, os.X_OK):
                raise PermissionError(path)
        if gate is not None:
            os.close(errfd)  # EOF: the caller's create is done
            errfd = -1
            try:
                wait_gate(gate)
                if after_gate is not None:
                    after_gate()  # the startContainer hooks, before the user's process
            except OSError as exc:
                _fail(errfd, EXIT_SETUP_FAILED, f"container init: {_describe(exc)}")
            except ContainerError as exc:
                _fail(errfd, EXIT_SETUP_FAILED, f"container init: {exc}")
        if seccomp is not None and proc.no_new_privileges:
            seccomp.load()  # last, so that the filter governs only the command
        if via is not None:
            os.execve(via, [EXEC_HELPER_NAME, "--exec", path, *proc.args], env)
        os.execve(path, list(proc.args), env)
    except FileNotFoundError:
        if "/" in name:
            _fail(errfd, EXIT_NOT_FOUND, f"exec: {name!r}: no such file or directory")
        _fail(errfd, EXIT_NOT_FOUND, f'exec: "{name}": executable file not found in $PATH')
    except PermissionError:
        _fail(errfd, EXIT_NOT_INVOKABLE, f"exec: {name!r}: permission denied")
    except OSError as exc:
        _fail(errfd, EXIT_NOT_INVOKABLE, f"exec: {name!r}: {exc.strerror}")
    raise AssertionError("unreachable")


def wait_gate(gate: int) -> None:
    """Block until `start` opens the exec fifo (in the directory open on `gate`), then tell
    it, with one byte, that the exec follows. Opening a fifo for writing waits for a
    reader; the directory fd reaches the fifo whatever the process's root is now."""
    try:
        fd = os.open(EXEC_FIFO, os.O_WRONLY | os.O_CLOEXEC, dir_fd=gate)
    except OSError as exc:
        raise OSError(exc.errno, f"open exec fifo: {exc.strerror}") from None
    os.write(fd, b"0")
    os.close(fd)
    os.close(gate)


def _preload(stdio: Stdio) -> None:
    """Import now what runs after pivot_root: the host's files are out of reach then."""
    import vmforms.linux.net  # noqa: F401

    if stdio.console is not None:
        import socket  # noqa: F401

        import vmforms.linux.tty  # noqa: F401


def _hook_point(spec: Spec, sync: tuple[int, int] | None) -> bytes:
    """Mounts made, pivot_root next: ask the caller to run its hooks (over `sync`, our
    request and its reply pipe), then run the container's createContainer hooks here.
    The state the caller sends is kept for the startContainer hooks."""
    if sync is None:
        return b""
    request, reply = sync
    os.write(request, b"h")
    os.close(request)
    chunks = []
    while chunk := os.read(reply, 65536):
        chunks.append(chunk)
    os.close(reply)
    state = b"".join(chunks)
    if not state:
        os._exit(EXIT_SETUP_FAILED)  # a hook of the caller's failed: it reports why
    from vmforms.container.hooks import run_hooks

    run_hooks(spec.hooks_for("createContainer"), state)
    return state


def _init_child(spec: Spec, root: str, overlay: tuple[list[str], str, str] | None,
                joined: int | None, stdio: Stdio, errfd: int, extras: Extras,
                sync: tuple[int, int] | None = None) -> NoReturn:
    """The container's PID 1 before exec. `joined` is a pipe on which the parent says
    that it has moved us into the cgroup (it does that while we build the mounts: the
    first move into a v1 cgroup waits out an RCU grace period, about 10 ms)."""
    try:
        _preload(stdio)
        if sync is not None:
            import subprocess  # noqa: F401 - the hooks run it after pivot_root too
        if spec.process.oom_score_adj is not None and not spec.linux.in_namespace("user"):
            lp.set_oom_score_adj(spec.process.oom_score_adj)
        flags = 0
        for ns in spec.linux.namespaces:
            if ns.type in ("pid", "user"):
                continue  # made by the caller, or by the step before us (user)
            if ns.path is not None:
                fd = os.open(ns.path, os.O_RDONLY | os.O_CLOEXEC)
                lp.setns(fd, lp.NAMESPACES[ns.type][0], ns.path)
                os.close(fd)
            elif ns.type != "cgroup":
                flags |= lp.NAMESPACES[ns.type][0]
        lp.unshare(flags)
        cgroup_mounts = []
        state = b""

        def hook_point() -> None:
            nonlocal state
            state = _hook_point(spec, sync)

        if spec.linux.in_namespace("mount"):
            # A joined mount namespace gets the root filesystem set up in it, as runc does.
            cgroup_mounts = rootfs.setup(spec, root, overlay, before_pivot=hook_point)
        else:
            # No mount namespace of its own: the host's mounts, with the root changed only
            # for this process (chroot), as crun does it.
            hook_point()
            os.chroot(root)
            os.chdir("/")
        if joined is not None and os.read(joined, 1) != b"1":
            os._exit(EXIT_SETUP_FAILED)  # the parent failed and reports why
        if spec.linux.has_namespace("cgroup"):
            lp.unshare(lp.CLONE_NEWCGROUP)
        rootfs.mount_cgroups(cgroup_mounts, own_only=not spec.linux.has_namespace("cgroup"))
        if spec.hostname and spec.linux.has_namespace("uts"):
            lp.sethostname(spec.hostname)
        if spec.domainname and spec.linux.has_namespace("uts"):
            lp.setdomainname(spec.domainname)
        if spec.linux.has_namespace("network"):
            from vmforms.linux.net import set_link_up

            set_link_up("lo")
        for key, value in spec.linux.sysctl:
            with open("/proc/sys/" + key.replace(".", "/"), "w") as f:
                f.write(value)
        if spec.linux.in_namespace("mount"):
            # Docker makes a missing working directory, before the root turns read-only.
            os.makedirs(spec.process.cwd, mode=0o755, exist_ok=True)
        console = _setup_stdio(stdio, spec.process.console_size)
        if console is not None and spec.linux.in_namespace("mount"):
            rootfs.bind_console(console)
        rootfs.finish(spec)
        keep = {errfd} if extras.gate is None else {errfd, extras.gate}
        _close_fds(keep, extras.kept_fds())
        start_hooks = spec.hooks_for("startContainer")

        def started() -> None:
            import json

            from vmforms.container.hooks import run_hooks

            # The state `start` found: created (runc's, too), no longer creating.
            run_hooks(start_hooks, json.dumps({**json.loads(state), "status": "created"}
                                              ).encode())

        become(spec.process, errfd, extras.gate, extras.seccomp,
               after_gate=started if start_hooks and state else None)
    except ContainerError as exc:
        _fail(errfd, exc.exit_code, str(exc))
    except OSError as exc:
        _fail(errfd, EXIT_SETUP_FAILED, f"container init: {_describe(exc)}")
    except BaseException as exc:  # a bug: report it instead of running the host's atexit
        _fail(errfd, EXIT_SETUP_FAILED, f"container init: {type(exc).__name__}: {exc}")


# The sysctls that belong to a namespace (runc's validator): only these may be set, and
# only in a namespace of the container's own, never in the host's.
_IPC_SYSCTLS = frozenset({"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                          "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
                          "kernel.shm_rmid_forced"})
_UTS_SYSCTLS = frozenset({"kernel.domainname", "kernel.hostname"})


def _own_namespace(spec: Spec, ns_type: str) -> bool:
    """A namespace of the container's own: new, or joined by path but not the host's
    (PID 1's: the engine may call this from inside the container's network namespace,
    which it made and joined to start PID 1 there)."""
    for ns in spec.linux.namespaces:
        if ns.type != ns_type:
            continue
        if ns.path is None:
            return True
        try:
            return os.stat(ns.path).st_ino != os.stat(lp.ns_path(1, ns_type)).st_ino
        except OSError:
            return True  # joining it fails later, with its own error
    return False


def check_sysctls(spec: Spec) -> None:
    """Refuse a sysctl that would be written into the host's kernel, as runc does."""
    for key, _ in spec.linux.sysctl:
        parts = key.split(".")
        if "/" in key or not all(p and p != ".." for p in parts):
            raise ContainerError(f"sysctl {key!r} is not a valid name")
        if key in _IPC_SYSCTLS or key.startswith("fs.mqueue."):
            if not _own_namespace(spec, "ipc"):
                raise ContainerError(f"sysctl {key!r} is not allowed in the host's ipc "
                                     "namespace")
        elif key.startswith("net."):
            if not _own_namespace(spec, "network"):
                raise ContainerError(f"sysctl {key!r} is not allowed in the host's network "
                                     "namespace")
        elif key in _UTS_SYSCTLS:
            if not _own_namespace(spec, "uts"):
                raise ContainerError(f"sysctl {key!r} is not allowed in the host's uts "
                                     "namespace")
        else:
            raise ContainerError(f"sysctl {key!r} is not in a separate kernel namespace")


def start(spec: Spec, root: str, *, overlay: tuple[list[str], str, str] | None = None,
          cgroup: CgroupHandle | None = None, stdio: Stdio, extras: Extras | None = None
          ) -> int:
    """Start the container's first process and return its host pid once it has exec'd
    (with a gate in `extras`: once it waits there, all set up, for `start`)."""
    for ns in spec.linux.namespaces:
        if ns.type not in NAMESPACE_TYPES:
            raise ContainerError(f"unknown namespace type {ns.type!r}")
    userns = spec.linux.has_namespace("user")
    user_path = next((ns.path for ns in spec.linux.namespaces
                      if ns.type == "user" and ns.path is not None), None)
    if userns and not (spec.linux.uid_mappings and spec.linux.gid_mappings):
        raise ContainerError("a user namespace needs linux.uidMappings and gidMappings")
    if userns and any(ns.path is not None and ns.type == "pid"
                      for ns in spec.linux.namespaces):
        raise ContainerError("a new user namespace cannot join a pid namespace by path")
    check_sysctls(spec)
    pid_ns: int | None | bool = None if spec.linux.has_namespace("pid") else False
    pid_path = next((ns.path for ns in spec.linux.namespaces
                     if ns.type == "pid" and ns.path is not None), None)
    pid_fd = -1
    if pid_path is not None:
        try:
            pid_ns = pid_fd = os.open(pid_path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise ContainerError(f"open pid namespace {pid_path!r}: {exc.strerror}") from None
    extras = extras or Extras()
    r, w = os.pipe2(os.O_CLOEXEC)
    go_r, go_w = os.pipe2(os.O_CLOEXEC) if cgroup is not None else (-1, -1)
    # The hook point: PID 1 asks on `ask`, and reads the state (or EOF: failed) on `tell`.
    ask = os.pipe2(os.O_CLOEXEC) if extras.hooks is not None else None
    tell = os.pipe2(os.O_CLOEXEC) if extras.hooks is not None else None
    sys.stdout.flush()
    sys.stderr.flush()

    def child() -> NoReturn:
        os.close(r)
        if go_w >= 0:
            os.close(go_w)
        sync = None
        if ask is not None and tell is not None:
            os.close(ask[0])
            os.close(tell[1])
            sync = (ask[1], tell[0])
        _init_child(spec, root, overlay, go_r if go_r >= 0 else None, stdio, w, extras, sync)

    user_fd = -1
    idmapped = any(m.uid_mappings or "idmap" in m.options or "ridmap" in m.options
                   for m in spec.mounts)
    try:
        if idmapped:
            from vmforms.container import idmap

            idmap.install(spec)  # the host's privilege: before any namespace is entered
        if user_path is not None:
            try:
                user_fd = os.open(user_path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as exc:
                raise ContainerError(f"open user namespace {user_path!r}: "
                                     f"{exc.strerror}") from None
        # Without the host's privilege (rootless) there is no setns back into our own pid
        # (or network) namespace: an intermediate process makes or joins it instead.
        if userns or user_fd >= 0 or os.environ.get("VMFORMS_ROOTLESS") == "1" or (
                pid_ns is not False and os.geteuid() != 0):
            from vmforms.container.userns import fork_staged

            pid = fork_staged(spec, child, w, r, user_fd if user_fd >= 0 else None, pid_ns)
        else:
            with _children_in_pid_namespace(pid_ns):
                pid = os.fork()
                if pid == 0:
                    child()
    finally:
        if idmapped:
            from vmforms.container import idmap

            idmap.uninstall()
        for fd in (pid_fd, user_fd):
            if fd >= 0:
                os.close(fd)
        if ask is not None and tell is not None:
            os.close(ask[1])
            os.close(tell[0])
    os.close(w)
    if cgroup is not None:
        os.close(go_r)
        try:
            cgroup.add(pid)
        except BaseException:
            os.close(go_w)  # the child sees EOF and exits
            _wait_exec(pid, r)  # unless it failed first: then its reason is the error
            os.waitpid(pid, 0)
            raise
        try:
            os.write(go_w, b"1")
        except BrokenPipeError:
            pass  # the child failed already and says why on the error pipe
        os.close(go_w)
    if ask is not None and tell is not None and extras.hooks is not None:
        _serve_hook_point(pid, ask[0], tell[1], r, extras.hooks)
    _wait_exec(pid, r)
    return pid


def _serve_hook_point(pid: int, ask: int, tell: int, errfd: int,
                      hooks: Callable[[int], bytes]) -> None:
    """Wait for PID 1 to reach its hook point (or fail before it: EOF), run the caller's
    hooks and send PID 1 the state. A failing hook kills PID 1 and is the error."""
    try:
        asked = os.read(ask, 1)
        if not asked:
            return  # PID 1 failed before: its reason comes on the error pipe
        try:
            state = hooks(pid)
        except BaseException:
            os.close(tell)
            tell = -1
            os.close(errfd)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            raise
        try:
            os.write(tell, state)
        except BrokenPipeError:
            pass
    finally:
        os.close(ask)
        if tell >= 0:
            os.close(tell)


@contextmanager
def _children_in_pid_namespace(target: int | None | bool) -> Iterator[None]:
    """Make the next fork land in a new pid namespace (None), in the namespace open on
    fd `target`, or where it would anyway (False); then put the caller back.

    unshare(CLONE_NEWPID) and setns(CLONE_NEWPID) change only where the caller's future
    children go. setns back to the caller's own namespace undoes that, so the caller can
    start containers again afterwards.
    """
    if target is False:
        yield
        return
    own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if target is None:
            lp.unshare(lp.CLONE_NEWPID)
        else:
            lp.setns(int(target), lp.CLONE_NEWPID, "pid namespace of the container")
            # The child is born into a namespace with processes in it that could open its
            # /proc/PID/exe (the host's interpreter) before it execs: born non-dumpable,
            # it refuses them unless they hold CAP_SYS_PTRACE.
            lp.set_dumpable(False)
        try:
            yield
        finally:
            lp.setns(own, lp.CLONE_NEWPID, "/proc/self/ns/pid")
            if target is not None:
                lp.set_dumpable(True)
    finally:
        os.close(own)


def exec_in(init_pid: int, proc: Process, *, cgroup: CgroupHandle | None, stdio: Stdio,
            namespaces: tuple[str, ...] = JOIN_ORDER, extras: Extras | None = None) -> int:
    """Start `proc` inside the running container whose PID 1 is `init_pid` on the host.

    The child joins every namespace but the pid namespace's own view: setns(CLONE_NEWPID)
    only decides where its children go, so this process, a host Python, never shows in
    the container's /proc (CVE-2019-5736: a process of the container could otherwise open
    /proc/PID/exe and later overwrite the host's interpreter). Its last step execs a
    sealed memfd copy of vmforms-init, which forks the command into the container. The
    pid returned is that helper's; it exits with the command's status."""
    from vmforms.container.init import exec_helper

    fds: dict[str, int] = {}
    helper = -1
    try:
        for ns_type in namespaces:
            path = lp.ns_path(init_pid, ns_type)
            try:
                same = os.stat(path).st_ino == os.stat(lp.ns_path(os.getpid(), ns_type)).st_ino
            except FileNotFoundError:
                raise ContainerError(f"container process {init_pid} is gone") from None
            if not same:
                fds[ns_type] = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        helper = lp.sealed_copy(str(exec_helper()), EXEC_HELPER_NAME)
        r, w = os.pipe2(os.O_CLOEXEC)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            _exec_child(proc, fds, cgroup, stdio, w, extras or Extras(), helper)
        os.close(w)
    finally:
        for fd in fds.values():
            os.close(fd)
        if helper >= 0:
            os.close(helper)
    _wait_exec(pid, r)
    return pid


def _exec_child(proc: Process, fds: dict[str, int], cgroup: CgroupHandle | None,
                stdio: Stdio, errfd: int, extras: Extras, helper: int) -> NoReturn:
    try:
        lp.set_dumpable(False)  # nothing of the container may ptrace or read this process
        _preload(stdio)
        if cgroup is not None:
            cgroup.add(0)
        for ns_type in JOIN_ORDER:
            if ns_type in fds:
                lp.setns(fds[ns_type], lp.NAMESPACES[ns_type][0], ns_type)
        _setup_stdio(stdio, proc.console_size)
        _close_fds({errfd, helper}, extras.kept_fds())
        become(proc, errfd, seccomp=extras.seccomp, via=helper)
    except ContainerError as exc:
        _fail(errfd, exc.exit_code, str(exc))
    except OSError as exc:
        _fail(errfd, EXIT_SETUP_FAILED, f"exec in container: {_describe(exc)}")
    except BaseException as exc:
        _fail(errfd, EXIT_SETUP_FAILED, f"exec in container: {type(exc).__name__}: {exc}")
