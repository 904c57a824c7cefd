"""Wiring a container process to this terminal: pipes or a pty whose master comes back
over a socket, raw mode and window size while attached, I/O relayed until it ends."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

from vmforms.container.errors import ContainerError
from vmforms.container.runtime import Stdio

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any


def open_devnull() -> int:
    return os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)


def attach(start: Callable[[Stdio], int], *, tty: bool, interactive: bool,
            log: Any = None, owner: str | None = None) -> int:
    """Start a process with `start(stdio)` wired to this terminal (a pty when `tty`, else
    pipes), relay its I/O and forward signals to it until its output ends; its pid.
    With `owner` (a container's id) the output is handed to the keeper too."""
    from vmforms.container import monitor
    from vmforms.container.keeper import hand_over

    relay = monitor.Relay(log)
    if tty:
        with Console() as console:
            pid = start(Stdio(0, 1, 2, console=console.remote, console_size=local_winsize()))
            master = console.receive()
            relay.add_output(master, "stdout", 1)
            if interactive:
                relay.set_input(0, master)
            if owner is not None:
                hand_over(owner, pid, relay.outputs)
            monitor.forward_signals(pid)
            with RawTerminal(0 if interactive else None), WinchForward(master):
                relay.run()
        return pid
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    stdin = 0 if interactive else open_devnull()
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
    if owner is not None:
        hand_over(owner, pid, relay.outputs)
    monitor.forward_signals(pid)
    relay.run()
    return pid


class Console:
    """A socket pair over which the container sends back the master of its pty."""

    def __enter__(self) -> Console:
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


def local_winsize() -> tuple[int, int] | None:
    from vmforms.linux.tty import get_winsize

    return get_winsize(0) or get_winsize(1)


def _set_winsize(fd: int, size: tuple[int, int]) -> None:
    from vmforms.linux.tty import set_winsize

    set_winsize(fd, *size)


class RawTerminal:
    """Put the local terminal in raw mode while attached, as `docker run -it` does."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd if fd is not None and os.isatty(fd) else None
        self.saved: Any = None

    def __enter__(self) -> RawTerminal:
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


class WinchForward:
    """Copy the local window size to the container's terminal on every SIGWINCH."""

    def __init__(self, master: int) -> None:
        self.master = master

    def __enter__(self) -> WinchForward:
        def handler(_signum: int, _frame: Any) -> None:
            size = local_winsize()
            if size:
                try:
                    _set_winsize(self.master, size)
                except OSError:
                    pass

        self.previous = signal.signal(signal.SIGWINCH, handler)
        return self

    def __exit__(self, *_: object) -> None:
        signal.signal(signal.SIGWINCH, self.previous)
