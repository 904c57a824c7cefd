"""Network interface flags through the SIOCGIFFLAGS/SIOCSIFFLAGS ioctls (netdevice(7))."""

from __future__ import annotations

import fcntl
import os
import socket
import struct

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
_IFREQ = "16sh22x"


def set_link_up(name: str = "lo") -> None:
    """Bring an interface up in the caller's network namespace."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            req = fcntl.ioctl(sock, SIOCGIFFLAGS, struct.pack(_IFREQ, name.encode(), 0))
            flags = struct.unpack(_IFREQ, req)[1]
            fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack(_IFREQ, name.encode(), flags | IFF_UP))
        except OSError as exc:
            message = f"ioctl SIOCSIFFLAGS {name!r}: {os.strerror(exc.errno or 0)}"
            raise OSError(exc.errno, message) from None
