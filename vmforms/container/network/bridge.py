"""A network's Linux bridge: made with its gateway address and its firewall table on first
use, kept while the network exists (as Docker keeps docker0), removed with the network.

The caller holds the networks' lock. A bridge found already there is taken as set up
(its firewall table included): checking the table would cost an `nft` run per start.
"""

from __future__ import annotations

import errno

from vmforms.container.network.config import Network, NetworkError
from vmforms.linux.netlink import Rtnl

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from vmforms.container.network.firewall import Firewall


def _write_sysctl(key: str, value: str) -> None:
    path = "/proc/sys/" + key.replace(".", "/")
    try:
        with open(path) as f:
            if f.read().strip() == value:
                return
        with open(path, "w") as f:
            f.write(value)
    except OSError as exc:
        raise NetworkError(f"sysctl {key}={value}: {exc.strerror}") from None


def bridge_mac(net: Network) -> str:
    """A stable, locally administered MAC for the bridge, from its network's id."""
    raw = bytes.fromhex(net.id[:12].ljust(12, "0")) if net.id else b"\0" * 6
    return ":".join(f"{b:02x}" for b in (0x02, 0x42 ^ 0x01, *raw[2:6]))


def ensure(net: Network, rtnl: Rtnl, firewall: Firewall) -> int:
    """The bridge's link index, making the bridge (and its firewall table) if missing."""
    index = rtnl.link_index(net.bridge)
    if index is not None:
        return index
    _check_subnet_free(net, rtnl)
    try:
        rtnl.add_bridge(net.bridge, bridge_mac(net))
        index = rtnl.link_index(net.bridge)
        if index is None:
            raise NetworkError(f"bridge {net.bridge} vanished right after its creation")
        rtnl.add_address(index, net.gateway, net.prefixlen, f"{net.gateway} on {net.bridge}")
        # Packets from 127/8 may leave through the bridge (published ports on loopback);
        # outbound NAT needs forwarding, as Docker and podman turn it on.
        _write_sysctl(f"net.ipv4.conf.{net.bridge}.route_localnet", "1")
        _write_sysctl("net.ipv4.ip_forward", "1")
        rtnl.set_up(index, net.bridge)
        firewall.setup_network(net)
    except BaseException:
        remove(net, rtnl, firewall)
        raise
    return index


def add_port(net: Network, rtnl: Rtnl, index: int, what: str) -> None:
    """Make link `index` (a VM's TAP) a port of the network's bridge and bring it up."""
    master = rtnl.link_index(net.bridge)
    if master is None:
        raise NetworkError(f"bridge {net.bridge} of network {net.name} is gone")
    try:
        rtnl.set_master(index, master, what)
        rtnl.set_up(index, what)
    except OSError as exc:
        raise NetworkError(f"add {what} to bridge {net.bridge}: {exc.strerror}") from None


def _check_subnet_free(net: Network, rtnl: Rtnl) -> None:
    import ipaddress

    subnet = ipaddress.IPv4Network(net.subnet)
    for _index, address, prefixlen in rtnl.addresses():
        other = ipaddress.IPv4Network(f"{address}/{prefixlen}", strict=False)
        if other.overlaps(subnet) and not address.startswith("127."):
            raise NetworkError(f"network {net.name}: subnet {net.subnet} overlaps {other} "
                               f"already on this host ({address}); choose another subnet")


def remove(net: Network, rtnl: Rtnl, firewall: Firewall) -> None:
    """Delete the bridge and the firewall table; what is already gone is no error."""
    try:
        rtnl.delete_link(net.bridge)
    except OSError as exc:
        if exc.errno != errno.ENODEV:
            raise NetworkError(f"delete bridge {net.bridge}: {exc.strerror}") from None
    firewall.teardown_network(net)
