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
            # another terminal's `attach` may type into it too, as with Docker
            server = None
            if interactive and owner is not None:
                from vmforms.container import state as st

                server = serve_stdin(str(st.containers_dir() / owner), master, owned=False,
                                     stdin_once=False)
            try:
                with RawTerminal(0 if interactive else None) as raw, WinchForward(master):
                    if interactive and owner is not None and raw.fd is not None:
                        relay.detach_keys = DETACH_KEYS
                        relay.on_detach = raw.restore_then(_detach_monitor)
                    relay.run(on_tick=_health_ticker(owner))
            finally:
                if server is not None:
                    server.close()
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
    relay.run(on_tick=_health_ticker(owner))
    return pid


def _detach_monitor() -> None:
    """ctrl-p ctrl-q in `run -it`: the command returns, this monitor goes on alone."""
    from vmforms.container import monitor
    from vmforms.container.keeper import detached

    monitor.leave_terminal()
    detached()


def _health_ticker(owner: str | None) -> Callable[[], None] | None:
    """The container's health check runs while it is attached too, as under Docker."""
    if owner is None:
        return None
    from vmforms.container import health
    from vmforms.container import state as st

    c = st.load(st.containers_dir() / owner)
    return None if c is None else health.ticker(c)


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
        self.restore()

    def restore(self) -> None:
        if self.fd is not None and self.saved is not None:
            import termios

            termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)
            self.saved = None

    def restore_then(self, then: Callable[[], None]) -> Callable[[], None]:
        def both() -> None:
            self.restore()
            then()

        return both


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


# -- `attach` to a container whose stdin is held by its monitor ----------------------------
# The monitor serves the container's stdin (the pipe's write end, or the pty's master) on a
# unix socket in the container's directory; `vmforms container attach` connects and sends
# what it reads. The socket is reached through /proc/self/fd/N/NAME: a container's path can
# be longer than sun_path's 108 bytes.
ATTACH_SOCKET = "attach.sock"
# Docker's default detach keys: ctrl-p ctrl-q, read only when the container has a tty.
DETACH_KEYS = b"\x10\x11"


class StdinServer:
    """In the monitor: one client at a time writes to the container's stdin. With
    `stdin_once` (Docker's StdinOnce: `create -i`, not `run -di`) a client's EOF closes
    the container's stdin; otherwise it only ends that client's turn."""

    def __init__(self, directory: str, fd: int, stdin_once: bool) -> None:
        import socket
        import threading

        self.fd = fd  # owned from now on
        self.stdin_once = stdin_once
        self.wake_r, self.wake_w = os.pipe2(os.O_CLOEXEC)
        self.dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        path = f"/proc/self/fd/{self.dir_fd}/{ATTACH_SOCKET}"
        try:
            os.unlink(ATTACH_SOCKET, dir_fd=self.dir_fd)
        except FileNotFoundError:
            pass
        old = os.umask(0o077)
        try:
            self.listener.bind(path)
        finally:
            os.umask(old)
        self.listener.listen(4)
        self.thread = threading.Thread(target=self._serve, name="stdin", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        import select

        while self.fd >= 0:
            ready, _, _ = select.select([self.listener.fileno(), self.wake_r], [], [])
            if self.wake_r in ready:
                return
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            with conn:
                while True:
                    ready, _, _ = select.select([conn.fileno(), self.wake_r], [], [])
                    if self.wake_r in ready:
                        return
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        break
                    try:
                        _write_all(self.fd, data)
                    except OSError:  # the container's end is gone
                        return
            if self.stdin_once:
                self._close_fd()

    def _close_fd(self) -> None:
        fd, self.fd = self.fd, -1
        if fd >= 0:
            os.close(fd)

    def close(self) -> None:
        os.write(self.wake_w, b"x")
        self.thread.join(timeout=5)
        self.listener.close()
        try:
            os.unlink(ATTACH_SOCKET, dir_fd=self.dir_fd)
        except FileNotFoundError:
            pass
        for fd in (self.dir_fd, self.wake_r, self.wake_w):
            os.close(fd)
        if not self.thread.is_alive():
            self._close_fd()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def serve_stdin(directory: str, fd: int | None, *, owned: bool,
                stdin_once: bool) -> StdinServer | None:
    """Serve `fd` (taken over when `owned`, else duplicated) as the container's stdin."""
    if fd is None:
        return None
    return StdinServer(directory, fd if owned else os.dup(fd), stdin_once)


class StdinClient:
    """In `attach`: this terminal's stdin sent to the monitor's socket by a thread; with
    a tty, ctrl-p ctrl-q detaches (sets `detached`) instead of being sent."""

    def __init__(self, directory: str, tty: bool, keys: bytes = DETACH_KEYS) -> None:
        import socket
        import threading

        self.keys = keys

        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        try:
            self.sock.connect(f"/proc/self/fd/{dir_fd}/{ATTACH_SOCKET}")
        except OSError as exc:
            self.sock.close()
            raise ContainerError("cannot attach to the container's standard input: its "
                                 f"monitor does not serve it ({exc.strerror})") from None
        finally:
            os.close(dir_fd)
        self.tty = tty
        self.detached = threading.Event()
        self.thread = threading.Thread(target=self._pump, name="stdin", daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        import socket

        held = b""  # the part of the detach sequence seen so far
        while True:
            try:
                data = os.read(0, 65536)
            except OSError:
                data = b""
            if not data:
                break
            if self.tty:
                data, held, detach = scan_detach(held, data, self.keys)
                if detach:
                    self.detached.set()
                    break
            try:
                self.sock.sendall(data)
            except OSError:
                break
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self.sock.close()


def scan_detach(held: bytes, data: bytes, keys: bytes = DETACH_KEYS) -> tuple[bytes, bytes,
                                                                              bool]:
    """Docker's escape proxy: (bytes to send now, bytes held back as a possible start of
    the sequence, whether the whole sequence was typed). Held bytes that turn out not to
    be the sequence are sent after all."""
    out = bytearray()
    for byte in data:
        if byte == keys[len(held)]:
            held += bytes([byte])
            if held == keys:
                return bytes(out), b"", True
            continue
        out += held
        held = b""
        if byte == keys[0]:
            held = bytes([byte])
        else:
            out.append(byte)
    return bytes(out), held, False


def parse_detach_keys(text: str) -> bytes:
    """Docker's --detach-keys: comma-separated `ctrl-<c>` (c in a-z @ [ \\ ] ^ _) or
    single characters, e.g. the default "ctrl-p,ctrl-q"."""
    out = bytearray()
    for part in text.split(","):
        if len(part) == 1:
            out.append(ord(part))
        elif part.startswith("ctrl-") and len(part) == 6 and \
                (part[5].isalpha() or part[5] in "@[\\]^_"):
            out.append(ord(part[5].upper()) & 0x1F)
        else:
            raise ContainerError(f"Invalid detach keys ({part}) provided", exit_code=125)
    if not out:
        raise ContainerError("Invalid detach keys () provided", exit_code=125)
    return bytes(out)
