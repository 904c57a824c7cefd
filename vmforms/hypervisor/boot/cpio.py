"""A cpio "newc" archive writer, the format the kernel unpacks as an initramfs.

Linux Documentation/driver-api/early-userspace/buffer-format.rst: a 110-byte ASCII header
of 13 hex fields, the NUL-terminated name padded to 4 bytes, the data padded to 4 bytes,
and a final entry named TRAILER!!!.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass

CPIO_NEWC_MAGIC = b"070701"
CPIO_TRAILER = "TRAILER!!!"


@dataclass(frozen=True, slots=True)
class CpioEntry:
    name: str
    mode: int
    data: bytes = b""
    uid: int = 0
    gid: int = 0
    mtime: int = 0
    rdev_major: int = 0
    rdev_minor: int = 0


def directory(name: str, perm: int = 0o755) -> CpioEntry:
    return CpioEntry(name, stat.S_IFDIR | perm)


def file(name: str, data: bytes, perm: int = 0o644) -> CpioEntry:
    return CpioEntry(name, stat.S_IFREG | perm, data)


def symlink(name: str, target: str) -> CpioEntry:
    return CpioEntry(name, stat.S_IFLNK | 0o777, target.encode())


def char_device(name: str, major: int, minor: int, perm: int = 0o600) -> CpioEntry:
    return CpioEntry(name, stat.S_IFCHR | perm, rdev_major=major, rdev_minor=minor)


def _pad4(blob: bytes) -> bytes:
    return blob + b"\0" * (-len(blob) % 4)


def _header(ino: int, entry: CpioEntry, nlink: int, namesize: int) -> bytes:
    fields = (
        ino,
        entry.mode,
        entry.uid,
        entry.gid,
        nlink,
        entry.mtime,
        len(entry.data),
        0,
        0,
        entry.rdev_major,
        entry.rdev_minor,
        namesize,
        0,
    )
    return CPIO_NEWC_MAGIC + b"".join(b"%08X" % f for f in fields)


def write_newc(entries: list[CpioEntry]) -> bytes:
    """The archive of `entries` in order; parents must come before their children."""
    out = bytearray()
    for ino, entry in enumerate(entries, start=1):
        name = entry.name.lstrip("/").encode() + b"\0"
        if name == b"\0":
            raise ValueError("cpio entry with an empty name")
        nlink = 2 if stat.S_ISDIR(entry.mode) else 1
        out += _pad4(_header(ino, entry, nlink, len(name)) + name)
        out += _pad4(entry.data)
    trailer = CpioEntry(CPIO_TRAILER, 0)
    name = CPIO_TRAILER.encode() + b"\0"
    out += _pad4(_header(0, trailer, 1, len(name)) + name)
    return bytes(out)
