"""`vmforms container run` against the real kernel: isolation, limits, exit codes."""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Vmf


def test_kernel_is_the_hosts(vmf: Vmf) -> None:
    out = vmf("run", "--rm", "busybox", "uname", "-r", check=True).stdout
    assert out.strip() == os.uname().release


def test_pid1_is_the_command(vmf: Vmf) -> None:
    out = vmf("run", "--rm", "busybox", "sh", "-c", "echo $$; cat /proc/1/cmdline | tr '\\0' ' '",
              check=True).stdout.splitlines()
    assert out[0] == "1"
    assert out[1].startswith("sh -c echo $$")


def test_ps_sees_only_the_container(vmf: Vmf) -> None:
    out = vmf("run", "--rm", "busybox", "ps", "-o", "pid,comm", check=True).stdout
    rows = [line.split() for line in out.strip().splitlines()[1:]]
    assert rows == [["1", "ps"]], out
    host_count = len([p for p in os.listdir("/proc") if p.isdigit()])
    assert host_count > 1


def test_hostname_is_isolated(vmf: Vmf) -> None:
    before = socket.gethostname()
    out = vmf("run", "--rm", "--hostname", "inner-host", "busybox", "sh", "-c",
              "hostname; hostname changed-inside || echo refused; hostname", check=True).stdout
    # Docker's default capabilities lack CAP_SYS_ADMIN: the name cannot be changed inside.
    assert out.split() == ["inner-host", "refused", "inner-host"]
    assert socket.gethostname() == before


def test_default_hostname_is_short_id(vmf: Vmf) -> None:
    proc = vmf("run", "-d", "busybox", "sleep", "30", check=True)
    cid = proc.stdout.strip()
    try:
        out = vmf("exec", cid, "hostname", check=True).stdout.strip()
        assert out == cid[:12]
    finally:
        vmf("rm", "-f", cid, check=True)


def test_network_is_loopback_only(vmf: Vmf) -> None:
    out = vmf("run", "--rm", "--network", "none", "busybox", "cat", "/proc/net/dev",
              check=True).stdout
    names = sorted(line.split(":")[0].strip() for line in out.splitlines()[2:])
    assert names == ["lo"]
    up = vmf("run", "--rm", "busybox", "cat", "/sys/class/net/lo/operstate", check=True).stdout
    assert up.strip() in ("unknown", "up")


def test_memory_hog_is_oom_killed(vmf: Vmf) -> None:
    hog = 'x=$(head -c 200m /dev/zero | tr "\\0" a); echo survived'
    proc = vmf("run", "--name", "hog", "--memory", "32m", "busybox", "sh", "-c", hog)
    try:
        assert proc.returncode == 137, proc.stderr
        assert "survived" not in proc.stdout
        import json

        info = json.loads(vmf("inspect", "hog", check=True).stdout)[0]
        assert info["State"]["OOMKilled"] is True
        assert info["State"]["ExitCode"] == 137
    finally:
        vmf("rm", "-f", "hog")


def test_memory_limit_is_visible_in_cgroup(vmf: Vmf) -> None:
    out = vmf("run", "--rm", "--memory", "64m", "busybox", "sh", "-c",
              "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || "
              "cat /sys/fs/cgroup/memory.max", check=True).stdout
    assert int(out.strip()) == 64 * 1024 * 1024


def test_fork_loop_is_stopped_by_pids_limit(vmf: Vmf) -> None:
    script = "for i in $(seq 40); do sleep 5 & done; echo spawned; ps -o pid | wc -l"
    proc = vmf("run", "--rm", "--pids-limit", "10", "busybox", "sh", "-c", script)
    assert "can't fork" in proc.stderr
    # Never more than the limit: sh, the sleeps that got through, and ps itself.
    lines = proc.stdout.split()
    if "spawned" in lines:
        assert int(lines[-1]) - 1 <= 10


def test_cpus_sets_cfs_quota(vmf: Vmf) -> None:
    out = vmf("run", "--rm", "--cpus", "0.5", "busybox", "sh", "-c",
              "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us "
              "2>/dev/null || cat /sys/fs/cgroup/cpu.max", check=True).stdout.split()
    assert out in (["50000", "100000"], ["50000 100000"])


def test_read_only_rootfs(vmf: Vmf) -> None:
    proc = vmf("run", "--rm", "--read-only", "busybox", "touch", "/newfile")
    assert proc.returncode == 1
    assert "Read-only file system" in proc.stderr
    # /dev/shm and /proc are mounts of their own and stay as they are.
    vmf("run", "--rm", "--read-only", "busybox", "touch", "/dev/shm/ok", check=True)


def test_writes_go_to_the_container_layer_only(vmf: Vmf) -> None:
    vmf("run", "--rm", "busybox", "sh", "-c", "echo x > /bin/busybox-was-here", check=True)
    proc = vmf("run", "--rm", "busybox", "ls", "/bin/busybox-was-here")
    assert proc.returncode == 1


def test_volumes_rw_and_ro(vmf: Vmf, tmp_path: os.PathLike[str]) -> None:
    from pathlib import Path

    host = Path(tmp_path)
    (host / "in.txt").write_text("from host\n")
    out = vmf("run", "--rm", "-v", f"{host}:/data", "busybox", "sh", "-c",
              "cat /data/in.txt; echo from container > /data/out.txt", check=True).stdout
    assert out == "from host\n"
    assert (host / "out.txt").read_text() == "from container\n"
    proc = vmf("run", "--rm", "-v", f"{host}:/data:ro", "busybox", "sh", "-c",
               "cat /data/in.txt; echo nope > /data/ro.txt")
    assert proc.returncode != 0
    assert "Read-only file system" in proc.stderr
    assert not (host / "ro.txt").exists()


def test_env_workdir_user(vmf: Vmf) -> None:
    out = vmf("run", "--rm", "-e", "GREETING=hello world", "-w", "/tmp/work", "-u", "1000:1000",
              "busybox", "sh", "-c", 'echo "$GREETING"; pwd; id -u; id -g; echo $HOME',
              check=True).stdout.splitlines()
    assert out == ["hello world", "/tmp/work", "1000", "1000", "/"]
    out = vmf("run", "--rm", "-u", "nobody", "busybox", "id", check=True).stdout
    assert "uid=65534(nobody)" in out


def test_image_env_and_path(vmf: Vmf) -> None:
    out = vmf("run", "--rm", "busybox", "sh", "-c", "echo $PATH; echo $HOME", check=True).stdout
    assert out.splitlines() == ["/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                "/root"]


def test_security_defaults(vmf: Vmf) -> None:
    out = vmf("run", "--rm", "busybox", "grep", "-E", "^(CapBnd|CapEff|NoNewPrivs)",
              "/proc/self/status", check=True).stdout
    fields = dict(line.split(":\t") for line in out.strip().splitlines())
    assert fields["CapBnd"] == "00000000a80425fb"  # Docker's default set
    assert fields["CapEff"] == "00000000a80425fb"
    assert fields["NoNewPrivs"] == "1"
    # Masked: /proc/timer_list reads as /dev/null; read-only: /proc/sys.
    assert os.path.getsize("/proc/timer_list") == 0  # procfs reports 0; read to compare
    with open("/proc/timer_list", "rb") as f:
        assert f.read(1)
    assert vmf("run", "--rm", "busybox", "wc", "-c", "/proc/timer_list",
               check=True).stdout.split()[0] == "0"
    proc = vmf("run", "--rm", "busybox", "sh", "-c", "echo 1 > /proc/sys/kernel/hostname")
    assert proc.returncode != 0
    mounts = vmf("run", "--rm", "busybox", "cat", "/proc/mounts", check=True).stdout
    assert " /sys sysfs ro," in mounts
    assert " /dev tmpfs " in mounts and " /dev/pts devpts " in mounts
    devs = vmf("run", "--rm", "busybox", "ls", "/dev", check=True).stdout.split()
    for name in ("null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm"):
        assert name in devs


def test_exit_codes(vmf: Vmf) -> None:
    assert vmf("run", "--rm", "busybox", "sh", "-c", "exit 3").returncode == 3
    proc = vmf("run", "--rm", "busybox", "no-such-command")
    assert proc.returncode == 127
    assert proc.stderr.count("\n") == 1 and "no-such-command" in proc.stderr
    proc = vmf("run", "--rm", "busybox", "/etc/passwd")
    assert proc.returncode == 126
    assert proc.stderr.count("\n") == 1
    # The kernel shields a pid namespace's init from its own SIGKILL, as under Docker.
    proc = vmf("run", "--rm", "busybox", "sh", "-c", "kill -9 $$; echo alive")
    assert (proc.returncode, proc.stdout) == (0, "alive\n")


def test_host_devices_are_refused_even_to_root(vmf: Vmf) -> None:
    """CAP_MKNOD lets root in the container make a node for the host's disk; the devices
    cgroup (Docker's allow list) refuses to open it, while /dev/null still works."""
    disk = next((p for p in ("/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda")
                 if os.path.exists(p)), None)
    if disk is None:
        import pytest

        pytest.skip("no block device to try")
    st = os.stat(disk)
    script = (f"mknod /tmp/disk b {os.major(st.st_rdev)} {os.minor(st.st_rdev)} && "
              "head -c 16 /tmp/disk; echo rc=$?; echo x > /dev/null && echo null-ok")
    proc = vmf("run", "--rm", "busybox", "sh", "-c", script)
    assert "Operation not permitted" in proc.stderr
    assert proc.stdout.splitlines() == ["rc=1", "null-ok"]
