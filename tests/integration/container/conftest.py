"""A private VMFORMS_ROOT for the container tests, with the built-in busybox image, and
a check at the end that nothing of theirs is left: no mount, cgroup, process or file."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

VMFORMS = str(Path(sys.executable).with_name("vmforms"))
CGROUP_ROOT = Path("/sys/fs/cgroup")


def cgroup_children(parent: str) -> set[str]:
    """The cgroups directly below `parent` in every hierarchy, v1 or v2."""
    found = set()
    for top in (*CGROUP_ROOT.glob(f"*/{parent}"), CGROUP_ROOT / parent):
        if top.is_dir():
            found |= {str(p) for p in top.iterdir() if p.is_dir()}
    return found


def network_objects() -> set[str]:
    """The host's links and nftables tables: what the container networks may leave."""
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True)
    found = {"link " + line.split(":")[1].strip().split("@")[0]
             for line in links.stdout.splitlines() if ":" in line}
    if shutil.which("nft"):
        tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True)
        found |= {line.strip() for line in tables.stdout.splitlines() if line.strip()}
    if shutil.which("iptables-save"):
        rules = subprocess.run(["iptables-save"], capture_output=True, text=True)
        found |= {line for line in rules.stdout.splitlines() if "VMF-" in line}
    return found


def write_test_network(root: Path) -> None:
    """The default network of the test root: a bridge and subnets of its own, so that it
    collides neither with the host's vmforms0 nor with podman's 10.88.0.0/16."""
    n = secrets.randbelow(16)
    (root / "networks").mkdir(mode=0o700)
    (root / "networks" / "bridge.json").write_text(json.dumps({
        "Name": "bridge", "Id": secrets.token_hex(32), "Bridge": f"vmft{secrets.token_hex(3)}",
        "Subnet": f"10.91.{secrets.randbelow(256)}.0/24", "Pool": f"10.92.{n * 16}.0/20"}))


def _links_on(bridges: list[str], patience: float = 10.0) -> list[str]:
    """Links still enslaved to these bridges, once the kernel has had time to finish
    deleting them (a veth goes with its namespace, asynchronously, or with a detached
    deleter)."""
    import time

    deadline = time.monotonic() + patience
    while True:
        found = [line for br in bridges for line in subprocess.run(
            ["ip", "-o", "link", "show", "master", br], capture_output=True,
            text=True).stdout.splitlines()]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _cgroup_dirs() -> set[str]:
    # The engine's containers, and those of `vmforms runtime` without a cgroupsPath.
    return cgroup_children("vmforms") | cgroup_children("vmforms-runtime")


def processes_with_env(marker: bytes) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if marker in f.read().split(b"\0"):
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


class Vmf:
    """Runs `vmforms container ...` against the test root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = VMFORMS
        self.env = {**os.environ, "VMFORMS_ROOT": str(root)}

    def __call__(self, *args: str, input: str | None = None, timeout: float = 60,
                 check: bool = False) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([VMFORMS, "container", *args], input=input, text=True,
                              capture_output=True, env=self.env, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"vmforms container {' '.join(args)} -> {proc.returncode}\n"
                                 f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def popen(self, *args: str, **kw: object) -> subprocess.Popen[str]:
        return subprocess.Popen([VMFORMS, "container", *args], text=True, env=self.env,
                                **kw)  # type: ignore[call-overload]

    def container_ids(self) -> list[str]:
        d = self.root / "containers"
        return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


@pytest.fixture(scope="session")
def vmf() -> Iterator[Vmf]:
    if os.geteuid() != 0:
        pytest.skip("containers need root (namespaces, mounts, cgroups)")
    before_cgroups = _cgroup_dirs()
    before_network = network_objects()
    # podman names an image pulled from an OCI layout after the layout's path, so the
    # path must be a valid image name: lower-case letters and digits only, no "_"
    root = Path(tempfile.gettempdir()) / f"vmforms-test-{secrets.token_hex(6)}"
    root.mkdir(mode=0o700)
    write_test_network(root)
    v = Vmf(root)
    built = subprocess.run([VMFORMS, "setup", "busybox image", "container init"], env=v.env,
                           text=True, capture_output=True, timeout=120)
    assert built.returncode == 0, built.stderr
    try:
        yield v
    finally:
        for cid in v.container_ids():
            v("rm", "-f", cid)
        leftovers = v.container_ids()
        bridges = [json.loads(p.read_text())["Bridge"] for p in (root / "networks").glob("*.json")]
        attached = _links_on(bridges)
        pruned = v("network", "prune", "-f")
        leases = [str(p) for p in (root / "networks").glob("*/*/*")]
        network = {x for x in network_objects() - before_network
                   if "vmbr-" in x or any(br in x for br in bridges)}
        mounts = [line for line in Path("/proc/self/mountinfo").read_text().splitlines()
                  if str(root) in line]
        cgroups = _cgroup_dirs() - before_cgroups
        procs = processes_with_env(f"VMFORMS_ROOT={root}".encode())
        shutil.rmtree(root, ignore_errors=True)
        assert not leftovers, f"containers left behind: {leftovers}"
        assert not mounts, f"mounts left behind: {mounts}"
        assert not cgroups, f"cgroups left behind: {sorted(cgroups)}"
        assert not procs, f"processes left behind: {procs}"
        assert pruned.returncode == 0, pruned.stderr
        assert not attached, f"links left on the test bridges: {attached}"
        assert not leases, f"leases or endpoints left behind: {leases}"
        assert not network, f"links or nftables tables left behind: {sorted(network)}"


@pytest.fixture(scope="session")
def cgroups_below() -> Callable[[str], set[str]]:
    """`cgroup_children` for test modules (conftest is not importable under importlib)."""
    return cgroup_children


@pytest.fixture(scope="session")
def processes_marked() -> Callable[[bytes], list[int]]:
    """`processes_with_env` for test modules."""
    return processes_with_env


class Registry:
    """A `docker-registry serve` of our own: plain HTTP on a free loopback port, storage
    in a temporary directory (`storage`, which tests may damage on purpose)."""

    def __init__(self, host: str, storage: Path) -> None:
        self.host = host
        self.storage = storage
        self.url = f"http://{host}"

    def blob_data(self, digest: str) -> Path:
        """The file the registry serves for `digest` (distribution's filesystem layout)."""
        hex_part = digest.partition(":")[2]
        return (self.storage / "docker" / "registry" / "v2" / "blobs" / "sha256" / hex_part[:2]
                / hex_part / "data")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _registry_answers(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url + "/v2/", timeout=2) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def registry() -> Iterator[Registry]:
    """The reference registry (Debian's docker-registry), started for this session and
    stopped after it, its process and directory gone."""
    import time

    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.skip("docker-registry is not installed (make setup installs it)")
    work = Path(tempfile.mkdtemp(prefix="vmforms-registry-"))
    proc: subprocess.Popen[bytes] | None = None
    try:
        for _attempt in range(5):  # the free port may be taken before the registry binds it
            port = _free_port()
            config = work / "config.yml"
            config.write_text(
                "version: 0.1\n"
                "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
                f"storage:\n  filesystem:\n    rootdirectory: {work / 'storage'}\n"
                "  delete:\n    enabled: true\n"
                f"http:\n  addr: 127.0.0.1:{port}\n"
            )
            log = open(work / "registry.log", "ab")  # noqa: SIM115 - the child holds it
            with log:
                proc = subprocess.Popen([binary, "serve", str(config)], stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 15
            while proc.poll() is None and time.monotonic() < deadline:
                if _registry_answers(url):
                    break
                time.sleep(0.05)
            if proc.poll() is None and _registry_answers(url):
                break
            proc.kill()
            proc.wait()
            proc = None
        if proc is None:
            raise AssertionError("docker-registry did not start:\n"
                                 + (work / "registry.log").read_text(errors="replace"))
        yield Registry(f"127.0.0.1:{port}", work / "storage")
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(work, ignore_errors=True)
        assert proc is None or proc.returncode is not None
        assert not work.exists(), f"registry directory left behind: {work}"
