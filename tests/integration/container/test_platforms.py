"""Multi-platform images and 32-bit containers: the built-in busybox index, --platform on
images, inspect, save and load, and the i386 busybox run natively on the x86-64 kernel,
compared with podman (runc) running the same manifest from our saved archive."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from vmforms.container.image.platform import binfmt_handler, ia32_emulation

if TYPE_CHECKING:
    from conftest import Vmf

VMFORMS = str(Path(sys.executable).with_name("vmforms"))
PLATFORMS = ["linux/amd64", "linux/386", "linux/riscv64"]
# The facts of the 32-bit container: PID 1's ELF class (byte 4 of the header: 1 = 32-bit),
# the machine and kernel it is told, the same under the linux32 personality, and a
# subshell (a SIGCHLD handler returning through i386's sigreturn).
PROBE = ("head -c 5 /proc/1/exe | od -An -tu1 | tr -s ' ' | cut -d' ' -f6; uname -m; "
         "linux32 uname -m; uname -r; (true); echo sub=$?")
on_x86_64 = pytest.mark.skipif(os.uname().machine != "x86_64",
                               reason="32-bit containers here need an x86-64 host")


@pytest.fixture(scope="module")
def multi(vmf: Vmf) -> Vmf:
    tree = vmf("images", "--tree", check=True).stdout
    if "linux/386" not in tree:
        pytest.skip("busybox has no linux/386 manifest: `vmforms setup` could not fetch "
                    "Debian's i386 busybox-static")
    return vmf


def test_busybox_is_an_index_of_three_platforms(multi: Vmf) -> None:
    lines = multi("images", "--tree", check=True).stdout.splitlines()
    assert lines[0].split() == ["IMAGE", "ID", "DISK", "USAGE"]
    assert lines[1].startswith("busybox:latest ")
    assert [line.split()[1] for line in lines[2:5]] == PLATFORMS
    seen = {}
    for platform in PLATFORMS:
        [info] = json.loads(multi("inspect", "--platform", platform, "busybox",
                                  check=True).stdout)
        assert f"{info['Os']}/{info['Architecture']}" == platform
        assert info["Platforms"] == PLATFORMS
        seen[platform] = info["Id"]
    assert len(set(seen.values())) == 3
    [default] = json.loads(multi("inspect", "busybox", check=True).stdout)
    host = {"x86_64": "linux/amd64", "riscv64": "linux/riscv64"}.get(os.uname().machine)
    if host:
        assert default["Id"] == seen[host]
    missing = multi("inspect", "--platform", "linux/s390x", "busybox")
    assert missing.returncode == 1
    assert "no manifest for linux/s390x" in missing.stderr and "Traceback" not in missing.stderr


@on_x86_64
def test_i386_busybox_runs_on_the_64_bit_kernel(multi: Vmf) -> None:
    if not ia32_emulation():
        done = multi("run", "--rm", "--platform", "linux/386", "busybox", "true")
        assert done.returncode == 125 and "CONFIG_IA32_EMULATION" in done.stderr
        return
    done = multi("run", "--rm", "--platform", "linux/386", "busybox", "sh", "-c", PROBE,
                 check=True)
    # 32-bit PID 1; the machine is the kernel's (no personality change, as Docker);
    # linux32 gives i686; the kernel is the host's own
    assert done.stdout.split() == ["1", "x86_64", "i686", os.uname().release, "sub=0"]
    native = multi("run", "--rm", "busybox", "sh", "-c", PROBE, check=True)
    assert native.stdout.split()[0] == "2"  # the host's platform: a 64-bit busybox


def test_a_platform_the_host_cannot_execute_is_refused(multi: Vmf) -> None:
    if binfmt_handler("riscv64") is not None:
        pytest.skip("a binfmt_misc handler runs riscv64 programs on this host")
    # process isolation asked for: the default runs it in the VM (test_isolation_vm.py)
    done = multi("run", "--rm", "--isolation", "process", "--platform", "linux/riscv64",
                 "busybox", "true")
    assert done.returncode == 125
    [line] = done.stderr.splitlines()
    assert "is for linux/riscv64" in line and "binfmt_misc" in line
    assert multi.container_ids() == []


def test_bad_platform_is_one_line(multi: Vmf) -> None:
    for args in (["run", "--rm", "--platform", "linux/../x", "busybox", "true"],
                 ["save", "--platform", "windows/amd64", "-o", "/dev/null", "busybox"]):
        done = multi(*args)
        assert done.returncode != 0 and len(done.stderr.splitlines()) == 1, done.stderr
        assert "invalid platform" in done.stderr


def test_save_and_load_keep_the_index(multi: Vmf, tmp_path: Path) -> None:
    archive = tmp_path / "busybox.tar"
    multi("save", "-o", str(archive), "busybox", check=True)
    before = multi("images", "--tree", check=True).stdout
    env = {**multi.env, "VMFORMS_ROOT": str(tmp_path / "other")}
    loaded = subprocess.run([multi.bin, "container", "load", "-i", str(archive)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert loaded.stdout == "Loaded image: busybox:latest\n", loaded.stderr
    tree = subprocess.run([multi.bin, "container", "images", "--tree"], env=env,
                          capture_output=True, text=True, timeout=60).stdout
    assert tree == before  # the same index digest, platforms and ids
    env["VMFORMS_ROOT"] = str(tmp_path / "third")
    subprocess.run([multi.bin, "container", "load", "--platform", "linux/386", "-i",
                    str(archive)], env=env, check=True, capture_output=True, timeout=120)
    tree = subprocess.run([multi.bin, "container", "images", "--tree"], env=env,
                          capture_output=True, text=True, timeout=60).stdout
    assert [line.split()[1] for line in tree.splitlines()[2:]] == ["linux/386"]


# --- the peer: podman (runc) on the same i386 manifest -------------------------------------

@pytest.fixture(scope="module")
def podman_386(multi: Vmf) -> Iterator[list[str]]:
    """podman over a store of its own, holding our busybox's linux/386 manifest copied by
    skopeo from the archive `vmforms container save` wrote."""
    for tool in ("podman", "skopeo", "runc"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install podman skopeo runc)")
    base = Path(tempfile.mkdtemp(prefix="vmforms-podman386-"))
    cmd = ["podman", "--root", str(base / "root"), "--runroot", str(base / "runroot"),
           "--tmpdir", str(base / "tmp"), "--events-backend", "none",
           "--cgroup-manager=cgroupfs", "--runtime", "runc"]
    archive = base / "busybox.tar"
    try:
        multi("save", "-o", str(archive), "busybox", check=True)
        copied = subprocess.run(
            ["skopeo", "--override-arch", "386", "copy", "-q",
             f"oci-archive:{archive}:busybox:latest",
             f"containers-storage:[overlay@{base / 'root'}+{base / 'runroot'}]"
             "localhost/vmf-busybox:386"],
            capture_output=True, text=True, timeout=120)
        assert copied.returncode == 0, copied.stderr
        yield cmd
    finally:
        subprocess.run([*cmd, "rm", "-af"], capture_output=True, timeout=60)
        subprocess.run([*cmd, "rmi", "-af"], capture_output=True, timeout=60)
        mounts = [line.split()[4] for line in
                  Path("/proc/self/mountinfo").read_text().splitlines() if str(base) in line]
        for mount in reversed(mounts):
            subprocess.run(["umount", "-l", mount], check=False)
        subprocess.run(["rm", "-rf", "--one-file-system", str(base)], check=False)
        assert not mounts, f"mounts left behind: {mounts}"


@on_x86_64
def test_podman_runs_the_same_i386_busybox_alike(multi: Vmf, podman_386: list[str]) -> None:
    if not ia32_emulation():
        pytest.skip("the host kernel runs no 32-bit programs")
    theirs = subprocess.run(
        [*podman_386, "run", "--rm", "--network=none", "--pull=never", "--platform",
         "linux/386", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
         "localhost/vmf-busybox:386", "sh", "-c", PROBE],
        capture_output=True, text=True, timeout=120)
    assert theirs.returncode == 0, theirs.stderr
    ours = multi("run", "--rm", "--platform", "linux/386", "busybox", "sh", "-c", PROBE,
                 check=True)
    assert ours.stdout == theirs.stdout
    inspect = subprocess.run([*podman_386, "image", "inspect", "localhost/vmf-busybox:386"],
                             capture_output=True, text=True, timeout=60)
    [info] = json.loads(inspect.stdout)
    [mine] = json.loads(multi("inspect", "--platform", "linux/386", "busybox",
                              check=True).stdout)
    assert (info["Architecture"], info["Id"]) == ("386", mine["Id"][7:])


def test_no_module_loading_in_a_container(multi: Vmf) -> None:
    """Drivers cannot run in a container: the only kernel is the host's, and loading
    into it needs CAP_SYS_MODULE, which the container does not have."""
    done = multi("run", "--rm", "busybox", "sh", "-c",
                 "grep CapBnd /proc/self/status; echo x > /tmp/m.ko; insmod /tmp/m.ko; "
                 "echo rc=$?")
    bounding = int(done.stdout.split()[1], 16)
    assert not bounding & (1 << 16)  # CAP_SYS_MODULE
    assert "rc=1" in done.stdout and "Operation not permitted" in done.stderr


@on_x86_64
def test_demo_notes_the_32_bit_container() -> None:
    if os.geteuid() != 0:
        pytest.skip("the container column needs root")
    if not ia32_emulation():
        pytest.skip("the host kernel runs no 32-bit programs")
    done = subprocess.run([VMFORMS, "demo", "--form", "container", "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)["forms"]["container"]["container_386"]
    if not found["available"] and "no manifest for linux/386" in found["reason"]:
        pytest.skip("the host's busybox image has no linux/386 manifest (vmforms setup)")
    assert found == {"available": True, "elf_class": 32, "kernel": os.uname().release,
                     "kernel_is_host": True, "machine": "x86_64", "machine_linux32": "i686"}
