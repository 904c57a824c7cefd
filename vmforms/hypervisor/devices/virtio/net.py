"""virtio-net with one queue pair and no offloads (virtio 1.2 section 5.1), and its TAP.

Queue 0 (receiveq1) holds the device-writable buffers the driver posts for frames from the
host; queue 1 (transmitq1) carries the guest's frames. Every buffer starts with the 12-byte
virtio_net_hdr of a modern device (5.1.6); with no offload features negotiated it is zero
on receive (num_buffers 1) and ignored on transmit. Frames from the host wait in a bounded
backlog until the driver posts buffers, and are dropped beyond it, as on a wire.

The host side is a FrameLink: `TapLink` is a TAP with a /30 of its own (the host's
address on the TAP, the guest's the other one), so traffic goes between the host and the
guest only: the TAP forwards nothing (its `forwarding` sysctl is 0) and the guest gets no
default route. The TAP is not persistent: it disappears with the monitor's last fd.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import select
import struct
from dataclasses import dataclass
from typing import Protocol

from vmforms.hypervisor.devices.virtio.queue import Virtqueue, VirtqueueError
from vmforms.hypervisor.errors import HypervisorError, SnapshotError
from vmforms.hypervisor.state import State, StateReader
from vmforms.linux.tap import open_tap, read_frame, set_interface_sysctl, write_frame

log = logging.getLogger(__name__)

VIRTIO_ID_NET = 1
VIRTIO_NET_F_MAC = 1 << 5
VIRTIO_NET_F_STATUS = 1 << 16
VIRTIO_NET_S_LINK_UP = 1
RECEIVEQ = 0
TRANSMITQ = 1
QUEUE_SIZE = 256
VIRTIO_NET_HDR_SIZE = 12  # flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers
ETH_HLEN = 14
MAX_FRAME = 65535 + ETH_HLEN  # nothing larger crosses a TAP
TX_LIMIT = VIRTIO_NET_HDR_SIZE + MAX_FRAME + 1  # bytes read of one transmit chain
MAX_BACKLOG = 256  # frames from the host waiting for receive buffers
MAX_PULL = 64  # frames taken from the host per poll, so one poll stays short
DROPS_LOGGED = 5
VM_NET_POOL = "10.213.0.0/16"  # clear of the container networks (10.88-10.91, 172.17)
TAP_TEMPLATE = "vmftap%d"

_HDR_RX = struct.pack("<BBHHHHH", 0, 0, 0, 0, 0, 0, 1)


class FrameLink(Protocol):
    """Where the device's frames go and come from: one Ethernet frame per call."""

    def send(self, frame: bytes) -> None: ...

    def recv(self) -> bytes | None: ...

    def wait(self, timeout: float) -> None:
        """Block up to `timeout` seconds for a frame to come."""


class VirtioNet:
    def __init__(self, link: FrameLink, mac: bytes) -> None:
        if len(mac) != 6 or mac[0] & 1:
            raise HypervisorError(f"virtio-net MAC {mac.hex(':')}: not a unicast address")
        self.device_id = VIRTIO_ID_NET
        # No VIRTIO_NET_F_STATUS: the link never goes down, and without it Linux takes the
        # carrier as up from the start (virtnet_probe) instead of after a config read.
        self.device_features = VIRTIO_NET_F_MAC
        self.queue_max_sizes: tuple[int, ...] = (QUEUE_SIZE, QUEUE_SIZE)
        self.link = link
        self.mac = mac
        self.backlog: list[bytes] = []
        self.rx_frames = self.tx_frames = self.dropped = 0
        # struct virtio_net_config: mac, status, max_virtqueue_pairs, mtu
        self._config = mac + struct.pack("<HHH", VIRTIO_NET_S_LINK_UP, 1, 0)

    def config_read(self, offset: int, size: int) -> int:
        if offset < 0 or size not in (1, 2, 4) or offset + size > len(self._config):
            return 0
        return int.from_bytes(self._config[offset : offset + size], "little")

    def config_write(self, offset: int, size: int, value: int) -> None:
        log.warning("virtio-net: config write at %#x ignored (the MAC is read-only)", offset)

    def reset(self) -> None:
        self.backlog.clear()  # frames in flight from the host are lost, as on a link reset

    # Snapshots: the MAC the guest knows (the transport keeps the ring indices); frames in
    # flight from the host are not kept, as a link that went down for a moment.
    def save_state(self) -> State:
        return {"mac": self.mac.hex()}

    def load_state(self, state: StateReader) -> None:
        mac = state.blob("mac", 6)
        if len(mac) != 6 or mac[0] & 1:
            raise SnapshotError(f"snapshot state of {state.what}: 'mac' is not a unicast MAC")
        self.mac = mac
        self._config = mac + self._config[6:]
        self.backlog.clear()

    # The host side.
    def pull(self) -> int:
        """Take the frames waiting on the link into the backlog; how many came."""
        got = 0
        while got < MAX_PULL and (frame := self.link.recv()) is not None:
            got += 1
            if len(self.backlog) >= MAX_BACKLOG:
                self._drop("the guest posts no receive buffers")
                continue
            self.backlog.append(frame)
        return got

    def wait(self, timeout: float) -> None:
        """Block up to `timeout` seconds for a frame from the host."""
        if not self.backlog:
            self.link.wait(timeout)

    def _drop(self, why: str) -> None:
        self.dropped += 1
        if self.dropped <= DROPS_LOGGED:
            log.warning("virtio-net: frame dropped: %s", why)

    # The guest side.
    def process(self, index: int, queue: Virtqueue) -> bool:
        return self._transmit(queue) if index == TRANSMITQ else self._fill(queue)

    def _transmit(self, queue: Virtqueue) -> bool:
        used = False
        while (chain := queue.pop()) is not None:
            out = queue.read_chain(chain, TX_LIMIT, "virtio-net transmit")
            queue.push_used(chain.head, 0)
            used = True
            frame = out[VIRTIO_NET_HDR_SIZE:]
            if len(out) < VIRTIO_NET_HDR_SIZE + ETH_HLEN or len(frame) > MAX_FRAME:
                self._drop(f"a transmitted frame of {len(frame)} bytes")
                continue
            self.link.send(frame)
            self.tx_frames += 1
        return used

    def _fill(self, queue: Virtqueue) -> bool:
        used = False
        while self.backlog and (chain := queue.pop()) is not None:
            frame = self.backlog.pop(0)
            data = _HDR_RX + frame
            room = 0
            for desc in chain.descriptors:
                if not desc.is_write_only:
                    raise VirtqueueError(f"virtio-net receive {chain.head}: read-only buffer")
                room += desc.len
            if room < len(data):
                # Without MRG_RXBUF a frame must fit one chain: give the chain back (QEMU
                # drops such a frame too) and keep the buffers for the next one.
                queue.last_avail = (queue.last_avail - 1) & 0xFFFF
                self._drop(f"a {len(frame)}-byte frame exceeds a {room}-byte receive buffer")
                continue
            at = 0
            for desc in chain.descriptors:
                piece = data[at : at + desc.len]
                if not piece:
                    break
                queue.write(desc.addr, piece)
                at += len(piece)
            queue.push_used(chain.head, len(data))
            self.rx_frames += 1
            used = True
        return used


@dataclass(frozen=True, slots=True)
class NetPlan:
    """The addresses of one VM's link: the host's end on the TAP, the guest's end."""

    host: ipaddress.IPv4Interface
    guest: ipaddress.IPv4Interface

    @property
    def mac(self) -> bytes:
        """The guest's MAC: QEMU's 52:54:00 prefix and the low 24 bits of the guest's
        address, so two VMs running side by side never share one."""
        return bytes([0x52, 0x54, 0x00]) + (int(self.guest.ip) & 0xFFFFFF).to_bytes(3, "big")

    def guest_parameter(self) -> str:
        """The kernel command-line word the built-in guest's /init configures eth0 from."""
        return f"vmforms_net={self.guest.with_prefixlen},{self.host.ip}"


def plan_subnet(taken: list[ipaddress.IPv4Network], pool: str = VM_NET_POOL) -> NetPlan:
    """The first /30 of `pool` that overlaps none of the host's networks."""
    for subnet in ipaddress.IPv4Network(pool).subnets(new_prefix=30):
        if not any(subnet.overlaps(net) for net in taken):
            host, guest = list(subnet.hosts())
            return NetPlan(ipaddress.IPv4Interface(f"{host}/30"),
                           ipaddress.IPv4Interface(f"{guest}/30"))
    raise HypervisorError(f"--net: every /30 of {pool} is in use on this host")


class TapFrames:
    """Frames through a TAP open on `fd` (a FrameLink)."""

    fd = -1

    def send(self, frame: bytes) -> None:
        write_frame(self.fd, frame)

    def recv(self) -> bytes | None:
        return read_frame(self.fd)

    def wait(self, timeout: float) -> None:
        select.select([self.fd], [], [], timeout)

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        """Close the TAP: the kernel deletes it with its addresses and routes, and takes
        it off a bridge."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class TapLink(TapFrames):
    """A non-persistent TAP with the host's end of a /30 on it, for one VM's lifetime."""

    def __init__(self) -> None:
        from vmforms.container.paths import locked, state_root
        from vmforms.linux.netlink import Rtnl

        try:
            self.fd, self.name = open_tap(TAP_TEMPLATE)
        except OSError as exc:
            raise HypervisorError(f"--net: {exc.strerror}") from exc
        try:
            # Forward nothing that the guest sends: only the host itself answers it. No IPv6
            # on the host's end, so the TAP does not chatter before the guest is up.
            set_interface_sysctl("ipv4", self.name, "forwarding", "0")
            set_interface_sysctl("ipv6", self.name, "disable_ipv6", "1")
            # Under a lock, so two VMs starting together do not pick the same /30; the
            # address dies with the TAP, so there is no lease to release.
            with locked(state_root() / "vm-net.lock"), Rtnl() as rtnl:
                taken = [ipaddress.IPv4Interface(f"{a}/{p}").network
                         for _, a, p in rtnl.addresses()]
                self.plan = plan_subnet(taken)
                index = rtnl.link_index(self.name)
                if index is None:
                    raise OSError(0, f"TAP {self.name!r} vanished")
                rtnl.add_address(index, str(self.plan.host.ip), 30, self.name)
                rtnl.set_up(index, self.name)
        except OSError as exc:
            self.close()
            raise HypervisorError(f"--net: set up TAP: {exc.strerror}") from exc
        except BaseException:
            self.close()
            raise

    def describe(self) -> str:
        return (f"TAP {self.name}: host {self.plan.host.ip}, guest {self.plan.guest.ip}/30 "
                f"(MAC {self.plan.mac.hex(':')})")
