"""`run`'s network options into the container's record and runtime config: the network
mode's namespace, the first /etc/hosts and /etc/resolv.conf, Docker's HostConfig fields."""

from __future__ import annotations

from vmforms.container.errors import InvalidOption
from vmforms.container.network import config as cfg
from vmforms.container.network import hosts

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

    from vmforms.container.spec import Namespace


def namespaces(base: tuple[Namespace, ...], network: str | None) -> tuple[Namespace, ...]:
    """host: the host's network namespace (no entry); none: a new one with lo only;
    otherwise the one the engine prepares and starts the runtime in."""
    from vmforms.container.spec import Namespace

    mode = cfg.parse_mode(network)
    rest = tuple(ns for ns in base if ns.type != "network")
    if mode.kind == "host":
        return rest
    if mode.kind == "none":
        return (*rest, Namespace("network"))
    return (*rest, Namespace("network", cfg.SPEC_NETNS))


def etc_files(network: str | None, hostname: str, add_hosts: list[str], dns: list[str],
              search: list[str] | None = None, options: list[str] | None = None
              ) -> list[tuple[str, str]]:
    """(name, contents) of /etc/hostname, hosts and resolv.conf as the container starts
    with them; a network's address is written in when the container joins it."""
    mode = cfg.parse_mode(network)
    extra = [hosts.parse_add_host(h) for h in add_hosts]
    servers = [hosts.parse_dns(d) for d in dns]
    host_resolv = hosts.host_resolv_conf()
    if mode.kind == "host":
        try:
            with open("/etc/hosts", "rb") as f:
                base = f.read(hosts.MAX_RESOLV).decode(errors="replace")
        except OSError:
            base = hosts.HOSTS_HEADER
        etc_hosts = base + "".join(f"{ip}\t{name}\n" for name, ip in extra
                                   if ip != hosts.HOST_GATEWAY)
    else:
        etc_hosts = hosts.hosts_text(hostname, None, extra, [], "")
    return [("hostname", hostname + "\n"), ("hosts", etc_hosts),
            ("resolv.conf", hosts.resolv_text(host_resolv, servers, mode.kind != "host",
                                              search or [], options or []))]


def record_fields(network: str | None, publish: list[str], publish_all: bool,
                  aliases: list[str], add_hosts: list[str], dns: list[str],
                  exposed: tuple[str, ...], ip: str | None = None) -> dict[str, Any]:
    """The HostConfig fields of the network options, checked, as Docker names them."""
    from vmforms.container.network import ports

    mode = cfg.parse_mode(network)
    if (publish or publish_all) and not mode.uses_bridge and mode.kind != "slirp4netns":
        if mode.kind == "host":
            publish, publish_all = [], False  # Docker ignores them with a warning
        else:
            raise InvalidOption(f"conflicting options: port publishing and the "
                                f"{mode.name} network mode")
    if mode.kind == "container" and (add_hosts or dns):
        # the joined container's /etc/hosts and resolv.conf are shared, as in Docker
        raise InvalidOption(f"conflicting options: {'--dns' if dns else '--add-host'} and "
                            "the network mode")
    if aliases and mode.kind != "user":
        raise InvalidOption("network-scoped aliases are only supported for user-defined "
                            "networks")
    for alias in aliases:
        cfg.check_name(alias)
    if ip is not None and mode.kind != "user":
        raise InvalidOption("user specified IP address is supported on user defined "
                            "networks only")
    if mode.kind == "user":
        net = cfg.load(mode.target)  # exists, before anything is made
        if ip is not None:
            ip = _check_ip(net, ip)
    return {
        "NetworkMode": mode.name if mode.kind != "bridge" else "bridge",
        "PortBindings": ports.parse_all(publish, publish_all, exposed),
        "PublishAllPorts": publish_all,
        "NetworkAliases": list(aliases),
        "ExtraHosts": list(add_hosts),
        "Dns": list(dns),
        **({"IPv4Address": ip} if ip else {}),
    }


def _check_ip(net: cfg.Network, text: str) -> str:
    import ipaddress

    try:
        ip = ipaddress.IPv4Address(text)
    except ValueError:
        raise InvalidOption(f"invalid IPv4 address: {text}") from None
    subnet = ipaddress.IPv4Network(net.subnet)
    if ip not in subnet or ip in (subnet.network_address, subnet.broadcast_address) \
            or str(ip) == net.gateway:
        raise InvalidOption(f"invalid IP address {ip}: not a free host address of "
                            f"{net.name}'s subnet {net.subnet}")
    return str(ip)


def config_fields(exposed: tuple[str, ...], host_config: dict[str, Any]) -> dict[str, Any]:
    """Config.ExposedPorts as Docker records it: the image's EXPOSE and every published
    port, or no key at all."""
    keys = dict.fromkeys(p if "/" in p else f"{p}/tcp" for p in exposed)
    keys.update(dict.fromkeys(host_config.get("PortBindings") or {}))
    return {"ExposedPorts": {k: {} for k in keys}} if keys else {}
