"""Natives of java.io for the standard streams (JDK 17 FileDescriptor, FileOutputStream,
FileInputStream): bytes go straight to the host's file descriptors 0, 1 and 2."""

from __future__ import annotations

import errno
import os
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.natives import constant, native

if TYPE_CHECKING:
    from vmforms.jvm.runtime.heap import JObject
    from vmforms.jvm.runtime.vm import JThread

FD = "java/io/FileDescriptor"


def _fd_of(stream: JObject) -> int:
    """The stream's descriptor; a closed one (-1) fails as JDK 17's io_util.c fails it."""
    k = stream.klass
    fdo = stream.fields[k.field_slots["fd"]]
    fd = int(fdo.fields[fdo.klass.field_slots["fd"]])
    if fd == -1:
        raise OSError(errno.EBADF, "Stream Closed")
    return fd


def _io(th: JThread, fn: Any, stream: JObject, *args: Any) -> Any:
    """fn(fd, *args) on the stream's descriptor; a host error is a java.io.IOException."""
    try:
        return fn(_fd_of(stream), *args)
    except OSError as exc:
        th.vm.throw(th, "java/io/IOException", exc.strerror or str(exc))


@native(FD, "getHandle(I)J")
def _handle(th: JThread, a: list[Any]) -> Any:
    return -1


@native(FD, "getAppend(I)Z")
def _append(th: JThread, a: list[Any]) -> Any:
    return 0


@native("java/io/FileOutputStream", "writeBytes([BIIZ)V")
def _write_bytes(th: JThread, a: list[Any]) -> Any:
    stream, arr, off, length = a[0], a[1], a[2], a[3]
    data = bytes(b & 0xFF for b in arr.data[off:off + length])
    try:
        fd = _fd_of(stream)
        while data:
            n = os.write(fd, data)
            data = data[n:]
    except OSError as exc:
        th.vm.throw(th, "java/io/IOException", exc.strerror or str(exc))


@native("java/io/FileOutputStream", "write(IZ)V")
def _write(th: JThread, a: list[Any]) -> Any:
    try:
        os.write(_fd_of(a[0]), bytes([a[1] & 0xFF]))
    except OSError as exc:
        th.vm.throw(th, "java/io/IOException", exc.strerror or str(exc))


@native("java/io/FileInputStream", "readBytes([BII)I")
def _read_bytes(th: JThread, a: list[Any]) -> Any:
    stream, arr, off, length = a[0], a[1], a[2], a[3]
    if length == 0:
        return 0
    try:
        data = os.read(_fd_of(stream), length)
    except OSError as exc:
        th.vm.throw(th, "java/io/IOException", exc.strerror or str(exc))
        return -1
    if not data:
        return -1
    arr.data[off:off + len(data)] = [b - 256 if b > 127 else b for b in data]
    return len(data)


@native("java/io/FileInputStream", "read0()I")
def _read0(th: JThread, a: list[Any]) -> Any:
    data = _io(th, os.read, a[0], 1)
    return data[0] if data else -1


@native("java/io/FileInputStream", "available0()I")
def _available(th: JThread, a: list[Any]) -> Any:
    return available(_io(th, lambda fd: fd, a[0]))


def available(fd: int) -> int:
    """Bytes readable without blocking: the rest of a regular file, else what FIONREAD
    reports for a pipe, socket or terminal (a finished child's output is drained so)."""
    import fcntl
    import stat
    import struct
    import termios

    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode):
            return max(0, min(st.st_size - os.lseek(fd, 0, os.SEEK_CUR), 0x7FFFFFFF))
        raw = fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0")
        return int(struct.unpack("i", raw)[0])
    except OSError:
        return 0


@native("java/io/Console", "istty()Z")
def _istty(th: JThread, a: list[Any]) -> Any:
    """JDK 17's Console_md.c: a console when both stdin and stdout are terminals."""
    return int(os.isatty(0) and os.isatty(1))


# Console_md.c answers NULL on Linux: the console uses the default charset.
constant("java/io/Console", "encoding()Ljava/lang/String;", None)


UFS = "java/io/UnixFileSystem"


def _path(th: JThread, file: JObject) -> str:
    return str(th.vm.to_str(file.fields[file.klass.field_slots["path"]]))


@native(UFS, "canonicalize0(Ljava/lang/String;)Ljava/lang/String;")
def _canonicalize(th: JThread, a: list[Any]) -> Any:
    return th.vm.new_string(os.path.realpath(th.vm.to_str(a[1])))


@native(UFS, "getBooleanAttributes0(Ljava/io/File;)I")
def _attributes(th: JThread, a: list[Any]) -> Any:
    p = _path(th, a[1])
    if not os.path.exists(p):
        return 0
    return 0x01 | (0x02 if os.path.isfile(p) else 0) | (0x04 if os.path.isdir(p) else 0)


@native(UFS, "checkAccess(Ljava/io/File;I)Z")
def _check_access(th: JThread, a: list[Any]) -> Any:
    mode = {4: os.R_OK, 2: os.W_OK, 1: os.X_OK}.get(a[2], os.F_OK)
    return 1 if os.access(_path(th, a[1]), mode) else 0


@native(UFS, "getLength(Ljava/io/File;)J")
def _length(th: JThread, a: list[Any]) -> Any:
    try:
        return os.path.getsize(_path(th, a[1]))
    except OSError:
        return 0


@native(UFS, "getLastModifiedTime(Ljava/io/File;)J")
def _mtime(th: JThread, a: list[Any]) -> Any:
    try:
        return int(os.path.getmtime(_path(th, a[1])) * 1000)
    except OSError:
        return 0


def _set_fd(stream: JObject, fd: int) -> None:
    fdo = stream.fields[stream.klass.field_slots["fd"]]
    fdo.fields[fdo.klass.field_slots["fd"]] = fd


@native("java/io/FileInputStream", "open0(Ljava/lang/String;)V")
def _open_in(th: JThread, a: list[Any]) -> Any:
    path = th.vm.to_str(a[1])
    try:
        if os.path.isdir(path):
            raise IsADirectoryError(21, "Is a directory")
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        th.vm.throw(th, "java/io/FileNotFoundException", f"{path} ({exc.strerror})")
        return
    _set_fd(a[0], fd)


@native("java/io/FileOutputStream", "open0(Ljava/lang/String;Z)V")
def _open_out(th: JThread, a: list[Any]) -> Any:
    path = th.vm.to_str(a[1])
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if a[2] else os.O_TRUNC)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        th.vm.throw(th, "java/io/FileNotFoundException", f"{path} ({exc.strerror})")
        return
    _set_fd(a[0], fd)


@native("java/io/FileDescriptor", "close0()V")
def _close_fd(th: JThread, a: list[Any]) -> Any:
    slot = a[0].klass.field_slots["fd"]
    fd = a[0].fields[slot]
    if fd > 2:
        try:
            os.close(fd)
        except OSError:
            pass
    a[0].fields[slot] = -1


@native("java/io/FileInputStream", "length0()J")
def _length0(th: JThread, a: list[Any]) -> Any:
    return _io(th, os.fstat, a[0]).st_size


@native("java/io/FileInputStream", "position0()J")
def _position0(th: JThread, a: list[Any]) -> Any:
    return _io(th, os.lseek, a[0], 0, os.SEEK_CUR)


@native("java/io/FileInputStream", "skip0(J)J")
def _skip0(th: JThread, a: list[Any]) -> Any:
    cur = _io(th, os.lseek, a[0], 0, os.SEEK_CUR)
    return _io(th, os.lseek, a[0], a[1], os.SEEK_CUR) - cur
