"""A container's /etc/hosts and /etc/resolv.conf, laid out as Docker writes them.

Names on a user network are resolved through /etc/hosts: every member's file lists the
other members (name, id prefix, aliases) and is rewritten in place, under the networks'
lock, as members come and go. In place, because the file is bind-mounted into the
container: replacing it would leave the container with the old inode.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from vmforms.container.errors import InvalidOption

HOSTS_HEADER = ("127.0.0.1\tlocalhost\n"
                "::1\tlocalhost ip6-localhost ip6-loopback\n"
                "fe00::0\tip6-localnet\n"
                "ff00::0\tip6-mcastprefix\n"
                "ff02::1\tip6-allnodes\n"
                "ff02::2\tip6-allrouters\n")
MAX_RESOLV = 64 * 1024
HOST_GATEWAY = "host-gateway"


def parse_add_host(text: str) -> tuple[str, str]:
    """`--add-host NAME:IP` (or NAME=IP), IP may be `host-gateway`."""
    sep = "=" if "=" in text else ":"
    name, _, ip = text.partition(sep)
    if not name or not ip or any(c.isspace() for c in name):
        raise InvalidOption(f"invalid argument {text!r} for \"--add-host\" flag: "
                            "bad format for add-host")
    if ip != HOST_GATEWAY:
        try:
            ip = str(ipaddress.ip_address(ip.strip("[]")))
        except ValueError:
            raise InvalidOption(f"invalid IP address in add-host: {ip!r}") from None
    return name, ip


def parse_dns(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise InvalidOption(f"{text} is not an ip address") from None


def hosts_text(hostname: str, own: str | None, extra: list[tuple[str, str]],
               members: list[tuple[str, list[str]]], gateway: str = "") -> str:
    """`own` is the container's address (None without a network of its own)."""
    lines = [HOSTS_HEADER]
    for name, ip in extra:
        lines.append(f"{gateway if ip == HOST_GATEWAY else ip}\t{name}\n")
    if own:
        lines.append(f"{own}\t{hostname}\n")
    else:
        lines.append(f"127.0.1.1\t{hostname}\n")
    for ip, names in members:
        lines.append(f"{ip}\t{' '.join(names)}\n")
    return "".join(lines)


def host_resolv_conf() -> str:
    try:
        with open("/etc/resolv.conf", "rb") as f:
            return f.read(MAX_RESOLV).decode(errors="replace")
    except OSError:
        return ""


def resolv_text(host: str, dns: list[str], own_network: bool, search: list[str] | None = None,
                options: list[str] | None = None) -> str:
    """The host's resolv.conf, with `--dns` servers in place of its nameservers (and
    `--dns-search`, `--dns-option` in place of its search and options lines); in a
    network namespace of its own the host's loopback servers cannot answer, so they are
    dropped (Docker then falls back to public servers; so do we)."""
    for item in (*(search or ()), *(options or ())):
        if not item or any(c.isspace() for c in item):
            raise InvalidOption(f"invalid DNS search domain or option: {item!r}")
    kept = []
    servers = []
    for line in host.splitlines():
        words = line.split()
        if words[:1] == ["nameserver"] and len(words) > 1:
            servers.append(words[1])
            continue
        if (words[:1] == ["search"] and search) or (words[:1] == ["options"] and options):
            continue
        kept.append(line)
    if search:
        kept.append("search " + " ".join(search))
    if options:
        kept.append("options " + " ".join(options))
    if dns:
        servers = list(dns)
    elif own_network:
        servers = [s for s in servers if not _is_loopback(s)] or ["8.8.8.8", "8.8.4.4"]
    body = "\n".join(line for line in kept if line.strip())
    return (body + "\n" if body else "") + "".join(f"nameserver {s}\n" for s in servers)


def _is_loopback(text: str) -> bool:
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False


def rewrite(path: Path, text: str) -> None:
    """Replace the contents of a bind-mounted file in place (never through a symlink)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return  # the container is being removed
    try:
        data = text.encode()
        os.ftruncate(fd, 0)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
