"""`vm run --net` with a container network's bridge up: the guest joins the bridge with an
address leased from the network like a container endpoint's, the guest and a container
fetch from each other's httpd, the host reaches the guest and the guest the gateway; after
kill -9 no TAP, bridge port, lease or watcher process is left.

A private VMFORMS_ROOT with a network of its own (bridge and subnet unlike vmforms0's and
the container tests'), one container and one boot of the built-in guest.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.container.conftest import processes_with_env

pytestmark = pytest.mark.slow

VMFORMS = str(Path(sys.executable).with_name("vmforms"))
BOOT_TIMEOUT = 300
NET_LINE = re.compile(r"network: bridge (\S+) \(network bridge\): TAP (\S+), guest (\S+)/")
HTTPD = "mkdir -p /www && echo from-the-container > /www/index.html && exec httpd -f -p 80 -h /www"
GUEST = """
ip -4 addr show eth0 | grep -o "inet [0-9./]*"
wget -q -O - "http://{container}/index.html"
ping -c 1 -W 10 "$VMFORMS_HOST" >/dev/null && echo GATEWAY-OK
mkdir -p /tmp/www && echo from-the-guest > /tmp/www/index.html
httpd -p 80 -h /tmp/www && echo READY
sleep 600
"""


class Root:
    """A state root of the test's own, running `vmforms` against it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = {**os.environ, "VMFORMS_ROOT": str(path)}

    def __call__(self, *args: str, timeout: float = 120) -> str:
        proc = subprocess.run([VMFORMS, *args], capture_output=True, text=True,
                              env=self.env, timeout=timeout)
        assert proc.returncode == 0, f"vmforms {' '.join(args)}: {proc.stderr}"
        return proc.stdout

    def leases(self) -> dict[str, str]:
        d = self.path / "networks" / "bridge" / "leases"
        return {p.name: p.read_text().strip() for p in d.iterdir()} if d.is_dir() else {}

    def watchers(self) -> list[int]:
        """The lease watchers of VMs on this root (net_bridge.py run as a program)."""
        found = []
        for pid in processes_with_env(f"VMFORMS_ROOT={self.path}".encode()):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if b"vmforms.hypervisor.net_bridge" in f.read():
                        found.append(pid)
            except OSError:
                continue
        return found


@pytest.fixture(scope="module")
def root() -> Iterator[Root]:
    if os.geteuid() != 0:
        pytest.skip("needs root (a bridge, a TAP and containers)")
    if not os.path.exists("/dev/net/tun"):
        pytest.skip("no /dev/net/tun on this host")
    from vmforms.container.paths import state_root

    path = Path(tempfile.mkdtemp(prefix="vmforms-vmnet-"))
    (path / "networks").mkdir(mode=0o700)
    bridge = f"vmfv{secrets.token_hex(3)}"
    (path / "networks" / "bridge.json").write_text(json.dumps({
        "Name": "bridge", "Id": secrets.token_hex(32), "Bridge": bridge,
        "Subnet": f"10.94.{secrets.randbelow(256)}.0/24", "Pool": "10.95.0.0/20"}))
    # The translation cache of the default root, so the guest boots warm.
    cache = state_root() / "cache" / "riscv.tcache"
    if cache.is_file():
        (path / "cache").mkdir(mode=0o700)
        shutil.copyfile(cache, path / "cache" / "riscv.tcache")
    r = Root(path)
    try:
        r("setup", "busybox image", "container init")
        yield r
    finally:
        subprocess.run([VMFORMS, "container", "rm", "-f", "web"], env=r.env,
                       capture_output=True, timeout=60)
        subprocess.run([VMFORMS, "container", "network", "prune", "-f"], env=r.env,
                       capture_output=True, timeout=60)
        shutil.rmtree(path, ignore_errors=True)
        assert not os.path.exists(f"/sys/class/net/{bridge}"), f"bridge {bridge} left"


def _gone(check: object, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not check():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_guest_and_container_share_the_bridge_and_kill_9_leaves_nothing(root: Root) -> None:
    from vmforms.hypervisor.boot.assets import ensure_busybox, ensure_initramfs, guest_assets

    from .test_vm_net import ifindex, link_gone

    kernel, initrd = guest_assets().kernel, ensure_initramfs(ensure_busybox())
    root("container", "run", "-d", "--name", "web", "busybox", "sh", "-c", HTTPD)
    info = json.loads(root("container", "inspect", "web"))[0]["NetworkSettings"]
    container = info["IPAddress"]
    proc = subprocess.Popen(
        [VMFORMS, "vm", "run", "--net", "--kernel", str(kernel), "--initrd", str(initrd),
         "--timeout", str(BOOT_TIMEOUT), "--", "sh", "-c", GUEST.format(container=container)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=root.env,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stderr.readline()
        match = NET_LINE.search(line)  # --net alone chose the bridge: it exists
        assert match is not None, line + proc.communicate(timeout=30)[1]
        bridge, tap, guest = match.groups()
        index = ifindex(tap)
        # a port of the bridge, and a lease held by the monitor, as an endpoint's
        assert os.path.realpath(f"/sys/class/net/{tap}/master").endswith(f"/{bridge}")
        assert root.leases()[guest] == f"vm-{proc.pid}-{_start_time(proc.pid)}"
        assert root.leases()[container] != root.leases()[guest]
        lines = [proc.stdout.readline().strip() for _ in range(4)]
        assert lines[0] == f"inet {guest}/{info['IPPrefixLen']}", proc.communicate()
        assert lines[1:] == ["from-the-container", "GATEWAY-OK", "READY"]
        fetched = root("container", "exec", "web", "wget", "-q", "-O", "-",
                       f"http://{guest}/index.html")
        assert fetched == "from-the-guest\n"
        with urllib.request.urlopen(f"http://{guest}/index.html", timeout=60) as reply:
            assert reply.read() == b"from-the-guest\n"
        assert len(root.watchers()) == 1
    finally:
        proc.kill()  # SIGKILL: as kill -9, at the end of the test or on its failure
        proc.communicate(timeout=30)
    assert link_gone(tap, index), f"{tap} left"
    assert _gone(lambda: guest in root.leases()), f"lease left: {root.leases()}"
    assert container in root.leases()  # the container's own is not the VM's to release
    assert _gone(root.watchers), f"watchers left: {root.watchers()}"


def _start_time(pid: int) -> int:
    from vmforms.container.state import process_start_time

    start = process_start_time(pid)
    assert start is not None
    return start
