"""Network interface flags through the SIOCGIFFLAGS/SIOCSIFFLAGS ioctls (netdevice(7)).

The socket is opened through libc rather than the socket module: this runs in every
container's init, where importing `socket` (and `selectors`) would cost start-up time.
"""

from __future__ import annotations

import fcntl
import os
import struct

from vmforms.linux.libc import check, libc

AF_INET = 2
SOCK_DGRAM = 2
SOCK_CLOEXEC = 0o2000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
_IFREQ = "16sh22x"


def set_link_up(name: str = "lo") -> None:
    """Bring an interface up in the caller's network namespace."""
    fd = check("socket", "AF_INET", libc.socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)
    try:
        req = fcntl.ioctl(fd, SIOCGIFFLAGS, struct.pack(_IFREQ, name.encode(), 0))
        flags = struct.unpack(_IFREQ, req)[1]
        fcntl.ioctl(fd, SIOCSIFFLAGS, struct.pack(_IFREQ, name.encode(), flags | IFF_UP))
    except OSError as exc:
        message = f"ioctl SIOCSIFFLAGS {name!r}: {os.strerror(exc.errno or 0)}"
        raise OSError(exc.errno, message) from None
    finally:
        os.close(fd)
