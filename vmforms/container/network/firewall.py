"""NAT, forwarding and published ports in nftables (nft(8)): one table per network.

The table of a network holds everything it needs, so removing the network is one
`delete table`: masquerade for what leaves the subnet, forwarding for the bridge, and two
maps of published ports that the DNAT rules look up (any host address, and one address).
A container's ports are map elements, added at start and deleted at stop, so a start
costs one `nft` run and never touches a rule.

Connections to 127.0.0.1 reach a container without a userland proxy: the output chain
DNATs them, the bridge gets route_localnet (so the kernel routes a 127/8 source out of
it) and the postrouting chain masquerades that source to the bridge's address, which is
how netavark does it. See docs/containers.md for the comparison with docker-proxy.
"""

from __future__ import annotations

import os

from vmforms.container.network.config import Network, NetworkError
from vmforms.record import record

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Protocol

    class Firewall(Protocol):
        def setup_network(self, net: Network) -> None: ...
        def teardown_network(self, net: Network) -> None: ...
        def publish(self, net: Network, ports: list[PortMapping]) -> None: ...
        def unpublish(self, net: Network, ports: list[PortMapping]) -> None: ...
        def has_network(self, net: Network) -> bool: ...


@record
class PortMapping:
    """One published port: host (address, port) -> container (address, port)."""

    protocol: str  # tcp or udp
    host_ip: str  # "" for every host address
    host_port: int
    container_ip: str
    container_port: int


def table_name(net: Network) -> str:
    return "vmforms_" + net.bridge.replace("-", "_").replace(".", "_")


def _dnat_rules() -> str:
    return ("    fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @ports_ip\n"
            "    fib daddr type local dnat ip to meta l4proto . th dport map @ports\n")


def ruleset(net: Network) -> str:
    """The table of a network, in nft's own syntax."""
    t, br, sub = table_name(net), net.bridge, net.subnet
    return (
        f"table ip {t} {{\n"
        "  map ports { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
        "  map ports_ip { type ipv4_addr . inet_proto . inet_service : "
        "ipv4_addr . inet_service; }\n"
        "  chain prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
        f"{_dnat_rules()}  }}\n"
        "  chain output { type nat hook output priority -100; policy accept;\n"
        f"{_dnat_rules()}  }}\n"
        "  chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
        f"    ip saddr {sub} ip daddr != {sub} masquerade\n"
        f'    oifname "{br}" ip saddr 127.0.0.0/8 masquerade\n'
        f'    oifname "{br}" ip saddr {sub} ct status dnat masquerade\n'
        "  }\n"
        "  chain forward { type filter hook forward priority filter; policy accept;\n"
        f'    oifname "{br}" ct state established,related accept\n'
        f'    iifname "{br}" accept\n'
        f'    oifname "{br}" ct status dnat accept\n'
        f'    oifname "{br}" drop\n'
        "  }\n"
        "}\n")


def _element(p: PortMapping, with_value: bool) -> str:
    key = (f"{p.host_ip} . " if p.host_ip else "") + f"{p.protocol} . {p.host_port}"
    return key + (f" : {p.container_ip} . {p.container_port}" if with_value else "")


def _port_commands(verb: str, net: Network, ports: list[PortMapping]) -> str:
    lines = []
    for p in ports:
        which = "ports_ip" if p.host_ip else "ports"
        lines.append(f"{verb} element ip {table_name(net)} {which} "
                     f"{{ {_element(p, verb == 'add')} }}\n")
    return "".join(lines)


class Nftables:
    """The nftables backend, through the `nft` command (one run per change)."""

    def __init__(self, nft: str) -> None:
        self.nft = nft

    def _run(self, script: str, what: str, check: bool = True) -> bool:
        import subprocess  # only here: its import costs every container start milliseconds

        proc = subprocess.run([self.nft, "-f", "-"], input=script.encode(),
                              capture_output=True, timeout=30)
        if proc.returncode != 0 and check:
            detail = proc.stderr.decode(errors="replace").strip().splitlines()
            raise NetworkError(f"nftables: {what}: {detail[0] if detail else 'failed'}")
        return proc.returncode == 0

    def has_network(self, net: Network) -> bool:
        import subprocess

        proc = subprocess.run([self.nft, "list", "table", "ip", table_name(net)],
                              capture_output=True, timeout=30)
        return proc.returncode == 0

    def setup_network(self, net: Network) -> None:
        # Delete first, so a table left by a crash is replaced whole; `add table` makes
        # sure the delete has something to delete.
        t = table_name(net)
        self._run(f"add table ip {t}\ndelete table ip {t}\n{ruleset(net)}",
                  f"set up table {t} of network {net.name}")

    def teardown_network(self, net: Network) -> None:
        t = table_name(net)
        self._run(f"add table ip {t}\ndelete table ip {t}\n", f"delete table {t}")

    def publish(self, net: Network, ports: list[PortMapping]) -> None:
        if ports:
            self._run(_port_commands("add", net, ports), f"publish ports on {net.name}")

    def unpublish(self, net: Network, ports: list[PortMapping]) -> None:
        if not ports:
            return
        script = _port_commands("delete", net, ports)
        if self._run(script, "unpublish", check=False):
            return
        # One element already gone (the table was replaced) fails the whole batch.
        for line in script.splitlines(keepends=True):
            self._run(line, "unpublish", check=False)


def _which(name: str) -> str | None:
    dirs = os.environ.get("PATH", "").split(":") + ["/usr/sbin", "/sbin"]
    for d in dirs:
        path = os.path.join(d or ".", name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


BACKENDS = ("nftables", "iptables")


def backend(net: Network) -> Firewall:
    """The network's firewall backend: the one its config names, else nftables where the
    nft command exists, else iptables."""
    nft = _which("nft") if net.firewall in ("", "nftables") else None
    if nft is not None:
        return Nftables(nft)
    iptables = _which("iptables") if net.firewall in ("", "iptables") else None
    if iptables is not None:
        from vmforms.container.network.iptables import Iptables

        return Iptables(iptables)
    raise NetworkError(f"network {net.name}: no firewall command found for "
                       f"{net.firewall or 'nftables or iptables'}: `apt-get install nftables` "
                       "(or run with --network none or host)")
