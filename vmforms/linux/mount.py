"""mount(2), umount2(2) and pivot_root(2), with the MS_* flags of <sys/mount.h>; the
new mount API's open_tree(2), mount_setattr(2) and move_mount(2) for idmapped mounts."""

from __future__ import annotations

import ctypes
import os

from vmforms.linux.libc import check, cstr, libc, syscall

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_SYNCHRONOUS = 0x10
MS_REMOUNT = 0x20
MS_MANDLOCK = 0x40
MS_DIRSYNC = 0x80
MS_NOSYMFOLLOW = 0x100
MS_NOATIME = 0x400
MS_NODIRATIME = 0x800
MS_BIND = 0x1000
MS_MOVE = 0x2000
MS_REC = 0x4000
MS_SILENT = 0x8000
MS_UNBINDABLE = 1 << 17
MS_PRIVATE = 1 << 18
MS_SLAVE = 1 << 19
MS_SHARED = 1 << 20
MS_RELATIME = 1 << 21
MS_STRICTATIME = 1 << 24

MNT_FORCE = 1
MNT_DETACH = 2

# mount(8)-style option words -> (flag, set?) as the OCI runtime spec lists them.
MOUNT_FLAGS: dict[str, tuple[int, bool]] = {
    "ro": (MS_RDONLY, True), "rw": (MS_RDONLY, False),
    "nosuid": (MS_NOSUID, True), "suid": (MS_NOSUID, False),
    "nodev": (MS_NODEV, True), "dev": (MS_NODEV, False),
    "noexec": (MS_NOEXEC, True), "exec": (MS_NOEXEC, False),
    "sync": (MS_SYNCHRONOUS, True), "async": (MS_SYNCHRONOUS, False),
    "dirsync": (MS_DIRSYNC, True), "remount": (MS_REMOUNT, True),
    "mand": (MS_MANDLOCK, True), "nomand": (MS_MANDLOCK, False),
    "atime": (MS_NOATIME, False), "noatime": (MS_NOATIME, True),
    "diratime": (MS_NODIRATIME, False), "nodiratime": (MS_NODIRATIME, True),
    "bind": (MS_BIND, True), "rbind": (MS_BIND | MS_REC, True),
    "relatime": (MS_RELATIME, True), "norelatime": (MS_RELATIME, False),
    "strictatime": (MS_STRICTATIME, True), "nostrictatime": (MS_STRICTATIME, False),
    "nosymfollow": (MS_NOSYMFOLLOW, True),
}
PROPAGATION_FLAGS: dict[str, int] = {
    "private": MS_PRIVATE, "rprivate": MS_PRIVATE | MS_REC,
    "slave": MS_SLAVE, "rslave": MS_SLAVE | MS_REC,
    "shared": MS_SHARED, "rshared": MS_SHARED | MS_REC,
    "unbindable": MS_UNBINDABLE, "runbindable": MS_UNBINDABLE | MS_REC,
}


def parse_options(options: list[str]) -> tuple[int, int, str]:
    """Split mount options into (flags, propagation flags, data string for the fs)."""
    flags = 0
    propagation = 0
    data: list[str] = []
    for opt in options:
        if opt in MOUNT_FLAGS:
            bit, on = MOUNT_FLAGS[opt]
            flags = flags | bit if on else flags & ~bit
        elif opt in PROPAGATION_FLAGS:
            propagation |= PROPAGATION_FLAGS[opt]
        else:
            data.append(opt)
    return flags, propagation, ",".join(data)


def mount(
    source: str | None,
    target: str | os.PathLike[str],
    fstype: str | None,
    flags: int = 0,
    data: str | None = None,
) -> None:
    check(
        "mount", os.fspath(target), libc.mount,
        cstr(source), cstr(target), cstr(fstype), flags, cstr(data) if data else None,
    )


def umount(target: str | os.PathLike[str], flags: int = 0) -> None:
    check("umount", os.fspath(target), libc.umount2, cstr(target), flags)


def pivot_root(new_root: str, put_old: str) -> None:
    syscall("pivot_root", new_root, "pivot_root", cstr(new_root), cstr(put_old))


# The new mount API (open_tree(2), mount_setattr(2), move_mount(2); Linux >= 5.12 for
# idmapped mounts): a detached copy of a tree, given an idmapping, then attached.
OPEN_TREE_CLONE = 0x1
AT_EMPTY_PATH = 0x1000
AT_RECURSIVE = 0x8000
MOUNT_ATTR_IDMAP = 0x00100000
MOVE_MOUNT_F_EMPTY_PATH = 0x4
MOVE_MOUNT_T_EMPTY_PATH = 0x40


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def open_tree_clone(path: str, recursive: bool) -> int:
    """A detached copy of the mount at `path` (of the tree below it with `recursive`),
    as an O_CLOEXEC fd."""
    flags = OPEN_TREE_CLONE | os.O_CLOEXEC | (AT_RECURSIVE if recursive else 0)
    return syscall("open_tree", path, "open_tree", -100, cstr(path), ctypes.c_uint(flags))


def set_idmap(tree: int, userns_fd: int, recursive: bool, where: str) -> None:
    """Make the detached mount `tree` show ids through the user namespace `userns_fd`."""
    attr = _MountAttr(MOUNT_ATTR_IDMAP, 0, 0, userns_fd)
    flags = AT_EMPTY_PATH | (AT_RECURSIVE if recursive else 0)
    syscall("mount_setattr", where, "mount_setattr", tree, b"", ctypes.c_uint(flags),
            ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)))


def move_mount_fd(tree: int, target: int, where: str) -> None:
    """Attach the detached mount `tree` on the directory or file open on `target`."""
    syscall("move_mount", where, "move_mount", tree, b"", target, b"",
            ctypes.c_uint(MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH))

