"""Pseudo-terminals and window sizes (pty(7), ioctl_tty(2))."""

from __future__ import annotations

import fcntl
import os
import struct
import termios

TIOCGPTN = 0x80045430
TIOCSPTLCK = 0x40045431


def open_pty_pair(ptmx: str, pts_dir: str) -> tuple[int, int]:
    """Open a master on `ptmx` (a devpts instance's ptmx) and its slave under `pts_dir`."""
    master = os.open(ptmx, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        fcntl.ioctl(master, TIOCSPTLCK, struct.pack("i", 0))
        number = struct.unpack("I", fcntl.ioctl(master, TIOCGPTN, struct.pack("I", 0)))[0]
        slave = os.open(f"{pts_dir}/{number}", os.O_RDWR | os.O_NOCTTY)
    except OSError as exc:
        os.close(master)
        raise OSError(exc.errno, f"open pty {ptmx!r}: {os.strerror(exc.errno or 0)}") from None
    return master, slave


def make_controlling(fd: int) -> None:
    """Start a new session and make the terminal on `fd` its controlling terminal."""
    os.setsid()
    fcntl.ioctl(fd, termios.TIOCSCTTY, 0)


def get_winsize(fd: int) -> tuple[int, int] | None:
    try:
        rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    except OSError:
        return None
    return rows, cols


def set_winsize(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
