"""Natives of NIO's file channels on Unix (JDK 17 sun.nio.ch FileDispatcherImpl, IOUtil,
FileChannelImpl, java.nio.MappedMemoryUtils): buffers arrive as addresses of off-heap
memory (unsafe.py's blocks), and a mapped region is the host's mmap put in that table,
so the library's DirectByteBuffer reads and writes the file's own pages."""

from __future__ import annotations

import errno
import fcntl
import os
import resource
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.natives import constant, native, noop
from vmforms.jvm.runtime.natives.unsafe import read_memory, write_memory

if TYPE_CHECKING:
    from vmforms.jvm.runtime.heap import JObject
    from vmforms.jvm.runtime.vm import JThread

FDI = "sun/nio/ch/FileDispatcherImpl"
IOU = "sun/nio/ch/IOUtil"


# -- sun.nio.ch: file channels ------------------------------------------------------------

def fd_of(fdo: JObject) -> int:
    return int(fdo.fields[fdo.klass.field_slots["fd"]])


def _io_error(th: JThread, exc: OSError) -> None:
    th.vm.throw(th, "java/io/IOException", exc.strerror or str(exc))


UNAVAILABLE = -2  # IOStatus.UNAVAILABLE: a non-blocking descriptor has nothing now


def _io(th: JThread, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except BlockingIOError:
        return UNAVAILABLE
    except OSError as exc:
        _io_error(th, exc)


@native(FDI, "read0(Ljava/io/FileDescriptor;JI)I")
def _ch_read(th: JThread, a: list[Any]) -> Any:
    data = _io(th, os.read, fd_of(a[0]), a[3])
    if data == UNAVAILABLE:
        return data
    if not data:
        return -1
    write_memory(a[1], data)
    return len(data)


@native(FDI, "pread0(Ljava/io/FileDescriptor;JIJ)I")
def _ch_pread(th: JThread, a: list[Any]) -> Any:
    data = _io(th, os.pread, fd_of(a[0]), a[3], a[4])
    if not data:
        return -1
    write_memory(a[1], data)
    return len(data)


@native(FDI, "write0(Ljava/io/FileDescriptor;JI)I")
def _ch_write(th: JThread, a: list[Any]) -> Any:
    return _io(th, os.write, fd_of(a[0]), read_memory(a[1], a[3]))


@native(FDI, "pwrite0(Ljava/io/FileDescriptor;JIJ)I")
def _ch_pwrite(th: JThread, a: list[Any]) -> Any:
    return _io(th, os.pwrite, fd_of(a[0]), read_memory(a[1], a[3]), a[4])


def _iovecs(address: int, count: int) -> list[tuple[int, int]]:
    raw = read_memory(address, 16 * count)
    return [(int.from_bytes(raw[i:i + 8], "little"), int.from_bytes(raw[i + 8:i + 16], "little"))
            for i in range(0, 16 * count, 16)]


@native(FDI, "readv0(Ljava/io/FileDescriptor;JI)J")
def _ch_readv(th: JThread, a: list[Any]) -> Any:
    fd, total = fd_of(a[0]), 0
    for base, length in _iovecs(a[1], a[3]):
        data = _io(th, os.read, fd, length)
        write_memory(base, data)
        total += len(data)
        if len(data) < length:
            break
    return total if total else -1


@native(FDI, "writev0(Ljava/io/FileDescriptor;JI)J")
def _ch_writev(th: JThread, a: list[Any]) -> Any:
    fd = fd_of(a[0])
    data = b"".join(read_memory(base, length) for base, length in _iovecs(a[1], a[3]))
    return _io(th, os.write, fd, data)


@native(FDI, "seek0(Ljava/io/FileDescriptor;J)J")
def _ch_seek(th: JThread, a: list[Any]) -> Any:
    fd = fd_of(a[0])
    if a[1] == -1:
        return _io(th, os.lseek, fd, 0, os.SEEK_CUR)
    return _io(th, os.lseek, fd, a[1], os.SEEK_SET)


@native(FDI, "size0(Ljava/io/FileDescriptor;)J")
def _ch_size(th: JThread, a: list[Any]) -> Any:
    return _io(th, os.fstat, fd_of(a[0])).st_size


@native(FDI, "truncate0(Ljava/io/FileDescriptor;J)I")
def _ch_truncate(th: JThread, a: list[Any]) -> Any:
    _io(th, os.ftruncate, fd_of(a[0]), a[1])
    return 0


@native(FDI, "force0(Ljava/io/FileDescriptor;Z)I")
def _ch_force(th: JThread, a: list[Any]) -> Any:
    _io(th, os.fsync, fd_of(a[0]))
    return 0


@native(FDI, "close0(Ljava/io/FileDescriptor;)V")
def _ch_close(th: JThread, a: list[Any]) -> Any:
    fd = fd_of(a[0])
    if fd > 2:
        _io(th, os.close, fd)


@native(FDI, "closeIntFD(I)V")
def _ch_close_int(th: JThread, a: list[Any]) -> Any:
    _io(th, os.close, a[0])


@native(FDI, "dup0(Ljava/io/FileDescriptor;Ljava/io/FileDescriptor;)V")
def _ch_dup(th: JThread, a: list[Any]) -> Any:
    _io(th, os.dup2, fd_of(a[0]), fd_of(a[1]))


noop(FDI, "init()V", "preClose0(Ljava/io/FileDescriptor;)V")
NO_LOCK, INTERRUPTED = -1, 2  # FileDispatcherImpl's answers besides 0 (locked)
LONG_MAX = (1 << 63) - 1


@native(FDI, "lock0(Ljava/io/FileDescriptor;ZJJZ)I")
def _lock(th: JThread, a: list[Any]) -> Any:
    """A POSIX record lock (fcntl F_SETLK/F_SETLKW), as JDK 17's FileDispatcherImpl.c takes
    it: Long.MAX_VALUE bytes means to the end of the file, whatever it grows to."""
    fd, block, pos, size, shared = fd_of(a[0]), a[1], a[2], a[4], a[6]
    cmd = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if block else fcntl.LOCK_NB)
    try:
        fcntl.lockf(fd, cmd, 0 if size == LONG_MAX else size, pos, os.SEEK_SET)
    except OSError as exc:
        if not block and exc.errno in (errno.EAGAIN, errno.EACCES):
            return NO_LOCK
        if exc.errno == errno.EINTR:
            return INTERRUPTED
        th.vm.throw(th, "java/io/IOException", exc.strerror or "lock failed")
    return 0


noop("sun/nio/ch/FileKey", "initIDs()V")


@native("sun/nio/ch/FileKey", "init(Ljava/io/FileDescriptor;)V")
def _file_key(th: JThread, a: list[Any]) -> Any:
    """The file's identity for FileLockTable: device and inode, as FileKey.c's fstat64."""
    key = a[0]
    try:
        st = os.fstat(fd_of(a[1]))
    except OSError as exc:
        th.vm.throw(th, "java/io/IOException", exc.strerror or "fstat failed")
        return
    key.fields[key.klass.field_slots["st_dev"]] = st.st_dev
    key.fields[key.klass.field_slots["st_ino"]] = st.st_ino


@native(FDI, "release0(Ljava/io/FileDescriptor;JJ)V")
def _release(th: JThread, a: list[Any]) -> Any:
    fd, pos, size = fd_of(a[0]), a[1], a[3]
    try:
        fcntl.lockf(fd, fcntl.LOCK_UN, 0 if size == LONG_MAX else size, pos, os.SEEK_SET)
    except OSError as exc:
        th.vm.throw(th, "java/io/IOException", exc.strerror or "Release failed")
constant(FDI, "canTransferToFromOverlappedMap0()Z", 0)
constant("sun/nio/ch/FileChannelImpl", "initIDs()J", 4096)
constant("sun/nio/ch/FileChannelImpl", "maxDirectTransferSize0()I", 0x7FFFF000)
constant("sun/nio/ch/FileChannelImpl",
         "transferTo0(Ljava/io/FileDescriptor;JJLjava/io/FileDescriptor;)J", -4)
noop(IOU, "initIDs()V")


@native(IOU, "configureBlocking(Ljava/io/FileDescriptor;Z)V")
def _configure_blocking(th: JThread, a: list[Any]) -> Any:
    _io(th, os.set_blocking, fd_of(a[0]), bool(a[1]))
constant(IOU, "iovMax()I", 1024)
# IOUtil.c: the hard limit on open files (RLIMIT_NOFILE), INT_MAX when unlimited.
_NOFILE = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
constant(IOU, "fdLimit()I", 0x7FFFFFFF if _NOFILE in (resource.RLIM_INFINITY, -1) or
         _NOFILE > 0x7FFFFFFF else _NOFILE)
constant(IOU, "randomBytes([B)Z", 0)


@native(IOU, "fdVal(Ljava/io/FileDescriptor;)I")
def _fd_val(th: JThread, a: list[Any]) -> Any:
    return fd_of(a[0])


@native(IOU, "setfdVal(Ljava/io/FileDescriptor;I)V")
def _set_fd_val(th: JThread, a: list[Any]) -> Any:
    a[0].fields[a[0].klass.field_slots["fd"]] = a[1]


# -- memory-mapped files ------------------------------------------------------------------

_maps: dict[int, Any] = {}


@native("sun/nio/ch/FileChannelImpl", "map0(IJJZ)J")
def _map(th: JThread, a: list[Any]) -> Any:
    import mmap

    from vmforms.jvm.runtime.natives import unsafe

    ch = a[0]
    fd = fd_of(ch.fields[ch.klass.field_slots["fd"]])
    access = {0: mmap.ACCESS_READ, 1: mmap.ACCESS_WRITE, 2: mmap.ACCESS_COPY}[a[1]]
    try:
        mm = mmap.mmap(fd, a[4], access=access, offset=a[2])
    except (OSError, ValueError) as exc:
        th.vm.throw(th, "java/io/IOException", f"Map failed: {exc}")
    base = unsafe._next_address[0]
    unsafe._next_address[0] += (a[4] + 4095) & ~4095 or 4096
    unsafe._blocks[base] = mm  # type: ignore[assignment]
    _maps[base] = mm
    return base


@native("sun/nio/ch/FileChannelImpl", "unmap0(JJ)I")
def _unmap(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.natives import unsafe

    mm = _maps.pop(a[0], None)
    unsafe._blocks.pop(a[0], None)
    if mm is not None:
        mm.close()
    return 0


def _mapping(address: int) -> Any:
    for base, mm in list(_maps.items()):
        if base <= address < base + len(mm):
            return mm
    return None


@native("java/nio/MappedMemoryUtils", "force0(Ljava/io/FileDescriptor;JJ)V")
def _force(th: JThread, a: list[Any]) -> Any:
    mm = _mapping(a[1])
    if mm is not None:
        _io(th, mm.flush)


constant("java/nio/MappedMemoryUtils", "isLoaded0(JJJ)Z", 1)
noop("java/nio/MappedMemoryUtils", "load0(JJ)V", "unload0(JJ)V")
