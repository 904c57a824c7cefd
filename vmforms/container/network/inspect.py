"""What `inspect`, `port`, `ps` and `network inspect` show of networks, in Docker's shapes."""

from __future__ import annotations

from vmforms.container import state as st
from vmforms.container.network import config as cfg
from vmforms.container.network import endpoint

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any


def _endpoint_json(net_id: str, ep: dict[str, Any] | None, aliases: list[str] | None,
                   fixed: str | None = None) -> dict[str, Any]:
    ep = ep or {}
    return {
        "IPAMConfig": {"IPv4Address": fixed} if fixed else None, "Links": None,
        "Aliases": aliases or None,
        "MacAddress": ep.get("MacAddress", ""), "NetworkID": net_id,
        "EndpointID": ep.get("EndpointID", ""), "Gateway": ep.get("Gateway", ""),
        "IPAddress": ep.get("IPAddress", ""), "IPPrefixLen": ep.get("IPPrefixLen", 0),
        "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
        "DriverOpts": None,
        "DNSNames": ([ep["Name"], ep["ContainerId"][:12], *ep.get("Aliases", [])]
                     if ep and ep.get("Network") != cfg.DEFAULT_NETWORK else None),
    }


def _ports(eps: list[dict[str, Any]], bindings: dict[str, Any]) -> dict[str, Any]:
    from vmforms.container.network.ports import settings

    mappings = [p for ep in eps for p in ep.get("Ports", ())]
    return settings(mappings, bindings) if eps else {}


def network_settings(c: st.Container, running: bool) -> dict[str, Any]:
    """NetworkSettings of `docker inspect`: the addresses of the default bridge on top,
    every network's endpoint below (empty values once the container has stopped)."""
    hc = c.record.get("HostConfig", {})
    mode = endpoint.mode_of(c)
    found = endpoint.container_networks(c.id) if running else []
    networks: dict[str, Any] = {}
    if mode.kind in ("host", "none"):
        networks[mode.kind] = _endpoint_json("", None, None)
    fixed = hc.get("IPv4Address")
    for net, ep in found:
        networks[net.name] = _endpoint_json(net.id, ep, ep.get("Aliases"),
                                            fixed if net.name == mode.target else None)
    if mode.uses_bridge and mode.target not in networks:
        try:
            net_id = cfg.load(mode.target).id
        except cfg.NetworkError:
            net_id = ""
        networks[mode.target] = _endpoint_json(net_id, None, hc.get("NetworkAliases"), fixed)
    for extra in endpoint.extra_networks(c):
        if extra["Name"] not in networks:
            try:
                net_id = cfg.load(extra["Name"]).id
            except cfg.NetworkError:
                net_id = ""
            networks[extra["Name"]] = _endpoint_json(net_id, None, extra.get("Aliases"))
    top = next((ep for net, ep in found if net.is_default), {})
    return {
        "Bridge": "", "SandboxID": "", "SandboxKey": "",
        "Ports": _ports([ep for _, ep in found], hc.get("PortBindings") or {}),
        "HairpinMode": False, "LinkLocalIPv6Address": "", "LinkLocalIPv6PrefixLen": 0,
        "SecondaryIPAddresses": None, "SecondaryIPv6Addresses": None,
        "EndpointID": top.get("EndpointID", ""), "Gateway": top.get("Gateway", ""),
        "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
        "IPAddress": top.get("IPAddress", ""), "IPPrefixLen": top.get("IPPrefixLen", 0),
        "IPv6Gateway": "", "MacAddress": top.get("MacAddress", ""),
        "Networks": networks,
    }


def port_lines(c: st.Container, wanted: str | None = None) -> list[str]:
    """`docker port`: "80/tcp -> 0.0.0.0:8080", sorted by container port."""
    rows = []
    for _net, ep in endpoint.container_networks(c.id):
        for p in ep.get("Ports", ()):
            key = f"{p['container_port']}/{p['protocol']}"
            if wanted and wanted not in (key, str(p["container_port"])):
                continue
            rows.append((p["container_port"], p["protocol"],
                         f"{key} -> {p['host_ip'] or '0.0.0.0'}:{p['host_port']}"))
    return [r[2] for r in sorted(rows)]


def ps_ports(c: st.Container) -> str:
    """The PORTS column of `docker ps`: "0.0.0.0:8080->80/tcp"."""
    items = []
    for _net, ep in endpoint.container_networks(c.id):
        for p in ep.get("Ports", ()):
            items.append(f"{p['host_ip'] or '0.0.0.0'}:{p['host_port']}->"
                         f"{p['container_port']}/{p['protocol']}")
    return ", ".join(items)


def mode_network_id(mode: str) -> str:
    """A stable id for the `host` and `none` modes, which Docker lists as networks."""
    import hashlib

    return hashlib.sha256(f"{cfg.load(cfg.DEFAULT_NETWORK).id}/{mode}".encode()).hexdigest()


def mode_network_json(mode: str) -> dict[str, Any]:
    """`network inspect host` or `none`: Docker's shape, its containers those running in
    that mode."""
    containers = {}
    for c in st.all_containers():
        if c.running and c.record.get("HostConfig", {}).get("NetworkMode") == mode:
            containers[c.id] = {"Name": c.name, "EndpointID": "", "MacAddress": "",
                                "IPv4Address": "", "IPv6Address": ""}
    return {
        "Name": mode, "Id": mode_network_id(mode), "Created": "", "Scope": "local",
        "Driver": "host" if mode == "host" else "null", "EnableIPv6": False,
        "IPAM": {"Driver": "default", "Options": None, "Config": []},
        "Internal": False, "Attachable": False, "Ingress": False,
        "ConfigFrom": {"Network": ""}, "ConfigOnly": False, "Containers": containers,
        "Options": {}, "Labels": {},
    }


def network_json(net: cfg.Network) -> dict[str, Any]:
    """One network as `docker network inspect` shows it."""
    containers = {}
    for ep in endpoint.endpoints(net):
        containers[ep["ContainerId"]] = {
            "Name": ep["Name"], "EndpointID": ep["EndpointID"], "MacAddress": ep["MacAddress"],
            "IPv4Address": f"{ep['IPAddress']}/{ep['IPPrefixLen']}", "IPv6Address": ""}
    return {
        "Name": net.name, "Id": net.id, "Created": net.created, "Scope": "local",
        "Driver": "bridge", "EnableIPv6": False,
        "IPAM": {"Driver": "default", "Options": None,
                 "Config": [{"Subnet": net.subnet, "Gateway": net.gateway}]},
        "Internal": False, "Attachable": False, "Ingress": False,
        "ConfigFrom": {"Network": ""}, "ConfigOnly": False,
        "Containers": containers,
        "Options": {"com.docker.network.bridge.name": net.bridge},
        "Labels": {},
    }
