"""Boot the built-in minimal Linux guest on the software RISC-V machine, end to end.

Each test is one boot (tens of millions of guest instructions), so they are slow; the
guest kernel and initramfs come from `vmforms setup` (make setup).
"""

from __future__ import annotations

import os
import platform
import pty
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BOOT_TIMEOUT = 600  # seconds of wall time for one boot on a busy 2-core machine


def require_tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:
        pytest.fail(f"{name} is not installed (apt-get install e2fsprogs)")
    return path


@pytest.fixture(scope="module")
def guest() -> Path:
    from vmforms.errors import VmformsError
    from vmforms.hypervisor.boot.assets import guest_assets

    try:
        return guest_assets().kernel
    except VmformsError as exc:
        pytest.fail(f"{exc} (make setup builds the guest)")


def vm(
    vmforms_bin: str, *args: str, timeout: float = BOOT_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [vmforms_bin, "vm", "run", "--timeout", str(timeout), *args],
        capture_output=True,
        text=True,
        timeout=timeout + 60,
    )


def test_uname_is_the_guest_kernel(vmforms_bin: str, guest: Path) -> None:
    proc = vm(vmforms_bin, "--", "uname", "-r")
    assert proc.returncode == 0, proc.stderr
    release = (guest.parent / "release").read_text().strip()
    assert proc.stdout == release + "\n"
    assert proc.stdout.strip() != platform.release()


def test_the_guest_clock_shows_the_host_date(vmforms_bin: str, guest: Path) -> None:
    """The Goldfish RTC sets the guest's clock at boot (RTC_HCTOSYS): not 1970."""
    before = time.gmtime()
    proc = vm(vmforms_bin, "--", "date", "-u", "+%Y %j")
    after = time.gmtime()
    assert proc.returncode == 0, proc.stderr
    year, day = (int(v) for v in proc.stdout.split())
    assert (before.tm_year, before.tm_yday) <= (year, day) <= (after.tm_year, after.tm_yday)


def test_cpuinfo_says_riscv_and_the_exit_status_comes_back(vmforms_bin: str, guest: Path) -> None:
    # The interpreter engine this time, with early boot messages through the SBI console.
    # An exit mark the command prints itself (as a file it cats could hold one) is its
    # output: only /init's, signed with this run's key, ends the run.
    forged = "printf '\\033]vmforms;exit=0\\007'; echo"
    script = ("cat /proc/cpuinfo; dmesg | grep -c 'bootconsole \\[sbi0\\] enabled'; uname -m; "
              f"{forged}; exit 3")
    proc = vm(
        vmforms_bin, "--engine", "interp", "--append", "earlycon=sbi", "--", "sh", "-c", script
    )
    assert proc.returncode == 3, proc.stderr
    assert "isa\t\t: rv64imafdc" in proc.stdout
    assert "mmu\t\t: sv39" in proc.stdout
    assert proc.stdout.splitlines()[-3:] == ["1", "riscv64", "\x1b]vmforms;exit=0\x07"]


@pytest.fixture(scope="module")
def disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    mkfs = require_tool("mkfs.ext4")
    root = tmp_path_factory.mktemp("vmdisk")
    src = root / "src"
    src.mkdir()
    (src / "host.txt").write_text("written on the host\n")
    image = root / "disk.img"
    with image.open("wb") as f:
        f.truncate(16 << 20)
    subprocess.run([mkfs, "-q", "-F", "-d", str(src), str(image)], check=True)
    yield image
    shutil.rmtree(root)


def debugfs_cat(image: Path, name: str) -> str:
    proc = subprocess.run(
        [require_tool("debugfs"), "-R", f"cat /{name}", str(image)],
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def test_a_file_written_to_a_virtio_disk_is_on_the_host(
    vmforms_bin: str, guest: Path, disk: Path
) -> None:
    script = (
        "mount -t ext4 /dev/vda /mnt && cat /mnt/host.txt && "
        "echo 'written in the guest' > /mnt/guest.txt && umount /mnt"
    )
    proc = vm(vmforms_bin, "--disk", str(disk), "--", "sh", "-c", script)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "written on the host\n"
    assert debugfs_cat(disk, "guest.txt") == "written in the guest\n"
    fsck = subprocess.run([require_tool("e2fsck"), "-fn", str(disk)], capture_output=True)
    assert fsck.returncode == 0, fsck.stdout


def test_after_a_reboot_a_read_only_disk_shows_the_file_and_refuses_writes(
    vmforms_bin: str, guest: Path, disk: Path
) -> None:
    before = disk.read_bytes()
    script = (
        "mount -t ext4 -o ro /dev/vda /mnt && cat /mnt/guest.txt && "
        "cat /sys/block/vda/ro && "
        "if dd if=/dev/zero of=/dev/vda bs=512 count=1 conv=fsync 2>/dev/null; "
        "then echo wrote; else echo refused; fi"
    )
    proc = vm(vmforms_bin, "--disk", f"{disk},ro", "--", "sh", "-c", script)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["written in the guest", "1", "refused"]
    assert disk.read_bytes() == before


def test_a_misbehaving_guest_is_logged_and_survived(
    vmforms_bin: str, guest: Path, disk: Path
) -> None:
    # From inside the guest, as root: read an address no device claims (the CPU raises
    # an access fault, the kernel kills devmem with SIGSEGV), then point the disk's
    # virtqueue outside RAM and re-enable it. The monitor must log and carry on.
    virtio0 = 0x10001000
    script = (
        "devmem 0x30000000 32; echo fault=$?; "
        f"devmem {virtio0 + 0x44:#x} 32 0; "
        f"devmem {virtio0 + 0x80:#x} 32 0x1000; devmem {virtio0 + 0x84:#x} 32 0; "
        f"devmem {virtio0 + 0x44:#x} 32 1; "
        f"echo status=$(devmem {virtio0 + 0x70:#x} 32); echo alive"
    )
    proc = vm(vmforms_bin, "--disk", f"{disk},ro", "--", "sh", "-c", script)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    # The RISC-V kernel turns a load access fault in user mode into SIGSEGV (128 + 11).
    assert "fault=139" in lines and lines[-1] == "alive", proc.stdout
    status = int(next(x for x in lines if x.startswith("status=")).removeprefix("status="), 16)
    assert status & 0x40  # DEVICE_NEEDS_RESET
    assert "outside guest RAM" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_hung_guest_is_bounded_by_the_timeout(vmforms_bin: str, guest: Path) -> None:
    """A guest that never powers off (a busy loop: `sleep` would not do, an idle guest's
    clock skips ahead to its next timer) is stopped at --timeout."""
    start = time.monotonic()
    proc = vm(vmforms_bin, "--", "sh", "-c", "while :; do :; done", timeout=20)
    assert proc.returncode == 124
    assert proc.stderr.strip().splitlines() == [
        "vmforms vm: guest did not power off within 20s (--timeout)"
    ]
    assert time.monotonic() - start < 80


def test_interactive_console_runs_a_shell_and_ctrl_a_x_quits(vmforms_bin: str, guest: Path) -> None:
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(vmforms_bin, [vmforms_bin, "vm", "run", "--timeout", str(BOOT_TIMEOUT)])
    seen = bytearray()

    def expect(needle: bytes, within: float) -> None:
        deadline = time.monotonic() + within
        while needle not in seen:
            left = deadline - time.monotonic()
            assert left > 0, f"no {needle!r} in console output: {bytes(seen[-500:])!r}"
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if ready:
                try:
                    seen.extend(os.read(fd, 4096))
                except OSError:
                    break

    try:
        expect(b"# ", BOOT_TIMEOUT)
        os.write(fd, b"echo answer-$((6*7))\r")
        expect(b"answer-42", 120)
        os.write(fd, b"\x01x")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                assert os.waitstatus_to_exitcode(status) == 0
                break
            time.sleep(0.1)
        else:
            pytest.fail("Ctrl-A X did not end the console")
    finally:
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)


def test_a_vm_killed_with_sigkill_leaves_nothing_behind(vmforms_bin: str, guest: Path) -> None:
    import signal
    import tempfile

    from vmforms.container.paths import state_root

    with tempfile.TemporaryDirectory(prefix="vmforms-test-") as private:
        tmp = Path(private)  # the VM's own TMPDIR: anything it leaves is its own
        proc = subprocess.Popen(
            [vmforms_bin, "vm", "run", "--timeout", "120", "--", "sleep", "60"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=dict(os.environ, TMPDIR=private),
        )
        time.sleep(5)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert list(tmp.iterdir()) == []
    leftovers = list((state_root() / "cache").glob(f".riscv.tcache.{proc.pid}"))
    # a save cut short is possible in principle; the next VM removes it
    if leftovers:
        vm(vmforms_bin, "--", "true")
        assert not any(p.exists() for p in leftovers)
    assert not Path(f"/proc/{proc.pid}").exists()
