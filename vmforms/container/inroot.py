"""Paths inside a container's root filesystem, resolved by the kernel as if the root
were "/" (openat2 RESOLVE_IN_ROOT), so that no symlink an image ships can lead a write,
a mount or a read of ours out of it: the lesson of runc's CVE-2021-30465.

Every helper takes a directory fd open on the root and returns fds, never path strings:
a string would be resolved again by the next call, and a symlink swapped in between
would win. mount(2) takes the fd's magic link (/proc/self/fd/N), which names the very
object the fd holds.
"""

from __future__ import annotations

import errno
import os
import stat

from vmforms.container.errors import ContainerError
from vmforms.linux.openat2 import fd_path, resolve_in_root, walk_in_root

O_PATH_DIR = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def open_dir(rootfd: int, path: str) -> int:
    """An O_PATH fd on the directory `path` of the root; OSError if it is missing."""
    return resolve_in_root(rootfd, path, O_PATH_DIR)


def mkdir_all(rootfd: int, path: str, mode: int = 0o755) -> int:
    """Make every missing directory of `path` inside the root and return an O_PATH fd on
    the last one. The image's symlinks are followed as a chroot would follow them, so a
    link to a missing directory makes that directory inside the root, as runc does. Each
    step is relative to the fd of the one before and never follows a link by itself."""
    try:
        return walk_in_root(rootfd, path, O_PATH_DIR, mkdir_mode=mode)
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            raise ContainerError(f"mkdir {path!r} in the container root: a component is "
                                 "not a directory") from None
        if exc.errno == errno.ELOOP:
            raise ContainerError(f"mkdir {path!r} in the container root: too many levels "
                                 "of symbolic links") from None
        raise


def split(path: str) -> tuple[str, str]:
    """(parent, name) of a path inside the root; the root itself has no name."""
    parts = _parts(path)
    if not parts or parts[-1] == "..":
        raise ContainerError(f"{path!r} does not name an entry of the container root")
    return "/".join(parts[:-1]), parts[-1]


def open_target(rootfd: int, path: str, is_dir: bool) -> int:
    """An O_PATH fd on the mount point `path`, made first if missing: a directory, or an
    empty file for a file bind mount."""
    if is_dir:
        return mkdir_all(rootfd, path)
    try:
        return resolve_in_root(rootfd, path, os.O_PATH)
    except FileNotFoundError:
        pass
    parent, name = split(path)
    pfd = mkdir_all(rootfd, parent)
    try:
        try:
            os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                             | os.O_CLOEXEC, 0o644, dir_fd=pfd))
        except FileExistsError:
            raise ContainerError(f"create mount point {path!r} in the container root: it is "
                                 "a symbolic link to nowhere") from None
        return os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=pfd)
    finally:
        os.close(pfd)


def lexists(dirfd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dirfd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def read_file(rootfd: int, path: str, limit: int) -> bytes | None:
    """The content of a regular file of the root, at most `limit` bytes; None if there is
    no such file. Anything else (a device, a FIFO, a socket, a directory, a larger file)
    is a ContainerError: an image's file is read without blocking and without bound on
    nothing of the host's."""
    try:
        pfd = resolve_in_root(rootfd, path, os.O_PATH)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ContainerError(f"open {path!r} in the image: too many levels of symbolic "
                                 "links") from None
        raise ContainerError(f"open {path!r} in the image: {os.strerror(exc.errno or 0)}"
                             ) from None
    try:
        # Looked at before it is opened: opening a device node or a FIFO has effects.
        if not stat.S_ISREG(os.fstat(pfd).st_mode):
            raise ContainerError(f"{path!r} in the image is not a regular file")
        fd = os.open(fd_path(pfd), os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    finally:
        os.close(pfd)
    try:
        if os.fstat(fd).st_size > limit:
            raise ContainerError(f"{path!r} in the image is larger than {limit} bytes")
        chunks = []
        total = 0
        while chunk := os.read(fd, min(65536, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise ContainerError(f"{path!r} in the image is larger than {limit} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


__all__ = ["fd_path", "lexists", "mkdir_all", "open_dir", "open_target", "read_file",
           "split"]
