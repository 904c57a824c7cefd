"""`vm run --net user`: the guest on libslirp reaches an HTTP server on the host's
127.0.0.1 at 10.0.2.2, the host reaches the guest's httpd through a hostfwd on
127.0.0.1, and a guest that tries any other address of the host (its own non-loopback
addresses, the DNS alias 10.0.2.3) reaches nothing, though a server listens on every
address there; a lone trailing IPv4 fragment the guest sends raw (which kills QEMU's
-netdev user) leaves the monitor running. After kill -9 the forward's port is free and
nothing is left. QEMU's `-netdev user` shows the guest the same network.

One boot of the built-in guest for our machine, one for QEMU's.
"""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import socket
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BOOT_TIMEOUT = 300
IDENTITY = """
ip -4 addr show eth0 | grep -o "inet [0-9./]*"
wget -q -O - "http://$VMFORMS_HOST:{port}/hello"
"""
# A raw Ethernet frame out of eth0, for the guest (static, riscv64): the hostile guest's
# tool. The frame is a lone trailing IPv4 fragment for the gateway, which libslirp 4.7.0
# dies of (QEMU 7.2's -netdev user too: SIGSEGV); our monitor reassembles first.
SENDER_C = r"""
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
static int hex(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }
int main(int argc, char **argv) {
    unsigned char frame[1514];
    size_t n = strlen(argv[2]) / 2;
    if (argc != 3 || n > sizeof frame) return 2;
    for (size_t i = 0; i < n; i++) frame[i] = hex(argv[2][2 * i]) << 4 | hex(argv[2][2 * i + 1]);
    int s = socket(AF_PACKET, SOCK_RAW, htons(0x0800));
    struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_halen = 6};
    to.sll_ifindex = if_nametoindex(argv[1]);
    memcpy(to.sll_addr, frame, 6);
    return sendto(s, frame, n, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)n;
}
"""
STRAY_FRAGMENT = ("ffffffffffff52540000020f0800"  # broadcast, from the guest, IPv4
                  "45000024000100b94001620f0a00020f0a000202"  # offset 1480, no MF, ICMP
                  + "00" * 16)
SEND_STRAY = """
dd if=/dev/vda of=/tmp/send bs={size} count=1 2>/dev/null && chmod +x /tmp/send
/tmp/send eth0 {frame} && echo FRAGMENT-SENT
"""
HOSTILE = """
for a in {targets}; do wget -q -T 2 -O "/tmp/got-$a" "http://$a:{port}/" 2>/dev/null & done
wait
for a in {targets}; do [ -s "/tmp/got-$a" ] && echo "REACHED $a" || echo "BLOCKED $a"; done
mkdir -p /tmp/www && echo from-the-guest > /tmp/www/index.html
httpd -p 80 -h /tmp/www && echo READY
sleep 600
"""


@pytest.fixture(scope="module")
def initrd() -> Path:
    from vmforms.errors import VmformsError
    from vmforms.hypervisor.boot.assets import ensure_busybox, ensure_initramfs, guest_assets
    from vmforms.linux import slirp

    try:
        slirp.library()
    except OSError as exc:
        pytest.skip(str(exc))
    try:
        guest_assets()
        return ensure_initramfs(ensure_busybox())
    except VmformsError as exc:
        pytest.fail(f"{exc} (make setup builds the guest)")


class _Server:
    """An HTTP server of the test's own on `address`, noting who fetched from it."""

    def __init__(self, address: str) -> None:
        from .test_vm_net import host_server_handler

        self.seen: list[str] = []
        handler = host_server_handler(self.seen)
        self.server = http.server.HTTPServer((address, 0), handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers() -> Iterator[tuple[_Server, _Server]]:
    """One server on loopback only, one on every address of the host."""
    loopback, anywhere = _Server("127.0.0.1"), _Server("0.0.0.0")
    yield loopback, anywhere
    loopback.close()
    anywhere.close()


def _host_addresses() -> list[str]:
    """The host's own IPv4 addresses other than loopback (at most two: each try costs
    the guest a timeout)."""
    from vmforms.linux.netlink import Rtnl

    with Rtnl() as rtnl:
        return [a for _, a, _ in rtnl.addresses() if not a.startswith("127.")][:2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _open_files(pid: int) -> list[str]:
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            found.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue  # closed meanwhile
    return found


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def sender(tmp_path: Path) -> tuple[Path, int]:
    """A disk image that starts with the raw-frame sender, and the sender's size."""
    cc = shutil.which("riscv64-linux-gnu-gcc")
    if cc is None:
        pytest.skip("riscv64-linux-gnu-gcc is not installed (make setup installs it)")
    (tmp_path / "send.c").write_text(SENDER_C)
    subprocess.run([cc, "-static", "-Os", "-o", str(tmp_path / "send"),
                    str(tmp_path / "send.c")], check=True, timeout=120)
    binary = (tmp_path / "send").read_bytes()
    disk = tmp_path / "disk.img"
    disk.write_bytes(binary.ljust(-(-len(binary) // 4096) * 4096, b"\0"))
    return disk, len(binary)


def test_guest_reaches_host_loopback_only_and_host_reaches_guest(
    vmforms_bin: str, initrd: Path, servers: tuple[_Server, _Server],
    sender: tuple[Path, int],
) -> None:
    loopback, anywhere = servers
    targets = [*_host_addresses(), "10.0.2.3"]
    disk, size = sender
    script = (IDENTITY.format(port=loopback.port)
              + SEND_STRAY.format(size=size, frame=STRAY_FRAGMENT)
              + HOSTILE.format(targets=" ".join(targets), port=anywhere.port))
    forward = _free_port()
    proc = subprocess.Popen(
        [vmforms_bin, "vm", "run", "--net", f"user,hostfwd=tcp:127.0.0.1:{forward}-:80",
         "--disk", f"{disk},ro", "--initrd", str(initrd), "--timeout", str(BOOT_TIMEOUT),
         "--", "sh", "-c", script],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stderr.readline()
        assert "network: user (loopback only): guest 10.0.2.15/24, host 10.0.2.2" in line, line
        lines = [proc.stdout.readline().strip() for _ in range(4 + len(targets))]
        assert lines[:3] == ["inet 10.0.2.15/24", "from-the-host", "FRAGMENT-SENT"], \
            proc.communicate()
        # the host's server saw the guest come from its loopback, as slirp connects
        assert loopback.seen == ["127.0.0.1"]
        # the monitor survived the stray fragment: the rest of the run goes on
        assert lines[3:] == [f"BLOCKED {a}" for a in targets] + ["READY"]
        assert anywhere.seen == [], "the guest reached the host beyond its loopback"
        with urllib.request.urlopen(f"http://127.0.0.1:{forward}/index.html",
                                    timeout=60) as reply:
            assert reply.read() == b"from-the-guest\n"
        # no TAP and no thread: libslirp's sockets are polled from the board's own loop
        assert "/dev/net/tun" not in _open_files(proc.pid)
        assert os.listdir(f"/proc/{proc.pid}/task") == [str(proc.pid)]
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
        assert "dropped: the guest reaches only the host's loopback" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert _port_free(forward)  # the forward's listening socket died with the monitor


def test_qemu_user_network_shows_the_guest_the_same(
    initrd: Path, servers: tuple[_Server, _Server]
) -> None:
    """The peer: QEMU's -netdev user with the same kernel, initramfs and command line word
    gives the guest the same address and reaches the same loopback server."""
    qemu = shutil.which("qemu-system-riscv64")
    if qemu is None:
        pytest.skip("qemu-system-riscv64 is not installed")
    from vmforms.hypervisor.boot.assets import guest_assets
    from vmforms.hypervisor.boot.initramfs import GuestOutput, command_parameter
    from vmforms.hypervisor.net_user import UserLink

    loopback, _ = servers
    link = UserLink([])
    try:
        plan = link.plan
    finally:
        link.close()
    append = " ".join(("console=ttyS0 quiet", plan.guest_parameter(), command_parameter(
        ["sh", "-c", IDENTITY.format(port=loopback.port)])))
    proc = subprocess.run(
        [qemu, "-M", "virt", "-m", "128M", "-nographic", "-no-reboot",
         "-kernel", str(guest_assets().kernel), "-initrd", str(initrd), "-append", append,
         "-netdev", "user,id=n0",
         "-device", f"virtio-net-device,netdev=n0,mac={plan.mac.hex(':')}"],
        capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    guest = GuestOutput()
    out = guest.feed(proc.stdout).decode(errors="replace")
    assert guest.exit_status == 0, proc.stdout[-2000:]
    assert out.split("\n")[:2] == ["inet 10.0.2.15/24", "from-the-host"]
    assert loopback.seen == ["127.0.0.1"]
