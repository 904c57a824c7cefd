"""The host side of `vm run --net[=MODE]`: which back-end carries virtio-net's frames.

    --net                 bridge if the default container network's bridge exists, else user
    --net bridge[=NAME]   a TAP on a container network's bridge (net_bridge.py)
    --net user[,hostfwd=[tcp|udp]:[addr]:port-[addr]:port]...
                          libslirp on loopback only, no root needed (net_user.py)
    --net tap             a TAP of its own with a /30 between host and guest (TapLink)
"""

from __future__ import annotations

import os
from typing import Protocol

from vmforms.hypervisor.devices.virtio.net import NetPlan
from vmforms.hypervisor.errors import HypervisorError

MODES = "bridge[=NETWORK], user[,hostfwd=...], tap"


class HostLink(Protocol):
    """A FrameLink with the addresses it gives the guest, a line for the user, a close."""

    plan: NetPlan

    def send(self, frame: bytes) -> None: ...

    def recv(self) -> bytes | None: ...

    def wait(self, timeout: float) -> None: ...

    def close(self) -> None: ...

    def describe(self) -> str: ...


def open_link(spec: str) -> HostLink:
    """The back-end `spec` (a --net value, "auto" without one) names, set up."""
    mode, _, rest = spec.partition(",")
    mode, eq, name = mode.partition("=")
    if mode not in ("auto", "bridge", "user", "tap") or (eq and mode != "bridge") \
            or (rest and mode != "user"):
        raise HypervisorError(f"--net {spec}: unknown network mode; modes are {MODES} "
                              "(put -- before the guest's command)")
    if mode == "tap":
        from vmforms.hypervisor.devices.virtio.net import TapLink

        return TapLink()
    if mode == "user":
        from vmforms.hypervisor.net_user import UserLink, parse_user_options

        return UserLink(parse_user_options(rest.split(",") if rest else []))
    from vmforms.hypervisor.net_bridge import BridgeLink, default_bridge_up, find_network

    if mode == "bridge":
        if os.geteuid() != 0:
            raise HypervisorError("--net bridge: a TAP on a bridge needs root; "
                                  "--net user needs none")
        if eq and not name:
            raise HypervisorError("--net bridge=: name a network or a bridge")
        return BridgeLink(find_network(name or None), create=True)
    net = default_bridge_up()
    if net is not None:
        return BridgeLink(net, create=False)
    return open_link("user")
