"""A container's place on its networks: set up before its PID 1 is forked, released when
it ends (by its monitor, or by whichever command finds the monitor dead).

The monitor makes the container's network namespace itself: it unshares one, creates the
veth pair from a netlink socket opened in the host's namespace with the peer born inside
as eth0, configures eth0 from a socket opened inside, forks PID 1 there (the spec names
the namespace as /proc/self/ns/net, the one the runtime is started in) and goes back to
the host's namespace. Nothing but the container's processes then holds the namespace,
so it cannot outlive them and no netns mount is left to clean up.

Every step has its tear-down, run on failure too: the endpoint file written under the
networks' lock is what `release` reads back (lease, veth, published ports, names).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from vmforms.container import state as st
from vmforms.container.network import config as cfg
from vmforms.container.network import hosts, ipam
from vmforms.container.paths import locked

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    import socket
    from typing import Any

    from vmforms.linux.netlink import Rtnl

SPEC_NETNS = cfg.SPEC_NETNS
MAX_ENDPOINT = 64 * 1024
# The monitor holds the published host ports for as long as it lives (see ports.py).
_HELD: list[socket.socket] = []


def endpoints_dir(net: cfg.Network) -> Path:
    return cfg.networks_dir() / net.name / "endpoints"


def read_endpoint(net: cfg.Network, cid: str) -> dict[str, Any] | None:
    try:
        fd = os.open(endpoints_dir(net) / f"{cid}.json", os.O_RDONLY | os.O_NOFOLLOW
                     | os.O_CLOEXEC)
    except OSError:  # missing, or not a regular file of ours (a link: ELOOP)
        return None
    with os.fdopen(fd, "rb") as f:
        data = f.read(MAX_ENDPOINT)
    try:
        obj = json.loads(data)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def endpoints(net: cfg.Network) -> list[dict[str, Any]]:
    try:
        names = sorted(os.listdir(endpoints_dir(net)))
    except FileNotFoundError:
        return []
    found = (read_endpoint(net, n[:-5]) for n in names if n.endswith(".json"))
    return [e for e in found if e is not None]


def container_networks(cid: str) -> list[tuple[cfg.Network, dict[str, Any]]]:
    """The networks the container has an endpoint on, with the endpoint."""
    out: list[tuple[cfg.Network, dict[str, Any]]] = []
    if not cfg.networks_dir().is_dir():
        return out
    for net in cfg.all_networks():
        ep = read_endpoint(net, cid)
        if ep is not None:
            out.append((net, ep))
    return out


def _write_endpoint(net: cfg.Network, ep: dict[str, Any]) -> None:
    d = endpoints_dir(net)
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = d / f".{ep['ContainerId']}.tmp"
    with open(tmp, "w") as f:
        json.dump(ep, f)
    os.replace(tmp, d / f"{ep['ContainerId']}.json")


def _members(net: cfg.Network, cid: str) -> set[str]:
    """Whose /etc/hosts changes when `cid` joins or leaves `net`: every member of a user
    network; only itself on the default one, where names are not shared (as in Docker)."""
    if net.is_default:
        return {cid}
    return {e["ContainerId"] for e in endpoints(net)} | {cid}


def mode_of(c: st.Container) -> cfg.Mode:
    return cfg.parse_mode(c.record.get("HostConfig", {}).get("NetworkMode") or "none")


def _veth_name(cid: str, net: cfg.Network) -> str:
    """The host end's name: from the container's id and the network's name (hashlib costs
    milliseconds to import; a CRC is enough to tell a container's networks apart)."""
    from binascii import crc32

    return f"veth{cid[:7]}{crc32(net.name.encode()) & 0xffff:04x}"


# --- names in /etc/hosts ----------------------------------------------------------------------


def refresh_hosts(cids: set[str]) -> None:
    """Rewrite the /etc/hosts of these containers from every endpoint they share a network
    with (caller holds the lock)."""
    if not cids:
        return
    nets = cfg.all_networks()
    listed: dict[str, list[dict[str, Any]]] = {}  # the members of each user network
    for cid in cids:
        own = None
        info: dict[str, Any] | None = None
        members: list[tuple[str, list[str]]] = []
        for net in nets:
            mine = read_endpoint(net, cid)
            if mine is None:
                continue
            info = info or mine
            own = own or mine["IPAddress"]
            if net.is_default:
                continue  # Docker: no names on the default bridge
            if net.name not in listed:
                listed[net.name] = endpoints(net)
            for e in listed[net.name]:
                if e["ContainerId"] != cid:
                    names = [e["Name"], e["ContainerId"][:12], *e.get("Aliases", [])]
                    members.append((e["IPAddress"], list(dict.fromkeys(names))))
        if info is None:
            continue
        text = hosts.hosts_text(info["Hostname"], own, [tuple(x) for x in info["ExtraHosts"]],
                                members, info.get("Gateway", ""))
        hosts.rewrite(Path(info["HostsPath"]), text)


# --- joining at start -------------------------------------------------------------------------


@contextlib.contextmanager
def in_netns(fd: int) -> Iterator[None]:
    """Run the block in the network namespace open on `fd`, then come back."""
    from vmforms.linux import process as lp

    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        lp.setns(fd, lp.CLONE_NEWNET, "network namespace")
        try:
            yield
        finally:
            lp.setns(own, lp.CLONE_NEWNET, "the host's network namespace")
    finally:
        os.close(own)


def plug(rtnl_host: Rtnl, rtnl_ctr: Rtnl, ns_fd: int, net: cfg.Network, ep: dict[str, Any],
          bridge_index: int) -> None:
    """The veth pair, the peer inside as ep["Interface"] with its address and a default
    route (on the first network only)."""
    rtnl_host.add_veth(ep["Veth"], ep["Interface"], peer_netns_fd=ns_fd,
                       peer_mac=ep["MacAddress"], master=bridge_index)
    veth = rtnl_host.link_index(ep["Veth"])
    if veth is not None:
        rtnl_host.set_up(veth, ep["Veth"])
    inner = rtnl_ctr.link_index(ep["Interface"])
    if inner is None:
        raise cfg.NetworkError(f"{ep['Interface']} did not appear in the container")
    rtnl_ctr.add_address(inner, ep["IPAddress"], net.prefixlen, ep["Interface"])
    rtnl_ctr.set_up(inner, ep["Interface"])
    if ep["Interface"] == "eth0":
        rtnl_ctr.add_default_route(net.gateway)


def new_endpoint(c: st.Container, net: cfg.Network, interface: str, aliases: list[str],
                  held: list[socket.socket]) -> dict[str, Any]:
    """Under the lock: lease, bridge, published ports; the endpoint written down."""
    from vmforms.container.network import bridge, firewall, ports
    from vmforms.container.network.firewall import PortMapping
    from vmforms.linux.netlink import Rtnl

    hc = c.record.get("HostConfig", {})
    wanted = hc.get("IPv4Address") if interface == "eth0" else None
    address = ipam.allocate(net, c.id, lambda cid: (st.containers_dir() / cid).is_dir(),
                            wanted)
    fw = firewall.backend(net)
    ep: dict[str, Any] = {
        "ContainerId": c.id, "Name": c.name, "Network": net.name, "NetworkID": net.id,
        "EndpointID": os.urandom(32).hex(), "IPAddress": address,
        "IPPrefixLen": net.prefixlen, "Gateway": net.gateway,
        "MacAddress": ipam.mac_for(address), "Veth": _veth_name(c.id, net),
        "Interface": interface, "Aliases": aliases, "Ports": [],
        "Hostname": c.record["Config"].get("Hostname") or c.id[:12],
        "ExtraHosts": [list(hosts.parse_add_host(h)) for h in hc.get("ExtraHosts") or ()],
        "HostsPath": str(c.path / "hosts"),
    }
    try:
        with Rtnl() as rtnl:
            bridge.ensure(net, rtnl, fw)
        mappings: list[PortMapping] = []
        if interface == "eth0":
            mappings, socks = ports.reserve(hc.get("PortBindings") or {}, address)
            held.extend(socks)
            ep["Ports"] = [{"protocol": m.protocol, "host_ip": m.host_ip,
                            "host_port": m.host_port, "container_port": m.container_port}
                           for m in mappings]
        # Written before the ports are published, so that a release undoes them.
        _write_endpoint(net, ep)
    except BaseException:
        ipam.release(net, c.id)
        raise
    try:
        fw.publish(net, mappings)
    except BaseException:
        release_locked(c.id, only=net.name)
        raise
    return ep


def _aliases(c: st.Container) -> list[str]:
    return list(c.record.get("HostConfig", {}).get("NetworkAliases") or ())


def extra_networks(c: st.Container) -> list[dict[str, Any]]:
    """The networks `network connect` added: joined as eth1, eth2, ... at each start."""
    extra = c.record.get("HostConfig", {}).get("ExtraNetworks") or ()
    return [e for e in extra if isinstance(e, dict) and isinstance(e.get("Name"), str)]


@contextlib.contextmanager
def joined(c: st.Container) -> Iterator[None]:
    """Around the fork of PID 1: the container's network set up and entered (in the
    monitor), then the monitor back in the host's namespace. On failure, all undone."""
    mode = mode_of(c)
    if mode.kind in ("none", "host"):
        yield
        return
    if mode.kind == "container":
        with _joined_container(c, mode.target):
            yield
        return
    if mode.kind == "slirp4netns":
        from vmforms.container.rootless_net import slirp_joined

        with slirp_joined(c):
            yield
        return
    from vmforms.linux import process as lp
    from vmforms.linux.netlink import Rtnl

    held: list[socket.socket] = []
    try:
        with locked(cfg.lock_path()):
            net = cfg.load(mode.target or cfg.DEFAULT_NETWORK)
            ep = new_endpoint(c, net, "eth0", _aliases(c), held)
            refresh_hosts(_members(net, c.id))
            more = []
            for i, extra in enumerate(extra_networks(c), 1):
                other = cfg.load(extra["Name"])
                more.append((other, new_endpoint(c, other, f"eth{i}",
                                                 [str(a) for a in extra.get("Aliases") or ()],
                                                 held)))
                refresh_hosts(_members(other, c.id))
        host_ns = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        try:
            with Rtnl() as rtnl_host:
                bridge_index = rtnl_host.link_index(net.bridge)
                if bridge_index is None:
                    raise cfg.NetworkError(f"bridge {net.bridge} of network {net.name} "
                                           "is gone")
                lp.unshare(lp.CLONE_NEWNET)
                try:
                    ns_fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
                    try:
                        with Rtnl() as rtnl_ctr:
                            lo = rtnl_ctr.link_index("lo")
                            if lo is not None:
                                rtnl_ctr.set_up(lo, "lo")
                            plug(rtnl_host, rtnl_ctr, ns_fd, net, ep, bridge_index)
                            for other, other_ep in more:
                                index = rtnl_host.link_index(other.bridge)
                                if index is None:
                                    raise cfg.NetworkError(f"bridge {other.bridge} of "
                                                           f"network {other.name} is gone")
                                plug(rtnl_host, rtnl_ctr, ns_fd, other, other_ep, index)
                    finally:
                        os.close(ns_fd)
                    yield
                finally:
                    lp.setns(host_ns, lp.CLONE_NEWNET, "the host's network namespace")
        finally:
            os.close(host_ns)
    except BaseException:
        for sock in held:
            sock.close()
        release(c)
        raise
    _HELD.extend(held)


@contextlib.contextmanager
def _joined_container(c: st.Container, target: str) -> Iterator[None]:
    from vmforms.container.errors import ContainerError
    from vmforms.linux.process import ns_path

    other = st.find(target)
    if other.id == c.id:
        raise ContainerError("cannot join own network namespace")
    if not other.running:
        raise ContainerError(f"cannot join network of a non running container: {other.id}")
    for name in ("hosts", "resolv.conf", "hostname"):
        try:
            with open(other.path / name, "rb") as f:
                text = f.read(MAX_ENDPOINT).decode(errors="replace")
        except FileNotFoundError:
            continue
        hosts.rewrite(c.path / name, text)
    fd = os.open(ns_path(int(other.state["Pid"]), "network"), os.O_RDONLY | os.O_CLOEXEC)
    try:
        with in_netns(fd):
            yield
    finally:
        os.close(fd)


def held_ports() -> list[int]:
    """The fds of the published host ports this process holds (the keeper holds them too,
    once handed over, so that a killed monitor does not free them)."""
    return [sock.fileno() for sock in _HELD]


# --- release ---------------------------------------------------------------------------------


def release(c: st.Container | str, background: bool = False) -> None:
    """Undo everything `joined` did for the container, whatever is already gone; safe to
    run any number of times, from any command. With `background` (the container's
    processes are gone), the veth is deleted by a detached process: deleting a link waits
    out RCU grace periods, 20 ms and more, which `run --rm` need not wait for."""
    for sock in _HELD:  # in the monitor: the published ports are free again
        sock.close()
    _HELD.clear()
    if not cfg.networks_dir().is_dir():
        return
    with locked(cfg.lock_path()):
        links = release_locked(c if isinstance(c, str) else c.id, delete_links=not background)
    if links:
        _delete_links_detached(links)


def _delete_links_detached(links: list[str]) -> None:
    pid = os.fork()
    if pid == 0:  # first child: a session of its own, then the deleter, then go
        try:
            os.setsid()
            if os.fork() == 0:
                try:
                    from vmforms.linux.netlink import Rtnl

                    with Rtnl() as rtnl:
                        for name in links:
                            rtnl.delete_link(name)
                finally:
                    os._exit(0)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def release_locked(cid: str, only: str | None = None, delete_links: bool = True
                   ) -> list[str]:
    """`release` (of one network only, with `only`) for a caller holding the lock; the
    links left to delete (without `delete_links`)."""
    mine = [(n, ep) for n, ep in container_networks(cid) if only is None or n.name == only]
    if not mine:
        return []
    from vmforms.container.network.firewall import PortMapping
    from vmforms.linux.netlink import Rtnl

    others: set[str] = set()
    links = []
    with Rtnl() as rtnl:
        for net, ep in mine:
            if delete_links:
                rtnl.delete_link(ep["Veth"])
            else:
                links.append(ep["Veth"])
            if ep.get("Ports"):
                from vmforms.container.network import firewall

                firewall.backend(net).unpublish(net, [
                    PortMapping(p["protocol"], p["host_ip"], p["host_port"], ep["IPAddress"],
                                p["container_port"]) for p in ep["Ports"]])
            ipam.release(net, cid)
            (endpoints_dir(net) / f"{cid}.json").unlink(missing_ok=True)
            others |= _members(net, cid) - {cid}
    if only is not None:
        others.add(cid)
    refresh_hosts(others)
    return links
