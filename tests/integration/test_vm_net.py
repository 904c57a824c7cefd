"""`vm run --net`: the guest on a TAP of its own reaches the host and the host reaches the
guest (ping, busybox httpd fetched from the host, wget from the guest to a host server;
virtio-rng and virtio-console seen in the same boot), and the TAP with its address goes
away when the VM ends, killed with -9 included.

One boot of the built-in guest (the initramfs built from the current /init script).
"""

from __future__ import annotations

import http.server
import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BOOT_TIMEOUT = 300
NET_LINE = re.compile(r"network: TAP (\S+): host (\S+), guest (\S+)/30")
# What the guest sees of its network, and the host from it: the same under QEMU.
IDENTITY = """
ip -4 addr show eth0 | grep -o "inet [0-9./]*"
cat /sys/class/net/eth0/address
ping -c 1 -W 10 "$VMFORMS_HOST" >/dev/null && echo PING-OK
"""
GUEST_SCRIPT = IDENTITY + """
cat /sys/class/misc/hw_random/rng_current
head -c 4096 /dev/hwrng | wc -c
test -c /dev/hvc0 && echo HVC0
mkdir -p /tmp/www && echo from-the-guest > /tmp/www/index.html
httpd -p 8080 -h /tmp/www && echo READY
port=$(nc -l -p 8081)
wget -q -O - "http://$VMFORMS_HOST:$port/hello"
"""


def _probe() -> str | None:
    if os.geteuid() != 0:
        return "needs root (a TAP needs CAP_NET_ADMIN)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun on this host"
    return None


@pytest.fixture(scope="module")
def initrd() -> Path:
    reason = _probe()
    if reason:
        pytest.skip(reason)
    from vmforms.errors import VmformsError
    from vmforms.hypervisor.boot.assets import ensure_busybox, ensure_initramfs, guest_assets

    try:
        guest_assets()
        return ensure_initramfs(ensure_busybox())
    except VmformsError as exc:
        pytest.fail(f"{exc} (make setup builds the guest)")


def _start(
    vmforms_bin: str, initrd: Path, *cmd: str
) -> tuple[subprocess.Popen[str], str, str, str]:
    proc = subprocess.Popen(
        [vmforms_bin, "vm", "run", "--net", "tap", "--initrd", str(initrd),
         "--timeout", str(BOOT_TIMEOUT), "--", *cmd],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()
    match = NET_LINE.search(line)
    if match is None:
        proc.kill()
        pytest.fail(f"no network line from vm run: {line}{proc.communicate()[1]}")
    return proc, match.group(1), match.group(2), match.group(3)


def _mac(guest: str) -> str:
    return "52:54:00:" + ipaddress.IPv4Address(guest).packed[1:].hex(":")


def _identity(guest: str, mac: str) -> list[str]:
    return [f"inet {guest}/30", mac, "PING-OK"]


def test_qemu_sees_the_same_network_from_the_same_tap(initrd: Path) -> None:
    """The peer: QEMU's -netdev tap on a TapLink's fd, the same kernel, initramfs and
    command line word, shows the guest the same address, MAC and host."""
    qemu = shutil.which("qemu-system-riscv64")
    if qemu is None:
        pytest.skip("qemu-system-riscv64 is not installed")
    from vmforms.hypervisor.boot.assets import guest_assets
    from vmforms.hypervisor.boot.initramfs import GuestOutput, command_parameter
    from vmforms.hypervisor.devices.virtio.net import TapLink

    link = TapLink()
    index = ifindex(link.name)
    try:
        plan = link.plan
        append = " ".join(("console=ttyS0 quiet", plan.guest_parameter(),
                           command_parameter(["sh", "-c", IDENTITY])))
        proc = subprocess.run(
            [qemu, "-M", "virt", "-m", "128M", "-nographic", "-no-reboot",
             "-kernel", str(guest_assets().kernel), "-initrd", str(initrd), "-append", append,
             "-netdev", f"tap,id=n0,fd={link.fd}",
             "-device", f"virtio-net-device,netdev=n0,mac={plan.mac.hex(':')}"],
            pass_fds=(link.fd,), capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
        )
    finally:
        link.close()
    guest = GuestOutput()
    out = guest.feed(proc.stdout).decode(errors="replace")
    assert guest.exit_status == 0, proc.stdout[-2000:]
    ip = str(plan.guest.ip)
    assert out.split("\n")[:3] == _identity(ip, _mac(ip))
    assert plan.mac.hex(":") == _mac(ip)
    assert link_gone(link.name, index, str(plan.host.ip))


def ifindex(name: str) -> int | None:
    try:
        return int(Path(f"/sys/class/net/{name}/ifindex").read_text())
    except OSError:
        return None


def _host_has(address: str, index: int | None) -> bool:
    from vmforms.linux.netlink import Rtnl

    with Rtnl() as rtnl:
        return any(a == address and index in (None, i) for i, a, _ in rtnl.addresses())


def link_gone(name: str, index: int | None, host: str | None = None) -> bool:
    """Whether the link `name` (of ifindex `index` when known: a link of the same name that
    a test running beside made since is not ours) and the `host` address on it are gone."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        now = ifindex(name)
        if (now is None or now != (index or now)) and not (host and _host_has(host, index)):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def host_server() -> Iterator[tuple[list[http.server.HTTPServer], list[str]]]:
    """Where a test's host HTTP server goes (shut down after it) and who fetched from it."""
    holder: list[http.server.HTTPServer] = []
    seen: list[str] = []
    yield holder, seen
    for server in holder:
        server.shutdown()
        server.server_close()


def test_host_and_guest_reach_each_other_and_the_tap_goes(
    vmforms_bin: str, initrd: Path, host_server: tuple[list[http.server.HTTPServer], list[str]]
) -> None:
    proc, tap, host, guest = _start(vmforms_bin, initrd, "sh", "-c", GUEST_SCRIPT)
    index = ifindex(tap)
    holder, seen = host_server
    try:
        assert ipaddress.IPv4Address(guest) in ipaddress.IPv4Network(f"{host}/30", strict=False)
        # the host forwards nothing the guest sends: its end of the TAP does not route
        forwarding = Path(f"/proc/sys/net/ipv4/conf/{tap}/forwarding").read_text().strip()
        assert forwarding == "0"
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(7)]
        assert lines[:3] == _identity(guest, _mac(guest)), proc.communicate()[1]
        # virtio-rng feeds the guest's hw_random and virtio-console is its hvc0
        assert lines[3:] == ["virtio_rng.0", "4096", "HVC0", "READY"]
        with urllib.request.urlopen(f"http://{guest}:8080/index.html", timeout=60) as reply:
            assert reply.read() == b"from-the-guest\n"
        # a server of the test's own on the host's end of the TAP, for the guest's wget
        server = http.server.HTTPServer((host, 0), host_server_handler(seen))
        holder.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with _connect_when_listening(guest, 8081) as conn:
            conn.sendall(f"{server.server_address[1]}\n".encode())
        out, err = proc.communicate(timeout=BOOT_TIMEOUT)
        assert proc.returncode == 0, err
        assert out == "from-the-host\n"
        assert seen == [guest]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert link_gone(tap, index, host), f"{tap} or {host} left behind"


def _connect_when_listening(address: str, port: int, within: float = 60.0) -> socket.socket:
    """A connection to the guest's `nc -l`, which the guest's shell starts after READY
    (a fork and exec there costs the software CPU about a million instructions): refused
    until it listens."""
    deadline = time.monotonic() + within
    while True:
        try:
            return socket.create_connection((address, port), timeout=within)
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def host_server_handler(seen: list[str]) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server hook's name
            seen.append(self.client_address[0])
            body = b"from-the-host\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


def test_kill_9_leaves_no_tap_or_address(vmforms_bin: str, initrd: Path) -> None:
    proc, tap, host, _ = _start(vmforms_bin, initrd, "sleep", "600")
    index = ifindex(tap)
    try:
        assert index is not None and _host_has(host, index)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert link_gone(tap, index, host), f"{tap} or {host} left behind after kill -9"


def _kvm_absent() -> str | None:
    from vmforms.linux import kvm

    try:
        fd = kvm.open_kvm()
    except OSError as exc:
        return f"/dev/kvm unusable: {exc}"
    os.close(fd)
    return None


def test_the_kvm_probe_finds_every_virtio_device_and_the_tap_goes(
    vmforms_bin: str, initrd: Path, tmp_path: Path
) -> None:
    reason = _kvm_absent()
    if reason:
        pytest.skip(reason)
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"token kvm-net\n".ljust(4096, b"\0"))
    proc = subprocess.Popen(
        [vmforms_bin, "vm", "run", "--accel", "kvm", "--net", "tap", "--timeout", "60",
         "--disk", f"{disk},ro"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
    )
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    match = NET_LINE.search(err)
    assert match is not None, err
    # the same device models as the RISC-V board's, in the same slots
    assert [line for line in out.splitlines() if "virtio slot" in line] == [
        "x86 probe: virtio slot 0 device 2",  # the disk
        "x86 probe: virtio slot 1 device 1",  # virtio-net
        "x86 probe: virtio slot 6 device 3",  # virtio-console
        "x86 probe: virtio slot 7 device 4",  # virtio-rng
    ]
    assert "x86 probe: disk: token kvm-net" in out
    assert link_gone(match.group(1), None, match.group(2))
