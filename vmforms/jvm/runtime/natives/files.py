"""Natives of java.io on named files (JDK 17 UnixFileSystem, RandomAccessFile): the
host's own calls on the path, with the same results and exception messages as the
JDK's libjava ("name (No such file or directory)")."""

from __future__ import annotations

import errno
import os
import stat
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.natives import native, noop

if TYPE_CHECKING:
    from vmforms.jvm.runtime.heap import JObject
    from vmforms.jvm.runtime.vm import JThread

UFS = "java/io/UnixFileSystem"
RAF = "java/io/RandomAccessFile"


def _path(th: JThread, file: JObject) -> str:
    return str(th.vm.to_str(file.fields[file.klass.field_slots["path"]]))


def _ok(fn: Any) -> int:
    try:
        fn()
    except OSError:
        return 0
    return 1


@native(UFS, "delete0(Ljava/io/File;)Z")
def _delete(th: JThread, a: list[Any]) -> Any:
    p = _path(th, a[1])
    return _ok(lambda: os.rmdir(p) if os.path.isdir(p) and not os.path.islink(p)
               else os.unlink(p))


@native(UFS, "createDirectory(Ljava/io/File;)Z")
def _mkdir(th: JThread, a: list[Any]) -> Any:
    p = _path(th, a[1])
    return _ok(lambda: os.mkdir(p, 0o777))


@native(UFS, "rename0(Ljava/io/File;Ljava/io/File;)Z")
def _rename(th: JThread, a: list[Any]) -> Any:
    src, dst = _path(th, a[1]), _path(th, a[2])
    return _ok(lambda: os.rename(src, dst))


@native(UFS, "list(Ljava/io/File;)[Ljava/lang/String;")
def _list(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    try:
        names = os.listdir(_path(th, a[1]))
    except OSError:
        return None
    return vm.new_array("[Ljava/lang/String;", [vm.new_string(n) for n in names])


@native(UFS, "createFileExclusively(Ljava/lang/String;)Z")
def _create(th: JThread, a: list[Any]) -> Any:
    p = th.vm.to_str(a[1])
    try:
        os.close(os.open(p, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666))
    except FileExistsError:
        return 0
    except OSError as exc:
        th.vm.throw(th, "java/io/IOException", exc.strerror or str(exc))
    return 1


@native(UFS, "setLastModifiedTime(Ljava/io/File;J)Z")
def _set_mtime(th: JThread, a: list[Any]) -> Any:
    p = _path(th, a[1])
    ns = a[2] * 1_000_000
    return _ok(lambda: os.utime(p, ns=(os.stat(p).st_atime_ns, ns)))


@native(UFS, "setReadOnly(Ljava/io/File;)Z")
def _set_read_only(th: JThread, a: list[Any]) -> Any:
    p = _path(th, a[1])
    return _ok(lambda: os.chmod(p, os.stat(p).st_mode & ~0o222))


@native(UFS, "setPermission(Ljava/io/File;IZZ)Z")
def _set_permission(th: JThread, a: list[Any]) -> Any:
    p = _path(th, a[1])
    access, enable, owner_only = a[2], a[3], a[4]
    bits = {4: 0o444, 2: 0o222, 1: 0o111}.get(access, 0)
    if owner_only:
        bits &= 0o700

    def change() -> None:
        mode = stat.S_IMODE(os.stat(p).st_mode)
        os.chmod(p, mode | bits if enable else mode & ~bits)
    return _ok(change)


@native(UFS, "getSpace(Ljava/io/File;I)J")
def _space(th: JThread, a: list[Any]) -> Any:
    try:
        st = os.statvfs(_path(th, a[1]))
    except OSError:
        return 0
    return {0: st.f_blocks * st.f_frsize, 1: st.f_bfree * st.f_frsize,
            2: st.f_bavail * st.f_frsize}.get(a[2], 0)


@native(UFS, "getNameMax0(Ljava/lang/String;)J")
def _name_max(th: JThread, a: list[Any]) -> Any:
    try:
        return os.pathconf(th.vm.to_str(a[1]), "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


# -- RandomAccessFile ----------------------------------------------------------------------

def _fd(obj: JObject) -> int:
    fdo = obj.fields[obj.klass.field_slots["fd"]]
    fd = int(fdo.fields[fdo.klass.field_slots["fd"]])
    if fd == -1:  # closed: io_util.c's message
        raise OSError(errno.EBADF, "Stream Closed")
    return fd


def _io_error(th: JThread, exc: OSError) -> None:
    th.vm.throw(th, "java/io/IOException", exc.strerror or str(exc))


def _open_fd(th: JThread, obj: JObject) -> int:
    try:
        return _fd(obj)
    except OSError as exc:
        _io_error(th, exc)
        raise


@native(RAF, "open0(Ljava/lang/String;I)V")
def _raf_open(th: JThread, a: list[Any]) -> Any:
    path = th.vm.to_str(a[1])
    mode = a[2]
    flags = os.O_RDWR | os.O_CREAT if mode & 2 else os.O_RDONLY
    if mode & 12:  # O_SYNC, O_DSYNC
        flags |= os.O_SYNC if mode & 4 else os.O_DSYNC
    try:
        if os.path.isdir(path):
            raise IsADirectoryError(21, "Is a directory")
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        th.vm.throw(th, "java/io/FileNotFoundException", f"{path} ({exc.strerror})")
        return
    fdo = a[0].fields[a[0].klass.field_slots["fd"]]
    fdo.fields[fdo.klass.field_slots["fd"]] = fd


@native(RAF, "read0()I")
def _raf_read0(th: JThread, a: list[Any]) -> Any:
    try:
        data = os.read(_fd(a[0]), 1)
    except OSError as exc:
        _io_error(th, exc)
    return data[0] if data else -1


@native(RAF, "readBytes([BII)I")
def _raf_read(th: JThread, a: list[Any]) -> Any:
    arr, off, length = a[1], a[2], a[3]
    if length == 0:
        return 0
    try:
        data = os.read(_fd(a[0]), length)
    except OSError as exc:
        _io_error(th, exc)
    if not data:
        return -1
    arr.data[off:off + len(data)] = [b - 256 if b > 127 else b for b in data]
    return len(data)


def _write_all(th: JThread, fd: int, data: bytes) -> None:
    try:
        while data:
            data = data[os.write(fd, data):]
    except OSError as exc:
        _io_error(th, exc)


@native(RAF, "write0(I)V")
def _raf_write0(th: JThread, a: list[Any]) -> Any:
    _write_all(th, _open_fd(th, a[0]), bytes([a[1] & 0xFF]))


@native(RAF, "writeBytes([BII)V")
def _raf_write(th: JThread, a: list[Any]) -> Any:
    arr, off, length = a[1], a[2], a[3]
    _write_all(th, _open_fd(th, a[0]), bytes(b & 0xFF for b in arr.data[off:off + length]))


@native(RAF, "getFilePointer()J")
def _raf_pointer(th: JThread, a: list[Any]) -> Any:
    return os.lseek(_open_fd(th, a[0]), 0, os.SEEK_CUR)


@native(RAF, "seek0(J)V")
def _raf_seek(th: JThread, a: list[Any]) -> Any:
    try:
        os.lseek(_fd(a[0]), a[1], os.SEEK_SET)
    except OSError as exc:
        _io_error(th, exc)


@native(RAF, "length()J")
def _raf_length(th: JThread, a: list[Any]) -> Any:
    try:
        return os.fstat(_fd(a[0])).st_size
    except OSError as exc:
        _io_error(th, exc)


@native(RAF, "setLength(J)V")
def _raf_set_length(th: JThread, a: list[Any]) -> Any:
    fd = _open_fd(th, a[0])
    try:
        pos = os.lseek(fd, 0, os.SEEK_CUR)
        os.ftruncate(fd, a[1])
        if pos > a[1]:
            os.lseek(fd, a[1], os.SEEK_SET)
    except OSError as exc:
        _io_error(th, exc)


noop(RAF, "initIDs()V")


# -- serialization: ObjectStreamClass asks whether a class has a static initialiser when
# it computes a default serialVersionUID.

noop("java/io/ObjectStreamClass", "initNative()V")


@native("java/io/ObjectStreamClass", "hasStaticInitializer(Ljava/lang/Class;)Z")
def _has_clinit(th: JThread, a: list[Any]) -> Any:
    return 1 if "<clinit>()V" in a[0].native.methods else 0
