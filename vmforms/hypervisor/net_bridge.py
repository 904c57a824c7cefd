"""`vm run --net bridge[=NETWORK]`: the guest on a container network's bridge, as QEMU's
`-netdev bridge,br=vmforms0` (its qemu-bridge-helper): a TAP enslaved to the bridge and an
address leased from the network's IPAM like a container endpoint's, so the guest, the
network's containers and the host (at the gateway) reach each other.

The TAP dies with the monitor's fd (and leaves the bridge with it). The lease is a file,
so a watcher process started with the VM (this module's `__main__`) holds the read end of
a pipe whose write end only the monitor has: when the monitor is gone, `kill -9`
included, the pipe reads EOF and the watcher releases the lease. A lease whose monitor and
watcher both died is taken back by the next allocation on the network (its holder names
the monitor's pid and start time, see ipam.holder_exists).
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys

from vmforms.hypervisor.devices.virtio.net import TAP_TEMPLATE, NetPlan, TapFrames
from vmforms.hypervisor.errors import HypervisorError
from vmforms.linux.tap import open_tap, set_interface_sysctl

TYPE_CHECKING = False
if TYPE_CHECKING:
    from vmforms.container.network.config import Network

WATCHER_WAIT = 5.0  # seconds a closing monitor waits for its watcher to go


def find_network(name: str | None) -> Network:
    """A container network by name, or by its bridge's name (vmforms0); the default one
    without a name."""
    from vmforms.container.errors import ContainerError
    from vmforms.container.network import config as cfg

    try:
        if name is None:
            return cfg.load(cfg.DEFAULT_NETWORK)
        for net in cfg.all_networks():
            if name in (net.name, net.bridge):
                return net
    except (ContainerError, OSError) as exc:
        raise HypervisorError(f"--net bridge: {exc}") from exc
    raise HypervisorError(f"--net bridge={name}: no such network or bridge "
                          "(see `vmforms container network ls`)")


def default_bridge_up() -> Network | None:
    """The default container network if its bridge exists on this host (root only: a
    rootless store has no bridges); nothing is created to find out."""
    from vmforms.container.network import config as cfg
    from vmforms.linux.netlink import Rtnl

    if os.geteuid() != 0 or not (cfg.networks_dir() / f"{cfg.DEFAULT_NETWORK}.json").is_file():
        return None
    try:
        net = cfg.load(cfg.DEFAULT_NETWORK)
        with Rtnl() as rtnl:
            return net if rtnl.link_index(net.bridge) is not None else None
    except (OSError, cfg.NetworkError):
        return None


class BridgeLink(TapFrames):
    """A TAP on a container network's bridge and a lease of that network, for one VM."""

    def __init__(self, net: Network, create: bool) -> None:
        from vmforms.container.errors import ContainerError
        from vmforms.container.network import bridge, firewall, ipam
        from vmforms.container.network import config as cfg
        from vmforms.container.paths import locked
        from vmforms.linux.netlink import Rtnl

        self.net = net
        self.holder = ipam.vm_holder(os.getpid())
        self.fd, self.name, self.address = -1, "", ""
        self._watch_w = -1
        self._watcher: subprocess.Popen[bytes] | None = None
        try:
            self._start_watcher()
            with locked(cfg.lock_path()):
                with Rtnl() as rtnl:
                    if create:
                        bridge.ensure(net, rtnl, firewall.backend(net))
                    elif rtnl.link_index(net.bridge) is None:
                        raise HypervisorError(f"--net bridge: bridge {net.bridge} is gone")
                # Containers' leases are the engine's to judge; a VM's holder is checked
                # against its monitor process (ipam.holder_exists).
                self.address = ipam.allocate(net, self.holder, lambda _holder: True)
            self.fd, self.name = open_tap(TAP_TEMPLATE)
            set_interface_sysctl("ipv6", self.name, "disable_ipv6", "1")
            with Rtnl() as rtnl:
                index = rtnl.link_index(self.name)
                if index is None:
                    raise OSError(0, f"TAP {self.name!r} vanished")
                bridge.add_port(net, rtnl, index, f"TAP {self.name}")
        except (OSError, ContainerError) as exc:
            self.close()
            raise HypervisorError(f"--net bridge: {getattr(exc, 'strerror', None) or exc}"
                                  ) from exc
        except BaseException:
            self.close()
            raise
        prefix = net.prefixlen
        self.plan = NetPlan(ipaddress.IPv4Interface(f"{net.gateway}/{prefix}"),
                            ipaddress.IPv4Interface(f"{self.address}/{prefix}"))

    def _start_watcher(self) -> None:
        read_end, self._watch_w = os.pipe2(os.O_CLOEXEC)
        try:
            self._watcher = subprocess.Popen(
                [sys.executable, "-m", __name__, self.net.name, self.holder],
                stdin=read_end, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C for the VM is not one for the watcher
            )
        finally:
            os.close(read_end)

    def close(self) -> None:
        """The TAP (it leaves the bridge), the lease, then the watcher."""
        super().close()
        if self.address:
            release(self.net.name, self.holder)
            self.address = ""
        if self._watch_w >= 0:
            os.close(self._watch_w)
            self._watch_w = -1
        if self._watcher is not None:
            try:
                self._watcher.wait(WATCHER_WAIT)
            except subprocess.TimeoutExpired:
                pass
            self._watcher = None

    def describe(self) -> str:
        return (f"bridge {self.net.bridge} (network {self.net.name}): TAP {self.name}, "
                f"guest {self.plan.guest.with_prefixlen}, gateway {self.plan.host.ip} "
                f"(MAC {self.plan.mac.hex(':')})")


def release(network: str, holder: str) -> None:
    """Free the leases `holder` has on the network, if the network is still there."""
    from vmforms.container.network import config as cfg
    from vmforms.container.network import ipam
    from vmforms.container.paths import locked

    if not cfg.lock_path().parent.is_dir():
        return
    with locked(cfg.lock_path()):
        # Removed while the VM ran (its leases went with it): not to be made again here.
        if not (cfg.networks_dir() / f"{cfg.check_name(network)}.json").is_file():
            return
        ipam.release(cfg.load(network), holder)


def _watch(network: str, holder: str) -> int:
    """The watcher: wait for EOF on stdin (the monitor is gone), then release."""
    from vmforms.container.network import ipam

    if not holder.startswith(ipam.VM_HOLDER):
        return 2
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    try:
        release(network, holder)
    except Exception:  # noqa: BLE001 - nobody to tell: the next allocation takes it back
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_watch(sys.argv[1], sys.argv[2]) if len(sys.argv) == 3 else 2)
