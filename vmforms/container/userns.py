"""PID 1 forked through an intermediate process: in a new user namespace (its uid_map and
gid_map written by root, or by newuidmap/newgidmap for another user, as runc rootless
does), in one joined by path (setns first, then the rest), or, for a caller without
the host's privilege, only in a new or joined pid namespace (user_namespaces(7),
pid_namespaces(7); OCI runtime-spec config-linux.md, "User namespace mappings")."""

from __future__ import annotations

import os

from vmforms.container.errors import ContainerError
from vmforms.container.runtime import EXIT_SETUP_FAILED, _describe, _fail, _wait_exec
from vmforms.linux import process as lp

# A network namespace (an fd) the intermediate process joins before it forks PID 1: set by
# a rootless command for slirp4netns (rootless_net.py), which cannot enter the namespace
# itself (it could never setns back into the host's).
JOIN_NET: list[int] = []

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import NoReturn

    from vmforms.container.spec import Spec


def fork_staged(spec: Spec, child: Callable[[], NoReturn], errfd: int, errors: int,
                 user_fd: int | None, pid_ns: int | None | bool) -> int:
    """Fork PID 1 through an intermediate process and return its host pid. The
    intermediate joins the user namespace open on `user_fd`, or unshares a new one
    (when the spec asks) and waits for us to write its uid_map and gid_map; then it makes
    (None) or joins (an fd) the pid namespace, forks PID 1, tells us its pid and exits.
    Namespaces must belong to the user namespace, the pid namespace too (mounting /proc
    needs privilege over it), hence the order. We are a child subreaper meanwhile, so PID
    1 becomes our child, as it is without an intermediate."""
    lp.set_child_subreaper()
    new_user = user_fd is None and spec.linux.has_namespace("user")
    unshared_r, unshared_w = os.pipe2(os.O_CLOEXEC)
    mapped_r, mapped_w = os.pipe2(os.O_CLOEXEC)
    pid_r, pid_w = os.pipe2(os.O_CLOEXEC)
    stage = os.fork()
    if stage == 0:
        try:
            for fd in (unshared_r, mapped_w, pid_r):
                os.close(fd)
            if user_fd is not None:
                lp.setns(user_fd, lp.CLONE_NEWUSER, "user namespace")
            elif new_user:
                lp.unshare(lp.CLONE_NEWUSER)
                os.write(unshared_w, b"u")
                if os.read(mapped_r, 1) != b"m":
                    os._exit(EXIT_SETUP_FAILED)
            if user_fd is not None or new_user:
                # The namespace's root, so that what PID 1 creates has a mapped owner; the
                # user of the process comes later (become).
                os.setresgid(0, 0, 0)
                os.setresuid(0, 0, 0)
            if JOIN_NET:
                lp.setns(JOIN_NET[-1], lp.CLONE_NEWNET, "the container's network namespace")
            if pid_ns is None:
                lp.unshare(lp.CLONE_NEWPID)
            elif pid_ns is not False:
                lp.setns(int(pid_ns), lp.CLONE_NEWPID, "pid namespace of the container")
                lp.set_dumpable(False)  # see _children_in_pid_namespace
            pid = os.fork()
            if pid == 0:
                os.close(pid_w)
                child()
            os.write(pid_w, str(pid).encode())
            os._exit(0)
        except OSError as exc:
            _fail(errfd, EXIT_SETUP_FAILED, f"user namespace: {_describe(exc)}")
        except BaseException as exc:
            _fail(errfd, EXIT_SETUP_FAILED, f"user namespace: {type(exc).__name__}: {exc}")
    for fd in (unshared_w, mapped_r, pid_w):
        os.close(fd)
    try:
        if new_user and os.read(unshared_r, 1) == b"u":
            try:
                _write_maps(spec, stage)
            except BaseException:
                os.close(mapped_w)
                mapped_w = -1
                os.waitpid(stage, 0)
                raise
            os.write(mapped_w, b"m")
        chunks = []
        while chunk := os.read(pid_r, 64):
            chunks.append(chunk)
        os.waitpid(stage, 0)
        text = b"".join(chunks).decode()
        if not text.isdigit():
            os.close(errfd)
            _wait_exec(stage, errors, reap=False)  # its reason, raised
            raise ContainerError("user namespace: the intermediate process failed")
        pid = int(text)
        if spec.process.oom_score_adj is not None and spec.linux.in_namespace("user"):
            with open(f"/proc/{pid}/oom_score_adj", "w") as f:  # the host's privilege
                f.write(str(spec.process.oom_score_adj))
        return pid
    finally:
        for fd in (unshared_r, mapped_w, pid_r):
            if fd >= 0:
                os.close(fd)


def _write_maps(spec: Spec, stage: int) -> None:
    """Root writes the spec's mappings itself; another user has newuidmap/newgidmap check
    them against /etc/subuid and /etc/subgid, as runc rootless does."""
    uid_maps = list(spec.linux.uid_mappings)
    gid_maps = list(spec.linux.gid_mappings)
    if os.geteuid() != 0:
        from vmforms.container.rootless import write_maps

        if uid_maps == [(0, os.geteuid(), 1)] and gid_maps == [(0, os.getegid(), 1)]:
            write_maps(stage, uid_maps, gid_maps)  # one's own ids: written directly
        else:
            write_maps(stage, uid_maps, gid_maps, helpers=True)
        return
    write_maps_as_root(stage, uid_maps, gid_maps)


def write_maps_as_root(pid: int, uid_maps: Sequence[tuple[int, int, int]],
                       gid_maps: Sequence[tuple[int, int, int]]) -> None:
    """Root writes the user namespace of `pid` any mappings it asks for."""
    for name, mappings in (("uid_map", uid_maps), ("gid_map", gid_maps)):
        text = "".join(f"{c} {h} {n}\n" for c, h, n in mappings)
        try:
            with open(f"/proc/{pid}/{name}", "w") as f:
                f.write(text)
        except OSError as exc:
            raise ContainerError(f"write {name} of the user namespace: "
                                 f"{exc.strerror}") from None
