"""`network create / rm / prune / connect / disconnect`: user networks and their bridges.

A user network gets a /24 from the default network's pool that no other network of ours
and no address on the host's links overlaps, and a bridge named after its id (as
Docker's br-ID), made at once with its firewall table.
"""

from __future__ import annotations

import ipaddress
import os

from vmforms.container import state as st
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
    """Endpoints of live containers and leases of running VMs; the endpoints of vanished
    containers are released on the way."""
    live = []
    for ep in endpoint.endpoints(net):
        c = st.load(st.containers_dir() / ep["ContainerId"])
        if c is None:
            (endpoint.endpoints_dir(net) / f"{ep['ContainerId']}.json").unlink(missing_ok=True)
            ipam.release(net, ep["ContainerId"])
            continue
        live.append(ep["ContainerId"])
    # A running VM on the bridge (vm run --net bridge) holds a lease and no endpoint.
    live.extend(holder for holder in ipam.leases(net).values()
                if holder.startswith(ipam.VM_HOLDER) and ipam.holder_exists(holder, bool))
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
    """Join a container to one more network (as ethN), as Docker does: a running one at
    once, a created or stopped one when it starts; either way it stays connected across
    restarts (HostConfig.ExtraNetworks) until `disconnect`."""
    c = st.find(container)
    if endpoint.mode_of(c).kind in ("none", "host", "container"):
        raise cfg.NetworkError(f"container cannot be connected to network {ref}: its network "
                               f"mode is {endpoint.mode_of(c).name}")
    for alias in aliases:
        cfg.check_name(alias)
    # The container's lock before the networks' one, as the monitor takes them.
    with c.lock(), locked(cfg.lock_path()):
        net = cfg.find(ref)
        running = c.reload() and c.running
        if net.name in _network_names(c):
            raise cfg.NetworkError(f"endpoint with name {c.name} already exists in network "
                                   f"{net.name}")
        if running:
            _plug_running(c, net, aliases)
        _set_extra(c, net.name, {"Name": net.name, "Aliases": aliases})
        if running:
            endpoint.refresh_hosts({e["ContainerId"] for e in endpoint.endpoints(net)})


def _network_names(c: st.Container) -> set[str]:
    """The networks the container is on, or will be on when it starts."""
    mode = endpoint.mode_of(c)
    names = {n.name for n, _ in endpoint.container_networks(c.id)}
    names.update(e["Name"] for e in endpoint.extra_networks(c))
    if mode.uses_bridge:
        names.add(mode.target or cfg.DEFAULT_NETWORK)
    return names


def _plug_running(c: st.Container, net: cfg.Network, aliases: list[str]) -> None:
    from vmforms.linux.netlink import Rtnl
    from vmforms.linux.process import ns_path

    held: list[object] = []
    interface = f"eth{len(endpoint.container_networks(c.id))}"
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


def _set_extra(c: st.Container, name: str, entry: dict[str, object] | None) -> None:
    """Under the container's lock: add `entry` to the networks it joins at each start, or
    with None remove network `name` from them."""
    record = st.read_json(c.path / "config.json")
    hc = record.setdefault("HostConfig", {})
    extra = [e for e in hc.get("ExtraNetworks") or () if e.get("Name") != name]
    if entry is not None:
        extra.append(entry)
    hc["ExtraNetworks"] = extra
    st.write_json(c.path / "config.json", record)
    c.record = record


def disconnect(ref: str, container: str) -> None:
    c = st.find(container)
    with c.lock(), locked(cfg.lock_path()):
        net = cfg.find(ref)
        c.reload()
        listed = any(e["Name"] == net.name for e in endpoint.extra_networks(c))
        attached = endpoint.read_endpoint(net, c.id) is not None
        mode = endpoint.mode_of(c)
        if (not c.running and mode.uses_bridge
                and (mode.target or cfg.DEFAULT_NETWORK) == net.name):
            raise cfg.NetworkError(f"container {c.id} is not running: {net.name} is the "
                                   "network it was created on (start it to disconnect it "
                                   "from that one)")
        if not listed and not attached:
            raise cfg.NetworkError(f"container {c.id} is not connected to network {net.name}")
        if attached:
            endpoint.release_locked(c.id, only=net.name)
        if listed:
            _set_extra(c, net.name, None)
