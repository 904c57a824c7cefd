"""`run` options beyond the basics and named volumes, compared with podman where it has
the same option: the effect inside the container is what is compared."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CASES: list[tuple[list[str], str]] = [
    (["--env-file", "{envfile}", "-e", "B=over"], "echo $A $B"),
    (["--cap-drop", "ALL", "--cap-add", "NET_RAW", "--cap-add", "chown"],
     "grep -E 'Cap(Prm|Eff|Bnd)' /proc/self/status"),
    (["--cap-drop", "NET_RAW"], "grep CapBnd /proc/self/status"),
    (["--ulimit", "nofile=100:200"], "ulimit -n; ulimit -Hn"),
    (["--tmpfs", "/scratch:size=1m,mode=1777"], "grep -o 'scratch.*' /proc/mounts"),
    (["--group-add", "10", "--group-add", "4242"], "id -G"),
    (["--sysctl", "kernel.shmmax=1048576"], "cat /proc/sys/kernel/shmmax"),
    (["--sysctl", "net.ipv4.ip_unprivileged_port_start=80"],
     "cat /proc/sys/net/ipv4/ip_unprivileged_port_start"),
    (["--stop-signal", "SIGUSR1", "-l", "a=b"], "true"),
]


@pytest.fixture
def envfile(tmp_path: Path) -> Path:
    path = tmp_path / "env"
    path.write_text("# a comment\nA=1\n\nB=two words\n")
    return path


def _fill(args: list[str], envfile: Path) -> list[str]:
    return [a.format(envfile=envfile) for a in args]


@pytest.mark.parametrize("args, script", CASES)
def test_run_options_take_effect(vmf: Any, envfile: Path, args: list[str], script: str) -> None:
    done = vmf("run", "--rm", *_fill(args, envfile), "busybox", "sh", "-c", script)
    assert done.returncode == 0, done.stderr
    want = {
        "echo $A $B": "1 over\n",
        "ulimit -n; ulimit -Hn": "100\n200\n",
        "id -G": "0 10 4242\n",
        "cat /proc/sys/kernel/shmmax": "1048576\n",
    }.get(script)
    if want is not None:
        assert done.stdout == want
    if "NET_RAW" in args and "ALL" in args:
        assert done.stdout.count("0000000000002001") == 3
    if script.startswith("grep -o"):
        # Docker's --tmpfs defaults (noexec, nosuid, nodev); mode 1777 is tmpfs's own
        assert "scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k 0 0" in done.stdout


@pytest.fixture(scope="module")
def podman_image(vmf: Any) -> Iterator[str]:
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed")
    pulled = subprocess.run(["podman", "pull", "-q", f"oci:{vmf.root / 'images'}:busybox:latest"],
                            capture_output=True, text=True, timeout=120)
    if pulled.returncode != 0:
        pytest.skip(f"podman cannot pull the test image: {pulled.stderr.strip()}")
    yield pulled.stdout.strip()
    subprocess.run(["podman", "rmi", "-f", pulled.stdout.strip()], capture_output=True)


# Not compared: the bounding set after --cap-drop (podman's default set lacks MKNOD and
# AUDIT_WRITE, Docker's and ours have them) and --tmpfs (podman leaves out noexec).
@pytest.mark.parametrize("args, script", [CASES[i] for i in (0, 1, 3, 5)])
def test_run_options_like_podman(vmf: Any, envfile: Path, podman_image: str,
                                 args: list[str], script: str) -> None:
    filled = _fill(args, envfile)
    ulimits = [] if "--ulimit" in args else ["--ulimit", "nofile=1024:1024"]
    theirs = subprocess.run(["podman", "--runtime", "runc", "run", "--rm", "--network",
                             "none", *ulimits, "--ulimit", "nproc=1024:1024", *filled,
                             podman_image, "sh", "-c", script], capture_output=True,
                            text=True, timeout=120)
    if theirs.returncode != 0 and "rlimit" in theirs.stderr:
        pytest.skip(f"podman cannot run here: {theirs.stderr.strip()}")
    ours = vmf("run", "--rm", *filled, "busybox", "sh", "-c", script)
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout)


def test_run_option_errors_are_one_line(vmf: Any, tmp_path: Path) -> None:
    for args in (["--cap-add", "BOGUS"], ["--ulimit", "nofile=5:2"], ["--ulimit", "x=1"],
                 ["--env-file", str(tmp_path / "missing")], ["--tmpfs", "rel"],
                 ["--mount", "type=bind,target=/x"], ["--mount", "type=nope,target=/x"],
                 ["--stop-signal", "SIGNOPE"], ["--group-add", "nosuchgroup"],
                 ["--sysctl", "kernel.panic=1"]):
        done = vmf("run", "--rm", *args, "busybox", "true")
        assert done.returncode == 125, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_stop_signal_timeout_and_labels_recorded(vmf: Any) -> None:
    name = f"vmf-stop-{os.getpid()}"
    try:
        vmf("run", "-d", "--name", name, "--stop-signal", "SIGKILL", "--stop-timeout", "3",
            "-l", "tier=web", "busybox", "sleep", "300", check=True)
        cfg = json.loads(vmf("inspect", name, check=True).stdout)[0]["Config"]
        assert cfg["StopSignal"] == "SIGKILL" and cfg["StopTimeout"] == 3
        assert cfg["Labels"]["tier"] == "web"
        assert vmf("ps", "-f", "label=tier=web", "--format", "{{.Names}}",
                   check=True).stdout == f"{name}\n"
        vmf("stop", name, check=True)
        assert json.loads(vmf("inspect", name, check=True).stdout)[0]["State"]["ExitCode"] \
            == 137
    finally:
        vmf("rm", "-f", name)


def test_named_volumes(vmf: Any) -> None:
    vol = f"vmfvol{os.getpid()}"
    name = f"vmf-vol-{os.getpid()}"
    try:
        # copied up from the image on first use, then kept between containers
        first = vmf("run", "--rm", "-v", f"{vol}:/etc", "busybox", "sh", "-c",
                    "ls /etc; echo kept > /etc/mine", check=True).stdout.split()
        assert "passwd" in first and "group" in first
        again = vmf("run", "--rm", "--mount", f"type=volume,source={vol},target=/v,readonly",
                    "busybox", "sh", "-c", "cat /v/mine; touch /v/x")
        assert again.stdout == "kept\n" and again.returncode != 0
        assert vol in vmf("volume", "ls", "-q", check=True).stdout.split()
        info = json.loads(vmf("volume", "inspect", vol, check=True).stdout)[0]
        assert info["Name"] == vol and info["Driver"] == "local"
        assert Path(info["Mountpoint"], "mine").read_text() == "kept\n"
        vmf("run", "-d", "--name", name, "-v", f"{vol}:/data", "busybox", "sleep", "300",
            check=True)
        for value in (vol, "/data"):
            assert vmf("ps", "-f", f"volume={value}", "--format", "{{.Names}}",
                       check=True).stdout == f"{name}\n"
        busy = vmf("volume", "rm", vol)
        assert busy.returncode == 1 and "volume is in use" in busy.stderr
        vmf("rm", "-f", name, check=True)
        assert vmf("volume", "rm", vol, check=True).stdout == f"{vol}\n"
        gone = vmf("volume", "inspect", vol)
        assert gone.returncode == 1 and "no such volume" in gone.stderr
        # prune takes unused anonymous volumes; -a every unused one
        vmf("volume", "create", vol, check=True)
        vmf("run", "--name", name, "-v", "/anon", "busybox", "true", check=True)
        vmf("rm", name, check=True)  # without -v: its anonymous volume stays
        anonymous = [v for v in vmf("volume", "ls", "-q", check=True).stdout.split()
                     if len(v) == 64]
        assert anonymous
        pruned = vmf("volume", "prune", "-f", check=True).stdout
        assert all(a in pruned for a in anonymous) and vol not in pruned
        assert vol in vmf("volume", "prune", "-a", "-f", check=True).stdout
        # anonymous volumes go with their container: --rm, rm -v; named ones stay
        before = set(vmf("volume", "ls", "-q", check=True).stdout.split())
        vmf("run", "--rm", "-v", "/anon", "busybox", "true", check=True)
        vmf("run", "--name", name, "-v", "/anon2", "-v", f"{vol}:/k", "busybox", "true",
            check=True)
        vmf("rm", "-v", name, check=True)
        assert set(vmf("volume", "ls", "-q", check=True).stdout.split()) - before == {vol}
        bad = vmf("volume", "create", "bad/name")
        assert bad.returncode == 125 and "invalid characters" in bad.stderr
    finally:
        vmf("rm", "-f", name)
        vmf("volume", "rm", "-f", vol)


def test_pull_policies(vmf: Any, registry: Any) -> None:
    ref = f"{registry.host}/vmf/busybox:pull-{os.getpid()}"
    try:
        vmf("tag", "busybox", ref, check=True)
        vmf("push", ref, check=True)
        vmf("rmi", ref, check=True)
        never = vmf("run", "--rm", "--pull", "never", ref, "true")
        assert never.returncode == 125 and "no such image" in never.stderr
        assert vmf("run", "--rm", ref, "true").returncode == 125  # no --pull: no registry
        missing = vmf("run", "--rm", "--pull", "missing", ref, "echo", "pulled", check=True)
        assert missing.stdout == "pulled\n" and "Unable to find image" in missing.stderr
        again = vmf("run", "--rm", "--pull", "missing", ref, "true", check=True)
        assert "Unable to find image" not in again.stderr
        assert vmf("run", "--rm", "--pull", "always", ref, "true").returncode == 0
        bad = vmf("run", "--rm", "--pull", "sometimes", "busybox", "true")
        assert bad.returncode == 125 and "invalid pull option" in bad.stderr
    finally:
        vmf("rmi", "-f", ref)


DEVICE_SCRIPT = ("ls -ln /dev/k | cut -c1-10; stat -c '%t:%T' /dev/k; "
                 "echo x > /dev/k 2>/dev/null && echo wrote || echo refused; "
                 "grep ' /dev/shm ' /proc/mounts | grep -o 'size=[0-9]*k'")


def test_device_and_shm_size(vmf: Any) -> None:
    done = vmf("run", "--rm", "--device", "/dev/kmsg:/dev/k:r", "--shm-size", "2m",
               "busybox", "sh", "-c", DEVICE_SCRIPT, check=True)
    assert done.stdout.splitlines() == ["crw-r--r--", "1:b", "refused", "size=2048k"]
    rw = vmf("run", "--rm", "--device", "/dev/null:/dev/k", "busybox", "sh", "-c",
             "echo x > /dev/k && echo wrote", check=True)
    assert rw.stdout == "wrote\n"
    for bad in (["--device", "/etc/passwd"], ["--device", "/dev/no-such-device"],
                ["--device", "/dev/null:/dev/k:rwx"], ["--shm-size", "lots"]):
        failed = vmf("run", "--rm", *bad, "busybox", "true")
        assert failed.returncode == 125 and len(failed.stderr.strip().splitlines()) == 1


def test_device_like_podman(vmf: Any, podman_image: str) -> None:
    theirs = subprocess.run(["podman", "--runtime", "runc", "run", "--rm", "--network", "none",
                             "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                             "--device", "/dev/kmsg:/dev/k:r", "--shm-size", "2m",
                             podman_image, "sh", "-c", DEVICE_SCRIPT],
                            capture_output=True, text=True, timeout=120)
    ours = vmf("run", "--rm", "--device", "/dev/kmsg:/dev/k:r", "--shm-size", "2m",
               "busybox", "sh", "-c", DEVICE_SCRIPT)
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout)


def test_it_without_a_terminal_warns_and_runs(vmf: Any) -> None:
    done = vmf("run", "--rm", "-it", "busybox", "echo", "hi", input="")
    assert done.returncode == 0 and "hi" in done.stdout
    assert done.stderr.strip() == ("WARNING: The input device is not a TTY. The --tty and "
                                   "--interactive flags might not work properly")
    plain = vmf("run", "--rm", "-i", "busybox", "cat", input="in\n")
    assert (plain.stdout, plain.stderr) == ("in\n", "")


PRIVILEGED = ("grep -E 'Cap(Eff|Bnd)|Seccomp:' /proc/self/status; grep ' /sys ' /proc/mounts "
              "| cut -d' ' -f4 | cut -d, -f1; test -c /dev/loop-control && echo host-devices; "
              "mkdir -p /m && mount -t tmpfs x /m && echo mounted")


def test_privileged(vmf: Any) -> None:
    done = vmf("run", "--rm", "--privileged", "busybox", "sh", "-c", PRIVILEGED, check=True)
    lines = done.stdout.splitlines()
    assert "Seccomp:\t0" in lines and "rw" in lines and "host-devices" in lines
    assert "mounted" in lines
    plain = vmf("run", "--rm", "busybox", "sh", "-c", PRIVILEGED).stdout.splitlines()
    assert "Seccomp:\t2" in plain and "ro" in plain and "mounted" not in plain


def test_privileged_like_podman(vmf: Any, podman_image: str) -> None:
    theirs = subprocess.run(["podman", "--runtime", "runc", "run", "--rm", "--network", "none",
                             "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                             "--privileged", podman_image, "sh", "-c", PRIVILEGED],
                            capture_output=True, text=True, timeout=120)
    ours = vmf("run", "--rm", "--privileged", "busybox", "sh", "-c", PRIVILEGED)
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout)


def test_memory_reservation_and_oom_kill_disable(vmf: Any, cgroups_below: Any) -> None:
    name = f"vmf-mres-{os.getpid()}"
    try:
        vmf("run", "-d", "--name", name, "-m", "64m", "--memory-reservation", "32m",
            "--oom-kill-disable", "busybox", "sleep", "300", check=True)
        info = json.loads(vmf("inspect", name, check=True).stdout)[0]
        host = info["HostConfig"]
        assert host["MemoryReservation"] == 32 << 20 and host["OomKillDisable"] is True
        found = [Path(d) for d in cgroups_below("vmforms") if d.endswith(info["Id"])]
        v1 = [d for d in found if d.parent.parent.name == "memory"]
        if v1:
            assert (v1[0] / "memory.soft_limit_in_bytes").read_text().strip() == str(32 << 20)
            assert "oom_kill_disable 1" in (v1[0] / "memory.oom_control").read_text()
        else:
            unified = [d for d in found if (d / "memory.low").exists()]
            assert unified and (unified[0] / "memory.low").read_text().strip() == str(32 << 20)
    finally:
        vmf("rm", "-f", name)


def test_cpu_shares_and_cpuset(vmf: Any, cgroups_below: Any) -> None:
    name = f"vmf-cpu-{os.getpid()}"
    try:
        vmf("run", "-d", "--name", name, "--cpu-shares", "512", "--cpuset-cpus", "0",
            "busybox", "sleep", "300", check=True)
        cid = json.loads(vmf("inspect", name, check=True).stdout)[0]["Id"]
        dirs = [Path(d) for d in cgroups_below("vmforms") if d.endswith(cid)]
        shares = [d / "cpu.shares" for d in dirs if (d / "cpu.shares").exists()]
        weight = [d / "cpu.weight" for d in dirs if (d / "cpu.weight").exists()]
        assert (shares and shares[0].read_text().strip() == "512") or weight
        cpus = [d / f for d in dirs for f in ("cpuset.cpus", "cpuset.cpus.effective")
                if (d / f).exists()]
        assert cpus and cpus[0].read_text().strip() == "0"
        inside = vmf("exec", name, "grep", "Cpus_allowed_list", "/proc/self/status",
                     check=True).stdout
        assert inside.split() == ["Cpus_allowed_list:", "0"]
        bad = vmf("run", "--rm", "--cpu-shares", "many", "busybox", "true")
        assert bad.returncode == 125 and "--cpu-shares" in bad.stderr
    finally:
        vmf("rm", "-f", name)


def test_security_opt_label_and_apparmor_accepted(vmf: Any) -> None:
    done = vmf("run", "--rm", "--security-opt", "label=disable", "--security-opt",
               "apparmor=unconfined", "busybox", "echo", "ok", check=True)
    assert done.stdout == "ok\n"
    bad = vmf("run", "--rm", "--security-opt", "bogus=1", "busybox", "true")
    assert bad.returncode == 125 and len(bad.stderr.strip().splitlines()) == 1
