"""The nftables table of a network and the port elements of a container."""

from __future__ import annotations

from vmforms.container.network import firewall
from vmforms.container.network.config import Network

NET = Network("bridge", "ab" * 32, "vmforms0", "10.89.0.0/16", "10.89.0.1")


def test_ruleset_names_the_bridge_and_subnet() -> None:
    text = firewall.ruleset(NET)
    assert text.startswith("table ip vmforms_vmforms0 {")
    assert "ip saddr 10.89.0.0/16 ip daddr != 10.89.0.0/16 masquerade" in text
    assert 'oifname "vmforms0" ip saddr 127.0.0.0/8 masquerade' in text
    assert text.count("dnat ip to") == 4  # prerouting and output, any and one address


def test_port_elements() -> None:
    ports = [firewall.PortMapping("tcp", "", 8080, "10.89.0.2", 80),
             firewall.PortMapping("udp", "127.0.0.1", 5353, "10.89.0.2", 53)]
    add = firewall._port_commands("add", NET, ports)
    assert add == ("add element ip vmforms_vmforms0 ports { tcp . 8080 : 10.89.0.2 . 80 }\n"
                   "add element ip vmforms_vmforms0 ports_ip "
                   "{ 127.0.0.1 . udp . 5353 : 10.89.0.2 . 53 }\n")
    delete = firewall._port_commands("delete", NET, ports)
    assert "delete element ip vmforms_vmforms0 ports { tcp . 8080 }" in delete


def test_iptables_rules_mirror_the_table() -> None:
    from vmforms.container.network import iptables

    rules = iptables._rules(NET)
    assert ("nat", "VMF-vmforms0-NAT", ["-s", "10.89.0.0/16", "!", "-d", "10.89.0.0/16",
                                         "-j", "MASQUERADE"]) in rules
    assert rules[-1] == ("filter", "VMF-vmforms0-FWD", ["-o", "vmforms0", "-j", "DROP"])
    hooks = iptables._hooks(NET)
    assert [h[1] for h in hooks] == ["PREROUTING", "OUTPUT", "POSTROUTING", "FORWARD"]
    port = firewall.PortMapping("udp", "127.0.0.1", 5353, "10.89.0.2", 53)
    assert iptables._port_rule(NET, port) == [
        "-p", "udp", "-d", "127.0.0.1", "--dport", "5353", "-j", "DNAT",
        "--to-destination", "10.89.0.2:53"]
    assert len(iptables.chain(NET, "DNAT")) <= 28  # xtables' limit on chain names


def test_backend_choice() -> None:
    from vmforms.container.network.config import NetworkError
    from vmforms.record import replace

    assert type(firewall.backend(NET)).__name__ in ("Nftables", "Iptables")
    forced = replace(NET, firewall="iptables")
    try:
        assert type(firewall.backend(forced)).__name__ == "Iptables"
    except NetworkError as exc:
        assert "no firewall command" in str(exc)
