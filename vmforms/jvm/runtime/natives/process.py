"""Starting processes (JDK 17 java.lang.ProcessImpl on Linux) with the host's
subprocess: the pipes are the host's, handed to the library as file descriptors that
its ProcessPipeInputStream and ProcessPipeOutputStream read and write, and exits are
collected with waitpid as ProcessHandleImpl.waitForProcessExit0 does."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.natives import native, noop

if TYPE_CHECKING:
    import subprocess

    from vmforms.jvm.runtime.heap import JArray
    from vmforms.jvm.runtime.vm import JThread

PI = "java/lang/ProcessImpl"
PH = "java/lang/ProcessHandleImpl"
_children: dict[int, subprocess.Popen[bytes]] = {}

noop(PI, "init()V")


def _raw(arr: JArray | None) -> bytes:
    return bytes(b & 0xFF for b in arr.data) if arr is not None else b""


def _strings(block: bytes, count: int) -> list[bytes]:
    """`count` NUL-terminated strings packed one after another."""
    return block.split(b"\0")[:count]


@native(PI, "forkAndExec(I[B[B[BI[BI[B[IZ)I")
def _fork_and_exec(th: JThread, a: list[Any]) -> Any:
    import shutil
    import subprocess

    prog = _raw(a[3]).rstrip(b"\0")
    args = [prog, *_strings(_raw(a[4]), a[5])]
    env = None
    if a[6] is not None:
        env = {}
        for entry in _strings(_raw(a[6]), a[7]):
            key, _, value = entry.partition(b"=")
            env[key] = value
    cwd = _raw(a[8]).rstrip(b"\0") or None if a[8] is not None else None
    fds: JArray = a[9]
    exe = prog if b"/" in prog else os.fsencode(shutil.which(os.fsdecode(prog)) or prog)
    stdio: list[Any] = []
    parent_ends: list[int] = []
    child_ends: list[int] = []
    for i, fd in enumerate(fds.data):
        if i == 2 and a[10]:
            stdio.append(subprocess.STDOUT)
        elif fd == -1:
            r, w = os.pipe()
            child, parent = (r, w) if i == 0 else (w, r)
            stdio.append(child)
            child_ends.append(child)
            parent_ends.append(parent)
            continue
        else:
            stdio.append(fd)
        parent_ends.append(-1)
    try:
        p = subprocess.Popen(args, executable=exe, stdin=stdio[0], stdout=stdio[1],
                             stderr=stdio[2], env=env, cwd=cwd, close_fds=True)
    except OSError as exc:
        for fd in child_ends + [x for x in parent_ends if x != -1]:
            os.close(fd)
        th.vm.throw(th, "java/io/IOException", f"error={exc.errno}, {exc.strerror}")
        raise
    for fd in child_ends:
        os.close(fd)
    fds.data[:] = parent_ends
    _children[p.pid] = p
    return p.pid


@native(PH, "waitForProcessExit0(JZ)I")
def _wait_exit(th: JThread, a: list[Any]) -> Any:
    pid, reap = a[0], a[2]
    try:
        if not reap:
            info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
            if info is None:
                return 0
            code = info.si_status
            return code if info.si_code == os.CLD_EXITED else 0x80 + code
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return 0
    finally:
        if reap:
            p = _children.pop(pid, None)
            if p is not None:
                p.returncode = 0  # reaped here: Popen must not wait for it again
    if os.WIFSIGNALED(status):
        return 0x80 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


@native(PH, "destroy0(JJZ)Z")
def _destroy(th: JThread, a: list[Any]) -> Any:
    import signal

    try:
        os.kill(a[0], signal.SIGKILL if a[4] else signal.SIGTERM)
    except OSError:
        return 0
    return 1
