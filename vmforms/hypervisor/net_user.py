"""The user-mode network of `vm run --net user`, QEMU's `-netdev user` (libslirp) on
loopback only: no TAP, no root. The guest is 10.0.2.15/24 and reaches the host's
127.0.0.1 at 10.0.2.2, as under QEMU, and nothing else.

libslirp connects a host socket to whatever address the guest names, so the rule is
enforced before it sees a frame: `guest_may_send` passes ARP, IPv4 to the gateway
(which libslirp translates to 127.0.0.1), and DHCP, and drops the rest (other addresses,
the DNS alias 10.0.2.3, broadcasts, IPv6, malformed headers); fragments are reassembled
here first (net_frag.py: libslirp 4.7.0 crashes on a stray one). Every host socket
libslirp opens is also bound to 127.0.0.1 first, so a connection that slipped through
could not leave the host.
Host-to-guest forwards (`hostfwd=tcp:127.0.0.1:8080-:80`) listen on loopback only.
"""

from __future__ import annotations

import collections
import ipaddress
import logging
import os
import re
from dataclasses import dataclass

from vmforms.hypervisor.devices.virtio.net import NetPlan
from vmforms.hypervisor.errors import HypervisorError
from vmforms.hypervisor.net_frag import Reassembly

log = logging.getLogger(__name__)

USER_NETWORK = "10.0.2.0/24"  # QEMU's defaults for -netdev user
USER_HOST = "10.0.2.2"
USER_NAMESERVER = "10.0.2.3"  # served by nothing: DNS is off (it would reach beyond)
USER_GUEST = "10.0.2.15"
LOOPBACK = "127.0.0.1"
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
IPPROTO_UDP = 17
DHCP_SERVER_PORT = 67
MAX_QUEUE = 512  # frames from libslirp waiting for the device
BLOCKED_LOGGED = 1

_HOSTFWD = re.compile(r"(tcp|udp)?:(?P<haddr>[0-9.]*):(?P<hport>\d+)-(?P<gaddr>[0-9.]*)"
                      r":(?P<gport>\d+)")


@dataclass(frozen=True, slots=True)
class HostForward:
    """`hostfwd=[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport`, QEMU's syntax."""

    protocol: str
    host_addr: str
    host_port: int
    guest_addr: str
    guest_port: int

    @classmethod
    def parse(cls, text: str) -> HostForward:
        m = _HOSTFWD.fullmatch(text)
        if m is None:
            raise HypervisorError(f"--net user,hostfwd={text}: expected "
                                  "[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport")
        host_addr = m["haddr"] or LOOPBACK
        guest_addr = m["gaddr"] or USER_GUEST
        try:
            host_ip = ipaddress.IPv4Address(host_addr)
            guest_ip = ipaddress.IPv4Address(guest_addr)
        except ValueError as exc:
            raise HypervisorError(f"--net user,hostfwd={text}: {exc}") from None
        if not host_ip.is_loopback:
            raise HypervisorError(f"--net user,hostfwd={text}: the user network listens on "
                                  "loopback only (127.0.0.1); use --net bridge or tap to "
                                  "reach the guest from other hosts")
        if guest_ip not in ipaddress.IPv4Network(USER_NETWORK) or guest_addr == USER_HOST:
            raise HypervisorError(f"--net user,hostfwd={text}: the guest address must be in "
                                  f"{USER_NETWORK}")
        ports = (int(m["hport"]), int(m["gport"]))
        if not all(0 < p < 65536 for p in ports):
            raise HypervisorError(f"--net user,hostfwd={text}: ports are 1-65535")
        return cls(m.group(1) or "tcp", host_addr, ports[0], guest_addr, ports[1])

    def __str__(self) -> str:
        return (f"{self.protocol}:{self.host_addr}:{self.host_port}"
                f"-{self.guest_addr}:{self.guest_port}")


def parse_user_options(options: list[str]) -> list[HostForward]:
    forwards = []
    for option in options:
        key, eq, value = option.partition("=")
        if key != "hostfwd" or not eq:
            raise HypervisorError(f"--net user: unknown option {option!r} (hostfwd=...)")
        forwards.append(HostForward.parse(value))
    return forwards


_GATEWAY = ipaddress.IPv4Address(USER_HOST).packed
_DHCP_DESTINATIONS = (b"\xff\xff\xff\xff", _GATEWAY,
                      ipaddress.IPv4Network(USER_NETWORK).broadcast_address.packed)


def guest_may_send(frame: bytes) -> bool:
    """Whether a frame from the guest may reach libslirp: ARP, IPv4 to the gateway
    (the host's loopback), and DHCP requests; nothing that names another address."""
    if len(frame) < 14:
        return False
    ethertype = int.from_bytes(frame[12:14], "big")
    if ethertype == ETH_P_ARP:
        return True
    if ethertype != ETH_P_IP or len(frame) < 14 + 20:
        return False
    ip = frame[14:]
    ihl, length = (ip[0] & 0x0F) * 4, int.from_bytes(ip[2:4], "big")
    if ip[0] >> 4 != 4 or ihl < 20 or not ihl <= length <= len(ip):
        return False
    dst = ip[16:20]
    if dst == _GATEWAY:
        return True
    first_fragment = int.from_bytes(ip[6:8], "big") & 0x1FFF == 0
    if ip[9] == IPPROTO_UDP and first_fragment and len(ip) >= ihl + 4 and dst in \
            _DHCP_DESTINATIONS:
        return int.from_bytes(ip[ihl + 2:ihl + 4], "big") == DHCP_SERVER_PORT
    return False


def _destination(frame: bytes) -> str:
    if len(frame) >= 34 and frame[12:14] == b"\x08\x00":
        return f"for {ipaddress.IPv4Address(frame[30:34])}"
    return f"of ethertype {frame[12:14].hex()}" if len(frame) >= 14 else "(runt)"


class UserLink:
    """A FrameLink to a libslirp stack, polled from the board's loop (no thread)."""

    def __init__(self, forwards: list[HostForward]) -> None:
        from vmforms.linux.slirp import Slirp

        self.plan = NetPlan(ipaddress.IPv4Interface(f"{USER_HOST}/24"),
                            ipaddress.IPv4Interface(f"{USER_GUEST}/24"))
        self.forwards = forwards
        self.blocked = 0
        self._reassembly = Reassembly()
        self._frames: collections.deque[bytes] = collections.deque()
        # A vCPU thread's transmit (KVM) can queue replies while the main thread waits.
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            self._slirp = Slirp(network=USER_NETWORK, host=USER_HOST, dhcp_start=USER_GUEST,
                                nameserver=USER_NAMESERVER, on_frame=self._queue,
                                outbound=LOOPBACK)
        except OSError as exc:
            self._close_pipe()
            raise HypervisorError(f"--net user: {exc.strerror}") from exc
        try:
            for fwd in forwards:
                self._slirp.add_hostfwd(fwd.protocol == "udp", fwd.host_addr, fwd.host_port,
                                        fwd.guest_addr, fwd.guest_port)
        except OSError as exc:
            self.close()
            hint = "" if exc.errno else " (is the port in use?)"
            raise HypervisorError(f"--net user: {exc.strerror}{hint}") from exc

    def _queue(self, frame: bytes) -> None:
        if len(self._frames) >= MAX_QUEUE:
            return  # the guest is not taking frames: dropped, as on a wire
        self._frames.append(frame)
        try:
            os.write(self._wake_w, b"\0")
        except BlockingIOError:
            pass

    def send(self, frame: bytes) -> None:
        if guest_may_send(frame):
            whole = self._reassembly.push(frame)
            if whole is not None:
                self._slirp.input(whole)
            return
        self.blocked += 1
        if self.blocked <= BLOCKED_LOGGED:
            log.warning("user network: a frame %s dropped: the guest reaches only the "
                        "host's loopback, at %s", _destination(frame), USER_HOST)

    def recv(self) -> bytes | None:
        if not self._frames:
            self._slirp.poll(0)
        return self._frames.popleft() if self._frames else None

    def wait(self, timeout: float) -> None:
        try:
            os.read(self._wake_r, 4096)
        except BlockingIOError:
            pass
        if not self._frames:
            self._slirp.poll(timeout, (self._wake_r,))

    def close(self) -> None:
        self._slirp.close()
        self._close_pipe()

    def _close_pipe(self) -> None:
        for fd in (self._wake_r, self._wake_w):
            if fd >= 0:
                os.close(fd)
        self._wake_r = self._wake_w = -1

    def describe(self) -> str:
        fwd = "".join(f", forward {f}" for f in self.forwards)
        return (f"user (loopback only): guest {self.plan.guest.with_prefixlen}, host "
                f"{self.plan.host.ip} is the host's {LOOPBACK}{fwd} "
                f"(MAC {self.plan.mac.hex(':')})")
