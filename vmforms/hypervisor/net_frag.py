"""IPv4 reassembly (RFC 791 section 3.2, RFC 815) of the guest's fragments before libslirp
sees them: libslirp 4.7.0 crashes the process (SIGBUS in its ip_reass) on a fragment that
is not the first of its datagram and starts a new reassembly queue, which any guest can
send. So libslirp only ever gets whole datagrams. Overlapping fragments drop their
datagram, as RFC 5722 has it for IPv6; queues are few, bounded and expire.
"""

from __future__ import annotations

import struct
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

ETH_HLEN = 14
IP_MF = 0x2000
IP_OFFMASK = 0x1FFF
MAX_DATAGRAM = 65535 - 20  # payload bytes a reassembled datagram may carry
MAX_QUEUES = 16  # datagrams being reassembled at once
QUEUE_TTL = 30.0  # seconds a partial datagram is kept (Linux: ipfrag_time 30)


def ipv4_checksum(header: bytes) -> int:
    total: int = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


@dataclass
class _Queue:
    born: float
    pieces: list[tuple[int, bytes]] = field(default_factory=list)
    head: bytes = b""  # the first fragment's Ethernet and IPv4 header (20 bytes of it)
    total: int = -1  # payload length, once the last fragment came


class Reassembly:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._queues: OrderedDict[bytes, _Queue] = OrderedDict()
        self._clock = clock
        self.dropped = 0

    def push(self, frame: bytes) -> bytes | None:
        """The frame itself when it is no fragment (or not IPv4); the whole datagram when
        this fragment completes one; None while one is incomplete or when it is dropped.
        `frame` is a well-formed IPv4 frame (guest_may_send checked the header)."""
        if len(frame) < ETH_HLEN + 20 or frame[12:14] != b"\x08\x00":
            return frame
        ip = frame[ETH_HLEN:]
        word = int.from_bytes(ip[6:8], "big")
        if not word & (IP_MF | IP_OFFMASK):
            return frame
        ihl, length = (ip[0] & 0x0F) * 4, int.from_bytes(ip[2:4], "big")
        payload, offset, more = ip[ihl:length], (word & IP_OFFMASK) * 8, bool(word & IP_MF)
        key = ip[12:20] + ip[9:10] + ip[4:6]  # source, destination, protocol, id
        now = self._clock()
        self._expire(now)
        end = offset + len(payload)
        if end > MAX_DATAGRAM or not payload or (more and len(payload) % 8):
            return self._drop(key)
        queue = self._queues.get(key)
        if queue is None:
            if len(self._queues) >= MAX_QUEUES:
                self._queues.popitem(last=False)
                self.dropped += 1
            queue = self._queues[key] = _Queue(now)
        if any(offset < at + len(data) and at < end for at, data in queue.pieces):
            return self._drop(key)
        if not more:
            if queue.total >= 0:
                return self._drop(key)
            queue.total = end
        if 0 <= queue.total < end:
            return self._drop(key)
        if offset == 0:
            queue.head = frame[:ETH_HLEN + 20]
        queue.pieces.append((offset, payload))
        if queue.total < 0 or not queue.head or sum(len(d) for _, d in queue.pieces) \
                != queue.total:
            return None
        del self._queues[key]
        body = b"".join(data for _, data in sorted(queue.pieces))
        eth, hdr = queue.head[:ETH_HLEN], bytearray(queue.head[ETH_HLEN:])
        hdr[0] = 0x45  # the options of the first fragment are not kept
        hdr[2:4] = (20 + len(body)).to_bytes(2, "big")
        hdr[6:8] = b"\0\0"
        hdr[10:12] = b"\0\0"
        hdr[10:12] = ipv4_checksum(bytes(hdr)).to_bytes(2, "big")
        return eth + bytes(hdr) + body

    def _drop(self, key: bytes) -> bytes | None:
        """Forget the datagram: its fragments so far, and what may follow, go nowhere."""
        self._queues.pop(key, None)
        self.dropped += 1
        return None

    def _expire(self, now: float) -> None:
        while self._queues:
            key, queue = next(iter(self._queues.items()))
            if now - queue.born < QUEUE_TTL:
                break
            del self._queues[key]
            self.dropped += 1
