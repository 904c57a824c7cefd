"""Address leases, as CNI's host-local plugin keeps them: one file per address, named after
it, holding the container's id, in networks/NAME/leases/. The caller holds the networks'
lock (config.lock_path), so no address is handed out twice.

Addresses are handed out round-robin from the one after the last reserved (kept in
`last`), so an address just freed is not at once given to the next container. A lease
whose container no longer exists (a crash between lease and start) is reclaimed.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from vmforms.container.network.config import Network, NetworkError, networks_dir

MAX_LEASE = 128  # bytes: a container id and a newline
# A virtual machine's lease (`vm run --net bridge`): held by "vm-<pid>-<start time>" of its
# monitor process, which is there exactly while that process is.
VM_HOLDER = "vm-"


class AddressesExhausted(NetworkError):
    pass


def lease_dir(net: Network) -> Path:
    return networks_dir() / net.name / "leases"


def leases(net: Network) -> dict[str, str]:
    """address -> container id, for every lease of the network."""
    d = lease_dir(net)
    try:
        names = os.listdir(d)
    except FileNotFoundError:
        return {}
    out = {}
    for name in names:
        try:
            ipaddress.IPv4Address(name)
            fd = os.open(d / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except (ValueError, OSError):
            continue
        try:
            out[name] = os.read(fd, MAX_LEASE).decode(errors="replace").strip()
        finally:
            os.close(fd)
    return out


def _candidates(net: Network, after: str | None) -> Iterator[str]:
    """Every host address of the subnet, from the one after `after` round to it (lazily:
    a /16 has 65534 of them)."""
    subnet = ipaddress.IPv4Network(net.subnet)
    first = int(subnet.network_address) + 1
    last = int(subnet.broadcast_address) - 1
    start = first
    if after:
        try:
            prev = int(ipaddress.IPv4Address(after))
        except ValueError:
            prev = first - 1
        if first <= prev < last:
            start = prev + 1
    for part in (range(start, last + 1), range(first, start)):
        for n in part:
            yield _dotted(n)


def _dotted(n: int) -> str:
    return f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def allocate(net: Network, container_id: str,
             exists: Callable[[str], bool] | None = None, wanted: str | None = None) -> str:
    """Lease a free address of `net` (`wanted`, or the next free one) to the container;
    `exists(id)` says whether a holder is still there (a lease of a vanished container is
    taken back)."""
    d = lease_dir(net)
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    held = leases(net)
    for address, holder in list(held.items()):
        if holder == container_id:
            return address  # already leased (a retried start)
        if exists is not None and not holder_exists(holder, exists):
            (d / address).unlink(missing_ok=True)
            del held[address]
    last_file = d.parent / "last"
    try:
        after = last_file.read_text()[:64].strip()
    except FileNotFoundError:
        after = None
    for address in [wanted] if wanted else _candidates(net, after):
        if address == net.gateway or address in held:
            if wanted:
                raise NetworkError(f"Address already in use: {wanted} on network {net.name}")
            continue
        try:
            fd = os.open(d / address, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC,
                         0o600)
        except FileExistsError:
            if wanted:
                raise NetworkError(f"Address already in use: {wanted} on network "
                                   f"{net.name}") from None
            continue
        try:
            os.write(fd, container_id.encode() + b"\n")
        finally:
            os.close(fd)
        if not wanted:
            last_file.write_text(address)
        return address
    raise AddressesExhausted(f"no available IPv4 addresses on network {net.name} "
                             f"({net.subnet})")


def vm_holder(pid: int) -> str:
    """The lease holder of a VM whose monitor is process `pid`."""
    from vmforms.container.state import process_start_time

    return f"{VM_HOLDER}{pid}-{process_start_time(pid)}"


def holder_exists(holder: str, exists: Callable[[str], bool]) -> bool:
    """Whether a lease's holder is still there: a VM's monitor process, or what `exists`
    says of a container."""
    if not holder.startswith(VM_HOLDER):
        return exists(holder)
    from vmforms.container.state import pid_alive

    pid, _, start = holder[len(VM_HOLDER):].partition("-")
    return pid.isdigit() and start.isdigit() and pid_alive(int(pid), int(start))


def release(net: Network, container_id: str) -> list[str]:
    """Free every lease the container holds on `net`; the addresses freed."""
    freed = []
    for address, holder in leases(net).items():
        if holder == container_id:
            (lease_dir(net) / address).unlink(missing_ok=True)
            freed.append(address)
    return freed


def mac_for(address: str) -> str:
    """Docker's MAC address of an endpoint: 02:42 and the four bytes of its IPv4 address."""
    return "02:42:" + ":".join(f"{b:02x}" for b in ipaddress.IPv4Address(address).packed)
