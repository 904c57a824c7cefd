"""Host-side pieces of the natives that need no running VM: byte-array views of
VarHandles, the mount table's escapes, zlib streams as Inflater/Deflater drive them, and
a notify that lands as a wait slice times out."""

from __future__ import annotations

import zlib
from types import SimpleNamespace
from typing import Any

import pytest

from vmforms.jvm.runtime.heap import Monitor
from vmforms.jvm.runtime.natives import nio, threads, zip
from vmforms.jvm.runtime.natives.varhandle import ByteView


def test_byte_view_orders_and_signed_bytes() -> None:
    data = [0] * 8
    ByteView(data, ">i")[0] = 0x01020304
    ByteView(data, "<i")[4] = -2
    assert data == [1, 2, 3, 4, -2, -1, -1, -1]
    assert ByteView(data, "<i")[0] == 0x04030201
    assert ByteView(data, ">q")[0] == 0x01020304FEFFFFFF


def test_mount_table_escapes() -> None:
    assert nio._unescape(b"/mnt/my\\040disk") == b"/mnt/my disk"
    assert nio._unescape(b"tab\\011x\\") == b"tab\tx\\"


def _deflate_all(data: bytes, nowrap: bool, room: int) -> bytes:
    key = zip._new(zip._Stream(-15 if nowrap else 15, 6, 0))
    out = bytearray()
    read, chunk, done = zip._deflate(key, data, room, zip.Z_FINISH, 0)
    assert read == len(data)
    out += chunk
    while not done:
        _, chunk, done = zip._deflate(key, b"", room, zip.Z_FINISH, 0)
        out += chunk
    zip._streams.pop(key)
    return bytes(out)


@pytest.mark.parametrize("nowrap", [False, True])
def test_deflate_then_inflate_in_small_pieces(nowrap: bool) -> None:
    text = b"the quick brown fox " * 300
    packed = _deflate_all(text, nowrap, 37)
    assert zlib.decompress(packed, -15 if nowrap else 15) == text
    key = zip._new(zip._Stream(-15 if nowrap else 15))
    trailer = b"TRAILER"
    pending, out, done = packed + trailer, bytearray(), False
    while not done:
        read, chunk, done = zip._inflate(None, key, pending, 100)  # type: ignore[arg-type]
        pending = pending[read:]
        out += chunk
    assert bytes(out) == text
    assert pending == trailer  # what follows the stream stays unread, as getRemaining says
    assert zip._packed(5, 7, True) == 5 | 7 << 31 | 1 << 62


def test_notify_landing_as_a_wait_slice_times_out_is_not_lost() -> None:
    mon = Monitor()
    obj: Any = SimpleNamespace(get_monitor=lambda: mon)
    th: Any = SimpleNamespace(obj=None)
    calls = []

    def wait(timeout: float) -> bool:
        # Condition.wait timed out, but a notify was issued meanwhile: it returns False.
        calls.append(timeout)
        if len(calls) > 3:
            raise AssertionError("the notify was lost")
        mon.notifies += 1
        return False

    mon.cond.wait = wait  # type: ignore[method-assign]
    with mon.lock:
        threads.monitor_wait(th, obj, 0)
    assert len(calls) == 1
