"""`vmforms container network`: Docker's network commands over container/network/."""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace

from vmforms.cli.flags import (
    LIST,
    VALUE,
    Command,
    Flag,
    HelpRequested,
    group_usage,
    help_text,
    parse,
)
from vmforms.container.errors import ContainerError, InvalidOption

F = Flag
PROG = "vmforms container network"
COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("create", "[OPTIONS] NETWORK", "Create a network", (
        F(None, "subnet", VALUE, "subnet in CIDR format", metavar="string"),
        F(None, "gateway", VALUE, "IPv4 gateway for the subnet", metavar="string"),
        F("d", "driver", VALUE, "driver to manage the network", default="bridge",
          metavar="string"),
        F("o", "opt", LIST, "driver options: firewall=nftables|iptables", metavar="map"),
    ), ("name",), interspersed=True),
    Command("ls", "[OPTIONS]", "List networks", (
        F("q", "quiet", help="only display network IDs"),
        F(None, "no-trunc", help="do not truncate the output"),
    ), interspersed=True),
    Command("inspect", "NETWORK [NETWORK...]", "Display detailed information on one or more "
            "networks", (), rest="networks", min_rest=1, interspersed=True),
    Command("rm", "NETWORK [NETWORK...]", "Remove one or more networks", (),
            rest="networks", min_rest=1, interspersed=True),
    Command("prune", "[OPTIONS]", "Remove all unused networks (and take down the default "
            "bridge while unused)", (
        F("f", "force", help="do not prompt for confirmation"),
    ), interspersed=True),
    Command("connect", "[OPTIONS] NETWORK CONTAINER", "Connect a container to a network", (
        F(None, "alias", LIST, "add network-scoped alias for the container", metavar="list"),
    ), ("network", "container"), interspersed=True),
    Command("disconnect", "[OPTIONS] NETWORK CONTAINER", "Disconnect a container from a "
            "network", (
        F("f", "force", help="force the container to disconnect from a network"),
    ), ("network", "container"), interspersed=True),
)}


def _usage() -> str:
    return group_usage(PROG, "Manage networks", COMMANDS.values(), 11)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(_usage())
        return 0 if argv else 1
    cmd = COMMANDS.get(argv[0])
    if cmd is None:
        raise InvalidOption(f"unknown command {argv[0]!r} for {PROG!r}")
    try:
        args = SimpleNamespace(**parse(PROG, cmd, argv[1:]))
    except HelpRequested:
        sys.stdout.write(help_text(PROG, cmd))
        return 0
    return int(globals()[f"_cmd_{cmd.name}"](args))


def _cmd_create(a: SimpleNamespace) -> int:
    from vmforms.container.network.manage import create

    if a.driver != "bridge":
        raise InvalidOption(f"plugin \"{a.driver}\" not found: only the bridge driver exists")
    options = {}
    for item in a.opt:
        key, sep, value = item.partition("=")
        if not sep:
            raise InvalidOption(f"invalid option {item!r}: KEY=VALUE")
        options[key] = value
    print(create(a.name, a.subnet, a.gateway, options).id)
    return 0


def _cmd_ls(a: SimpleNamespace) -> int:
    from vmforms.cli.container import table
    from vmforms.container.network import config as cfg
    from vmforms.container.network.inspect import mode_network_id

    rows = [["NETWORK ID", "NAME", "DRIVER", "SCOPE"]]
    entries = [(net.id, net.name, "bridge") for net in cfg.all_networks()]
    entries[1:1] = [(mode_network_id(m), m, "host" if m == "host" else "null")
                    for m in ("host", "none")]
    for net_id, name, driver in entries:
        short = net_id if a.no_trunc else net_id[:12]
        if a.quiet:
            print(short)
            continue
        rows.append([short, name, driver, "local"])
    if not a.quiet:
        sys.stdout.write(table(rows))
    return 0


def _cmd_inspect(a: SimpleNamespace) -> int:
    from vmforms.container.network import config as cfg
    from vmforms.container.network.inspect import mode_network_json, network_json

    found = []
    failed = 0
    for ref in a.networks:
        try:
            found.append(mode_network_json(ref) if ref in ("host", "none")
                         else network_json(cfg.find(ref)))
        except ContainerError as exc:
            sys.stderr.write(f"Error response from daemon: {exc}\n")
            failed = 1
    print(json.dumps(found, indent=4))
    return failed


def _cmd_rm(a: SimpleNamespace) -> int:
    from vmforms.container.network.manage import remove

    failed = 0
    for ref in a.networks:
        try:
            remove(ref)
        except ContainerError as exc:
            sys.stderr.write(f"Error response from daemon: {exc}\n")
            failed = 1
            continue
        print(ref)
    return failed


def _cmd_prune(a: SimpleNamespace) -> int:
    from vmforms.container.network.manage import prune

    removed = prune()
    if removed:
        print("Deleted Networks:")
        for name in removed:
            print(name)
    return 0


def _cmd_connect(a: SimpleNamespace) -> int:
    from vmforms.container.network.manage import connect

    connect(a.network, a.container, list(a.alias))
    return 0


def _cmd_disconnect(a: SimpleNamespace) -> int:
    from vmforms.container.network.manage import disconnect

    disconnect(a.network, a.container)
    return 0
