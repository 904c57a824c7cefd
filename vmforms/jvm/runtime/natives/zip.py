"""Natives of java.util.zip (JDK 17 CRC32, Adler32, Inflater, Deflater) over Python's
zlib. A stream's address is a key into a table of host stream objects; the packed long
the library reads back holds bytes read (bits 0-30), bytes written (31-61), finished
(62) and, for the Deflater, parameters still pending (63)."""

from __future__ import annotations

import itertools
import zlib
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.natives import native, noop
from vmforms.jvm.runtime.natives.unsafe import read_memory, write_memory
from vmforms.jvm.runtime.values import i32

if TYPE_CHECKING:
    from vmforms.jvm.runtime.heap import JArray
    from vmforms.jvm.runtime.vm import JThread

INF = "java/util/zip/Inflater"
DEF = "java/util/zip/Deflater"
Z_FINISH = 4
_ids = itertools.count(1)


def _data(arr: JArray, off: int, n: int) -> bytes:
    return bytes(b & 0xFF for b in arr.data[off:off + n])


def _store(arr: JArray, off: int, data: bytes) -> None:
    arr.data[off:off + len(data)] = [b - 256 if b > 127 else b for b in data]


# -- checksums ---------------------------------------------------------------------------

@native("java/util/zip/CRC32", "update(II)I")
def _crc_byte(th: JThread, a: list[Any]) -> Any:
    return i32(zlib.crc32(bytes([a[1] & 0xFF]), a[0] & 0xFFFFFFFF))


@native("java/util/zip/CRC32", "updateBytes0(I[BII)I")
def _crc_bytes(th: JThread, a: list[Any]) -> Any:
    return i32(zlib.crc32(_data(a[1], a[2], a[3]), a[0] & 0xFFFFFFFF))


@native("java/util/zip/CRC32", "updateByteBuffer0(IJII)I")
def _crc_buffer(th: JThread, a: list[Any]) -> Any:
    return i32(zlib.crc32(read_memory(a[1] + a[3], a[4]), a[0] & 0xFFFFFFFF))


@native("java/util/zip/Adler32", "update(II)I")
def _adler_byte(th: JThread, a: list[Any]) -> Any:
    return i32(zlib.adler32(bytes([a[1] & 0xFF]), a[0] & 0xFFFFFFFF))


@native("java/util/zip/Adler32", "updateBytes(I[BII)I")
def _adler_bytes(th: JThread, a: list[Any]) -> Any:
    return i32(zlib.adler32(_data(a[1], a[2], a[3]), a[0] & 0xFFFFFFFF))


@native("java/util/zip/Adler32", "updateByteBuffer(IJII)I")
def _adler_buffer(th: JThread, a: list[Any]) -> Any:
    return i32(zlib.adler32(read_memory(a[1] + a[3], a[4]), a[0] & 0xFFFFFFFF))


# -- streams ------------------------------------------------------------------------------

class _Stream:
    def __init__(self, wbits: int, level: int = -1, strategy: int = 0) -> None:
        self.wbits = wbits
        self.level = level
        self.strategy = strategy
        self.obj: Any = None
        self.pending = bytearray()
        self.ended = False  # the Deflater has flushed with Z_FINISH
        self.adler = 1
        self.zdict: bytes | None = None  # a preset dictionary (setDictionary)


_streams: dict[int, _Stream] = {}


def _new(stream: _Stream) -> int:
    key = next(_ids)
    _streams[key] = stream
    return key


noop(INF, "initIDs()V")


@native(INF, "init(Z)J")
def _inflater(th: JThread, a: list[Any]) -> Any:
    return _new(_Stream(-15 if a[0] else 15))


@native(DEF, "init(IIZ)J")
def _deflater(th: JThread, a: list[Any]) -> Any:
    return _new(_Stream(-15 if a[2] else 15, a[0], a[1]))


@native(INF, "getAdler(J)I")
def _inf_adler(th: JThread, a: list[Any]) -> Any:
    return i32(_streams[a[0]].adler)


native(DEF, "getAdler(J)I")(_inf_adler)


@native(INF, "reset(J)V")
def _reset(th: JThread, a: list[Any]) -> Any:
    s = _streams[a[0]]
    _streams[a[0]] = _Stream(s.wbits, s.level, s.strategy)


native(DEF, "reset(J)V")(_reset)


@native(INF, "end(J)V")
def _end(th: JThread, a: list[Any]) -> Any:
    _streams.pop(a[0], None)


native(DEF, "end(J)V")(_end)


def _set_dictionary(key: int, zdict: bytes) -> None:
    """zlib's inflateSetDictionary/deflateSetDictionary: the stream (re)starts with the
    dictionary; a zlib-wrapped stream's Adler-32 is the dictionary's (its DICTID)."""
    s = _streams[key]
    s.zdict = zdict
    s.obj = None
    if s.wbits > 0:
        s.adler = zlib.adler32(zdict)


@native(INF, "setDictionary(J[BII)V")
def _dictionary(th: JThread, a: list[Any]) -> Any:
    _set_dictionary(a[0], _data(a[2], a[3], a[4]))


@native(INF, "setDictionaryBuffer(JJI)V")
def _dictionary_buffer(th: JThread, a: list[Any]) -> Any:
    _set_dictionary(a[0], read_memory(a[2], a[4]))


native(DEF, "setDictionary(J[BII)V")(_dictionary)
native(DEF, "setDictionaryBuffer(JJI)V")(_dictionary_buffer)

FINISHED, NEEDS_DICTIONARY = 1, 2


def _inflate(th: JThread, key: int, data: bytes, room: int) -> tuple[int, bytes, int]:
    s = _streams[key]
    if s.obj is None:
        if s.zdict is None and s.wbits > 0 and len(data) >= 6 and data[1] & 0x20 and \
                (data[0] << 8 | data[1]) % 31 == 0:
            # A zlib header with FDICT: Z_NEED_DICT, and getAdler answers its DICTID. The
            # header stays unread, so the stream restarts whole once the dictionary is set.
            s.adler = int.from_bytes(data[2:6], "big")
            return 0, b"", NEEDS_DICTIONARY
        s.obj = zlib.decompressobj(s.wbits) if s.zdict is None else \
            zlib.decompressobj(s.wbits, zdict=s.zdict)
        if s.zdict is not None and s.wbits > 0:
            s.adler = 1
    d = s.obj
    if d.eof:
        return 0, b"", FINISHED
    try:
        out = d.decompress(data, room) if room > 0 else b""
    except zlib.error as exc:
        th.vm.throw(th, "java/util/zip/DataFormatException", str(exc).rpartition(": ")[2])
        raise
    # At the end of the stream the bytes after it are unused_data (a gzip trailer);
    # before it, unconsumed_tail is what did not fit in `room`.
    read = len(data) - (len(d.unused_data) if d.eof else len(d.unconsumed_tail))
    if s.wbits > 0:  # zlib keeps no Adler-32 of a raw (nowrap) stream
        s.adler = zlib.adler32(out, s.adler)
    return read, out, FINISHED if d.eof else 0


def _packed(read: int, written: int, flags: int) -> int:
    """Inflater's and Deflater's result word: bytes read and written, finished (bit 62)
    and needs a dictionary (bit 63, so the Java long is negative)."""
    v = read | written << 31 | int(flags) << 62
    return v - (1 << 64) if v >= 1 << 63 else v


@native(INF, "inflateBytesBytes(J[BII[BII)J")
def _inflate_bb(th: JThread, a: list[Any]) -> Any:
    read, out, done = _inflate(th, a[1], _data(a[3], a[4], a[5]), a[8])
    _store(a[6], a[7], out)
    return _packed(read, len(out), done)


@native(INF, "inflateBytesBuffer(J[BIIJI)J")
def _inflate_bbuf(th: JThread, a: list[Any]) -> Any:
    read, out, done = _inflate(th, a[1], _data(a[3], a[4], a[5]), a[8])
    write_memory(a[6], out)
    return _packed(read, len(out), done)


@native(INF, "inflateBufferBytes(JJI[BII)J")
def _inflate_bufb(th: JThread, a: list[Any]) -> Any:
    read, out, done = _inflate(th, a[1], read_memory(a[3], a[5]), a[8])
    _store(a[6], a[7], out)
    return _packed(read, len(out), done)


@native(INF, "inflateBufferBuffer(JJIJI)J")
def _inflate_bufbuf(th: JThread, a: list[Any]) -> Any:
    read, out, done = _inflate(th, a[1], read_memory(a[3], a[5]), a[8])
    write_memory(a[6], out)
    return _packed(read, len(out), done)


def _deflate(key: int, data: bytes, room: int, flush: int, params: int) -> tuple[int, bytes,
                                                                                  bool]:
    s = _streams[key]
    if params:
        s.strategy = params >> 1 & 3
        s.level = params >> 3
    if s.obj is None:
        if s.zdict is None:
            s.obj = zlib.compressobj(s.level, zlib.DEFLATED, s.wbits, 8, s.strategy)
        else:
            s.obj = zlib.compressobj(s.level, zlib.DEFLATED, s.wbits, 8, s.strategy,
                                     zdict=s.zdict)
            if s.wbits > 0:
                s.adler = 1  # after the header, the Adler-32 of the data alone
    if data:
        s.pending += s.obj.compress(data)
        if s.wbits > 0:
            s.adler = zlib.adler32(data, s.adler)
    if flush == Z_FINISH:
        if not s.ended:
            s.pending += s.obj.flush(zlib.Z_FINISH)
            s.ended = True
    elif flush in (2, 3):  # SYNC_FLUSH, FULL_FLUSH
        s.pending += s.obj.flush(flush)
    out = bytes(s.pending[:room])
    del s.pending[:room]
    return len(data), out, s.ended and not s.pending


@native(DEF, "deflateBytesBytes(J[BII[BIIII)J")
def _deflate_bb(th: JThread, a: list[Any]) -> Any:
    read, out, done = _deflate(a[1], _data(a[3], a[4], a[5]), a[8], a[9], a[10])
    _store(a[6], a[7], out)
    return _packed(read, len(out), done)


@native(DEF, "deflateBytesBuffer(J[BIIJIII)J")
def _deflate_bbuf(th: JThread, a: list[Any]) -> Any:
    read, out, done = _deflate(a[1], _data(a[3], a[4], a[5]), a[8], a[9], a[10])
    write_memory(a[6], out)
    return _packed(read, len(out), done)


@native(DEF, "deflateBufferBytes(JJI[BIIII)J")
def _deflate_bufb(th: JThread, a: list[Any]) -> Any:
    read, out, done = _deflate(a[1], read_memory(a[3], a[5]), a[8], a[9], a[10])
    _store(a[6], a[7], out)
    return _packed(read, len(out), done)


@native(DEF, "deflateBufferBuffer(JJIJIII)J")
def _deflate_bufbuf(th: JThread, a: list[Any]) -> Any:
    read, out, done = _deflate(a[1], read_memory(a[3], a[5]), a[8], a[9], a[10])
    write_memory(a[6], out)
    return _packed(read, len(out), done)


# -- jdk.internal.perf.Perf: ZipFile counts its opens in performance counters, which
# live in heap buffers here (nothing outside the VM reads them).

PERF = "jdk/internal/perf/Perf"
noop(PERF, "registerNatives()V")


def _heap_buffer(th: JThread, size: int) -> Any:
    return th.vm.call_static(th, "java/nio/ByteBuffer", "allocate", "(I)Ljava/nio/ByteBuffer;",
                             size)


@native(PERF, "createLong(Ljava/lang/String;IIJ)Ljava/nio/ByteBuffer;")
def _perf_long(th: JThread, a: list[Any]) -> Any:
    return _heap_buffer(th, 8)


@native(PERF, "createByteArray(Ljava/lang/String;II[BI)Ljava/nio/ByteBuffer;")
def _perf_bytes(th: JThread, a: list[Any]) -> Any:
    return _heap_buffer(th, max(a[5], len(a[4].data) if a[4] is not None else 0))


@native(PERF, "highResCounter()J")
def _perf_counter(th: JThread, a: list[Any]) -> Any:
    import time

    return time.monotonic_ns()


@native(PERF, "highResFrequency()J")
def _perf_frequency(th: JThread, a: list[Any]) -> Any:
    return 1_000_000_000
