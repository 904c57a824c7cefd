"""The user-mode network (net_user.py over linux/slirp.py): what a guest may send, the
hostfwd syntax, the --net modes, and libslirp carrying UDP to the host's loopback and back
(ordinary sockets: no root, no VM)."""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator

import pytest

from vmforms.hypervisor.errors import HypervisorError
from vmforms.hypervisor.net import open_link
from vmforms.hypervisor.net_user import HostForward, UserLink, guest_may_send, parse_user_options

GUEST_MAC = bytes.fromhex("52540000020f")


def _checksum(data: bytes) -> int:
    data += b"\0" * (len(data) % 2)
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(dst: str, proto: int, payload: bytes, src: str = "10.0.2.15", frag: int = 0) -> bytes:
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, frag, 64, proto, 0,
                         ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
    return b"\xff" * 6 + GUEST_MAC + b"\x08\x00" + header + payload


def udp(dst: str, dport: int, data: bytes, sport: int = 5000, frag: int = 0) -> bytes:
    return ipv4(dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data,
                frag=frag)


def arp_announce(address: str = "10.0.2.15") -> bytes:
    ip = ipaddress.IPv4Address(address).packed
    return (b"\xff" * 6 + GUEST_MAC + b"\x08\x06"
            + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, GUEST_MAC, ip, b"\xff" * 6, ip))


@pytest.mark.parametrize("frame, allowed", [
    (arp_announce(), True),
    (udp("10.0.2.2", 8080, b"x"), True),  # the gateway: the host's 127.0.0.1
    (ipv4("10.0.2.2", 6, bytes(20)), True),
    (udp("255.255.255.255", 67, b"dhcp"), True),
    (udp("10.0.2.3", 53, b"dns"), False),  # the DNS alias would reach the host's resolver
    (udp("192.0.2.2", 8080, b"x"), False),
    (ipv4("8.8.8.8", 6, bytes(20)), False),
    (ipv4("10.0.2.3", 1, bytes(8)), False),
    (udp("255.255.255.255", 8080, b"x"), False),
    (udp("255.255.255.255", 67, b"x", frag=5), False),  # a later fragment has no port
    (b"\xff" * 6 + GUEST_MAC + b"\x86\xdd" + bytes(40), False),  # IPv6
    (b"\xff" * 13, False),
    (b"\xff" * 12 + b"\x08\x00" + b"\x45" + bytes(10), False),  # a truncated IPv4 header
])
def test_guest_may_send_only_to_the_gateway(frame: bytes, allowed: bool) -> None:
    assert guest_may_send(frame) is allowed


def test_hostfwd_takes_qemus_syntax_on_loopback_only() -> None:
    assert HostForward.parse("tcp:127.0.0.1:8080-:80") == HostForward(
        "tcp", "127.0.0.1", 8080, "10.0.2.15", 80)
    assert HostForward.parse("udp::5353-10.0.2.16:53") == HostForward(
        "udp", "127.0.0.1", 5353, "10.0.2.16", 53)
    assert str(HostForward.parse(":127.0.0.2:1-:2")) == "tcp:127.0.0.2:1-10.0.2.15:2"
    for bad, why in [("tcp:0.0.0.0:8080-:80", "loopback only"),
                     ("tcp:192.0.2.2:8080-:80", "loopback only"),
                     ("tcp:127.0.0.1:8080-192.0.2.9:80", "must be in"),
                     ("tcp:127.0.0.1:0-:80", "1-65535"),
                     ("tcp:127.0.0.1:99999-:80", "1-65535"),
                     ("sctp:127.0.0.1:1-:2", "expected"),
                     ("tcp:127.0.0.1:8080", "expected"),
                     ("tcp:300.0.0.1:1-:2", "300")]:
        with pytest.raises(HypervisorError, match=why):
            HostForward.parse(bad)
    with pytest.raises(HypervisorError, match="unknown option"):
        parse_user_options(["restrict=on"])


@pytest.mark.parametrize("spec", ["bogus", "tap,x", "user=3", "bridge,hostfwd=::1-:2",
                                  "auto=x", "bridge="])
def test_unknown_net_modes_are_one_line_errors(spec: str) -> None:
    with pytest.raises(HypervisorError, match="--net"):
        open_link(spec)


@pytest.fixture
def link() -> Iterator[UserLink]:
    from vmforms.linux import slirp

    try:
        slirp.library()
    except OSError as exc:
        pytest.skip(str(exc))
    made = UserLink([])
    yield made
    made.close()


def _next_frame(link: UserLink, tries: int = 100) -> bytes:
    for _ in range(tries):
        link.wait(0.02)
        frame = link.recv()
        if frame is not None:
            return frame
    raise AssertionError("no frame from the user network")


def test_udp_to_the_gateway_reaches_loopback_and_comes_back(link: UserLink) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        server.settimeout(5)
        link.send(arp_announce())
        link.send(udp("10.0.2.2", server.getsockname()[1], b"hello", sport=5000))
        data, peer = server.recvfrom(64)
        assert data == b"hello" and peer[0] == "127.0.0.1"
        server.sendto(b"back", peer)
        frame = _next_frame(link)
    assert frame[:6] == GUEST_MAC and frame[12:14] == b"\x08\x00"
    assert frame[26:30] == ipaddress.IPv4Address("10.0.2.2").packed  # from the gateway
    assert frame[30:34] == ipaddress.IPv4Address("10.0.2.15").packed
    assert struct.unpack("!H", frame[36:38])[0] == 5000 and frame.endswith(b"back")


def test_a_frame_for_beyond_loopback_never_reaches_a_socket(link: UserLink) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("0.0.0.0", 0))
        server.setblocking(False)
        link.send(arp_announce())
        link.send(udp("10.0.2.3", server.getsockname()[1], b"out"))
        link.wait(0.1)
        link.recv()
        with pytest.raises(BlockingIOError):
            server.recvfrom(64)
    assert link.blocked == 1


def test_a_host_forward_opens_a_connection_to_the_guest() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        link = UserLink([HostForward("tcp", "127.0.0.1", port, "10.0.2.15", 80)])
    except HypervisorError as exc:
        pytest.skip(str(exc))
    try:
        link.send(arp_announce())
        client = socket.create_connection(("127.0.0.1", port), timeout=5)
        with client:
            frame = _next_frame(link)
            assert frame[23] == 6  # TCP
            assert frame[30:34] == ipaddress.IPv4Address("10.0.2.15").packed
            dport, flags = struct.unpack("!H", frame[36:38])[0], frame[47]
            assert dport == 80 and flags & 0x02  # a SYN to the guest's port 80
        with pytest.raises(HypervisorError, match="in use"):
            UserLink([HostForward("tcp", "127.0.0.1", port, "10.0.2.15", 80)])
    finally:
        link.close()
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))  # the forward's socket went with the stack


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_the_user_network_needs_no_root(link: UserLink) -> None:
    """The same round trip in a process of uid 65534 (no capabilities at all)."""
    code = (
        "import socket\n"
        "from vmforms.hypervisor.net_user import UserLink\n"
        "link = UserLink([])\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0))\n"
        "s.settimeout(5)\n"
        f"link.send(bytes.fromhex({arp_announce().hex()!r}))\n"
        f"frame = bytes.fromhex({udp('10.0.2.2', 1, b'hi').hex()!r})\n"
        "port = s.getsockname()[1]\n"
        "frame = frame[:36] + port.to_bytes(2, 'big') + frame[38:]\n"
        "link.send(frame)\n"
        "print(s.recvfrom(16)[0].decode(), link.blocked)\n"
        "link.close()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, user=65534, group=65534, extra_groups=[],
                          cwd="/", env={"PATH": "/usr/bin:/bin", "PYTHONPATH": _source()})
    assert proc.stdout == "hi 0\n", proc.stderr


def _source() -> str:
    import vmforms

    return os.path.dirname(os.path.dirname(vmforms.__file__))


def arp_request(target: str) -> bytes:
    return (b"\xff" * 6 + GUEST_MAC + b"\x08\x06"
            + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, GUEST_MAC,
                          ipaddress.IPv4Address("10.0.2.15").packed, bytes(6),
                          ipaddress.IPv4Address(target).packed))


def test_a_reply_made_in_another_thread_ends_the_wait(link: UserLink) -> None:
    """On KVM a vCPU thread transmits while the main thread waits: libslirp answers an ARP
    request inside slirp_input, in the vCPU thread, and the wait must end at once."""
    import threading
    import time

    sender = threading.Timer(0.2, link.send, (arp_request("10.0.2.2"),))
    start = time.monotonic()
    sender.start()
    link.wait(10.0)
    sender.join()
    assert time.monotonic() - start < 2.0
    reply = link.recv()
    assert reply is not None and reply[12:14] == b"\x08\x06" and reply[20:22] == b"\x00\x02"
    assert reply[28:32] == ipaddress.IPv4Address("10.0.2.2").packed  # "10.0.2.2 is at ..."


def test_dhcp_offers_the_guest_its_address(link: UserLink) -> None:
    """A guest that configures itself by DHCP (a Debian guest) gets QEMU's 10.0.2.15."""
    bootp = (struct.pack("!BBBBIHH4s4s4s4s16s", 1, 1, 6, 0, 0x1234, 0, 0x8000, bytes(4),
                         bytes(4), bytes(4), bytes(4), GUEST_MAC.ljust(16, b"\0"))
             + bytes(192) + b"\x63\x82\x53\x63" + b"\x35\x01\x01\xff")  # DHCPDISCOVER
    discover = bytearray(udp("255.255.255.255", 67, bootp, sport=68))
    discover[26:30] = bytes(4)  # from 0.0.0.0
    discover[24:26] = b"\0\0"
    discover[24:26] = struct.pack("!H", _checksum(bytes(discover[14:34])))
    assert guest_may_send(bytes(discover))
    link.send(bytes(discover))
    offer = _next_frame(link)
    assert offer[23] == 17 and struct.unpack("!H", offer[36:38])[0] == 68
    yiaddr = offer[42 + 16:42 + 20]
    assert ipaddress.IPv4Address(yiaddr) == ipaddress.IPv4Address("10.0.2.15")


def test_garbage_for_the_gateway_leaves_the_stack_working(link: UserLink) -> None:
    """A hostile guest's malformed IPv4 for 10.0.2.2 (bad lengths, options, fragments, odd
    protocols; no TCP or UDP, which would reach real services on this host's loopback)
    reaches libslirp and leaves it answering."""
    import random

    rng = random.Random(17)
    for _ in range(2000):
        proto = rng.choice((1, 2, 47, 89, 255))
        frame = bytearray(ipv4("10.0.2.2", proto, rng.randbytes(rng.randrange(0, 600)),
                               frag=rng.choice((0, 0x2000, 0x2001, rng.randrange(0x10000)))))
        if rng.random() < 0.3:
            frame[14] = 0x40 | rng.randrange(5, 16)  # header length with options or beyond
        if rng.random() < 0.3:
            frame[16:18] = rng.randrange(0x10000).to_bytes(2, "big")  # total length
        if rng.random() < 0.2:
            del frame[rng.randrange(14, len(frame)):]
        link.send(bytes(frame))
        if rng.random() < 0.05:
            link.recv()
    while link.recv() is not None:
        pass
    link.send(arp_request("10.0.2.2"))
    reply = _next_frame(link)
    assert reply[12:14] == b"\x08\x06" and reply[28:32] == bytes([10, 0, 2, 2])


def test_a_fragmented_ping_of_the_gateway_is_answered(link: UserLink) -> None:
    """ping -s 3000: the guest's fragments are reassembled before libslirp (which crashes
    on a stray later fragment) and its echo reply comes back."""
    echo = bytearray(struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1) + bytes(range(250)) * 12)
    echo[2:4] = _checksum(bytes(echo)).to_bytes(2, "big")
    link.send(arp_announce())
    for offset in range(0, len(echo), 1480):
        piece = echo[offset:offset + 1480]
        more = 0x2000 if offset + 1480 < len(echo) else 0
        link.send(ipv4("10.0.2.2", 1, bytes(piece), frag=more | offset // 8))
    link.send(ipv4("10.0.2.2", 1, bytes(16), frag=0x2000 | 500))  # stray, for nothing
    reply = _next_frame(link)
    assert reply[23] == 1 and reply[34] == 0  # ICMP echo reply, its first fragment
    assert struct.unpack("!H", reply[38:40])[0] == 0x4242
