"""libc through ctypes: loading once, and the checked-call wrapper every wrapper uses."""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Callable

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

libc = ctypes.CDLL(None, use_errno=True)

# Syscall numbers for the calls glibc does not wrap, per architecture.
# The new mount API's calls have the same numbers on every architecture.
_MOUNT_API = {"open_tree": 428, "move_mount": 429, "mount_setattr": 442}
_SYSCALLS: dict[str, dict[str, int]] = {
    "x86_64": {"pivot_root": 155, "capget": 125, "capset": 126, "openat2": 437,
               "bpf": 321, **_MOUNT_API},
    "aarch64": {"pivot_root": 41, "capget": 90, "capset": 91, "openat2": 437,
                "bpf": 280, **_MOUNT_API},
    "riscv64": {"pivot_root": 41, "capget": 90, "capset": 91, "openat2": 437,
                "bpf": 280, **_MOUNT_API},
}


def syscall_number(name: str) -> int:
    machine = os.uname().machine
    try:
        return _SYSCALLS[machine][name]
    except KeyError:
        raise OSError(errno.ENOSYS, f"{name}: no syscall number known for {machine}") from None


def check(op: str, obj: str, func: Callable[..., int], *args: Any) -> int:
    """Call `func(*args)`; retry on EINTR; raise OSError(errno, "op 'obj': strerror")."""
    while True:
        ret = func(*args)
        if ret != -1:
            return int(ret)
        err = ctypes.get_errno()
        if err != errno.EINTR:
            raise OSError(err, f"{op} {obj!r}: {os.strerror(err)}")


def syscall(op: str, obj: str, name: str, *args: Any) -> int:
    return check(op, obj, libc.syscall, ctypes.c_long(syscall_number(name)), *args)


def cstr(value: str | os.PathLike[str] | None) -> bytes | None:
    if value is None:
        return None
    return os.fsencode(value)
