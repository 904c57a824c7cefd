"""containerd (Debian's package, started here on a socket and root of its own) drives
`vmforms-runc` through its runc shim, as a Kubernetes node's containerd would with a
RuntimeClass whose handler points at it (docs/containers.md)."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Vmf

RUNTIME = str(Path(sys.executable).with_name("vmforms-runc"))
SHIM_ROOT = Path("/run/containerd/runc")  # the runc shim's --root, per namespace


class Containerd:
    def __init__(self, base: Path, namespace: str) -> None:
        self.base = base
        self.namespace = namespace
        self.socket = base / "containerd.sock"

    def ctr(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ctr", "-a", str(self.socket), "-n", self.namespace, *args],
                              capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def containerd(vmf: Vmf) -> Iterator[Containerd]:
    for tool in ("containerd", "ctr", "containerd-shim-runc-v2"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (make setup installs containerd)")
    base = Path(tempfile.mkdtemp(prefix="vmforms-containerd-"))
    namespace = f"vmforms-test-{secrets.token_hex(4)}"
    (base / "config.toml").write_text(
        "version = 2\n"
        f'root = "{base / "root"}"\nstate = "{base / "state"}"\n'
        f'[grpc]\n  address = "{base / "containerd.sock"}"\n'
        '[plugins."io.containerd.grpc.v1.cri"]\n  disable = true\n')
    log = open(base / "containerd.log", "wb")  # noqa: SIM115 - the daemon holds it
    daemon = subprocess.Popen(["containerd", "--config", str(base / "config.toml")],
                              stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    c = Containerd(base, namespace)
    try:
        deadline = time.monotonic() + 30
        while c.ctr("version", timeout=10).returncode != 0:
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("containerd did not start:\n"
                                     + (base / "containerd.log").read_text(errors="replace"))
            time.sleep(0.2)
        archive = base / "busybox.tar"
        arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine,
                                                             os.uname().machine)
        # The host's manifest only: ctr imports a docker-archive, not the whole index.
        vmf("save", "--platform", f"linux/{arch}", "-o", str(archive), "busybox", check=True)
        imported = c.ctr("images", "import", str(archive), timeout=120)
        assert imported.returncode == 0, imported.stderr
        yield c
    finally:
        for cid in c.ctr("containers", "ls", "-q").stdout.split():
            c.ctr("task", "kill", "-s", "SIGKILL", cid)
            c.ctr("task", "delete", "-f", cid)
            c.ctr("containers", "delete", cid)
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        mounts = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text()
                  .splitlines() if str(base) in line]
        for point in sorted(mounts, reverse=True):
            subprocess.run(["umount", "-l", point], check=False)
        subprocess.run(["rm", "-rf", "--one-file-system", str(base)], check=False)
        leftover = sorted(os.listdir(SHIM_ROOT / namespace)) if (
            SHIM_ROOT / namespace).is_dir() else []
        shutil.rmtree(SHIM_ROOT / namespace, ignore_errors=True)
        # containerd puts a namespace's containers under a cgroup named after it
        # (cgroupsPath /NAMESPACE/ID): the runtime removes each container's, and the
        # namespace's, made for this test, goes with it (rmdir: only if it is empty)
        busy = []
        for parent in [*Path("/sys/fs/cgroup").glob(f"*/{namespace}"),
                       Path("/sys/fs/cgroup") / namespace]:
            try:
                parent.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                busy.append(str(parent))
        assert not mounts, f"mounts left behind: {mounts}"
        assert not leftover, f"runtime state left behind: {leftover}"
        assert not busy, f"cgroups left behind: {busy}"


IMAGE = "docker.io/library/busybox:latest"


def test_ctr_run_with_our_runtime(containerd: Containerd) -> None:
    done = containerd.ctr("run", "--rm", "--runc-binary", RUNTIME, IMAGE, "once", "sh", "-c",
                          "echo hello; uname -r; exit 3")
    assert done.returncode == 3, done.stderr
    assert done.stdout.split() == ["hello", os.uname().release]


def test_ctr_detached_exec_kill_delete(containerd: Containerd) -> None:
    c = containerd
    done = c.ctr("run", "-d", "--runc-binary", RUNTIME, IMAGE, "long", "sleep", "60")
    assert done.returncode == 0, done.stderr
    try:
        listed = c.ctr("task", "ls").stdout
        assert "long" in listed and "RUNNING" in listed
        ran = c.ctr("task", "exec", "--exec-id", "e1", "long", "sh", "-c",
                    "cat /proc/1/cmdline | tr '\\0' ' '; exit 4")
        assert ran.returncode == 4, ran.stderr
        assert ran.stdout.strip() == "sleep 60"
        assert c.ctr("task", "kill", "-s", "SIGKILL", "long").returncode == 0
        deadline = time.monotonic() + 15
        while "STOPPED" not in c.ctr("task", "ls").stdout and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "STOPPED" in c.ctr("task", "ls").stdout
    finally:
        c.ctr("task", "delete", "-f", "long")
        c.ctr("containers", "delete", "long")
    assert "long" not in c.ctr("containers", "ls", "-q").stdout.split()
