"""Published ports: Docker's `-p [IP:][HOST:]CTR[/PROTO]` (and ranges) and `-P`, kept as
Docker's HostConfig.PortBindings, and the host ports held while the container runs.

As podman's conmon does, the container's monitor binds every published host port (and
keeps the sockets, never listening): a port some other process holds is an error before
the container starts, and no other process can take it while the container runs. The
traffic itself goes through DNAT (firewall.py) and never reaches these sockets.
"""

from __future__ import annotations

import errno
import ipaddress

from vmforms.container.errors import InvalidOption
from vmforms.container.network.config import NetworkError

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    import socket

    from vmforms.container.network.firewall import PortMapping

MAX_RANGE = 1024
# PortBindings: "80/tcp" -> [{"HostIp": "", "HostPort": "8080"}]
Bindings = dict[str, list[dict[str, str]]]


def _port_range(text: str, what: str, spec: str) -> tuple[int, int]:
    lo_text, sep, hi_text = text.partition("-")
    try:
        lo = int(lo_text)
        hi = int(hi_text) if sep else lo
    except ValueError:
        raise InvalidOption(f"invalid {what} port: {text!r} in {spec!r}") from None
    if not (1 <= lo <= hi <= 65535) or hi - lo >= MAX_RANGE:
        raise InvalidOption(f"invalid {what} port range: {text!r} in {spec!r}")
    return lo, hi


def parse_publish(spec: str, into: Bindings) -> None:
    """Add one `-p` value to the bindings (Docker's nat.ParsePortSpec)."""
    rest, _, proto = spec.partition("/")
    proto = proto or "tcp"
    if proto not in ("tcp", "udp"):
        raise InvalidOption(f"invalid proto: {proto}")
    host_ip = ""
    if rest.startswith("["):
        raise InvalidOption(f"IPv6 host addresses are not supported: {spec!r}")
    parts = rest.split(":")
    if len(parts) == 3:
        host_ip, host, ctr = parts
    elif len(parts) == 2:
        host, ctr = parts
    elif len(parts) == 1:
        host, ctr = "", parts[0]
    else:
        raise InvalidOption(f"invalid port format: {spec!r}")
    if host_ip:
        try:
            ip = ipaddress.IPv4Address(host_ip)
        except ValueError:
            raise InvalidOption(f"invalid IP address: {host_ip}") from None
        host_ip = "" if ip.is_unspecified else str(ip)
    c_lo, c_hi = _port_range(ctr, "container", spec)
    if host:
        h_lo, h_hi = _port_range(host, "host", spec)
        if h_hi - h_lo != c_hi - c_lo and not (c_lo == c_hi):
            raise InvalidOption(f"invalid ranges specified for container and host ports: "
                                f"{spec!r}")
    for i, port in enumerate(range(c_lo, c_hi + 1)):
        host_port = ""
        if host:
            host_port = str(h_lo + i) if h_hi - h_lo == c_hi - c_lo else f"{h_lo}-{h_hi}"
        into.setdefault(f"{port}/{proto}", []).append({"HostIp": host_ip,
                                                       "HostPort": host_port})


def parse_all(specs: list[str], publish_all: bool, exposed: tuple[str, ...]) -> Bindings:
    out: Bindings = {}
    for spec in specs:
        parse_publish(spec, out)
    if publish_all:
        for key in exposed:
            port, _, proto = key.partition("/")
            out.setdefault(f"{port}/{proto or 'tcp'}", [{"HostIp": "", "HostPort": ""}])
    return out


def _bind(proto: str, host_ip: str, port: int) -> socket.socket:
    import socket

    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    sock = socket.socket(socket.AF_INET, kind | socket.SOCK_CLOEXEC)
    try:
        sock.bind((host_ip or "0.0.0.0", port))
    except BaseException:
        sock.close()
        raise
    return sock


def reserve(bindings: Bindings, container_ip: str
            ) -> tuple[list[PortMapping], list[socket.socket]]:
    """Bind every host port of `bindings` (a free one where none is given); the mappings
    and the sockets that hold the ports. Raises if a port is taken."""
    from vmforms.container.network.firewall import PortMapping

    mappings: list[PortMapping] = []
    held: list[socket.socket] = []
    try:
        for key, entries in bindings.items():
            port_text, _, proto = key.partition("/")
            for entry in entries:
                host_ip = entry.get("HostIp", "")
                wanted = entry.get("HostPort", "")
                lo, _, hi = wanted.partition("-")
                candidates = range(int(lo), int(hi or lo) + 1) if lo else range(0, 1)
                sock = None
                for candidate in candidates:
                    try:
                        sock = _bind(proto, host_ip, candidate)
                        break
                    except OSError as exc:
                        if exc.errno != errno.EADDRINUSE:
                            raise NetworkError(f"Bind for {host_ip or '0.0.0.0'}:{candidate} "
                                               f"failed: {exc.strerror}") from None
                if sock is None:
                    raise NetworkError(f"Bind for {host_ip or '0.0.0.0'}:{wanted} failed: "
                                       "port is already allocated")
                held.append(sock)
                mappings.append(PortMapping(proto, host_ip, sock.getsockname()[1],
                                            container_ip, int(port_text)))
    except BaseException:
        for sock in held:
            sock.close()
        raise
    return mappings, held


def settings(mappings: list[dict[str, object]], bindings: Bindings) -> dict[str, object]:
    """NetworkSettings.Ports as Docker shows it: every bound or exposed port, None when
    not published."""
    out: dict[str, object] = {key: None for key in bindings}
    for m in mappings:
        key = f"{m['container_port']}/{m['protocol']}"
        entry = {"HostIp": str(m["host_ip"] or "0.0.0.0"), "HostPort": str(m["host_port"])}
        existing = out.get(key)
        if isinstance(existing, list):
            existing.append(entry)
        else:
            out[key] = [entry]
    return out
