"""rtnetlink: links, addresses and routes (Linux Documentation/networking, rtnetlink(7)).

Just the messages the container networks need: bridges, veth pairs whose peer is born in
another network namespace, addresses, a default route, links up and down. A netlink socket
stays bound to the network namespace it was opened in, whatever namespace its owner moves
to later; that is how one process configures both sides of a veth pair.

The socket is opened through libc and driven with os.read/os.write (a netlink socket with
no bound peer talks to the kernel), which keeps the `socket` import off the start path.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import struct

from vmforms.linux.libc import check, libc

AF_NETLINK = 16
AF_INET = 2
AF_UNSPEC = 0
SOCK_RAW = 3
SOCK_CLOEXEC = 0o2000000
NETLINK_ROUTE = 0

NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400

RTM_NEWLINK = 16
RTM_DELLINK = 17
RTM_GETLINK = 18
RTM_NEWADDR = 20
RTM_GETADDR = 22
RTM_NEWROUTE = 24

IFLA_ADDRESS = 1
IFLA_IFNAME = 3
IFLA_MTU = 4
IFLA_MASTER = 10
IFLA_LINKINFO = 18
IFLA_NET_NS_FD = 28
IFLA_INFO_KIND = 1
IFLA_INFO_DATA = 2
VETH_INFO_PEER = 1
NLA_F_NESTED = 0x8000

IFA_ADDRESS = 1
IFA_LOCAL = 2
IFA_BROADCAST = 4

RTA_GATEWAY = 5
RT_TABLE_MAIN = 254
RTPROT_BOOT = 3
RT_SCOPE_UNIVERSE = 0
RTN_UNICAST = 1

IFF_UP = 0x1
IFNAMSIZ = 16

_NLMSGHDR = struct.Struct("=IHHII")
_IFINFOMSG = struct.Struct("=BxHiII")
_IFADDRMSG = struct.Struct("=BBBBI")
_RTMSG = struct.Struct("=BBBBBBBBI")
_RTATTR = struct.Struct("=HH")
_ERRMSG = struct.Struct("=i")
_RECV_SIZE = 1 << 16
_NAMES = {RTM_NEWLINK: "RTM_NEWLINK", RTM_DELLINK: "RTM_DELLINK", RTM_GETLINK: "RTM_GETLINK",
          RTM_NEWADDR: "RTM_NEWADDR", RTM_GETADDR: "RTM_GETADDR",
          RTM_NEWROUTE: "RTM_NEWROUTE"}


def _align(n: int) -> int:
    return (n + 3) & ~3


def attr(kind: int, payload: bytes) -> bytes:
    """One rtattr: length, type, payload, padded to 4 bytes."""
    size = _RTATTR.size + len(payload)
    return _RTATTR.pack(size, kind) + payload + b"\0" * (_align(size) - size)


def attr_str(kind: int, text: str) -> bytes:
    return attr(kind, text.encode() + b"\0")


def attr_u32(kind: int, value: int) -> bytes:
    return attr(kind, struct.pack("=I", value))


def nested(kind: int, *parts: bytes) -> bytes:
    return attr(kind | NLA_F_NESTED, b"".join(parts))


def parse_attrs(data: bytes) -> dict[int, bytes]:
    """rtattrs of a message body by type (the last one wins), the nested flag cleared."""
    out: dict[int, bytes] = {}
    pos = 0
    while pos + _RTATTR.size <= len(data):
        size, kind = _RTATTR.unpack_from(data, pos)
        if size < _RTATTR.size or pos + size > len(data):
            break
        out[kind & ~NLA_F_NESTED] = data[pos + _RTATTR.size:pos + size]
        pos += _align(size)
    return out


def parse_messages(data: bytes) -> list[tuple[int, int, bytes]]:
    """(type, seq, body) of each netlink message in one datagram."""
    out = []
    pos = 0
    while pos + _NLMSGHDR.size <= len(data):
        size, kind, _flags, seq, _pid = _NLMSGHDR.unpack_from(data, pos)
        if size < _NLMSGHDR.size or pos + size > len(data):
            break
        out.append((kind, seq, data[pos + _NLMSGHDR.size:pos + size]))
        pos += _align(size)
    return out


def check_ifname(name: str) -> str:
    if not name or len(name.encode()) >= IFNAMSIZ or "/" in name or name in (".", "..") \
            or any(c.isspace() or c == ":" for c in name):
        raise OSError(errno.EINVAL, f"invalid interface name {name!r}")
    return name


def mac_bytes(mac: str) -> bytes:
    parts = mac.split(":")
    if len(parts) != 6:
        raise OSError(errno.EINVAL, f"invalid MAC address {mac!r}")
    return bytes(int(p, 16) for p in parts)


class Rtnl:
    """A NETLINK_ROUTE socket in the network namespace the caller is in when opening it."""

    def __init__(self) -> None:
        self.fd = check("socket", "AF_NETLINK", libc.socket, AF_NETLINK,
                        SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)
        self.seq = 0

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> Rtnl:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _send(self, kind: int, flags: int, body: bytes) -> int:
        self.seq += 1
        os.write(self.fd, _NLMSGHDR.pack(_NLMSGHDR.size + len(body), kind,
                                         flags | NLM_F_REQUEST, self.seq, 0) + body)
        return self.seq

    def request(self, kind: int, body: bytes, flags: int = 0, what: str = "") -> None:
        """Send one request and wait for its acknowledgement; raise OSError on a NACK."""
        seq = self._send(kind, flags | NLM_F_ACK, body)
        while True:
            for mtype, mseq, payload in parse_messages(os.read(self.fd, _RECV_SIZE)):
                if mseq != seq or mtype != NLMSG_ERROR:
                    continue
                (err,) = _ERRMSG.unpack_from(payload)
                if err:
                    raise OSError(-err, f"netlink {_NAMES.get(kind, kind)} {what!r}: "
                                        f"{os.strerror(-err)}")
                return

    def dump(self, kind: int, body: bytes) -> list[tuple[int, bytes]]:
        """A dump request: every (type, body) answered until NLMSG_DONE."""
        seq = self._send(kind, NLM_F_DUMP, body)
        out: list[tuple[int, bytes]] = []
        while True:
            for mtype, mseq, payload in parse_messages(os.read(self.fd, _RECV_SIZE)):
                if mseq != seq:
                    continue
                if mtype == NLMSG_DONE:
                    return out
                if mtype == NLMSG_ERROR:
                    (err,) = _ERRMSG.unpack_from(payload)
                    if err:
                        raise OSError(-err, f"netlink dump {_NAMES.get(kind, kind)}: "
                                            f"{os.strerror(-err)}")
                    continue
                out.append((mtype, payload))

    # --- links ---------------------------------------------------------------------------

    def links(self) -> dict[str, int]:
        """Every link of the namespace: name -> index."""
        found = {}
        for _kind, body in self.dump(RTM_GETLINK, _IFINFOMSG.pack(AF_UNSPEC, 0, 0, 0, 0)):
            _fam, _type, index, _flags, _change = _IFINFOMSG.unpack_from(body)
            attrs = parse_attrs(body[_IFINFOMSG.size:])
            if IFLA_IFNAME in attrs:
                found[attrs[IFLA_IFNAME].rstrip(b"\0").decode(errors="replace")] = index
        return found

    def link_index(self, name: str) -> int | None:
        body = _IFINFOMSG.pack(AF_UNSPEC, 0, 0, 0, 0) + attr_str(IFLA_IFNAME, check_ifname(name))
        seq = self._send(RTM_GETLINK, 0, body)
        while True:
            for mtype, mseq, payload in parse_messages(os.read(self.fd, _RECV_SIZE)):
                if mseq != seq:
                    continue
                if mtype == NLMSG_ERROR:
                    (err,) = _ERRMSG.unpack_from(payload)
                    if -err == errno.ENODEV:
                        return None
                    raise OSError(-err, f"netlink RTM_GETLINK {name!r}: {os.strerror(-err)}")
                if mtype == RTM_NEWLINK:
                    return int(_IFINFOMSG.unpack_from(payload)[2])

    def add_bridge(self, name: str, mac: str | None = None) -> None:
        body = (_IFINFOMSG.pack(AF_UNSPEC, 0, 0, 0, 0) + attr_str(IFLA_IFNAME, check_ifname(name))
                + (attr(IFLA_ADDRESS, mac_bytes(mac)) if mac else b"")
                + nested(IFLA_LINKINFO, attr_str(IFLA_INFO_KIND, "bridge")))
        self.request(RTM_NEWLINK, body, NLM_F_CREATE | NLM_F_EXCL, name)

    def add_veth(self, name: str, peer: str, *, peer_netns_fd: int, peer_mac: str | None = None,
                 master: int | None = None, mtu: int | None = None) -> None:
        """A veth pair: `name` here (enslaved to `master`), `peer` born in the namespace open
        on `peer_netns_fd`."""
        peer_msg = (_IFINFOMSG.pack(AF_UNSPEC, 0, 0, 0, 0) + attr_str(IFLA_IFNAME,
                                                                      check_ifname(peer))
                    + attr_u32(IFLA_NET_NS_FD, peer_netns_fd)
                    + (attr(IFLA_ADDRESS, mac_bytes(peer_mac)) if peer_mac else b"")
                    + (attr_u32(IFLA_MTU, mtu) if mtu else b""))
        body = (_IFINFOMSG.pack(AF_UNSPEC, 0, 0, 0, 0) + attr_str(IFLA_IFNAME, check_ifname(name))
                + (attr_u32(IFLA_MASTER, master) if master else b"")
                + (attr_u32(IFLA_MTU, mtu) if mtu else b"")
                + nested(IFLA_LINKINFO, attr_str(IFLA_INFO_KIND, "veth"),
                         nested(IFLA_INFO_DATA, attr(VETH_INFO_PEER, peer_msg))))
        self.request(RTM_NEWLINK, body, NLM_F_CREATE | NLM_F_EXCL, name)

    def set_master(self, index: int, master: int, what: str = "") -> None:
        """Enslave link `index` to `master` (a port of a bridge)."""
        body = _IFINFOMSG.pack(AF_UNSPEC, 0, index, 0, 0) + attr_u32(IFLA_MASTER, master)
        self.request(RTM_NEWLINK, body, 0, what or str(index))

    def set_up(self, index: int, what: str = "") -> None:
        body = _IFINFOMSG.pack(AF_UNSPEC, 0, index, IFF_UP, IFF_UP)
        self.request(RTM_NEWLINK, body, 0, what or str(index))

    def delete_link(self, name: str) -> bool:
        """Delete a link by name; False if there was none."""
        body = _IFINFOMSG.pack(AF_UNSPEC, 0, 0, 0, 0) + attr_str(IFLA_IFNAME, check_ifname(name))
        try:
            self.request(RTM_DELLINK, body, 0, name)
        except OSError as exc:
            if exc.errno == errno.ENODEV:
                return False
            raise
        return True

    # --- addresses and routes ----------------------------------------------------------------

    def add_address(self, index: int, address: str, prefixlen: int, what: str = "") -> None:
        ip = ipaddress.IPv4Address(address)
        net = ipaddress.IPv4Network(f"{ip}/{prefixlen}", strict=False)
        body = (_IFADDRMSG.pack(AF_INET, prefixlen, 0, RT_SCOPE_UNIVERSE, index)
                + attr(IFA_LOCAL, ip.packed) + attr(IFA_ADDRESS, ip.packed)
                + (attr(IFA_BROADCAST, net.broadcast_address.packed) if prefixlen < 31 else b""))
        self.request(RTM_NEWADDR, body, NLM_F_CREATE | NLM_F_EXCL, what or address)

    def addresses(self) -> list[tuple[int, str, int]]:
        """Every IPv4 address of the namespace: (link index, address, prefix length)."""
        out = []
        for _kind, body in self.dump(RTM_GETADDR, _IFADDRMSG.pack(AF_INET, 0, 0, 0, 0)):
            _fam, prefixlen, _flags, _scope, index = _IFADDRMSG.unpack_from(body)
            attrs = parse_attrs(body[_IFADDRMSG.size:])
            raw = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)
            if raw is not None and len(raw) == 4:
                out.append((index, str(ipaddress.IPv4Address(raw)), prefixlen))
        return out

    def add_default_route(self, gateway: str) -> None:
        body = (_RTMSG.pack(AF_INET, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE,
                            RTN_UNICAST, 0)
                + attr(RTA_GATEWAY, ipaddress.IPv4Address(gateway).packed))
        self.request(RTM_NEWROUTE, body, NLM_F_CREATE | NLM_F_EXCL, f"default via {gateway}")
