"""TAP devices (Linux Documentation/networking/tuntap.rst) and per-interface sysctls.

A TAP made without TUNSETPERSIST lives exactly as long as the file descriptor that
TUNSETIFF attached it to: when the last copy of that descriptor closes (the monitor exits
or is killed with -9) the kernel deletes the interface, and with it every address and
route that named it. Nothing is left for a clean-up step to forget.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct

TUN_DEVICE = "/dev/net/tun"
TUNSETIFF = 0x400454CA  # _IOW('T', 202, int)
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000  # frames without the 4-byte packet-information prefix
IFNAMSIZ = 16
_IFREQ = struct.Struct("16sH22x")  # struct ifreq: ifr_name, ifr_flags, the union's rest
MAX_FRAME = 65535 + 14  # the largest frame a TAP hands over (an IP datagram + Ethernet)


def open_tap(template: str) -> tuple[int, str]:
    """A new non-persistent TAP named from `template` ("name%d": the kernel picks the
    number) in the caller's network namespace, as a non-blocking fd, and its name."""
    if len(template.encode()) >= IFNAMSIZ or "/" in template:
        raise OSError(errno.EINVAL, f"TAP name template {template!r}: invalid")
    try:
        fd = os.open(TUN_DEVICE, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        hint = " (needs root or CAP_NET_ADMIN)" if exc.errno in (errno.EACCES, errno.EPERM) else ""
        hint = " (is the tun module loaded?)" if exc.errno == errno.ENOENT else hint
        message = f"open {TUN_DEVICE!r}: {os.strerror(exc.errno or 0)}{hint}"
        raise OSError(exc.errno, message) from None
    try:
        req = fcntl.ioctl(fd, TUNSETIFF, _IFREQ.pack(template.encode(), IFF_TAP | IFF_NO_PI))
    except OSError as exc:
        os.close(fd)
        raise OSError(exc.errno, f"ioctl TUNSETIFF {template!r}: "
                                 f"{os.strerror(exc.errno or 0)}") from None
    name = _IFREQ.unpack(req)[0].rstrip(b"\0").decode()
    return fd, name


def read_frame(fd: int) -> bytes | None:
    """One frame from a non-blocking TAP, or None when none is waiting."""
    try:
        return os.read(fd, MAX_FRAME)
    except BlockingIOError:
        return None


def write_frame(fd: int, frame: bytes) -> bool:
    """Hand one frame to the host's stack; False if the kernel refused it (a frame the
    stack cannot take, or a full queue), which a network drops as a wire would."""
    try:
        os.write(fd, frame)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EINVAL, errno.EIO, errno.ENOBUFS, errno.EFAULT):
            return False
        raise OSError(exc.errno, f"write TAP: {os.strerror(exc.errno or 0)}") from None
    return True


def set_interface_sysctl(family: str, name: str, key: str, value: str) -> bool:
    """Write /proc/sys/net/<family>/conf/<name>/<key>; False if that knob does not exist
    (IPv6 compiled out, say)."""
    if family not in ("ipv4", "ipv6") or not name or "/" in name or name in (".", ".."):
        raise OSError(errno.EINVAL, f"sysctl net.{family}.conf.{name}.{key}: invalid")
    path = f"/proc/sys/net/{family}/conf/{name}/{key}"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise OSError(exc.errno, f"open {path!r}: {os.strerror(exc.errno or 0)}") from None
    try:
        os.write(fd, value.encode())
    except OSError as exc:
        raise OSError(exc.errno, f"write {path!r}: {os.strerror(exc.errno or 0)}") from None
    finally:
        os.close(fd)
    return True
