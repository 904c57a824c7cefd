"""Networks on disk: one small JSON file each under VMFORMS_ROOT/networks (as a CNI
network config), and the `--network` modes of a container.

The default network, `bridge`, lives in networks/bridge.json like any other; the file is
written with the defaults on first use and may be edited (bridge name, subnet, and the
pool user networks take their subnets from) while no container uses it.
"""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path

from vmforms.container.errors import ContainerError, InvalidOption
from vmforms.container.paths import state_root
from vmforms.record import record

DEFAULT_NETWORK = "bridge"
DEFAULT_BRIDGE = "vmforms0"
# podman's default is 10.88.0.0/16 and Docker's 172.17.0.0/16: keep clear of both.
DEFAULT_SUBNET = "10.89.0.0/16"
DEFAULT_POOL = "10.90.0.0/16"  # user networks get /24s from here
USER_PREFIX = 24
PREDEFINED = (DEFAULT_NETWORK, "host", "none")
_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
MAX_CONFIG = 64 * 1024
# A container's network namespace in its runtime config: "the namespace the runtime was
# started in", which the engine prepares (endpoint.joined).
SPEC_NETNS = "/proc/self/ns/net"


class NetworkError(ContainerError):
    """A network could not be created, found, used or removed."""


class NetworkNotFound(NetworkError):
    pass


@record
class Network:
    name: str
    id: str
    bridge: str
    subnet: str
    gateway: str
    created: str = ""
    pool: str = ""  # only on the default network: where user networks' subnets come from
    firewall: str = ""  # nftables, iptables, or "" for nftables where it is installed

    @property
    def prefixlen(self) -> int:
        return ipaddress.IPv4Network(self.subnet).prefixlen

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_NETWORK

    def to_json(self) -> dict[str, str]:
        out = {"Name": self.name, "Id": self.id, "Driver": "bridge", "Bridge": self.bridge,
               "Subnet": self.subnet, "Gateway": self.gateway, "Created": self.created}
        if self.pool:
            out["Pool"] = self.pool
        if self.firewall:
            out["Firewall"] = self.firewall
        return out


def networks_dir() -> Path:
    return state_root() / "networks"


def lock_path() -> Path:
    """One lock for every change to networks, leases and endpoints."""
    return networks_dir() / ".lock"


def check_name(name: str) -> str:
    if not name or len(name) > 64 or not set(name) <= _NAME_OK or not name[0].isalnum():
        raise InvalidOption(f'invalid network name "{name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] '
                            "are allowed, at most 64 characters")
    return name


def parse(obj: object, path: Path) -> Network:
    """A network config as read from disk, checked: it names a link and an address range."""
    from vmforms.linux.netlink import check_ifname

    if not isinstance(obj, dict):
        raise NetworkError(f"{path}: a network config is a JSON object")
    try:
        name = check_name(str(obj["Name"]))
        subnet = ipaddress.IPv4Network(str(obj["Subnet"]), strict=True)
        gateway = ipaddress.IPv4Address(str(obj.get("Gateway") or subnet.network_address + 1))
        bridge = check_ifname(str(obj["Bridge"]))
        if not set(bridge) <= _NAME_OK:  # it goes into nft and iptables rules too
            raise ValueError(f"bridge name {bridge!r}: only [a-zA-Z0-9_.-] are allowed")
        pool = str(obj.get("Pool") or "")
        firewall = str(obj.get("Firewall") or "")
        if firewall not in ("", "nftables", "iptables"):
            raise ValueError(f"unknown firewall {firewall!r}: nftables or iptables")
        if pool:
            ipaddress.IPv4Network(pool, strict=True)
    except (KeyError, ValueError, OSError) as exc:
        raise NetworkError(f"{path}: invalid network config: {exc}") from None
    if gateway not in subnet or subnet.prefixlen > 30:
        raise NetworkError(f"{path}: the gateway {gateway} must lie in the subnet {subnet}, "
                           "of at least 4 addresses")
    return Network(name, str(obj.get("Id") or ""), bridge, str(subnet), str(gateway),
                   str(obj.get("Created") or ""), pool, firewall)


def _path(name: str) -> Path:
    return networks_dir() / f"{check_name(name)}.json"


def save(net: Network) -> None:
    d = networks_dir()
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = d / f".{net.name}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(net.to_json(), f, indent=2)
    os.replace(tmp, _path(net.name))


def _read(path: Path) -> Network:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        data = f.read(MAX_CONFIG + 1)
    if len(data) > MAX_CONFIG:
        raise NetworkError(f"{path}: network config larger than {MAX_CONFIG} bytes")
    try:
        obj = json.loads(data)
    except ValueError as exc:
        raise NetworkError(f"{path}: invalid network config: {exc}") from None
    return parse(obj, path)


def default_network() -> Network:
    from vmforms.container.state import now_rfc3339

    net = Network(DEFAULT_NETWORK, os.urandom(32).hex(), DEFAULT_BRIDGE, DEFAULT_SUBNET,
                  str(ipaddress.IPv4Network(DEFAULT_SUBNET).network_address + 1),
                  now_rfc3339(), DEFAULT_POOL)
    return net


def load(name: str) -> Network:
    """A network by name (or the default one, written out on first use)."""
    path = _path(name)
    try:
        return _read(path)
    except FileNotFoundError:
        if name != DEFAULT_NETWORK:
            raise NetworkNotFound(f"network {name} not found") from None
    net = default_network()
    save(net)
    return net


def find(ref: str) -> Network:
    """By name, full id or unique id prefix, as Docker finds networks."""
    if ref in ("host", "none"):
        raise NetworkError(f"{ref} is a network mode, not a network of bridges")
    try:
        return load(check_name(ref))
    except (NetworkNotFound, InvalidOption):
        pass
    matches = [n for n in all_networks() if n.id.startswith(ref)] if len(ref) >= 3 else []
    if len(matches) == 1:
        return matches[0]
    raise NetworkNotFound(f"network {ref} not found")


def all_networks() -> list[Network]:
    """Every network, the default one first."""
    nets = [load(DEFAULT_NETWORK)]
    for entry in sorted(os.listdir(networks_dir())):
        if entry.endswith(".json") and not entry.startswith(".") \
                and entry != f"{DEFAULT_NETWORK}.json":
            try:
                nets.append(_read(networks_dir() / entry))
            except (OSError, NetworkError):
                continue
    return nets


def remove_config(net: Network) -> None:
    _path(net.name).unlink(missing_ok=True)


# --- a container's network mode ---------------------------------------------------------


@record
class Mode:
    """`--network`: "bridge", "none", "host", "container" (with `target`) or a user network."""

    kind: str
    target: str = ""

    @property
    def name(self) -> str:
        return f"container:{self.target}" if self.kind == "container" else (
            self.target or self.kind)

    @property
    def uses_bridge(self) -> bool:
        return self.kind in ("bridge", "user")


def parse_mode(text: str | None) -> Mode:
    text = text or DEFAULT_NETWORK
    if text in ("bridge", "default"):
        return Mode("bridge", DEFAULT_NETWORK)
    if text in ("none", "host", "slirp4netns"):  # slirp4netns: rootless only (rootless_net)
        return Mode(text)
    if text.startswith("container:"):
        target = text.partition(":")[2]
        if not target:
            raise InvalidOption("--network container: needs a container name or id")
        return Mode("container", target)
    check_name(text)
    return Mode("user", text)
