"""IPv4 reassembly of the guest's fragments before libslirp (net_frag.py)."""

from __future__ import annotations

import ipaddress
import struct

from vmforms.hypervisor.net_frag import MAX_QUEUES, QUEUE_TTL, Reassembly, ipv4_checksum

ETH = b"\xff" * 6 + bytes.fromhex("52540000020f") + b"\x08\x00"


def fragment(payload: bytes, offset: int, more: bool, ident: int = 7, proto: int = 1,
             options: bytes = b"") -> bytes:
    ihl = 20 + len(options)
    header = bytearray(struct.pack(
        "!BBHHHBBH4s4s", 0x40 | ihl // 4, 0, ihl + len(payload), ident,
        (0x2000 if more else 0) | offset // 8, 64, proto, 0,
        ipaddress.IPv4Address("10.0.2.15").packed, ipaddress.IPv4Address("10.0.2.2").packed)
        + options)
    header[10:12] = ipv4_checksum(bytes(header)).to_bytes(2, "big")
    return ETH + bytes(header) + payload


def whole(payload: bytes) -> bytes:
    return fragment(payload, 0, False)


DATA = bytes(range(256)) * 12  # 3072 bytes


def test_a_frame_that_is_no_fragment_passes_as_it_is() -> None:
    r = Reassembly()
    frame = whole(b"ping")
    assert r.push(frame) is frame
    arp = ETH[:12] + b"\x08\x06" + bytes(28)
    assert r.push(arp) is arp


def test_fragments_in_and_out_of_order_make_the_datagram() -> None:
    pieces = [fragment(DATA[:1480], 0, True, options=b"\x01\x01\x01\x01"),
              fragment(DATA[1480:2960], 1480, True), fragment(DATA[2960:], 2960, False)]
    for order in ([0, 1, 2], [2, 0, 1], [1, 2, 0]):
        r = Reassembly()
        out = [r.push(pieces[i]) for i in order]
        assert out[:2] == [None, None]
        assert out[2] == whole(DATA)  # header rebuilt: no options, length, checksum
        assert ipv4_checksum(out[2][14:34]) == 0


def test_overlaps_duplicates_and_bad_sizes_drop_the_datagram() -> None:
    r = Reassembly()
    assert r.push(fragment(DATA[:16], 0, True)) is None
    assert r.push(fragment(DATA[8:24], 8, False)) is None  # overlaps the first
    assert r.push(fragment(DATA[16:24], 16, False)) is None  # the datagram is gone
    assert r.dropped == 1
    r = Reassembly()
    r.push(fragment(DATA[16:24], 16, False))
    assert r.push(fragment(DATA[24:32], 24, False)) is None  # a second last fragment
    assert r.push(fragment(DATA[:12], 0, True)) is None  # not a multiple of 8
    assert r.push(fragment(bytes(16), 65520, False)) is None  # beyond 65535
    assert r.dropped == 3


def test_stray_fragments_are_bounded_and_expire() -> None:
    now = [0.0]
    r = Reassembly(clock=lambda: now[0])
    for ident in range(100):
        assert r.push(fragment(DATA[8:16], 8, False, ident=ident)) is None
    assert len(r._queues) == MAX_QUEUES
    now[0] = QUEUE_TTL + 1
    assert r.push(fragment(DATA[:8], 0, True, ident=1000)) is None
    assert len(r._queues) == 1
