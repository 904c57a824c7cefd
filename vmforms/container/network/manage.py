"""`network create / rm / prune / connect / disconnect`: user networks and their bridges.

A user network gets a /24 from the default network's pool that no other network of ours
and no address on the host's links overlaps, and a bridge named after its id (as
Docker's br-ID), made at once with its firewall table.
"""

from __future__ import annotations

import ipaddress
import os

from vmforms.container import state as st
from vmforms.container.errors import ContainerError
from vmforms.container.network import config as cfg
from vmforms.container.network import endpoint, ipam
from vmforms.container.paths import locked


def _pick_subnet(rtnl_addresses: list[tuple[int, str, int]], pool: str) -> str:
    taken = [ipaddress.IPv4Network(n.subnet) for n in cfg.all_networks()]
    taken += [ipaddress.IPv4Network(f"{a}/{p}", strict=False) for _i, a, p in rtnl_addresses
              if not a.startswith("127.")]
    for candidate in ipaddress.IPv4Network(pool).subnets(new_prefix=cfg.USER_PREFIX):
        if not any(candidate.overlaps(t) for t in taken):
            return str(candidate)
    raise cfg.NetworkError(f"could not find an available, non-overlapping IPv4 address pool "
                           f"among the defaults ({pool}) to assign to the network")


def create(name: str, subnet: str | None = None, gateway: str | None = None,
           options: dict[str, str] | None = None) -> cfg.Network:
    from vmforms.container.network import bridge, firewall
    from vmforms.linux.netlink import Rtnl

    cfg.check_name(name)
    if name in cfg.PREDEFINED:
        raise cfg.NetworkError(f"operation is not permitted on predefined {name} network")
    options = dict(options or {})
    firewall_name = options.pop("firewall", "")
    if options:
        raise cfg.NetworkError(f"unknown network option {next(iter(options))!r}: "
                               "only firewall=nftables|iptables")
    with locked(cfg.lock_path()):
        default = cfg.load(cfg.DEFAULT_NETWORK)
        if any(n.name == name for n in cfg.all_networks()):
            raise cfg.NetworkError(f"network with name {name} already exists")
        net_id = os.urandom(32).hex()
        with Rtnl() as rtnl:
            if subnet is None:
                subnet = _pick_subnet(rtnl.addresses(), default.pool or cfg.DEFAULT_POOL)
            else:
                try:
                    net_ip = ipaddress.IPv4Network(subnet, strict=True)
                except ValueError as exc:
                    raise cfg.NetworkError(f"invalid subnet {subnet}: {exc}") from None
                for other in cfg.all_networks():
                    if net_ip.overlaps(ipaddress.IPv4Network(other.subnet)):
                        raise cfg.NetworkError(f"invalid pool request: Pool overlaps with "
                                               f"other one on this address space "
                                               f"({other.name}: {other.subnet})")
            net = cfg.parse({"Name": name, "Id": net_id, "Bridge": f"vmbr-{net_id[:10]}",
                             "Subnet": subnet, "Gateway": gateway or "",
                             "Created": st.now_rfc3339(),
                             "Firewall": firewall_name or default.firewall},
                            cfg.networks_dir() / name)
            fw = firewall.backend(net)
            bridge.ensure(net, rtnl, fw)
            try:
                cfg.save(net)
            except BaseException:
                bridge.remove(net, rtnl, fw)
                raise
    return net


def _teardown(net: cfg.Network) -> None:
    """Bridge, firewall table and the network's directory (caller holds the lock)."""
    from vmforms.container.network import bridge, firewall
    from vmforms.linux.netlink import Rtnl

    with Rtnl() as rtnl:
        bridge.remove(net, rtnl, firewall.backend(net))
    d = cfg.networks_dir() / net.name
    for sub in ("leases", "endpoints"):
        for entry in os.listdir(d / sub) if (d / sub).is_dir() else ():
            (d / sub / entry).unlink(missing_ok=True)
        if (d / sub).is_dir():
            os.rmdir(d / sub)
    (d / "last").unlink(missing_ok=True)
    if d.is_dir():
        os.rmdir(d)


def _in_use(net: cfg.Network) -> list[str]:
    """Endpoints of live containers; those of vanished ones are released on the way."""
    live = []
    for ep in endpoint.endpoints(net):
        c = st.load(st.containers_dir() / ep["ContainerId"])
        if c is None:
            (endpoint.endpoints_dir(net) / f"{ep['ContainerId']}.json").unlink(missing_ok=True)
            ipam.release(net, ep["ContainerId"])
            continue
        live.append(ep["ContainerId"])
    return live


def remove(ref: str) -> cfg.Network:
    if ref in cfg.PREDEFINED:
        raise cfg.NetworkError(f"{ref} is a pre-defined network and cannot be removed")
    with locked(cfg.lock_path()):
        net = cfg.find(ref)
        if net.is_default:
            raise cfg.NetworkError(f"{ref} is a pre-defined network and cannot be removed")
        if _in_use(net):
            raise cfg.NetworkError(f"error while removing network: network {net.name} id "
                                   f"{net.id} has active endpoints")
        cfg.remove_config(net)
        _teardown(net)
    return net


def prune() -> list[str]:
    """Remove every user network without containers, and take down the default bridge
    while nothing uses it (it is made again by the next container that needs it)."""
    removed: list[str] = []
    if not cfg.networks_dir().is_dir():
        return removed
    with locked(cfg.lock_path()):
        for net in cfg.all_networks():
            if _in_use(net):
                continue
            if net.is_default:
                _teardown(net)
                continue
            cfg.remove_config(net)
            _teardown(net)
            removed.append(net.name)
    return removed


def connect(ref: str, container: str, aliases: list[str]) -> None:
    """Join a running container to one more network (as ethN)."""
    from vmforms.linux.netlink import Rtnl
    from vmforms.linux.process import ns_path

    c = st.find(container)
    if not c.running:
        raise ContainerError(f"container {c.id} is not running: start it to connect it")
    if endpoint.mode_of(c).kind in ("none", "host", "container"):
        raise cfg.NetworkError(f"container cannot be connected to network {ref}: its network "
                               f"mode is {endpoint.mode_of(c).name}")
    for alias in aliases:
        cfg.check_name(alias)
    held: list[object] = []
    with locked(cfg.lock_path()):
        net = cfg.find(ref)
        mine = endpoint.container_networks(c.id)
        if any(n.name == net.name for n, _ in mine):
            raise cfg.NetworkError(f"endpoint with name {c.name} already exists in network "
                                   f"{net.name}")
        interface = f"eth{len(mine)}"
        ep = endpoint.new_endpoint(c, net, interface, aliases, held)  # type: ignore[arg-type]
        try:
            fd = os.open(ns_path(int(c.state["Pid"]), "network"), os.O_RDONLY | os.O_CLOEXEC)
            try:
                with Rtnl() as rtnl_host:
                    index = rtnl_host.link_index(net.bridge)
                    assert index is not None
                    with endpoint.in_netns(fd), Rtnl() as rtnl_ctr:
                        endpoint.plug(rtnl_host, rtnl_ctr, fd, net, ep, index)
            finally:
                os.close(fd)
        except BaseException:
            endpoint.release_locked(c.id, only=net.name)
            raise
        endpoint.refresh_hosts({e["ContainerId"] for e in endpoint.endpoints(net)})


def disconnect(ref: str, container: str) -> None:
    c = st.find(container)
    with locked(cfg.lock_path()):
        net = cfg.find(ref)
        if endpoint.read_endpoint(net, c.id) is None:
            raise cfg.NetworkError(f"container {c.id} is not connected to network {net.name}")
        endpoint.release_locked(c.id, only=net.name)
