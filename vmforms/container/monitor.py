"""A container's monitor: the parent of its PID 1 for as long as it runs.

It relays output to the caller's terminal and to the json-file log, passes stdin
through, forwards signals, waits for PID 1, and records how it ended (exit code, OOM
kill), then releases the cgroup and, for `--rm`, the whole container.
"""

from __future__ import annotations

import errno
import os
import select
import signal
import sys
from collections.abc import Callable

from vmforms.container import state as st
from vmforms.container.logs import LogWriter
from vmforms.container.runtime import exit_status

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

# The socket to the keeper (keeper.py) while the monitor has not handed over yet.
KEEPER: Any = None
# The same socket after the hand-over, in a `run -it` monitor: to say the user detached.
KEEPER_LINK: Any = None
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT,
                     signal.SIGUSR1, signal.SIGUSR2)


def forward_signals(pid: int) -> None:
    def handler(signum: int, _frame: Any) -> None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for sig in FORWARDED_SIGNALS:
        signal.signal(sig, handler)


class Relay:
    """Copies container output to local fds and the log, and local stdin to the container."""

    def __init__(self, log: LogWriter | None) -> None:
        self.log = log
        self.outputs: dict[int, tuple[str, int | None]] = {}  # read fd -> (stream, local fd)
        self.input: tuple[int, int] | None = None  # (local fd, container fd)
        # With a tty: the sequence typed to detach (Docker's ctrl-p ctrl-q), what to do
        # then, and the part of it seen so far.
        self.detach_keys: bytes | None = None
        self.on_detach: Callable[[], None] | None = None
        self._held = b""

    def add_output(self, fd: int, stream: str, local: int | None) -> None:
        os.set_blocking(fd, False)
        self.outputs[fd] = (stream, local)

    def set_input(self, local: int, remote: int) -> None:
        self.input = (local, remote)

    def run(self, on_tick: Callable[[], None] | None = None) -> None:
        while self.outputs:
            watch = list(self.outputs)
            if self.input is not None:
                watch.append(self.input[0])
            try:
                ready, _, _ = select.select(watch, [], [], 0.5)
            except InterruptedError:
                continue
            if on_tick is not None:
                on_tick()
            for fd in ready:
                if self.input is not None and fd == self.input[0]:
                    self._pump_input()
                    continue
                self._pump_output(fd)

    def _pump_output(self, fd: int) -> None:
        stream, local = self.outputs[fd]
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno != errno.EIO:  # EIO: the pty's last slave closed
                raise
            data = b""
        if not data:
            del self.outputs[fd]
            os.close(fd)
            return
        if local is not None:
            _write_all(local, data)
        if self.log is not None:
            self.log.write(stream, data)

    def _pump_input(self) -> None:
        assert self.input is not None
        local, remote = self.input
        try:
            data = os.read(local, 65536)
        except OSError:
            data = b""
        if not data:
            self.input = None
            if remote not in self.outputs:  # a pipe: close it to send EOF; a pty stays
                os.close(remote)
            else:
                _write_all(remote, b"\x04")
            return
        detach = False
        if self.detach_keys:
            from vmforms.container.attach import scan_detach

            data, self._held, detach = scan_detach(self._held, data, self.detach_keys)
        try:
            if data:
                _write_all(remote, data)
        except OSError:
            self.input = None
        if detach:
            self.detach()

    def detach(self) -> None:
        """Stop relaying to and from this terminal; the container runs on, its output
        still logged."""
        self.input = None
        for fd, (stream, _local) in list(self.outputs.items()):
            self.outputs[fd] = (stream, None)
        if self.on_detach is not None:
            self.on_detach()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [])
            continue
        except BrokenPipeError:
            return
        view = view[n:]


def finalize(c: st.Container, wait_status: int | None, cgroup: Any | None) -> int:
    """Record the end of the container and release what it held. Returns its exit code."""
    with c.lock():
        if not c.reload():
            return 137 if wait_status is None else exit_status(wait_status)
        oom = False
        if cgroup is not None:
            try:
                oom = cgroup.oom_killed()
            except OSError:
                oom = False
        if wait_status is None:
            code = int(c.state.get("ExitCode") or 0) or (137 if c.state.get("Killed") else 255)
        else:
            code = exit_status(wait_status)
        if cgroup is not None:
            cgroup.destroy()
        if c.record["HostConfig"].get("NetworkMode") not in (None, "none", "host"):
            from vmforms.container.network.endpoint import release

            release(c, background=True)  # its processes are gone
        c.state.update({"Status": "exited", "ExitCode": code, "OOMKilled": oom,
                        "FinishedAt": st.now_rfc3339()})
        from vmforms.container import events

        if oom:
            events.record("oom", c)
        events.record("die", c, exitCode=code)
        c.state.pop("MonitorPid", None)
        if c.record["HostConfig"].get("AutoRemove"):
            st.discard_dir(c.path)
            c.drop_lock_file()
            events.record("destroy", c)
            from vmforms.container.volumes import remove_anonymous

            remove_anonymous(c.record)  # as Docker's --rm does
        else:
            c.save_state()
    return code


def wait_child(pid: int) -> int:
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            return status
        except InterruptedError:
            continue
        except ChildProcessError:
            return 0


def flush_std() -> None:
    sys.stdout.flush()
    sys.stderr.flush()


def leave_terminal() -> None:
    """A monitor detached from `run -it`: a session of its own, stdio on /dev/null, so
    that nothing it does reaches the terminal the user has gone back to."""
    flush_std()
    try:
        os.setsid()
    except PermissionError:
        pass  # a session leader already
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)

