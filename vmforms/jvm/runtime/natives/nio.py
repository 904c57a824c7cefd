"""Natives of NIO's file system on Unix (JDK 17 sun.nio.fs.UnixNativeDispatcher,
LinuxNativeDispatcher's mount table, UnixCopyFile): paths arrive as addresses of
off-heap memory (unsafe.py's blocks); failures become sun.nio.fs.UnixException(errno),
which the library turns into NoSuchFileException and the like. File channels are in
channels.py."""

from __future__ import annotations

import itertools
import os
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.natives import constant, native, noop
from vmforms.jvm.runtime.natives.unsafe import read_cstring, read_memory, write_memory

if TYPE_CHECKING:
    from vmforms.jvm.runtime.heap import JObject
    from vmforms.jvm.runtime.vm import JThread

UND = "sun/nio/fs/UnixNativeDispatcher"
_dirs: dict[int, list[bytes]] = {}
_dir_ids = itertools.count(1)

noop("sun/nio/fs/LinuxNativeDispatcher", "init()V")
noop("sun/nio/ch/NativeThread", "init()V", "signal(J)V")
constant("sun/nio/ch/NativeThread", "current()J", 0)
constant("sun/nio/ch/NativeThread", "supportPendingSignals0()Z", 0)
constant(UND, "init()I", 0)


def _unix_error(th: JThread, exc: OSError) -> None:
    from vmforms.jvm.runtime.heap import JavaThrowable

    obj = th.vm.new_object(th, "sun/nio/fs/UnixException", "(I)V", [exc.errno or 5])
    raise JavaThrowable(obj)


def _path(a: int) -> bytes:
    return read_cstring(a)


def _call(th: JThread, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except OSError as exc:
        _unix_error(th, exc)


def _bytes(th: JThread, data: bytes) -> Any:
    from vmforms.jvm.runtime.natives.annotations import byte_array

    return byte_array(th, data)


@native(UND, "getcwd()[B")
def _getcwd(th: JThread, a: list[Any]) -> Any:
    return _bytes(th, os.getcwdb())


@native(UND, "strerror(I)[B")
def _strerror(th: JThread, a: list[Any]) -> Any:
    return _bytes(th, os.strerror(a[0]).encode())


@native(UND, "dup(I)I")
def _dup(th: JThread, a: list[Any]) -> Any:
    return _call(th, os.dup, a[0])


@native(UND, "open0(JII)I")
def _open(th: JThread, a: list[Any]) -> Any:
    return _call(th, os.open, _path(a[0]), a[2], a[3])


@native(UND, "openat0(IJII)I")
def _openat(th: JThread, a: list[Any]) -> Any:
    return _call(th, lambda: os.open(_path(a[1]), a[2], a[3], dir_fd=a[0]))


@native(UND, "close0(I)V")
def _close(th: JThread, a: list[Any]) -> Any:
    try:
        os.close(a[0])
    except OSError:
        pass


@native(UND, "link0(JJ)V")
def _link(th: JThread, a: list[Any]) -> Any:
    _call(th, os.link, _path(a[0]), _path(a[2]))


@native(UND, "unlink0(J)V")
def _unlink(th: JThread, a: list[Any]) -> Any:
    _call(th, os.unlink, _path(a[0]))


@native(UND, "unlinkat0(IJI)V")
def _unlinkat(th: JThread, a: list[Any]) -> Any:
    fn = os.rmdir if a[3] & 0x200 else os.unlink  # AT_REMOVEDIR
    _call(th, lambda: fn(_path(a[1]), dir_fd=a[0]))


@native(UND, "rename0(JJ)V")
def _rename(th: JThread, a: list[Any]) -> Any:
    _call(th, os.rename, _path(a[0]), _path(a[2]))


@native(UND, "renameat0(IJIJ)V")
def _renameat(th: JThread, a: list[Any]) -> Any:
    _call(th, lambda: os.rename(_path(a[1]), _path(a[4]), src_dir_fd=a[0], dst_dir_fd=a[3]))


@native(UND, "mkdir0(JI)V")
def _mkdir(th: JThread, a: list[Any]) -> Any:
    _call(th, os.mkdir, _path(a[0]), a[2])


@native(UND, "rmdir0(J)V")
def _rmdir(th: JThread, a: list[Any]) -> Any:
    _call(th, os.rmdir, _path(a[0]))


@native(UND, "readlink0(J)[B")
def _readlink(th: JThread, a: list[Any]) -> Any:
    return _bytes(th, _call(th, os.readlink, _path(a[0])))


@native(UND, "realpath0(J)[B")
def _realpath(th: JThread, a: list[Any]) -> Any:
    return _bytes(th, _call(th, lambda: os.path.realpath(_path(a[0]), strict=True)))


@native(UND, "symlink0(JJ)V")
def _symlink(th: JThread, a: list[Any]) -> Any:
    _call(th, os.symlink, _path(a[0]), _path(a[2]))


def _fill(attrs: JObject, st: os.stat_result) -> None:
    s = attrs.klass.field_slots
    f = attrs.fields
    for name, v in (("st_mode", st.st_mode), ("st_ino", st.st_ino), ("st_dev", st.st_dev),
                    ("st_rdev", st.st_rdev), ("st_nlink", st.st_nlink), ("st_uid", st.st_uid),
                    ("st_gid", st.st_gid), ("st_size", st.st_size)):
        f[s[name]] = v
    for name, ns in (("atime", st.st_atime_ns), ("mtime", st.st_mtime_ns),
                     ("ctime", st.st_ctime_ns)):
        f[s[f"st_{name}_sec"]], f[s[f"st_{name}_nsec"]] = divmod(ns, 1_000_000_000)


@native(UND, "stat0(JLsun/nio/fs/UnixFileAttributes;)V")
def _stat(th: JThread, a: list[Any]) -> Any:
    _fill(a[2], _call(th, os.stat, _path(a[0])))


@native(UND, "stat1(J)I")
def _stat1(th: JThread, a: list[Any]) -> Any:
    try:
        return os.stat(_path(a[0])).st_mode
    except OSError:
        return 0


@native(UND, "lstat0(JLsun/nio/fs/UnixFileAttributes;)V")
def _lstat(th: JThread, a: list[Any]) -> Any:
    _fill(a[2], _call(th, os.lstat, _path(a[0])))


@native(UND, "fstat(ILsun/nio/fs/UnixFileAttributes;)V")
def _fstat(th: JThread, a: list[Any]) -> Any:
    _fill(a[1], _call(th, os.fstat, a[0]))


@native(UND, "fstatat0(IJILsun/nio/fs/UnixFileAttributes;)V")
def _fstatat(th: JThread, a: list[Any]) -> Any:
    follow = not a[3] & 0x100  # AT_SYMLINK_NOFOLLOW
    _fill(a[4], _call(th, lambda: os.stat(_path(a[1]), dir_fd=a[0], follow_symlinks=follow)))


@native(UND, "exists0(J)Z")
def _exists(th: JThread, a: list[Any]) -> Any:
    return 1 if os.path.lexists(_path(a[0])) and os.path.exists(_path(a[0])) else 0


@native(UND, "access0(JI)V")
def _access(th: JThread, a: list[Any]) -> Any:
    p = _path(a[0])
    if not os.access(p, a[2]):
        err = 2 if not os.path.lexists(p) else 13
        _unix_error(th, OSError(err, os.strerror(err)))


@native(UND, "chmod0(JI)V")
def _chmod(th: JThread, a: list[Any]) -> Any:
    _call(th, os.chmod, _path(a[0]), a[2])


@native(UND, "fchmod(II)V")
def _fchmod(th: JThread, a: list[Any]) -> Any:
    _call(th, os.fchmod, a[0], a[1])


@native(UND, "chown0(JII)V", "lchown0(JII)V")
def _chown(th: JThread, a: list[Any]) -> Any:
    _call(th, os.chown, _path(a[0]), a[2], a[3])


@native(UND, "fchown(III)V")
def _fchown(th: JThread, a: list[Any]) -> Any:
    _call(th, os.fchown, a[0], a[1], a[2])


def _times(access_us: int, modify_us: int) -> tuple[int, int]:
    return access_us * 1000, modify_us * 1000


@native(UND, "utimes0(JJJ)V")
def _utimes(th: JThread, a: list[Any]) -> Any:
    _call(th, lambda: os.utime(_path(a[0]), ns=_times(a[2], a[4])))


@native(UND, "lutimes0(JJJ)V")
def _lutimes(th: JThread, a: list[Any]) -> Any:
    _call(th, lambda: os.utime(_path(a[0]), ns=_times(a[2], a[4]), follow_symlinks=False))


@native(UND, "futimes(IJJ)V")
def _futimes(th: JThread, a: list[Any]) -> Any:
    _call(th, lambda: os.utime(a[0], ns=_times(a[1], a[3])))


@native(UND, "futimens(IJJ)V")
def _futimens(th: JThread, a: list[Any]) -> Any:
    _call(th, lambda: os.utime(a[0], ns=(a[1], a[3])))


def _new_dir(names: list[bytes]) -> int:
    d = next(_dir_ids)
    _dirs[d] = names
    return d


@native(UND, "opendir0(J)J")
def _opendir(th: JThread, a: list[Any]) -> Any:
    return _new_dir(_call(th, os.listdir, _path(a[0])))


@native(UND, "fdopendir(I)J")
def _fdopendir(th: JThread, a: list[Any]) -> Any:
    names = [os.fsencode(n) for n in _call(th, os.listdir, a[0])]
    return _new_dir(names)


@native(UND, "closedir(J)V")
def _closedir(th: JThread, a: list[Any]) -> Any:
    _dirs.pop(a[0], None)


@native(UND, "readdir(J)[B")
def _readdir(th: JThread, a: list[Any]) -> Any:
    names = _dirs.get(a[0])
    if not names:
        return None
    return _bytes(th, names.pop(0))


@native(UND, "read(IJI)I")
def _read(th: JThread, a: list[Any]) -> Any:
    data = _call(th, os.read, a[0], a[3])
    write_memory(a[1], data)
    return len(data)


@native(UND, "write(IJI)I")
def _write(th: JThread, a: list[Any]) -> Any:
    return _call(th, os.write, a[0], read_memory(a[1], a[3]))


@native(UND, "getpwuid(I)[B")
def _getpwuid(th: JThread, a: list[Any]) -> Any:
    import pwd

    try:
        return _bytes(th, pwd.getpwuid(a[0]).pw_name.encode())
    except KeyError:
        _unix_error(th, OSError(2, "No such user"))


@native(UND, "getgrgid(I)[B")
def _getgrgid(th: JThread, a: list[Any]) -> Any:
    import grp

    try:
        return _bytes(th, grp.getgrgid(a[0]).gr_name.encode())
    except KeyError:
        _unix_error(th, OSError(2, "No such group"))


@native(UND, "getpwnam0(J)I")
def _getpwnam(th: JThread, a: list[Any]) -> Any:
    import pwd

    try:
        return pwd.getpwnam(_path(a[0]).decode()).pw_uid
    except KeyError:
        return -1


@native(UND, "getgrnam0(J)I")
def _getgrnam(th: JThread, a: list[Any]) -> Any:
    import grp

    try:
        return grp.getgrnam(_path(a[0]).decode()).gr_gid
    except KeyError:
        return -1


@native(UND, "statvfs0(JLsun/nio/fs/UnixFileStoreAttributes;)V")
def _statvfs(th: JThread, a: list[Any]) -> Any:
    st = _call(th, os.statvfs, _path(a[0]))
    s = a[2].klass.field_slots
    f = a[2].fields
    f[s["f_frsize"]] = st.f_frsize
    f[s["f_blocks"]] = st.f_blocks
    f[s["f_bfree"]] = st.f_bfree
    f[s["f_bavail"]] = st.f_bavail


@native("sun/nio/fs/UnixCopyFile", "transfer(IIJ)V")
def _transfer(th: JThread, a: list[Any]) -> Any:
    dst, src = a[0], a[1]

    def copy() -> None:
        while True:
            data = os.read(src, 1 << 16)
            if not data:
                return
            while data:
                data = data[os.write(dst, data):]
    _call(th, copy)


# -- the mount table (LinuxFileStore): setmntent/getmntent over the file's lines --------

LND = "sun/nio/fs/LinuxNativeDispatcher"
_mount_tables: dict[int, list[list[bytes]]] = {}
_mount_lines: dict[int, list[int]] = {}  # line lengths left for getlinelen
_mount_lengths: dict[int, list[int]] = {}


def _unescape(field: bytes) -> bytes:
    """getmntent's octal escapes (\\040 for a space) in a mount table field."""
    out = bytearray()
    i = 0
    while i < len(field):
        if field[i] == 0x5C and i + 3 < len(field) + 1 and field[i + 1:i + 4].isdigit():
            out.append(int(field[i + 1:i + 4], 8) & 0xFF)
            i += 4
        else:
            out.append(field[i])
            i += 1
    return bytes(out)


@native(LND, "setmntent0(JJ)J")
def _setmntent(th: JThread, a: list[Any]) -> Any:
    with open(_call(th, lambda: _path(a[0])), "rb") as f:
        lines = f.read().splitlines()
    rows = [line.split() for line in lines]
    key = next(_dir_ids)
    _mount_lines[key] = [len(x) + 1 for x in lines]
    _mount_lengths[key] = list(_mount_lines[key])
    _mount_tables[key] = [[_unescape(x) for x in r] for r in rows if len(r) >= 4]
    return key


@native(LND, "getmntent0(JLsun/nio/fs/UnixMountEntry;JI)I")
def _getmntent(th: JThread, a: list[Any]) -> Any:
    rows = _mount_tables.get(a[0])
    if not rows:
        return -1
    name, directory, fstype, opts = rows.pop(0)[:4]
    entry = a[2]
    s = entry.klass.field_slots
    f = entry.fields
    for field, value in (("name", name), ("dir", directory), ("fstype", fstype),
                         ("opts", opts)):
        f[s[field]] = _bytes(th, value)
    try:
        f[s["dev"]] = os.stat(directory).st_dev
    except OSError:
        f[s["dev"]] = 0
    return 0


@native(LND, "endmntent(J)V")
def _endmntent(th: JThread, a: list[Any]) -> Any:
    _mount_tables.pop(a[0], None)
    _mount_lines.pop(a[0], None)
    _mount_lengths.pop(a[0], None)


@native(UND, "getlinelen(J)I")
def _getlinelen(th: JThread, a: list[Any]) -> Any:
    """The length of the next line of the stream, -1 at its end (getline(3))."""
    left = _mount_lines.get(a[0])
    return left.pop(0) if left else -1


@native(UND, "rewind(J)V")
def _rewind(th: JThread, a: list[Any]) -> Any:
    if a[0] in _mount_lengths:
        _mount_lines[a[0]] = list(_mount_lengths[a[0]])
