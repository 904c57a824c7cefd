"""openat2(2) with RESOLVE_IN_ROOT.

openat2 resolves a path as if the directory fd were "/" (RESOLVE_IN_ROOT): ".." stops
at it and absolute symlinks restart from it, so an image's symlinks can never lead out
of its root filesystem; RESOLVE_NO_MAGICLINKS also refuses /proc/PID/fd-style links.
Linux has it since 5.6; `resolve_in_root` walks component by component where it is
missing (ENOSYS), with the same rules.
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat

from vmforms.linux.libc import check, libc, syscall_number

RESOLVE_NO_XDEV = 0x01
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_BENEATH = 0x08
RESOLVE_IN_ROOT = 0x10

_MAX_SYMLINKS = 40


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64),
                ("resolve", ctypes.c_uint64)]


_have_openat2: bool | None = None


def openat2(dirfd: int, path: str, flags: int, mode: int = 0,
            resolve: int = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) -> int:
    """The raw call; raises OSError (ENOSYS where the kernel lacks it)."""
    number = syscall_number("openat2")
    how = _OpenHow(flags | os.O_CLOEXEC, mode, resolve)
    return check("openat2", path, libc.syscall, ctypes.c_long(number), dirfd,
                 os.fsencode(path), ctypes.byref(how), ctypes.sizeof(how))


def resolve_in_root(rootfd: int, path: str, flags: int, mode: int = 0) -> int:
    """Open `path` under the directory open on `rootfd` as if it were "/" (see module
    doc). O_CREAT and friends apply to the last component only."""
    global _have_openat2
    if _have_openat2 is not False:
        try:
            return openat2(rootfd, path.lstrip("/") or ".", flags, mode)
        except OSError as exc:
            if exc.errno != errno.ENOSYS:
                raise
            _have_openat2 = False
    return walk_in_root(rootfd, path, flags, mode)


def walk_in_root(rootfd: int, path: str, flags: int, mode: int = 0,
                 mkdir_mode: int | None = None) -> int:
    """Resolve inside the root one component at a time, each opened with O_NOFOLLOW from
    the fd of the one before, symlinks read and expanded against the root by hand (the
    rules of RESOLVE_IN_ROOT, for kernels without openat2). With `mkdir_mode`, missing
    directories are made on the way, the last component included."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    stack = [os.dup(rootfd)]
    links = 0
    try:
        while parts:
            part = parts[0]
            if part == "..":
                parts.pop(0)
                if len(stack) > 1:
                    os.close(stack.pop())
                continue
            last = len(parts) == 1
            try:
                st = os.stat(part, dir_fd=stack[-1], follow_symlinks=False)
            except FileNotFoundError:
                if mkdir_mode is not None:
                    os.mkdir(part, mkdir_mode, dir_fd=stack[-1])
                    continue  # stat it again: it is what the walk goes on from
                if last:
                    return os.open(part, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode,
                                   dir_fd=stack[-1])
                raise
            parts.pop(0)
            if stat.S_ISLNK(st.st_mode) and not (last and flags & os.O_NOFOLLOW):
                links += 1
                if links > _MAX_SYMLINKS:
                    raise OSError(errno.ELOOP, f"resolve {path!r}: too many symbolic links")
                target = os.readlink(part, dir_fd=stack[-1])
                if target.startswith("/"):
                    while len(stack) > 1:
                        os.close(stack.pop())
                parts = [p for p in target.split("/") if p not in ("", ".")] + parts
                continue
            if last and mkdir_mode is None:
                return os.open(part, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode,
                               dir_fd=stack[-1])
            if not stat.S_ISDIR(st.st_mode):
                raise OSError(errno.ENOTDIR, f"resolve {path!r}: {part!r} is not a directory")
            stack.append(os.open(part, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW
                                 | os.O_CLOEXEC, dir_fd=stack[-1]))
        return os.open(".", flags | os.O_CLOEXEC, dir_fd=stack[-1])
    finally:
        for fd in stack:
            os.close(fd)


def fd_path(fd: int) -> str:
    """The magic link that names what `fd` is open on, for calls that take only a path
    (mount(2) among them): the kernel follows it to the very object, not a name."""
    return f"/proc/self/fd/{fd}"
