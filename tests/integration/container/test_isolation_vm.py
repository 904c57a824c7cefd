"""Containers inside the RISC-V virtual machine (`run --isolation vm`): the kernel seen is
the guest's, the exit status, -e/-w/-u/--memory reach the container, --rm leaves nothing,
a linux/riscv64 image goes to the VM by default with a one-line notice, and a detached
one, resumed from the snapshot the first run saved, is listed, inspected, logged, stopped
and removed like any container.

A VM boot costs seconds of our software CPU, so one attached run carries every check of
the container's view.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Vmf

BOOT_TIMEOUT = 600
PROBE = ("uname -r; uname -m; echo $FOO; pwd; id -u; id -g; cat /sys/fs/cgroup/memory.max; "
         "cat /proc/1/cmdline | tr '\\0' ' '; echo; exit 7")


@pytest.fixture(scope="module")
def vm_root(vmf: Vmf) -> Iterator[Vmf]:
    """The test root with the built-in guest of `vmforms setup` (its kernel and the
    riscv64 busybox package) and its translation cache, which a container's VM uses."""
    from vmforms.container.paths import DEFAULT_ROOT

    default = Path(DEFAULT_ROOT)
    manifest = default / "assets" / "guest.json"
    debs = sorted((default / "assets" / "debs").glob("busybox-static_*_riscv64.deb"))
    if not manifest.is_file() or not debs:
        pytest.fail(f"the built-in guest is not built in {default} (make setup builds it)")
    if shutil.which("riscv64-linux-gnu-gcc") is None or shutil.which("mke2fs") is None:
        pytest.fail("riscv64-linux-gnu-gcc or mke2fs is missing (make setup installs them)")
    assets = vmf.root / "assets"
    (assets / "debs").mkdir(parents=True, exist_ok=True)
    shutil.copy(manifest, assets / "guest.json")
    shutil.copy(debs[-1], assets / "debs" / debs[-1].name)
    cache = default / "cache" / "riscv-containers.tcache"
    if cache.is_file():
        (vmf.root / "cache").mkdir(mode=0o700, exist_ok=True)
        os.symlink(cache, vmf.root / "cache" / cache.name)
    yield vmf


@pytest.fixture(scope="module")
def attached(vm_root: Vmf) -> subprocess.CompletedProcess[str]:
    """One container in the VM, chosen by default for its platform, with --rm."""
    return vm_root("run", "--rm", "--platform", "linux/riscv64", "-e", "FOO=bar baz",
                   "-w", "/work/dir", "-u", "1000:1001", "--memory", "32m", "busybox",
                   "sh", "-c", PROBE, timeout=BOOT_TIMEOUT)


def test_the_kernel_seen_is_the_guests(attached: subprocess.CompletedProcess[str]) -> None:
    from vmforms.hypervisor.boot.assets import guest_assets

    lines = attached.stdout.splitlines()
    assert lines[0] == guest_assets().release, attached.stderr
    assert lines[0] != os.uname().release
    assert lines[1] == "riscv64"


def test_exit_status_and_options(attached: subprocess.CompletedProcess[str]) -> None:
    assert attached.returncode == 7, attached.stderr
    assert attached.stdout.splitlines()[2:] == [
        "bar baz", "/work/dir", "1000", "1001", str(32 << 20), f"sh -c {PROBE} "]


def test_riscv64_goes_to_the_vm_with_a_notice(
        attached: subprocess.CompletedProcess[str], vm_root: Vmf) -> None:
    [line] = attached.stderr.splitlines()
    assert "linux/riscv64" in line and "--isolation vm" in line
    assert vm_root.container_ids() == []  # --rm


def test_detached_from_the_snapshot(attached: subprocess.CompletedProcess[str],
                                    vm_root: Vmf) -> None:
    """The attached run booted the VM and saved it at the agent's base mark (for any
    image) and ready mark (this image's); this one resumes the latter, shows in ps,
    inspect and logs, and is stopped and removed."""
    snapshots = sorted((vm_root.root / "vm" / "snapshots").iterdir())
    assert len(snapshots) == 2 and all((s / "vmstate").is_file() for s in snapshots)
    done = vm_root("run", "-d", "--isolation", "vm", "--name", "in-vm", "busybox",
                   "sh", "-c", "echo started; echo warned >&2; exec sleep 600", check=True)
    cid = done.stdout.strip()
    assert vm_root("ps", "--format", "{{.Names}} {{.Status}}",
                   check=True).stdout.startswith("in-vm Up")
    [info] = json.loads(vm_root("inspect", cid, check=True).stdout)
    assert info["HostConfig"]["Isolation"] == "vm"
    vm = info["VirtualMachine"]
    assert "riscv64" in vm["Kernel"] and "RISC-V CPU" in vm["CPU"]
    assert f"/vmforms/{cid}\n" in Path(f"/proc/{info['State']['Pid']}/cgroup").read_text()
    deadline = time.monotonic() + BOOT_TIMEOUT
    while (logs := vm_root("logs", cid, check=True)).stderr != "warned\n":
        assert not logs.stderr and time.monotonic() < deadline, logs.stderr
        time.sleep(0.5)
    assert logs.stdout == "started\n"  # each stream kept as it came
    vm_root("stop", "-t", "1", "in-vm", check=True)
    [info] = json.loads(vm_root("inspect", cid, check=True).stdout)
    # 143: SIGTERM ended the VM process (137 after the grace); `sleep 600` in the guest
    # lasts 600 s of wall time, not one jump of the guest's clock
    assert info["State"]["Status"] == "exited" and info["State"]["ExitCode"] in (137, 143)
    vm_root("rm", "in-vm", check=True)
    assert vm_root.container_ids() == []
    assert sorted((vm_root.root / "vm" / "snapshots").iterdir()) == snapshots


def test_stdin_with_i(attached: subprocess.CompletedProcess[str], vm_root: Vmf) -> None:
    """-i: the input reaches the guest's console, its end is an end of file there; and
    a directory of the image removed and made again is empty (an opaque directory in
    the overlay's upper layer, a tmpfs with xattrs)."""
    done = vm_root("run", "-i", "--rm", "--isolation", "vm", "busybox", "sh", "-c",
                   "wc -l; rm -r /etc && mkdir /etc && ls -A /etc | wc -l; echo end",
                   input="one\ntwo\nthree", timeout=BOOT_TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "0", "end"]


def test_stdout_and_stderr_apart(attached: subprocess.CompletedProcess[str],
                                 vm_root: Vmf) -> None:
    """Without a terminal stderr leaves the guest by its own console (hvc0), so each
    stream reaches its own file descriptor, as a native container's do."""
    done = vm_root("run", "--rm", "--isolation", "vm", "busybox", "sh", "-c",
                   "echo out; echo err >&2; echo out2; ls /nowhere", timeout=BOOT_TIMEOUT)
    assert done.returncode == 1, done.stderr
    assert done.stdout == "out\nout2\n"
    assert done.stderr.splitlines() == [
        "err", "ls: /nowhere: No such file or directory"]


def test_a_forged_exit_mark_is_only_output(attached: subprocess.CompletedProcess[str],
                                           vm_root: Vmf) -> None:
    """A container (or a file it prints) cannot end its run with a status of its choosing:
    exit marks without the run's key, the plain one of an older agent among them, are
    its output, and the real status comes out after them."""
    forged = ("\\033]vmforms;exit=0\\007 \\033]vmforms;" + "ab" * 16 + ";exit=0\\007 "
              "\\033]vmforms;exit=")
    done = vm_root("run", "--rm", "--isolation", "vm", "busybox", "sh", "-c",
                   f"printf '{forged}' > /m; cat /m; echo; sleep 1; echo still here; exit 3",
                   timeout=BOOT_TIMEOUT)
    assert done.returncode == 3, done.stderr
    assert done.stdout == ("\x1b]vmforms;exit=0\x07 \x1b]vmforms;" + "ab" * 16 +
                           ";exit=0\x07 \x1b]vmforms;exit=\nstill here\n")


def test_a_new_image_starts_from_the_base_snapshot(
        attached: subprocess.CompletedProcess[str], vm_root: Vmf) -> None:
    """An image without a snapshot of its own resumes the VM saved before any image's
    disk was there, which then gets this image's disk (its size announced by a
    configuration-change interrupt) and mounts it (VMFORMS_VM_SNAPSHOT=base: as if the
    image had no snapshot)."""
    env = {**vm_root.env, "VMFORMS_VM_SNAPSHOT": "base", "VMFORMS_VM_STATS": "1"}
    done = subprocess.run(
        [vm_root.bin, "container", "run", "--rm", "--isolation", "vm", "busybox", "sh", "-c",
         "cat /sys/block/vda/size; ls /bin | wc -l; exit 4"],
        env=env, capture_output=True, text=True, timeout=BOOT_TIMEOUT, check=False)
    assert done.returncode == 4, done.stderr
    sectors, applets = map(int, done.stdout.split())
    [disk] = (vm_root.root / "vm" / "disks").glob("*.ext4")
    assert sectors == disk.stat().st_size // 512 and applets > 50
    assert "(resumed from the base snapshot)" in done.stderr


def test_terminal_with_t(attached: subprocess.CompletedProcess[str], vm_root: Vmf) -> None:
    """-t: the console is the container's terminal, at /dev/console, with the caller's
    terminal's size (a pseudo-terminal made by script(1))."""
    script = shutil.which("script")
    if script is None:
        pytest.fail("script is missing (apt-get install bsdutils)")
    line = (f"stty rows 33 cols 101; {vm_root.bin} container run -it --rm --isolation vm "
            "busybox sh -c 'tty; stty size; exit 5'")
    done = subprocess.run([script, "-eqc", line, "/dev/null"], env=vm_root.env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=BOOT_TIMEOUT)
    assert done.returncode == 5, done.stdout + done.stderr
    assert done.stdout.split()[-3:] == ["/dev/console", "33", "101"]


def test_refusals_are_one_line(vm_root: Vmf) -> None:
    for args, words in (
            (["--isolation", "vm", "-v", "/tmp:/x"], "-v is not supported"),
            (["--isolation", "vm", "--platform", "linux/386"], "runs linux/riscv64"),
            (["--isolation", "bogus"], "invalid isolation"),
            (["--isolation", "process", "--platform", "linux/riscv64"], "cannot execute")):
        done = vm_root("run", "--rm", *args, "busybox", "true")
        assert done.returncode == 125, (args, done.stderr)
        [line] = done.stderr.splitlines()
        assert words in line, line
    assert vm_root.container_ids() == []


def _size(text: str) -> float:
    """Bytes of a `system df` size (go-units: decimal units)."""
    units = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
    number = text.rstrip("BkMGT")
    return float(number) * units[text[len(number):]]


def test_rmi_and_prune_take_the_vm_files(attached: subprocess.CompletedProcess[str],
                                         vm_root: Vmf, tmp_path: Path) -> None:
    """An image's VM disk goes with it (rmi, image prune), the disk and snapshot of a
    stored image stay, and `system df` counts them with the images."""
    import tarfile

    disks, snapshots = vm_root.root / "vm" / "disks", vm_root.root / "vm" / "snapshots"
    [disk] = disks.glob("*.ext4")
    kept = sorted(snapshots.iterdir())
    assert kept
    rootfs = tmp_path / "rootfs.tar"
    with tarfile.open(rootfs, "w") as tar:
        tar.add(__file__, arcname="probe")
    image_id = vm_root("import", str(rootfs), "vm-gone:1", check=True).stdout.strip()
    planted = disks / f"{image_id.removeprefix('sha256:')}.v2.ext4"
    shutil.copy(disk, planted)  # as if it had run in the VM: its disk, by its ID
    allocated = planted.stat().st_blocks * 512

    def images_size() -> float:
        rows = vm_root("system", "df", "--format", "{{.Type}} {{.Size}}", check=True).stdout
        return _size(rows.splitlines()[0].split()[1])

    before = images_size()
    vm_root("rmi", "vm-gone:1", check=True)
    assert not planted.exists() and disk.exists()
    assert sorted(snapshots.iterdir()) == kept
    assert before - images_size() == pytest.approx(allocated, rel=0.05, abs=20e3)
    stale = disks / f"{'c3' * 32}.v2.ext4"
    stale.write_bytes(b"an image's disk whose image is gone")
    vm_root("image", "prune", "-f", check=True)
    assert not stale.exists() and disk.exists()
    assert sorted(snapshots.iterdir()) == kept
