"""The iptables backend (iptables(8)), for hosts without nft: the same rules as the
nftables table, in chains of the network's own that one jump each hooks in.

nat:    VMF-<bridge>-DNAT  (jumped to from PREROUTING and OUTPUT for local addresses):
        one DNAT rule per published port
        VMF-<bridge>-NAT   (from POSTROUTING): masquerade out of the subnet, of 127/8
        sources leaving through the bridge, and of hairpinned connections
filter: VMF-<bridge>-FWD   (from FORWARD): established, from the bridge, DNAT'ed: accept;
        anything else to the bridge: drop
Each `iptables` run changes one rule, so set-up costs a dozen runs: it happens once per
network; a container start adds one rule per published port.
"""

from __future__ import annotations

from vmforms.container.network.config import Network, NetworkError

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from vmforms.container.network.firewall import PortMapping


def chain(net: Network, suffix: str) -> str:
    return f"VMF-{net.bridge}-{suffix}"


def _hooks(net: Network) -> list[tuple[str, str, list[str]]]:
    """(table, built-in chain, rule) of the jumps into the network's chains."""
    local = ["-m", "addrtype", "--dst-type", "LOCAL"]
    return [("nat", "PREROUTING", [*local, "-j", chain(net, "DNAT")]),
            ("nat", "OUTPUT", [*local, "-j", chain(net, "DNAT")]),
            ("nat", "POSTROUTING", ["-j", chain(net, "NAT")]),
            ("filter", "FORWARD", ["-j", chain(net, "FWD")])]


def _rules(net: Network) -> list[tuple[str, str, list[str]]]:
    br, sub = net.bridge, net.subnet
    nat, fwd = chain(net, "NAT"), chain(net, "FWD")
    return [
        ("nat", nat, ["-s", sub, "!", "-d", sub, "-j", "MASQUERADE"]),
        ("nat", nat, ["-o", br, "-s", "127.0.0.0/8", "-j", "MASQUERADE"]),
        ("nat", nat, ["-o", br, "-s", sub, "-m", "conntrack", "--ctstate", "DNAT",
                      "-j", "MASQUERADE"]),
        ("filter", fwd, ["-o", br, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED",
                         "-j", "ACCEPT"]),
        ("filter", fwd, ["-i", br, "-j", "ACCEPT"]),
        ("filter", fwd, ["-o", br, "-m", "conntrack", "--ctstate", "DNAT", "-j", "ACCEPT"]),
        ("filter", fwd, ["-o", br, "-j", "DROP"]),
    ]


def _port_rule(net: Network, p: PortMapping) -> list[str]:
    return ["-p", p.protocol, *(["-d", p.host_ip] if p.host_ip else []),
            "--dport", str(p.host_port), "-j", "DNAT",
            "--to-destination", f"{p.container_ip}:{p.container_port}"]


class Iptables:
    def __init__(self, iptables: str) -> None:
        self.iptables = iptables

    def _run(self, args: list[str], what: str, check: bool = True) -> bool:
        import subprocess

        proc = subprocess.run([self.iptables, "-w", *args], capture_output=True, timeout=30)
        if proc.returncode != 0 and check:
            detail = proc.stderr.decode(errors="replace").strip().splitlines()
            raise NetworkError(f"iptables: {what}: {detail[0] if detail else 'failed'}")
        return proc.returncode == 0

    def has_network(self, net: Network) -> bool:
        return self._run(["-t", "nat", "-S", chain(net, "DNAT")], "list", check=False)

    def setup_network(self, net: Network) -> None:
        self.teardown_network(net)  # whatever a crash left, replaced whole
        for table, name in (("nat", chain(net, "DNAT")), ("nat", chain(net, "NAT")),
                            ("filter", chain(net, "FWD"))):
            self._run(["-t", table, "-N", name], f"create chain {name}")
        for table, name, rule in _rules(net) + _hooks(net):
            self._run(["-t", table, "-A", name, *rule], f"add rule to {name}")

    def teardown_network(self, net: Network) -> None:
        for table, name, rule in _hooks(net):
            while self._run(["-t", table, "-D", name, *rule], "unhook", check=False):
                pass
        for table, name in (("nat", chain(net, "DNAT")), ("nat", chain(net, "NAT")),
                            ("filter", chain(net, "FWD"))):
            self._run(["-t", table, "-F", name], "flush", check=False)
            self._run(["-t", table, "-X", name], "delete chain", check=False)

    def publish(self, net: Network, ports: list[PortMapping]) -> None:
        for p in ports:
            self._run(["-t", "nat", "-A", chain(net, "DNAT"), *_port_rule(net, p)],
                      f"publish port {p.host_port}/{p.protocol}")

    def unpublish(self, net: Network, ports: list[PortMapping]) -> None:
        for p in ports:  # a rule already gone (the chain was replaced) is no error
            self._run(["-t", "nat", "-D", chain(net, "DNAT"), *_port_rule(net, p)],
                      "unpublish", check=False)
